package seed

import (
	"context"
	"errors"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"cloison/store"
)

// newTestStore opens a migrated store on a real SQLite file in a temp dir.
func newTestStore(t testing.TB) *store.Store {
	t.Helper()
	st := openStore(t, store.Options{Dir: t.TempDir()})
	t.Cleanup(func() { st.Close() })
	return st
}

// openStore opens and migrates a store; the caller closes it.
func openStore(t testing.TB, opts store.Options) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Migrate(ctx); err != nil {
		st.Close()
		t.Fatal(err)
	}
	return st
}

// The seed writes what real use would leave: counters, full-text rows,
// grants and the columns their triggers keep, notes, the audit chain, and
// exactly the migrations' schema (it builds some indexes after the rows);
// it must refuse a database that already holds data and give the writer
// back its settings.
func TestSeedFillsEverythingConsistently(t *testing.T) {
	st := newTestStore(t)
	ctx := context.Background()
	schema := schemaOf(t, st)
	settings := seedSettingsOf(t, st)
	rep, err := Run(ctx, st, Options{Cases: 300, Editors: 4, Admins: 1, Helpers: 3, BatchSize: 64}, "$argon2id$v=19$test")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Cases != 300 || rep.Editors != 4 {
		t.Fatalf("report %+v", rep)
	}
	count := func(q string) int {
		t.Helper()
		var n int
		if err := st.Engine().Reader().QueryRowContext(ctx, q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count("SELECT count(*) FROM cases"); n != 300 {
		t.Fatalf("%d cases", n)
	}
	if n := count("SELECT count(*) FROM case_search"); n != 300 {
		t.Fatalf("%d search rows", n)
	}
	if n := count("SELECT count(*) FROM case_counts AS k WHERE k.n != (SELECT count(*) FROM cases AS c WHERE c.status = k.status)"); n != 0 {
		t.Fatalf("%d counters disagree with the cases", n)
	}
	if n := count("SELECT count(*) FROM cases AS c WHERE (SELECT count(*) FROM grants AS g WHERE g.case_id = c.id AND g.kind = 'assignee') NOT BETWEEN 1 AND 3"); n != 0 {
		t.Fatalf("%d case files without 1 to 3 assignees", n)
	}
	if n := count("SELECT count(*) FROM grants WHERE kind != 'assignee'"); n == 0 {
		t.Fatal("no helper was invited on any case file")
	}
	// The grants' triggers copied their case file's columns and counted them.
	if n := count(`SELECT count(*) FROM grants AS g JOIN cases AS c ON c.id = g.case_id
		WHERE g.case_updated_at IS NOT c.updated_at OR g.case_version IS NOT c.version
		OR g.case_status IS NOT c.status OR g.case_reference IS NOT c.reference OR g.case_title IS NOT c.title`); n != 0 {
		t.Fatalf("%d grants without their case file's columns", n)
	}
	if n := count(`SELECT count(*) FROM (SELECT account_id, kind, count(*) AS n FROM grants GROUP BY account_id, kind) AS g
		LEFT JOIN grant_totals AS t USING (account_id, kind) WHERE t.n IS NOT g.n`); n != 0 {
		t.Fatalf("%d grant totals disagree with the grants", n)
	}
	// A case file's notes are searchable, as AddNote makes them, and its
	// title and summary are those of its own row.
	if n := count(`SELECT count(*) FROM notes AS n JOIN cases AS c ON c.id = n.case_id
		JOIN case_search AS s ON s.rowid = c.rowid WHERE instr(s.notes, n.body) = 0`); n != 0 {
		t.Fatalf("%d notes missing from the search index", n)
	}
	if n := count(`SELECT count(*) FROM cases AS c JOIN case_search AS s ON s.rowid = c.rowid
		WHERE s.title != c.title OR s.summary != c.summary
		OR s.notes != coalesce((SELECT group_concat(char(10) || n.body, '' ORDER BY n.created_at, n.rowid) FROM notes AS n WHERE n.case_id = c.id), '')`); n != 0 {
		t.Fatalf("%d full-text entries differ from their case file", n)
	}
	if n := count(`SELECT count(*) FROM case_search WHERE case_search MATCH 'consentement'`); n == 0 {
		t.Fatal("full-text search finds nothing")
	}
	if v, err := st.VerifyAudit(ctx); err != nil || !v.OK || v.Entries != 300+8 {
		t.Fatalf("audit %+v %v", v, err)
	}
	assertSoundAfterSeed(t, st, schema, settings)
	// Editors see their case files through the visibility predicate.
	ed := new(store.Account)
	if err := st.Engine().Reader().NewSelect().Model(ed).Where("email_key = ?", "editor1@"+Domain).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	_, total, err := st.ListCases(ctx, store.Actor{Account: ed}, store.CaseFilter{}, store.Page{Page: 1, PerPage: 50})
	if err != nil || total == 0 {
		t.Fatalf("editor1 sees %d case files (%v)", total, err)
	}
	if _, err := Run(ctx, st, Options{Cases: 1, Editors: 1}, "$argon2id$v=19$test"); err == nil {
		t.Fatal("a second seed on a database with data was accepted")
	}
	if p, _ := st.Pragmas(ctx); p["write.synchronous"] != "2" {
		t.Fatalf("synchronous not restored: %v", p["write.synchronous"])
	}
}

// The same generator seed gives the same case files: texts, categories,
// statuses, dates, people, notes and deadlines (ids and references are
// drawn at random, as real ones are).
func TestSeedIsReproducible(t *testing.T) {
	clock := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	contents := func() []string {
		st := openStore(t, store.Options{Dir: t.TempDir(), Now: func() time.Time { return clock }})
		defer st.Close()
		ctx := context.Background()
		if _, err := Run(ctx, st, Options{Cases: 120, Editors: 3, Admins: 1, Helpers: 2, Random: 42, BatchSize: 50}, "$argon2id$v=19$test"); err != nil {
			t.Fatal(err)
		}
		var out []string
		err := st.Engine().Reader().NewRaw(`SELECT c.title || '|' || c.category_id || '|' || c.summary || '|' || coalesce(c.facts_date, '') || '|' ||
			c.place || '|' || c.status || '|' || coalesce(c.outcome, '') || '|' || c.version || '|' || c.created_at || '|' || c.updated_at || '|' ||
			(SELECT group_concat(a.email || ':' || g.kind, ',' ORDER BY g.rowid) FROM grants AS g JOIN accounts AS a ON a.id = g.account_id WHERE g.case_id = c.id) || '|' ||
			coalesce((SELECT group_concat(n.body || '@' || n.created_at, ',' ORDER BY n.rowid) FROM notes AS n WHERE n.case_id = c.id), '') || '|' ||
			coalesce((SELECT group_concat(d.title || '@' || d.due_date || ':' || d.done, ',' ORDER BY d.rowid) FROM deadlines AS d WHERE d.case_id = c.id), '') || '|' ||
			(SELECT group_concat(e.kind || ':' || e.to_status || '@' || e.at, ',' ORDER BY e.id) FROM case_events AS e WHERE e.case_id = c.id)
			FROM cases AS c ORDER BY c.rowid`).Scan(ctx, &out)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	a, b := contents(), contents()
	if len(a) != 120 || !slices.Equal(a, b) {
		t.Fatalf("two seeds with the same generator seed differ (%d and %d case files)", len(a), len(b))
	}
}

// An interrupted seed still gives back the migrations' schema (the indexes
// it builds at the end) and the writer's settings.
func TestInterruptedSeedLeavesTheSchemaWhole(t *testing.T) {
	st := newTestStore(t)
	schema := schemaOf(t, st)
	settings := seedSettingsOf(t, st)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := Run(ctx, st, Options{Cases: 500, Editors: 2, BatchSize: 100, Progress: func(int) { cancel() }}, "$argon2id$v=19$test")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted seed: %v", err)
	}
	assertSoundAfterSeed(t, st, schema, settings)
}

// schemaOf lists the schema's objects and their statements, without the
// planner's statistics (ANALYZE's, not the migrations').
func schemaOf(t *testing.T, st *store.Store) []string {
	t.Helper()
	var out []string
	err := st.Engine().Reader().NewRaw(`SELECT type || ' ' || name || ' ON ' || tbl_name || ': ' || coalesce(sql, '') FROM sqlite_schema
		WHERE name NOT LIKE 'sqlite_stat%' ORDER BY type, name`).Scan(context.Background(), &out)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// seedSettingsOf reads the settings of the writer and of a reader, those
// the seed changes while it runs among them.
func seedSettingsOf(t *testing.T, st *store.Store) map[string]string {
	t.Helper()
	out, err := st.Pragmas(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// assertSoundAfterSeed checks that a seed, finished or not, left the
// schema and the writer's settings as they were, and a sound database.
func assertSoundAfterSeed(t *testing.T, st *store.Store, schema []string, settings map[string]string) {
	t.Helper()
	if got := schemaOf(t, st); !slices.Equal(got, schema) {
		t.Fatalf("the schema changed:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(schema, "\n"))
	}
	if got := seedSettingsOf(t, st); !maps.Equal(got, settings) {
		t.Fatalf("writer settings %v, want %v", got, settings)
	}
	ctx := context.Background()
	var check string
	if err := st.Engine().Reader().QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity check: %q %v", check, err)
	}
	rows, err := st.Engine().Reader().QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	if rows.Next() {
		t.Fatal("a seeded row refers to a row that does not exist")
	}
}

// How fast the seed fills an empty database: 20,000 case files per
// iteration by default, CLOISON_SEED_BENCH_CASES otherwise.
//
//	go test ./store/seed -run '^$' -bench Seed -benchtime 1x -cpuprofile seed.pprof
func BenchmarkSeed(b *testing.B) {
	n := 20000
	if v := os.Getenv("CLOISON_SEED_BENCH_CASES"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		st := newTestStore(b)
		b.StartTimer()
		if _, err := Run(ctx, st, Options{Cases: n, Editors: max(1, n*118/100/500), Admins: 4, Helpers: 50, Random: 1}, "$argon2id$bench"); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		st.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "cases/s")
}
