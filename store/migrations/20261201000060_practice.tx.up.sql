-- Practice case files (issue 13): a helper's (or an editor's) case files of
-- their own, visible to their author alone (through the author's grant),
-- never counted or listed for an admin, never open to inspectors.
ALTER TABLE cases ADD COLUMN practice INTEGER NOT NULL DEFAULT 0;

-- The admins' ranges (the instance's date index, a status's, a unit's, an
-- organisation's) leave practice files out on the index entry itself: the
-- flag is carried at the end of each, so that a page stays one range that
-- never reads a case file's row to learn it is not to be shown. There are
-- few practice files, so skipping them costs next to nothing.
DROP INDEX cases_updated;
CREATE INDEX cases_updated ON cases (updated_at, id, practice);
DROP INDEX cases_status_updated;
CREATE INDEX cases_status_updated ON cases (status, updated_at, id, practice);
DROP INDEX cases_unit_updated;
CREATE INDEX cases_unit_updated ON cases (unit_id, updated_at, id,
    reference, title, category_id, status, outcome, version, created_at, practice);
DROP INDEX cases_org_updated;
CREATE INDEX cases_org_updated ON cases (org_id, updated_at, id,
    unit_id, reference, title, category_id, status, outcome, version, created_at, practice);
-- An inspector's ranges: drafts and practice files are skipped on the entry.
DROP INDEX cases_unit_category_updated;
CREATE INDEX cases_unit_category_updated ON cases (unit_id, category_id, updated_at, id, status, practice);

-- The units' counters, which scope admins' totals add up, count no practice
-- file (a case file never becomes or stops being one).
DROP TRIGGER cases_unit_count_on_insert;
DROP TRIGGER cases_unit_count_on_delete;
DROP TRIGGER cases_unit_count_on_update;
CREATE TRIGGER cases_unit_count_on_insert AFTER INSERT ON cases
WHEN NOT NEW.practice
BEGIN
    INSERT INTO unit_case_counts (unit_id, status, n) VALUES (NEW.unit_id, NEW.status, 1)
        ON CONFLICT (unit_id, status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER cases_unit_count_on_delete AFTER DELETE ON cases
WHEN NOT OLD.practice
BEGIN
    UPDATE unit_case_counts SET n = n - 1 WHERE unit_id = OLD.unit_id AND status = OLD.status;
END;
CREATE TRIGGER cases_unit_count_on_update AFTER UPDATE OF status, unit_id ON cases
WHEN NOT NEW.practice AND (OLD.status IS NOT NEW.status OR OLD.unit_id IS NOT NEW.unit_id)
BEGIN
    UPDATE unit_case_counts SET n = n - 1 WHERE unit_id = OLD.unit_id AND status = OLD.status;
    INSERT INTO unit_case_counts (unit_id, status, n) VALUES (NEW.unit_id, NEW.status, 1)
        ON CONFLICT (unit_id, status) DO UPDATE SET n = n + 1;
END;

-- Per unit, category and status, what an inspector's totals and home add
-- up (one row per open pair and status, instead of counting its range):
-- kept by triggers like unit_case_counts, practice files left out.
CREATE TABLE unit_category_counts (
    unit_id     TEXT NOT NULL,
    category_id TEXT NOT NULL,
    status      TEXT NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (unit_id, category_id, status)
) WITHOUT ROWID;
INSERT INTO unit_category_counts (unit_id, category_id, status, n)
    SELECT unit_id, category_id, status, count(*) FROM cases WHERE NOT practice GROUP BY unit_id, category_id, status;

CREATE TRIGGER cases_unit_category_count_on_insert AFTER INSERT ON cases
WHEN NOT NEW.practice
BEGIN
    INSERT INTO unit_category_counts (unit_id, category_id, status, n) VALUES (NEW.unit_id, NEW.category_id, NEW.status, 1)
        ON CONFLICT (unit_id, category_id, status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER cases_unit_category_count_on_delete AFTER DELETE ON cases
WHEN NOT OLD.practice
BEGIN
    UPDATE unit_category_counts SET n = n - 1 WHERE unit_id = OLD.unit_id AND category_id = OLD.category_id AND status = OLD.status;
END;
CREATE TRIGGER cases_unit_category_count_on_update AFTER UPDATE OF status, unit_id, category_id ON cases
WHEN NOT NEW.practice AND (OLD.status IS NOT NEW.status OR OLD.unit_id IS NOT NEW.unit_id OR OLD.category_id IS NOT NEW.category_id)
BEGIN
    UPDATE unit_category_counts SET n = n - 1 WHERE unit_id = OLD.unit_id AND category_id = OLD.category_id AND status = OLD.status;
    INSERT INTO unit_category_counts (unit_id, category_id, status, n) VALUES (NEW.unit_id, NEW.category_id, NEW.status, 1)
        ON CONFLICT (unit_id, category_id, status) DO UPDATE SET n = n + 1;
END;
