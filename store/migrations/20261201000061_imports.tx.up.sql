-- Imports (issue 12): a CSV of memberships keyed by an external identifier,
-- previewed line by line (a dry run), then applied exactly as previewed.
CREATE TABLE imports (
    id               TEXT PRIMARY KEY,
    scope_type       TEXT NOT NULL CHECK (scope_type IN ('org', 'unit')),
    scope_id         TEXT NOT NULL,
    org_id           TEXT NOT NULL REFERENCES organisations (id),
    author_id        TEXT NOT NULL REFERENCES accounts (id),
    status           TEXT NOT NULL CHECK (status IN ('dry_run', 'applied', 'superseded')),
    filename         TEXT NOT NULL DEFAULT '',
    -- The file's SHA-256, hex.
    sha256           TEXT NOT NULL,
    -- A digest of the previewed fates and changes: applying plans the file
    -- again and goes on only if it finds the same.
    plan_hash        TEXT NOT NULL,
    lines            INTEGER NOT NULL,
    created          INTEGER NOT NULL DEFAULT 0,
    updated          INTEGER NOT NULL DEFAULT 0,
    unchanged        INTEGER NOT NULL DEFAULT 0,
    ended            INTEGER NOT NULL DEFAULT 0,
    errors           INTEGER NOT NULL DEFAULT 0,
    -- The scope's memberships not over at the preview: more than a fifth
    -- of them ended needs a confirmation.
    scope_memberships INTEGER NOT NULL DEFAULT 0,
    created_at       TIMESTAMP NOT NULL,
    applied_at       TIMESTAMP
);
CREATE INDEX imports_scope ON imports (scope_type, scope_id, status);

-- Each line's fate: one per line of the file (line > 0), and one per
-- membership the file ends (line 0).
CREATE TABLE import_lines (
    import_id     TEXT NOT NULL REFERENCES imports (id),
    seq           INTEGER NOT NULL,
    line          INTEGER NOT NULL,
    external_id   TEXT NOT NULL DEFAULT '',
    fate          TEXT NOT NULL CHECK (fate IN ('created', 'updated', 'unchanged', 'ended', 'error')),
    membership_id TEXT,
    email         TEXT NOT NULL DEFAULT '',
    name          TEXT NOT NULL DEFAULT '',
    -- The line's cells as read (JSON), planned again when applying.
    input         TEXT NOT NULL DEFAULT '{}',
    -- The fields that change: {"field": {"from": …, "to": …}} (JSON).
    changes       TEXT NOT NULL DEFAULT '{}',
    error_column  TEXT NOT NULL DEFAULT '',
    error_reason  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (import_id, seq)
);
CREATE INDEX import_lines_fate ON import_lines (import_id, fate, seq);

-- A membership's external identifier (given by an import) names one
-- membership not over within an organisation and its units; the import
-- checks it, and finds memberships by it here.
CREATE INDEX memberships_external ON memberships (external_id) WHERE external_id IS NOT NULL;

-- The pending invitations to an address, looked up before every new
-- membership (refuseDuplicate), without scanning a scope's thousands of
-- members.
CREATE INDEX memberships_invited ON memberships (invited_email, role) WHERE account_id IS NULL;
