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
		if _, err := conn.ExecContext(ctx, "DEALLOCATE plan_check"); err != nil {
			t.Fatal(err)
		}
		checked++
	}
	t.Logf("%d statements' generic plans checked against whole reads of %v", checked, grown)
}
