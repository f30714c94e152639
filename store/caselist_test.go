package store

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

// The fast list (from the grants' copies of the list columns and the
// grant counters) and the general one (through the visibility predicate)
// must agree, row for row and in their totals, for every kind of account,
// filter and order, including after edits, transitions, a deletion,
// helpers invited with and without an end date, revocations, expiries and
// a demotion.
func TestListFromGrantsAgreesWithThePredicate(t *testing.T) {
	st := newTestStore(t)
	st.composer = outboxTestComposer{} // invitations write e-mails
	ctx := context.Background()
	if _, err := st.Seed(ctx, SeedOptions{Cases: 400, Editors: 5, Admins: 1, Helpers: 4, BatchSize: 100, Random: 7}, "$argon2id$v=19$test"); err != nil {
		t.Fatal(err)
	}
	var accounts []Account
	if err := st.read.NewSelect().Model(&accounts).Where("role != ?", RoleAdmin).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	// Shake the data: edits move case files up the list, helpers come and go.
	ed := Actor{Account: &accounts[0]}
	var mine []CaseSummary
	mine, _, _ = st.listByPredicate(ctx, ed, CaseFilter{}, Page{Page: 1, PerPage: 10}, st.now())
	for i, c := range mine {
		if i%2 == 0 {
			if _, _, err := st.AddNote(ctx, ed, c.ID, NewNote{Body: fmt.Sprintf("note %d", i)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(mine) < 8 {
		t.Fatalf("the first editor sees %d case files", len(mine))
	}
	var open []CaseSummary
	for _, c := range mine {
		if collaborationOpen(c.Status) {
			open = append(open, c)
		}
	}
	if len(open) < 2 {
		t.Fatalf("the first editor has %d open case files on the first page", len(open))
	}
	helper := accounts[len(accounts)-1].Email
	col, err := st.InviteCollaborator(ctx, ed, open[0].ID, NewCollaboration{Email: helper, Kind: GrantSupport})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.RevokeCollaborator(ctx, ed, open[0].ID, col.ID); err != nil {
		t.Fatal(err)
	}
	// A helper until a day that will pass, and one with no end.
	until := st.now().AddDate(0, 1, 0).Format("2006-01-02")
	if _, err := st.InviteCollaborator(ctx, ed, open[0].ID, NewCollaboration{Email: helper, Kind: GrantTrainee, Until: &until}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.InviteCollaborator(ctx, ed, open[1].ID, NewCollaboration{Email: helper, Kind: GrantMentee}); err != nil {
		t.Fatal(err)
	}
	// A new title and a new status travel to the grants' copies.
	title := "Titre changé pour la liste"
	if _, err := st.UpdateCase(ctx, ed, mine[6].ID, &mine[6].Version, CaseChange{Title: &title}); err != nil {
		t.Fatal(err)
	}
	var admin Account
	if err := st.read.NewSelect().Model(&admin).Where("role = ?", RoleAdmin).Limit(1).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	adm := Actor{Account: &admin}
	if err := st.DeleteCase(ctx, adm, mine[7].ID, "Doublon saisi par erreur"); err != nil {
		t.Fatal(err)
	}
	filters := []CaseFilter{{}, {Status: CaseOpen}, {Status: CaseClosed}, {Category: "violences"}, {Status: CaseOpen, Category: "autre"}}
	for sort := range CaseSorts {
		filters = append(filters, CaseFilter{Sort: sort})
	}
	compare := func(when string) {
		t.Helper()
		now := st.now()
		for _, f := range filters {
			if f.Category != "" {
				continue
			}
			for page := 1; page <= 3; page++ {
				p := Page{Page: page, PerPage: 40}
				fast, fastTotal, err := st.listForAdmin(ctx, f, p)
				if err != nil {
					t.Fatal(err)
				}
				slow, slowTotal, err := st.listByPredicate(ctx, adm, f, p, now)
				if err != nil {
					t.Fatal(err)
				}
				if fastTotal != slowTotal || mustJSON(t, fast) != mustJSON(t, slow) {
					t.Fatalf("%s, admin %+v page %d: fast %d/%d, predicate %d/%d", when, f, page, len(fast), fastTotal, len(slow), slowTotal)
				}
			}
		}
		for _, a := range accounts {
			actor := Actor{Account: &a}
			for _, f := range filters {
				for page := 1; page <= 3; page++ {
					p := Page{Page: page, PerPage: 40}
					fast, fastTotal, err := st.listFromGrants(ctx, actor, f, p, now)
					if err != nil {
						t.Fatal(err)
					}
					slow, slowTotal, err := st.listByPredicate(ctx, actor, f, p, now)
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
	accounts[1].Role = RoleReader
	// Time passes: helpers' end dates fall due.
	st.now = func() time.Time { return time.Now().Add(400 * 24 * time.Hour).UTC().Truncate(time.Millisecond) }
	compare("a year later, one editor demoted")
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
