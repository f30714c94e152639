-- SQLite's migration 075 adds the case file's rowid to grants_case_account,
-- so that a case file's page reads the case file by it. PostgreSQL has no
-- rowid (case_rowid stays empty here) and reads the case file by its id;
-- the index gets the same columns all the same, so that the two schemas
-- stay the same index for index (TestPostgresSchemaMatchesSQLite).

DROP INDEX grants_case_account;
CREATE INDEX grants_case_account ON grants (case_id, account_id, kind, revoked_at, starts_at, ends_at, case_unit_id, case_rowid);
