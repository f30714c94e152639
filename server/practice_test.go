package server

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"testing"

	"cloison/store"
)

// practice is the inspection network (sante open in A1 to its inspector)
// with two helpers on an open case file of A1, the first of whom wrote a
// practice case file there.
type practice struct {
	*inspection
	caseID string
	// before holds each caller's list total, search total and home count
	// before the practice file existed.
	before map[string][3]int64
}

// practiceCallers are the callers of the practice matrix.
var practiceCallers = []string{"helper", "otherHelper", "editorA1", "unitAdminA1", "orgAdminA", "unitAdminA2", "admin",
	"superadmin", "inspector", "reader", "secretariat"}

func newPractice(t *testing.T) *practice {
	ins := newInspection(t)
	ins.setOpen(t, true)
	ctx := context.Background()
	pr := &practice{inspection: ins, before: map[string][3]int64{}}
	editor := ins.e.actorOf(ins.tokens["editorA1"])
	for _, name := range []string{"helper", "otherHelper"} {
		ins.accounts[name], ins.tokens[name] = ins.account(store.RoleReader, name+"@example.org")
		if _, err := ins.e.store.InviteCollaborator(ctx, editor, ins.open.id, store.NewCollaboration{Email: name + "@example.org", Kind: store.GrantSupport}); err != nil {
			t.Fatal(err)
		}
	}
	for _, caller := range practiceCallers {
		pr.before[caller] = pr.counts(t, caller)
	}
	status, body := ins.call("helper", "POST", "/api/cases", map[string]any{"title": "Refus de péridurale (exercice)",
		"category_id": "sante", "summary": "Un cas inventé pour s’exercer.", "practice": true})
	d := decode[store.CaseDetail](t, body)
	if status != 201 || !d.Practice || d.Unit.ID != ins.unitA1 || !store.IsPracticeReference(d.Reference) || d.Permissions.Relation != "practice" ||
		!d.Permissions.Edit || d.Permissions.Invite || d.Permissions.Assign || d.Permissions.Transfer || !d.Permissions.Delete {
		t.Fatalf("create: %d %s", status, body)
	}
	pr.caseID = d.ID
	return pr
}

// counts are a caller's list total, search total ("peridurale") and home
// count of open and draft case files.
func (pr *practice) counts(t *testing.T, caller string) [3]int64 {
	t.Helper()
	_, list := pr.call(caller, "GET", "/api/cases", nil)
	_, found := pr.call(caller, "GET", "/api/cases?q=peridurale", nil)
	_, home := pr.call(caller, "GET", "/api/me/overview", nil)
	ov := decode[store.Overview](t, home)
	return [3]int64{decode[listResp[store.CaseSummary]](t, list).Total, decode[listResp[store.CaseSummary]](t, found).Total,
		ov.Counts[store.CaseDraft] + ov.Counts[store.CaseOpen]}
}

// TestPracticeCaseFileIsItsAuthorsAlone: the practice matrix. Its author
// reads and works on it; everyone else, admins and the inspector of its
// open category included, gets the 404 of a case file that does not exist
// on every endpoint, and finds it in no list, total, search or home count;
// entrusting, sharing and transferring it are refused to its author too.
func TestPracticeCaseFileIsItsAuthorsAlone(t *testing.T) {
	pr := newPractice(t)
	const missingID = "00000000-0000-4000-8000-000000000000"
	endpoints := []struct {
		method, sub string
		body        any
		author      int
	}{
		{"GET", "", nil, 200},
		{"GET", "/notes", nil, 200},
		{"GET", "/deadlines", nil, 200},
		{"GET", "/history", nil, 200},
		{"GET", "/attachments", nil, 200},
		{"GET", "/collaborators", nil, 200},
		{"GET", "/report.pdf", nil, 200},
		{"POST", "/notes", map[string]any{"body": "Une note d’exercice"}, 201},
		{"POST", "/access", map[string]any{"reason": "Vérification demandée par le bureau"}, 403},
		{"POST", "/transfers", transferBody("U-B1"), 409},
		{"POST", "/collaborators", map[string]any{"email": "someone@example.org", "kind": "support"}, 409},
		{"PUT", "/assignees", map[string]any{"user_ids": []string{pr.accounts["editorA1"].ID}, "reason": "Confié par le bureau"}, 403},
	}
	for _, caller := range practiceCallers {
		for _, ep := range endpoints {
			status, body := pr.call(caller, ep.method, "/api/cases/"+pr.caseID+ep.sub, ep.body)
			_, missing := pr.call(caller, ep.method, "/api/cases/"+missingID+ep.sub, ep.body)
			switch {
			case caller == "helper":
				if status != ep.author {
					t.Errorf("author: %s %s: %d %s, want %d", ep.method, ep.sub, status, body, ep.author)
				}
				if ep.author == 409 && decode[errResp](t, body).Error.Code != "practice" {
					t.Errorf("author: %s %s: %s, want the code practice", ep.method, ep.sub, body)
				}
			case status != 404 && !bytes.Equal(body, missing):
				// A route guard may refuse a kind of caller first, alike for
				// every case file (403 for the assignees of a helper).
				t.Errorf("%s: %s %s: %d %s, want what a missing case file answers (%s)", caller, ep.method, ep.sub, status, body, missing)
			case !bytes.Equal(body, missing):
				t.Errorf("%s: %s %s: %s, want %s", caller, ep.method, ep.sub, body, missing)
			}
		}
		// Lists, totals, searches and home counts: only the author's change.
		want := pr.before[caller]
		if caller == "helper" {
			want = [3]int64{want[0] + 1, want[1] + 1, want[2] + 1}
		}
		if got := pr.counts(t, caller); got != want {
			t.Errorf("%s: list, search and home totals %v, want %v", caller, got, want)
		}
		for _, q := range []string{"", "?practice=true", "?status=draft", "?unit=" + pr.unitA1, "?category=sante", "?q=" + "exercice", "?sort=title"} {
			_, body := pr.call(caller, "GET", "/api/cases"+q, nil)
			items := decode[listResp[store.CaseSummary]](t, body).Items
			has := slices.ContainsFunc(items, func(it store.CaseSummary) bool { return it.ID == pr.caseID })
			if has != (caller == "helper") {
				t.Errorf("%s: GET /api/cases%s lists it: %v", caller, q, has)
			}
		}
	}
	// The unit's and organisation's admins find no trace of it in their audit log.
	for _, caller := range []string{"unitAdminA1", "orgAdminA"} {
		if status, body := pr.call(caller, "GET", "/api/audit?per_page=200", nil); status != 200 || bytes.Contains(body, []byte(pr.caseID)) {
			t.Errorf("%s's audit log: %d, mentions it: %v", caller, status, bytes.Contains(body, []byte(pr.caseID)))
		}
	}
	// The author's filter, and the mark on each line.
	_, body := pr.call("helper", "GET", "/api/cases?practice=true", nil)
	if l := decode[listResp[store.CaseSummary]](t, body); l.Total != 1 || !l.Items[0].Practice {
		t.Errorf("practice=true: %s", body)
	}
	_, body = pr.call("helper", "GET", "/api/cases?practice=false", nil)
	if l := decode[listResp[store.CaseSummary]](t, body); l.Total != 1 || l.Items[0].Practice || l.Items[0].ID != pr.open.id {
		t.Errorf("practice=false: %s", body)
	}
	if status, body := pr.call("helper", "GET", "/api/cases?practice=maybe", nil); status != 422 || !bytes.Contains(body, []byte(`"practice"`)) {
		t.Errorf("practice=maybe: %d %s", status, body)
	}
	// Its home shows it among the author's, marked.
	_, body = pr.call("helper", "GET", "/api/me/overview", nil)
	ov := decode[store.Overview](t, body)
	if !slices.ContainsFunc(ov.Helping, func(h store.HelpedCase) bool { return h.ID == pr.caseID && h.Practice && h.Kind == "practice" }) {
		t.Errorf("home: %s", body)
	}
	// The author manages it: through its lifecycle to closed, still theirs.
	_, body = pr.call("helper", "GET", "/api/cases/"+pr.caseID, nil)
	v := decode[store.CaseDetail](t, body).Version
	for _, tr := range []map[string]any{{"to": "open"}, {"to": "closed", "outcome": "obtained"}} {
		status, body := pr.e.do("POST", "/api/cases/"+pr.caseID+"/transition", tr, append(auth(pr.tokens["helper"]), "If-Match", fmt.Sprintf(`"%d"`, v))...)
		if status.StatusCode != 200 {
			t.Fatalf("transition %v: %d %s", tr, status.StatusCode, body)
		}
		v = decode[store.CaseDetail](t, body).Version
	}
	if status, _ := pr.call("helper", "GET", "/api/cases/"+pr.caseID, nil); status != 200 {
		t.Errorf("closed practice file: %d", status)
	}
}

// TestWhoMayPractise: helpers and editors who administer nothing create
// practice files, in a unit they help or edit in; readers, admins and the
// secretariat may not.
func TestWhoMayPractise(t *testing.T) {
	pr := newPractice(t)
	body := func(unit string) map[string]any {
		b := map[string]any{"title": "Exercice", "category_id": "sante", "summary": "Pour s’exercer.", "practice": true}
		if unit != "" {
			b["unit_id"] = unit
		}
		return b
	}
	for caller, want := range map[string]int{"otherHelper": 201, "editorA1": 201, "reader": 403, "inspector": 403, "unitAdminA1": 403,
		"orgAdminA": 403, "admin": 403, "superadmin": 403, "secretariat": 403, "none": 401} {
		if status, b := pr.call(caller, "POST", "/api/cases", body("")); status != want {
			t.Errorf("%s creates a practice file: %d %s, want %d", caller, status, b, want)
		}
		_, me := pr.call(caller, "GET", "/api/me", nil)
		may := bytes.Contains(me, []byte(`"may_practise":true`))
		if caller != "none" && may != (want == 201) {
			t.Errorf("%s: may_practise %v: %s", caller, may, me)
		}
	}
	// A unit they neither help nor edit in is refused by name.
	if status, b := pr.call("otherHelper", "POST", "/api/cases", body(pr.unitB1)); status != 422 || !bytes.Contains(b, []byte(`"unit_id"`)) {
		t.Errorf("practice in another unit: %d %s", status, b)
	}
	if status, b := pr.call("otherHelper", "POST", "/api/cases", body(pr.unitA1)); status != 201 {
		t.Errorf("practice in their unit: %d %s", status, b)
	}
}

// TestAdminDeletesAPracticeFile: an admin of its unit, who cannot read it,
// deletes it with a reason; an instance admin finds it on its author's
// account; the admin of another unit gets the 404 of a missing case file.
func TestAdminDeletesAPracticeFile(t *testing.T) {
	pr := newPractice(t)
	_, body := pr.call("admin", "GET", "/api/users/"+pr.accounts["helper"].ID, nil)
	if !bytes.Contains(body, []byte(pr.caseID)) {
		t.Errorf("the author's account lists no practice file: %s", body)
	}
	_, body = pr.call("admin", "GET", "/api/users/"+pr.accounts["otherHelper"].ID, nil)
	if !bytes.Contains(body, []byte(`"practice_cases":[]`)) {
		t.Errorf("another account: %s", body)
	}
	const missingID = "00000000-0000-4000-8000-000000000000"
	reason := map[string]any{"reason": "Contenu inapproprié signalé"}
	for _, caller := range []string{"unitAdminA2", "otherHelper", "inspector", "editorA1"} {
		status, body := pr.call(caller, "DELETE", "/api/cases/"+pr.caseID, reason)
		_, missing := pr.call(caller, "DELETE", "/api/cases/"+missingID, reason)
		if !bytes.Equal(body, missing) {
			t.Errorf("%s deletes: %d %s, want %s", caller, status, body, missing)
		}
	}
	if status, body := pr.call("unitAdminA1", "DELETE", "/api/cases/"+pr.caseID, map[string]any{}); status != 422 {
		t.Errorf("without a reason: %d %s", status, body)
	}
	if status, body := pr.call("unitAdminA1", "DELETE", "/api/cases/"+pr.caseID, reason); status != 204 {
		t.Fatalf("the unit's admin deletes: %d %s", status, body)
	}
	if status, _ := pr.call("helper", "GET", "/api/cases/"+pr.caseID, nil); status != 404 {
		t.Errorf("after deletion the author gets %d", status)
	}
	// The author deletes their own at any time, without a reason.
	_, body = pr.call("helper", "POST", "/api/cases", map[string]any{"title": "Exercice", "category_id": "sante", "summary": "x", "practice": true})
	id := decode[store.CaseDetail](t, body).ID
	if status, body := pr.call("helper", "DELETE", "/api/cases/"+id, map[string]any{}); status != 204 {
		t.Errorf("the author deletes: %d %s", status, body)
	}
}
