package store

import (
	"slices"
	"strings"
	"testing"
)

// An inspector's page is one range of inspector_cases' key, read in its
// order, and its total one seek of the counters (or, with a unit or a
// category, a count over the same range).
func TestInspectorListReadsOneRange(t *testing.T) {
	sqliteOnly(t)
	st := newTestStore(t)
	where := []any{"acc", "open", "open", "", "", "", ""}
	for _, f := range []struct {
		name, query, want string
		args              []any
	}{
		{"page", sqlInspectorPage, "SEARCH i USING PRIMARY KEY (account_id=?)", append(where, 50, 0)},
		{"total", sqlInspectorTotal, "SEARCH k USING PRIMARY KEY (account_id=?)", []any{"acc", "acc", "", ""}},
		{"count", sqlInspectorCount, "SEARCH i USING PRIMARY KEY (account_id=?)", append([]any{"acc"}, where...)},
	} {
		steps := queryPlan(t, st, f.query, f.args...)
		t.Logf("%s: %q", f.name, steps)
		if !slices.Contains(steps, f.want) {
			t.Errorf("%s: plan %q, want %q", f.name, steps, f.want)
		}
		for _, s := range steps {
			if strings.HasPrefix(s, "SCAN") && s != "SCAN CONSTANT ROW" {
				t.Errorf("%s: reads %q whole: %q", f.name, s, steps)
			}
			if strings.Contains(s, "TEMP B-TREE") {
				t.Errorf("%s: sorts: %q", f.name, steps)
			}
		}
	}
}

// A case file written outside any open pair costs its inspectors' trigger
// one seek: the open pairs' key comes first, and finds nothing.
func TestCaseWriteSeeksTheOpenPairsFirst(t *testing.T) {
	sqliteOnly(t)
	st := newTestStore(t)
	steps := queryPlan(t, st, `SELECT r.account_id FROM inspector_referents AS r WHERE r.unit_id = ? AND r.category_id = ?`, "u1", "sante")
	t.Logf("%q", steps)
	if len(steps) == 0 || steps[0] != "SEARCH ui USING PRIMARY KEY (unit_id=? AND category_id=?)" {
		t.Errorf("plan %q, want the open pairs' key first", steps)
	}
}
