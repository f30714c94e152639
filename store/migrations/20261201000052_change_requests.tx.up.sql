-- Change requests (issue 12): what the members of a centrally managed
-- organisation ask its secretariat to change.
CREATE TABLE change_requests (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organisations (id),
    requester_id TEXT NOT NULL REFERENCES accounts (id),
    kind         TEXT NOT NULL CHECK (kind IN ('add_member', 'end_member', 'update_member', 'update_record')),
    -- The change, as checked when it was filed (JSON).
    details      TEXT NOT NULL,
    message      TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'applied', 'rejected')),
    reason       TEXT NOT NULL DEFAULT '',
    decided_by   TEXT REFERENCES accounts (id),
    decided_at   TIMESTAMP,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX change_requests_status ON change_requests (status, created_at);
CREATE INDEX change_requests_requester ON change_requests (requester_id, created_at);
