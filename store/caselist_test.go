package store

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// The fast list (from the grants' dates) and the general one (through the
// visibility predicate) must agree, item for item and in their totals, for
// every kind of account, including after changes, revocations, expiries and
// a demotion.
func TestListByGrantDateAgreesWithThePredicate(t *testing.T) {
	st := newTestStore(t)
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
	if len(mine) > 3 {
		col, err := st.InviteCollaborator(ctx, ed, mine[3].ID, NewCollaboration{Email: accounts[len(accounts)-1].Email, Kind: GrantSupport})
		if err == nil {
			if err := st.RevokeCollaborator(ctx, ed, mine[3].ID, col.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	compare := func(when string) {
		t.Helper()
		now := st.now()
		for _, a := range accounts {
			actor := Actor{Account: &a}
			for page := 1; page <= 3; page++ {
				p := Page{Page: page, PerPage: 40}
				fast, fastTotal, err := st.listByGrantDate(ctx, actor, p, now)
				if err != nil {
					t.Fatal(err)
				}
				slow, slowTotal, err := st.listByPredicate(ctx, actor, CaseFilter{}, p, now)
				if err != nil {
					t.Fatal(err)
				}
				if fastTotal != slowTotal || len(fast) != len(slow) {
					t.Fatalf("%s, %s page %d: fast %d/%d, predicate %d/%d", when, a.Email, page, len(fast), fastTotal, len(slow), slowTotal)
				}
				for i := range fast {
					if fast[i].ID != slow[i].ID {
						t.Fatalf("%s, %s page %d item %d: %s vs %s", when, a.Email, page, i, fast[i].ID, slow[i].ID)
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
