-- Where a message went once it left the outbox: 'smtp' (the SMTP server
-- accepted it) or 'log' (no SMTP server was configured: it was printed to
-- the log, not sent). The API shows a message printed to the log with the
-- status "printed", distinct from "sent".
ALTER TABLE outbox ADD COLUMN channel TEXT NOT NULL DEFAULT 'smtp' CHECK (channel IN ('smtp', 'log'));
