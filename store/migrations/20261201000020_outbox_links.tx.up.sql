-- No usable one-time token at rest (issue 15). An e-mail that carries a
-- link (activation, invitation, password reset, helper invitation) is
-- written with a placeholder where the token goes, and says what the token
-- is for: the token is minted when the message is claimed for an attempt,
-- only its hash is stored, and the link exists in the sender's memory only.
-- A later attempt mints another, and the earlier one dies.
ALTER TABLE outbox ADD COLUMN link_placeholder TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN link_purpose TEXT NOT NULL DEFAULT ''
    CHECK (link_purpose IN ('', 'activate', 'invite', 'reset', 'collaboration'));
ALTER TABLE outbox ADD COLUMN link_subject TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN link_ttl_seconds INTEGER NOT NULL DEFAULT 0;

-- Messages written before this kept their links in their text: those that
-- left already keep no text at all. (Those still queued go out as written.)
UPDATE outbox SET text_body = '', html_body = ''
    WHERE status <> 'queued' AND (text_body LIKE '%#token=%' OR html_body LIKE '%#token=%');
