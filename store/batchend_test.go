package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"
)

// Audit entries wait for the end of their batch (appendAudit): written
// concurrently, some by requests that fail afterwards, the chain holds every
// entry of the requests that succeeded, each request's next to each other
// and in the order it appended them, none of those that failed, and it
// verifies.
func TestAuditEntriesOfABatchFollowTheirRequests(t *testing.T) {
	st, ed := newTestStoreWithEditor(t)
	ctx := context.Background()
	var before int64
	if err := st.read.QueryRowContext(ctx, "SELECT count(*) FROM audit_entries").Scan(&before); err != nil {
		t.Fatal(err)
	}
	const n = 60
	boom := errors.New("boom")
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			errs[i] = st.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
				for _, part := range []string{"a", "b", "c"} {
					if err := st.appendAudit(ctx, tx, ed, Audit{Action: "case.created", ObjectType: "case", ObjectID: fmt.Sprintf("k%d-%s", i, part)}); err != nil {
						return err
					}
				}
				if i%4 == 0 {
					return boom
				}
				return nil
			})
		})
	}
	wg.Wait()
	type entry struct {
		id  int64
		obj string
	}
	var entries []entry
	rows, err := st.read.QueryContext(ctx, "SELECT id, object_id FROM audit_entries WHERE id > ? ORDER BY id", before)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var e entry
		if err := rows.Scan(&e.id, &e.obj); err != nil {
			t.Fatal(err)
		}
		entries = append(entries, e)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for k := 0; k < len(entries); k += 3 {
		if k+2 >= len(entries) {
			t.Fatalf("a request's entries are cut: %v", entries[k:])
		}
		var i int
		if _, err := fmt.Sscanf(entries[k].obj, "k%d-a", &i); err != nil {
			t.Fatalf("entry %d is %q, not a request's first: %v", entries[k].id, entries[k].obj, entries)
		}
		for j, part := range []string{"a", "b", "c"} {
			if e := entries[k+j]; e.obj != fmt.Sprintf("k%d-%s", i, part) || e.id != entries[k].id+int64(j) {
				t.Fatalf("request %d's entries are not together and in order: %v", i, entries[k:k+3])
			}
		}
		if i%4 == 0 || seen[entries[k].obj] {
			t.Fatalf("request %d (failed %v) has its entries written, or written twice", i, i%4 == 0)
		}
		seen[entries[k].obj] = true
	}
	for i := range n {
		if failed := i%4 == 0; failed != errors.Is(errs[i], boom) || (!failed && errs[i] != nil) {
			t.Fatalf("request %d: %v", i, errs[i])
		}
		if want := i%4 != 0; seen[fmt.Sprintf("k%d-a", i)] != want {
			t.Fatalf("request %d: entries written %v, want %v", i, !want, want)
		}
	}
	verifyAudit(t, st, before+int64(len(entries)))
}

// The per-status counters move at the end of each batch (countCase): after
// creates, transitions and deletes made concurrently, some of them refused,
// each counter is the number of case files in its status.
func TestCaseCountersFollowConcurrentChanges(t *testing.T) {
	st, ed := newTestStoreWithEditor(t)
	ctx := context.Background()
	const n = 48
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			c, err := st.CreateCase(ctx, ed, NewCase{Title: fmt.Sprintf("Dossier %d", i), CategoryID: "autre"})
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = c.ID
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	countersAgree(t, st)
	v := int64(1)
	for i := range n {
		wg.Go(func() {
			var err error
			switch i % 4 {
			case 0:
				err = st.DeleteCase(ctx, ed, ids[i], "")
			case 1, 2:
				_, err = st.TransitionCase(ctx, ed, ids[i], &v, Transition{To: CaseOpen})
			case 3:
				// Refused: a closing needs an outcome; nothing moves.
				_, err = st.TransitionCase(ctx, ed, ids[i], &v, Transition{To: CaseClosed})
				if err == nil {
					err = errors.New("closed without an outcome")
				} else {
					err = nil
				}
			}
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	counts := map[string]int64{}
	rows, err := st.read.QueryContext(ctx, "SELECT status, n FROM case_counts")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		var k int64
		if err := rows.Scan(&s, &k); err != nil {
			t.Fatal(err)
		}
		counts[s] = k
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{CaseDraft: n / 4, CaseOpen: n / 2}
	for _, s := range CaseStatuses {
		if counts[s] != want[s] {
			t.Errorf("counter of %s: %d, want %d (all: %v)", s, counts[s], want[s], counts)
		}
	}
	countersAgree(t, st)
}

// countersAgree checks the counters a create moves at its batch's end (the
// units', the units and categories', the grant totals), with every other
// copy the store keeps (CheckCopies), against the rows they count.
func countersAgree(t *testing.T, st *Store) {
	t.Helper()
	checks, err := st.CheckCopies(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range checks {
		if c.Wrong != 0 {
			t.Errorf("%d rows of %s disagree with the rows they copy", c.Wrong, c.Name)
		}
	}
}

// A new case file, its creator's grant and its first event wait for the
// end of the batch (createdCase): after creates queued into one batch,
// practice files among them, each case file has exactly its creator's
// grant, of the kind its creation gives and with its list columns, and one
// "created" event by its creator; each shows in its creator's list.
func TestCreatesOfABatchEachGetTheirGrantAndEvent(t *testing.T) {
	st, ed := newTestStoreWithEditor(t)
	ctx := context.Background()
	release := holdWriter(t, st)
	const n = 24
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			c, err := st.CreateCase(ctx, ed, NewCase{Title: fmt.Sprintf("Dossier %d", i), CategoryID: "autre", Practice: i%3 == 0})
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = c.ID
		})
	}
	release()
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	for i, id := range ids {
		wantKind := GrantAssignee
		if i%3 == 0 {
			wantKind = GrantTrainee
		}
		var grants, right, events, created int
		err := st.read.QueryRowContext(ctx, `SELECT
			(SELECT count(*) FROM grants WHERE case_id = ?),
			(SELECT count(*) FROM grants AS g JOIN cases AS c ON c.id = g.case_id WHERE g.case_id = ? AND g.account_id = ? AND g.kind = ?
				AND g.granted_by = ? AND g.revoked_at IS NULL AND g.ends_at IS NULL AND g.case_reference = c.reference AND g.case_title = c.title
				AND g.case_status = c.status AND g.case_version = c.version AND g.case_unit_id = c.unit_id AND g.case_updated_at = c.updated_at),
			(SELECT count(*) FROM case_events WHERE case_id = ?),
			(SELECT count(*) FROM case_events WHERE case_id = ? AND kind = 'created' AND to_status = ? AND actor_id = ?)`,
			id, id, ed.ID(), wantKind, ed.ID(), id, id, CaseDraft, ed.ID()).Scan(&grants, &right, &events, &created)
		if err != nil {
			t.Fatal(err)
		}
		if grants != 1 || right != 1 || events != 1 || created != 1 {
			t.Errorf("case file %d: %d grants (%d as created), %d events (%d as created), want one of each", i, grants, right, events, created)
		}
		if _, err := st.GetCase(ctx, ed, id); err != nil {
			t.Errorf("case file %d is not its creator's: %v", i, err)
		}
	}
	countersAgree(t, st)
}

// holdWriter holds the writer with a write of its own until release is
// called, so that the writes made meanwhile queue behind it and then run as
// one batch (those that have reached the queue within a fifth of a second:
// the store does not show its queue). release fails the test if the held
// write did.
func holdWriter(t *testing.T, st *Store) (release func()) {
	t.Helper()
	entered, gate, held := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		held <- st.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
			close(entered)
			<-gate
			return nil
		})
	}()
	<-entered
	return func() {
		time.Sleep(200 * time.Millisecond)
		close(gate)
		if err := <-held; err != nil {
			t.Fatal(err)
		}
	}
}

// A create whose text PostgreSQL cannot store is refused by field before
// its batch, so that the batch's other creates, written with it at its end,
// commit: on either engine, the same answer.
func TestCreateWithUnstorableTextLeavesItsBatchWhole(t *testing.T) {
	st, ed := newTestStoreWithEditor(t)
	ctx := context.Background()
	release := holdWriter(t, st)
	bad := []NewCase{
		{Title: "Nul", CategoryID: "autre", Summary: "avant\x00après"},
		{Title: "Octets", CategoryID: "autre", Place: "caf\xe9"},
	}
	want := []struct{ field, reason string }{{"summary", "control_character"}, {"place", "invalid_utf8"}}
	errs := make([]error, len(bad)+4)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() {
			in := NewCase{Title: fmt.Sprintf("Bon %d", i), CategoryID: "autre"}
			if i < len(bad) {
				in = bad[i]
			}
			_, errs[i] = st.CreateCase(ctx, ed, in)
		})
	}
	release()
	wg.Wait()
	for i, err := range errs {
		if i >= len(bad) {
			if err != nil {
				t.Errorf("create %d in the batch: %v", i, err)
			}
			continue
		}
		var verr *ValidationError
		if !errors.As(err, &verr) || len(verr.Fields) != 1 || verr.Fields[want[i].field] != want[i].reason {
			t.Errorf("create %d: %v, want %v", i, err, want[i])
		}
	}
	var n int
	if err := st.read.QueryRowContext(ctx, "SELECT count(*) FROM cases").Scan(&n); err != nil || n != 4 {
		t.Fatalf("%d case files (%v), want the 4 good ones", n, err)
	}
}

// moveCounts writes a batch's counters of each table in one statement: the
// moves of several people, categories and statuses, some of them the same
// counter twice, each move the counter its key names by the sum of its
// moves, and no other counter. Then concurrent creates by several people in
// several categories, whose batches hold several counters of each table,
// leave every counter equal to the rows it counts.
func TestCountersOfSeveralPeopleInOneBatch(t *testing.T) {
	st, ed := newTestStoreWithEditor(t)
	ctx := context.Background()
	editors := []Actor{ed}
	for i := range 3 {
		acc, err := st.CreateAccount(ctx, testHasher, Actor{}, NewAccount{Email: fmt.Sprintf("ed%d@example.org", i), Name: fmt.Sprintf("Ed %d", i),
			Password: "a long enough passphrase", Role: RoleEditor})
		if err != nil {
			t.Fatal(err)
		}
		editors = append(editors, Actor{Account: acc})
	}
	first, err := st.CreateCase(ctx, ed, NewCase{Title: "Premier", CategoryID: "autre"})
	if err != nil {
		t.Fatal(err)
	}
	unit := first.UnitID
	counters := func() map[string]int64 {
		t.Helper()
		out := map[string]int64{}
		for _, q := range []string{
			"SELECT 'unit ' || unit_id || ' ' || status, n FROM unit_case_counts",
			"SELECT 'category ' || unit_id || ' ' || category_id || ' ' || status, n FROM unit_category_counts",
			"SELECT 'grants ' || account_id || ' ' || kind || ' ' || unit_id, n FROM grant_totals",
		} {
			rows, err := st.read.QueryContext(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var k string
				var n int64
				if err := rows.Scan(&k, &n); err != nil {
					t.Fatal(err)
				}
				out[k] = n
			}
			if err := rows.Close(); err != nil {
				t.Fatal(err)
			}
		}
		return out
	}
	before := counters()
	moves := []any{
		newCaseCount{unit, "autre", CaseDraft}, newCaseCount{unit, "sante", CaseDraft}, newCaseCount{unit, "autre", CaseDraft},
		newCaseCount{unit, "sante", CaseOpen},
	}
	want := map[string]int64{
		"unit " + unit + " draft": 3, "unit " + unit + " open": 1,
		"category " + unit + " autre draft": 2, "category " + unit + " sante draft": 1, "category " + unit + " sante open": 1,
	}
	for i, e := range editors {
		moves = append(moves, newGrantCount{e.ID(), GrantAssignee, unit})
		want["grants "+e.ID()+" assignee "+unit] = 1
		if i%2 == 0 {
			moves = append(moves, newGrantCount{e.ID(), GrantAssignee, unit}, newGrantCount{e.ID(), GrantSupport, unit})
			want["grants "+e.ID()+" assignee "+unit], want["grants "+e.ID()+" support "+unit] = 2, 1
		}
	}
	if err := st.InTx(ctx, func(ctx context.Context, tx bun.Tx) error { return st.moveCounts(ctx, tx, moves) }); err != nil {
		t.Fatal(err)
	}
	after := counters()
	for k, n := range after {
		if d := n - before[k]; d != want[k] {
			t.Errorf("%s moved by %d, want %d", k, d, want[k])
		}
	}
	for k := range want {
		if _, ok := after[k]; !ok {
			t.Errorf("%s: no counter", k)
		}
	}
	// Those moves count no rows: the counters are made again from the rows
	// they count before the creates.
	for _, q := range []string{"DELETE FROM unit_case_counts", "DELETE FROM unit_category_counts", "DELETE FROM grant_totals",
		`INSERT INTO unit_case_counts (unit_id, status, n) SELECT unit_id, status, count(*) FROM cases WHERE NOT practice GROUP BY unit_id, status`,
		`INSERT INTO unit_category_counts (unit_id, category_id, status, n) SELECT unit_id, category_id, status, count(*) FROM cases WHERE NOT practice GROUP BY unit_id, category_id, status`,
		`INSERT INTO grant_totals (account_id, kind, unit_id, n) SELECT account_id, kind, case_unit_id, count(*) FROM grants
			WHERE account_id IS NOT NULL AND revoked_at IS NULL AND ends_at IS NULL AND case_unit_id IS NOT NULL GROUP BY account_id, kind, case_unit_id`} {
		if _, err := st.db.Writer().ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	countersAgree(t, st)
	var wg sync.WaitGroup
	for i := range 48 {
		wg.Go(func() {
			if _, err := st.CreateCase(ctx, editors[i%len(editors)], NewCase{Title: fmt.Sprintf("Dossier %d", i), CategoryID: []string{"autre", "sante"}[i/4%2]}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	countersAgree(t, st)
}
