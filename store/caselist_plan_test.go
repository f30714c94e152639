package store

import (
	"context"
	"strings"
	"testing"
	"time"
)

// queryPlan is SQLite's plan of query with args, one detail per step.
func queryPlan(t *testing.T, st *Store, query string, args ...any) []string {
	t.Helper()
	rows, err := st.read.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var steps []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		steps = append(steps, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return steps
}

// Each kind of scope's list, newest first, is one range of one index
// (issue 11, "Scale"): its page is read in the index's order (no temporary
// B-tree sorts it) and nothing is scanned whole; the case files' rows are
// then read by rowid, fifty at most. Its unfiltered total reads counters.
func TestEachScopesListIsOneIndexRange(t *testing.T) {
	sqliteOnly(t)
	st := newTestStore(t)
	now := time.Now()
	unitPage, unitTotal := unitRange.statements(false)
	orgPage, orgTotal := orgRange.statements(false)
	unitStatusPage, _ := unitRange.statements(true)
	orgStatusPage, _ := orgRange.statements(true)
	for _, f := range []struct {
		name, query string
		args        []any
		// rangeStep is the step that reads the page's range; the others
		// may only be searches by key.
		rangeStep string
	}{
		{"editor page", grantPageWithTotal(sqlGrantTotal, unfilteredGrants, ""), []any{"acc", "u", "u", "", "acc", now, now, "u", "u", "",
			"acc", now, now, "u", "u", "", 50, 0},
			"SEARCH g USING COVERING INDEX grants_list (account_id=?)"},
		{"editor total", sqlGrantTotal, []any{"acc", "u", "u", "", "acc", now, now, "u", "u", ""}, ""},
		{"unit admin page", unitPage + ` LIMIT ? OFFSET ?`, []any{"unit", 50, 0},
			"SEARCH c USING COVERING INDEX cases_unit_updated (unit_id=?)"},
		{"unit admin page in one status", unitStatusPage + ` LIMIT ? OFFSET ?`, []any{"unit", "open", 50, 0},
			"SEARCH c USING COVERING INDEX cases_unit_updated (unit_id=?)"},
		{"unit admin total", unitTotal, []any{"unit"}, ""},
		{"organisation admin page", orgPage + ` LIMIT ? OFFSET ?`, []any{"org", 50, 0},
			"SEARCH c USING COVERING INDEX cases_org_updated (org_id=?)"},
		{"organisation admin page in one status", orgStatusPage + ` LIMIT ? OFFSET ?`, []any{"org", "open", 50, 0},
			"SEARCH c USING COVERING INDEX cases_org_updated (org_id=?)"},
		{"organisation admin total", orgTotal, []any{"org"}, ""},
		{"instance admin page", sqlAdminPage, []any{50, 0}, "SCAN c USING COVERING INDEX cases_updated"},
		{"instance admin page in one status", sqlAdminPageStatus, []any{"open", 50, 0},
			"SEARCH c USING COVERING INDEX cases_status_updated (status=?)"},
		{"instance admin total", sqlAdminTotal, nil, ""},
	} {
		steps := queryPlan(t, st, f.query, f.args...)
		found := f.rangeStep == ""
		for _, s := range steps {
			switch {
			case strings.Contains(s, "TEMP B-TREE"):
				t.Errorf("%s: sorts in a temporary B-tree: %q", f.name, steps)
			case s == f.rangeStep:
				found = true
			case strings.HasPrefix(s, "SCAN") && s != "SCAN CONSTANT ROW" && s != "SCAN p" && !strings.HasPrefix(s, "SCAN case_counts"):
				// case_counts holds one row per status and p is the page
				// (fifty rowids at most); nothing else may be read whole.
				t.Errorf("%s: reads %q whole: %q", f.name, s, steps)
			}
		}
		if !found {
			t.Errorf("%s: plan %q, want the range %q", f.name, steps, f.rangeStep)
		}
	}
}
