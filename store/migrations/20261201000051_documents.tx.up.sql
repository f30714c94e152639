-- Documents by audience (issue 12): a file the secretariat or an
-- organisation's admins publish to organisations, roles and functions.
-- The file lives encrypted beside the attachments, under a random name.
CREATE TABLE documents (
    id           TEXT PRIMARY KEY,
    title        TEXT NOT NULL,
    filename     TEXT NOT NULL,
    media_type   TEXT NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    storage_name TEXT NOT NULL,
    -- {org_ids, roles, functions}: empty lists do not narrow.
    audience     TEXT NOT NULL,
    publisher_id TEXT NOT NULL REFERENCES accounts (id),
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX documents_created ON documents (created_at);
