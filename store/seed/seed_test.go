package seed

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"cloison/internal/testpg"
	"cloison/store"
	"cloison/store/storetest"
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
	if opts.DatabaseURL == "" {
		opts.DatabaseURL = storetest.Migrated(t, opts.Dir)
	}
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
	count := counter(t, st)
	if n := count("SELECT count(*) FROM cases"); n != 300 {
		t.Fatalf("%d cases", n)
	}
	if n := count("SELECT count(*) FROM grants WHERE kind != 'assignee'"); n == 0 {
		t.Fatal("no helper was invited on any case file")
	}
	assertConsistent(t, st)
	// One entry per case file, per account, and per editor's membership of the unit.
	if v, err := st.VerifyAudit(ctx); err != nil || !v.OK || v.Entries != 300+8+4 {
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
	if p, _ := st.Pragmas(ctx); !testpg.OnPostgres() && p["write.synchronous"] != "2" {
		t.Fatalf("synchronous not restored: %v", p["write.synchronous"])
	}
}

// counter runs count queries on a reader of st.
func counter(t *testing.T, st *store.Store) func(q string) int {
	return func(q string) int {
		t.Helper()
		var n int
		if err := st.Engine().Reader().QueryRowContext(context.Background(), q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
}

// assertConsistent checks that what triggers, counters and the full-text
// index keep agrees with the rows, as after real use, and that every case
// file is entrusted to editors of its own unit.
func assertConsistent(t *testing.T, st *store.Store) {
	t.Helper()
	count := counter(t, st)
	if n, cases := count("SELECT count(*) FROM case_search"), count("SELECT count(*) FROM cases"); n != cases {
		t.Fatalf("%d search rows for %d cases", n, cases)
	}
	if n := count("SELECT count(*) FROM case_counts AS k WHERE k.n != (SELECT count(*) FROM cases AS c WHERE c.status = k.status)"); n != 0 {
		t.Fatalf("%d counters disagree with the cases", n)
	}
	if n := count(`SELECT count(*) FROM (SELECT unit_id, status, count(*) AS n FROM cases GROUP BY unit_id, status) AS c
		FULL JOIN (SELECT * FROM unit_case_counts WHERE n <> 0) AS k USING (unit_id, status) WHERE k.n IS DISTINCT FROM c.n`); n != 0 {
		t.Fatalf("%d unit counters disagree with the cases", n)
	}
	if n := count(`SELECT count(*) FROM (SELECT unit_id, category_id, status, count(*) AS n FROM cases GROUP BY unit_id, category_id, status) AS c
		FULL JOIN (SELECT * FROM unit_category_counts WHERE n <> 0) AS k USING (unit_id, category_id, status) WHERE k.n IS DISTINCT FROM c.n`); n != 0 {
		t.Fatalf("%d unit and category counters disagree with the cases", n)
	}
	if n := count("SELECT count(*) FROM cases AS c WHERE (SELECT count(*) FROM grants AS g WHERE g.case_id = c.id AND g.kind = 'assignee') NOT BETWEEN 1 AND 3"); n != 0 {
		t.Fatalf("%d case files without 1 to 3 assignees", n)
	}
	// A case file is in its unit's organisation, entrusted to editors of its
	// unit (a live editor membership each), and created by the first.
	if n := count("SELECT count(*) FROM cases AS c JOIN units AS u ON u.id = c.unit_id WHERE c.org_id IS DISTINCT FROM u.org_id"); n != 0 {
		t.Fatalf("%d case files outside their unit's organisation", n)
	}
	if n := count(`SELECT count(*) FROM grants AS g JOIN cases AS c ON c.id = g.case_id WHERE g.kind = 'assignee'
		AND NOT EXISTS (SELECT 1 FROM memberships AS m WHERE m.account_id = g.account_id AND m.unit_id = c.unit_id
			AND m.role = 'editor' AND m.valid_until IS NULL)`); n != 0 {
		t.Fatalf("%d assignments to someone who does not edit for the case file's unit", n)
	}
	if n := count(`SELECT count(*) FROM cases AS c WHERE NOT EXISTS (SELECT 1 FROM grants AS g
		WHERE g.case_id = c.id AND g.kind = 'assignee' AND g.account_id = c.creator_id)`); n != 0 {
		t.Fatalf("%d case files not entrusted to their creator", n)
	}
	// The grants' triggers copied their case file's columns and counted them.
	if n := count(`SELECT count(*) FROM grants AS g JOIN cases AS c ON c.id = g.case_id
		WHERE g.case_updated_at IS DISTINCT FROM c.updated_at OR g.case_version IS DISTINCT FROM c.version OR g.case_unit_id IS DISTINCT FROM c.unit_id
		OR g.case_status IS DISTINCT FROM c.status OR g.case_reference IS DISTINCT FROM c.reference OR g.case_title IS DISTINCT FROM c.title`); n != 0 {
		t.Fatalf("%d grants without their case file's columns", n)
	}
	// And, on SQLite, its rowid (a person's search reads the full-text
	// entry by it, migration 070).
	if !testpg.OnPostgres() {
		if n := count(`SELECT count(*) FROM grants AS g JOIN cases AS c ON c.id = g.case_id WHERE g.case_rowid IS NOT c.rowid`); n != 0 {
			t.Fatalf("%d grants without their case file's rowid", n)
		}
	}
	if n := count(`SELECT count(*) FROM (SELECT account_id, kind, case_unit_id AS unit_id, count(*) AS n FROM grants
			GROUP BY account_id, kind, case_unit_id) AS g
		FULL JOIN (SELECT * FROM grant_totals WHERE n <> 0) AS t USING (account_id, kind, unit_id) WHERE t.n IS DISTINCT FROM g.n`); n != 0 {
		t.Fatalf("%d grant totals disagree with the grants", n)
	}
	// Each referent inspector's rows are the rule's, with their case files'
	// columns, and counted (migration 63): the rule as sqlScope and
	// inspectCond say it.
	ruled := `SELECT ci.account_id, c.updated_at, c.id, c.status, c.unit_id, c.category_id, c.reference, c.title, c.outcome, c.version, c.created_at
		FROM category_inspectors AS ci JOIN unit_inspection AS ui ON ui.category_id = ci.category_id
		JOIN units AS u ON u.id = ui.unit_id AND u.module_inspectors AND u.status = 'active'
		JOIN cases AS c ON c.unit_id = ui.unit_id AND c.category_id = ui.category_id AND c.status <> 'draft' AND NOT c.practice`
	kept := `SELECT account_id, updated_at, case_id, status, unit_id, category_id, reference, title, outcome, version, created_at FROM inspector_cases`
	if n, m := count(`SELECT count(*) FROM (`+kept+` EXCEPT `+ruled+`) AS x`), count(`SELECT count(*) FROM (`+ruled+` EXCEPT `+kept+`) AS x`); n != 0 || m != 0 {
		t.Fatalf("inspectors' rows: %d the rule does not give, %d missing", n, m)
	}
	if n := count(`SELECT count(*) FROM (SELECT account_id, status, count(*) AS n FROM inspector_cases GROUP BY account_id, status) AS r
		FULL JOIN (SELECT * FROM inspector_counts WHERE n <> 0) AS k USING (account_id, status) WHERE k.n IS DISTINCT FROM r.n`); n != 0 {
		t.Fatalf("%d inspector counters disagree with their rows", n)
	}
	// A case file's notes are searchable, as AddNote makes them, and its
	// title and summary are those of its own row.
	// The entry is the case file's by rowid on SQLite, by id on PostgreSQL.
	entry, lf, noteOrder := "s.rowid = c.rowid", "char(10)", "n.rowid"
	if testpg.OnPostgres() {
		entry, lf, noteOrder = "s.case_id = c.id", "chr(10)", "n.id"
	}
	if n := count(`SELECT count(*) FROM notes AS n JOIN cases AS c ON c.id = n.case_id
		JOIN case_search AS s ON ` + entry + ` WHERE instr(s.notes, n.body) = 0`); n != 0 {
		t.Fatalf("%d notes missing from the search index", n)
	}
	if n := count(`SELECT count(*) FROM cases AS c JOIN case_search AS s ON ` + entry + `
		WHERE s.title != c.title OR s.summary != c.summary
		OR s.notes != coalesce((SELECT group_concat(` + lf + ` || n.body, '' ORDER BY n.created_at, ` + noteOrder + `) FROM notes AS n WHERE n.case_id = c.id), '')`); n != 0 {
		t.Fatalf("%d full-text entries differ from their case file", n)
	}
	match := `case_search MATCH 'consentement'`
	if testpg.OnPostgres() {
		match = `document @@ 'consentement'::tsquery`
	}
	if n := count(`SELECT count(*) FROM case_search WHERE ` + match); n == 0 {
		t.Fatal("full-text search finds nothing")
	}
	// SQLite's index is merged into one segment, so that no write after the
	// seed pays for merging what the seed's transactions left.
	if !testpg.OnPostgres() {
		if n := count(`SELECT count(DISTINCT segid) FROM case_search_idx`); n != 1 {
			t.Fatalf("the full-text index is in %d segments after the seed", n)
		}
	}
}

// Over several organisations and units, the seed writes a network as its
// people would have made it: organisations and units with their codes, the
// editors spread over the units and their case files in them, one admin per
// unit and per organisation (an admin membership each, nothing more), every
// step audited; and each of them sees, through the visibility rule, exactly
// their scope's case files.
func TestSeedANetwork(t *testing.T) {
	st := newTestStore(t)
	ctx := context.Background()
	schema := schemaOf(t, st)
	settings := seedSettingsOf(t, st)
	opts := Options{Cases: 420, Editors: 15, Admins: 1, Helpers: 3, Orgs: 3, Units: 7, BatchSize: 64}
	rep, err := Run(ctx, st, opts, "$argon2id$v=19$test")
	if err != nil {
		t.Fatal(err)
	}
	if want := (Report{Editors: 15, Admins: 1, Helpers: 3, Cases: 420, Orgs: 3, Units: 7, UnitAdmins: 7, OrgAdmins: 3, Inspectors: 1}); rep != want {
		t.Fatalf("report %+v, want %+v", rep, want)
	}
	assertConsistent(t, st)
	if n := counter(t, st)("SELECT count(*) FROM inspector_cases"); n == 0 {
		t.Fatal("the inspector's pairs open no case file: their rows are checked against nothing")
	}
	assertSoundAfterSeed(t, st, schema, settings)
	var got []string
	if err := st.Engine().Reader().NewRaw(`SELECT o.code || '>' || u.code || ':' || u.status || ':' || (SELECT count(*) FROM cases AS c WHERE c.unit_id = u.id)
		FROM units AS u JOIN organisations AS o ON o.id = u.org_id ORDER BY u.code`).Scan(ctx, &got); err != nil {
		t.Fatal(err)
	}
	// Unit i in organisation i*3/7 (from 0), 60 case files each.
	want := []string{"ORG-001>U-0001:active:60", "ORG-001>U-0002:active:60", "ORG-001>U-0003:active:60", "ORG-002>U-0004:active:60",
		"ORG-002>U-0005:active:60", "ORG-003>U-0006:active:60", "ORG-003>U-0007:active:60"}
	if !slices.Equal(got, want) {
		t.Fatalf("units %v, want %v", got, want)
	}
	// Each person's memberships: editor N of unit (N-1) mod 7 + 1, each
	// admin of their scope, and nobody anything else.
	got = nil
	if err := st.Engine().Reader().NewRaw(`SELECT a.email || ' ' || a.role || ': ' || coalesce(group_concat(m.role || '@' ||
			coalesce((SELECT code FROM units WHERE id = m.unit_id), (SELECT code FROM organisations WHERE id = m.org_id)), ','), '')
		FROM accounts AS a LEFT JOIN memberships AS m ON m.account_id = a.id AND m.valid_until IS NULL AND m.token_hash IS NULL
		GROUP BY a.id, a.email, a.role`).Scan(ctx, &got); err != nil {
		t.Fatal(err)
	}
	want = nil
	for i := 1; i <= 15; i++ {
		want = append(want, "editor"+strconv.Itoa(i)+"@seed.invalid editor: editor@"+unitCode((i-1)%7+1))
	}
	want = append(want, "admin1@seed.invalid admin: ")
	for i := 1; i <= 3; i++ {
		want = append(want, "helper"+strconv.Itoa(i)+"@seed.invalid reader: ")
	}
	for i := 1; i <= 7; i++ {
		want = append(want, "unitadmin"+strconv.Itoa(i)+"@seed.invalid reader: admin@"+unitCode(i))
	}
	for i := 1; i <= 3; i++ {
		want = append(want, "orgadmin"+strconv.Itoa(i)+"@seed.invalid reader: admin@"+orgCode(i))
	}
	want = append(want, "inspector1@seed.invalid reader: ")
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("memberships:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Every change audited, in its scope: the case files, the accounts, the
	// editors' memberships, two codes given, 2 organisations and 6 units
	// created, 10 admin memberships.
	if v, err := st.VerifyAudit(ctx); err != nil || !v.OK || v.Entries != 420+30+15+10+10 {
		t.Fatalf("audit %+v %v", v, err)
	}
	count := counter(t, st)
	// The inspector: referent of every category, InspectedPairs pairs open
	// over every unit.
	if n := count(`SELECT count(DISTINCT unit_id) * 1000 + count(*) FROM unit_inspection`); n != 7*1000+InspectedPairs {
		t.Fatalf("open pairs: %d", n)
	}
	if count(`SELECT count(*) FROM category_inspectors`) != count(`SELECT count(*) FROM categories WHERE active`) {
		t.Fatal("the inspector is not the referent of every category")
	}
	if n := count(`SELECT count(*) FROM audit_entries AS e WHERE e.action IN ('membership.created', 'unit.created', 'unit.updated')
		AND e.unit_id <> '' AND e.org_id <> (SELECT org_id FROM units WHERE id = e.unit_id)`); n != 0 {
		t.Fatalf("%d audit entries of a unit outside its organisation", n)
	}
	if n := count(`SELECT count(*) FROM audit_entries WHERE action = 'membership.created' AND org_id = ''`); n != 0 {
		t.Fatalf("%d memberships audited outside any scope", n)
	}
	// Through the rule: a unit's admin, an organisation's and an editor see
	// their scope's case files, all of them and no others.
	sees := func(email string) map[string]int {
		t.Helper()
		acc := new(store.Account)
		if err := st.Engine().Reader().NewSelect().Model(acc).Where("email_key = ?", email).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		units := map[string]int{}
		var total int64
		for page := 1; ; page++ {
			items, n, err := st.ListCases(ctx, store.Actor{Account: acc}, store.CaseFilter{}, store.Page{Page: page, PerPage: 50})
			if err != nil {
				t.Fatal(err)
			}
			total = n
			for _, it := range items {
				var code string
				if err := st.Engine().Reader().QueryRowContext(ctx, "SELECT code FROM units WHERE id = ?", it.UnitID).Scan(&code); err != nil {
					t.Fatal(err)
				}
				units[code]++
			}
			if len(items) < 50 {
				break
			}
		}
		listed := 0
		for _, n := range units {
			listed += n
		}
		if int64(listed) != total {
			t.Fatalf("%s: %d listed, total %d", email, listed, total)
		}
		return units
	}
	if got := sees("unitadmin4@seed.invalid"); !maps.Equal(got, map[string]int{"U-0004": 60}) {
		t.Fatalf("the admin of U-0004 sees %v", got)
	}
	if got := sees("orgadmin2@seed.invalid"); !maps.Equal(got, map[string]int{"U-0004": 60, "U-0005": 60}) {
		t.Fatalf("the admin of ORG-002 sees %v", got)
	}
	if got := sees("editor9@seed.invalid"); len(got) != 1 || got["U-0002"] == 0 {
		t.Fatalf("editor9, of U-0002, sees %v", got)
	}
}

// A network needs a unit per organisation and an editor per unit, and can
// only be seeded beside the instance's first unit, alone.
func TestSeedRefusesAnImpossibleNetwork(t *testing.T) {
	ctx := context.Background()
	for _, o := range []Options{{Cases: 1, Editors: 5, Orgs: 3, Units: 2}, {Cases: 1, Editors: 2, Units: 3}, {Cases: 1, Editors: 2, Units: -1}} {
		st := newTestStore(t)
		if _, err := Run(ctx, st, o, "$argon2id$v=19$test"); err == nil {
			t.Fatalf("%+v accepted", o)
		}
		if n := counter(t, st)("SELECT (SELECT count(*) FROM units) + (SELECT count(*) FROM accounts)"); n != 1 {
			t.Fatalf("%+v: a refused seed wrote %d units and accounts", o, n)
		}
	}
}

// The same generator seed gives the same case files: texts, categories,
// statuses, dates, people, notes and deadlines (ids and references are
// drawn at random, as real ones are).
func TestSeedIsReproducible(t *testing.T) {
	for _, o := range []Options{{}, {Orgs: 2, Units: 3}} {
		t.Run(fmt.Sprintf("%d-%d", o.Orgs, o.Units), func(t *testing.T) { seedIsReproducible(t, o) })
	}
}

func seedIsReproducible(t *testing.T, o Options) {
	clock := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	contents := func() []string {
		st := openStore(t, store.Options{Dir: t.TempDir(), Now: func() time.Time { return clock }})
		defer st.Close()
		ctx := context.Background()
		if _, err := Run(ctx, st, Options{Cases: 120, Editors: 3, Admins: 1, Helpers: 2, Random: 42, BatchSize: 50, Orgs: o.Orgs, Units: o.Units}, "$argon2id$v=19$test"); err != nil {
			t.Fatal(err)
		}
		var out []string
		err := st.Engine().Reader().NewRaw(`SELECT c.title || '|' || c.category_id || '|' || c.summary || '|' || coalesce(c.facts_date, '') || '|' ||
			c.place || '|' || c.status || '|' || coalesce(c.outcome, '') || '|' || c.version || '|' || c.created_at || '|' || c.updated_at || '|' ||
			(SELECT group_concat(a.email || ':' || g.kind, ',' ORDER BY a.email, g.kind) FROM grants AS g JOIN accounts AS a ON a.id = g.account_id WHERE g.case_id = c.id) || '|' ||
			coalesce((SELECT group_concat(n.body || '@' || n.created_at, ',' ORDER BY n.created_at, n.body) FROM notes AS n WHERE n.case_id = c.id), '') || '|' ||
			coalesce((SELECT group_concat(d.title || '@' || d.due_date || ':' || d.done, ',' ORDER BY d.due_date, d.title) FROM deadlines AS d WHERE d.case_id = c.id), '') || '|' ||
			(SELECT group_concat(e.kind || ':' || e.to_status || '@' || e.at, ',' ORDER BY e.id) FROM case_events AS e WHERE e.case_id = c.id) || '|' ||
			(SELECT u.code FROM units AS u WHERE u.id = c.unit_id)
			FROM cases AS c ORDER BY c.created_at, c.title, c.summary`).Scan(ctx, &out)
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
	q := `SELECT type || ' ' || name || ' ON ' || tbl_name || ': ' || coalesce(sql, '') FROM sqlite_schema
		WHERE name NOT LIKE 'sqlite_stat%' ORDER BY type, name`
	if testpg.OnPostgres() {
		q = `SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema()
			UNION ALL SELECT table_name || '.' || column_name || ' ' || data_type FROM information_schema.columns
			WHERE table_schema = current_schema() ORDER BY 1`
	}
	err := st.Engine().Reader().NewRaw(q).Scan(context.Background(), &out)
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
	if testpg.OnPostgres() {
		return // PostgreSQL checks its foreign keys on every write
	}
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
// iteration by default, CLOISON_SEED_BENCH_CASES otherwise, in one unit
// and over a network (a unit per 1,000 case files, ten to an organisation).
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
	units := max(1, n/1000)
	for _, net := range []struct {
		name        string
		orgs, units int
	}{{"unit", 1, 1}, {"network", max(1, units/10), units}} {
		b.Run(net.name, func(b *testing.B) {
			ctx := context.Background()
			for b.Loop() {
				b.StopTimer()
				st := newTestStore(b)
				b.StartTimer()
				if _, err := Run(ctx, st, Options{Cases: n, Editors: max(net.units, n*118/100/500), Admins: 4, Helpers: 50, Random: 1,
					Orgs: net.orgs, Units: net.units}, "$argon2id$bench"); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				st.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "cases/s")
		})
	}
}
