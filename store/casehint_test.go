package store_test

import (
	"context"
	"errors"
	"testing"

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
	editor := seededAccount(t, st, "editor1@"+seed.Domain)
	other := seededAccount(t, st, "editor2@"+seed.Domain)
	tok, err := st.OpenTestSession(ctx, editor.ID)
	if err != nil {
		t.Fatal(err)
	}
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
