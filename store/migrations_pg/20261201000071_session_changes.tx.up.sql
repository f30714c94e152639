-- PostgreSQL only: a stamp of the last write that can change what a session
-- check reads (store/casehint.go).
--
-- On PostgreSQL each instance keeps, per token, its last session check as a
-- guess, and a case file's page is read in one statement with it. The
-- statement has to know whether the guess still holds: reading the session,
-- the account and its scope again cost that statement about a third of its
-- time. Instead, every statement that writes what a session check reads
-- (sessions but for their last activity, accounts but for their failed
-- logins, memberships, units, inspectors' categories and units' inspections)
-- sets this stamp to a new random value, in its own transaction, and the
-- guess keeps the stamp it was read with. The same stamp read later, on any
-- instance, means that none of those writes was committed in between: the
-- guess is still what a session check would read, but for what depends on the
-- hour (a session's expiry and idle time, a membership that starts or ends),
-- which the instance checks itself. A random value rather than a count: a
-- database restored from a dump under running instances (or another
-- database put at the same address) cannot come back to a value an instance
-- saw with other sessions behind it; the stamp it brings is the one its own
-- sessions were read with.
--
-- The stamp lives in the settings table, which both engines have, under its
-- own key; the first write that counts makes it. SQLite needs none: its one
-- process counts its own commits (store/keptreads.go).

CREATE FUNCTION session_changes_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO settings (key, value) VALUES ('session_changes', gen_random_uuid()::text)
        ON CONFLICT (key) DO UPDATE SET value = excluded.value;
    RETURN NULL;
END $$;

-- Statement-level: a statement that changes many rows stamps once.
CREATE TRIGGER sessions_changes AFTER DELETE OR TRUNCATE ON sessions
    FOR EACH STATEMENT EXECUTE FUNCTION session_changes_stamp();
CREATE TRIGGER sessions_changes_update AFTER UPDATE OF id, token_hash, account_id, created_at, expires_at ON sessions
    FOR EACH STATEMENT EXECUTE FUNCTION session_changes_stamp();
CREATE TRIGGER accounts_changes AFTER DELETE OR TRUNCATE ON accounts
    FOR EACH STATEMENT EXECUTE FUNCTION session_changes_stamp();
CREATE TRIGGER accounts_changes_update AFTER UPDATE OF id, email, email_key, name, role, status, locale, password_hash,
    pledge_signed_at ON accounts
    FOR EACH STATEMENT EXECUTE FUNCTION session_changes_stamp();
CREATE TRIGGER memberships_changes AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON memberships
    FOR EACH STATEMENT EXECUTE FUNCTION session_changes_stamp();
CREATE TRIGGER units_changes AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON units
    FOR EACH STATEMENT EXECUTE FUNCTION session_changes_stamp();
CREATE TRIGGER category_inspectors_changes AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON category_inspectors
    FOR EACH STATEMENT EXECUTE FUNCTION session_changes_stamp();
CREATE TRIGGER unit_inspection_changes AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON unit_inspection
    FOR EACH STATEMENT EXECUTE FUNCTION session_changes_stamp();
