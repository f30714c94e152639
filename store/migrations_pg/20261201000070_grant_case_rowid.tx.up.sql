-- SQLite's migration 070 puts the case file's rowid on its grants, for a
-- person's search over their own case files, which reads the full-text
-- entry by that rowid. PostgreSQL has no rowid, and its search matches each
-- entry's document by the case file's id: the column is here so that the
-- two schemas stay the same (TestPostgresSchemaMatchesSQLite), and stays
-- empty.

ALTER TABLE grants ADD COLUMN case_rowid BIGINT;
