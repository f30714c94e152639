package engine

import (
	"database/sql/driver"
	"sync"

	"cloison/store/search"
	"modernc.org/sqlite"
)

// Matches is the name of SQLite's function matches(terms, title, summary,
// notes): whether the three texts, together, hold every term of a search,
// each as the start of a token, as the full-text index finds them
// (search.Matcher); terms is search.JoinTerms of the search's terms. A
// person's search over their own case files (store/search.go) reads each
// one's indexed text and keeps the rows this says yes to: matched inside
// SQLite, a row that does not match never crosses to Go, where reading its
// columns through the driver (its mutex taken for each) cost about a fifth
// of a search. No schema object uses it: the database file stays readable
// by any SQLite, which would not know it.
const Matches = "cloison_matches"

// matchers are the matchers Matches runs: each keeps buffers between rows
// and may not be shared by two goroutines.
var matchers = sync.Pool{New: func() any { return new(search.Matcher) }}

// matches is Matches. Its arguments are SQLite's own memory, valid during
// the call only (VolatileArgs: no copy per row); the matcher keeps parts of
// the terms until its next Reset, and reads none of them before it.
func matches(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	m := matchers.Get().(*search.Matcher)
	defer func() {
		m.Reset("")
		matchers.Put(m)
	}()
	joined, _ := args[0].(string)
	m.Reset(joined)
	var texts [3]string
	for i := range texts {
		texts[i], _ = args[i+1].(string) // NULL is no text
	}
	return m.Matches(texts[:]...), nil
}

// It must be registered before the process opens its first connection,
// which this package's initialisation comes before.
func init() {
	sqlite.MustRegisterFunction(Matches, &sqlite.FunctionImpl{NArgs: 4, Deterministic: true, VolatileArgs: true, Scalar: matches})
}
