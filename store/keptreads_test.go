package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"cloison/internal/testpg"
	"cloison/store"
	"cloison/store/seed"
)

// On SQLite a session check is served again while nothing has been
// written, and never past a write, past a membership's start or end, or
// past keptMaxAge; on PostgreSQL, where other instances write,
// every check is read. In each case the account and scope are what a read
// gives at that moment.
func TestSessionCheckKeptOnlyWhileNothingChanged(t *testing.T) {
	st := seededHere(t, seed.Options{Cases: 20, Editors: 2, Admins: 1, Orgs: 1, Units: 2, BatchSize: 20, Random: 3})
	ctx := context.Background()
	cached := !testpg.OnPostgres()
	clock := stoppedClock(st)
	unitAdmin, tok := seededSession(t, st, "unitadmin1@"+seed.Domain)
	// check authenticates and says whether the cache served it and how
	// many units the account administers.
	check := func(step string) (served bool, units int) {
		t.Helper()
		before := st.SessionCacheHits()
		sc := sessionScope(t, st, step, tok)
		return st.SessionCacheHits() > before, len(sc.AdminUnits)
	}
	expect := func(step string, served bool, units, wantUnits int, wantServed bool) {
		t.Helper()
		if served != (wantServed && cached) || units != wantUnits {
			t.Fatalf("%s: served from the cache %v, %d units administered; want %v, %d", step, served, units, wantServed && cached, wantUnits)
		}
	}
	write := func(query string, args ...any) { t.Helper(); writeSQL(t, st, query, args...) }

	served, units := check("first")
	expect("first", served, units, 1, false)
	served, units = check("again")
	expect("again", served, units, 1, true)

	// Creates write nothing a session check reads (case files, grants,
	// events, audit entries, counters): a stream of them leaves it served.
	editor := seededAccount(t, st, "editor1@"+seed.Domain)
	for i := range 3 {
		if _, err := st.CreateCase(ctx, store.Actor{Account: editor}, store.NewCase{Title: fmt.Sprintf("Dossier %d", i), CategoryID: "autre"}); err != nil {
			t.Fatal(err)
		}
	}
	served, units = check("after creates")
	expect("after creates", served, units, 1, true)

	// Any other write, even one that changes nothing of it, drops it.
	write("INSERT INTO settings (key, value) VALUES ('unrelated', 'x')")
	served, units = check("after a write")
	expect("after a write", served, units, 1, false)

	// A membership that ends in two seconds: served until then, read again
	// from then, without any write between.
	write("UPDATE memberships SET valid_until = ? WHERE account_id = ? AND role = 'admin'", clock.Add(2*time.Second), unitAdmin.ID)
	served, units = check("before its end")
	expect("before its end", served, units, 1, false)
	*clock = clock.Add(time.Second)
	served, units = check("a second later")
	expect("a second later", served, units, 1, true)
	*clock = clock.Add(time.Second)
	served, units = check("at its end")
	expect("at its end", served, units, 0, false)

	// One that starts in two seconds, likewise.
	write("UPDATE memberships SET valid_from = ?, valid_until = NULL WHERE account_id = ? AND role = 'admin'", clock.Add(2*time.Second), unitAdmin.ID)
	served, units = check("before its start")
	expect("before its start", served, units, 0, false)
	*clock = clock.Add(2 * time.Second)
	served, units = check("at its start")
	expect("at its start", served, units, 1, false)

	// Never past its maximum age, nor when the clock goes back.
	served, _ = check("kept")
	expect("kept", served, 1, 1, true)
	*clock = clock.Add(6 * time.Second)
	served, units = check("six seconds on")
	expect("six seconds on", served, units, 1, false)
	*clock = clock.Add(-time.Second)
	served, units = check("a second back")
	expect("a second back", served, units, 1, false)

	// A logout is seen at the next check.
	acc, sess, err := st.Authenticate(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Logout(ctx, store.Actor{Account: acc, SessionID: sess.ID}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.Authenticate(ctx, tok); !errors.Is(err, store.ErrUnauthenticated) {
		t.Fatalf("after logging out: %v", err)
	}
}

// The unit and category a case file is created in are served again: on
// SQLite while nothing but creates has been written, and never past
// another write or keptMaxAge; on PostgreSQL while the stamp of writes the
// request's session check reads is the one they were kept under, whatever
// else is written and however long ago. Either way a renamed unit, a
// category withdrawn or a unit closed are what the next create sees.
func TestCreationUnitKeptOnlyWhileNothingChanged(t *testing.T) {
	st := seededHere(t, seed.Options{Cases: 4, Editors: 1, Admins: 1, Orgs: 1, Units: 1, BatchSize: 4, Random: 5})
	ctx := context.Background()
	pg := testpg.OnPostgres()
	clock := stoppedClock(st)
	_, tok := seededSession(t, st, "editor1@"+seed.Domain)
	write := func(query string, args ...any) { t.Helper(); writeSQL(t, st, query, args...) }
	// create creates a case file in category as the editor's session
	// (whose check reads the stamp on PostgreSQL) and says whether the
	// cache served its unit, the unit's name it shows, and the field
	// refused.
	create := func(step, category string) (served bool, unitName, refused string) {
		t.Helper()
		acc, sess, err := st.Authenticate(ctx, tok)
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		before := st.CreationUnitCacheHits()
		c, err := st.CreateCase(ctx, store.Actor{Account: acc, SessionID: sess.ID}, store.NewCase{Title: "Dossier " + step, CategoryID: category})
		served = st.CreationUnitCacheHits() > before
		var verr *store.ValidationError
		switch {
		case errors.As(err, &verr):
			for f := range verr.Fields {
				refused = f
			}
			return served, "", refused
		case err != nil:
			t.Fatalf("%s: %v", step, err)
		}
		return served, c.Unit.Name, ""
	}
	// expect creates and checks; servedSQLite and servedPG say whether
	// the cache must serve the step on each engine.
	expect := func(step, category string, servedSQLite, servedPG bool, wantName, wantRefused string) {
		t.Helper()
		wantServed := servedSQLite
		if pg {
			wantServed = servedPG
		}
		served, name, refused := create(step, category)
		if served != wantServed || name != wantName || refused != wantRefused {
			t.Fatalf("%s: served %v, unit %q, refused %q; want %v, %q, %q",
				step, served, name, refused, wantServed, wantName, wantRefused)
		}
	}
	var unitID, name string
	if err := st.Engine().Reader().QueryRowContext(ctx, "SELECT id, name FROM units").Scan(&unitID, &name); err != nil {
		t.Fatal(err)
	}

	expect("first", "autre", false, false, name, "")
	expect("second", "autre", true, true, name, "")
	// Another category is another read.
	expect("other category", "travail", false, false, name, "")
	expect("other category again", "travail", true, true, name, "")
	// A category that does not exist is refused, and never kept: the key
	// holds whatever was sent.
	expect("unknown category", strings.Repeat("x", 4096), false, false, "", "category_id")
	expect("unknown category again", strings.Repeat("x", 4096), false, false, "", "category_id")

	// On SQLite any write other than creates drops it; on PostgreSQL a
	// write that changes no unit, category, session or scope leaves the
	// stamp, and the read with it.
	write("INSERT INTO settings (key, value) VALUES ('unrelated', 'x')")
	expect("after an unrelated write", "autre", false, true, name, "")
	// A rename is seen at once on both.
	write("UPDATE units SET name = 'Antenne renommée' WHERE id = ?", unitID)
	expect("after a rename", "autre", false, false, "Antenne renommée", "")
	expect("renamed, again", "autre", true, true, "Antenne renommée", "")

	// On SQLite never past its maximum age, nor when the clock goes back;
	// the stamp does not depend on the hour.
	*clock = clock.Add(6 * time.Second)
	expect("six seconds on", "autre", false, true, "Antenne renommée", "")
	*clock = clock.Add(-time.Second)
	expect("a second back", "autre", false, true, "Antenne renommée", "")

	// A category withdrawn, then the unit closed: refused at once.
	expect("read again", "travail", false, false, "Antenne renommée", "")
	expect("before withdrawing", "travail", true, true, "Antenne renommée", "")
	write("UPDATE categories SET active = FALSE WHERE id = 'travail'")
	expect("category withdrawn", "travail", false, false, "", "category_id")
	expect("other category kept", "autre", false, false, "Antenne renommée", "")
	write("UPDATE units SET status = 'closed' WHERE id = ?", unitID)
	expect("unit closed", "autre", false, false, "", "unit_id")
	expect("unit closed, again", "autre", false, false, "", "unit_id")
}

// writeSQL runs query in a write transaction of st's, as an administrator
// editing the database by another path than the API would.
func writeSQL(t *testing.T, st *store.Store, query string, args ...any) {
	t.Helper()
	if err := st.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, query, args...)
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

// stoppedClock stops st's clock at this moment (to the millisecond, as the
// store's own) and gives it for the test to move.
func stoppedClock(st *store.Store) *time.Time {
	clock := time.Now().UTC().Truncate(time.Millisecond)
	st.SetClock(func() time.Time { return clock })
	return &clock
}

// On PostgreSQL, session checks confirming their hints at the same moment
// share reads of the stamp (sharedRead): fewer statements than checks,
// and a logout is still seen by every check made after it, however many
// run at once.
func TestConcurrentSessionChecksShareTheStampRead(t *testing.T) {
	if !testpg.OnPostgres() {
		t.Skip("the stamp is PostgreSQL's: SQLite keeps its session checks while nothing is written")
	}
	st := seededHere(t, seed.Options{Cases: 20, Editors: 4, Admins: 1, BatchSize: 20, Random: 5})
	ctx := context.Background()
	var toks []string
	for i := range 4 {
		_, tok := seededSession(t, st, fmt.Sprintf("editor%d@%s", i+1, seed.Domain))
		// The first check reads the session and leaves the hint.
		if _, _, err := st.Authenticate(ctx, tok); err != nil {
			t.Fatal(err)
		}
		toks = append(toks, tok)
	}
	// burst checks every token from 32 goroutines at once and gives the
	// errors met, by token.
	burst := func() map[string]error {
		var mu sync.Mutex
		errs := map[string]error{}
		var wg sync.WaitGroup
		for g := range 32 {
			wg.Go(func() {
				for i := range 10 {
					tok := toks[(g+i)%len(toks)]
					if _, _, err := st.Authenticate(ctx, tok); err != nil {
						mu.Lock()
						errs[tok] = err
						mu.Unlock()
					}
				}
			})
		}
		wg.Wait()
		return errs
	}
	reads0, asked0 := st.StampReads()
	if errs := burst(); len(errs) > 0 {
		t.Fatalf("checks refused: %v", errs)
	}
	reads, asked := st.StampReads()
	reads, asked = reads-reads0, asked-asked0
	if asked != 320 || reads >= asked {
		t.Fatalf("%d stamp reads for %d checks that asked for one, want 320 checks sharing reads", reads, asked)
	}
	t.Logf("%d stamp reads for %d concurrent checks", reads, asked)

	acc, sess, err := st.Authenticate(ctx, toks[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Logout(ctx, store.Actor{Account: acc, SessionID: sess.ID}); err != nil {
		t.Fatal(err)
	}
	errs := burst()
	if !errors.Is(errs[toks[0]], store.ErrUnauthenticated) {
		t.Fatalf("checks after the logout: %v, want ErrUnauthenticated", errs[toks[0]])
	}
	delete(errs, toks[0])
	if len(errs) > 0 {
		t.Fatalf("other sessions refused after one logout: %v", errs)
	}
}
