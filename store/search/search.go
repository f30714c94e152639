// Package search holds the rules of Cloison's full-text search that need no
// database: how what a person typed becomes a full-text query (FTSQuery) or
// the terms a text must hold (Terms), and a copy of the rules by which the
// index's tokenizer (SQLite FTS5's unicode61, remove_diacritics 2) splits
// and folds text, with which a Matcher tells, in Go, whether texts hold
// those terms exactly as the index would find them. The copy is a table
// read from SQLite itself (tokenizer_table.go), for every code point, and a
// test holds it to the tokenizer.
//
// It is apart from the store so that these rules stand in one place, whole
// and pure: it must never touch a database or know what is indexed. The
// store indexes and queries (store/search.go) and holds the test that keeps
// a Matcher's answers equal to the index's.
package search

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
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
// (unicode61, remove_diacritics 2) does, and folds each character the way
// it does (see fold). It appends to dst.
func foldedTokens(text string, dst []string) []string {
	var tok []byte
	flush := func() {
		if len(tok) > 0 {
			dst = append(dst, string(tok))
			tok = tok[:0]
		}
	}
	for _, r := range text {
		f, isToken := fold(r)
		if !isToken {
			flush()
			continue
		}
		if f >= 0 {
			tok = utf8.AppendRune(tok, f)
		}
	}
	flush()
	return dst
}

// fold is the tokenizer's rule for one character: whether it is part of a
// token, and what it becomes there (lower case, no diacritic), -1 when it
// is dropped from its token (a combining accent). ASCII letters and digits
// are tokens, other ASCII characters separate them; beyond ASCII the rule
// is the tokenizer's own, read from SQLite into tokenizer_table.go (the
// tokenizer's Unicode tables are older than Go's: letters Unicode added
// since are not lower-cased, unassigned code points are tokens).
func fold(r rune) (rune, bool) {
	switch {
	case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
		return r, true
	case r >= 'A' && r <= 'Z':
		return r + ('a' - 'A'), true
	case r < utf8.RuneSelf:
		return r, false
	case r < rune(len(dense)):
		switch f := dense[r]; f {
		case 0:
			return r, true
		case denseSeparator:
			return r, false
		case denseDropped:
			return -1, true
		default:
			return f, true
		}
	}
	if i, ok := slices.BinarySearchFunc(separatorRanges[:], r, func(s [2]rune, r rune) int {
		switch {
		case s[1] < r:
			return -1
		case s[0] > r:
			return 1
		}
		return 0
	}); ok && i >= 0 {
		return r, false
	}
	if i, ok := slices.BinarySearchFunc(foldPairs[:], r, func(p [2]rune, r rune) int { return int(p[0] - r) }); ok {
		if f := foldPairs[i][1]; f != 0 {
			return f, true
		}
		return -1, true
	}
	return r, true
}

// Markers of the dense table: a separator, a character dropped from its token.
const (
	denseSeparator = -1
	denseDropped   = -2
)

// dense is the rule for the code points below U+2000 (Latin, Greek,
// Cyrillic and the other alphabets French case files are written in), one
// look-up each: 0 a token as it is, denseSeparator, denseDropped, or what
// the character folds to. The rest is searched in the sorted tables.
var dense = func() []rune {
	t := make([]rune, 0x2000)
	for _, s := range separatorRanges {
		for r := s[0]; r <= s[1] && r < rune(len(t)); r++ {
			t[r] = denseSeparator
		}
	}
	for _, p := range foldPairs {
		if p[0] >= rune(len(t)) {
			break
		}
		if p[1] == 0 {
			t[p[0]] = denseDropped
		} else {
			t[p[0]] = p[1]
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

// NewMatcher matches terms, as Terms gives them. It is made the way the
// SQL function that matches makes its matchers (JoinTerms, then Reset), so
// that one path serves both.
func NewMatcher(terms []string) *Matcher {
	m := new(Matcher)
	m.Reset(JoinTerms(terms))
	return m
}

// JoinTerms is terms, as Terms gives them, in one text for Reset: a term
// holds no space (an ASCII space separates tokens).
func JoinTerms(terms []string) string { return strings.Join(terms, " ") }

// Reset makes m match the terms that JoinTerms put in joined, reusing m's
// buffers (a Matcher kept for the SQL function that matches, which makes no
// allocation per row). m keeps parts of joined until the next Reset.
func (m *Matcher) Reset(joined string) {
	clear(m.terms)
	m.terms = m.terms[:0]
	for joined != "" {
		var t string
		t, joined, _ = strings.Cut(joined, " ")
		if t != "" {
			m.terms = append(m.terms, t)
		}
	}
	m.found = slices.Grow(m.found[:0], len(m.terms))[:len(m.terms)]
}

// asciiFold is fold for the ASCII characters, as bytes: the character in
// its token, or 0 for a separator (NUL is one). Matches reads most of a
// French text through it, a byte at a time, without decoding runes or
// calling fold: a person's search runs Matches over the text of every case
// file they see.
var asciiFold = func() (t [utf8.RuneSelf]byte) {
	for c := range t {
		if f, isToken := fold(rune(c)); isToken {
			t[c] = byte(f)
		}
	}
	return t
}()

// Matches tells whether texts, together, hold every term.
func (m *Matcher) Matches(texts ...string) bool {
	clear(m.found)
	left := len(m.terms)
	for _, text := range texts {
		m.tok = m.tok[:0]
		for i := 0; i <= len(text); {
			// size is the separator's, when text[i] is one (the end of
			// the text is one too).
			size := 1
			if i < len(text) {
				if c := text[i]; c < utf8.RuneSelf {
					if f := asciiFold[c]; f != 0 {
						m.tok = append(m.tok, f)
						i++
						continue
					}
				} else {
					var r rune
					r, size = utf8.DecodeRuneInString(text[i:])
					if f, isToken := fold(r); isToken {
						if f >= 0 {
							m.tok = utf8.AppendRune(m.tok, f)
						}
						i += size
						continue
					}
				}
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
