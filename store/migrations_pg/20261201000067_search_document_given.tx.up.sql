-- The search index's words of a new case file and of a new note come from
-- the store (search.IndexWords, the Go copy of the tokenizer's rules that
-- migration 064's functions were generated from): folding them in
-- PL/pgSQL (066) was 74 µs of PostgreSQL's time per case file created,
-- under the write lock, and each new note folded every earlier note of its
-- case file again. The document is no longer a generated column, so that
-- a write may give it; when one does not (a bulk load, migrate-data, a
-- change of title or summary), this trigger computes it as the generated
-- column did. TestPostgresSearchDocumentsAreTheFoldedText (store/) holds
-- every entry the store writes to the document folding would give.

ALTER TABLE case_search ALTER COLUMN document DROP EXPRESSION;

CREATE FUNCTION case_search_document() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' AND NEW.document IS NULL
        OR TG_OP = 'UPDATE' AND NEW.document IS NOT DISTINCT FROM OLD.document
            AND (NEW.title, NEW.summary, NEW.notes) IS DISTINCT FROM (OLD.title, OLD.summary, OLD.notes) THEN
        NEW.document := array_to_tsvector(search_words(NEW.title || ' ' || NEW.summary || ' ' || NEW.notes));
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER case_search_document BEFORE INSERT OR UPDATE ON case_search
    FOR EACH ROW EXECUTE FUNCTION case_search_document();
