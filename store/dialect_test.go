package store

import (
	"strings"
	"testing"
)

// Each fragment declared for PostgreSQL is found in a statement of the
// store's, so that none silently stops applying when its query changes;
// the hot statements that read lists with group_concat reach PostgreSQL
// with its own string_agg (migration 065's group_concat works, but is
// planned again in every statement).
func TestPostgresFragmentsApply(t *testing.T) {
	// The prepared statements, those run otherwise (at a batch's end, in
	// bulk), the lists' orders, which bun or a page's query puts in
	// their ORDER BY, and the admin's pages in those orders.
	queries := append(statements.Queries(), indexNewCases.Query, searchBulk.One())
	for _, sorts := range []map[string]string{CaseSorts, grantSorts} {
		for _, order := range sorts {
			queries = append(queries, order)
		}
	}
	for sort := range CaseSorts {
		queries = append(queries, adminPage(false, sort))
	}
	for _, f := range pgFragments {
		found := false
		for _, q := range queries {
			if strings.Contains(q, f.sqlite) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("no prepared statement holds %q", f.sqlite)
		}
	}
	for _, q := range []string{sqlScope, sqlCaseForAll.plain, sqlCaseForAll.people} {
		if pg := pgRewrite(q); strings.Contains(pg, "group_concat") || !strings.Contains(pg, "string_agg") {
			t.Errorf("on PostgreSQL, still with group_concat or without string_agg:\n%s", pg)
		}
	}
}
