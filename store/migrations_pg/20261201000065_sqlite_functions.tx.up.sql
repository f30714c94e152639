-- The functions of SQLite's that the store's queries use, given the same
-- meaning on PostgreSQL, so that one text of each query serves both engines
-- (store/dialect.go rewrites the few fragments that cannot be written so).
-- PostgreSQL only: SQLite has them built in.

-- instr(haystack, needle): the 1-based position of needle, 0 when absent.
CREATE FUNCTION instr(haystack text, needle text) RETURNS integer
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN strpos(haystack, needle);

-- Unary plus on text is the identity, as in SQLite, where the store writes
-- +column only to steer SQLite's planner away from an index, or to read a
-- time as the text it is stored as. PostgreSQL has unary plus for numbers
-- only; this adds it for text. Being an inlined SQL function, it hides no
-- index from PostgreSQL's planner, which makes its own choices.
CREATE FUNCTION sqlite_unary_plus(t text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN t;
CREATE OPERATOR + (RIGHTARG = text, FUNCTION = sqlite_unary_plus);

-- iif(condition, then, else).
CREATE FUNCTION iif(cond boolean, a anyelement, b anyelement) RETURNS anyelement
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT CASE WHEN cond THEN a ELSE b END $$;

-- group_concat(value [, separator]): the non-NULL values joined by the
-- separator (',' by default), NULL when there are none.
CREATE FUNCTION group_concat_step(acc text, v text, sep text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN v IS NULL THEN acc WHEN acc IS NULL THEN v ELSE acc || sep || v END;
CREATE FUNCTION group_concat_step(acc text, v text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN group_concat_step(acc, v, ',');
CREATE AGGREGATE group_concat(text, text) (SFUNC = group_concat_step, STYPE = text);
CREATE AGGREGATE group_concat(text) (SFUNC = group_concat_step, STYPE = text);

-- json_each(array): the elements of a JSON array kept as text (a column
-- such as memberships.functions, or a bound list of ids), as text values.
-- PostgreSQL's own json_each(json) reads objects; this one takes text.
CREATE FUNCTION json_each(doc text) RETURNS TABLE (value text)
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT json_array_elements_text(doc::json) $$;

-- json_extract(document, '$.key.key…') for the store's object paths.
CREATE FUNCTION json_extract(doc text, path text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN (doc::jsonb) #>> string_to_array(substr(path, 3), '.');

-- COLLATE NOCASE orders titles without regard to case: a nondeterministic
-- ICU collation at strength 2 (letters and accents, not case).
CREATE COLLATION nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
