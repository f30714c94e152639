-- PostgreSQL's schema, as SQLite's stands after its migration 062
-- (store/migrations/20261201000062_function_labels_de.tx.up.sql): a
-- PostgreSQL database starts empty, there is no older PostgreSQL schema to
-- bring forward, so one baseline takes the place of SQLite's first 20
-- migrations; each later SQLite migration gets a twin here, under the same
-- number. TestPostgresSchemaMatchesSQLite holds the two schemas (tables,
-- columns, their types, indexes, triggers, seeded rows) to each other.
--
-- How SQLite's schema is written here:
--   * times stay text in the store's one form ("2006-01-02 15:04:05.999+00:00",
--     store/engine/time.go), compared byte by byte (COLLATE "C") as SQLite
--     compares them, whatever the database's locale;
--   * SQLite's INTEGER is BIGINT (SQLite's integers have 64 bits), except the
--     columns the store reads as Go bools and tests with NOT: BOOLEAN;
--   * BLOB is BYTEA; INTEGER PRIMARY KEY AUTOINCREMENT an identity column;
--   * WITHOUT ROWID tables are plain tables (PostgreSQL keeps every table in
--     a heap beside its primary key index);
--   * triggers call PL/pgSQL functions of the same name; SQLite's
--     "a IS NOT b" is IS DISTINCT FROM;
--   * the FTS5 table case_search is a table keyed by the case file's id with
--     a tsvector over its unaccented, lower-cased text and a GIN index
--     (prefix search through to_tsquery's :*). TODO(issue 14): the store's
--     search queries are not ported, and search_text folds Œ into "oe"
--     where SQLite's unicode61 tokenizer keeps "œ": the search port must
--     make both give the same results on the same corpus.

-- unaccent is a trusted extension (PostgreSQL 13 and later): the owner of
-- the database may create it without being a superuser.
CREATE EXTENSION IF NOT EXISTS unaccent;

-- search_text is the text the search index holds: unaccented, lower-case.
-- unaccent() is only STABLE (its dictionary could change); naming the
-- dictionary makes the call fixed, which a generated column requires.
CREATE FUNCTION search_text(t text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN lower(unaccent('unaccent'::regdictionary, t));

CREATE TABLE accounts (
    id               TEXT PRIMARY KEY,
    email            TEXT NOT NULL,
    -- email_key is the e-mail as compared: trimmed and lower-cased, unique.
    email_key        TEXT NOT NULL UNIQUE,
    name             TEXT NOT NULL,
    role             TEXT NOT NULL CHECK (role IN ('reader', 'editor', 'admin', 'superadmin', 'secretariat')),
    status           TEXT NOT NULL CHECK (status IN ('invited', 'pending', 'active', 'locked', 'blocked', 'deregistered')),
    locale           TEXT NOT NULL DEFAULT 'fr',
    password_hash    TEXT NOT NULL DEFAULT '',
    pledge_signed_at TEXT COLLATE "C",
    failed_logins    BIGINT NOT NULL DEFAULT 0,
    created_at       TEXT COLLATE "C" NOT NULL,
    updated_at       TEXT COLLATE "C" NOT NULL
);
CREATE INDEX accounts_role_status ON accounts (role, status);

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
    centrally_managed BOOLEAN NOT NULL DEFAULT FALSE,
    created_at        TEXT COLLATE "C" NOT NULL,
    updated_at        TEXT COLLATE "C" NOT NULL
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
    module_helpers     BOOLEAN NOT NULL DEFAULT TRUE,
    module_attachments BOOLEAN NOT NULL DEFAULT TRUE,
    module_reminders   BOOLEAN NOT NULL DEFAULT TRUE,
    accepts_transfers  BOOLEAN NOT NULL DEFAULT FALSE,
    -- The logo and the stamp printed on the unit's reports: small images,
    -- kept in the database so that every instance serving it has them.
    logo               BYTEA,
    logo_type          TEXT NOT NULL DEFAULT '',
    stamp              BYTEA,
    stamp_type         TEXT NOT NULL DEFAULT '',
    created_at         TEXT COLLATE "C" NOT NULL,
    updated_at         TEXT COLLATE "C" NOT NULL
, module_transfers BOOLEAN NOT NULL DEFAULT TRUE, module_inspectors BOOLEAN NOT NULL DEFAULT TRUE);
CREATE INDEX units_org ON units (org_id, name);

CREATE TABLE categories (
    id         TEXT PRIMARY KEY,
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    position   BIGINT NOT NULL DEFAULT 0,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL
, labels TEXT NOT NULL DEFAULT '{}');

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
    version     BIGINT NOT NULL DEFAULT 1,
    created_at  TEXT COLLATE "C" NOT NULL,
    updated_at  TEXT COLLATE "C" NOT NULL
, unit_id TEXT REFERENCES units (id), org_id TEXT REFERENCES organisations (id), practice BOOLEAN NOT NULL DEFAULT FALSE);
CREATE INDEX cases_category ON cases (category_id, updated_at);
CREATE INDEX cases_id_scope ON cases (id, updated_at, org_id, unit_id);
CREATE INDEX cases_org_updated ON cases (org_id, updated_at, id,
    unit_id, reference, title, category_id, status, outcome, version, created_at, practice);
CREATE INDEX cases_status_updated ON cases (status, updated_at, id, practice);
CREATE INDEX cases_unit_category_updated ON cases (unit_id, category_id, updated_at, id, status, practice);
CREATE INDEX cases_unit_updated ON cases (unit_id, updated_at, id,
    reference, title, category_id, status, outcome, version, created_at, practice);
CREATE INDEX cases_updated ON cases (updated_at, id, practice);

CREATE TABLE account_tokens (
    token_hash BYTEA PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    purpose    TEXT NOT NULL CHECK (purpose IN ('activate', 'invite', 'reset')),
    created_at TEXT COLLATE "C" NOT NULL,
    expires_at TEXT COLLATE "C" NOT NULL,
    used_at    TEXT COLLATE "C"
);
CREATE INDEX account_tokens_account ON account_tokens (account_id, purpose);

CREATE TABLE admin_case_access (
    session_id TEXT NOT NULL,
    case_id    TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    reason     TEXT NOT NULL,
    at         TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (session_id, case_id)
);

CREATE TABLE attachments (
    id          TEXT PRIMARY KEY,
    case_id     TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    filename    TEXT NOT NULL,
    media_type  TEXT NOT NULL,
    size        BIGINT NOT NULL,
    sha256      TEXT NOT NULL,
    -- storage_name is the random name of the encrypted file on disk.
    storage_name TEXT NOT NULL UNIQUE,
    uploaded_by TEXT NOT NULL REFERENCES accounts (id),
    created_at  TEXT COLLATE "C" NOT NULL
);
CREATE INDEX attachments_case ON attachments (case_id, created_at);

CREATE TABLE audit_entries (
    id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    at          TEXT COLLATE "C" NOT NULL,
    actor_id    TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    object_type TEXT NOT NULL DEFAULT '',
    object_id   TEXT NOT NULL DEFAULT '',
    reason      TEXT NOT NULL DEFAULT '',
    client_ip   TEXT NOT NULL DEFAULT '',
    details     TEXT NOT NULL DEFAULT '',
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
, org_id TEXT NOT NULL DEFAULT '', unit_id TEXT NOT NULL DEFAULT '');
CREATE INDEX audit_action ON audit_entries (action, id);
CREATE INDEX audit_actor ON audit_entries (actor_id, id);
CREATE INDEX audit_object ON audit_entries (object_type, object_id, id);
CREATE INDEX audit_org ON audit_entries (org_id, id) WHERE org_id <> '';
CREATE INDEX audit_unit ON audit_entries (unit_id, id) WHERE unit_id <> '';

CREATE TABLE case_counts (
    status TEXT PRIMARY KEY,
    n      BIGINT NOT NULL
);

CREATE TABLE case_events (
    id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    case_id     TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    at          TEXT COLLATE "C" NOT NULL,
    actor_id    TEXT NOT NULL,
    kind        TEXT NOT NULL,
    from_status TEXT NOT NULL DEFAULT '',
    to_status   TEXT NOT NULL DEFAULT '',
    comment     TEXT NOT NULL DEFAULT '',
    fields      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX case_events_case ON case_events (case_id, id);

CREATE TABLE category_inspectors (
    account_id  TEXT NOT NULL REFERENCES accounts (id),
    category_id TEXT NOT NULL REFERENCES categories (id),
    named_at    TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (account_id, category_id)
);
CREATE INDEX category_inspectors_category ON category_inspectors (category_id, account_id);

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
    decided_at   TEXT COLLATE "C",
    created_at   TEXT COLLATE "C" NOT NULL
);
CREATE INDEX change_requests_requester ON change_requests (requester_id, created_at);
CREATE INDEX change_requests_status ON change_requests (status, created_at);

CREATE TABLE deadlines (
    id         TEXT PRIMARY KEY,
    case_id    TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    title      TEXT NOT NULL,
    due_date   TEXT NOT NULL,
    done       BOOLEAN NOT NULL DEFAULT FALSE,
    created_by TEXT NOT NULL REFERENCES accounts (id),
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL
);
CREATE INDEX deadlines_case ON deadlines (case_id, due_date);
CREATE INDEX deadlines_due ON deadlines (done, due_date);

CREATE TABLE documents (
    id           TEXT PRIMARY KEY,
    title        TEXT NOT NULL,
    filename     TEXT NOT NULL,
    media_type   TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    storage_name TEXT NOT NULL,
    -- {org_ids, roles, functions}: empty lists do not narrow.
    audience     TEXT NOT NULL,
    publisher_id TEXT NOT NULL REFERENCES accounts (id),
    created_at   TEXT COLLATE "C" NOT NULL
);
CREATE INDEX documents_created ON documents (created_at);

CREATE TABLE functions (
    code       TEXT PRIMARY KEY,
    label_fr   TEXT NOT NULL,
    label_en   TEXT NOT NULL,
    position   BIGINT NOT NULL DEFAULT 0,
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL
, label_de TEXT NOT NULL DEFAULT '');

CREATE TABLE grants (
    id            TEXT PRIMARY KEY,
    case_id       TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    account_id    TEXT REFERENCES accounts (id),
    kind          TEXT NOT NULL CHECK (kind IN ('assignee', 'support', 'trainee', 'mentee')),
    major         BOOLEAN NOT NULL DEFAULT FALSE,
    starts_at     TEXT COLLATE "C" NOT NULL,
    ends_at       TEXT COLLATE "C",
    revoked_at    TEXT COLLATE "C",
    revoked_why   TEXT NOT NULL DEFAULT '',
    granted_by    TEXT REFERENCES accounts (id),
    invited_email TEXT NOT NULL DEFAULT '',
    token_hash    BYTEA UNIQUE,
    token_expires TEXT COLLATE "C",
    created_at    TEXT COLLATE "C" NOT NULL
, case_updated_at TEXT COLLATE "C", case_reference TEXT, case_title TEXT, case_category_id TEXT, case_status TEXT, case_outcome TEXT, case_version BIGINT, case_created_at TEXT COLLATE "C", case_unit_id TEXT);
CREATE INDEX grants_bounded ON grants (account_id, ends_at, kind, starts_at, revoked_at)
    WHERE revoked_at IS NULL AND ends_at IS NOT NULL;
CREATE INDEX grants_case_account ON grants (case_id, account_id, kind, revoked_at, starts_at, ends_at, case_unit_id);
CREATE INDEX grants_list ON grants (account_id, case_updated_at, case_id, kind, starts_at, ends_at, revoked_at,
    case_reference, case_title, case_category_id, case_status, case_outcome, case_version, case_created_at, case_unit_id)
    WHERE revoked_at IS NULL;
CREATE UNIQUE INDEX grants_live_pair ON grants (case_id, account_id) WHERE revoked_at IS NULL AND account_id IS NOT NULL;

CREATE TABLE grant_totals (
    account_id TEXT NOT NULL,
    kind       TEXT NOT NULL,
    unit_id    TEXT NOT NULL,
    n          BIGINT NOT NULL,
    PRIMARY KEY (account_id, kind, unit_id)
);

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
    lines            BIGINT NOT NULL,
    created          BIGINT NOT NULL DEFAULT 0,
    updated          BIGINT NOT NULL DEFAULT 0,
    unchanged        BIGINT NOT NULL DEFAULT 0,
    ended            BIGINT NOT NULL DEFAULT 0,
    errors           BIGINT NOT NULL DEFAULT 0,
    -- The scope's memberships not over at the preview: more than a fifth
    -- of them ended needs a confirmation.
    scope_memberships BIGINT NOT NULL DEFAULT 0,
    created_at       TEXT COLLATE "C" NOT NULL,
    applied_at       TEXT COLLATE "C"
);
CREATE INDEX imports_scope ON imports (scope_type, scope_id, status);

CREATE TABLE import_lines (
    import_id     TEXT NOT NULL REFERENCES imports (id),
    seq           BIGINT NOT NULL,
    line          BIGINT NOT NULL,
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

CREATE TABLE inspection_reads (
    id         BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    unit_id    TEXT NOT NULL,
    case_id    TEXT REFERENCES cases (id) ON DELETE SET NULL,
    reference  TEXT NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    what       TEXT NOT NULL,
    at         TEXT COLLATE "C" NOT NULL
);
CREATE INDEX inspection_reads_account_case ON inspection_reads (account_id, case_id, at);
CREATE INDEX inspection_reads_unit ON inspection_reads (unit_id, id);

CREATE TABLE login_failures (
    client_ip  TEXT PRIMARY KEY,
    failures   BIGINT NOT NULL,
    last_at    TEXT COLLATE "C" NOT NULL
);

CREATE TABLE memberships (
    id                 TEXT PRIMARY KEY,
    account_id         TEXT REFERENCES accounts (id),
    org_id             TEXT REFERENCES organisations (id),
    unit_id            TEXT REFERENCES units (id),
    role               TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'member')),
    -- A JSON array of function codes.
    functions          TEXT NOT NULL DEFAULT '[]',
    valid_from         TEXT COLLATE "C" NOT NULL,
    valid_until        TEXT COLLATE "C",
    invited_email      TEXT NOT NULL DEFAULT '',
    token_hash         BYTEA UNIQUE,
    token_expires      TEXT COLLATE "C",
    invited_by         TEXT REFERENCES accounts (id),
    external_id        TEXT,
    notified_ending_at TEXT COLLATE "C",
    notified_ended_at  TEXT COLLATE "C",
    created_at         TEXT COLLATE "C" NOT NULL,
    updated_at         TEXT COLLATE "C" NOT NULL,
    CHECK ((org_id IS NULL) <> (unit_id IS NULL)),
    CHECK (role <> 'editor' OR unit_id IS NOT NULL),
    CHECK (account_id IS NOT NULL OR invited_email <> '')
);
CREATE INDEX memberships_account ON memberships (account_id, valid_from, valid_until, role, org_id, unit_id)
    WHERE account_id IS NOT NULL;
CREATE INDEX memberships_external ON memberships (external_id) WHERE external_id IS NOT NULL;
CREATE INDEX memberships_invited ON memberships (invited_email, role) WHERE account_id IS NULL;
CREATE INDEX memberships_org ON memberships (org_id, role) WHERE org_id IS NOT NULL;
CREATE INDEX memberships_unit ON memberships (unit_id, role) WHERE unit_id IS NOT NULL;
CREATE INDEX memberships_until ON memberships (valid_until) WHERE valid_until IS NOT NULL;

CREATE TABLE messages (
    id         TEXT PRIMARY KEY,
    sender_id  TEXT NOT NULL REFERENCES accounts (id),
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    -- The audience as it was asked: {org_ids, unit_ids, roles, functions}.
    audience   TEXT NOT NULL,
    recipients BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL
);
CREATE INDEX messages_sender ON messages (sender_id, created_at);

CREATE TABLE message_scopes (
    message_id TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    org_id     TEXT NOT NULL DEFAULT '',
    unit_id    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (message_id, org_id, unit_id)
);
CREATE INDEX message_scopes_org ON message_scopes (org_id, message_id);
CREATE INDEX message_scopes_unit ON message_scopes (unit_id, message_id);

CREATE TABLE notes (
    id         TEXT PRIMARY KEY,
    case_id    TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    author_id  TEXT NOT NULL REFERENCES accounts (id),
    body       TEXT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL
);
CREATE INDEX notes_case ON notes (case_id, created_at);

CREATE TABLE outbox (
    id              TEXT PRIMARY KEY,
    message_id      TEXT NOT NULL UNIQUE,
    to_addr         TEXT NOT NULL,
    subject         TEXT NOT NULL,
    text_body       TEXT NOT NULL,
    html_body       TEXT NOT NULL,
    kind            TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TEXT COLLATE "C" NOT NULL,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      TEXT COLLATE "C" NOT NULL,
    sent_at         TEXT COLLATE "C"
, link_placeholder TEXT NOT NULL DEFAULT '', link_purpose TEXT NOT NULL DEFAULT ''
    CHECK (link_purpose IN ('', 'activate', 'invite', 'reset', 'collaboration')), link_subject TEXT NOT NULL DEFAULT '', link_ttl_seconds BIGINT NOT NULL DEFAULT 0, channel TEXT NOT NULL DEFAULT 'smtp' CHECK (channel IN ('smtp', 'log')));
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

CREATE TABLE recovery_codes (
    code_hash  BYTEA PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    used_at    TEXT COLLATE "C"
);
CREATE INDEX recovery_codes_account ON recovery_codes (account_id);

CREATE TABLE role_requests (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts (id),
    role        TEXT NOT NULL CHECK (role IN ('editor', 'admin')),
    message     TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    decided_by  TEXT REFERENCES accounts (id),
    decided_at  TEXT COLLATE "C",
    reason      TEXT NOT NULL DEFAULT '',
    created_at  TEXT COLLATE "C" NOT NULL
, unit_id TEXT REFERENCES units (id));
CREATE INDEX role_requests_account ON role_requests (account_id, created_at);
CREATE INDEX role_requests_status ON role_requests (status, created_at);

CREATE TABLE second_factors (
    account_id   TEXT PRIMARY KEY REFERENCES accounts (id),
    secret       BYTEA NOT NULL,
    confirmed_at TEXT COLLATE "C",
    last_step    BIGINT NOT NULL DEFAULT 0,
    created_at   TEXT COLLATE "C" NOT NULL
);

CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    token_hash   BYTEA NOT NULL UNIQUE,
    account_id   TEXT NOT NULL REFERENCES accounts (id),
    created_at   TEXT COLLATE "C" NOT NULL,
    last_seen_at TEXT COLLATE "C" NOT NULL,
    expires_at   TEXT COLLATE "C" NOT NULL,
    client_ip    TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_account ON sessions (account_id);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

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
    consent_given_at     TEXT COLLATE "C" NOT NULL,
    consent_collected_by TEXT NOT NULL,
    comment              TEXT NOT NULL DEFAULT '',
    status               TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'refused', 'cancelled')),
    decided_by           TEXT REFERENCES accounts (id),
    decided_at           TEXT COLLATE "C",
    reason               TEXT NOT NULL DEFAULT '',
    created_at           TEXT COLLATE "C" NOT NULL
);
CREATE INDEX transfers_from ON transfers (from_unit_id, created_at);
CREATE UNIQUE INDEX transfers_pending_case ON transfers (case_id) WHERE status = 'pending';
CREATE INDEX transfers_requester ON transfers (requester_id, created_at);
CREATE INDEX transfers_to ON transfers (to_unit_id, created_at);

CREATE TABLE unit_case_counts (
    unit_id TEXT NOT NULL,
    status  TEXT NOT NULL,
    n       BIGINT NOT NULL,
    PRIMARY KEY (unit_id, status)
);

CREATE TABLE unit_category_counts (
    unit_id     TEXT NOT NULL,
    category_id TEXT NOT NULL,
    status      TEXT NOT NULL,
    n           BIGINT NOT NULL,
    PRIMARY KEY (unit_id, category_id, status)
);

CREATE TABLE unit_inspection (
    unit_id     TEXT NOT NULL REFERENCES units (id),
    category_id TEXT NOT NULL REFERENCES categories (id),
    opened_at   TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (unit_id, category_id)
);
CREATE INDEX unit_inspection_category ON unit_inspection (category_id, unit_id);

-- The full-text index of case files (SQLite: the FTS5 table case_search).
CREATE TABLE case_search (
    case_id  TEXT PRIMARY KEY REFERENCES cases (id) ON DELETE CASCADE,
    title    TEXT NOT NULL DEFAULT '',
    summary  TEXT NOT NULL DEFAULT '',
    notes    TEXT NOT NULL DEFAULT '',
    document TSVECTOR GENERATED ALWAYS AS
        (to_tsvector('simple'::regconfig, search_text(title || ' ' || summary || ' ' || notes))) STORED
);
CREATE INDEX case_search_document ON case_search USING gin (document);

-- Triggers.

CREATE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit entries are append-only';
END $$;
CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
    FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only();
CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
    FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only();

-- A case file's columns that grants copy, to list an account's case files
-- from its grants alone.
CREATE FUNCTION cases_columns_to_grants() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE grants SET case_reference = NEW.reference, case_title = NEW.title, case_category_id = NEW.category_id,
        case_status = NEW.status, case_outcome = NEW.outcome, case_version = NEW.version,
        case_created_at = NEW.created_at, case_updated_at = NEW.updated_at, case_unit_id = NEW.unit_id
    WHERE case_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER cases_columns_to_grants AFTER UPDATE OF reference, title, category_id, status, outcome, version,
    created_at, updated_at, unit_id ON cases
    FOR EACH ROW EXECUTE FUNCTION cases_columns_to_grants();

-- The counters of case files per unit and status, and per unit, category
-- and status (practice case files are not counted).
CREATE FUNCTION cases_count_old() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE unit_case_counts SET n = n - 1 WHERE unit_id = OLD.unit_id AND status = OLD.status;
    RETURN NULL;
END $$;
CREATE FUNCTION cases_count_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO unit_case_counts (unit_id, status, n) VALUES (NEW.unit_id, NEW.status, 1)
        ON CONFLICT (unit_id, status) DO UPDATE SET n = unit_case_counts.n + 1;
    RETURN NULL;
END $$;
CREATE FUNCTION cases_category_count_old() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE unit_category_counts SET n = n - 1
    WHERE unit_id = OLD.unit_id AND category_id = OLD.category_id AND status = OLD.status;
    RETURN NULL;
END $$;
CREATE FUNCTION cases_category_count_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO unit_category_counts (unit_id, category_id, status, n) VALUES (NEW.unit_id, NEW.category_id, NEW.status, 1)
        ON CONFLICT (unit_id, category_id, status) DO UPDATE SET n = unit_category_counts.n + 1;
    RETURN NULL;
END $$;
-- SQLite runs a trigger's statements in order: a changed case file leaves
-- its old count, then joins its new one. PostgreSQL runs the triggers of
-- one event in the order of their names, hence _1 and _2.
CREATE TRIGGER cases_unit_count_on_delete AFTER DELETE ON cases
    FOR EACH ROW WHEN (NOT OLD.practice) EXECUTE FUNCTION cases_count_old();
CREATE TRIGGER cases_unit_count_on_insert AFTER INSERT ON cases
    FOR EACH ROW WHEN (NOT NEW.practice) EXECUTE FUNCTION cases_count_new();
CREATE TRIGGER cases_unit_count_on_update_1 AFTER UPDATE OF status, unit_id ON cases
    FOR EACH ROW WHEN (NOT NEW.practice AND (OLD.status IS DISTINCT FROM NEW.status OR OLD.unit_id IS DISTINCT FROM NEW.unit_id))
    EXECUTE FUNCTION cases_count_old();
CREATE TRIGGER cases_unit_count_on_update_2 AFTER UPDATE OF status, unit_id ON cases
    FOR EACH ROW WHEN (NOT NEW.practice AND (OLD.status IS DISTINCT FROM NEW.status OR OLD.unit_id IS DISTINCT FROM NEW.unit_id))
    EXECUTE FUNCTION cases_count_new();
CREATE TRIGGER cases_unit_category_count_on_delete AFTER DELETE ON cases
    FOR EACH ROW WHEN (NOT OLD.practice) EXECUTE FUNCTION cases_category_count_old();
CREATE TRIGGER cases_unit_category_count_on_insert AFTER INSERT ON cases
    FOR EACH ROW WHEN (NOT NEW.practice) EXECUTE FUNCTION cases_category_count_new();
CREATE TRIGGER cases_unit_category_count_on_update_1 AFTER UPDATE OF status, unit_id, category_id ON cases
    FOR EACH ROW WHEN (NOT NEW.practice AND (OLD.status IS DISTINCT FROM NEW.status OR OLD.unit_id IS DISTINCT FROM NEW.unit_id
        OR OLD.category_id IS DISTINCT FROM NEW.category_id))
    EXECUTE FUNCTION cases_category_count_old();
CREATE TRIGGER cases_unit_category_count_on_update_2 AFTER UPDATE OF status, unit_id, category_id ON cases
    FOR EACH ROW WHEN (NOT NEW.practice AND (OLD.status IS DISTINCT FROM NEW.status OR OLD.unit_id IS DISTINCT FROM NEW.unit_id
        OR OLD.category_id IS DISTINCT FROM NEW.category_id))
    EXECUTE FUNCTION cases_category_count_new();

-- The live grants per account, kind and unit.
CREATE FUNCTION grant_totals_old() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE grant_totals SET n = n - 1 WHERE account_id = OLD.account_id AND kind = OLD.kind AND unit_id = OLD.case_unit_id;
    RETURN NULL;
END $$;
CREATE FUNCTION grant_totals_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO grant_totals (account_id, kind, unit_id, n) VALUES (NEW.account_id, NEW.kind, NEW.case_unit_id, 1)
        ON CONFLICT (account_id, kind, unit_id) DO UPDATE SET n = grant_totals.n + 1;
    RETURN NULL;
END $$;
CREATE TRIGGER grant_totals_on_delete AFTER DELETE ON grants
    FOR EACH ROW WHEN (OLD.account_id IS NOT NULL AND OLD.revoked_at IS NULL AND OLD.ends_at IS NULL)
    EXECUTE FUNCTION grant_totals_old();
CREATE TRIGGER grant_totals_on_insert AFTER INSERT ON grants
    FOR EACH ROW WHEN (NEW.account_id IS NOT NULL AND NEW.revoked_at IS NULL AND NEW.ends_at IS NULL AND NEW.case_unit_id IS NOT NULL)
    EXECUTE FUNCTION grant_totals_new();
CREATE TRIGGER grant_totals_on_update_new AFTER UPDATE OF account_id, kind, revoked_at, ends_at, case_unit_id ON grants
    FOR EACH ROW WHEN (NEW.account_id IS NOT NULL AND NEW.revoked_at IS NULL AND NEW.ends_at IS NULL AND NEW.case_unit_id IS NOT NULL)
    EXECUTE FUNCTION grant_totals_new();
CREATE TRIGGER grant_totals_on_update_old AFTER UPDATE OF account_id, kind, revoked_at, ends_at, case_unit_id ON grants
    FOR EACH ROW WHEN (OLD.account_id IS NOT NULL AND OLD.revoked_at IS NULL AND OLD.ends_at IS NULL AND OLD.case_unit_id IS NOT NULL)
    EXECUTE FUNCTION grant_totals_old();

-- A grant written without the case file's columns copies them.
CREATE FUNCTION grants_case_columns_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE grants SET (case_reference, case_title, case_category_id, case_status, case_outcome, case_version,
                       case_created_at, case_updated_at, case_unit_id) =
        (SELECT reference, title, category_id, status, outcome, version, created_at, updated_at, unit_id
         FROM cases WHERE id = NEW.case_id)
    WHERE id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER grants_case_columns_on_insert AFTER INSERT ON grants
    FOR EACH ROW WHEN (NEW.case_version IS NULL) EXECUTE FUNCTION grants_case_columns_on_insert();

-- Seeded rows, as SQLite's migrations leave them in a new database.

INSERT INTO case_counts (status, n) VALUES ('draft', 0), ('open', 0), ('pending', 0), ('litigation', 0), ('closed', 0), ('archived', 0);

-- The labels are the catalogues' (category.* in server/i18n/locales), as
-- SQLite's json_object writes them.
INSERT INTO categories (id, labels, position, created_at, updated_at)
SELECT id, labels, position, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')
FROM (VALUES
    ('sante', '{"fr":"Santé et soins","en":"Health and care","de":"Gesundheit und Pflege"}', 10),
    ('social', '{"fr":"Aides et prestations sociales","en":"Social benefits and support","de":"Sozialleistungen und Unterstützung"}', 20),
    ('administration', '{"fr":"Administrations et services publics","en":"Public authorities and services","de":"Behörden und öffentliche Dienste"}', 30),
    ('logement', '{"fr":"Logement","en":"Housing","de":"Wohnen"}', 40),
    ('travail', '{"fr":"Travail et emploi","en":"Work and employment","de":"Arbeit und Beschäftigung"}', 50),
    ('education', '{"fr":"École et formation","en":"School and training","de":"Schule und Ausbildung"}', 60),
    ('consommation', '{"fr":"Consommation et services","en":"Consumer goods and services","de":"Konsum und Dienstleistungen"}', 70),
    ('discrimination', '{"fr":"Discrimination","en":"Discrimination","de":"Diskriminierung"}', 80),
    ('justice', '{"fr":"Justice et police","en":"Justice and police","de":"Justiz und Polizei"}', 90),
    ('autre', '{"fr":"Autre","en":"Other","de":"Anderes"}', 100)
) AS seed (id, labels, position);

INSERT INTO functions (code, label_fr, label_en, label_de, position, created_at, updated_at)
SELECT code, label_fr, label_en, label_de, position, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')
FROM (VALUES
    ('president',             'Président·e',                  'President',           'Präsident·in',          10),
    ('vice-president',        'Vice-président·e',             'Vice-president',      'Vizepräsident·in',      20),
    ('tresorier',             'Trésorier·ère',                'Treasurer',           'Kassier·in',            30),
    ('secretaire',            'Secrétaire',                   'Secretary',           'Sekretär·in',           40),
    ('referent',              'Référent·e',                   'Referent',            'Referent·in',           50),
    ('conseiller-prevention', 'Conseiller·ère en prévention', 'Prevention adviser',  'Präventionsberater·in', 60),
    ('directeur',             'Directeur·rice',               'Director',            'Direktor·in',           70)
) AS seed (code, label_fr, label_en, label_de, position);

-- The instance's first organisation and unit, named at the first start.
WITH first_scope AS (SELECT gen_random_uuid()::text AS org_id, gen_random_uuid()::text AS unit_id,
                            to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS"+00:00"') AS now),
     org AS (INSERT INTO organisations (id, name, code, status, created_at, updated_at)
             SELECT org_id, '', 'MAIN', 'active', now, now FROM first_scope)
INSERT INTO units (id, org_id, name, code, status, created_at, updated_at)
SELECT unit_id, org_id, '', 'MAIN', 'active', now, now FROM first_scope;
