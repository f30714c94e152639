-- A person's case-file list at a million case files (issue 6).
--
-- 1. Each grant carries what a list shows of its case file, kept equal by
--    triggers in the same transaction as every change, and one index holds
--    it in the list's order: a page of a person's list is one contiguous
--    index range, read without touching the cases table (a page used to cost
--    fifty lookups by id in a table of a million rows).

ALTER TABLE grants ADD COLUMN case_reference TEXT;
ALTER TABLE grants ADD COLUMN case_title TEXT;
ALTER TABLE grants ADD COLUMN case_category_id TEXT;
ALTER TABLE grants ADD COLUMN case_status TEXT;
ALTER TABLE grants ADD COLUMN case_outcome TEXT;
ALTER TABLE grants ADD COLUMN case_version INTEGER;
ALTER TABLE grants ADD COLUMN case_created_at TIMESTAMP;

UPDATE grants SET (case_reference, case_title, case_category_id, case_status, case_outcome, case_version, case_created_at, case_updated_at) =
    (SELECT reference, title, category_id, status, outcome, version, created_at, updated_at FROM cases WHERE cases.id = grants.case_id);

DROP TRIGGER grants_case_date_on_insert;
DROP TRIGGER cases_date_to_grants;

-- A grant written without its case file's columns gets them here.
CREATE TRIGGER grants_case_columns_on_insert AFTER INSERT ON grants WHEN NEW.case_version IS NULL
BEGIN
    UPDATE grants SET (case_reference, case_title, case_category_id, case_status, case_outcome, case_version, case_created_at, case_updated_at) =
        (SELECT reference, title, category_id, status, outcome, version, created_at, updated_at FROM cases WHERE id = NEW.case_id)
    WHERE id = NEW.id;
END;

-- Every change to a case file bumps its version, so this follows them all.
CREATE TRIGGER cases_columns_to_grants AFTER UPDATE OF reference, title, category_id, status, outcome, version, created_at, updated_at ON cases
BEGIN
    UPDATE grants SET case_reference = NEW.reference, case_title = NEW.title, case_category_id = NEW.category_id,
        case_status = NEW.status, case_outcome = NEW.outcome, case_version = NEW.version,
        case_created_at = NEW.created_at, case_updated_at = NEW.updated_at
    WHERE case_id = NEW.id;
END;

-- The list index: the visibility predicate's columns (account, kind,
-- dates) and the list's columns, in the list's order. It replaces
-- grants_by_date, which had the same leading columns and condition.
CREATE INDEX grants_list ON grants (account_id, case_updated_at, case_id, kind, starts_at, ends_at, revoked_at,
    case_reference, case_title, case_category_id, case_status, case_outcome, case_version, case_created_at)
    WHERE revoked_at IS NULL;
DROP INDEX grants_by_date;

-- 2. A person's total without counting: grant_totals counts, per account
--    and kind, the grants that are live with no end (not revoked, no
--    ends_at; a grant starts when it is written). Grants with an end date,
--    a helper's until, are few and counted from their own small index.

CREATE TABLE grant_totals (
    account_id TEXT NOT NULL,
    kind       TEXT NOT NULL,
    n          INTEGER NOT NULL,
    PRIMARY KEY (account_id, kind)
) WITHOUT ROWID;

INSERT INTO grant_totals (account_id, kind, n)
    SELECT account_id, kind, count(*) FROM grants
    WHERE account_id IS NOT NULL AND revoked_at IS NULL AND ends_at IS NULL
    GROUP BY account_id, kind;

CREATE TRIGGER grant_totals_on_insert AFTER INSERT ON grants
WHEN NEW.account_id IS NOT NULL AND NEW.revoked_at IS NULL AND NEW.ends_at IS NULL
BEGIN
    INSERT INTO grant_totals (account_id, kind, n) VALUES (NEW.account_id, NEW.kind, 1)
        ON CONFLICT (account_id, kind) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER grant_totals_on_delete AFTER DELETE ON grants
WHEN OLD.account_id IS NOT NULL AND OLD.revoked_at IS NULL AND OLD.ends_at IS NULL
BEGIN
    UPDATE grant_totals SET n = n - 1 WHERE account_id = OLD.account_id AND kind = OLD.kind;
END;

CREATE TRIGGER grant_totals_on_update_old AFTER UPDATE OF account_id, kind, revoked_at, ends_at ON grants
WHEN OLD.account_id IS NOT NULL AND OLD.revoked_at IS NULL AND OLD.ends_at IS NULL
BEGIN
    UPDATE grant_totals SET n = n - 1 WHERE account_id = OLD.account_id AND kind = OLD.kind;
END;

CREATE TRIGGER grant_totals_on_update_new AFTER UPDATE OF account_id, kind, revoked_at, ends_at ON grants
WHEN NEW.account_id IS NOT NULL AND NEW.revoked_at IS NULL AND NEW.ends_at IS NULL
BEGIN
    INSERT INTO grant_totals (account_id, kind, n) VALUES (NEW.account_id, NEW.kind, 1)
        ON CONFLICT (account_id, kind) DO UPDATE SET n = n + 1;
END;

-- The grants with an end date, per account: what the total adds to
-- grant_totals, after checking the dates.
CREATE INDEX grants_bounded ON grants (account_id, ends_at, kind, starts_at, revoked_at)
    WHERE revoked_at IS NULL AND ends_at IS NOT NULL;
