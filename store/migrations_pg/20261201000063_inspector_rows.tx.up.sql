-- PostgreSQL's twin of SQLite's migration 63: a referent inspector's visible
-- case files as rows of their own, kept by triggers (see the SQLite file for
-- why). One trigger function per SQLite trigger runs its statements in the
-- same order.
CREATE TABLE inspector_cases (
    account_id  TEXT NOT NULL,
    updated_at  TEXT COLLATE "C" NOT NULL,
    case_id     TEXT NOT NULL,
    status      TEXT NOT NULL,
    unit_id     TEXT NOT NULL,
    category_id TEXT NOT NULL,
    reference   TEXT NOT NULL,
    title       TEXT NOT NULL,
    outcome     TEXT,
    version     BIGINT NOT NULL,
    created_at  TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (account_id, updated_at, case_id)
);
CREATE INDEX inspector_cases_case ON inspector_cases (case_id);
CREATE INDEX inspector_cases_pair ON inspector_cases (unit_id, category_id, account_id);

CREATE TABLE inspector_counts (
    account_id TEXT NOT NULL,
    status     TEXT NOT NULL,
    n          BIGINT NOT NULL,
    PRIMARY KEY (account_id, status)
);

CREATE FUNCTION inspector_counts_old() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE inspector_counts SET n = n - 1 WHERE account_id = OLD.account_id AND status = OLD.status;
    RETURN NULL;
END $$;
CREATE FUNCTION inspector_counts_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO inspector_counts (account_id, status, n) VALUES (NEW.account_id, NEW.status, 1)
        ON CONFLICT (account_id, status) DO UPDATE SET n = inspector_counts.n + 1;
    RETURN NULL;
END $$;
CREATE FUNCTION inspector_counts_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE inspector_counts SET n = n - 1 WHERE account_id = OLD.account_id AND status = OLD.status;
    INSERT INTO inspector_counts (account_id, status, n) VALUES (NEW.account_id, NEW.status, 1)
        ON CONFLICT (account_id, status) DO UPDATE SET n = inspector_counts.n + 1;
    RETURN NULL;
END $$;
CREATE TRIGGER inspector_counts_on_insert AFTER INSERT ON inspector_cases
    FOR EACH ROW EXECUTE FUNCTION inspector_counts_new();
CREATE TRIGGER inspector_counts_on_delete AFTER DELETE ON inspector_cases
    FOR EACH ROW EXECUTE FUNCTION inspector_counts_old();
CREATE TRIGGER inspector_counts_on_update AFTER UPDATE OF status ON inspector_cases
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION inspector_counts_moved();

-- The rule, as rows (SQLite's views, without its join-order hints: the
-- planner here orders joins by its statistics).
CREATE VIEW inspector_referents AS
SELECT ui.unit_id, ui.category_id, ci.account_id
FROM unit_inspection AS ui
JOIN units AS u ON u.id = ui.unit_id AND u.module_inspectors AND u.status = 'active'
JOIN category_inspectors AS ci ON ci.category_id = ui.category_id;

CREATE VIEW inspector_case_rows AS
SELECT r.account_id, c.updated_at, c.id AS case_id, c.status, r.unit_id, r.category_id,
       c.reference, c.title, c.outcome, c.version, c.created_at
FROM inspector_referents AS r
JOIN cases AS c ON c.unit_id = r.unit_id AND c.category_id = r.category_id
    AND c.status <> 'draft' AND NOT c.practice;

INSERT INTO inspector_cases SELECT * FROM inspector_case_rows;

DROP INDEX cases_unit_category_updated;

-- A case file created, changed where it is, moved, deleted.
CREATE FUNCTION inspector_cases_add_case() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO inspector_cases (account_id, updated_at, case_id, status, unit_id, category_id,
                                 reference, title, outcome, version, created_at)
    SELECT r.account_id, NEW.updated_at, NEW.id, NEW.status, NEW.unit_id, NEW.category_id,
           NEW.reference, NEW.title, NEW.outcome, NEW.version, NEW.created_at
    FROM inspector_referents AS r WHERE r.unit_id = NEW.unit_id AND r.category_id = NEW.category_id;
    RETURN NULL;
END $$;
CREATE TRIGGER inspector_cases_on_case_insert AFTER INSERT ON cases
    FOR EACH ROW WHEN (NEW.status <> 'draft' AND NOT NEW.practice) EXECUTE FUNCTION inspector_cases_add_case();

CREATE FUNCTION inspector_cases_change_case() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE inspector_cases SET updated_at = NEW.updated_at, status = NEW.status, reference = NEW.reference,
        title = NEW.title, outcome = NEW.outcome, version = NEW.version, created_at = NEW.created_at
    WHERE case_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER inspector_cases_on_case_update AFTER UPDATE OF reference, title, category_id, status, outcome,
    version, created_at, updated_at, unit_id, practice ON cases
    FOR EACH ROW WHEN (NEW.status <> 'draft' AND NOT NEW.practice AND OLD.status <> 'draft' AND NOT OLD.practice
        AND NEW.unit_id IS NOT DISTINCT FROM OLD.unit_id AND NEW.category_id IS NOT DISTINCT FROM OLD.category_id)
    EXECUTE FUNCTION inspector_cases_change_case();

CREATE FUNCTION inspector_cases_move_case() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status <> 'draft' AND NOT OLD.practice THEN
        DELETE FROM inspector_cases WHERE case_id = OLD.id;
    END IF;
    IF NEW.status <> 'draft' AND NOT NEW.practice THEN
        INSERT INTO inspector_cases (account_id, updated_at, case_id, status, unit_id, category_id,
                                     reference, title, outcome, version, created_at)
        SELECT r.account_id, NEW.updated_at, NEW.id, NEW.status, NEW.unit_id, NEW.category_id,
               NEW.reference, NEW.title, NEW.outcome, NEW.version, NEW.created_at
        FROM inspector_referents AS r WHERE r.unit_id = NEW.unit_id AND r.category_id = NEW.category_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER inspector_cases_on_case_move AFTER UPDATE OF category_id, status, unit_id, practice ON cases
    FOR EACH ROW WHEN (((OLD.status <> 'draft' AND NOT OLD.practice) OR (NEW.status <> 'draft' AND NOT NEW.practice))
        AND NOT (NEW.status <> 'draft' AND NOT NEW.practice AND OLD.status <> 'draft' AND NOT OLD.practice
                 AND NEW.unit_id IS NOT DISTINCT FROM OLD.unit_id AND NEW.category_id IS NOT DISTINCT FROM OLD.category_id))
    EXECUTE FUNCTION inspector_cases_move_case();

CREATE FUNCTION inspector_cases_drop_case() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM inspector_cases WHERE case_id = OLD.id;
    RETURN NULL;
END $$;
CREATE TRIGGER inspector_cases_on_case_delete AFTER DELETE ON cases
    FOR EACH ROW WHEN (OLD.status <> 'draft' AND NOT OLD.practice) EXECUTE FUNCTION inspector_cases_drop_case();

-- A pair opened or closed.
CREATE FUNCTION inspector_cases_open_pair() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO inspector_cases SELECT * FROM inspector_case_rows
    WHERE unit_id = NEW.unit_id AND category_id = NEW.category_id;
    RETURN NULL;
END $$;
CREATE TRIGGER inspector_cases_on_pair_open AFTER INSERT ON unit_inspection
    FOR EACH ROW EXECUTE FUNCTION inspector_cases_open_pair();
CREATE FUNCTION inspector_cases_close_pair() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM inspector_cases WHERE unit_id = OLD.unit_id AND category_id = OLD.category_id;
    RETURN NULL;
END $$;
CREATE TRIGGER inspector_cases_on_pair_close AFTER DELETE ON unit_inspection
    FOR EACH ROW EXECUTE FUNCTION inspector_cases_close_pair();

-- A referent named or removed.
CREATE FUNCTION inspector_cases_name_referent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO inspector_cases SELECT * FROM inspector_case_rows
    WHERE account_id = NEW.account_id AND category_id = NEW.category_id;
    RETURN NULL;
END $$;
CREATE TRIGGER inspector_cases_on_referent_named AFTER INSERT ON category_inspectors
    FOR EACH ROW EXECUTE FUNCTION inspector_cases_name_referent();
CREATE FUNCTION inspector_cases_remove_referent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM inspector_cases WHERE account_id = OLD.account_id AND category_id = OLD.category_id
        AND unit_id IN (SELECT ui.unit_id FROM unit_inspection AS ui WHERE ui.category_id = OLD.category_id);
    RETURN NULL;
END $$;
CREATE TRIGGER inspector_cases_on_referent_removed AFTER DELETE ON category_inspectors
    FOR EACH ROW EXECUTE FUNCTION inspector_cases_remove_referent();

-- A unit's inspection switched off or on (its module, or its status).
CREATE FUNCTION inspector_cases_inspect_unit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM inspector_cases WHERE unit_id = OLD.id;
    INSERT INTO inspector_cases SELECT * FROM inspector_case_rows WHERE unit_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER inspector_cases_on_unit_update AFTER UPDATE OF module_inspectors, status ON units
    FOR EACH ROW WHEN ((OLD.module_inspectors AND OLD.status = 'active') IS DISTINCT FROM (NEW.module_inspectors AND NEW.status = 'active'))
    EXECUTE FUNCTION inspector_cases_inspect_unit();
