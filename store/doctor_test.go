package store_test

import (
	"context"
	"slices"
	"testing"

	"cloison/store"
	"cloison/store/seed"
)

// CheckCopies finds every copy in agreement on a seeded instance (several
// units, an inspector, helpers), and, for each copy altered by hand, that
// copy and no other; put back by hand or by RepairCopies, which names it,
// all agree again.
func TestCheckCopiesFindsEachAlteredCopy(t *testing.T) {
	st := seededHere(t, seed.Options{Cases: 200, Editors: 4, Admins: 1, Helpers: 2, Orgs: 1, Units: 2, BatchSize: 50, Random: 3})
	ctx := context.Background()
	exec := func(q string) {
		t.Helper()
		if _, err := st.Engine().Writer().ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	agree := func(altered string) {
		t.Helper()
		checks, err := st.CheckCopies(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(checks) != 8 {
			t.Errorf("%d copies checked, want 8: %+v", len(checks), checks)
		}
		for _, c := range checks {
			if (c.Wrong != 0) != (c.Name == altered) {
				t.Errorf("with %q altered: %s has %d disagreeing rows", altered, c.Name, c.Wrong)
			}
		}
	}
	var inspected int
	if err := st.Engine().Reader().QueryRowContext(ctx, `SELECT count(*) FROM inspector_cases`).Scan(&inspected); err != nil || inspected == 0 {
		t.Fatalf("the seed opened %d case files to its inspector (%v): nothing to check", inspected, err)
	}
	agree("")
	for i, c := range []struct{ copy, alter, restore string }{
		{"case_counts", `UPDATE case_counts SET n = n + 7`, `UPDATE case_counts SET n = n - 7`},
		{"unit_case_counts", `UPDATE unit_case_counts SET n = n + 7`, `UPDATE unit_case_counts SET n = n - 7`},
		{"unit_category_counts", `DELETE FROM unit_category_counts WHERE status = 'open'`,
			`INSERT INTO unit_category_counts (unit_id, category_id, status, n)
				SELECT unit_id, category_id, status, count(*) FROM cases WHERE NOT practice AND status = 'open' GROUP BY unit_id, category_id, status`},
		{"grant_totals", `UPDATE grant_totals SET n = n + 7`, `UPDATE grant_totals SET n = n - 7`},
		{"grants' case columns", `UPDATE grants SET case_title = case_title || ' (altered)'`,
			`UPDATE grants SET case_title = (SELECT title FROM cases WHERE id = grants.case_id)`},
		{"grants' case columns", `UPDATE grants SET case_version = case_version + 1 WHERE case_status = 'closed'`,
			`UPDATE grants SET case_version = case_version - 1 WHERE case_status = 'closed'`},
		{"inspector_counts", `UPDATE inspector_counts SET n = n + 7`, `UPDATE inspector_counts SET n = n - 7`},
		{"inspector_cases", `UPDATE inspector_cases SET title = title || ' (altered)'`,
			`UPDATE inspector_cases SET title = (SELECT title FROM cases WHERE id = inspector_cases.case_id)`},
		// Search entries lost (with their notes, made again from the
		// notes table) and stale, put back by the repair only.
		{"case_search", `DELETE FROM case_search WHERE title LIKE 'R%'`, ``},
		{"case_search", `UPDATE case_search SET summary = 'altered' WHERE title LIKE 'S%'`, ``},
	} {
		exec(c.alter)
		agree(c.copy)
		if i%2 == 0 && c.restore != "" {
			exec(c.restore)
			agree("")
			exec(c.alter)
		}
		found, err := st.RepairCopies(ctx)
		if err != nil {
			t.Fatalf("repairing %s: %v", c.copy, err)
		}
		if i := slices.IndexFunc(found, func(k store.CopyCheck) bool { return k.Name == c.copy }); i < 0 || found[i].Wrong == 0 {
			t.Errorf("the repair did not say %s disagreed: %+v", c.copy, found)
		}
		agree("")
	}
	// The entries made again find their case files as before.
	var entries, cases int
	if err := st.Engine().Reader().QueryRowContext(ctx, `SELECT (SELECT count(*) FROM case_search), (SELECT count(*) FROM cases)`).Scan(&entries, &cases); err != nil || entries != cases {
		t.Errorf("%d search entries for %d case files (%v)", entries, cases, err)
	}
	// A copy in agreement is left as it is, and the repair says so.
	if found, err := st.RepairCopies(ctx); err != nil || slices.ContainsFunc(found, func(k store.CopyCheck) bool { return k.Wrong != 0 }) {
		t.Errorf("a repair of copies in agreement: %+v, %v", found, err)
	}
}
