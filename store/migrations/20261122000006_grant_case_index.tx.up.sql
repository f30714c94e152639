-- Whether one account holds a live grant on one case file (the one-case form
-- of the visibility predicate, on every case-file request) is a seek on
-- (case_id, account_id); the index it replaces only had (case_id, kind).
CREATE INDEX grants_case_account ON grants (case_id, account_id, kind, revoked_at, starts_at, ends_at);
DROP INDEX grants_case;
