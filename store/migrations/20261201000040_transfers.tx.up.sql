-- Transfers of a case file between units (issue 13), and the unit's module
-- switch for them (accepts_transfers is the unit's own consent to receive).

ALTER TABLE units ADD COLUMN module_transfers INTEGER NOT NULL DEFAULT 1;

CREATE TABLE transfers (
    id                   TEXT PRIMARY KEY,
    -- The case file while it exists; the rest of the row stays the
    -- origin's record of what left (reference, destination, date).
    case_id              TEXT REFERENCES cases (id) ON DELETE SET NULL,
    reference            TEXT NOT NULL,
    category_id          TEXT NOT NULL,
    from_unit_id         TEXT NOT NULL REFERENCES units (id),
    to_unit_id           TEXT NOT NULL REFERENCES units (id),
    requester_id         TEXT NOT NULL REFERENCES accounts (id),
    consent_given_by     TEXT NOT NULL CHECK (consent_given_by IN ('person', 'guardian')),
    consent_given_at     TIMESTAMP NOT NULL,
    consent_collected_by TEXT NOT NULL,
    comment              TEXT NOT NULL DEFAULT '',
    status               TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'refused', 'cancelled')),
    decided_by           TEXT REFERENCES accounts (id),
    decided_at           TIMESTAMP,
    reason               TEXT NOT NULL DEFAULT '',
    created_at           TIMESTAMP NOT NULL
);
-- One pending transfer per case file, in the schema.
CREATE UNIQUE INDEX transfers_pending_case ON transfers (case_id) WHERE status = 'pending';
CREATE INDEX transfers_to ON transfers (to_unit_id, created_at);
CREATE INDEX transfers_from ON transfers (from_unit_id, created_at);
CREATE INDEX transfers_requester ON transfers (requester_id, created_at);
