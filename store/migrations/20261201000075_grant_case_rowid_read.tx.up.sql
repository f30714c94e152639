-- A case file's page for someone entrusted with it (the one-case form of
-- the rule, sqlCaseForGrants) reads the account's grants on it from
-- grants_case_account, then the case file through one of them. It found
-- the case file by its id: a descent of the id's own index, whose leaf
-- pages, at a hundred thousand case files and more, the page cache seldom
-- holds, before the descent of the table by rowid. The index now carries
-- the case file's rowid (the grant's copy, migration 070, kept by the same
-- triggers and checked by cloison doctor), and the case file is read by it
-- directly: one B-tree read fewer for every case file opened, and a page
-- fewer for the cache to hold. The id is still compared on the row read.
-- PostgreSQL has no rowid (its case_rowid stays empty) and keeps reading
-- the case file by id; its twin gives the index the same columns, so that
-- the two schemas stay the same index for index.

DROP INDEX grants_case_account;
CREATE INDEX grants_case_account ON grants (case_id, account_id, kind, revoked_at, starts_at, ends_at, case_unit_id, case_rowid);
