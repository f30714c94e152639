-- Case files, their grants (assignments and, later, collaborations), events,
-- notes, deadlines, attachments, full-text search and visible-count counters.

CREATE TABLE categories (
    id         TEXT PRIMARY KEY,
    label_fr   TEXT NOT NULL,
    label_en   TEXT NOT NULL,
    active     INTEGER NOT NULL DEFAULT 1,
    position   INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Defaults suited to an association helping with complaints about care
-- around birth; admins rename, add and retire them.
INSERT INTO categories (id, label_fr, label_en, position, created_at, updated_at) VALUES
    ('accouchement',   'Déroulement de l’accouchement',            'Conduct of childbirth',              10, datetime('now'), datetime('now')),
    ('grossesse',      'Suivi de grossesse',                       'Pregnancy follow-up',                20, datetime('now'), datetime('now')),
    ('post-partum',    'Suites de couches et post-partum',         'Postpartum care',                    30, datetime('now'), datetime('now')),
    ('consentement',   'Information et consentement',              'Information and consent',            40, datetime('now'), datetime('now')),
    ('violences',      'Violences obstétricales et gynécologiques', 'Obstetric and gynaecological violence', 50, datetime('now'), datetime('now')),
    ('nouveau-ne',     'Prise en charge du nouveau-né',            'Care of the newborn',                60, datetime('now'), datetime('now')),
    ('dossier-medical','Accès au dossier médical',                 'Access to medical records',          70, datetime('now'), datetime('now')),
    ('refus-soins',    'Refus de soins, discrimination',           'Refusal of care, discrimination',    80, datetime('now'), datetime('now')),
    ('facturation',    'Facturation et dépassements',              'Billing and extra fees',             90, datetime('now'), datetime('now')),
    ('autre',          'Autre',                                    'Other',                             100, datetime('now'), datetime('now'));

CREATE TABLE cases (
    id          TEXT PRIMARY KEY,
    -- The human reference, random (not a count): R-2026-7K3QX.
    reference   TEXT NOT NULL UNIQUE,
    title       TEXT NOT NULL,
    category_id TEXT NOT NULL REFERENCES categories (id),
    summary     TEXT NOT NULL DEFAULT '',
    facts_date  TEXT,
    place       TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL CHECK (status IN ('draft', 'open', 'pending', 'litigation', 'closed', 'archived')),
    outcome     TEXT CHECK (outcome IN ('obtained', 'partial', 'rejected', 'abandoned')),
    creator_id  TEXT NOT NULL REFERENCES accounts (id),
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX cases_updated ON cases (updated_at, id);
CREATE INDEX cases_status_updated ON cases (status, updated_at, id);
CREATE INDEX cases_category ON cases (category_id, updated_at);

-- A grant says: this account may act on this case file in this capacity,
-- from starts_at until ends_at, unless revoked. Assignments (kind assignee)
-- and helpers' collaborations (support, trainee, mentee) are grants.
CREATE TABLE grants (
    id            TEXT PRIMARY KEY,
    case_id       TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    account_id    TEXT REFERENCES accounts (id),
    kind          TEXT NOT NULL CHECK (kind IN ('assignee', 'support', 'trainee', 'mentee')),
    major         INTEGER NOT NULL DEFAULT 0,
    starts_at     TIMESTAMP NOT NULL,
    ends_at       TIMESTAMP,
    revoked_at    TIMESTAMP,
    revoked_why   TEXT NOT NULL DEFAULT '',
    granted_by    TEXT REFERENCES accounts (id),
    invited_email TEXT NOT NULL DEFAULT '',
    token_hash    BLOB UNIQUE,
    token_expires TIMESTAMP,
    created_at    TIMESTAMP NOT NULL
);
-- The visibility predicate's index: live grants of an account.
CREATE INDEX grants_account ON grants (account_id, case_id) WHERE revoked_at IS NULL;
CREATE INDEX grants_case ON grants (case_id, kind);

-- What happened to a case file, oldest first: creation, changes, transitions,
-- assignments. Field names only, never values: the values are in the case.
CREATE TABLE case_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id     TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    at          TIMESTAMP NOT NULL,
    actor_id    TEXT NOT NULL,
    kind        TEXT NOT NULL,
    from_status TEXT NOT NULL DEFAULT '',
    to_status   TEXT NOT NULL DEFAULT '',
    comment     TEXT NOT NULL DEFAULT '',
    fields      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX case_events_case ON case_events (case_id, id);

CREATE TABLE notes (
    id         TEXT PRIMARY KEY,
    case_id    TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    author_id  TEXT NOT NULL REFERENCES accounts (id),
    body       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX notes_case ON notes (case_id, created_at);

CREATE TABLE deadlines (
    id         TEXT PRIMARY KEY,
    case_id    TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    title      TEXT NOT NULL,
    due_date   TEXT NOT NULL,
    done       INTEGER NOT NULL DEFAULT 0,
    created_by TEXT NOT NULL REFERENCES accounts (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX deadlines_case ON deadlines (case_id, due_date);
CREATE INDEX deadlines_due ON deadlines (done, due_date);

CREATE TABLE attachments (
    id          TEXT PRIMARY KEY,
    case_id     TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    filename    TEXT NOT NULL,
    media_type  TEXT NOT NULL,
    size        INTEGER NOT NULL,
    sha256      TEXT NOT NULL,
    -- storage_name is the random name of the encrypted file on disk.
    storage_name TEXT NOT NULL UNIQUE,
    uploaded_by TEXT NOT NULL REFERENCES accounts (id),
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX attachments_case ON attachments (case_id, created_at);

-- An admin who opens a case file not entrusted to them gives a reason once
-- per case file and session.
CREATE TABLE admin_case_access (
    session_id TEXT NOT NULL,
    case_id    TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    reason     TEXT NOT NULL,
    at         TIMESTAMP NOT NULL,
    PRIMARY KEY (session_id, case_id)
);

-- Full text over title, summary and notes, keyed by the case's rowid.
CREATE VIRTUAL TABLE case_search USING fts5 (title, summary, notes, tokenize = 'unicode61 remove_diacritics 2');

-- Counters maintained in the write transaction, so that an admin's total
-- is not a COUNT(*) over every case file: one row per status.
CREATE TABLE case_counts (
    status TEXT PRIMARY KEY,
    n      INTEGER NOT NULL
);
INSERT INTO case_counts (status, n) VALUES ('draft', 0), ('open', 0), ('pending', 0), ('litigation', 0), ('closed', 0), ('archived', 0);
