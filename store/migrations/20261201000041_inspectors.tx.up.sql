-- Referent inspectors (issue 13): the instance names the inspectors of each
-- category; a unit's admins open or close each category to its referents;
-- every read by an inspector is recorded for the unit's admins.

ALTER TABLE units ADD COLUMN module_inspectors INTEGER NOT NULL DEFAULT 1;

CREATE TABLE category_inspectors (
    account_id  TEXT NOT NULL REFERENCES accounts (id),
    category_id TEXT NOT NULL REFERENCES categories (id),
    named_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, category_id)
) WITHOUT ROWID;
CREATE INDEX category_inspectors_category ON category_inspectors (category_id, account_id);

-- A row is an open (unit, category); closing deletes it (the audit log
-- keeps who opened and closed what, when and why).
CREATE TABLE unit_inspection (
    unit_id     TEXT NOT NULL REFERENCES units (id),
    category_id TEXT NOT NULL REFERENCES categories (id),
    opened_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (unit_id, category_id)
) WITHOUT ROWID;
CREATE INDEX unit_inspection_category ON unit_inspection (category_id, unit_id);

CREATE TABLE inspection_reads (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id    TEXT NOT NULL,
    case_id    TEXT REFERENCES cases (id) ON DELETE SET NULL,
    reference  TEXT NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    what       TEXT NOT NULL,
    at         TIMESTAMP NOT NULL
);
CREATE INDEX inspection_reads_unit ON inspection_reads (unit_id, id);

-- An inspector's list reads one range per open (unit, category).
CREATE INDEX cases_unit_category_updated ON cases (unit_id, category_id, updated_at, id);
-- A page of a case file reads it several times: one line per inspector,
-- case file and ten minutes.
CREATE INDEX inspection_reads_account_case ON inspection_reads (account_id, case_id, at);
