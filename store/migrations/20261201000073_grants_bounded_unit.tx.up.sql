-- The grants with an end date, per account (migration 007), now carry the
-- case file's unit too, so that the total's count of them (sqlGrantTotal,
-- which checks the unit against the person's scope) reads the index alone.
--
-- On SQLite the statement names the index and only looks up the few rows
-- it finds. PostgreSQL plans it once without its arguments (store/engine,
-- plan_cache_mode), and there an index that cannot answer alone lost to
-- grants_list, which can: every request for a person's list then read all
-- of the person's live grants to find the few with an end date, a cost that
-- grew with each case file entrusted to them (2.3 ms of a 3 ms list for an
-- editor holding 12,000 grants). TestPostgresGenericPlansReadNoWholeTable
-- holds every index named for SQLite to PostgreSQL's plan.
--
-- The index holds only live grants with an end date: rebuilding it reads
-- the grants once and writes a handful of entries.

DROP INDEX grants_bounded;
CREATE INDEX grants_bounded ON grants (account_id, ends_at, kind, starts_at, revoked_at, case_unit_id)
    WHERE revoked_at IS NULL AND ends_at IS NOT NULL;
