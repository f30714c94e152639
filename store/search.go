package store

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"cloison/store/engine"
	"cloison/store/search"
)

// Search, in one room: every write to the full-text index of case files
// (case_search, an FTS5 table whose rowid is the case file's) and every
// query of it. The rules of words, tokens and matching are the search
// package's.

// indexNewCases gives the batch's new case files their search entries in one
// statement at the end of the batch: inside each request's savepoint it cost
// a full-text index segment per case file (see engine.BatchWrite). Nothing can
// reach a case file before its creation commits, so nothing misses its entry.
// The rows go in rowid order: FTS5 writes its pending rows to disk again
// whenever a rowid is lower than the one before.
// On PostgreSQL the entry is keyed by the case file's id, and each value
// brings the entry's words (newEntry), which the index holds as they are.
var indexNewCases = &engine.BatchWrite{Query: pgAlso(`INSERT INTO case_search (rowid, title, summary, notes)
	SELECT rowid, title, summary, '' FROM cases WHERE id IN (SELECT value FROM json_each(?)) ORDER BY rowid`,
	`INSERT INTO case_search (case_id, title, summary, notes, document)
	SELECT c.id, c.title, c.summary, '', array_to_tsvector(ARRAY(SELECT json_array_elements_text(e.value -> 'w')))
	FROM json_array_elements(?::json) AS e JOIN cases AS c ON c.id = e.value ->> 'id'`)}

// MergeSearchIndex merges SQLite's full-text index into one segment, for
// the end of a bulk load (the seed). FTS5 writes each transaction's entries
// as a segment of their own and merges segments a little at a time as later
// writes come: a bulk load of thousands of transactions left that merging
// to the creates that followed it, where one batch in fifty spent 100 to
// 200 ms on it (a create's p99 of 100 ms right after a seed of 100,000 case
// files, 30 ms once merged). On PostgreSQL the index is a GIN index, which
// the bulk load's VACUUM leaves whole: nothing to do.
func (s *Store) MergeSearchIndex(ctx context.Context, tx bun.Tx) error {
	if s.pg {
		return nil
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO case_search (case_search) VALUES ('optimize')`)
	return err
}

// newEntry is a new case file's value for indexNewCases on PostgreSQL: its
// id and the words of its entry, title and summary (it has no notes yet).
type newEntry struct {
	ID    string   `json:"id"`
	Words []string `json:"w"`
}

// byCaseID finds a case file's entry: by the case file's rowid on SQLite,
// by its id on PostgreSQL.
var byCaseID = pgAlso(`WHERE rowid = (SELECT rowid FROM cases WHERE id = `, `WHERE case_id = (`)

// newCaseEntry is new case file c's value for indexNewCases.
func (s *Store) newCaseEntry(c *Case) any {
	if s.pg {
		// The words of each column, the columns apart, as migration 064's
		// document reads them (the notes are none yet).
		return newEntry{c.ID, search.IndexWords(c.Title + " " + c.Summary)}
	}
	return c.ID
}

// reindexCase puts a case file's new title and summary in its entry.
func reindexCase(ctx context.Context, tx bun.IDB, c *Case) error {
	_, err := tx.NewRaw(`UPDATE case_search SET title = ?, summary = ? `+byCaseID+`?)`,
		c.Title, c.Summary, c.ID).Exec(ctx)
	return err
}

// unindexCase removes the entry of a case file about to be deleted.
func unindexCase(ctx context.Context, tx bun.IDB, id string) error {
	_, err := tx.NewRaw("DELETE FROM case_search "+byCaseID+"?)", id).Exec(ctx)
	return err
}

// sqlNoteSearch is SQLite's; PostgreSQL prepares it too (every statement
// is prepared on both) but runs sqlNoteSearchPG.
var sqlNoteSearch = statements.Write(`UPDATE case_search SET notes = notes || ` + pgAlso("char(10)", "chr(10)") + ` || ? ` + byCaseID + `?)`)

// sqlNoteSearchPG is sqlNoteSearch on PostgreSQL, where the entry's words
// gain the note's: the words of the notes joined by line feeds are those
// of each note, and a document's lexemes are a set (without positions),
// so that their union is what folding the whole text again would give,
// without folding every earlier note again on each new one. (Not one of
// the store's prepared statements, which SQLite prepares too.)
const sqlNoteSearchPG = `UPDATE case_search SET notes = notes || chr(10) || ?,
	document = document || array_to_tsvector(ARRAY(SELECT json_array_elements_text(?::json))) WHERE case_id = ?`

// indexNote appends a new note's text to its case file's entry, whose notes
// column is every note, oldest first, each after a line feed.
func (s *Store) indexNote(ctx context.Context, tx bun.IDB, n *Note) error {
	if s.pg {
		words, err := json.Marshal(search.IndexWords(n.Body))
		if err != nil {
			return err
		}
		return s.db.Exec(ctx, tx, sqlNoteSearchPG, n.Body, string(words), n.CaseID)
	}
	return s.db.Exec(ctx, tx, sqlNoteSearch, n.Body, n.CaseID)
}

// SearchEntry is what a bulk load gives IndexCases of a case file it wrote.
type SearchEntry struct {
	CaseID string
	// Notes are its notes' bodies, oldest first, each after a line feed,
	// as indexNote would have left them.
	Notes string
}

// searchBulk writes entries taking the title and summary from the rows
// just written, found by id, and the notes from the entries. FTS5 writes a
// segment of its index per statement, so the fewer statements the better:
// 16,383 rows bind 32,766 values, SQLite's limit.
var searchBulk = engine.BulkInsert{Head: `INSERT INTO case_search (` + pgAlso("rowid, title, summary, notes)", "case_id, title, summary, notes)") + `
	SELECT c.rowid, c.title, c.summary, v.column2 FROM (VALUES `, Row: "(?, ?)",
	Tail: ") AS v CROSS JOIN cases AS c ON c.id = v.column1", MaxRows: 16383}

// IndexCases gives case files a bulk load wrote in tx (see
// engine.Bulk.InTx) their search entries, as creating them and adding
// their notes one by one would have.
func (s *Store) IndexCases(ctx context.Context, tx bun.Tx, entries []SearchEntry) error {
	rows := make([][]any, len(entries))
	for i, e := range entries {
		rows[i] = []any{e.CaseID, e.Notes}
	}
	return s.db.InsertRows(ctx, tx, searchBulk, rows)
}

// referenceSearch matches a search that is a whole case file's reference
// (R-2026-7K3QX, in any case), which finds that case file itself: people
// look case files up by the reference they were given.
var referenceSearch = regexp.MustCompile(`^(?i)[RP]-[0-9]{4}-[` + referenceAlphabet + `]{5}$`)

// isReference tells whether a search is a case file's reference.
func isReference(text string) bool { return referenceSearch.MatchString(strings.TrimSpace(text)) }

// matchingCases restricts a query over cases (alias c) to those whose
// entry holds every word of text, each as the start of a word, or to the
// case file whose reference text is.
func (s *Store) matchingCases(q *bun.SelectQuery, text string) *bun.SelectQuery {
	if isReference(text) {
		return q.Where("c.reference = ?", strings.ToUpper(strings.TrimSpace(text)))
	}
	if s.pg {
		if terms := search.TSQuery(text); terms != "" {
			return q.Where("c.id IN (SELECT case_id FROM case_search WHERE document @@ ?::tsquery)", terms)
		}
	} else if terms := search.FTSQuery(text); terms != "" {
		return q.Where("c.rowid IN (SELECT rowid FROM case_search WHERE case_search MATCH ?)", terms)
	}
	if strings.TrimSpace(text) != "" {
		return q.Where("0 = 1") // only punctuation: nothing matches
	}
	return q
}

// Searching a person's own case files.
//
// The full-text index answers "which of a million case files contain this
// word" by walking the word's list of case files: for a common word (a
// tenth of all case files say "consentement") that walk alone took tens of
// milliseconds, before intersecting it with the few hundred case files the
// person may see. Someone who sees few case files is better served the other
// way round: their case files' indexed text (the index keeps it, by rowid)
// is read in one pass over their grants and matched in SQLite
// (engine.Matches), with the index's own rules (see the search package).
// Admins, and anyone who sees more than searchOwnMax case files, search
// through the index.

// searchOwnMax is how many visible case files a search reads and matches
// at most; above, it goes through the full-text index. (A variable for the
// test of that limit.)
var searchOwnMax int64 = 5000

// searchOwn is ListCases for a search by someone who administers nothing
// and sees at most searchOwnMax case files; ok is false when they see more.
func (s *Store) searchOwn(ctx context.Context, accountID string, sc *Scope, f CaseFilter, p Page, now time.Time) (items []CaseSummary, total int64, ok bool, err error) {
	if !sc.reachesCases() {
		return []CaseSummary{}, 0, true, nil
	}
	if n, err := s.grantTotal(ctx, accountID, sc, "", now); err != nil || n > searchOwnMax {
		return nil, 0, false, err
	}
	terms := search.Terms(f.Q)
	items = []CaseSummary{}
	if len(terms) == 0 {
		return items, 0, true, nil // only punctuation: nothing matches
	}
	where, args := grantWhere(accountID, sc, f, "", now)
	// Each engine keeps the rows whose text holds every term itself
	// (searchOwnMatch), without sending every title, summary and note
	// here: SQLite through the matcher (engine.Matches), PostgreSQL through
	// each entry's words (its document, which the index holds too).
	match := search.JoinTerms(terms)
	if s.pg {
		match = search.TSQuery(f.Q)
	}
	rows, err := s.db.Query(ctx, s.read, searchOwnQuery(where, f.Sort), append(args, match)...)
	if err != nil {
		return nil, 0, false, err
	}
	defer rows.Close()
	from, to := p.offset(), p.offset()+p.limit()
	// One row is scanned into it, then copied into items (as in
	// scanSummariesAfter): the destinations are made once.
	var it CaseSummary
	dest := summaryDest(&it)
	for rows.Next() {
		if total >= from && total < to {
			it = CaseSummary{}
			if err := rows.Scan(dest...); err != nil {
				return nil, 0, false, err
			}
			it.Practice = IsPracticeReference(it.Reference)
			items = append(items, it)
		}
		total++
	}
	return items, total, true, rows.Close()
}

// searchOwnQuery is a person's case files whose indexed text holds every
// term of a search, its last argument (search.JoinTerms of the terms on
// SQLite, search.TSQuery's text on PostgreSQL), after grantWhere's.
//
// On SQLite the text is read from the index's own table of contents
// (case_search_content: id, then the columns title, summary and notes as
// c0, c1, c2), a plain lookup by rowid; through the virtual table each row
// cost half as much again. The rowid is the grant's own copy (case_rowid,
// migration 070): finding it through the case file's id was a second
// lookup per case file.
func searchOwnQuery(where, sort string) string {
	return `SELECT ` + grantSummaryColumns + searchOwnFrom + `
		WHERE ` + where + ` AND ` + searchOwnMatch + ` ORDER BY ` + grantSorts[sort]
}

var (
	searchOwnFrom = pgAlso(`
		FROM grants AS g INDEXED BY grants_list
		JOIN case_search_content AS t ON t.id = g.case_rowid`, `
		FROM grants AS g JOIN case_search AS t ON t.case_id = g.case_id`)
	searchOwnMatch = pgAlso(engine.Matches+`(?, t.c0, t.c1, t.c2)`, `t.document @@ ?::tsquery`)
)

// The commonest search's statement, prepared once.
var _ = statements.Read(searchOwnQuery(unfilteredGrants, ""))
