package store

import (
	"context"
	"strings"
	"testing"
)

// A case file one may not see must cost what one that does not exist
// costs: the one-case form of the predicate reads the account's grants on
// it first and the case file only through one of them, never the other way
// round (SQLite would, given the choice).
func TestOneCaseFormReadsGrantsBeforeTheCaseFile(t *testing.T) {
	st := newTestStore(t)
	for _, q := range []string{sqlCaseForEditor, sqlCaseForReader} {
		rows, err := st.read.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+q, "id", "acc", "t", "t")
		if err != nil {
			t.Fatal(err)
		}
		var steps []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			steps = append(steps, detail)
		}
		rows.Close()
		if len(steps) != 2 || !strings.HasPrefix(steps[0], "SEARCH g USING COVERING INDEX grants_case_account") ||
			!strings.HasPrefix(steps[1], "SEARCH c USING") {
			t.Errorf("plan %q", steps)
		}
	}
}
