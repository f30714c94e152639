package server

import (
	"context"
	"strings"
	"testing"
	"time"

	"cloison/server/i18n"
	"cloison/server/mail/mailtest"
	"cloison/store"
)

// TestMembershipPermissionMatrix: changing, ending and resending a
// membership × every role and relation to its scope. A membership one may
// not know of is the 404 of one that does not exist.
func TestMembershipPermissionMatrix(t *testing.T) {
	nw := newNetwork(t)
	missing := "/api/memberships/" + nonexistentID
	keepersA1 := append([]string{"unitAdminA1"}, keepersA...)
	fresh := func(typ, id, role string) func() string {
		return func() string { return "/api/memberships/" + nw.give(nw.fresh(), typ, id, role, nil).ID }
	}
	change := func() any {
		return map[string]any{"functions": []string{"secretaire"}, "reason": "Nouvelle répartition des rôles"}
	}
	reason := func() any { return nw.reason() }
	editorA1 := fresh(store.ScopeTypeUnit, nw.unitA1, store.MemberEditor)
	adminA1 := fresh(store.ScopeTypeUnit, nw.unitA1, store.MemberAdmin)
	memberA := fresh(store.ScopeTypeOrg, nw.orgA, store.MemberMember)
	memberC := fresh(store.ScopeTypeOrg, nw.orgC, store.MemberMember)
	nw.run(t, []matrixRow{
		{name: "change an editor of A1", method: "PATCH", path: editorA1, body: change, want: expect(404, all(200, keepersA1...)), missing: missing},
		{name: "change an admin of A1", method: "PATCH", path: adminA1, body: change,
			want: expect(404, merge(all(403, "unitAdminA1"), all(200, keepersA...))), missing: missing},
		{name: "change a member of A", method: "PATCH", path: memberA, body: change,
			want: expect(404, merge(all(403, membersA...), all(200, keepersA...))), missing: missing},
		{name: "change a member of C", method: "PATCH", path: memberC, body: change,
			want: expect(404, merge(all(403, "orgAdminC", "superadmin", "admin"), all(200, "secretariat"))), missing: missing},
		{name: "end an editor of A1", method: "DELETE", path: editorA1, body: reason, want: expect(404, all(204, keepersA1...)), missing: missing},
		{name: "end an admin of A1", method: "DELETE", path: adminA1, body: reason,
			want: expect(404, merge(all(403, "unitAdminA1"), all(204, keepersA...))), missing: missing},
		{name: "end a member of A", method: "DELETE", path: memberA, body: reason,
			want: expect(404, merge(all(403, membersA...), all(204, keepersA...))), missing: missing},
		{name: "resend to an editor of A1", method: "POST", path: func() string { return editorA1() + "/resend" },
			want: expect(404, all(200, keepersA1...)), missing: missing + "/resend"},
		{name: "my memberships", method: "GET", path: func() string { return "/api/me/memberships" }, want: expect(200, nil)},
	})
	// Their own membership: they see it, they may not change it.
	for caller, scope := range map[string]string{"editorA1": nw.unitA1, "memberA": nw.orgA, "unitAdminA1": nw.unitA1} {
		path := "/api/memberships/" + nw.membershipOf(caller, scope)
		if status, body := nw.call(caller, "PATCH", path, change()); status != 403 {
			t.Errorf("%s changes their own membership: %d %s", caller, status, body)
		}
		if status, body := nw.call(caller, "DELETE", path, reason()); status != 403 {
			t.Errorf("%s ends their own membership: %d %s", caller, status, body)
		}
	}
	// Conflicts: resending what is no invitation, ending what has ended.
	bound := "/api/memberships/" + nw.membershipOf("editorA1", nw.unitA1)
	if status, body := nw.call("unitAdminA1", "POST", bound+"/resend", nil); status != 409 || decode[errResp](t, body).Error.Code != "not_invited" {
		t.Errorf("resend a bound membership: %d %s", status, body)
	}
	ended := "/api/memberships/" + nw.membershipOf("endedA1", nw.unitA1)
	for method, body := range map[string]any{"PATCH": change(), "DELETE": reason()} {
		if status, body := nw.call("unitAdminA1", method, ended, body); status != 409 || decode[errResp](t, body).Error.Code != "already_ended" {
			t.Errorf("%s an ended membership: %d %s", method, status, body)
		}
	}
}

// The invitation to cooperate: the secretariat registers an organisation
// with its administrator's address; the administrator registers through the
// e-mailed link, the organisation turns active, they create a unit and
// invite its admin, who already has an account and gets it at once.
func TestOrganisationInvitationJourney(t *testing.T) {
	e := newTestEnv(t)
	_, secTok := e.account(store.RoleSecretariat, "secretariat@example.org")
	_, unitAdminTok := e.account(store.RoleReader, "directrice@example.org")
	resp, body := e.do("POST", "/api/orgs", map[string]any{"name": "Pouvoir organisateur Sud", "code": "po-sud", "admin_email": "Admin@PO-Sud.example",
		"admin_name": "Anne", "centrally_managed": false, "reason": "Inscription votée par le conseil"}, auth(secTok)...)
	if resp.StatusCode != 201 {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	org := decode[store.OrgDetail](t, body)
	if org.Code != "PO-SUD" || org.Status != store.ScopeInvited || len(org.Members) != 1 || org.Members[0].Status != store.MembershipInvited ||
		org.Members[0].Email != "admin@po-sud.example" || org.Members[0].Role != store.MemberAdmin {
		t.Fatalf("created: %s", body)
	}
	tok := e.tokenOf("Admin@PO-Sud.example", 1, "/invitation")
	msg := e.smtp.To("Admin@PO-Sud.example")[0]
	if !strings.Contains(msg.Subject, "Invitation à coopérer") || !strings.Contains(msg.Text, "Pouvoir organisateur Sud") ||
		!strings.Contains(msg.Text, "Bonjour Anne") || !strings.Contains(msg.HTML, "Pouvoir organisateur Sud") {
		t.Fatalf("invitation to cooperate: %s\n%s", msg.Subject, msg.Text)
	}
	_, body = e.do("POST", "/api/invitations/inspect", map[string]string{"token": tok})
	if info := decode[store.InvitationInfo](t, body); info.Kind != "membership" || info.Role != "admin" || info.ScopeType != "org" ||
		info.ScopeName != "Pouvoir organisateur Sud" || info.Email != "admin@po-sud.example" || info.Inviter != "secretariat" {
		t.Fatalf("inspect: %s", body)
	}
	// Someone registering with another address is a plain reader; the invitation stays.
	resp, body = e.do("POST", "/api/auth/register", map[string]any{"email": "intrus@example.org", "name": "Intrus",
		"password": "un mot de passe solide", "pledge": true, "invitation": tok})
	if resp.StatusCode != 202 || decode[map[string]string](t, body)["status"] != "pending" {
		t.Fatalf("other e-mail: %d %s", resp.StatusCode, body)
	}
	e.do("POST", "/api/auth/activate", map[string]string{"token": e.tokenOf("intrus@example.org", 1, "/activate")})
	intrus := e.login("intrus@example.org", "un mot de passe solide")
	if resp, body := e.do("POST", "/api/invitations/accept", map[string]string{"token": tok}, auth(intrus)...); resp.StatusCode != 403 ||
		decode[errResp](t, body).Error.Code != "email_mismatch" {
		t.Fatalf("accept with another e-mail: %d %s", resp.StatusCode, body)
	}
	if resp, _ := e.do("GET", "/api/orgs/"+org.ID, nil, auth(intrus)...); resp.StatusCode != 404 {
		t.Fatal("the intruder sees the organisation")
	}
	// The invited person registers with the invited address: active at once, admin of it.
	resp, body = e.do("POST", "/api/auth/register", map[string]any{"email": "admin@po-sud.example", "name": "Anne Martin",
		"password": "un mot de passe solide", "pledge": true, "invitation": tok, "locale": "en"})
	if resp.StatusCode != 202 || decode[map[string]string](t, body)["status"] != "active" {
		t.Fatalf("register with the invitation: %d %s", resp.StatusCode, body)
	}
	anne := e.login("admin@po-sud.example", "un mot de passe solide")
	_, body = e.do("GET", "/api/orgs/"+org.ID, nil, auth(anne)...)
	if rec := decode[store.OrgDetail](t, body); rec.Status != store.ScopeActive || rec.Members[0].Status != store.MembershipActive ||
		rec.Members[0].Name != "Anne Martin" {
		t.Fatalf("after acceptance: %s", body)
	}
	_, body = e.do("GET", "/api/me/memberships", nil, auth(anne)...)
	if !strings.Contains(string(body), `"scope_name":"Pouvoir organisateur Sud"`) || !strings.Contains(string(body), `"status":"active"`) {
		t.Fatalf("my memberships: %s", body)
	}
	if resp, _ := e.do("POST", "/api/invitations/inspect", map[string]string{"token": tok}); resp.StatusCode != 422 {
		t.Fatal("the used token still works")
	}

	// An organisation whose administrator has an account is active at once;
	// once closed, it takes no more units nor members.
	resp, body = e.do("POST", "/api/orgs", map[string]any{"name": "Réseau Nord", "code": "NORD", "admin_email": "directrice@example.org",
		"reason": "Inscription votée par le conseil"}, auth(secTok)...)
	nord := decode[store.OrgDetail](t, body)
	if resp.StatusCode != 201 || nord.Status != store.ScopeActive || nord.Members[0].Status != store.MembershipActive {
		t.Fatalf("organisation of an existing account: %d %s", resp.StatusCode, body)
	}
	if m := e.smtp.WaitFor(t, "directrice@example.org", 1, waitMail)[0]; !strings.Contains(m.Subject, "Réseau Nord") {
		t.Fatalf("membership added: %s", m.Subject)
	}
	if resp, body := e.do("PATCH", "/api/orgs/"+nord.ID, map[string]any{"status": "closed", "reason": "Dissolution votée"}, auth(secTok)...); resp.StatusCode != 200 {
		t.Fatalf("close: %d %s", resp.StatusCode, body)
	}
	for path, req := range map[string]map[string]any{
		"/units":   {"name": "École", "code": "NORD-1", "contact_email": "e@example.org", "reason": "Ouverture de l'école"},
		"/members": {"email": "x@example.org", "role": "member", "reason": "Élu en assemblée"},
	} {
		if resp, body := e.do("POST", "/api/orgs/"+nord.ID+path, req, auth(secTok)...); resp.StatusCode != 409 || decode[errResp](t, body).Error.Code != "scope_closed" {
			t.Errorf("POST %s in a closed organisation: %d %s", path, resp.StatusCode, body)
		}
	}

	// Anne creates a unit, its admin invited: an account already, so at once.
	resp, body = e.do("POST", "/api/orgs/"+org.ID+"/units", map[string]any{"name": "École du Centre", "code": "0123456A",
		"contact_email": "ecole@example.org", "admin_email": "directrice@example.org", "reason": "Ouverture de l'école"}, auth(anne)...)
	if resp.StatusCode != 201 {
		t.Fatalf("unit: %d %s", resp.StatusCode, body)
	}
	unit := decode[store.UnitView](t, body)
	if unit.Status != store.ScopeActive || unit.Code != "0123456A" {
		t.Fatalf("unit: %s", body)
	}
	added := e.smtp.WaitFor(t, "directrice@example.org", 2, waitMail)[1]
	if !strings.Contains(added.Subject, "École du Centre") || mailtest.Link(t, added, "/") != e.cfg.Server.BaseURL+"/" {
		t.Fatalf("membership added: %s\n%s", added.Subject, added.Text)
	}
	_, body = e.do("GET", "/api/me", nil, auth(unitAdminTok)...)
	if !strings.Contains(string(body), unit.ID) || !strings.Contains(string(body), `"admin":true`) {
		t.Fatalf("the unit's admin: %s", body)
	}
	// The directrice invites an editor; resending kills the first link; revoking the second.
	resp, body = e.do("POST", "/api/units/"+unit.ID+"/members", map[string]any{"email": "prof@example.org", "role": "editor",
		"functions": []string{"referent", "referent"}, "valid_until": "2030-07-01", "reason": "Rentrée scolaire 2026"}, auth(unitAdminTok)...)
	if resp.StatusCode != 201 {
		t.Fatalf("invite an editor: %d %s", resp.StatusCode, body)
	}
	inv := decode[store.MembershipView](t, body)
	if inv.Status != store.MembershipInvited || len(inv.Functions) != 1 || inv.ValidUntil == nil ||
		!inv.ValidUntil.Equal(time.Date(2030, 7, 1, 0, 0, 0, 0, time.UTC)) || inv.InvitationExpiresAt == nil {
		t.Fatalf("invitation: %s", body)
	}
	if resp, body := e.do("POST", "/api/units/"+unit.ID+"/members", map[string]any{"email": "PROF@example.org", "role": "editor",
		"reason": "Rentrée scolaire 2026"}, auth(unitAdminTok)...); resp.StatusCode != 409 || decode[errResp](t, body).Error.Code != "already_member" {
		t.Fatalf("invited twice: %d %s", resp.StatusCode, body)
	}
	first := e.tokenOf("prof@example.org", 1, "/invitation")
	if resp, body := e.do("POST", "/api/memberships/"+inv.ID+"/resend", nil, auth(unitAdminTok)...); resp.StatusCode != 200 {
		t.Fatalf("resend: %d %s", resp.StatusCode, body)
	}
	second := e.tokenOf("prof@example.org", 2, "/invitation")
	if resp, _ := e.do("POST", "/api/invitations/inspect", map[string]string{"token": first}); resp.StatusCode != 422 {
		t.Fatal("the first link survived the resend")
	}
	if resp, _ := e.do("POST", "/api/invitations/inspect", map[string]string{"token": second}); resp.StatusCode != 200 {
		t.Fatal("the new link does not work")
	}
	if resp, body := e.do("DELETE", "/api/memberships/"+inv.ID, map[string]string{"reason": "Poste finalement non pourvu"}, auth(unitAdminTok)...); resp.StatusCode != 204 {
		t.Fatalf("revoke: %d %s", resp.StatusCode, body)
	}
	if resp, _ := e.do("POST", "/api/invitations/inspect", map[string]string{"token": second}); resp.StatusCode != 422 {
		t.Fatal("the revoked invitation still works")
	}
	_, body = e.do("GET", "/api/units/"+unit.ID+"/members?status=ended", nil, auth(unitAdminTok)...)
	if l := decode[listBody[store.MembershipView]](t, body); l.Total != 1 || l.Items[0].ID != inv.ID {
		t.Fatalf("revoked invitation: %s", body)
	}

	// Every step is in the audit log, in its scope, with its reason.
	entries, _, err := e.store.ListAudit(context.Background(), e.actorOf(anne), store.AuditFilter{Action: "membership."}, store.Page{Page: 1, PerPage: 50})
	if err != nil {
		t.Fatal(err)
	}
	actions := map[string]string{}
	for _, en := range entries {
		actions[en.Action] = en.Reason
		if en.OrgID != org.ID {
			t.Errorf("entry %s outside the organisation's scope: %+v", en.Action, en)
		}
	}
	for action, reason := range map[string]string{"membership.created": "", "membership.accepted": "", "membership.invitation_resent": "",
		"membership.revoked": "Poste finalement non pourvu"} {
		if got, ok := actions[action]; !ok || (reason != "" && got != reason) {
			t.Errorf("audit %s: %q (%v)", action, got, actions)
		}
	}
}

// An account that exists when invited accepts with POST /api/invitations/accept.
func TestAcceptMembershipInvitationWhenLoggedIn(t *testing.T) {
	nw := newNetwork(t)
	e := nw.e
	tok := e.tokenOf("pendingA1@example.org", 1, "/invitation")
	if resp, body := e.do("GET", "/api/units/"+nw.unitA1+"/members", nil, auth(nw.tokens["pendingA1"])...); resp.StatusCode != 403 {
		t.Fatalf("before accepting: %d %s", resp.StatusCode, body)
	}
	if resp, body := e.do("POST", "/api/invitations/accept", map[string]string{"token": tok}, auth(nw.tokens["reader"])...); resp.StatusCode != 403 {
		t.Fatalf("someone else accepts: %d %s", resp.StatusCode, body)
	}
	resp, body := e.do("POST", "/api/invitations/accept", map[string]string{"token": tok}, auth(nw.tokens["pendingA1"])...)
	res := decode[store.AcceptedInvitation](t, body)
	if resp.StatusCode != 200 || res.Kind != "membership" || res.Membership == nil || res.Membership.ScopeID != nw.unitA1 ||
		res.Membership.Role != store.MemberEditor || res.Membership.Status != store.MembershipActive {
		t.Fatalf("accept: %d %s", resp.StatusCode, body)
	}
	_, body = e.do("GET", "/api/me", nil, auth(nw.tokens["pendingA1"])...)
	if me := decode[map[string]any](t, body); me["role"] != store.RoleEditor {
		t.Fatalf("an editor now: %s", body)
	}
	if resp, _ := e.do("POST", "/api/invitations/accept", map[string]string{"token": tok}, auth(nw.tokens["pendingA1"])...); resp.StatusCode != 422 {
		t.Fatal("accepted twice")
	}
}

// A mandate grants nothing outside its dates, from that very second.
func TestMandatesGrantNothingOutsideTheirDates(t *testing.T) {
	nw := newNetwork(t)
	e := nw.e
	ctx := context.Background()
	_, tok := nw.account(store.RoleReader, "remplacante@example.org")
	soon := time.Now().Add(3 * time.Second).UTC().Format(time.RFC3339Nano)
	m := nw.give("remplacante@example.org", store.ScopeTypeUnit, nw.unitA1, store.MemberEditor, nil)
	if _, err := e.store.UpdateMembership(ctx, nw.sec, m.ID, store.MembershipChange{ValidUntil: &soon, Reason: "Remplacement de trois secondes"}); err != nil {
		t.Fatal(err)
	}
	f := e.newCase(e.actorOf(tok), store.CaseOpen)
	if resp, body := e.do("GET", "/api/cases/"+f.id, nil, auth(tok)...); resp.StatusCode != 200 {
		t.Fatalf("while the mandate runs: %d %s", resp.StatusCode, body)
	}
	e.clock.advance(4 * time.Second) // the mandate ended a second ago
	resp, gone := e.do("GET", "/api/cases/"+f.id, nil, auth(tok)...)
	_, ghost := e.do("GET", "/api/cases/"+nonexistentID, nil, auth(tok)...)
	if resp.StatusCode != 404 || string(gone) != string(ghost) {
		t.Fatalf("after the mandate: %d %s", resp.StatusCode, gone)
	}
	_, body := e.do("GET", "/api/cases", nil, auth(tok)...)
	if l := decode[listBody[store.CaseSummary]](t, body); l.Total != 0 {
		t.Fatalf("the list after the mandate: %s", body)
	}
	_, body = e.do("GET", "/api/me/memberships", nil, auth(tok)...)
	if !strings.Contains(string(body), `"status":"ended"`) {
		t.Fatalf("my memberships: %s", body)
	}

	// An upcoming mandate grants nothing yet.
	_, body = e.do("GET", "/api/me", nil, auth(nw.tokens["upcomingA1"])...)
	if me := decode[map[string]any](t, body); me["role"] != store.RoleReader || strings.Contains(string(body), nw.unitA1) {
		t.Fatalf("upcoming editor: %s", body)
	}
	if resp, body := e.do("POST", "/api/cases", map[string]any{"title": "Essai", "category_id": "autre", "summary": "x"}, auth(nw.tokens["upcomingA1"])...); resp.StatusCode != 403 {
		t.Fatalf("upcoming editor creates a case file: %d %s", resp.StatusCode, body)
	}
	_, body = e.do("GET", "/api/me/memberships", nil, auth(nw.tokens["upcomingA1"])...)
	if !strings.Contains(string(body), `"status":"upcoming"`) {
		t.Fatalf("upcoming: %s", body)
	}
}

// The daily job tells the holder and the scope's admins, 30 days before a
// mandate ends and when it has ended, each once.
func TestMandateNotices(t *testing.T) {
	nw := newNetwork(t)
	e := nw.e
	ctx := context.Background()
	until := time.Now().Add(20 * 24 * time.Hour).UTC().Format(time.DateOnly)
	_, err := e.store.UpdateMembership(ctx, nw.sec, nw.membershipOf("editorA1", nw.unitA1),
		store.MembershipChange{ValidUntil: &until, Reason: "Fin de l'année scolaire"})
	if err != nil {
		t.Fatal(err)
	}
	notify := func(want int) {
		t.Helper()
		n, err := e.store.NotifyMandates(ctx)
		if err != nil || n != want {
			t.Fatalf("NotifyMandates: %d %v, want %d", n, err, want)
		}
		e.srv.mailKick()
	}
	// Each already received the e-mail of their membership.
	seen := map[string]int{}
	for _, who := range []string{"editorA1", "unitAdminA1", "orgAdminA", "unitAdminA2", "endedA1"} {
		seen[who] = len(e.smtp.WaitFor(t, who+"@example.org", 1, waitMail))
	}
	next := func(who string, n int) []mailtest.Message {
		t.Helper()
		msgs := e.smtp.WaitFor(t, who+"@example.org", seen[who]+n, waitMail)[seen[who]:]
		seen[who] += n
		return msgs
	}
	// editorA1's mandate ends within 30 days, endedA1's has ended: each to
	// its holder, the unit's admin and the organisation's.
	notify(6)
	ending := next("editorA1", 1)[0]
	if !strings.Contains(ending.Text, "Votre mandat") || !strings.Contains(ending.Text, i18n.Get("fr").ISODate(until)) || !strings.Contains(ending.Text, "Unité A1") {
		t.Fatalf("ending, to the holder: %s", ending.Text)
	}
	if ended := next("endedA1", 1)[0]; !strings.Contains(ended.Subject, "a pris fin") {
		t.Fatalf("ended, to the holder: %s", ended.Subject)
	}
	for _, admin := range []string{"unitAdminA1", "orgAdminA"} {
		msgs := next(admin, 2)
		if text := msgs[0].Text + msgs[1].Text; !strings.Contains(text, "Le mandat de editorA1") || !strings.Contains(text, "Le mandat de endedA1") {
			t.Fatalf("to %s: %s", admin, text)
		}
	}
	notify(0) // once
	e.clock.advance(21 * 24 * time.Hour)
	notify(3)
	if ended := next("editorA1", 1)[0]; !strings.Contains(ended.Subject, "a pris fin") {
		t.Fatalf("ended: %s", ended.Subject)
	}
	next("unitAdminA1", 1)
	next("orgAdminA", 1)
	notify(0)
	if got := e.smtp.To("unitAdminA2@example.org"); len(got) != seen["unitAdminA2"] {
		t.Fatalf("another unit's admin is told: %v", got[seen["unitAdminA2"]:])
	}
}

// Bad input to memberships: a 4xx naming the field, never a 500.
func TestMembershipInputIsChecked(t *testing.T) {
	nw := newNetwork(t)
	reason := "Décision du conseil du 3 mars"
	members := "/api/units/" + nw.unitA1 + "/members"
	tooMany := make([]string, 21)
	for i := range tooMany {
		tooMany[i] = "f" + strings.Repeat("x", i+1)
	}
	for _, tc := range []struct {
		path       string
		body       map[string]any
		field, why string
	}{
		{members, map[string]any{"email": "x@example.org", "role": "boss", "reason": reason}, "role", "oneof=admin editor member"},
		{"/api/orgs/" + nw.orgA + "/members", map[string]any{"email": "x@example.org", "role": "editor", "reason": reason}, "role", "oneof=admin member"},
		{members, map[string]any{"email": "x\x00@example.org", "role": "member", "reason": reason}, "email", "control_character"},
		{members, map[string]any{"email": strings.Repeat("a", 300) + "@example.org", "role": "member", "reason": reason}, "email", "max=254"},
		{members, map[string]any{"email": "x@example.org", "role": "member", "functions": []string{"Président"}, "reason": reason}, "functions", "format"},
		{members, map[string]any{"email": "x@example.org", "role": "member", "functions": tooMany, "reason": reason}, "functions", "max_items=20"},
		{members, map[string]any{"email": "x@example.org", "role": "member", "functions": "tresorier", "reason": reason}, "functions", "type"},
		{members, map[string]any{"email": "x@example.org", "role": "member", "valid_from": "demain", "reason": reason}, "valid_from", "datetime"},
		{members, map[string]any{"email": "x@example.org", "role": "member", "valid_until": "2020-01-01", "reason": reason}, "valid_until", "past"},
		{members, map[string]any{"email": "x@example.org", "role": "member", "valid_from": "2031-01-01", "valid_until": "2030-01-01", "reason": reason}, "valid_until", "after_valid_from"},
		{members, map[string]any{"email": "x@example.org", "role": "member", "valid_from": 2031, "reason": reason}, "valid_from", "type"},
		{members, map[string]any{"email": "x@example.org", "role": "member", "name": "a\nb", "reason": reason}, "name", "newline"},
		{members, map[string]any{"email": "x@example.org", "role": "member"}, "reason", "min=10"},
		{members, map[string]any{"role": "member", "reason": reason}, "email", "required"},
	} {
		status, body := nw.call("unitAdminA1", "POST", tc.path, tc.body)
		if tc.path != members {
			status, body = nw.call("orgAdminA", "POST", tc.path, tc.body)
		}
		if status != 422 || decode[errResp](t, body).Error.Fields[tc.field] != tc.why {
			t.Errorf("POST %.60v: %d %s, want 422 %s=%s", tc.body, status, body, tc.field, tc.why)
		}
	}
	path := "/api/memberships/" + nw.membershipOf("editorA1", nw.unitA1)
	for _, tc := range []struct {
		body       map[string]any
		field, why string
	}{
		{map[string]any{"role": "admin", "reason": reason}, "", ""}, // a unit's admin may not make admins: 403
		{map[string]any{"role": 3, "reason": reason}, "role", "type"},
		{map[string]any{"valid_until": "yesterday", "reason": reason}, "valid_until", "datetime"},
		{map[string]any{"functions": []any{"ok", 4}, "reason": reason}, "functions.1", "type"},
		{map[string]any{"functions": []string{"ok"}}, "reason", "min=10"},
	} {
		status, body := nw.call("unitAdminA1", "PATCH", path, tc.body)
		if tc.field == "" {
			if status != 403 {
				t.Errorf("PATCH %v: %d %s, want 403", tc.body, status, body)
			}
			continue
		}
		if status != 422 || decode[errResp](t, body).Error.Fields[tc.field] != tc.why {
			t.Errorf("PATCH %v: %d %s, want 422 %s=%s", tc.body, status, body, tc.field, tc.why)
		}
	}
	// Clearing the end of a mandate, and a change that the job announces again.
	status, body := nw.call("unitAdminA1", "PATCH", path, map[string]any{"valid_until": "", "functions": []string{"referent"}, "reason": reason})
	if m := decode[store.MembershipView](t, body); status != 200 || m.ValidUntil != nil || m.Functions[0] != "referent" {
		t.Errorf("PATCH: %d %s", status, body)
	}
}
