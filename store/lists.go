package store

import "strings"

// What every list of the store shares: a page of it, and how a search
// by LIKE escapes what a person typed.

// Page is a slice of a list: Page starts at 1.
type Page struct {
	Page    int
	PerPage int
}

func (p Page) limit() int64  { return int64(p.PerPage) }
func (p Page) offset() int64 { return int64(p.Page-1) * int64(p.PerPage) }

// maxPerPage is the largest page the API serves (openapi.json's bound on
// per_page): what a list makes room for at most before reading its rows.
const maxPerPage = 200

// escapeLike escapes the wildcards of LIKE (with ESCAPE '\\') in s, so that
// what a person typed is matched as it is.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
