package engine

import (
	"sync"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
	"modernc.org/sqlite"
)

// NoCaseUCA is the name of SQLite's collation for sorting what people read
// (case file titles): the Unicode Collation Algorithm with CLDR's root order
// at strength 2, letters and accents without case, as PostgreSQL's nocase
// (ICU 'und-u-ks-level2', its migration 065) orders them, so that a title
// sort gives the same order on both engines. SQLite's own NOCASE folds
// ASCII only and compares the rest byte by byte: it put "École" after
// "Zoé". The store writes "COLLATE NOCASE_UCA" and the PostgreSQL
// statements say "COLLATE nocase" in its place (see store/dialect.go).
//
// No index or other schema object uses it: the database file stays
// readable by any SQLite, which would not know it.
const NoCaseUCA = "NOCASE_UCA"

// collators are the collators NoCaseUCA compares with: a collator keeps
// buffers between comparisons and may not be shared by two goroutines.
var collators = sync.Pool{New: func() any { return collate.New(language.Und, collate.IgnoreCase) }}

// CompareNoCaseUCA compares two texts as NoCaseUCA does: negative, zero or
// positive as a sorts before, with or after b. Texts equal at strength 2
// ("Ecole" and "ecole") compare equal; a query breaks the tie by its next
// ORDER BY term, as on PostgreSQL, whose collation is nondeterministic.
func CompareNoCaseUCA(a, b string) int {
	c := collators.Get().(*collate.Collator)
	defer collators.Put(c)
	return c.CompareString(a, b)
}

// It must be registered before the process opens its first connection,
// which this package's initialisation comes before.
func init() { sqlite.MustRegisterCollationUtf8(NoCaseUCA, CompareNoCaseUCA) }
