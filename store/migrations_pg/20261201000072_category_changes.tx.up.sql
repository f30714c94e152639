-- PostgreSQL only: a change of categories changes the stamp of migration
-- 071 too, so that the same stamp also confirms the read a create makes of
-- its unit and category (store/orgs.go, activeUnitToCreateIn).
--
-- That read is the one statement a create on PostgreSQL made before its
-- batch besides its session check: a sixth of cloison's CPU per create in a
-- profile. Units already stamp (071); with categories, the stamp a request's
-- session check read names every write that could change what the read
-- found, so each instance keeps, per unit, category and stamp, what it
-- read, and a later request that reads the same stamp uses it.

CREATE TRIGGER categories_changes AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON categories
    FOR EACH STATEMENT EXECUTE FUNCTION session_changes_stamp();
