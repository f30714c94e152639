-- A referent inspector's visible case files as rows of their own (issue 13,
-- "Scale"): one row per inspector and case file open to them, carrying the
-- list's columns, kept by triggers in the same transaction as every change,
-- so that an inspector's page is one range of the table in date order (as an
-- editor's is one range of grants_list) and its total one counter. Merging
-- one range of cases per open pair cost about 1.9 times an editor's list at
-- a million case files.
--
-- A row exists exactly when the visibility rule's inspector part holds
-- (sqlScope's 'i' rows and inspectCond): the account is named referent of
-- the category, the unit opened that category, the unit is active with its
-- inspectors' module on, and the case file is neither a draft nor a practice
-- file. Whether the account may act at all (active, not the secretariat) is
-- the scope's to say: the store reads these rows only for a scope that
-- holds open pairs.
--
-- The table is keyed in the list's order, so that a page reads the key's
-- range and nothing else.
CREATE TABLE inspector_cases (
    account_id  TEXT NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    case_id     TEXT NOT NULL,
    status      TEXT NOT NULL,
    unit_id     TEXT NOT NULL,
    category_id TEXT NOT NULL,
    reference   TEXT NOT NULL,
    title       TEXT NOT NULL,
    outcome     TEXT,
    version     INTEGER NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, updated_at, case_id)
) WITHOUT ROWID;
-- A case file's rows, found again when it changes; an open pair's, when it
-- closes, its referents change or its unit stops being inspected.
CREATE INDEX inspector_cases_case ON inspector_cases (case_id);
CREATE INDEX inspector_cases_pair ON inspector_cases (unit_id, category_id, account_id);

-- Per inspector and status, what the list's total adds up.
CREATE TABLE inspector_counts (
    account_id TEXT NOT NULL,
    status     TEXT NOT NULL,
    n          INTEGER NOT NULL,
    PRIMARY KEY (account_id, status)
) WITHOUT ROWID;

CREATE TRIGGER inspector_counts_on_insert AFTER INSERT ON inspector_cases
BEGIN
    INSERT INTO inspector_counts (account_id, status, n) VALUES (NEW.account_id, NEW.status, 1)
        ON CONFLICT (account_id, status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER inspector_counts_on_delete AFTER DELETE ON inspector_cases
BEGIN
    UPDATE inspector_counts SET n = n - 1 WHERE account_id = OLD.account_id AND status = OLD.status;
END;
CREATE TRIGGER inspector_counts_on_update AFTER UPDATE OF status ON inspector_cases
WHEN OLD.status IS NOT NEW.status
BEGIN
    UPDATE inspector_counts SET n = n - 1 WHERE account_id = OLD.account_id AND status = OLD.status;
    INSERT INTO inspector_counts (account_id, status, n) VALUES (NEW.account_id, NEW.status, 1)
        ON CONFLICT (account_id, status) DO UPDATE SET n = n + 1;
END;

-- The rule, as rows. inspector_referents are the open pairs' referents in
-- units that are inspected (active, the module on); inspector_case_rows add
-- the pairs' case files, what the backfill writes and what opening a pair,
-- naming a referent or inspecting a unit again adds (each narrows it to its
-- pair, category or unit). The joins' order is fixed, open pairs first: the
-- planner would otherwise start from the unit, or from the case files. A
-- pair's case files are read from the unit's date index, filtered on its
-- entries: opening a pair is rare, and a unit holds a few thousand case
-- files.
CREATE VIEW inspector_referents AS
SELECT ui.unit_id, ui.category_id, ci.account_id
FROM unit_inspection AS ui
CROSS JOIN units AS u ON u.id = ui.unit_id AND u.module_inspectors AND u.status = 'active'
CROSS JOIN category_inspectors AS ci INDEXED BY category_inspectors_category ON ci.category_id = ui.category_id;

CREATE VIEW inspector_case_rows AS
SELECT r.account_id, c.updated_at, c.id AS case_id, c.status, r.unit_id, r.category_id,
       c.reference, c.title, c.outcome, c.version, c.created_at
FROM inspector_referents AS r
CROSS JOIN cases AS c ON c.unit_id = r.unit_id AND c.category_id = r.category_id
    AND c.status <> 'draft' AND NOT c.practice;

INSERT INTO inspector_cases SELECT * FROM inspector_case_rows;

-- Each pair's range of cases is no longer read by any list: the unit's date
-- index serves the rare opening of a pair, and every case file's write is
-- one index lighter.
DROP INDEX cases_unit_category_updated;

-- A case file. On the common write path (no open pair) each trigger costs
-- one seek at most: a draft or a practice file none, a created case file
-- one of unit_inspection's key (the pairs first, see
-- inspector_referents), a changed one one of inspector_cases_case.
CREATE TRIGGER inspector_cases_on_case_insert AFTER INSERT ON cases
WHEN NEW.status <> 'draft' AND NOT NEW.practice
BEGIN
    INSERT INTO inspector_cases (account_id, updated_at, case_id, status, unit_id, category_id,
                                 reference, title, outcome, version, created_at)
    SELECT r.account_id, NEW.updated_at, NEW.id, NEW.status, NEW.unit_id, NEW.category_id,
           NEW.reference, NEW.title, NEW.outcome, NEW.version, NEW.created_at
    FROM inspector_referents AS r WHERE r.unit_id = NEW.unit_id AND r.category_id = NEW.category_id;
END;

-- A change that leaves the case file where it was (same unit and category,
-- still neither a draft nor a practice file): its rows take its columns.
CREATE TRIGGER inspector_cases_on_case_update AFTER UPDATE OF reference, title, category_id, status, outcome,
    version, created_at, updated_at, unit_id, practice ON cases
WHEN NEW.status <> 'draft' AND NOT NEW.practice AND OLD.status <> 'draft' AND NOT OLD.practice
    AND NEW.unit_id IS OLD.unit_id AND NEW.category_id IS OLD.category_id
BEGIN
    UPDATE inspector_cases SET updated_at = NEW.updated_at, status = NEW.status, reference = NEW.reference,
        title = NEW.title, outcome = NEW.outcome, version = NEW.version, created_at = NEW.created_at
    WHERE case_id = NEW.id;
END;

-- A change that moves it (out of or into draft, to another unit or
-- category): its rows go, and it gets those of where it now is.
CREATE TRIGGER inspector_cases_on_case_move AFTER UPDATE OF category_id, status, unit_id, practice ON cases
WHEN ((OLD.status <> 'draft' AND NOT OLD.practice) OR (NEW.status <> 'draft' AND NOT NEW.practice))
    AND NOT (NEW.status <> 'draft' AND NOT NEW.practice AND OLD.status <> 'draft' AND NOT OLD.practice
             AND NEW.unit_id IS OLD.unit_id AND NEW.category_id IS OLD.category_id)
BEGIN
    DELETE FROM inspector_cases WHERE case_id = OLD.id AND OLD.status <> 'draft' AND NOT OLD.practice;
    INSERT INTO inspector_cases (account_id, updated_at, case_id, status, unit_id, category_id,
                                 reference, title, outcome, version, created_at)
    SELECT r.account_id, NEW.updated_at, NEW.id, NEW.status, NEW.unit_id, NEW.category_id,
           NEW.reference, NEW.title, NEW.outcome, NEW.version, NEW.created_at
    FROM inspector_referents AS r WHERE r.unit_id = NEW.unit_id AND r.category_id = NEW.category_id AND NEW.status <> 'draft' AND NOT NEW.practice;
END;

CREATE TRIGGER inspector_cases_on_case_delete AFTER DELETE ON cases
WHEN OLD.status <> 'draft' AND NOT OLD.practice
BEGIN
    DELETE FROM inspector_cases WHERE case_id = OLD.id;
END;

-- A pair opened or closed.
CREATE TRIGGER inspector_cases_on_pair_open AFTER INSERT ON unit_inspection
BEGIN
    INSERT INTO inspector_cases SELECT * FROM inspector_case_rows
    WHERE unit_id = NEW.unit_id AND category_id = NEW.category_id;
END;
CREATE TRIGGER inspector_cases_on_pair_close AFTER DELETE ON unit_inspection
BEGIN
    DELETE FROM inspector_cases WHERE unit_id = OLD.unit_id AND category_id = OLD.category_id;
END;

-- A referent named or removed.
CREATE TRIGGER inspector_cases_on_referent_named AFTER INSERT ON category_inspectors
BEGIN
    INSERT INTO inspector_cases SELECT * FROM inspector_case_rows
    WHERE account_id = NEW.account_id AND category_id = NEW.category_id;
END;
CREATE TRIGGER inspector_cases_on_referent_removed AFTER DELETE ON category_inspectors
BEGIN
    DELETE FROM inspector_cases WHERE account_id = OLD.account_id AND category_id = OLD.category_id
        AND unit_id IN (SELECT unit_id FROM unit_inspection AS ui INDEXED BY unit_inspection_category
                        WHERE ui.category_id = OLD.category_id);
END;

-- A unit's inspection switched off or on (its module, or its status).
CREATE TRIGGER inspector_cases_on_unit_update AFTER UPDATE OF module_inspectors, status ON units
WHEN (OLD.module_inspectors <> 0 AND OLD.status = 'active') <> (NEW.module_inspectors <> 0 AND NEW.status = 'active')
BEGIN
    DELETE FROM inspector_cases WHERE unit_id = OLD.id;
    INSERT INTO inspector_cases SELECT * FROM inspector_case_rows WHERE unit_id = NEW.id;
END;
