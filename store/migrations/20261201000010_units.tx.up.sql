-- Organisations, units and memberships (issue 11): one instance for a whole
-- network, each unit as watertight from the others as one person's case
-- files are from another's.
--
-- An existing instance ends up with one organisation and one unit (their
-- names are filled in from instance.name at the first start, see
-- Store.NameFirstScope), every case file in that unit and every editor an
-- editor of it, so that it behaves exactly as before.

-- A random version-4 UUID, as the store writes its ids.
CREATE TEMP VIEW new_uuid AS SELECT lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' ||
    substr(hex(randomblob(2)), 2) || '-' || substr('89AB', 1 + abs(random() % 4), 1) ||
    substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))) AS id;

-- 1. The instance role secretariat. SQLite cannot change a CHECK in place,
--    and rebuilding accounts would need foreign keys off, which a migration's
--    transaction cannot switch; the CHECK only widens, so its text is edited
--    in the schema (SQLite's documented way for changes that leave the
--    stored rows valid) and the schema reloaded.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
   SET sql = replace(sql, '''reader'', ''editor'', ''admin'', ''superadmin'')',
                          '''reader'', ''editor'', ''admin'', ''superadmin'', ''secretariat'')')
 WHERE type = 'table' AND name = 'accounts';
PRAGMA writable_schema = RESET;

-- 2. Organisations and units.
CREATE TABLE organisations (
    id                TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    -- code is an external identifier, unique, kept upper-case.
    code              TEXT NOT NULL UNIQUE,
    address           TEXT NOT NULL DEFAULT '',
    contact_email     TEXT NOT NULL DEFAULT '',
    status            TEXT NOT NULL CHECK (status IN ('invited', 'active', 'closed')),
    -- A centrally managed organisation's record and memberships are changed
    -- by the secretariat only, on request.
    centrally_managed INTEGER NOT NULL DEFAULT 0,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);

CREATE TABLE units (
    id                 TEXT PRIMARY KEY,
    -- A unit never changes organisation: case files carry both ids.
    org_id             TEXT NOT NULL REFERENCES organisations (id),
    name               TEXT NOT NULL,
    code               TEXT NOT NULL UNIQUE,
    contact_email      TEXT NOT NULL DEFAULT '',
    address            TEXT NOT NULL DEFAULT '',
    status             TEXT NOT NULL CHECK (status IN ('invited', 'active', 'closed')),
    module_helpers     INTEGER NOT NULL DEFAULT 1,
    module_attachments INTEGER NOT NULL DEFAULT 1,
    module_reminders   INTEGER NOT NULL DEFAULT 1,
    accepts_transfers  INTEGER NOT NULL DEFAULT 0,
    -- The logo and the stamp printed on the unit's reports: small images,
    -- kept in the database so that every instance serving it has them.
    logo               BLOB,
    logo_type          TEXT NOT NULL DEFAULT '',
    stamp              BLOB,
    stamp_type         TEXT NOT NULL DEFAULT '',
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL
);
CREATE INDEX units_org ON units (org_id, name);

-- 3. Memberships: an account (or, while invited, an e-mail address) in one
--    scope, with a role, functions and a mandate. Never deleted: ending one
--    sets valid_until.
CREATE TABLE memberships (
    id                 TEXT PRIMARY KEY,
    account_id         TEXT REFERENCES accounts (id),
    org_id             TEXT REFERENCES organisations (id),
    unit_id            TEXT REFERENCES units (id),
    role               TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'member')),
    -- A JSON array of function codes.
    functions          TEXT NOT NULL DEFAULT '[]',
    valid_from         TIMESTAMP NOT NULL,
    valid_until        TIMESTAMP,
    invited_email      TEXT NOT NULL DEFAULT '',
    token_hash         BLOB UNIQUE,
    token_expires      TIMESTAMP,
    invited_by         TEXT REFERENCES accounts (id),
    external_id        TEXT,
    notified_ending_at TIMESTAMP,
    notified_ended_at  TIMESTAMP,
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL,
    CHECK ((org_id IS NULL) <> (unit_id IS NULL)),
    CHECK (role <> 'editor' OR unit_id IS NOT NULL),
    CHECK (account_id IS NOT NULL OR invited_email <> '')
);
-- A person's memberships, read at every request to expand their scope.
CREATE INDEX memberships_account ON memberships (account_id, valid_from, valid_until, role, org_id, unit_id)
    WHERE account_id IS NOT NULL;
CREATE INDEX memberships_unit ON memberships (unit_id, role) WHERE unit_id IS NOT NULL;
CREATE INDEX memberships_org ON memberships (org_id, role) WHERE org_id IS NOT NULL;
CREATE INDEX memberships_until ON memberships (valid_until) WHERE valid_until IS NOT NULL;

-- The instance's first organisation and unit, named at the first start.
CREATE TEMP TABLE first_scope AS SELECT (SELECT id FROM new_uuid) AS org_id, (SELECT id FROM new_uuid) AS unit_id;
INSERT INTO organisations (id, name, code, status, created_at, updated_at)
    SELECT org_id, '', 'MAIN', 'active', strftime('%Y-%m-%d %H:%M:%f+00:00', 'now'), strftime('%Y-%m-%d %H:%M:%f+00:00', 'now') FROM first_scope;
INSERT INTO units (id, org_id, name, code, status, created_at, updated_at)
    SELECT unit_id, org_id, '', 'MAIN', 'active', strftime('%Y-%m-%d %H:%M:%f+00:00', 'now'), strftime('%Y-%m-%d %H:%M:%f+00:00', 'now') FROM first_scope;

-- Every editor an editor of it, since they joined.
INSERT INTO memberships (id, account_id, unit_id, role, valid_from, created_at, updated_at)
    SELECT (SELECT id FROM new_uuid), a.id, (SELECT unit_id FROM first_scope), 'editor', a.created_at,
           strftime('%Y-%m-%d %H:%M:%f+00:00', 'now'), strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')
    FROM accounts AS a WHERE a.role = 'editor';

-- 4. Case files belong to a unit (and, through it, an organisation).
ALTER TABLE cases ADD COLUMN unit_id TEXT REFERENCES units (id);
ALTER TABLE cases ADD COLUMN org_id TEXT REFERENCES organisations (id);
UPDATE cases SET (unit_id, org_id) = (SELECT unit_id, org_id FROM first_scope);
CREATE INDEX cases_unit_updated ON cases (unit_id, updated_at, id);
CREATE INDEX cases_org_updated ON cases (org_id, updated_at, id);
-- The one-case read of a unit's admin checks the scope on the index entry,
-- before reading any case file (and lists found by id sort on its date).
CREATE INDEX cases_id_scope ON cases (id, updated_at, org_id, unit_id);
DROP INDEX cases_id_updated;

-- Per unit and status, what a scope admin's totals add up.
CREATE TABLE unit_case_counts (
    unit_id TEXT NOT NULL,
    status  TEXT NOT NULL,
    n       INTEGER NOT NULL,
    PRIMARY KEY (unit_id, status)
) WITHOUT ROWID;
INSERT INTO unit_case_counts (unit_id, status, n) SELECT unit_id, status, count(*) FROM cases GROUP BY unit_id, status;

CREATE TRIGGER cases_unit_count_on_insert AFTER INSERT ON cases
BEGIN
    INSERT INTO unit_case_counts (unit_id, status, n) VALUES (NEW.unit_id, NEW.status, 1)
        ON CONFLICT (unit_id, status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER cases_unit_count_on_delete AFTER DELETE ON cases
BEGIN
    UPDATE unit_case_counts SET n = n - 1 WHERE unit_id = OLD.unit_id AND status = OLD.status;
END;
CREATE TRIGGER cases_unit_count_on_update AFTER UPDATE OF status, unit_id ON cases
WHEN OLD.status IS NOT NEW.status OR OLD.unit_id IS NOT NEW.unit_id
BEGIN
    UPDATE unit_case_counts SET n = n - 1 WHERE unit_id = OLD.unit_id AND status = OLD.status;
    INSERT INTO unit_case_counts (unit_id, status, n) VALUES (NEW.unit_id, NEW.status, 1)
        ON CONFLICT (unit_id, status) DO UPDATE SET n = n + 1;
END;

-- 5. Grants carry their case file's unit like its other list columns, so
--    that an assignment counts only while the assignee edits for that unit,
--    read from the list index itself.
ALTER TABLE grants ADD COLUMN case_unit_id TEXT;
UPDATE grants SET case_unit_id = (SELECT unit_id FROM first_scope);

DROP TRIGGER grants_case_columns_on_insert;
DROP TRIGGER cases_columns_to_grants;
CREATE TRIGGER grants_case_columns_on_insert AFTER INSERT ON grants WHEN NEW.case_version IS NULL
BEGIN
    UPDATE grants SET (case_reference, case_title, case_category_id, case_status, case_outcome, case_version,
                       case_created_at, case_updated_at, case_unit_id) =
        (SELECT reference, title, category_id, status, outcome, version, created_at, updated_at, unit_id
         FROM cases WHERE id = NEW.case_id)
    WHERE id = NEW.id;
END;
CREATE TRIGGER cases_columns_to_grants AFTER UPDATE OF reference, title, category_id, status, outcome, version,
    created_at, updated_at, unit_id ON cases
BEGIN
    UPDATE grants SET case_reference = NEW.reference, case_title = NEW.title, case_category_id = NEW.category_id,
        case_status = NEW.status, case_outcome = NEW.outcome, case_version = NEW.version,
        case_created_at = NEW.created_at, case_updated_at = NEW.updated_at, case_unit_id = NEW.unit_id
    WHERE case_id = NEW.id;
END;

DROP INDEX grants_case_account;
CREATE INDEX grants_case_account ON grants (case_id, account_id, kind, revoked_at, starts_at, ends_at, case_unit_id);
DROP INDEX grants_list;
CREATE INDEX grants_list ON grants (account_id, case_updated_at, case_id, kind, starts_at, ends_at, revoked_at,
    case_reference, case_title, case_category_id, case_status, case_outcome, case_version, case_created_at, case_unit_id)
    WHERE revoked_at IS NULL;

-- Totals per account, kind and unit: an assignee's count only adds up the
-- units they edit for. A grant is counted once it knows its unit: when
-- written without it, by the update that grants_case_columns_on_insert
-- makes (its OLD unit is NULL, so nothing is taken off).
DROP TRIGGER grant_totals_on_insert;
DROP TRIGGER grant_totals_on_delete;
DROP TRIGGER grant_totals_on_update_old;
DROP TRIGGER grant_totals_on_update_new;
DROP TABLE grant_totals;
CREATE TABLE grant_totals (
    account_id TEXT NOT NULL,
    kind       TEXT NOT NULL,
    unit_id    TEXT NOT NULL,
    n          INTEGER NOT NULL,
    PRIMARY KEY (account_id, kind, unit_id)
) WITHOUT ROWID;

-- 6. One live grant per person and case file, in the schema. Duplicates
--    left by an invitation accepted after an assignment are revoked first,
--    keeping the assignment (then the oldest).
UPDATE grants SET revoked_at = strftime('%Y-%m-%d %H:%M:%f+00:00', 'now'), revoked_why = 'duplicate'
WHERE id IN (
    SELECT id FROM (
        SELECT id, row_number() OVER (PARTITION BY case_id, account_id
                                      ORDER BY kind = 'assignee' DESC, created_at, id) AS rn
        FROM grants WHERE revoked_at IS NULL AND account_id IS NOT NULL)
    WHERE rn > 1);
CREATE UNIQUE INDEX grants_live_pair ON grants (case_id, account_id) WHERE revoked_at IS NULL AND account_id IS NOT NULL;

INSERT INTO grant_totals (account_id, kind, unit_id, n)
    SELECT account_id, kind, case_unit_id, count(*) FROM grants
    WHERE account_id IS NOT NULL AND revoked_at IS NULL AND ends_at IS NULL
    GROUP BY account_id, kind, case_unit_id;

CREATE TRIGGER grant_totals_on_insert AFTER INSERT ON grants
WHEN NEW.account_id IS NOT NULL AND NEW.revoked_at IS NULL AND NEW.ends_at IS NULL AND NEW.case_unit_id IS NOT NULL
BEGIN
    INSERT INTO grant_totals (account_id, kind, unit_id, n) VALUES (NEW.account_id, NEW.kind, NEW.case_unit_id, 1)
        ON CONFLICT (account_id, kind, unit_id) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER grant_totals_on_delete AFTER DELETE ON grants
WHEN OLD.account_id IS NOT NULL AND OLD.revoked_at IS NULL AND OLD.ends_at IS NULL
BEGIN
    UPDATE grant_totals SET n = n - 1 WHERE account_id = OLD.account_id AND kind = OLD.kind AND unit_id = OLD.case_unit_id;
END;
CREATE TRIGGER grant_totals_on_update_old AFTER UPDATE OF account_id, kind, revoked_at, ends_at, case_unit_id ON grants
WHEN OLD.account_id IS NOT NULL AND OLD.revoked_at IS NULL AND OLD.ends_at IS NULL AND OLD.case_unit_id IS NOT NULL
BEGIN
    UPDATE grant_totals SET n = n - 1 WHERE account_id = OLD.account_id AND kind = OLD.kind AND unit_id = OLD.case_unit_id;
END;
CREATE TRIGGER grant_totals_on_update_new AFTER UPDATE OF account_id, kind, revoked_at, ends_at, case_unit_id ON grants
WHEN NEW.account_id IS NOT NULL AND NEW.revoked_at IS NULL AND NEW.ends_at IS NULL AND NEW.case_unit_id IS NOT NULL
BEGIN
    INSERT INTO grant_totals (account_id, kind, unit_id, n) VALUES (NEW.account_id, NEW.kind, NEW.case_unit_id, 1)
        ON CONFLICT (account_id, kind, unit_id) DO UPDATE SET n = n + 1;
END;

-- 7. The audit log and role requests know their scope.
ALTER TABLE audit_entries ADD COLUMN org_id TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_entries ADD COLUMN unit_id TEXT NOT NULL DEFAULT '';
CREATE INDEX audit_org ON audit_entries (org_id, id) WHERE org_id <> '';
CREATE INDEX audit_unit ON audit_entries (unit_id, id) WHERE unit_id <> '';

ALTER TABLE role_requests ADD COLUMN unit_id TEXT REFERENCES units (id);

DROP TABLE first_scope;
DROP VIEW new_uuid;
