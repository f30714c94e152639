package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"cloison/store"
	"cloison/store/seed"
)

// The fast list (from the grants' copies of the list columns and the
// grant counters) and the general one (through the visibility predicate)
// must agree, row for row and in their totals, for every kind of account,
// filter and order, including after edits, transitions, a deletion,
// helpers invited with and without an end date, revocations, expiries and
// a demotion.
func TestListFromGrantsAgreesWithThePredicate(t *testing.T) {
	st := seeded(t, seed.Options{Cases: 400, Editors: 5, Admins: 1, Helpers: 4, BatchSize: 100, Random: 7})
	st.SetComposer(store.TestComposer) // invitations write e-mails
	ctx := context.Background()
	var accounts []store.Account
	if err := st.Engine().Reader().NewSelect().Model(&accounts).Where("role != ?", store.RoleAdmin).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	// Shake the data: edits move case files up the list, helpers come and go.
	ed := store.Actor{Account: &accounts[0]}
	var mine []store.CaseSummary
	mine, _, _ = st.ListByPredicate(ctx, ed, store.CaseFilter{}, store.Page{Page: 1, PerPage: 10}, st.Now())
	for i, c := range mine {
		if i%2 == 0 {
			if _, _, err := st.AddNote(ctx, ed, c.ID, store.NewNote{Body: fmt.Sprintf("note %d", i)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(mine) < 8 {
		t.Fatalf("the first editor sees %d case files", len(mine))
	}
	var open []store.CaseSummary
	for _, c := range mine {
		if store.CollaborationOpen(c.Status) {
			open = append(open, c)
		}
	}
	if len(open) < 2 {
		t.Fatalf("the first editor has %d open case files on the first page", len(open))
	}
	helper := accounts[len(accounts)-1].Email
	col, err := st.InviteCollaborator(ctx, ed, open[0].ID, store.NewCollaboration{Email: helper, Kind: store.GrantSupport})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.RevokeCollaborator(ctx, ed, open[0].ID, col.ID); err != nil {
		t.Fatal(err)
	}
	// A helper until a day that will pass, and one with no end.
	until := st.Now().AddDate(0, 1, 0).Format("2006-01-02")
	if _, err := st.InviteCollaborator(ctx, ed, open[0].ID, store.NewCollaboration{Email: helper, Kind: store.GrantTrainee, Until: &until}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.InviteCollaborator(ctx, ed, open[1].ID, store.NewCollaboration{Email: helper, Kind: store.GrantMentee}); err != nil {
		t.Fatal(err)
	}
	// A new title and a new status travel to the grants' copies.
	title := "Titre changé pour la liste"
	if _, err := st.UpdateCase(ctx, ed, mine[6].ID, &mine[6].Version, store.CaseChange{Title: &title}); err != nil {
		t.Fatal(err)
	}
	var admin store.Account
	if err := st.Engine().Reader().NewSelect().Model(&admin).Where("role = ?", store.RoleAdmin).Limit(1).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	adm := store.Actor{Account: &admin}
	if err := st.DeleteCase(ctx, adm, mine[7].ID, "Doublon saisi par erreur"); err != nil {
		t.Fatal(err)
	}
	filters := []store.CaseFilter{{}, {Status: store.CaseOpen}, {Status: store.CaseClosed}, {Category: "discrimination"}, {Status: store.CaseOpen, Category: "autre"}}
	for sort := range store.CaseSorts {
		filters = append(filters, store.CaseFilter{Sort: sort})
	}
	compare := func(when string) {
		t.Helper()
		now := st.Now()
		for _, f := range filters {
			if f.Category != "" {
				continue
			}
			for page := 1; page <= 3; page++ {
				p := store.Page{Page: page, PerPage: 40}
				fast, fastTotal, err := st.ListForAdmin(ctx, f, p)
				if err != nil {
					t.Fatal(err)
				}
				slow, slowTotal, err := st.ListByPredicate(ctx, adm, f, p, now)
				if err != nil {
					t.Fatal(err)
				}
				if fastTotal != slowTotal || mustJSON(t, fast) != mustJSON(t, slow) {
					t.Fatalf("%s, admin %+v page %d: fast %d/%d, predicate %d/%d", when, f, page, len(fast), fastTotal, len(slow), slowTotal)
				}
			}
		}
		for _, a := range accounts {
			actor := store.Actor{Account: &a}
			for _, f := range filters {
				for page := 1; page <= 3; page++ {
					p := store.Page{Page: page, PerPage: 40}
					fast, fastTotal, err := st.ListFromGrants(ctx, actor, f, p, now)
					if err != nil {
						t.Fatal(err)
					}
					slow, slowTotal, err := st.ListByPredicate(ctx, actor, f, p, now)
					if err != nil {
						t.Fatal(err)
					}
					if fastTotal != slowTotal || len(fast) != len(slow) {
						t.Fatalf("%s, %s %+v page %d: fast %d/%d, predicate %d/%d", when, a.Email, f, page, len(fast), fastTotal, len(slow), slowTotal)
					}
					for i := range fast {
						// As the API serves them.
						if fj, sj := mustJSON(t, fast[i]), mustJSON(t, slow[i]); fj != sj {
							t.Fatalf("%s, %s %+v page %d item %d:\n%+v\n%+v", when, a.Email, f, page, i, fast[i], slow[i])
						}
					}
				}
			}
		}
	}
	compare("after seeding and edits")
	// Demote an editor: their assignments stop counting in both forms.
	accounts[1].Role = store.RoleReader
	// Time passes: helpers' end dates fall due.
	st.SetClock(func() time.Time { return time.Now().Add(400 * 24 * time.Hour).UTC().Truncate(time.Millisecond) })
	compare("a year later, one editor demoted")
}

// A unit's and an organisation's admin read their list from their scope's
// index range (with the list columns on its entries, migration 30); it must
// agree, row for row and in its totals, with the visibility predicate, for
// every page and status, including after an edit moves a case file up.
func TestScopeAdminListAgreesWithThePredicate(t *testing.T) {
	st := seeded(t, seed.Options{Cases: 480, Editors: 12, Admins: 1, Orgs: 3, Units: 6, BatchSize: 100, Random: 11})
	ctx := context.Background()
	var admins []store.Actor
	for i := 1; i <= 6; i++ {
		admins = append(admins, store.Actor{Account: seededAccount(t, st, fmt.Sprintf("unitadmin%d@seed.invalid", i))})
	}
	for i := 1; i <= 3; i++ {
		admins = append(admins, store.Actor{Account: seededAccount(t, st, fmt.Sprintf("orgadmin%d@seed.invalid", i))})
	}
	compare := func(when string) {
		t.Helper()
		now := st.Now()
		for _, a := range admins {
			for _, f := range []store.CaseFilter{{}, {Status: store.CaseOpen}, {Status: store.CaseClosed}, {Sort: "-updated"}} {
				seen := 0
				for page := 1; page <= 5; page++ {
					p := store.Page{Page: page, PerPage: 25}
					fast, fastTotal, err := st.ListCases(ctx, a, f, p)
					if err != nil {
						t.Fatal(err)
					}
					slow, slowTotal, err := st.ListByPredicate(ctx, a, f, p, now)
					if err != nil {
						t.Fatal(err)
					}
					if fastTotal != slowTotal || mustJSON(t, fast) != mustJSON(t, slow) {
						t.Fatalf("%s, %s %+v page %d: index %d/%d, predicate %d/%d", when, a.Account.Email, f, page, len(fast), fastTotal, len(slow), slowTotal)
					}
					seen += len(fast)
				}
				if f.Status == "" && seen == 0 {
					t.Fatalf("%s sees no case file", a.Account.Email)
				}
			}
		}
	}
	compare("seeded")
	// The first unit's admin edits an old case file of theirs, with a
	// reason: it moves to the top with its new title.
	u := admins[0]
	items, _, err := st.ListCases(ctx, u, store.CaseFilter{}, store.Page{Page: 2, PerPage: 25})
	if err != nil || len(items) == 0 {
		t.Fatalf("page 2 of unitadmin1: %d, %v", len(items), err)
	}
	c := items[len(items)-1]
	if err := st.OpenCaseAsAdmin(ctx, u, c.ID, "Contrôle demandé par le bureau"); err != nil {
		t.Fatal(err)
	}
	title := "Titre changé par l’administrateur de l’unité"
	if _, err := st.UpdateCase(ctx, u, c.ID, &c.Version, store.CaseChange{Title: &title}); err != nil {
		t.Fatal(err)
	}
	first, _, err := st.ListCases(ctx, u, store.CaseFilter{}, store.Page{Page: 1, PerPage: 1})
	if err != nil || len(first) != 1 || first[0].ID != c.ID || first[0].Title != title {
		t.Fatalf("after the edit, unitadmin1's first case file: %+v, %v", first, err)
	}
	compare("after an edit")
}
