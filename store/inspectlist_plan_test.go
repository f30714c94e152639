package store

import (
	"slices"
	"strings"
	"testing"
)

// An inspector's page and total read one range of cases_unit_category_updated
// per open pair, from its covering entries, and only the page's rows.
func TestInspectorListReadsOneRangePerPair(t *testing.T) {
	st := newTestStore(t)
	for _, f := range []struct {
		name, query string
		args        []any
	}{
		{"page", inspectorPage(2, false), []any{"u1", "sante", "u2", "travail", 50, 0}},
		{"page in one status", inspectorPage(2, true), []any{"u1", "sante", "open", "u2", "travail", "open", 50, 0}},
		{"total", inspectorTotal(2), []any{"acc", "u1", "sante", "", "", "u2", "travail", "", ""}},
	} {
		steps := queryPlan(t, st, f.query, f.args...)
		t.Logf("%s: %q", f.name, steps)
		want := "SEARCH c USING COVERING INDEX cases_unit_category_updated (unit_id=? AND category_id=?)"
		if f.name == "total" {
			want = "SEARCH k USING PRIMARY KEY (unit_id=? AND category_id=?)"
		}
		if !slices.Contains(steps, want) {
			t.Errorf("%s: plan %q, want a range of cases_unit_category_updated per pair", f.name, steps)
		}
		for _, s := range steps {
			if strings.HasPrefix(s, "SCAN") && !strings.HasPrefix(s, "SCAN j") && s != "SCAN p" && s != "SCAN CONSTANT ROW" {
				t.Errorf("%s: reads %q whole: %q", f.name, s, steps)
			}
			if strings.Contains(s, "TEMP B-TREE") {
				t.Errorf("%s: sorts: %q", f.name, steps)
			}
		}
	}
}
