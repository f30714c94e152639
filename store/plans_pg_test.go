package store_test

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"cloison/internal/testpg"
	"cloison/store"
	"cloison/store/seed"
)

// On PostgreSQL the store's statements are planned once each, without
// their arguments (plan_cache_mode is force_generic_plan on its
// connections, see engine.Postgres): such a plan takes LIMIT ? for a tenth
// of the table and knows no argument's value, so it must be right for any.
// On a seeded database, none of them reads a table that grows with the
// case files from end to end. (The admin's page did, hashing every case
// file to join fifty, until its PostgreSQL form read them by key.)
func TestPostgresGenericPlansReadNoWholeTable(t *testing.T) {
	if !testpg.OnPostgres() {
		t.Skip("PostgreSQL only")
	}
	st := seededOn(t, seed.Options{Cases: 10000, Editors: 20, Admins: 2, Helpers: 5, Orgs: 2, Units: 4}, testpg.Database(t))
	ctx := context.Background()
	conn, err := st.Engine().Reader().DB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var mode string
	if err := conn.QueryRowContext(ctx, "SHOW plan_cache_mode").Scan(&mode); err != nil || mode != "force_generic_plan" {
		t.Fatalf("plan_cache_mode is %q (%v), want force_generic_plan", mode, err)
	}
	// The tables that grow with the case files: those the seed gave a
	// thousand rows or more. (A plan may well read a table with a handful
	// of rows whole; each plan is made again when ANALYZE changes what
	// PostgreSQL knows of a table's size.) But inspector_cases: the seed's
	// one inspector holds every row of it, so that counting their case
	// files is reading it whole, which PostgreSQL rightly does.
	grown := store.RowsOf(t, st.Engine().Reader().DB, `SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace AND reltuples >= 1000 AND relname <> 'inspector_cases'`)
	if !slices.Contains(grown, "cases") || !slices.Contains(grown, "grants") {
		t.Fatalf("tables of 1,000 rows or more: %v", grown)
	}
	indexTables := map[string]string{}
	for _, row := range store.RowsOf(t, st.Engine().Reader().DB, `SELECT indexname || ' ' || tablename FROM pg_indexes WHERE schemaname = 'public'`) {
		index, table, _ := strings.Cut(row, " ")
		indexTables[index] = table
	}
	wholeTable := regexp.MustCompile(`Seq Scan on (` + strings.Join(grown, "|") + `)\b`)
	param := regexp.MustCompile(`\$([0-9]+)`)
	checked := 0
	for _, q := range store.PlannedStatements() {
		text := st.Engine().Placeholders(q)
		n := 0
		for _, m := range param.FindAllStringSubmatch(text, -1) {
			k, _ := strconv.Atoi(m[1])
			n = max(n, k)
		}
		if _, err := conn.ExecContext(ctx, "PREPARE plan_check AS "+text); err != nil {
			t.Fatalf("%v\n%s", err, q)
		}
		explain := "EXPLAIN EXECUTE plan_check"
		if n > 0 {
			explain += "(" + strings.TrimSuffix(strings.Repeat("NULL, ", n), ", ") + ")"
		}
		rows, err := conn.QueryContext(ctx, explain)
		if err != nil {
			t.Fatalf("%v\n%s", err, q)
		}
		var plan []string
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, line)
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		if step := wholeTable.FindString(strings.Join(plan, "\n")); step != "" {
			t.Errorf("%s:\n%s\n%s", step, q, strings.Join(plan, "\n"))
		}
		for _, m := range indexedBy.FindAllStringSubmatch(q, -1) {
			// Where SQLite is told which index to read in a table that
			// grows, PostgreSQL's plan made without the arguments must
			// read it too, or the table's primary key (one row by id is
			// as good): an index that cannot serve the statement alone
			// (grants_bounded without the case file's unit, before
			// migration 073) lost to one that read every grant of the
			// person.
			table, ok := indexTables[m[1]]
			if !ok {
				t.Fatalf("no index %s on PostgreSQL:\n%s", m[1], q)
			}
			if slices.Contains(grown, table) && !usesIndex(plan, m[1]) && !usesIndex(plan, table+"_pkey") {
				t.Errorf("SQLite is told to read %s, PostgreSQL's plan does not:\n%s\n%s", m[1], q, strings.Join(plan, "\n"))
			}
		}
		if _, err := conn.ExecContext(ctx, "DEALLOCATE plan_check"); err != nil {
			t.Fatal(err)
		}
		checked++
	}
	t.Logf("%d statements' generic plans checked against whole reads of %v", checked, grown)
}

// indexedBy finds the indexes a statement names for SQLite's planner.
var indexedBy = regexp.MustCompile(`INDEXED BY ([a-z_0-9]+)`)

// usesIndex tells whether an EXPLAIN's lines read index.
func usesIndex(plan []string, index string) bool {
	for _, line := range plan {
		for _, step := range []string{" using " + index + " ", " on " + index + " "} {
			if strings.Contains(line+" ", step) {
				return true
			}
		}
	}
	return false
}
