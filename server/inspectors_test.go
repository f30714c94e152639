package server

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"cloison/store"
)

// inspection is the network with a referent inspector of the category
// "sante", which unit A1 opens to them, and one case file for each
// relation an inspector may have to it.
type inspection struct {
	*network
	inspectorTok string
	// open: A1, sante, open; closedCat: A1, another category;
	// otherUnit: A2, sante; draft: A1, sante, a draft.
	open, closedCat, otherUnit, draft fixtureCase
}

func newInspection(t *testing.T) *inspection {
	nw := newNetwork(t)
	ctx := context.Background()
	e := nw.e
	ins := &inspection{network: nw}
	var inspector *store.Account
	inspector, ins.inspectorTok = nw.account(store.RoleReader, "inspector@example.org")
	nw.tokens["inspector"] = ins.inspectorTok
	label := "Autre catégorie"
	if _, err := e.store.SaveCategory(ctx, nw.sa, store.CategoryInput{ID: "hors-inspection", Labels: map[string]string{"fr": label, "en": label}}, true); err != nil {
		t.Fatal(err)
	}
	// Named by the secretariat through the API; refused to a unit's admin.
	names := map[string]any{"account_ids": []string{inspector.ID}, "reason": "Référent·e désigné·e par le canton"}
	if status, body := nw.call("unitAdminA1", "PUT", "/api/categories/sante/inspectors", names); status != 403 {
		t.Errorf("a unit's admin names inspectors: %d %s", status, body)
	}
	if status, body := nw.call("secretariat", "PUT", "/api/categories/sante/inspectors", names); status != 200 ||
		!strings.Contains(string(body), inspector.ID) {
		t.Fatalf("naming: %d %s", status, body)
	}
	editor := e.actorOf(nw.tokens["editorA1"])
	ins.open = e.newCase(editor, store.CaseOpen)
	ins.draft = e.newCase(editor, store.CaseDraft)
	other, err := e.store.CreateCase(ctx, editor, store.NewCase{Title: "Refus de péridurale", CategoryID: "hors-inspection", Summary: "Autre"})
	if err != nil {
		t.Fatal(err)
	}
	v := other.Version
	if _, err := e.store.TransitionCase(ctx, editor, other.ID, &v, store.Transition{To: store.CaseOpen}); err != nil {
		t.Fatal(err)
	}
	ins.closedCat = fixtureCase{id: other.ID}
	inA2, err := e.store.CreateCase(ctx, e.actorOf(nw.tokens["admin"]), store.NewCase{Title: "Refus de péridurale", CategoryID: "sante",
		Summary: "Ailleurs", UnitID: nw.unitA2})
	if err != nil {
		t.Fatal(err)
	}
	ins.otherUnit = fixtureCase{id: inA2.ID}
	return ins
}

// setOpen opens or closes sante in A1 as unitAdminA1.
func (ins *inspection) setOpen(t *testing.T, open bool) {
	t.Helper()
	status, body := ins.call("unitAdminA1", "PUT", "/api/units/"+ins.unitA1+"/inspection/sante",
		map[string]any{"open": open, "reason": "Décision du conseil d’établissement"})
	if status != 200 || decode[store.CategoryInspection](t, body).Open != open {
		t.Fatalf("set open=%v: %d %s", open, status, body)
	}
}

func TestInspectorReadsWhatIsOpenAndNothingElse(t *testing.T) {
	ins := newInspection(t)
	e := ins.e
	// Before anything is open, the inspector sees nothing.
	if _, body := ins.call("inspector", "GET", "/api/cases", nil); decode[listResp[store.CaseSummary]](t, body).Total != 0 {
		t.Errorf("before opening: %s", body)
	}
	ins.setOpen(t, true)
	if m := mailAbout(t, e, "inspector@example.org", "Accès d’inspection ouvert"); !strings.Contains(m.Text, "Unité A1") {
		t.Errorf("opening e-mail: %s", m.Text)
	}
	const missingID = "00000000-0000-4000-8000-000000000000"
	for _, tc := range []struct {
		name string
		f    fixtureCase
		open bool
	}{{"open category", ins.open, true}, {"closed category", ins.closedCat, false}, {"other unit", ins.otherUnit, false}, {"draft", ins.draft, false}} {
		for _, ep := range []struct {
			method, sub string
			body        any
			openStatus  int
		}{
			{"GET", "", nil, 200},
			{"GET", "/notes", nil, 200},
			{"GET", "/deadlines", nil, 200},
			{"GET", "/history", nil, 200},
			{"GET", "/attachments", nil, 200},
			{"GET", "/report.pdf", nil, 403},
			{"POST", "/notes", map[string]any{"body": "Une note d’inspection"}, 403},
			{"POST", "/deadlines", map[string]any{"title": "Relance", "due_date": "2027-01-01"}, 403},
			{"POST", "/transition", map[string]any{"to": "closed", "outcome": "obtained"}, 0},
			{"DELETE", "", map[string]any{"reason": "Suppression par l’inspection"}, 403},
		} {
			status, body := ins.call("inspector", ep.method, "/api/cases/"+tc.f.id+ep.sub, ep.body)
			_, missing := ins.call("inspector", ep.method, "/api/cases/"+missingID+ep.sub, ep.body)
			switch {
			case !tc.open:
				if status != 404 || !bytes.Equal(body, missing) {
					t.Errorf("%s: %s %s: %d %s, want the 404 of a missing case file", tc.name, ep.method, ep.sub, status, body)
				}
			case ep.openStatus == 0: // a write that needs If-Match: refused either way
				if status < 400 || status == 404 {
					t.Errorf("%s: %s %s: %d %s", tc.name, ep.method, ep.sub, status, body)
				}
			case status != ep.openStatus:
				t.Errorf("%s: %s %s: %d %s, want %d", tc.name, ep.method, ep.sub, status, body, ep.openStatus)
			}
		}
	}
	// The case file reads as an inspector's.
	_, body := ins.call("inspector", "GET", "/api/cases/"+ins.open.id, nil)
	if d := decode[store.CaseDetail](t, body); d.Permissions.Relation != "inspector" || d.Permissions.Edit || d.Permissions.Report {
		t.Errorf("permissions: %+v", d.Permissions)
	}
	// Lists, totals and search count only what is open.
	if _, body := ins.call("inspector", "GET", "/api/cases", nil); decode[listResp[store.CaseSummary]](t, body).Total != 1 {
		t.Errorf("list: %s", body)
	}
	if _, body := ins.call("inspector", "GET", "/api/cases?q=peridurale", nil); decode[listResp[store.CaseSummary]](t, body).Total != 1 {
		t.Errorf("search: %s", body)
	}
	// The home groups what is open by unit and category.
	_, body = ins.call("inspector", "GET", "/api/me/overview", nil)
	ov := decode[store.Overview](t, body)
	if len(ov.Inspection) != 1 || ov.Inspection[0].Unit.Code != "U-A1" || ov.Inspection[0].Counts[store.CaseOpen] != 1 || ov.Inspection[0].Counts[store.CaseDraft] != 0 {
		t.Errorf("overview: %s", body)
	}
	// Every read is in the unit's read log, for its admins only (the unit
	// itself is in the directory: others are refused, not kept ignorant).
	for caller, want := range map[string]int{"unitAdminA1": 200, "orgAdminA": 200, "admin": 200, "unitAdminA2": 403, "editorA1": 403,
		"orgAdminB": 403, "inspector": 403, "reader": 403} {
		status, body := ins.call(caller, "GET", "/api/units/"+ins.unitA1+"/inspection/reads", nil)
		if status != want {
			t.Errorf("%s reads the log: %d %s, want %d", caller, status, body, want)
		}
		if status == 200 {
			l := decode[listResp[store.InspectionRead]](t, body)
			if l.Total != 1 || l.Items[0].InspectorID == "" || l.Items[0].Reference == "" {
				t.Errorf("read log (one line per case file and ten minutes): %s", body)
			}
		}
	}
	// Who may switch it: the unit's admins.
	for caller, want := range map[string]int{"editorA1": 403, "unitAdminA2": 403, "orgAdminB": 403, "secretariat": 403, "orgAdminA": 200} {
		status, body := ins.call(caller, "PUT", "/api/units/"+ins.unitA1+"/inspection/sante",
			map[string]any{"open": true, "reason": "Décision du conseil d’établissement"})
		if status != want {
			t.Errorf("%s switches: %d %s, want %d", caller, status, body, want)
		}
	}
	if status, body := ins.call("unitAdminA1", "GET", "/api/units/"+ins.unitA1+"/inspection", nil); status != 200 ||
		!strings.Contains(string(body), `"open":true`) || !strings.Contains(string(body), "inspector@example.org") {
		t.Errorf("unit inspection: %d %s", status, body)
	}
	// Closed: at the next request the case file is gone, and the inspector is told.
	ins.setOpen(t, false)
	_, missing := ins.call("inspector", "GET", "/api/cases/"+missingID, nil)
	if status, body := ins.call("inspector", "GET", "/api/cases/"+ins.open.id, nil); status != 404 || !bytes.Equal(body, missing) {
		t.Errorf("after closing: %d %s", status, body)
	}
	mailAbout(t, e, "inspector@example.org", "Accès d’inspection fermé")
	// The unit's module off closes everything at once too.
	ins.setOpen(t, true)
	off := false
	if _, err := e.store.UpdateUnit(context.Background(), ins.sec, ins.unitA1, store.UnitChange{Modules: &store.ModulesChange{Inspectors: &off},
		Reason: "Décision du conseil du 4 mars"}); err != nil {
		t.Fatal(err)
	}
	if status, _ := ins.call("inspector", "GET", "/api/cases/"+ins.open.id, nil); status != 404 {
		t.Errorf("module off: %d", status)
	}
}

// TestEveryInspectorReadIsRecorded: reads of a case file by an inspector,
// however many at once, are all answered and leave one line in the unit's
// read log per ten minutes; the next read after that leaves another.
func TestEveryInspectorReadIsRecorded(t *testing.T) {
	ins := newInspection(t)
	ins.setOpen(t, true)
	lines := func() int64 {
		t.Helper()
		_, body := ins.call("unitAdminA1", "GET", "/api/units/"+ins.unitA1+"/inspection/reads", nil)
		return decode[listResp[store.InspectionRead]](t, body).Total
	}
	var wg sync.WaitGroup
	statuses := make(chan int, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, _ := ins.call("inspector", "GET", "/api/cases/"+ins.open.id+"/notes", nil)
			statuses <- status
		}()
	}
	wg.Wait()
	close(statuses)
	for status := range statuses {
		if status != 200 {
			t.Errorf("a read at the same time: %d", status)
		}
	}
	if n := lines(); n != 1 {
		t.Fatalf("%d lines for reads within ten minutes, want 1", n)
	}
	ins.e.clock.advance(11 * time.Minute)
	if status, _ := ins.call("inspector", "GET", "/api/cases/"+ins.open.id, nil); status != 200 {
		t.Fatalf("read: %d", status)
	}
	if n := lines(); n != 2 {
		t.Errorf("%d lines after ten minutes, want 2", n)
	}
	// Lists are not reads of a case file; the unit's admins' reads are not an inspector's.
	ins.call("inspector", "GET", "/api/cases", nil)
	ins.call("unitAdminA1", "GET", "/api/cases/"+ins.open.id, nil)
	if n := lines(); n != 2 {
		t.Errorf("%d lines after a list and an admin's read, want 2", n)
	}
}
