package store

import (
	"context"
	"slices"
	"testing"

	"cloison/store/engine"
)

// titlesInOrder are titles as a French reader expects them sorted: accents
// and case do not move a title away from its letter, and at strength 2 an
// accent breaks a tie ("Eau" before "Éau"). Created in reverse, so that
// neither the creation order nor the ids give this order by chance.
var titlesInOrder = []string{"abri", "Avis", "Çağla", "Eau", "Éau", "éclair", "École", "ecrit", "Nguyễn", "Œuvre", "oiseau", "Zoé", "zone"}

// The sort by title is the same on both engines and for every list: the
// admin's (over the cases table) and an editor's (over their grants' copies
// of the title), a search's included. SQLite's own NOCASE put "École"
// after "Zoé".
func TestTitleSortKeepsAccentsWithTheirLetter(t *testing.T) {
	st, ed := newTestStoreWithEditor(t)
	ctx := context.Background()
	for _, title := range slices.Backward(titlesInOrder) {
		if _, err := st.CreateCase(ctx, ed, NewCase{Title: title, CategoryID: "autre", Summary: "commun"}); err != nil {
			t.Fatal(err)
		}
	}
	admin, err := st.CreateAccount(ctx, testHasher, Actor{}, NewAccount{Email: "admin@example.org", Name: "Ada", Password: "a long enough passphrase", Role: RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	titles := func(items []CaseSummary) []string {
		out := make([]string, len(items))
		for i, it := range items {
			out[i] = it.Title
		}
		return out
	}
	for _, tc := range []struct {
		name  string
		actor Actor
		f     CaseFilter
	}{
		{"editor", ed, CaseFilter{Sort: "title"}},
		{"editor searching", ed, CaseFilter{Sort: "title", Q: "commun"}},
		{"admin", Actor{Account: admin}, CaseFilter{Sort: "title"}},
	} {
		// Two pages, so that the order holds across the page boundary too.
		first, total, err := st.ListCases(ctx, tc.actor, tc.f, Page{Page: 1, PerPage: 7})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		second, _, err := st.ListCases(ctx, tc.actor, tc.f, Page{Page: 2, PerPage: 7})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := titles(append(first, second...)); total != int64(len(titlesInOrder)) || !slices.Equal(got, titlesInOrder) {
			t.Errorf("%s: sorted by title (%d in all):\n got %q\nwant %q", tc.name, total, got, titlesInOrder)
		}
	}
}

// The collation SQLite is given orders as PostgreSQL's ICU collation does
// at strength 2: case alone makes no difference, an accent does after the
// letters, and it is a total order on the titles above.
func TestNoCaseUCAComparesLettersThenAccents(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"ecole", "ECOLE", 0},
		{"École", "école", 0},
		{"ecole", "école", -1},
		{"École", "Zoé", -1},
		{"Zoé", "zoe", 1},
		{"Œuvre", "oeuvre", 1},
		{"", "a", -1},
	} {
		if got := engine.CompareNoCaseUCA(tc.a, tc.b); got != tc.want {
			t.Errorf("CompareNoCaseUCA(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
	if !slices.IsSortedFunc(titlesInOrder, engine.CompareNoCaseUCA) {
		t.Errorf("%q is not in NOCASE_UCA's order", titlesInOrder)
	}
}
