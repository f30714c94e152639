package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"cloison/store"
	"cloison/store/passwords"
	"cloison/store/seed"
)

// inspectorRowsDiffer counts the rows of inspector_cases that the rule does
// not give, with the case file's columns as they are, and the rows the rule
// gives that the table lacks; then the counters that disagree with the rows.
// The rule is written here from sqlScope and inspectCond, not from the
// migration's view.
const inspectorRowsDiffer = `WITH ruled AS (
	SELECT ci.account_id, c.updated_at, c.id AS case_id, c.status, c.unit_id, c.category_id,
		c.reference, c.title, c.outcome, c.version, c.created_at
	FROM category_inspectors AS ci
	JOIN unit_inspection AS ui ON ui.category_id = ci.category_id
	JOIN units AS u ON u.id = ui.unit_id AND u.module_inspectors AND u.status = 'active'
	JOIN cases AS c ON c.unit_id = ui.unit_id AND c.category_id = ui.category_id AND c.status <> 'draft' AND NOT c.practice),
kept AS (SELECT account_id, updated_at, case_id, status, unit_id, category_id, reference, title, outcome, version, created_at
	FROM inspector_cases)
SELECT (SELECT count(*) FROM (SELECT * FROM kept EXCEPT SELECT * FROM ruled)),
	(SELECT count(*) FROM (SELECT * FROM ruled EXCEPT SELECT * FROM kept)),
	(SELECT count(*) FROM (SELECT account_id, status, count(*) AS n FROM inspector_cases GROUP BY account_id, status) AS r
		FULL JOIN (SELECT * FROM inspector_counts WHERE n <> 0) AS k USING (account_id, status) WHERE k.n IS NOT r.n)`

// After every kind of change that opens or closes a case file to an
// inspector (a pair opened or closed, a referent named or removed, the
// module off and on, the unit closed, a case file created, out of draft,
// moved to another category or unit, a practice file, a deletion), the rows
// kept for inspectors are exactly the rule's with their case files'
// columns, and each inspector's list and total, served from them, agree
// row for row with the visibility predicate.
func TestInspectorRowsFollowEveryChange(t *testing.T) {
	st := seeded(t, seed.Options{Cases: 300, Editors: 8, Admins: 1, Helpers: 3, Orgs: 2, Units: 4, BatchSize: 100, Random: 5})
	ctx := context.Background()
	st.SetComposer(store.TestComposer) // opening a pair tells its referents
	op := store.Actor{ClientIP: "test"}
	hasher := passwords.NewHasher(passwords.DefaultParams, 0)
	var made []*store.Account
	for _, n := range []store.NewAccount{
		{Email: "super@" + seed.Domain, Name: "Super", Role: store.RoleSuperadmin},
		{Email: "inspector2@" + seed.Domain, Name: "Deux", Role: store.RoleReader},
		{Email: "inspector3@" + seed.Domain, Name: "Trois", Role: store.RoleReader},
	} {
		n.Password = "a long enough passphrase"
		acc, err := st.CreateAccount(ctx, hasher, op, n)
		if err != nil {
			t.Fatal(err)
		}
		made = append(made, acc)
	}
	super := store.Actor{Account: made[0]}
	account := func(name string) *store.Account { return seededAccount(t, st, name+"@"+seed.Domain) }
	ins1, ins2, ins3 := account("inspector1"), made[1], made[2]
	sc, err := st.ScopeOf(ctx, store.Actor{Account: account("inspector1")})
	if err != nil {
		t.Fatal(err)
	}
	units, err := st.AllUnits(ctx)
	if err != nil {
		t.Fatal(err)
	}
	unitIndex := func(id string) int {
		return slices.IndexFunc(units, func(u store.Unit) bool { return u.ID == id })
	}
	pair := sc.Inspect[0]
	unit := units[unitIndex(pair.Unit)]
	// The unit's admin and an editor of it (seeded editor i edits for unit
	// (i-1) mod 4 + 1, the units in their seeded order after the first).
	var unitAdmin, editor store.Actor
	for i := 1; i <= 4; i++ {
		a := store.Actor{Account: account(fmt.Sprintf("unitadmin%d", i))}
		if s, _ := st.ScopeOf(ctx, a); slices.Contains(s.AdminUnits, unit.ID) {
			unitAdmin = a
		}
	}
	for i := 1; i <= 8; i++ {
		a := store.Actor{Account: account(fmt.Sprintf("editor%d", i))}
		if s, _ := st.ScopeOf(ctx, a); slices.Contains(s.EditorUnits, unit.ID) {
			editor = a
		}
	}
	if unitAdmin.Account == nil || editor.Account == nil {
		t.Fatalf("no admin or editor of unit %s", unit.ID)
	}
	// A category of the unit not open yet, and another open one.
	var closedCat, otherCat string
	for _, c := range []string{"sante", "social", "administration", "logement", "travail", "education", "consommation", "discrimination", "justice", "autre"} {
		if !slices.Contains(sc.Inspect, store.InspectPair{Unit: unit.ID, Category: c}) && closedCat == "" {
			closedCat = c
		}
	}
	for _, p := range sc.Inspect {
		if p.Unit == unit.ID && p.Category != pair.Category {
			otherCat = p.Category
		}
	}
	if closedCat == "" || otherCat == "" {
		t.Fatalf("unit %s: no closed category or no second open one (%v)", unit.ID, sc.Inspect)
	}

	check := func(step string) {
		t.Helper()
		var extra, missing, counts int
		if err := st.Engine().Reader().QueryRowContext(ctx, inspectorRowsDiffer).Scan(&extra, &missing, &counts); err != nil {
			t.Fatal(err)
		}
		if extra != 0 || missing != 0 || counts != 0 {
			t.Errorf("%s: %d rows the rule does not give, %d missing, %d counters wrong", step, extra, missing, counts)
		}
		for _, acc := range []*store.Account{ins1, ins2, ins3} {
			// A fresh account each time: its scope is expanded anew.
			actor := store.Actor{Account: seededAccount(t, st, acc.Email)}
			for _, f := range []store.CaseFilter{{}, {Status: store.CaseOpen}, {Unit: unit.ID}, {Category: pair.Category},
				{Unit: unit.ID, Category: otherCat, Status: store.CaseClosed}} {
				for _, p := range []store.Page{{Page: 1, PerPage: 50}, {Page: 2, PerPage: 7}} {
					got, gotTotal, err := st.ListCases(ctx, actor, f, p)
					if err != nil {
						t.Fatal(err)
					}
					want, wantTotal, err := st.ListByPredicate(ctx, actor, f, p, st.Now())
					if err != nil {
						t.Fatal(err)
					}
					if gotTotal != wantTotal || fmt.Sprint(ids(got)) != fmt.Sprint(ids(want)) {
						t.Errorf("%s: %s %+v page %d: %d %v, the predicate gives %d %v", step, acc.Email, f, p.Page,
							gotTotal, ids(got), wantTotal, ids(want))
					}
				}
			}
		}
	}
	inspectorTotal := func(acc *store.Account) int64 {
		t.Helper()
		_, n, err := st.ListCases(ctx, store.Actor{Account: seededAccount(t, st, acc.Email)}, store.CaseFilter{}, store.Page{Page: 1, PerPage: 1})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	unitRows := func() (n int) {
		t.Helper()
		if err := st.Engine().Reader().QueryRowContext(ctx, `SELECT count(*) FROM inspector_cases WHERE unit_id = ?`, unit.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	check("seeded")
	if inspectorTotal(ins1) == 0 {
		t.Fatal("the inspector sees nothing: the comparison proves nothing")
	}

	must(st.SetCategoryInspectors(ctx, super, pair.Category, []string{ins1.ID, ins2.ID}, "Nommer, pour le test."))
	must(st.SetCategoryInspectors(ctx, super, closedCat, []string{ins1.ID, ins3.ID}, "Nommer, pour le test."))
	check("referents named")
	if inspectorTotal(ins2) == 0 {
		t.Fatal("the second inspector sees nothing")
	}
	must(st.SetUnitInspection(ctx, unitAdmin, unit.ID, closedCat, true, "Ouvrir, pour le test."))
	check("pair opened")
	must(st.SetCategoryInspectors(ctx, super, pair.Category, []string{ins2.ID}, "Retirer, pour le test."))
	check("referent removed")
	must(st.SetUnitInspection(ctx, unitAdmin, unit.ID, closedCat, false, "Fermer, pour le test."))
	check("pair closed")
	off, on := false, true
	must(st.UpdateUnit(ctx, unitAdmin, unit.ID, store.UnitChange{Modules: &store.ModulesChange{Inspectors: &off}, Reason: "Pause, pour le test."}))
	check("module off")
	if n := unitRows(); n != 0 {
		t.Errorf("the module off leaves %d rows", n)
	}
	must(st.UpdateUnit(ctx, unitAdmin, unit.ID, store.UnitChange{Modules: &store.ModulesChange{Inspectors: &on}, Reason: "Reprise, pour le test."}))
	check("module on")
	if unitRows() == 0 {
		t.Fatal("the unit's pairs show nothing: the comparison proves nothing")
	}

	// A case file created (a draft), then opened, moved to another
	// category, transitioned, moved to another unit, deleted.
	d, err := st.CreateCase(ctx, editor, store.NewCase{Title: "Nouveau", CategoryID: pair.Category, Summary: "Résumé."})
	if err != nil {
		t.Fatal(err)
	}
	check("draft created")
	v := d.Version
	must(st.TransitionCase(ctx, editor, d.ID, &v, store.Transition{To: store.CaseOpen}))
	v++
	check("out of draft")
	must(st.UpdateCase(ctx, editor, d.ID, &v, store.CaseChange{Title: ptr("Nouveau titre")}))
	v++
	check("edited")
	must(st.UpdateCase(ctx, editor, d.ID, &v, store.CaseChange{CategoryID: &otherCat}))
	v++
	check("category changed")
	must(st.TransitionCase(ctx, editor, d.ID, &v, store.Transition{To: store.CaseClosed, Outcome: ptr("obtained")}))
	v++
	check("closed")
	// A transfer moves the case file as AcceptTransfer does.
	to := units[(unitIndex(unit.ID)+1)%len(units)]
	if _, err := st.Engine().Writer().ExecContext(ctx, `UPDATE cases SET unit_id = ?, org_id = ?, version = version + 1, updated_at = ? WHERE id = ?`,
		to.ID, to.OrgID, st.Now().UTC().Format("2006-01-02 15:04:05.999999999-07:00"), d.ID); err != nil {
		t.Fatal(err)
	}
	check("transferred")
	if err := st.DeleteCase(ctx, store.Actor{Account: account("admin1")}, d.ID, "Doublon, pour le test."); err != nil {
		t.Fatal(err)
	}
	check("deleted")

	// A practice file in an open pair, opened: never an inspector's.
	p, err := st.CreateCase(ctx, editor, store.NewCase{Title: "Exercice", CategoryID: pair.Category, Summary: "Pour s’exercer.", Practice: true, UnitID: unit.ID})
	if err != nil {
		t.Fatal(err)
	}
	pv := p.Version
	must(st.TransitionCase(ctx, editor, p.ID, &pv, store.Transition{To: store.CaseOpen}))
	check("practice file")

	// The unit closed, then active again.
	closed, active := "closed", "active"
	must(st.UpdateUnit(ctx, super, unit.ID, store.UnitChange{Status: &closed, Reason: "Fermeture, pour le test."}))
	check("unit closed")
	if n := unitRows(); n != 0 {
		t.Errorf("a closed unit leaves %d rows", n)
	}
	must(st.UpdateUnit(ctx, super, unit.ID, store.UnitChange{Status: &active, Reason: "Réouverture, pour le test."}))
	check("unit active again")

	// The secretariat and a blocked account see nothing, even named
	// referents whose rows are kept: the scope gates them.
	sec, err := st.CreateAccount(ctx, hasher, op, store.NewAccount{Email: "sec@" + seed.Domain, Name: "Sec",
		Password: "a long enough passphrase", Role: store.RoleSecretariat})
	if err != nil {
		t.Fatal(err)
	}
	must(st.SetCategoryInspectors(ctx, super, pair.Category, []string{ins2.ID, ins3.ID, sec.ID}, "Nommer, pour le test."))
	must(st.SetAccountStatus(ctx, super, ins3.ID, "block", "Bloquer, pour le test."))
	check("secretariat named, inspector blocked")
	for _, acc := range []*store.Account{sec, ins3} {
		var rows int
		if err := st.Engine().Reader().QueryRowContext(ctx, `SELECT count(*) FROM inspector_cases WHERE account_id = ?`, acc.ID).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		items, total, err := st.ListCases(ctx, store.Actor{Account: seededAccount(t, st, acc.Email)}, store.CaseFilter{}, store.Page{Page: 1, PerPage: 50})
		if rows == 0 || err != nil || total != 0 || len(items) != 0 {
			t.Errorf("%s: %d rows kept; lists %d of %d (%v), want nothing", acc.Email, rows, len(items), total, err)
		}
	}
}

func ptr[T any](v T) *T { return &v }
