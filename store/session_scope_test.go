package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"cloison/store"
	"cloison/store/seed"
)

// The session check reads the account's scope in its own statement
// (issue 16): for every kind of account of a network it must be the scope
// the memberships' own statement expands, and it is read again at every
// request, so that a logout, a block or the end of a membership holds at
// the very next one, whichever connection served the one before.
func TestSessionCarriesTheScopeItsAccountHasNow(t *testing.T) {
	st := seeded(t, seed.Options{Cases: 300, Editors: 8, Admins: 1, Helpers: 3, Orgs: 2, Units: 4, BatchSize: 100, Random: 5})
	ctx := context.Background()
	tokens := map[string]string{}
	for _, name := range []string{"inspector1", "unitadmin1", "orgadmin1", "admin1", "editor1", "editor2", "helper1"} {
		_, tok := seededSession(t, st, name+"@"+seed.Domain)
		tokens[name] = tok
		fromSession := sessionScope(t, st, name, tok)
		if !fromSession.Active {
			t.Errorf("%s: not active", name)
		}
	}
	sc, _ := st.LoadScope(ctx, seededAccount(t, st, "inspector1@"+seed.Domain))
	if len(sc.Inspect) == 0 {
		t.Fatal("the inspector has no pair: the comparison proves little")
	}

	// Changes made through the writer hold at the next request.
	admin := store.Actor{Account: seededAccount(t, st, "admin1@"+seed.Domain)}
	acc, sess, err := st.Authenticate(ctx, tokens["editor1"])
	if err != nil || acc.Role != store.RoleEditor {
		t.Fatalf("editor1: %v %v", acc, err)
	}
	if err := st.Logout(ctx, store.Actor{Account: acc, SessionID: sess.ID}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.Authenticate(ctx, tokens["editor1"]); !errors.Is(err, store.ErrUnauthenticated) {
		t.Errorf("after logging out: %v", err)
	}
	if _, _, err := st.Authenticate(ctx, tokens["editor2"]); err != nil {
		t.Fatalf("editor2: %v", err)
	}
	editor2 := seededAccount(t, st, "editor2@"+seed.Domain)
	if _, err := st.SetAccountStatus(ctx, admin, editor2.ID, "block", "Bloqué pendant le test"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.Authenticate(ctx, tokens["editor2"]); !errors.Is(err, store.ErrUnauthenticated) {
		t.Errorf("after a block: %v", err)
	}
}

// A case file's page reads its people in its own statement: they must be
// those their own statement lists, for every case file a person sees, on
// either engine (the page's JSON array is written by each engine's own
// functions), helpers with major rights or without.
func TestCasePageCarriesItsPeople(t *testing.T) {
	st := seededHere(t, seed.Options{Cases: 200, Editors: 4, Admins: 1, Helpers: 3, BatchSize: 100, Random: 7})
	ctx := context.Background()
	var helperGrants []string
	if err := st.Engine().Reader().NewSelect().Table("grants").Column("id").Where("kind <> 'assignee'").Order("id").Scan(ctx, &helperGrants); err != nil {
		t.Fatal(err)
	}
	for i, id := range helperGrants {
		if i%2 == 0 {
			writeSQL(t, st, "UPDATE grants SET major = TRUE WHERE id = ?", id)
		}
	}
	items, _, err := st.ListCases(ctx, store.Actor{Account: seededAccount(t, st, "editor1@"+seed.Domain)}, store.CaseFilter{}, store.Page{Page: 1, PerPage: 200})
	if err != nil || len(items) == 0 {
		t.Fatalf("%d %v", len(items), err)
	}
	editor := store.Actor{Account: seededAccount(t, st, "editor1@"+seed.Domain)}
	majors := map[bool]int{}
	for _, it := range items {
		d, err := st.GetCase(ctx, editor, it.ID)
		if err != nil {
			t.Fatal(err)
		}
		assignees, collaborators, err := st.PeopleOf(ctx, it.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		if a, b := mustJSON(t, []any{d.Assignees, d.Collaborators}), mustJSON(t, []any{assignees, collaborators}); a != b {
			t.Errorf("%s: the page's people %s, their own statement's %s", it.ID, a, b)
		}
		for _, c := range collaborators {
			majors[c.Major]++
		}
	}
	if majors[true] == 0 || majors[false] == 0 {
		t.Fatalf("helpers with major rights and without: %v; the comparison proves little", majors)
	}
}

// sessionScope authenticates tok and gives the scope the session carries,
// after checking it is the one the memberships' own statement expands at
// this moment (step names the check in a failure).
func sessionScope(t *testing.T, st *store.Store, step, tok string) *store.Scope {
	t.Helper()
	ctx := context.Background()
	acc, _, err := st.Authenticate(ctx, tok)
	if err != nil {
		t.Fatalf("%s: %v", step, err)
	}
	fromSession, err := st.ScopeOf(ctx, store.Actor{Account: acc})
	if err != nil {
		t.Fatal(err)
	}
	alone, err := st.LoadScope(ctx, acc)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := fmt.Sprintf("%+v", *fromSession), fmt.Sprintf("%+v", *alone); a != b {
		t.Fatalf("%s: the session's scope %s, its own statement's %s", step, a, b)
	}
	return fromSession
}
