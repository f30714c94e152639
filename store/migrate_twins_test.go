package store

import (
	"io/fs"
	"slices"
	"strings"
	"testing"

	"github.com/uptrace/bun/dialect"
)

// Every SQLite migration after PostgreSQL's baseline has a PostgreSQL twin of
// the same file name, and a number used by one engine alone is skipped by
// the other: the two sequences cannot drift apart, and a later migration of
// one engine cannot take a number the other already gave to something else.
// This runs without a PostgreSQL server.
func TestMigrationsHaveTwins(t *testing.T) {
	names := func(dir string) []string {
		entries, err := fs.ReadDir(migrationFiles, dir)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range entries {
			out = append(out, e.Name())
		}
		return out
	}
	number := func(name string) string { n, _, _ := strings.Cut(name, "_"); return n }
	lite, pg := names(migrationDirs[dialect.SQLite]), names(migrationDirs[dialect.PG])
	if len(pg) == 0 || !strings.Contains(pg[0], "_baseline.") {
		t.Fatalf("PostgreSQL's migrations do not start with the baseline: %v", pg)
	}
	baseline := number(pg[0])
	if !slices.ContainsFunc(lite, func(n string) bool { return number(n) == baseline }) {
		t.Fatalf("the baseline %s is not numbered after a SQLite migration", pg[0])
	}
	liteNumbers := map[string]string{}
	for _, n := range lite {
		liteNumbers[number(n)] = n
		if number(n) > baseline && !slices.Contains(pg, n) {
			t.Errorf("SQLite's %s has no PostgreSQL twin of the same name in %s", n, migrationDirs[dialect.PG])
		}
	}
	for _, n := range pg[1:] {
		if other, ok := liteNumbers[number(n)]; ok && other != n {
			t.Errorf("PostgreSQL's %s and SQLite's %s share a number for different migrations", n, other)
		}
	}
}
