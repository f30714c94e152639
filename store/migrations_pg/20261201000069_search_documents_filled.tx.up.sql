-- Between migration 067 and the store's writing of every new entry's
-- words, an entry could be left without its document (NULL), and a case
-- file so written was found by no search. This folds, once, the text of
-- every such entry as the trigger of 067 does; on a database that has
-- none it reads case_search and changes nothing. PostgreSQL only: SQLite's
-- index is FTS5's, which has no such column.

UPDATE case_search SET document = array_to_tsvector(search_words(title || ' ' || summary || ' ' || notes))
WHERE document IS NULL;
