// Package search holds the rules of Cloison's full-text search that need no
// database: how what a person typed becomes a full-text query (FTSQuery) or
// the terms a text must hold (Terms), and a copy of the rules by which the
// index's tokenizer (SQLite FTS5's unicode61, remove_diacritics 2) splits
// and folds text, with which a Matcher tells, in Go, whether texts hold
// those terms exactly as the index would find them.
//
// It is apart from the store so that these rules stand in one place, whole
// and pure: it must never touch a database or know what is indexed. The
// store indexes and queries (store/search.go) and holds the test that keeps
// a Matcher's answers equal to the index's.
package search

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// words splits what a person typed into words: runs of letters and digits;
// anything else separates them.
func words(q string) []string {
	return strings.FieldsFunc(q, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// FTSQuery turns what a person typed into an FTS5 query: each word a quoted
// prefix term, all of them required. Operators typed by the person are
// text. "" means nothing to search for.
func FTSQuery(q string) string {
	ws := words(q)
	terms := make([]string, 0, len(ws))
	for _, w := range ws {
		terms = append(terms, `"`+w+`"*`)
	}
	return strings.Join(terms, " ")
}

// Terms are the words of a search as the index compares them: separated
// like FTSQuery separates them, then folded like the index folds its
// tokens.
func Terms(q string) []string {
	var terms []string
	for _, w := range words(q) {
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

// Matcher tells whether texts hold every term, each as the start of a
// token: what the index's prefix query ("word"*) finds. It reuses its
// buffers: one Matcher serves one goroutine.
type Matcher struct {
	terms []string
	found []bool
	tok   []byte
}

// NewMatcher matches terms, as Terms gives them.
func NewMatcher(terms []string) *Matcher {
	return &Matcher{terms: terms, found: make([]bool, len(terms))}
}

// Matches tells whether texts, together, hold every term.
func (m *Matcher) Matches(texts ...string) bool {
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
