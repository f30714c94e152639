package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"cloison/internal/testpg"
	"cloison/store"
	"cloison/store/seed"
)

// On SQLite a session check is served again while nothing has been
// written, and never past a write, past a membership's start or end, or
// past sessionCacheMaxAge; on PostgreSQL, where other instances write,
// every check is read. In each case the account and scope are what a read
// gives at that moment.
func TestSessionCheckKeptOnlyWhileNothingChanged(t *testing.T) {
	st := seededHere(t, seed.Options{Cases: 20, Editors: 2, Admins: 1, Orgs: 1, Units: 2, BatchSize: 20, Random: 3})
	ctx := context.Background()
	cached := !testpg.OnPostgres()
	clock := time.Now().UTC().Truncate(time.Millisecond)
	st.SetClock(func() time.Time { return clock })
	unitAdmin := seededAccount(t, st, "unitadmin1@"+seed.Domain)
	tok, err := st.OpenTestSession(ctx, unitAdmin.ID)
	if err != nil {
		t.Fatal(err)
	}
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
	write := func(query string, args ...any) {
		t.Helper()
		if err := st.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.ExecContext(ctx, query, args...)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}

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
	clock = clock.Add(time.Second)
	served, units = check("a second later")
	expect("a second later", served, units, 1, true)
	clock = clock.Add(time.Second)
	served, units = check("at its end")
	expect("at its end", served, units, 0, false)

	// One that starts in two seconds, likewise.
	write("UPDATE memberships SET valid_from = ?, valid_until = NULL WHERE account_id = ? AND role = 'admin'", clock.Add(2*time.Second), unitAdmin.ID)
	served, units = check("before its start")
	expect("before its start", served, units, 0, false)
	clock = clock.Add(2 * time.Second)
	served, units = check("at its start")
	expect("at its start", served, units, 1, false)

	// Never past its maximum age, nor when the clock goes back.
	served, _ = check("kept")
	expect("kept", served, 1, 1, true)
	clock = clock.Add(6 * time.Second)
	served, units = check("six seconds on")
	expect("six seconds on", served, units, 1, false)
	clock = clock.Add(-time.Second)
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
