package search

import "strings"

// PostgreSQL's index of case files (case_search, see
// store/migrations_pg/20261201000064_search_folding.tx.up.sql) holds the
// tokens Tokens gives, computed here (IndexWords) or in SQL by functions
// generated from this package's copy of the tokenizer's rules, and is
// queried with TSQuery: the same words, folded the same way, as SQLite's
// FTS5 index and FTSQuery.

// MaxTokenRunes is how many characters of a token PostgreSQL's index keeps
// and compares: a lexeme may not exceed 2,047 bytes there, and 511
// characters never do (at most four bytes each). SQLite keeps whole
// tokens; the two differ only on words longer than that.
const MaxTokenRunes = 511

// Tokens are the tokens SQLite's tokenizer makes of text, in order, folded:
// what its full-text index holds of text.
func Tokens(text string) []string {
	return foldedTokens(text, nil)
}

// IndexWords are the words PostgreSQL's index holds of text: its Tokens,
// each cut to MaxTokenRunes, as migration 064's search_words gives them.
// The store computes them here for what it writes most (a new case file,
// a note), where folding them in PL/pgSQL took PostgreSQL 74 µs a case
// file under the write lock (migration 067).
// A text without words gives an empty list, never nil (which JSON would
// write as null).
func IndexWords(text string) []string {
	words := foldedTokens(text, []string{})
	for i, w := range words {
		words[i] = cutToken(w)
	}
	return words
}

// TSQuery is PostgreSQL's counterpart of FTSQuery: what a person typed as
// a tsquery's text, each term (see Terms) a quoted prefix, all of them
// required; "" means nothing to search for. It is given to PostgreSQL as
// it is (…::tsquery), not through to_tsquery: that would split and
// lower-case the terms again by its own parser and the database's locale,
// where the terms are already the index's tokens.
func TSQuery(q string) string {
	terms := Terms(q)
	parts := make([]string, 0, len(terms))
	for _, t := range terms {
		t = cutToken(t)
		// Tokens hold no ASCII punctuation; escaping costs nothing if
		// that rule ever changes.
		t = strings.NewReplacer(`\`, `\\`, `'`, `''`).Replace(t)
		parts = append(parts, "'"+t+"':*")
	}
	return strings.Join(parts, " & ")
}

// cutToken keeps a token's first MaxTokenRunes characters.
func cutToken(t string) string {
	n := 0
	for i := range t {
		if n == MaxTokenRunes {
			return t[:i]
		}
		n++
	}
	return t
}
