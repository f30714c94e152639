-- Issue 12: the catalogue of functions a membership may hold, and the
-- messages scope admins and the secretariat send to members by function.

CREATE TABLE functions (
    code       TEXT PRIMARY KEY,
    label_fr   TEXT NOT NULL,
    label_en   TEXT NOT NULL,
    position   INTEGER NOT NULL DEFAULT 0,
    active     INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- The functions a school board's secretariat lives with (seeds/002_…).
INSERT INTO functions (code, label_fr, label_en, position, created_at, updated_at) VALUES
    ('president',             'Président·e',                  'President',           10, datetime('now'), datetime('now')),
    ('vice-president',        'Vice-président·e',             'Vice-president',      20, datetime('now'), datetime('now')),
    ('tresorier',             'Trésorier·ère',                'Treasurer',           30, datetime('now'), datetime('now')),
    ('secretaire',            'Secrétaire',                   'Secretary',           40, datetime('now'), datetime('now')),
    ('referent',              'Référent·e',                   'Referent',            50, datetime('now'), datetime('now')),
    ('conseiller-prevention', 'Conseiller·ère en prévention', 'Prevention adviser',  60, datetime('now'), datetime('now')),
    ('directeur',             'Directeur·rice',               'Director',            70, datetime('now'), datetime('now'));
-- Functions an instance already gave keep working: each becomes an entry
-- labelled by its code, for the secretariat to name.
INSERT OR IGNORE INTO functions (code, label_fr, label_en, position, created_at, updated_at)
    SELECT DISTINCT f.value, f.value, f.value, 1000, datetime('now'), datetime('now')
    FROM memberships AS m, json_each(m.functions) AS f;

CREATE TABLE messages (
    id         TEXT PRIMARY KEY,
    sender_id  TEXT NOT NULL REFERENCES accounts (id),
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    -- The audience as it was asked: {org_ids, unit_ids, roles, functions}.
    audience   TEXT NOT NULL,
    recipients INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX messages_sender ON messages (sender_id, created_at);
-- The scopes a message went to, so that each scope's admins list it.
CREATE TABLE message_scopes (
    message_id TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    org_id     TEXT NOT NULL DEFAULT '',
    unit_id    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (message_id, org_id, unit_id)
) WITHOUT ROWID;
CREATE INDEX message_scopes_org ON message_scopes (org_id, message_id);
CREATE INDEX message_scopes_unit ON message_scopes (unit_id, message_id);
