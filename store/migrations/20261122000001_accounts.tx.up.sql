-- Accounts, sessions, one-time tokens, role requests, the audit log and the
-- e-mail outbox: everything an instance needs before its first case file.

CREATE TABLE accounts (
    id               TEXT PRIMARY KEY,
    email            TEXT NOT NULL,
    -- email_key is the e-mail as compared: trimmed and lower-cased, unique.
    email_key        TEXT NOT NULL UNIQUE,
    name             TEXT NOT NULL,
    role             TEXT NOT NULL CHECK (role IN ('reader', 'editor', 'admin', 'superadmin')),
    status           TEXT NOT NULL CHECK (status IN ('invited', 'pending', 'active', 'locked', 'blocked', 'deregistered')),
    locale           TEXT NOT NULL DEFAULT 'fr',
    password_hash    TEXT NOT NULL DEFAULT '',
    pledge_signed_at TIMESTAMP,
    failed_logins    INTEGER NOT NULL DEFAULT 0,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL
);
CREATE INDEX accounts_role_status ON accounts (role, status);

-- A session is a login. Only the SHA-256 of its bearer token is stored.
CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    token_hash   BLOB NOT NULL UNIQUE,
    account_id   TEXT NOT NULL REFERENCES accounts (id),
    created_at   TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    client_ip    TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_account ON sessions (account_id);

-- One-time tokens sent by e-mail (activation, invitation, password reset),
-- stored as SHA-256 only; used_at makes them single use.
CREATE TABLE account_tokens (
    token_hash BLOB PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    purpose    TEXT NOT NULL CHECK (purpose IN ('activate', 'invite', 'reset')),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP
);
CREATE INDEX account_tokens_account ON account_tokens (account_id, purpose);

-- Failed logins per client address, for throttling without an account.
CREATE TABLE login_failures (
    client_ip  TEXT PRIMARY KEY,
    failures   INTEGER NOT NULL,
    last_at    TIMESTAMP NOT NULL
);

CREATE TABLE role_requests (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts (id),
    role        TEXT NOT NULL CHECK (role IN ('editor', 'admin')),
    message     TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    decided_by  TEXT REFERENCES accounts (id),
    decided_at  TIMESTAMP,
    reason      TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX role_requests_status ON role_requests (status, created_at);
CREATE INDEX role_requests_account ON role_requests (account_id, created_at);

-- Append-only, hash-chained: hash = SHA-256(prev_hash || canonical row).
CREATE TABLE audit_entries (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TIMESTAMP NOT NULL,
    actor_id    TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    object_type TEXT NOT NULL DEFAULT '',
    object_id   TEXT NOT NULL DEFAULT '',
    reason      TEXT NOT NULL DEFAULT '',
    client_ip   TEXT NOT NULL DEFAULT '',
    details     TEXT NOT NULL DEFAULT '',
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_actor ON audit_entries (actor_id, id);
CREATE INDEX audit_object ON audit_entries (object_type, object_id, id);
CREATE INDEX audit_action ON audit_entries (action, id);
CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
BEGIN
    SELECT RAISE(ABORT, 'audit entries are append-only');
END;
CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
BEGIN
    SELECT RAISE(ABORT, 'audit entries are append-only');
END;

-- E-mails are written here in the same transaction as the change that causes them.
CREATE TABLE outbox (
    id              TEXT PRIMARY KEY,
    message_id      TEXT NOT NULL UNIQUE,
    to_addr         TEXT NOT NULL,
    subject         TEXT NOT NULL,
    text_body       TEXT NOT NULL,
    html_body       TEXT NOT NULL,
    kind            TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMP NOT NULL,
    sent_at         TIMESTAMP
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

-- Instance settings changed at run time (pledge text, categories' defaults...).
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
