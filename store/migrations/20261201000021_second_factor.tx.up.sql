-- A second factor (issue 15): TOTP (RFC 6238) and single-use recovery codes.

-- One authenticator per account. The TOTP secret is sealed with AES-256-GCM
-- under a key kept outside the database (derived from the instance's key
-- file), bound to its account; confirmed_at stays NULL until the person has
-- typed a first code. last_step is the last time step a code was accepted
-- for: a code works once.
CREATE TABLE second_factors (
    account_id   TEXT PRIMARY KEY REFERENCES accounts (id),
    secret       BLOB NOT NULL,
    confirmed_at TIMESTAMP,
    last_step    INTEGER NOT NULL DEFAULT 0,
    created_at   TIMESTAMP NOT NULL
);

-- Ten single-use recovery codes per account (80 random bits each), stored
-- as SHA-256 only.
CREATE TABLE recovery_codes (
    code_hash  BLOB PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    used_at    TIMESTAMP
);
CREATE INDEX recovery_codes_account ON recovery_codes (account_id);
