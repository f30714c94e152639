-- A person's search over their own case files (store/search.go, searchOwn)
-- reads each one's indexed text by the case file's rowid, which is the
-- full-text entry's. The rowid was found through the case file's id, a
-- second lookup per case file in an index that, at a million case files,
-- the read connections' caches seldom hold. It is now on the grant, copied
-- when the grant is written (as the list columns are), and in grants_list,
-- so that the search is one range of that index and one lookup per case
-- file. A case file's rowid never changes (its full-text entry depends on
-- that already). PostgreSQL has no rowid: its twin adds the column, left
-- empty.

ALTER TABLE grants ADD COLUMN case_rowid INTEGER;

UPDATE grants SET case_rowid = (SELECT rowid FROM cases WHERE id = grants.case_id);

DROP INDEX grants_list;
CREATE INDEX grants_list ON grants (account_id, case_updated_at, case_id, kind, starts_at, ends_at, revoked_at,
    case_reference, case_title, case_category_id, case_status, case_outcome, case_version, case_created_at, case_unit_id,
    case_rowid)
    WHERE revoked_at IS NULL;

DROP TRIGGER grants_case_columns_on_insert;
CREATE TRIGGER grants_case_columns_on_insert AFTER INSERT ON grants WHEN NEW.case_version IS NULL
BEGIN
    UPDATE grants SET (case_reference, case_title, case_category_id, case_status, case_outcome, case_version,
                       case_created_at, case_updated_at, case_unit_id, case_rowid) =
        (SELECT reference, title, category_id, status, outcome, version, created_at, updated_at, unit_id, rowid
         FROM cases WHERE id = NEW.case_id)
    WHERE id = NEW.id;
END;
