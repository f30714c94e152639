package store

import (
	"strings"
	"testing"
)

// A case file one may not see must cost what one that does not exist
// costs: the one-case form of the predicate reads the account's grants on
// it first and the case file only through one of them, never the other way
// round (SQLite would, given the choice); a unit's admin's form checks the
// scope on the index entry of the case file.
func TestOneCaseFormReadsGrantsBeforeTheCaseFile(t *testing.T) {
	sqliteOnly(t)
	st := newTestStore(t)
	for _, f := range []struct {
		query string
		args  []any
		plan  []string
	}{
		{sqlCaseForGrants.plain, []any{"id", "acc", "t", "t", "u", "u"},
			[]string{"SEARCH g USING COVERING INDEX grants_case_account", "SEARCH c USING INTEGER PRIMARY KEY", "SEARCH u USING"}},
		{sqlCaseForGrants.people, []any{"t", "id", "acc", "t", "t", "u", "u"},
			[]string{"SEARCH g USING COVERING INDEX grants_case_account", "SEARCH c USING INTEGER PRIMARY KEY", "SEARCH u USING"}},
		{sqlCaseForScopeAdmin.plain, []any{"session", "id", "o", "u"},
			[]string{"SEARCH c USING INDEX cases_id_scope", "SEARCH u USING"}},
		{sqlCaseForScopeAdmin.people, []any{"session", "t", "id", "o", "u"},
			[]string{"SEARCH c USING INDEX cases_id_scope", "SEARCH u USING"}},
	} {
		steps := queryPlan(t, st, f.query, f.args...)
		var main []string
		for _, st := range steps {
			// The subqueries' own steps (x: reasons; p, pa: the people,
			// read only for a row found) are not the main read's.
			if !strings.Contains(st, "SUBQUERY") && !strings.HasPrefix(st, "SEARCH x") &&
				!strings.HasPrefix(st, "SEARCH p ") && !strings.HasPrefix(st, "SEARCH pa ") && !strings.HasPrefix(st, "USE TEMP B-TREE FOR json_group_array") {
				main = append(main, st)
			}
		}
		ok := len(main) == len(f.plan)
		for i := 0; ok && i < len(main); i++ {
			ok = strings.HasPrefix(main[i], f.plan[i])
		}
		if !ok {
			t.Errorf("plan %q, want %q", steps, f.plan)
		}
	}
}
