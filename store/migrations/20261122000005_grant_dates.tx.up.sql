-- An account's case-file list, newest first, with its total, straight from
-- the grants: each grant carries its case file's updated_at, kept equal by
-- triggers in the same transaction as every change, so a page is read from
-- one index range and the total is a count over the same range, instead of
-- one lookup by case id per visible case file.

ALTER TABLE grants ADD COLUMN case_updated_at TIMESTAMP;
UPDATE grants SET case_updated_at = (SELECT updated_at FROM cases WHERE cases.id = grants.case_id);

CREATE TRIGGER grants_case_date_on_insert AFTER INSERT ON grants WHEN NEW.case_updated_at IS NULL
BEGIN
    UPDATE grants SET case_updated_at = (SELECT updated_at FROM cases WHERE id = NEW.case_id) WHERE id = NEW.id;
END;

CREATE TRIGGER cases_date_to_grants AFTER UPDATE OF updated_at ON cases
BEGIN
    UPDATE grants SET case_updated_at = NEW.updated_at WHERE case_id = NEW.id;
END;

-- Covers the visibility predicate (account, then the grant's kind and
-- dates) and the list's order; it replaces grants_visible, which had the
-- same leading column and condition.
CREATE INDEX grants_by_date ON grants (account_id, case_updated_at, case_id, kind, starts_at, ends_at, revoked_at) WHERE revoked_at IS NULL;
DROP INDEX grants_visible;
