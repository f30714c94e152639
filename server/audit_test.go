package server

import (
	"context"
	"testing"

	"cloison/store"
)

// The audit log names what it records: who acted, the case file by its
// reference (also the one a helper's access is on, also once deleted), the
// people a change names, so that it reads as sentences; filtering by a case
// file brings its helpers' entries too.
func TestAuditEntriesComeWithNames(t *testing.T) {
	e := newTestEnv(t)
	adminAcc, adminTok := e.account(store.RoleAdmin, "claire@example.org")
	owner, _ := e.account(store.RoleEditor, "paul@example.org")
	other, _ := e.account(store.RoleEditor, "lea@example.org")
	f := e.newCase(store.Actor{Account: owner}, store.CaseOpen)
	ctx := context.Background()
	d, err := e.store.GetCase(ctx, store.Actor{Account: owner}, f.id)
	if err != nil {
		t.Fatal(err)
	}
	admin := store.Actor{Account: adminAcc, SessionID: "s"}
	if _, err := e.store.SetAssignees(ctx, admin, f.id, &f.version, store.AssigneesChange{UserIDs: []string{owner.ID, other.ID},
		Reason: "Renfort pendant les congés"}); err != nil {
		t.Fatal(err)
	}

	type page struct {
		Items []store.AuditEntry `json:"items"`
		Total int                `json:"total"`
	}
	resp, body := e.do("GET", "/api/audit?object_type=case&object="+f.id, nil, auth(adminTok)...)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	got := decode[page](t, body)
	seen := map[string]store.AuditEntry{}
	for _, it := range got.Items {
		seen[it.Action] = it
	}
	for _, action := range []string{"case.created", "case.transition", "case.assignees", "collaboration.invited", "case.deadline_added"} {
		it, ok := seen[action]
		if !ok {
			t.Errorf("filtering by the case file misses %s: %s", action, body)
			continue
		}
		if it.ObjectLabel != d.Reference {
			t.Errorf("%s: object_label %q, want %q", action, it.ObjectLabel, d.Reference)
		}
	}
	if a := seen["case.assignees"]; a.ActorName != "claire" || a.Names[other.ID] != "lea" || a.Reason != "Renfort pendant les congés" {
		t.Errorf("case.assignees: %+v", a)
	}
	if c := seen["collaboration.invited"]; c.ActorName != "paul" || c.Names[f.id] != d.Reference {
		t.Errorf("collaboration.invited: %+v", c)
	}
	if c := seen["case.created"]; c.ActorName != "paul" {
		t.Errorf("case.created: %+v", c)
	}

	// Deleted, it is still named by its reference.
	resp, body = e.do("DELETE", "/api/cases/"+f.id, map[string]string{"reason": "Doublon d’un autre dossier"}, auth(adminTok)...)
	if resp.StatusCode != 204 {
		t.Fatalf("delete: %d %s", resp.StatusCode, body)
	}
	_, body = e.do("GET", "/api/audit?action=case.deleted", nil, auth(adminTok)...)
	if del := decode[page](t, body); del.Total != 1 || del.Items[0].ObjectLabel != d.Reference {
		t.Errorf("case.deleted: %s", body)
	}

	// People: an account's entries name it.
	_, body = e.do("GET", "/api/audit?object_type=account&object="+owner.ID, nil, auth(adminTok)...)
	for _, it := range decode[page](t, body).Items {
		if it.ObjectLabel != "paul" || it.ObjectType != "account" {
			t.Errorf("account entry: %+v", it)
		}
	}
}
