package server

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"cloison/store"
)

// The helper's journey over a real SMTP server: an assignee invites an
// e-mail that has no account; the person registers through the e-mailed
// link, lands on the case file, edits it, is refused the transition and the
// report, and is revoked: the case file is then a 404 like any other.
func TestHelperInvitationJourney(t *testing.T) {
	e := newTestEnv(t)
	_, ownerTok := e.account(store.RoleEditor, "owner@example.org")
	f := e.newCase(e.actorOf(ownerTok), store.CaseOpen)
	_, body := e.do("GET", "/api/cases/"+f.id, nil, auth(ownerTok)...)
	ref := decode[store.CaseDetail](t, body).Reference

	resp, body := e.do("POST", "/api/cases/"+f.id+"/collaborators",
		map[string]any{"email": "Lea@Example.org", "kind": "trainee", "major": true, "until": "2027-06-30"}, auth(ownerTok)...)
	if resp.StatusCode != 201 {
		t.Fatalf("invite: %d %s", resp.StatusCode, body)
	}
	col := decode[store.Collaborator](t, body)
	if col.Status != "invited" || !col.Major || col.Kind != "trainee" {
		t.Fatalf("collaborator %+v", col)
	}
	if resp, _ := e.do("POST", "/api/cases/"+f.id+"/collaborators", map[string]any{"email": "lea@example.org", "kind": "support"}, auth(ownerTok)...); resp.StatusCode != 409 {
		t.Fatalf("invited twice: %d", resp.StatusCode)
	}
	tok := e.tokenOf("lea@example.org", 1, "/invitation")
	msg := e.smtp.To("lea@example.org")[0]
	// The invitation names the reference and the inviter, nothing else of the case file.
	if !strings.Contains(msg.Text, ref) || !strings.Contains(msg.Text, "owner") || strings.Contains(msg.Text, "péridurale") || strings.Contains(msg.HTML, "Maternité") {
		t.Fatalf("invitation e-mail:\n%s", msg.Text)
	}
	_, body = e.do("POST", "/api/invitations/inspect", map[string]string{"token": tok})
	info := decode[store.InvitationInfo](t, body)
	if info.Kind != "collaboration" || info.Reference != ref || info.Email != "lea@example.org" || info.CollaborationKind != "trainee" {
		t.Fatalf("inspect: %s", body)
	}
	if strings.Contains(string(body), "péridurale") {
		t.Fatalf("inspect reveals the case: %s", body)
	}

	// Registering with another e-mail and the token grants nothing.
	resp, body = e.do("POST", "/api/auth/register", map[string]any{"email": "mallory@example.org", "name": "Mallory",
		"password": "un mot de passe solide", "pledge": true, "invitation": tok})
	if resp.StatusCode != 202 || decode[map[string]string](t, body)["status"] != "pending" {
		t.Fatalf("other e-mail: %d %s", resp.StatusCode, body)
	}
	e.do("POST", "/api/auth/activate", map[string]string{"token": e.tokenOf("mallory@example.org", 1, "/activate")})
	mallory := e.login("mallory@example.org", "un mot de passe solide")
	if resp, body := e.do("POST", "/api/invitations/accept", map[string]string{"token": tok}, auth(mallory)...); resp.StatusCode != 403 {
		t.Fatalf("accept with another e-mail: %d %s", resp.StatusCode, body)
	}
	if resp, _ := e.do("GET", "/api/cases/"+f.id, nil, auth(mallory)...); resp.StatusCode != 404 {
		t.Fatal("mallory sees the case file")
	}

	// The invited person registers with the invited e-mail: active at once.
	resp, body = e.do("POST", "/api/auth/register", map[string]any{"email": "lea@example.org", "name": "Léa",
		"password": "un mot de passe solide", "pledge": true, "invitation": tok, "locale": "en"})
	if resp.StatusCode != 202 || decode[map[string]string](t, body)["status"] != "active" {
		t.Fatalf("register with the invitation: %d %s", resp.StatusCode, body)
	}
	lea := e.login("lea@example.org", "un mot de passe solide")
	_, body = e.do("GET", "/api/me/overview", nil, auth(lea)...)
	ov := decode[store.Overview](t, body)
	if len(ov.Helping) != 1 || ov.Helping[0].ID != f.id || len(ov.Helping[0].Assignees) != 1 || ov.Helping[0].Kind != "trainee" {
		t.Fatalf("helper home: %s", body)
	}
	_, body = e.do("GET", "/api/cases", nil, auth(lea)...)
	if l := decode[listBody[store.CaseSummary]](t, body); l.Total != 1 {
		t.Fatalf("helper list: %s", body)
	}
	resp, body = e.do("GET", "/api/cases/"+f.id, nil, auth(lea)...)
	d := decode[store.CaseDetail](t, body)
	if resp.StatusCode != 200 || d.Permissions.Relation != "trainee" || d.Permissions.Report || len(d.Permissions.Transitions) != 0 {
		t.Fatalf("helper view: %d %s", resp.StatusCode, body)
	}
	for _, c := range d.Collaborators {
		if c.Email != "" {
			t.Fatalf("a helper sees e-mail addresses: %+v", d.Collaborators)
		}
	}
	etag := resp.Header.Get("ETag")
	if resp, body := e.do("PATCH", "/api/cases/"+f.id, map[string]string{"summary": "Complété par Léa"}, append(auth(lea), "If-Match", etag)...); resp.StatusCode != 200 {
		t.Fatalf("helper edit: %d %s", resp.StatusCode, body)
	}
	if resp, _ := e.do("POST", "/api/cases/"+f.id+"/notes", map[string]string{"body": "Appel passé"}, auth(lea)...); resp.StatusCode != 201 {
		t.Fatalf("helper note: %d", resp.StatusCode)
	}
	_, body = e.do("GET", "/api/cases/"+f.id, nil, auth(lea)...)
	etag = fmt.Sprintf(`"%d"`, decode[store.CaseDetail](t, body).Version)
	if resp, _ := e.do("POST", "/api/cases/"+f.id+"/transition", map[string]string{"to": "closed", "outcome": "obtained"}, append(auth(lea), "If-Match", etag)...); resp.StatusCode != 403 {
		t.Fatalf("helper transition: %d", resp.StatusCode)
	}
	if resp, _ := e.do("GET", "/api/cases/"+f.id+"/report.pdf", nil, auth(lea)...); resp.StatusCode != 403 {
		t.Fatalf("helper report: %d", resp.StatusCode)
	}
	if resp, _ := e.do("POST", "/api/cases/"+f.id+"/collaborators", map[string]any{"email": "x@example.org", "kind": "support"}, auth(lea)...); resp.StatusCode != 403 {
		t.Fatalf("helper invites: %d", resp.StatusCode)
	}

	// Revocation ends access at once.
	if resp, _ := e.do("DELETE", "/api/cases/"+f.id+"/collaborators/"+col.ID, nil, auth(ownerTok)...); resp.StatusCode != 204 {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	resp, gone := e.do("GET", "/api/cases/"+f.id, nil, auth(lea)...)
	_, ghost := e.do("GET", "/api/cases/"+nonexistentID, nil, auth(lea)...)
	if resp.StatusCode != 404 || string(gone) != string(ghost) {
		t.Fatalf("after revocation: %d %s", resp.StatusCode, gone)
	}
	// Everything is in the audit log.
	admin := e.superActor()
	entries, _, err := e.store.ListAudit(context.Background(), admin, store.AuditFilter{Action: "collaboration."}, store.Page{Page: 1, PerPage: 50})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, en := range entries {
		actions = append(actions, en.Action)
	}
	if got := strings.Join(actions, ","); got != "collaboration.revoked,collaboration.accepted,collaboration.invited,collaboration.invited" {
		t.Fatalf("audit: %s", got)
	}
}

// An active account is added at once and notified; access ends at the end
// date (audited as expired) and when the case file is closed, and reopening
// does not bring it back.
func TestCollaborationEnds(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	_, ownerTok := e.account(store.RoleEditor, "owner@example.org")
	owner := e.actorOf(ownerTok)
	_, helperTok := e.account(store.RoleReader, "helper@example.org")

	f := e.newCase(owner, store.CaseOpen)
	resp, body := e.do("POST", "/api/cases/"+f.id+"/collaborators", map[string]any{"email": "helper@example.org", "kind": "support", "until": e.clock.now().Format("2006-01-02")}, auth(ownerTok)...)
	if resp.StatusCode != 201 || decode[store.Collaborator](t, body).Status != "active" {
		t.Fatalf("invite active account: %d %s", resp.StatusCode, body)
	}
	added := e.smtp.WaitFor(t, "helper@example.org", 1, waitMail)[0]
	if !strings.Contains(added.Text, "/cases/"+f.id) {
		t.Fatalf("notification: %s", added.Text)
	}
	if resp, _ := e.do("GET", "/api/cases/"+f.id, nil, auth(helperTok)...); resp.StatusCode != 200 {
		t.Fatalf("helper before the end date: %d", resp.StatusCode)
	}
	e.clock.advance(25 * time.Hour)
	// Sessions went idle meanwhile: log in again.
	ownerTok, helperTok = e.login("owner@example.org", "a long enough passphrase"), e.login("helper@example.org", "a long enough passphrase")
	owner = e.actorOf(ownerTok)
	if resp, _ := e.do("GET", "/api/cases/"+f.id, nil, auth(helperTok)...); resp.StatusCode != 404 {
		t.Fatalf("helper after the end date: %d", resp.StatusCode)
	}
	if n, err := e.store.ExpireCollaborations(ctx); err != nil || n != 1 {
		t.Fatalf("expire: %d %v", n, err)
	}

	_, helperTok = e.account(store.RoleReader, "helper2@example.org")
	g := e.newCase(owner, store.CaseOpen)
	e.do("POST", "/api/cases/"+g.id+"/collaborators", map[string]any{"email": "helper2@example.org", "kind": "mentee"}, auth(ownerTok)...)
	outcome := "abandoned"
	d, err := e.store.TransitionCase(ctx, owner, g.id, &g.version, store.Transition{To: "closed", Outcome: &outcome})
	if err != nil {
		t.Fatal(err)
	}
	if resp, _ := e.do("GET", "/api/cases/"+g.id, nil, auth(helperTok)...); resp.StatusCode != 404 {
		t.Fatalf("helper of a closed case: %d", resp.StatusCode)
	}
	if _, err := e.store.TransitionCase(ctx, owner, g.id, &d.Version, store.Transition{To: "open"}); err != nil {
		t.Fatal(err)
	}
	if resp, _ := e.do("GET", "/api/cases/"+g.id, nil, auth(helperTok)...); resp.StatusCode != 404 {
		t.Fatalf("reopening restored the helper: %d", resp.StatusCode)
	}
	// No invitation on a closed case file.
	d, _ = e.store.TransitionCase(ctx, owner, g.id, &[]int64{d.Version + 1}[0], store.Transition{To: "closed", Outcome: &outcome})
	if resp, body := e.do("POST", "/api/cases/"+g.id+"/collaborators", map[string]any{"email": "x@example.org", "kind": "support"}, auth(ownerTok)...); resp.StatusCode != 409 {
		t.Fatalf("invite on a closed case: %d %s", resp.StatusCode, body)
	}
}

// Two people save the same version: the second gets 412, loses nothing
// already saved, and the heartbeat tells each who else has the case open.
func TestConcurrentEditingAndPresence(t *testing.T) {
	e := newTestEnv(t)
	_, ownerTok := e.account(store.RoleEditor, "owner@example.org")
	owner := e.actorOf(ownerTok)
	_, helperTok := e.account(store.RoleReader, "helper@example.org")
	f := e.newCase(owner, store.CaseOpen)
	e.do("POST", "/api/cases/"+f.id+"/collaborators", map[string]any{"email": "helper@example.org", "kind": "support"}, auth(ownerTok)...)
	_, body := e.do("POST", "/api/cases/"+f.id+"/presence", nil, auth(ownerTok)...)
	_, body = e.do("POST", "/api/cases/"+f.id+"/presence", nil, auth(helperTok)...)
	p := decode[struct {
		Others  []presenceEntry `json:"others"`
		Version int64           `json:"version"`
	}](t, body)
	if len(p.Others) != 1 || p.Others[0].Name != "owner" || p.Version != f.version {
		t.Fatalf("presence: %s", body)
	}
	etag := fmt.Sprintf(`"%d"`, f.version)
	r1, _ := e.do("PATCH", "/api/cases/"+f.id, map[string]string{"summary": "Texte de la gestionnaire"}, append(auth(ownerTok), "If-Match", etag)...)
	r2, b2 := e.do("PATCH", "/api/cases/"+f.id, map[string]string{"place": "Texte de l'aide"}, append(auth(helperTok), "If-Match", etag)...)
	if r1.StatusCode != 200 || r2.StatusCode != 412 {
		t.Fatalf("saves: %d then %d %s", r1.StatusCode, r2.StatusCode, b2)
	}
	_, body = e.do("GET", "/api/cases/"+f.id, nil, auth(helperTok)...)
	if d := decode[store.CaseDetail](t, body); d.Summary != "Texte de la gestionnaire" {
		t.Fatalf("first save lost: %s", d.Summary)
	}
}

// Changing a helper's end date answers what the document says: a date today
// or later is set and the collaborator comes back, null removes the end
// date, a past day or "" is refused naming until, and the helper keeps
// access through every refusal.
func TestCollaboratorEndDateChanges(t *testing.T) {
	e := newTestEnv(t)
	_, ownerTok := e.account(store.RoleEditor, "owner@example.org")
	_, helperTok := e.account(store.RoleReader, "lea@example.org")
	f := e.newCase(e.actorOf(ownerTok), store.CaseOpen)
	resp, body := e.do("POST", "/api/cases/"+f.id+"/collaborators", map[string]any{"email": "lea@example.org", "kind": "trainee", "until": "2099-06-30"}, auth(ownerTok)...)
	if resp.StatusCode != 201 {
		t.Fatalf("invite: %d %s", resp.StatusCode, body)
	}
	col := decode[store.Collaborator](t, body)
	path := "/api/cases/" + f.id + "/collaborators/" + col.ID
	today := e.clock.now().UTC().Format(time.DateOnly)
	yesterday := e.clock.now().UTC().Add(-24 * time.Hour).Format(time.DateOnly)
	for _, tc := range []struct {
		name, body string
		status     int
		until      string // the collaborator's until after the change ("" none)
	}{
		{"a past day", `{"until":"` + yesterday + `"}`, 422, "2099-06-30"},
		{"an empty string", `{"until":""}`, 422, "2099-06-30"},
		{"not a date", `{"until":"bientôt"}`, 422, "2099-06-30"},
		{"absent", `{"major":true}`, 200, "2099-06-30"},
		{"today", `{"until":"` + today + `"}`, 200, today},
		{"null", `{"until":null}`, 200, ""},
	} {
		resp, body := e.doRaw("PATCH", path, "application/json", []byte(tc.body), auth(ownerTok)...)
		if resp.StatusCode != tc.status {
			t.Fatalf("%s: %d %s", tc.name, resp.StatusCode, body)
		}
		if tc.status == 422 {
			if fields := decode[errResp](t, body).Error.Fields; fields["until"] == "" {
				t.Fatalf("%s: the refusal does not name until: %s", tc.name, body)
			}
		} else if c := decode[store.Collaborator](t, body); c.ID != col.ID {
			t.Fatalf("%s: answered %s", tc.name, body)
		}
		_, body = e.do("GET", "/api/cases/"+f.id+"/collaborators", nil, auth(ownerTok)...)
		list := decode[struct{ Items []store.Collaborator }](t, body).Items
		got, found := "", false
		for _, c := range list {
			if c.ID == col.ID {
				found = true
				if c.Until != nil {
					got = *c.Until
				}
			}
		}
		if !found || got != tc.until {
			t.Fatalf("%s: collaborators %s, want until %q", tc.name, body, tc.until)
		}
		if resp, _ := e.do("GET", "/api/cases/"+f.id, nil, auth(helperTok)...); resp.StatusCode != 200 {
			t.Fatalf("%s: the helper lost access: %d", tc.name, resp.StatusCode)
		}
	}
}
