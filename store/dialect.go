package store

import (
	"strings"
	"sync"
)

// The store writes each query once, in SQL both engines read: SQLite's
// functions that PostgreSQL lacks (instr, iif, group_concat, json_each,
// json_extract, unary plus on text) are given the same
// meaning on PostgreSQL by its migration 065, and SQLite's planner hints
// (INDEXED BY) are taken out by the engine (engine.StripHints). What
// remains is here: fragments that cannot be written so, each with its
// PostgreSQL form, which the engine puts in place of the SQLite one in
// every statement before PostgreSQL reads it (pgRewrite). Queries whose
// shape differs (the admin's page by rowid, full-text search) choose their
// text by Store.pg instead.

// pgFragment is a SQLite fragment and its PostgreSQL form. A fragment of
// a query bun formats must hold no placeholder: bun writes the arguments
// into the text before the engine sees it.
type pgFragment struct{ sqlite, pg string }

// pgAlso declares, next to the query that has it, a fragment written
// differently on PostgreSQL, and returns the SQLite form.
func pgAlso(sqlite, pg string) string {
	pgFragmentsMu.Lock()
	defer pgFragmentsMu.Unlock()
	pgFragments = append(pgFragments, pgFragment{sqlite, pg})
	return sqlite
}

var pgFragmentsMu sync.Mutex

// pgFragments pairs each SQLite fragment with its PostgreSQL form: these,
// and those declared with pgAlso.
var pgFragments = []pgFragment{
	// A case file's people as one JSON array (peopleColumn): SQLite's JSON
	// functions are PostgreSQL's json_agg and json_build_object, and an
	// empty set is NULL there rather than '[]'.
	{peopleColumn, strings.NewReplacer(
		"(SELECT json_group_array(json_object(", "(SELECT coalesce(json_agg(json_build_object(",
		"json(iif(p.major, 'true', 'false'))", "p.major",
		"+p.created_at))", "+p.created_at)), '[]')",
	).Replace(peopleColumn)},
	// Titles sort by the Unicode Collation Algorithm at strength 2, a
	// collation the engine gives SQLite (engine.NoCaseUCA) and migration
	// 065 PostgreSQL.
	{titleOrder, "COLLATE nocase"},
	// "CROSS JOIN t ON …" is SQLite's way of fixing the order of a join
	// (the store always gives it a condition); PostgreSQL's inner join.
	{"CROSS JOIN ", "JOIN "},
	// The admin's page is chosen on the date index's entries and read by
	// key (caselist.go): SQLite's key is the rowid, PostgreSQL's the id.
	{"c.rowid", "c.id"},
}

// pgRewrite is the engine's Rewrite on PostgreSQL (engine.Postgres). At a
// place where several fragments start, the one declared first wins.
func pgRewrite(q string) string { return pgReplacer().Replace(q) }

// pgReplacer is made at the first statement, once every package variable
// (and with them every pgAlso) is initialised.
var pgReplacer = sync.OnceValue(func() *strings.Replacer {
	pgFragmentsMu.Lock()
	defer pgFragmentsMu.Unlock()
	var pairs []string
	for _, f := range pgFragments {
		pairs = append(pairs, f.sqlite, f.pg)
	}
	return strings.NewReplacer(pairs...)
})
