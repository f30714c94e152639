package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
)

// Every hot statement the store declares prepares on the migrated schema,
// on every connection that runs it: none silently falls back on bun.
func TestEveryHotStatementPrepares(t *testing.T) {
	// On a database without tables they cannot: the check can fail.
	bare := openTestStore(t, t.TempDir())
	defer bare.Close()
	if bare.db.Prepared() == nil {
		t.Fatal("statements prepared on a database without tables")
	}
	st := newTestStore(t)
	if err := st.db.Prepared(); err != nil {
		t.Fatal(err)
	}
	// They are those declared next to the code that runs them.
	if n := statements.Len(); n < 20 {
		t.Fatalf("only %d hot statements are registered", n)
	}
}

func verifyAudit(t *testing.T, st *Store, entries int64) {
	t.Helper()
	v, err := st.VerifyAudit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !v.OK || v.Entries != entries {
		t.Fatalf("audit chain %+v, want OK with %d entries", v, entries)
	}
}

// Case files created at once, some refused inside their transaction (an
// unknown category), share transactions through the prepared statements of
// the hot path: every accepted one is whole (row, counter, search entry,
// grant, event, audit entry) and a refused one left nothing.
func TestCreateCaseConcurrentlyWithRefusals(t *testing.T) {
	st, ed := newTestStoreWithEditor(t)
	ctx := context.Background()
	if err := st.db.Prepared(); err != nil {
		t.Fatalf("the hot statements are not all prepared: every create would parse them: %v", err)
	}
	var before int64
	if err := st.read.QueryRowContext(ctx, "SELECT count(*) FROM audit_entries").Scan(&before); err != nil {
		t.Fatal(err)
	}
	const n = 120
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			cat := "autre"
			if i%7 == 0 {
				cat = "no-such-category"
			}
			_, errs[i] = st.CreateCase(ctx, ed, NewCase{Title: fmt.Sprintf("Dossier %d", i), CategoryID: cat})
		})
	}
	wg.Wait()
	accepted := 0
	for i, err := range errs {
		var verr *ValidationError
		switch {
		case i%7 == 0 && !errors.As(err, &verr):
			t.Fatalf("case %d with an unknown category: %v", i, err)
		case i%7 != 0 && err != nil:
			t.Fatalf("case %d: %v", i, err)
		case err == nil:
			accepted++
		}
	}
	match := "SELECT count(*) FROM case_search WHERE case_search MATCH 'Dossier'"
	// The grant carries its case file's rowid, the search entry's (migration
	// 070), on SQLite; PostgreSQL has none.
	rowids := "SELECT count(*) FROM grants AS g JOIN cases AS c ON c.id = g.case_id WHERE g.case_rowid = c.rowid"
	if st.pg {
		match = "SELECT count(*) FROM case_search WHERE document @@ 'dossier:*'::tsquery"
		rowids = "SELECT count(*) FROM grants WHERE case_rowid IS NULL"
	}
	for q, want := range map[string]int{
		match:                        accepted,
		rowids:                       accepted,
		"SELECT count(*) FROM cases": accepted,
		"SELECT count(DISTINCT reference) FROM cases":                      accepted,
		"SELECT n FROM case_counts WHERE status = 'draft'":                 accepted,
		"SELECT count(*) FROM case_search":                                 accepted,
		"SELECT count(*) FROM grants WHERE kind = 'assignee'":              accepted,
		"SELECT count(*) FROM case_events WHERE kind = 'created'":          accepted,
		"SELECT count(*) FROM audit_entries WHERE action = 'case.created'": accepted,
		// The creator's grant is written with its case file's list columns
		// (not by the trigger that fills them in afterwards) and counted.
		`SELECT count(*) FROM grants AS g JOIN cases AS c ON c.id = g.case_id WHERE g.case_reference IS NOT DISTINCT FROM c.reference
			AND g.case_title IS NOT DISTINCT FROM c.title AND g.case_category_id IS NOT DISTINCT FROM c.category_id AND g.case_status IS NOT DISTINCT FROM c.status
			AND g.case_outcome IS NOT DISTINCT FROM c.outcome AND g.case_version IS NOT DISTINCT FROM c.version AND g.case_created_at IS NOT DISTINCT FROM c.created_at
			AND g.case_updated_at IS NOT DISTINCT FROM c.updated_at AND g.case_unit_id IS NOT DISTINCT FROM c.unit_id`: accepted,
		"SELECT coalesce(sum(n), 0) FROM grant_totals WHERE kind = 'assignee'": accepted,
	} {
		var got int
		if err := st.read.QueryRowContext(ctx, q).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s = %d, want %d", q, got, want)
		}
	}
	verifyAudit(t, st, before+int64(accepted))
}

// A reference drawn twice (one chance in millions per create, but certain
// over enough of them) makes the create draw again, on either engine: the
// case file lands with a fresh reference, the one that held it keeps it,
// and an inactive category is still refused by name when the draw clashes.
func TestCreateDrawsAgainWhenTheReferenceIsTaken(t *testing.T) {
	st, ed := newTestStoreWithEditor(t)
	ctx := context.Background()
	first, err := st.CreateCase(ctx, ed, NewCase{Title: "Premier", CategoryID: "autre"})
	if err != nil {
		t.Fatal(err)
	}
	draws := 0
	drawReference = func(year int) string {
		if draws++; draws <= 2 {
			return first.Reference
		}
		return NewReference(year)
	}
	t.Cleanup(func() { drawReference = NewReference })
	second, err := st.CreateCase(ctx, ed, NewCase{Title: "Second", CategoryID: "autre"})
	if err != nil {
		t.Fatal(err)
	}
	if draws != 3 || second.Reference == first.Reference {
		t.Fatalf("%d draws, references %s and %s", draws, first.Reference, second.Reference)
	}
	got, err := st.GetCase(ctx, ed, first.ID)
	if err != nil || got.Reference != first.Reference || got.Title != "Premier" {
		t.Fatalf("the first case file after the clash: %+v, %v", got, err)
	}
	draws = 0
	_, err = st.CreateCase(ctx, ed, NewCase{Title: "Troisième", CategoryID: "no-such-category"})
	var verr *ValidationError
	if !errors.As(err, &verr) || verr.Fields["category_id"] == "" {
		t.Fatalf("an unknown category with a clashing draw: %v", err)
	}

	// Creates of one batch that draw the same reference, written by one
	// statement: one keeps it, the others draw again.
	var same atomic.Int32
	drawReference = func(year int) string {
		if same.Add(1) <= 6 {
			return fmt.Sprintf("R-%d-SAME0", year)
		}
		return NewReference(year)
	}
	release := holdWriter(t, st)
	lot := make([]*CaseDetail, 6)
	var wg sync.WaitGroup
	for i := range lot {
		wg.Go(func() {
			c, err := st.CreateCase(ctx, ed, NewCase{Title: fmt.Sprintf("Lot %d", i), CategoryID: "autre"})
			if err != nil {
				t.Error(err)
			}
			lot[i] = c
		})
	}
	release()
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	refs := map[string]bool{}
	for i, c := range lot {
		if refs[c.Reference] {
			t.Fatalf("case file %d got reference %s twice", i, c.Reference)
		}
		refs[c.Reference] = true
		stored, err := st.GetCase(ctx, ed, c.ID)
		if err != nil || stored.Reference != c.Reference {
			t.Fatalf("case file %d answered %s, stored %+v (%v)", i, c.Reference, stored, err)
		}
	}
	if !refs[fmt.Sprintf("R-%d-SAME0", lot[0].CreatedAt.Year())] || same.Load() != 11 {
		t.Fatalf("the clashing draw is nobody's, or %d draws for 6 creates of which 5 clashed: %v", same.Load(), refs)
	}
}
