package server

import (
	"context"
	"strings"
	"testing"

	"cloison/store"
)

func TestChangeRequests(t *testing.T) {
	nw := newNetwork(t)
	e := nw.e
	// Organisation C is centrally managed: its admin cannot change it, and asks.
	memberC := nw.give("memberC@example.org", store.ScopeTypeOrg, nw.orgC, store.MemberMember, nil)
	rename := map[string]any{"kind": "update_record", "details": map[string]any{"record": map[string]any{"name": "Réseau C renommé"}},
		"message": "Voté en assemblée."}
	path := "/api/orgs/" + nw.orgC + "/change-requests"
	// The secretariat knows of it without belonging to it; others may not know of it.
	for caller, want := range map[string]int{"orgAdminC": 201, "secretariat": 403, "orgAdminA": 404, "editorA1": 404, "reader": 404} {
		if status, body := nw.call(caller, "POST", path, rename); status != want {
			t.Errorf("%s files: %d %s, want %d", caller, status, body, want)
		}
	}
	if status, body := nw.call("orgAdminA", "POST", "/api/orgs/"+nw.orgA+"/change-requests", rename); status != 409 ||
		decode[errResp](t, body).Error.Code != "not_centrally_managed" {
		t.Errorf("not centrally managed: %d %s", status, body)
	}
	// Details are checked as the change would be.
	for _, tc := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"kind": "add_member", "details": map[string]any{"email": "pas une adresse", "role": "member"}}, "details.email"},
		{map[string]any{"kind": "add_member", "details": map[string]any{"email": "a@example.org", "role": "member", "functions": []string{"nope"}}}, "details.functions"},
		{map[string]any{"kind": "add_member", "details": map[string]any{"email": "a@example.org", "role": "member", "unit_id": nw.unitA1}}, "details.unit_id"},
		{map[string]any{"kind": "end_member", "details": map[string]any{"membership_id": nw.membershipOf("memberA", nw.orgA)}}, "details.membership_id"},
		{map[string]any{"kind": "update_record", "details": map[string]any{}}, "details.record"},
	} {
		status, body := nw.call("orgAdminC", "POST", path, tc.body)
		if status != 422 || decode[errResp](t, body).Error.Fields[tc.field] == "" {
			t.Errorf("%v: %d %s, want 422 naming %s", tc.body, status, body, tc.field)
		}
	}
	// The queue is the secretariat's; the requester sees their own.
	status, body := nw.call("secretariat", "GET", "/api/change-requests?status=pending", nil)
	queue := decode[listResp[store.ChangeRequest]](t, body)
	if status != 200 || queue.Total != 1 || queue.Items[0].Kind != "update_record" {
		t.Fatalf("queue: %d %s", status, body)
	}
	rq := queue.Items[0]
	if _, body := nw.call("orgAdminA", "GET", "/api/change-requests", nil); decode[listResp[store.ChangeRequest]](t, body).Total != 0 {
		t.Errorf("someone else's: %s", body)
	}
	for caller, want := range map[string]int{"orgAdminC": 403, "admin": 403} {
		if status, _ := nw.call(caller, "POST", "/api/change-requests/"+rq.ID+"/apply", map[string]any{"reason": "Vu en bureau du 3 mars"}); status != want {
			t.Errorf("%s applies: %d, want %d", caller, status, want)
		}
	}
	// Applied: the record changed in the same transaction, the requester told.
	if status, body := nw.call("secretariat", "POST", "/api/change-requests/"+rq.ID+"/apply", map[string]any{"reason": "Vu en bureau du 3 mars"}); status != 200 ||
		decode[store.ChangeRequest](t, body).Status != "applied" {
		t.Fatalf("apply: %d %s", status, body)
	}
	if _, body := nw.call("secretariat", "GET", "/api/orgs/"+nw.orgC, nil); !strings.Contains(string(body), "Réseau C renommé") {
		t.Errorf("the record: %s", body)
	}
	mailAbout(t, e, "orgAdminC@example.org", "Demande appliquée")
	if status, _ := nw.call("secretariat", "POST", "/api/change-requests/"+rq.ID+"/reject", map[string]any{"reason": "Vu en bureau du 3 mars"}); status != 409 {
		t.Errorf("deciding twice: %d", status)
	}
	// A request that no longer applies changes nothing.
	end := map[string]any{"kind": "end_member", "details": map[string]any{"membership_id": memberC.ID}}
	status, body = nw.call("orgAdminC", "POST", path, end)
	if status != 201 {
		t.Fatalf("end_member: %d %s", status, body)
	}
	stale := decode[store.ChangeRequest](t, body)
	if err := e.store.EndMembership(context.Background(), nw.sec, memberC.ID, "Démission reçue par courrier"); err != nil {
		t.Fatal(err)
	}
	if status, body := nw.call("secretariat", "POST", "/api/change-requests/"+stale.ID+"/apply", map[string]any{"reason": "Vu en bureau du 3 mars"}); status != 409 ||
		decode[errResp](t, body).Error.Code != "request_stale" {
		t.Errorf("stale: %d %s", status, body)
	}
	if _, body := nw.call("secretariat", "GET", "/api/change-requests?status=pending", nil); decode[listResp[store.ChangeRequest]](t, body).Total != 1 {
		t.Errorf("the stale request stays pending: %s", body)
	}
	// Rejected with a reason the requester reads; adding a member, applied, sends the invitation.
	if status, _ := nw.call("secretariat", "POST", "/api/change-requests/"+stale.ID+"/reject", map[string]any{"reason": "La personne est déjà partie."}); status != 200 {
		t.Errorf("reject: %d", status)
	}
	if m := mailAbout(t, e, "orgAdminC@example.org", "Demande refusée"); !strings.Contains(m.Text, "La personne est déjà partie.") {
		t.Errorf("refusal: %s", m.Text)
	}
	add := map[string]any{"kind": "add_member", "details": map[string]any{"unit_id": nw.unitC1, "email": "nouvelle@example.net", "name": "Nouvelle",
		"role": "member", "functions": []string{"tresorier"}}}
	status, body = nw.call("orgAdminC", "POST", path, add)
	if status != 201 {
		t.Fatalf("add_member: %d %s", status, body)
	}
	if status, body := nw.call("secretariat", "POST", "/api/change-requests/"+decode[store.ChangeRequest](t, body).ID+"/apply",
		map[string]any{"reason": "Élue en assemblée"}); status != 200 {
		t.Fatalf("apply add_member: %d %s", status, body)
	}
	mailAbout(t, e, "nouvelle@example.net", "Unité C1")
}
