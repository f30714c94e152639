-- Performance at a national network's scale (issue 6): a million case files,
-- thousands of case managers.

-- The visibility predicate reads an account's live grants and checks their
-- kind and validity dates. With those columns in the index, SQLite answers
-- it from the index alone instead of reading every grant's row; the index
-- it replaces had the same leading columns and the same condition.
-- (revoked_at is always NULL in it, but SQLite counts an index as covering
-- only when it holds every column the query names.)
CREATE INDEX grants_visible ON grants (account_id, case_id, kind, starts_at, ends_at, revoked_at) WHERE revoked_at IS NULL;
DROP INDEX grants_account;

-- A list sorts the visible case files by date and keeps one page: with this
-- index the sort reads (id, updated_at) pairs instead of whole rows, and only
-- the page's rows are read (see ListCases).
CREATE INDEX cases_id_updated ON cases (id, updated_at);
