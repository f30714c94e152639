package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"cloison/internal/testpg"
	"cloison/store"
	"cloison/store/seed"
)

// On PostgreSQL a get by id checks the session in the statement that reads
// the case file, with the account and scope the token's last session check
// gave as a guess (store.SessionHint). The page is GetCase's; a case file
// one may not see is ErrNotFound, like one that does not exist; a grant
// revoked since the guess is seen by the statement itself; and a session
// ended, an account blocked or a membership ended since the guess make it
// stale, so that the request goes the usual way (which then refuses it).
// On SQLite, which keeps the session check itself, there is no hint.
func TestCaseByHintChecksTheSessionInItsOwnStatement(t *testing.T) {
	st := seededHere(t, seed.Options{Cases: 40, Editors: 2, Admins: 1, Helpers: 2, Orgs: 1, Units: 2, BatchSize: 40, Random: 11})
	ctx := context.Background()
	editor, tok := seededSession(t, st, "editor1@"+seed.Domain)
	other := seededAccount(t, st, "editor2@"+seed.Domain)
	if h := st.HintFor(tok); h != nil {
		t.Fatal("a hint before any session check")
	}
	acc, sess, err := st.Authenticate(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	if !testpg.OnPostgres() {
		if st.HintFor(tok) != nil {
			t.Fatal("a hint on SQLite")
		}
		t.Skip("PostgreSQL only: SQLite keeps the session check itself")
	}
	mine, _, err := st.ListCases(ctx, store.Actor{Account: acc, SessionID: sess.ID}, store.CaseFilter{}, store.Page{Page: 1, PerPage: 5})
	if err != nil || len(mine) < 2 {
		t.Fatalf("the editor's case files: %d, %v", len(mine), err)
	}
	theirs, _, err := st.ListCases(ctx, store.Actor{Account: other}, store.CaseFilter{}, store.Page{Page: 1, PerPage: 1})
	if err != nil || len(theirs) != 1 {
		t.Fatalf("the other editor's case files: %d, %v", len(theirs), err)
	}
	// get reads id with the token's hint, and checks that the session it
	// confirms is the editor's.
	get := func(step, id string) (*store.CaseDetail, error) {
		t.Helper()
		h := st.HintFor(tok)
		if h == nil {
			t.Fatalf("%s: no hint", step)
		}
		d, acc, sess, err := st.GetCaseByHint(ctx, h, "192.0.2.1", id)
		if errors.Is(err, store.ErrHintStale) {
			return nil, err
		}
		if acc == nil || acc.ID != editor.ID || sess == nil {
			t.Fatalf("%s: the session confirmed is %+v (%v)", step, acc, err)
		}
		return d, err
	}

	for _, it := range mine {
		d, err := get("mine", it.ID)
		if err != nil {
			t.Fatal(err)
		}
		want, err := st.GetCase(ctx, store.Actor{Account: acc, SessionID: sess.ID}, it.ID)
		if err != nil {
			t.Fatal(err)
		}
		if a, b := mustJSON(t, d), mustJSON(t, want); a != b {
			t.Errorf("%s: by hint %s, by GetCase %s", it.ID, a, b)
		}
	}
	if _, err := get("someone else's", theirs[0].ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another editor's case file: %v, want ErrNotFound", err)
	}
	if _, err := get("none", "0193a4b2-0000-7000-8000-000000000000"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a case file that does not exist: %v, want ErrNotFound", err)
	}

	// A grant revoked after the guess: the statement reads the grants
	// afresh.
	writeSQL(t, st, "UPDATE grants SET revoked_at = ? WHERE case_id = ? AND account_id = ?", "2000-01-01 00:00:00.000+00:00", mine[0].ID, editor.ID)
	if _, err := get("revoked", mine[0].ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after the grant's revocation: %v, want ErrNotFound", err)
	}
	if _, err := get("still mine", mine[1].ID); err != nil {
		t.Fatalf("another of the editor's case files: %v", err)
	}

	// A membership ended since the guess: the scope is not the guessed one.
	writeSQL(t, st, "UPDATE memberships SET valid_until = ? WHERE account_id = ?", "2000-01-01 00:00:00.000+00:00", editor.ID)
	if _, err := get("membership ended", mine[1].ID); !errors.Is(err, store.ErrHintStale) {
		t.Errorf("after the membership's end: %v, want ErrHintStale", err)
	}
	writeSQL(t, st, "UPDATE memberships SET valid_until = NULL WHERE account_id = ?", editor.ID)
	if _, _, err := st.Authenticate(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if _, err := get("membership back", mine[1].ID); err != nil {
		t.Fatalf("with the membership back: %v", err)
	}

	// Every other write a session check reads makes the hint stale until
	// the usual check has read it again, undone or not; writes it does not
	// read leave the hint standing (migration 071's triggers).
	var unitID, categoryID string
	if err := st.Engine().Reader().NewRaw("SELECT unit_id FROM memberships WHERE account_id = ?", editor.ID).Scan(ctx, &unitID); err != nil {
		t.Fatal(err)
	}
	if err := st.Engine().Reader().NewRaw("SELECT id FROM categories WHERE active ORDER BY id LIMIT 1").Scan(ctx, &categoryID); err != nil {
		t.Fatal(err)
	}
	// A category of its own, which no one inspects yet.
	const then = "2026-01-01 00:00:00.000+00:00"
	writeSQL(t, st, "INSERT INTO categories (id, created_at, updated_at) VALUES ('hint-test', ?, ?)", then, then)
	for _, w := range []struct {
		name, write, undo string
		args              []any
	}{
		{"role", "UPDATE accounts SET role = 'reader' WHERE id = ?", "UPDATE accounts SET role = 'editor' WHERE id = ?", []any{editor.ID}},
		{"name", "UPDATE accounts SET name = name || '.' WHERE id = ?", "UPDATE accounts SET name = rtrim(name, '.') WHERE id = ?", []any{editor.ID}},
		{"unit", "UPDATE units SET module_inspectors = NOT module_inspectors WHERE id = ?", "UPDATE units SET module_inspectors = NOT module_inspectors WHERE id = ?", []any{unitID}},
		{"inspector", "INSERT INTO category_inspectors (account_id, category_id, named_at) VALUES (?, ?, '" + then + "')",
			"DELETE FROM category_inspectors WHERE account_id = ? AND category_id = ?", []any{editor.ID, "hint-test"}},
		{"inspection", "INSERT INTO unit_inspection (unit_id, category_id, opened_at) VALUES (?, ?, '" + then + "')",
			"DELETE FROM unit_inspection WHERE unit_id = ? AND category_id = ?", []any{unitID, "hint-test"}},
		{"other sessions ended", "DELETE FROM sessions WHERE account_id = ? AND id <> ?", "", []any{editor.ID, sess.ID}},
	} {
		for _, q := range []string{w.write, w.undo} {
			if q == "" {
				continue
			}
			writeSQL(t, st, q, w.args...)
			if _, err := get(w.name, mine[1].ID); !errors.Is(err, store.ErrHintStale) {
				t.Errorf("%s: %q left the hint standing (%v)", w.name, q, err)
			}
			if _, _, err := st.Authenticate(ctx, tok); err != nil {
				t.Fatalf("%s: %v", w.name, err)
			}
			if _, err := get(w.name+", checked again", mine[1].ID); err != nil {
				t.Fatalf("%s, checked again: %v", w.name, err)
			}
		}
	}
	for _, w := range []struct {
		name  string
		write func()
	}{
		{"last activity", func() { writeSQL(t, st, "UPDATE sessions SET last_seen_at = last_seen_at WHERE id = ?", sess.ID) }},
		{"failed logins", func() { writeSQL(t, st, "UPDATE accounts SET failed_logins = 0 WHERE id = ?", editor.ID) }},
		{"another session", func() {
			if _, err := st.OpenTestSession(ctx, editor.ID); err != nil {
				t.Fatal(err)
			}
		}},
		{"a case file", func() {
			if _, err := st.CreateCase(ctx, store.Actor{Account: acc, SessionID: sess.ID}, store.NewCase{Title: "Hint", CategoryID: categoryID, UnitID: unitID}); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		w.write()
		if _, err := get(w.name, mine[1].ID); err != nil {
			t.Errorf("after a write a session check does not read (%s): %v", w.name, err)
		}
	}

	// A membership that starts later changes the scope without a write at
	// that moment: the hint holds until then, and not after.
	clock := stoppedClock(st)
	var otherUnit string
	if err := st.Engine().Reader().NewRaw("SELECT id FROM units WHERE id <> ? ORDER BY id LIMIT 1", unitID).Scan(ctx, &otherUnit); err != nil {
		t.Fatal(err)
	}
	starts := clock.Add(time.Minute)
	writeSQL(t, st, `INSERT INTO memberships (id, account_id, unit_id, role, valid_from, created_at, updated_at)
		VALUES ('hint-later', ?, ?, 'editor', ?, ?, ?)`, editor.ID, otherUnit, starts, *clock, *clock)
	if _, _, err := st.Authenticate(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if _, err := get("before the membership starts", mine[1].ID); err != nil {
		t.Fatalf("before the membership starts: %v", err)
	}
	*clock = starts
	if _, err := get("the membership started", mine[1].ID); !errors.Is(err, store.ErrHintStale) {
		t.Errorf("once the membership has started: %v, want ErrHintStale", err)
	}
	writeSQL(t, st, "DELETE FROM memberships WHERE id = 'hint-later'")
	if _, _, err := st.Authenticate(ctx, tok); err != nil {
		t.Fatal(err)
	}

	// Blocked: stale, and the usual way refuses the session.
	writeSQL(t, st, "UPDATE accounts SET status = 'blocked' WHERE id = ?", editor.ID)
	if _, err := get("blocked", mine[1].ID); !errors.Is(err, store.ErrHintStale) {
		t.Errorf("blocked: %v, want ErrHintStale", err)
	}
	if _, _, err := st.Authenticate(ctx, tok); !errors.Is(err, store.ErrUnauthenticated) {
		t.Errorf("blocked, the session check: %v", err)
	}
	writeSQL(t, st, "UPDATE accounts SET status = 'active' WHERE id = ?", editor.ID)
	// The last check read the account blocked: stale until the usual check
	// reads it again.
	if _, err := get("active again", mine[1].ID); !errors.Is(err, store.ErrHintStale) {
		t.Errorf("active again, with the hint of a blocked account: %v, want ErrHintStale", err)
	}
	if _, _, err := st.Authenticate(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if _, err := get("checked again", mine[1].ID); err != nil {
		t.Fatalf("active again and checked: %v", err)
	}

	// Logged out (on whichever instance): stale, and refused.
	if err := st.Logout(ctx, store.Actor{Account: acc, SessionID: sess.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := get("logged out", mine[1].ID); !errors.Is(err, store.ErrHintStale) {
		t.Errorf("logged out: %v, want ErrHintStale", err)
	}
	if _, _, err := st.Authenticate(ctx, tok); !errors.Is(err, store.ErrUnauthenticated) {
		t.Errorf("logged out, the session check: %v", err)
	}
}

// On PostgreSQL a session check is the token's last one on this instance
// when the stamp of the last write that changes what it reads has not moved
// (confirmHint): every such write, made here as another instance would make
// it, is seen at the next check, and the session's last activity, written
// at most once a minute, is not written again at every request.
func TestSessionCheckConfirmedByTheStamp(t *testing.T) {
	if !testpg.OnPostgres() {
		t.Skip("PostgreSQL only: SQLite keeps the session check while nothing is written")
	}
	st := seededHere(t, seed.Options{Cases: 4, Editors: 1, Admins: 1, Helpers: 1, Orgs: 1, Units: 1, BatchSize: 4, Random: 12})
	ctx := context.Background()
	clock := stoppedClock(st)
	editor, tok := seededSession(t, st, "editor1@"+seed.Domain)
	check := func(step, role string) {
		t.Helper()
		for i := range 2 { // the first reads the session check, the second may take it as confirmed
			acc, _, err := st.Authenticate(ctx, tok)
			if role == "" {
				if !errors.Is(err, store.ErrUnauthenticated) {
					t.Fatalf("%s (%d): %v, want ErrUnauthenticated", step, i, err)
				}
				continue
			}
			if err != nil || acc.Role != role {
				t.Fatalf("%s (%d): %+v, %v; want the role %s", step, i, acc, err, role)
			}
		}
	}
	check("first", store.RoleEditor)
	writeSQL(t, st, "UPDATE memberships SET role = 'member' WHERE account_id = ?", editor.ID)
	check("reader", store.RoleReader)
	writeSQL(t, st, "UPDATE memberships SET role = 'editor' WHERE account_id = ?", editor.ID)
	check("editor again", store.RoleEditor)

	// The last activity: written when a minute old, then not until a
	// minute later.
	lastSeen := func() time.Time {
		t.Helper()
		var at string
		if err := st.Engine().Reader().NewRaw("SELECT last_seen_at FROM sessions WHERE account_id = ?", editor.ID).Scan(ctx, &at); err != nil {
			t.Fatal(err)
		}
		v, err := time.Parse("2006-01-02 15:04:05.999-07:00", at)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	opened := lastSeen()
	*clock = clock.Add(2 * time.Minute)
	check("two minutes on", store.RoleEditor)
	touched := lastSeen()
	if !touched.Equal(*clock) {
		t.Fatalf("last activity %v, want %v (opened %v)", touched, *clock, opened)
	}
	*clock = clock.Add(30 * time.Second)
	check("half a minute on", store.RoleEditor)
	if at := lastSeen(); !at.Equal(touched) {
		t.Errorf("last activity written again after half a minute: %v, want %v", at, touched)
	}

	// Another instance writes the last activity without changing the
	// stamp: the guess's older one does not make the session idle.
	*clock = clock.Add(25 * time.Minute)
	writeSQL(t, st, "UPDATE sessions SET last_seen_at = ? WHERE account_id = ?", *clock, editor.ID)
	*clock = clock.Add(10 * time.Minute)
	check("active on another instance", store.RoleEditor)

	writeSQL(t, st, "UPDATE accounts SET status = 'blocked' WHERE id = ?", editor.ID)
	check("blocked", "")
	writeSQL(t, st, "UPDATE accounts SET status = 'active' WHERE id = ?", editor.ID)
	check("active again", store.RoleEditor)
	writeSQL(t, st, "DELETE FROM sessions WHERE account_id = ?", editor.ID)
	check("logged out", "")
}
