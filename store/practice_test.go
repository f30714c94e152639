package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"cloison/store"
	"cloison/store/seed"
)

// Over a seeded network with a referent inspector (twenty open pairs), a
// helper writes a practice case file in a unit and category open to the
// inspector. Every kind of account then lists, counts and reads what it did
// before, the author alone gaining their practice file; and an inspector's
// list, served from their own rows (inspector_cases), agrees row for row
// and in its totals with the visibility predicate, for every filter and page.
func TestPracticeAndInspectorListsAgreeWithThePredicate(t *testing.T) {
	st := seeded(t, seed.Options{Cases: 600, Editors: 8, Admins: 1, Helpers: 3, Orgs: 2, Units: 4, BatchSize: 100, Random: 3})
	ctx := context.Background()
	page := store.Page{Page: 1, PerPage: 200}
	names := []string{"inspector1", "unitadmin1", "unitadmin2", "orgadmin1", "orgadmin2", "admin1", "editor1", "editor2", "helper1", "helper2"}
	actors := map[string]store.Actor{}
	type seen struct {
		total  int64
		counts map[string]int64
	}
	before := map[string]seen{}
	for _, name := range names {
		actors[name] = store.Actor{Account: seededAccount(t, st, name+"@"+seed.Domain)}
		_, total, err := st.ListCases(ctx, actors[name], store.CaseFilter{}, page)
		if err != nil {
			t.Fatal(err)
		}
		counts, err := st.StatusCounts(ctx, actors[name])
		if err != nil {
			t.Fatal(err)
		}
		before[name] = seen{total, counts}
	}
	sc, err := st.ScopeOf(ctx, actors["inspector1"])
	if err != nil || len(sc.Inspect) != seed.InspectedPairs {
		t.Fatalf("the inspector's pairs: %v %v", sc, err)
	}
	// The author's practice file, open, in a pair open to the inspector.
	author := actors["helper1"]
	d, err := st.CreateCase(ctx, author, store.NewCase{Title: "Exercice", CategoryID: "sante", Summary: "Pour s’exercer.", Practice: true})
	if err != nil {
		t.Fatal(err)
	}
	category := ""
	for _, p := range sc.Inspect {
		if p.Unit == d.UnitID {
			category = p.Category
		}
	}
	if category == "" {
		t.Fatalf("no pair open in the practice file's unit %s", d.UnitID)
	}
	v := d.Version
	if _, err := st.UpdateCase(ctx, author, d.ID, &v, store.CaseChange{CategoryID: &category}); err != nil {
		t.Fatal(err)
	}
	v++
	if _, err := st.TransitionCase(ctx, author, d.ID, &v, store.Transition{To: store.CaseOpen}); err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		actor := actors[name]
		items, total, err := st.ListCases(ctx, actor, store.CaseFilter{}, page)
		if err != nil {
			t.Fatal(err)
		}
		counts, err := st.StatusCounts(ctx, actor)
		if err != nil {
			t.Fatal(err)
		}
		var sum int64
		for _, n := range counts {
			sum += n
		}
		want, wantOpen := before[name].total, before[name].counts[store.CaseOpen]
		listed := slices.ContainsFunc(items, func(it store.CaseSummary) bool { return it.ID == d.ID })
		_, getErr := st.GetCase(ctx, actor, d.ID)
		if name == "helper1" {
			want, wantOpen = want+1, wantOpen+1
			if !listed || getErr != nil {
				t.Errorf("the author: listed %v, read %v", listed, getErr)
			}
		} else if listed || !errors.Is(getErr, store.ErrNotFound) {
			t.Errorf("%s: listed %v, read %v", name, listed, getErr)
		}
		if total != want || sum != want || counts[store.CaseOpen] != wantOpen {
			t.Errorf("%s: total %d, counts %v (sum %d), want %d (%d open)", name, total, counts, sum, want, wantOpen)
		}
	}
	// The inspector's ranges against the predicate.
	ins := actors["inspector1"]
	filters := []store.CaseFilter{{}, {Status: store.CaseOpen}, {Status: store.CaseClosed}, {Unit: d.UnitID}, {Category: category},
		{Unit: d.UnitID, Category: category, Status: store.CaseOpen}, {Unit: "no-such-unit"}}
	for _, f := range filters {
		for _, p := range []store.Page{{Page: 1, PerPage: 50}, {Page: 2, PerPage: 7}, {Page: 1000, PerPage: 50}} {
			got, gotTotal, err := st.ListCases(ctx, ins, f, p)
			if err != nil {
				t.Fatal(err)
			}
			want, wantTotal, err := st.ListByPredicate(ctx, ins, f, p, st.Now())
			if err != nil {
				t.Fatal(err)
			}
			if gotTotal != wantTotal || fmt.Sprint(ids(got)) != fmt.Sprint(ids(want)) {
				t.Errorf("inspector %+v page %d: %d %v, the predicate gives %d %v", f, p.Page, gotTotal, ids(got), wantTotal, ids(want))
			}
		}
	}
	if _, total, _ := st.ListCases(ctx, ins, store.CaseFilter{}, page); total == 0 {
		t.Fatal("the inspector sees nothing: the comparison proves nothing")
	}
}

func ids(items []store.CaseSummary) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.ID
	}
	return out
}
