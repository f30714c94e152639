package server

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"cloison/server/mail/mailtest"
	"cloison/store"
)

// mailAbout waits for an e-mail to to whose subject or text holds needle.
func mailAbout(t *testing.T, e *testEnv, to, needle string) mailtest.Message {
	t.Helper()
	for deadline := time.Now().Add(waitMail); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		for _, m := range e.smtp.To(to) {
			if strings.Contains(m.Subject+"\n"+m.Text, needle) {
				return m
			}
		}
	}
	t.Fatalf("no e-mail to %s about %q", to, needle)
	return mailtest.Message{}
}

// transferNetwork is the network with unit A1 (origin) and B1
// (destination) taking part in transfers, and an open case file of
// editorA1 in A1 with a deadline, an attachment and a pending helper
// invitation.
func transferNetwork(t *testing.T) (*network, fixtureCase) {
	nw := newNetwork(t)
	yes := true
	for _, u := range []string{nw.unitA1, nw.unitB1} {
		if _, err := nw.e.store.UpdateUnit(context.Background(), nw.sec, u, store.UnitChange{AcceptsTransfers: &yes,
			Reason: "Décision du conseil du 3 mars"}); err != nil {
			t.Fatal(err)
		}
	}
	return nw, nw.e.newCase(nw.e.actorOf(nw.tokens["editorA1"]), store.CaseOpen)
}

func transferBody(code string) map[string]any {
	return map[string]any{"to_unit_code": code, "comment": "La personne déménage.",
		"consent": map[string]any{"given_by": "guardian", "given_at": "2026-11-02", "collected_by": "Claire Martin"}}
}

func TestWhoMayProposeATransfer(t *testing.T) {
	nw, f := transferNetwork(t)
	path := "/api/cases/" + f.id + "/transfers"
	// Unit A2 does not accept transfers: those who may propose get the
	// same 422 as for a unit that does not exist; the rest learn nothing.
	mayPropose := []string{"superadmin", "admin", "orgAdminA", "unitAdminA1", "editorA1"}
	row := expect(404, all(422, mayPropose...))
	for _, caller := range networkCallers {
		status, body := nw.call(caller, "POST", path, transferBody("U-A2"))
		if status != row(caller) {
			t.Errorf("%s proposes: %d %s, want %d", caller, status, body, row(caller))
		}
		if status == 422 && decode[errResp](t, body).Error.Fields["to_unit_code"] != "unavailable" {
			t.Errorf("%s: %s", caller, body)
		}
	}
	// An unknown code, the case file's own unit, a unit that does not
	// accept transfers: one answer, byte for byte.
	_, notAccepting := nw.call("editorA1", "POST", path, transferBody("U-A2"))
	for _, code := range []string{"NOPE-1", "U-A1", "u-a2 "} {
		if _, body := nw.call("editorA1", "POST", path, transferBody(code)); !bytes.Equal(body, notAccepting) {
			t.Errorf("%q answers %s, not %s", code, body, notAccepting)
		}
	}
	// A case file one may not see answers like one that does not exist.
	_, missing := nw.call("orgAdminB", "POST", "/api/cases/00000000-0000-4000-8000-000000000000/transfers", transferBody("U-B1"))
	if _, hidden := nw.call("orgAdminB", "POST", path, transferBody("U-B1")); !bytes.Equal(hidden, missing) {
		t.Errorf("hidden %s, missing %s", hidden, missing)
	}
	// The consent is checked and named.
	bad := transferBody("U-B1")
	bad["consent"] = map[string]any{"given_by": "voisin", "given_at": "2999-01-01", "collected_by": ""}
	status, body := nw.call("editorA1", "POST", path, bad)
	fields := decode[errResp](t, body).Error.Fields
	if status != 422 || fields["consent.given_by"] == "" || fields["consent.given_at"] != "future" || fields["consent.collected_by"] == "" {
		t.Errorf("bad consent: %d %s", status, body)
	}
	// Switched off: the unit's module, then its own taking part.
	no := false
	if _, err := nw.e.store.UpdateUnit(context.Background(), nw.sec, nw.unitA1, store.UnitChange{Modules: &store.ModulesChange{Transfers: &no},
		Reason: "Décision du conseil du 4 mars"}); err != nil {
		t.Fatal(err)
	}
	if status, body := nw.call("editorA1", "POST", path, transferBody("U-B1")); status != 403 || decode[errResp](t, body).Error.Code != "module_disabled" {
		t.Errorf("module off: %d %s", status, body)
	}
	yes := true
	if _, err := nw.e.store.UpdateUnit(context.Background(), nw.sec, nw.unitA1, store.UnitChange{Modules: &store.ModulesChange{Transfers: &yes},
		AcceptsTransfers: &no, Reason: "Décision du conseil du 5 mars"}); err != nil {
		t.Fatal(err)
	}
	if status, body := nw.call("editorA1", "POST", path, transferBody("U-B1")); status != 409 || decode[errResp](t, body).Error.Code != "transfers_off" {
		t.Errorf("origin not taking part: %d %s", status, body)
	}
}

func TestTransferFromRequestToAcceptance(t *testing.T) {
	nw, f := transferNetwork(t)
	e := nw.e
	path := "/api/cases/" + f.id + "/transfers"
	propose := func() store.TransferView {
		t.Helper()
		status, body := nw.call("editorA1", "POST", path, transferBody("U-B1"))
		if status != 201 {
			t.Fatalf("propose: %d %s", status, body)
		}
		return decode[store.TransferView](t, body)
	}
	tr := propose()
	if tr.Status != store.TransferPending || tr.To.Code != "U-B1" || tr.From.Code != "U-A1" || tr.Consent.GivenBy != "guardian" || tr.Direction != "out" {
		t.Errorf("proposed: %+v", tr)
	}
	if status, body := nw.call("unitAdminA1", "POST", path, transferBody("U-B1")); status != 409 || decode[errResp](t, body).Error.Code != "transfer_pending" {
		t.Errorf("a second one: %d %s", status, body)
	}
	// The destination's admin is told, and sees the request, not the content.
	if m := mailAbout(t, e, "orgAdminB@example.org", "Demande de transfert"); !strings.Contains(m.Text, tr.Reference) || strings.Contains(m.Text, "péridurale") {
		t.Errorf("request e-mail: %s", m.Text)
	}
	_, missing := nw.call("orgAdminB", "GET", "/api/cases/00000000-0000-4000-8000-000000000000", nil)
	if status, body := nw.call("orgAdminB", "GET", "/api/cases/"+f.id, nil); status != 404 || !bytes.Equal(body, missing) {
		t.Errorf("destination reads the content before accepting: %d %s", status, body)
	}
	// Who sees the transfer in their list.
	for caller, want := range map[string]int64{"orgAdminB": 1, "editorA1": 1, "unitAdminA1": 1, "orgAdminA": 1, "admin": 1,
		"unitAdminA2": 0, "orgAdminC": 0, "secretariat": 0, "reader": 0, "memberA1": 0} {
		status, body := nw.call(caller, "GET", "/api/transfers?status=pending", nil)
		if l := decode[listResp[store.TransferView]](t, body); status != 200 || l.Total != want || int64(len(l.Items)) != want {
			t.Errorf("%s lists %d %s, want %d", caller, status, body, want)
		}
	}
	if _, body := nw.call("orgAdminB", "GET", "/api/transfers?direction=in", nil); decode[listResp[store.TransferView]](t, body).Total != 1 {
		t.Errorf("incoming: %s", body)
	}
	if _, body := nw.call("orgAdminB", "GET", "/api/transfers?direction=out", nil); decode[listResp[store.TransferView]](t, body).Total != 0 {
		t.Errorf("outgoing for the destination: %s", body)
	}
	// Deciding: the destination's admins; the origin's side is refused, the others learn nothing.
	accept := "/api/transfers/" + tr.ID + "/accept"
	for caller, want := range map[string]int{"editorA1": 403, "unitAdminA1": 403, "unitAdminA2": 404, "orgAdminC": 404, "reader": 404, "secretariat": 404} {
		if status, body := nw.call(caller, "POST", accept, nil); status != want {
			t.Errorf("%s accepts: %d %s, want %d", caller, status, body, want)
		}
	}
	if status, body := nw.call("orgAdminB", "POST", "/api/transfers/"+tr.ID+"/cancel", nil); status != 403 {
		t.Errorf("destination cancels: %d %s", status, body)
	}
	// Refused with a reason: the requester reads it.
	if status, body := nw.call("orgAdminB", "POST", "/api/transfers/"+tr.ID+"/refuse", map[string]any{"reason": "court"}); status != 422 {
		t.Errorf("refuse without a real reason: %d %s", status, body)
	}
	if status, body := nw.call("orgAdminB", "POST", "/api/transfers/"+tr.ID+"/refuse", map[string]any{"reason": "Nous n’avons plus de place."}); status != 200 ||
		decode[store.TransferView](t, body).Status != store.TransferRefused {
		t.Errorf("refuse: %d %s", status, body)
	}
	if m := mailAbout(t, e, "editorA1@example.org", "Transfert refusé"); !strings.Contains(m.Text, "Nous n’avons plus de place.") {
		t.Errorf("refusal e-mail: %s", m.Text)
	}
	if status, _ := nw.call("orgAdminB", "POST", accept, nil); status != 409 {
		t.Errorf("accepting a refused transfer: %d", status)
	}
	// Proposed again, then withdrawn by the origin's admin.
	again := propose()
	if status, body := nw.call("unitAdminA1", "POST", "/api/transfers/"+again.ID+"/cancel", nil); status != 200 ||
		decode[store.TransferView](t, body).Status != store.TransferCancelled {
		t.Errorf("cancel: %d %s", status, body)
	}
	// Proposed a third time, and accepted.
	last := propose()
	if status, body := nw.call("orgAdminB", "POST", "/api/transfers/"+last.ID+"/accept", nil); status != 200 ||
		decode[store.TransferView](t, body).Status != store.TransferAccepted {
		t.Fatalf("accept: %d %s", status, body)
	}
	// The origin's people lose it, its attachments and report with it,
	// exactly as if it did not exist.
	for _, caller := range []string{"editorA1", "unitAdminA1", "orgAdminA"} {
		for _, sub := range []string{"", "/attachments/" + f.attachment, "/report.pdf", "/history"} {
			_, missingSub := nw.call(caller, "GET", "/api/cases/00000000-0000-4000-8000-000000000000"+sub, nil)
			if status, body := nw.call(caller, "GET", "/api/cases/"+f.id+sub, nil); status != 404 || !bytes.Equal(body, missingSub) {
				t.Errorf("%s reads %s after the transfer: %d %s", caller, sub, status, body)
			}
		}
		if _, body := nw.call(caller, "GET", "/api/cases", nil); decode[listResp[store.CaseSummary]](t, body).Total != 0 {
			t.Errorf("%s still lists it: %s", caller, body)
		}
	}
	// The destination's admin reads it with a reason, in its new unit,
	// with its history, notes and attachments.
	if status, body := nw.call("orgAdminB", "POST", "/api/cases/"+f.id+"/access", map[string]any{"reason": "Dossier reçu par transfert"}); status != 204 {
		t.Fatalf("access: %d %s", status, body)
	}
	status, body := nw.call("orgAdminB", "GET", "/api/cases/"+f.id, nil)
	if c := decode[store.CaseDetail](t, body); status != 200 || c.Unit.ID != nw.unitB1 || len(c.Assignees) != 0 {
		t.Errorf("destination reads: %d %s", status, body)
	}
	if _, body := nw.call("orgAdminB", "GET", "/api/cases/"+f.id+"/attachments", nil); !strings.Contains(string(body), f.attachment) {
		t.Errorf("attachments moved? %s", body)
	}
	if _, body := nw.call("orgAdminB", "GET", "/api/cases/"+f.id+"/history", nil); !strings.Contains(string(body), `"transferred"`) {
		t.Errorf("history: %s", body)
	}
	// The pending helper invitation died with the origin's grants.
	if _, body := nw.call("orgAdminB", "GET", "/api/cases/"+f.id+"/collaborators", nil); strings.Contains(string(body), "fixture-helper") {
		t.Errorf("helpers after the transfer: %s", body)
	}
	// The origin's audit keeps the reference and the destination.
	if _, body := nw.call("unitAdminA1", "GET", "/api/audit?action=transfer.left", nil); !strings.Contains(string(body), last.Reference) ||
		!strings.Contains(string(body), "U-B1") {
		t.Errorf("origin's audit: %s", body)
	}
	// The requester is told it left.
	if m := mailAbout(t, e, "editorA1@example.org", "Transfert accepté"); !strings.Contains(m.Subject, last.Reference) {
		t.Errorf("acceptance e-mail: %s", m.Subject)
	}
	// It cannot be proposed back by those who lost it.
	if status, _ := nw.call("editorA1", "POST", path, transferBody("U-A1")); status != 404 {
		t.Errorf("the former assignee proposes it: %d", status)
	}
}
