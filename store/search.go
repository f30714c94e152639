package store

import (
	"context"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"cloison/store/engine"
)

// Searching a person's own case files.
//
// The full-text index answers "which of a million case files contain this
// word" by walking the word's list of case files: for a common word (a
// tenth of all case files say "consentement") that walk alone took tens of
// milliseconds, before intersecting it with the few hundred case files the
// person may see. Someone who sees few case files is better served the other
// way round: their case files' indexed text (the index keeps it, by rowid)
// is read in one pass over their grants and matched here, with the index's
// own rules (see foldedTokens). Admins, and anyone who sees more than
// searchOwnMax case files, search through the index.

// searchOwnMax is how many visible case files a search reads and matches
// at most; above, it goes through the full-text index. (A variable for the
// test of that limit.)
var searchOwnMax int64 = 5000

// searchOwn is ListCases for a search by someone who sees at most
// searchOwnMax case files; ok is false when they see more.
func (s *Store) searchOwn(ctx context.Context, actor Actor, f CaseFilter, p Page, now time.Time) (items []CaseSummary, total int64, ok bool, err error) {
	if actor.Account.Status != StatusActive {
		return []CaseSummary{}, 0, true, nil
	}
	kinds := grantKindsOf(actor.Account)
	if n, err := s.grantTotal(ctx, actor.Account, kinds, now); err != nil || n > searchOwnMax {
		return nil, 0, false, err
	}
	terms := searchTerms(f.Q)
	items = []CaseSummary{}
	if len(terms) == 0 {
		return items, 0, true, nil // only punctuation: nothing matches
	}
	where, args := liveGrantWith(kinds), liveGrantArgs(actor.Account, now)
	if f.Status != "" {
		where, args = where+" AND g.case_status = ?", append(args, f.Status)
	}
	if f.Category != "" {
		where, args = where+" AND g.case_category_id = ?", append(args, f.Category)
	}
	rows, err := s.db.Query(ctx, s.read, searchOwnQuery(where, f.Sort), args...)
	if err != nil {
		return nil, 0, false, err
	}
	defer rows.Close()
	from, to := p.offset(), p.offset()+p.limit()
	m := newMatcher(terms)
	for rows.Next() {
		var it CaseSummary
		var title, summary, notes string
		if err := rows.Scan(&it.ID, &it.Reference, &it.Title, &it.CategoryID, &it.Status, &it.Outcome,
			&it.Version, engine.ScanTime(&it.CreatedAt), engine.ScanTime(&it.UpdatedAt), &title, &summary, &notes); err != nil {
			return nil, 0, false, err
		}
		if !m.matches(title, summary, notes) {
			continue
		}
		if total >= from && total < to {
			items = append(items, it)
		}
		total++
	}
	return items, total, true, rows.Close()
}

// searchOwnQuery reads a person's case files with their indexed text. The
// text is read from the index's own table of contents (case_search_content:
// id, then the columns title, summary and notes as c0, c1, c2), a plain
// lookup by rowid; through the virtual table each row cost half as much
// again.
func searchOwnQuery(where, sort string) string {
	return `SELECT ` + grantSummaryColumns + `, t.c0, t.c1, t.c2
		FROM grants AS g INDEXED BY grants_list
		JOIN cases AS c INDEXED BY cases_id_updated ON c.id = g.case_id
		JOIN case_search_content AS t ON t.id = c.rowid
		WHERE ` + where + ` ORDER BY ` + grantSorts[sort]
}

// The commonest searches' statements, prepared once.
var (
	_ = statements.Read(searchOwnQuery(liveGrantWith(editorGrantKinds), ""))
	_ = statements.Read(searchOwnQuery(liveGrantWith(readerGrantKinds), ""))
)

// searchTerms are the words of a search as the index compares them:
// separated like ftsQuery separates them, then folded like the index folds
// its tokens.
func searchTerms(q string) []string {
	words := strings.FieldsFunc(q, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	var terms []string
	for _, w := range words {
		terms = foldedTokens(w, terms)
	}
	return terms
}

// foldedTokens splits text into tokens the way the index's tokenizer
// (unicode61, remove_diacritics 2) does: letters, numbers and private-use
// characters make tokens, anything else separates them; each character is
// lower-cased and stripped of its diacritics. It appends to dst.
func foldedTokens(text string, dst []string) []string {
	var tok []byte
	flush := func() {
		if len(tok) > 0 {
			dst = append(dst, string(tok))
			tok = tok[:0]
		}
	}
	for _, r := range text {
		f, isToken := foldRune(r)
		if !isToken {
			flush()
			continue
		}
		tok = utf8.AppendRune(tok, f)
	}
	flush()
	return dst
}

// foldRune lower-cases r and removes its diacritics, and tells whether it
// is part of a token.
func foldRune(r rune) (rune, bool) {
	switch {
	case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
		return r, true
	case r >= 'A' && r <= 'Z':
		return r + ('a' - 'A'), true
	case r < utf8.RuneSelf:
		return r, false
	case !unicode.IsLetter(r) && !unicode.IsNumber(r) && !unicode.Is(unicode.Co, r):
		return r, false
	}
	r = unicode.ToLower(r)
	if int(r) < len(latinBase) {
		if b := latinBase[r]; b != 0 {
			return b, true
		}
	}
	return r, true
}

// latinBase maps the Latin letters with diacritics (up to U+024F) to their
// base letter, from their canonical decomposition: "é" (e + acute) is "e".
var latinBase = func() []rune {
	t := make([]rune, 0x250)
	for r := rune(0xC0); r < 0x250; r++ {
		d := []rune(norm.NFD.String(string(r)))
		if len(d) < 2 {
			continue
		}
		marks := true
		for _, m := range d[1:] {
			marks = marks && unicode.Is(unicode.Mn, m)
		}
		if marks {
			t[r] = unicode.ToLower(d[0])
		}
	}
	return t
}()

// matcher tells whether texts hold every term, each as the start of a
// token: what the index's prefix query ("word"*) finds.
type matcher struct {
	terms []string
	found []bool
	tok   []byte
}

func newMatcher(terms []string) *matcher {
	return &matcher{terms: terms, found: make([]bool, len(terms))}
}

func (m *matcher) matches(texts ...string) bool {
	clear(m.found)
	left := len(m.terms)
	for _, text := range texts {
		m.tok = m.tok[:0]
		for i := 0; i <= len(text); {
			r, size := utf8.RuneError, 1
			if i < len(text) {
				r, size = utf8.DecodeRuneInString(text[i:])
			}
			f, isToken := foldRune(r)
			if i < len(text) && isToken {
				m.tok = utf8.AppendRune(m.tok, f)
				i += size
				continue
			}
			if len(m.tok) > 0 {
				for k, t := range m.terms {
					if !m.found[k] && len(m.tok) >= len(t) && string(m.tok[:len(t)]) == t {
						m.found[k] = true
						left--
					}
				}
				if left == 0 {
					return true
				}
				m.tok = m.tok[:0]
			}
			i += size
		}
	}
	return left == 0
}
