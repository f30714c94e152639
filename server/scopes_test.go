package server

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"cloison/store"
	"cloison/store/engine"
)

// scopeFixture is a network written straight into the database (the API
// that builds one has its own tests): organisations A and B, A with units
// A1 and A2, B with B1, beside the instance's first unit.
type scopeFixture struct {
	orgA, orgB         string
	unitA1, unitA2, b1 string
}

// writeSQL runs statements on the writer, for fixtures.
func (e *testEnv) writeSQL(query string, args ...any) {
	e.t.Helper()
	// Times as the store writes them, so that they compare as its own do.
	if _, err := e.store.Engine().Writer().ExecContext(context.Background(), query, engine.BindArgs(args)...); err != nil {
		e.t.Fatalf("%s: %v", query, err)
	}
}

func (e *testEnv) network() scopeFixture {
	e.t.Helper()
	f := scopeFixture{orgA: uuid.NewString(), orgB: uuid.NewString(), unitA1: uuid.NewString(), unitA2: uuid.NewString(), b1: uuid.NewString()}
	now := e.store.Now()
	for _, o := range []struct{ id, code string }{{f.orgA, "ORG-A"}, {f.orgB, "ORG-B"}} {
		e.writeSQL(`INSERT INTO organisations (id, name, code, status, created_at, updated_at) VALUES (?, ?, ?, 'active', ?, ?)`,
			o.id, "Organisation "+o.code, o.code, now, now)
	}
	for _, u := range []struct{ id, org, code string }{{f.unitA1, f.orgA, "A1"}, {f.unitA2, f.orgA, "A2"}, {f.b1, f.orgB, "B1"}} {
		e.writeSQL(`INSERT INTO units (id, org_id, name, code, status, created_at, updated_at) VALUES (?, ?, ?, ?, 'active', ?, ?)`,
			u.id, u.org, "Unité "+u.code, u.code, now, now)
	}
	return f
}

// member gives an account a membership of a scope (an organisation when
// unit is "") from from, until until if not nil.
func (e *testEnv) member(accountID, org, unit, role string, from time.Time, until *time.Time) {
	e.t.Helper()
	var orgArg, unitArg any
	if unit != "" {
		unitArg = unit
	} else {
		orgArg = org
	}
	now := e.store.Now()
	e.writeSQL(`INSERT INTO memberships (id, account_id, org_id, unit_id, role, valid_from, valid_until, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, uuid.NewString(), accountID, orgArg, unitArg, role, from, until, now, now)
}

// invitedMember is a membership offered to an e-mail address, not accepted.
func (e *testEnv) invitedMember(email, unit, role string) {
	e.t.Helper()
	now := e.store.Now()
	e.writeSQL(`INSERT INTO memberships (id, unit_id, role, valid_from, invited_email, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, uuid.NewString(), unit, role, now, store.EmailKey(email), now, now)
}

// scopedAccount is a reader with the given memberships and a session.
func (e *testEnv) scopedAccount(email string, grant func(id string)) (*store.Account, string) {
	e.t.Helper()
	acc, _ := e.account(store.RoleReader, email)
	grant(acc.ID)
	return acc, e.login(email, "a long enough passphrase")
}

// TestUnitPermissionMatrix: the permission matrix with the caller's
// relation to the case file's scope: its unit's admins, its organisation's,
// those of another unit of the same organisation and of another
// organisation, ended and upcoming mandates, a pending invitation, the
// secretariat, a member of the organisation. An admin of unit A learns
// nothing of unit B's case files: every refusal is byte-identical to a case
// file that does not exist.
func TestCaseScopePermissionMatrix(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	n := e.network()
	now := e.store.Now()
	past, future := now.Add(-time.Second), now.Add(24*time.Hour)
	ownerAcc, ownerTok := e.scopedAccount("owner@a1.example.org", func(id string) {
		e.member(id, "", n.unitA1, store.MemberEditor, now.Add(-time.Hour), nil)
	})
	owner := e.actorOf(ownerTok)
	unitAdmin := func(email, org, unit string, from time.Time, until *time.Time) string {
		_, tok := e.scopedAccount(email, func(id string) { e.member(id, org, unit, store.MemberAdmin, from, until) })
		return tok
	}
	a1Admin := unitAdmin("admin@a1.example.org", "", n.unitA1, now.Add(-time.Hour), nil)
	orgAdmin := unitAdmin("admin@a.example.org", n.orgA, "", now.Add(-time.Hour), nil)
	a2Admin := unitAdmin("admin@a2.example.org", "", n.unitA2, now.Add(-time.Hour), nil)
	bAdmin := unitAdmin("admin@b.example.org", n.orgB, "", now.Add(-time.Hour), nil)
	endedOrgAdmin := unitAdmin("ended@a.example.org", n.orgA, "", now.Add(-time.Hour), &past)
	upcomingAdmin := unitAdmin("upcoming@a1.example.org", "", n.unitA1, future, nil)
	_, a1Editor := e.scopedAccount("editor@a1.example.org", func(id string) {
		e.member(id, "", n.unitA1, store.MemberEditor, now.Add(-time.Hour), nil)
	})
	_, orgMember := e.scopedAccount("member@a.example.org", func(id string) {
		e.member(id, n.orgA, "", store.MemberMember, now.Add(-time.Hour), nil)
	})
	_, secretariat := e.account(store.RoleReader, "secretariat@example.org")
	e.writeSQL(`UPDATE accounts SET role = 'secretariat' WHERE email_key = ?`, "secretariat@example.org")
	e.invitedMember("invited@a1.example.org", n.unitA1, store.MemberAdmin)
	_, invited := e.account(store.RoleReader, "invited@a1.example.org")
	// An assignee whose editor mandate ended a second ago: entrusted while
	// it ran (a new mandate for each case file), then it ends.
	endedAcc, endedTok := e.scopedAccount("ended-editor@a1.example.org", func(string) {})
	entrustToEnded := func(f *fixtureCase) string {
		e.member(endedAcc.ID, "", n.unitA1, store.MemberEditor, e.store.Now().Add(-time.Hour), nil)
		d, err := e.store.SetAssignees(ctx, e.superActor(), f.id, &f.version,
			store.AssigneesChange{UserIDs: []string{ownerAcc.ID, endedAcc.ID}, Reason: "Binôme pour ce dossier"})
		if err != nil {
			t.Fatal(err)
		}
		f.version = d.Version
		e.writeSQL(`UPDATE memberships SET valid_until = ? WHERE account_id = ?`, e.store.Now().Add(-time.Second), endedAcc.ID)
		return endedTok
	}
	callers := []caller{
		{"no token", asNoAuth, "", nil},
		{"assignee, editor of the unit", asAssignee, ownerTok, nil},
		{"admin of the unit", asAdmin, a1Admin, e.withReason(a1Admin)},
		{"admin of the unit without reason", asAdminNoReason, a1Admin, nil},
		{"admin of the organisation", asAdmin, orgAdmin, e.withReason(orgAdmin)},
		{"admin of another unit of the organisation", asOutsiderAdmin, a2Admin, nil},
		{"admin of another organisation", asOutsiderAdmin, bAdmin, nil},
		{"admin of the organisation, mandate ended", asOutsider, endedOrgAdmin, nil},
		{"admin of the unit from tomorrow", asOutsider, upcomingAdmin, nil},
		{"invited as admin of the unit, not accepted", asOutsider, invited, nil},
		{"editor of the unit, not assignee", asOutsider, a1Editor, nil},
		{"assignee whose mandate ended", asOutsider, "", entrustToEnded},
		{"member of the organisation", asOutsider, orgMember, nil},
		{"secretariat", asOutsider, secretariat, nil},
	}
	newCase := func() fixtureCase {
		f := e.newCase(owner, store.CaseOpen)
		return f
	}
	runCaseMatrix(t, e, newCase, callers, caseEndpoints(ownerAcc.ID))
}

// TestUnitListsNeverLeak: lists, totals, searches and home counts of each
// kind of scope hold exactly the case files the rule shows it, and a unit's
// admin learns nothing of another unit's case files, not even by filtering
// on that unit.
func TestUnitListsNeverLeak(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	n := e.network()
	now := e.store.Now()
	editorIn := func(email, unit string) (store.Actor, string) {
		_, tok := e.scopedAccount(email, func(id string) { e.member(id, "", unit, store.MemberEditor, now.Add(-time.Hour), nil) })
		return e.actorOf(tok), tok
	}
	a1Ed, _ := editorIn("ed@a1.example.org", n.unitA1)
	a2Ed, _ := editorIn("ed@a2.example.org", n.unitA2)
	b1Ed, _ := editorIn("ed@b1.example.org", n.b1)
	made := map[string][]string{} // unit → case ids
	for i, who := range []struct {
		actor store.Actor
		unit  string
		count int
	}{{a1Ed, n.unitA1, 3}, {a2Ed, n.unitA2, 2}, {b1Ed, n.b1, 4}} {
		for j := 0; j < who.count; j++ {
			d, err := e.store.CreateCase(ctx, who.actor, store.NewCase{Title: fmt.Sprintf("Dossier consentement %d-%d", i, j),
				CategoryID: "autre", Summary: "Résumé"})
			if err != nil {
				t.Fatal(err)
			}
			if d.Unit.ID != who.unit {
				t.Fatalf("created in %s, want %s", d.Unit.ID, who.unit)
			}
			made[who.unit] = append(made[who.unit], d.ID)
		}
	}
	_, a1Admin := e.scopedAccount("admin@a1.example.org", func(id string) {
		e.member(id, "", n.unitA1, store.MemberAdmin, now.Add(-time.Hour), nil)
	})
	_, orgAdmin := e.scopedAccount("admin@a.example.org", func(id string) {
		e.member(id, n.orgA, "", store.MemberAdmin, now.Add(-time.Hour), nil)
	})
	// An admin of unit B1 who also helps on one case file of A1.
	mixedAcc, mixed := e.scopedAccount("admin@b1.example.org", func(id string) {
		e.member(id, "", n.b1, store.MemberAdmin, now.Add(-time.Hour), nil)
	})
	if _, err := e.store.InviteCollaborator(ctx, a1Ed, made[n.unitA1][0], store.NewCollaboration{Email: mixedAcc.Email, Kind: "support"}); err != nil {
		t.Fatal(err)
	}
	_, secretariat := e.account(store.RoleReader, "secretariat@example.org")
	e.writeSQL(`UPDATE accounts SET role = 'secretariat' WHERE email_key = ?`, "secretariat@example.org")
	_, superTok := e.account(store.RoleSuperadmin, "super@example.org")

	type listing struct {
		Items []store.CaseSummary `json:"items"`
		Total int64               `json:"total"`
	}
	ids := func(tok, query string) ([]string, int64) {
		t.Helper()
		if !strings.Contains(query, "per_page") {
			query += "&per_page=200"
		}
		resp, body := e.do("GET", "/api/cases?"+strings.TrimPrefix(query, "&"), nil, auth(tok)...)
		if resp.StatusCode != 200 {
			t.Fatalf("list %s: %d %s", query, resp.StatusCode, body)
		}
		l := decode[listing](t, body)
		var out []string
		for _, it := range l.Items {
			out = append(out, it.ID)
		}
		return out, l.Total
	}
	same := func(got, want []string) bool {
		seen := map[string]bool{}
		for _, id := range want {
			seen[id] = true
		}
		if len(got) != len(want) {
			return false
		}
		for _, id := range got {
			if !seen[id] {
				return false
			}
		}
		return true
	}
	all := append(append(append([]string{}, made[n.unitA1]...), made[n.unitA2]...), made[n.b1]...)
	for _, c := range []struct {
		who, tok, query string
		want            []string
	}{
		{"unit admin", a1Admin, "", made[n.unitA1]},
		{"unit admin, first page of two", a1Admin, "&per_page=2", made[n.unitA1]},
		{"unit admin, by status", a1Admin, "&status=draft", made[n.unitA1]},
		{"unit admin, searching", a1Admin, "&q=consentement", made[n.unitA1]},
		{"unit admin, filtering another unit", a1Admin, "&unit=" + n.b1, nil},
		{"organisation admin", orgAdmin, "", append(append([]string{}, made[n.unitA1]...), made[n.unitA2]...)},
		{"organisation admin, one unit", orgAdmin, "&unit=" + n.unitA2, made[n.unitA2]},
		{"organisation admin, searching", orgAdmin, "&q=consentement", append(append([]string{}, made[n.unitA1]...), made[n.unitA2]...)},
		{"admin of B1 helping on one case file of A1", mixed, "", append(append([]string{}, made[n.b1]...), made[n.unitA1][0])},
		{"admin of B1 helping, by status", mixed, "&status=draft", append(append([]string{}, made[n.b1]...), made[n.unitA1][0])},
		{"admin of B1 helping, searching", mixed, "&q=consentement", append(append([]string{}, made[n.b1]...), made[n.unitA1][0])},
		{"secretariat", secretariat, "", nil},
		{"secretariat, searching", secretariat, "&q=consentement", nil},
		{"superadmin", superTok, "", all},
	} {
		query := c.query
		got, total := ids(c.tok, query)
		wantTotal := int64(len(c.want))
		if c.query == "&per_page=2" {
			if len(got) != 2 || total != wantTotal {
				t.Errorf("%s: %d items, total %d; want 2 of %d", c.who, len(got), total, wantTotal)
			}
			continue
		}
		if !same(got, c.want) || total != wantTotal {
			t.Errorf("%s: got %v (total %d), want %v", c.who, got, total, c.want)
		}
	}
	// The home page counts "their" case files only: an admin's own, none here.
	resp, body := e.do("GET", "/api/me/overview", nil, auth(orgAdmin)...)
	if resp.StatusCode != 200 {
		t.Fatalf("overview: %d %s", resp.StatusCode, body)
	}
	ov := decode[store.Overview](t, body)
	for status, n := range ov.Counts {
		if n != 0 {
			t.Errorf("organisation admin's home counts %d %s case files of their own", n, status)
		}
	}
}

// Creating a case file: in the only unit one edits for; with several, the
// unit must be named, and one where the caller may not create is refused
// like one that does not exist. A unit's admin creates in their unit.
func TestCreateCaseInAUnit(t *testing.T) {
	e := newTestEnv(t)
	n := e.network()
	now := e.store.Now().Add(-time.Hour)
	_, both := e.scopedAccount("both@example.org", func(id string) {
		e.member(id, "", n.unitA1, store.MemberEditor, now, nil)
		e.member(id, "", n.unitA2, store.MemberEditor, now, nil)
	})
	_, adminA := e.scopedAccount("admin@a.example.org", func(id string) { e.member(id, n.orgA, "", store.MemberAdmin, now, nil) })
	_, reader := e.account(store.RoleReader, "reader@example.org")
	body := func(unit string) map[string]any {
		b := map[string]any{"title": "Refus de soins", "category_id": "autre", "summary": ""}
		if unit != "" {
			b["unit_id"] = unit
		}
		return b
	}
	for _, c := range []struct {
		who, tok, unit string
		status         int
		field, reason  string
	}{
		{"editor of two units, no unit", both, "", 422, "unit_id", "required"},
		{"editor of two units, another unit", both, n.b1, 422, "unit_id", "unknown"},
		{"editor of two units, a nonexistent unit", both, nonexistentID, 422, "unit_id", "unknown"},
		{"editor of two units, one of them", both, n.unitA2, 201, "", ""},
		{"organisation admin, no unit", adminA, "", 422, "unit_id", "required"},
		{"organisation admin, one of its units", adminA, n.unitA1, 201, "", ""},
		{"organisation admin, another organisation's unit", adminA, n.b1, 422, "unit_id", "unknown"},
		{"reader", reader, n.unitA1, 403, "", ""},
	} {
		resp, raw := e.do("POST", "/api/cases", body(c.unit), auth(c.tok)...)
		if resp.StatusCode != c.status {
			t.Errorf("%s: %d %s, want %d", c.who, resp.StatusCode, raw, c.status)
			continue
		}
		switch c.status {
		case 422:
			if got := decode[errResp](t, raw).Error.Fields[c.field]; got != c.reason {
				t.Errorf("%s: fields %s", c.who, raw)
			}
		case 201:
			if d := decode[store.CaseDetail](t, raw); d.Unit.ID != c.unit || d.Unit.Code == "" {
				t.Errorf("%s: created in %+v, want %s", c.who, d.Unit, c.unit)
			}
		}
	}
}

// An invitation accepted after the same person was entrusted with the case
// file adds nothing: one live grant per person and case file (a unique
// index), so the list, its total and the home page agree (they used to say
// 2, 2 and 1).
func TestInvitationAfterAssignmentCountsOnce(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	_, ownerTok := e.account(store.RoleEditor, "owner@example.org")
	owner := e.actorOf(ownerTok)
	f := e.newCase(owner, store.CaseOpen)
	// Invited as a helper before having an account: a link by e-mail.
	if _, err := e.store.InviteCollaborator(ctx, owner, f.id, store.NewCollaboration{Email: "newcomer@example.org", Kind: "support"}); err != nil {
		t.Fatal(err)
	}
	link := e.tokenOf("newcomer@example.org", 1, "/invitation")
	// Accredited as an editor meanwhile, and entrusted with the case file…
	peer, peerTok := e.account(store.RoleEditor, "newcomer@example.org")
	d, err := e.store.GetCase(ctx, owner, f.id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.SetAssignees(ctx, e.superActor(), f.id, &d.Version,
		store.AssigneesChange{UserIDs: []string{owner.ID(), peer.ID}, Reason: "Binôme pour ce dossier"}); err != nil {
		t.Fatal(err)
	}
	// …then the invitation is accepted.
	if resp, body := e.do("POST", "/api/invitations/accept", map[string]string{"token": link}, auth(peerTok)...); resp.StatusCode != 200 {
		t.Fatalf("accept: %d %s", resp.StatusCode, body)
	}
	resp, body := e.do("GET", "/api/cases", nil, auth(peerTok)...)
	if resp.StatusCode != 200 {
		t.Fatal(resp.StatusCode, string(body))
	}
	l := decode[struct {
		Items []store.CaseSummary `json:"items"`
		Total int64               `json:"total"`
	}](t, body)
	_, body = e.do("GET", "/api/me/overview", nil, auth(peerTok)...)
	home := int64(0)
	for _, n := range decode[store.Overview](t, body).Counts {
		home += n
	}
	if len(l.Items) != 1 || l.Total != 1 || home != 1 {
		t.Fatalf("list %d items, total %d, home %d: want 1, 1, 1", len(l.Items), l.Total, home)
	}
	// Still the case manager, not a helper.
	_, body = e.do("GET", "/api/cases/"+f.id, nil, auth(peerTok)...)
	if rel := decode[store.CaseDetail](t, body).Permissions.Relation; rel != store.GrantAssignee {
		t.Fatalf("relation %q after accepting", rel)
	}
}

// A unit's admins decide the role requests naming their unit, and see no
// other; the approved editor edits for that unit. Scope admins read the
// audit entries of their scope, no others.
func TestScopedRoleRequestsAndAudit(t *testing.T) {
	e := newTestEnv(t)
	n := e.network()
	now := e.store.Now().Add(-time.Hour)
	_, a1Admin := e.scopedAccount("admin@a1.example.org", func(id string) { e.member(id, "", n.unitA1, store.MemberAdmin, now, nil) })
	_, b1Admin := e.scopedAccount("admin@b1.example.org", func(id string) { e.member(id, "", n.b1, store.MemberAdmin, now, nil) })
	_, nina := e.account(store.RoleReader, "nina@example.org")
	// With several units, the request names one.
	resp, body := e.do("POST", "/api/me/role-requests", map[string]any{"role": "editor", "message": "Je rejoins l’équipe A1"}, auth(nina)...)
	if resp.StatusCode != 422 || decode[errResp](t, body).Error.Fields["unit_id"] != "required" {
		t.Fatalf("request without a unit: %d %s", resp.StatusCode, body)
	}
	resp, body = e.do("POST", "/api/me/role-requests", map[string]any{"role": "editor", "message": "Je rejoins l’équipe A1", "unit_id": n.unitA1}, auth(nina)...)
	if resp.StatusCode != 201 {
		t.Fatalf("request: %d %s", resp.StatusCode, body)
	}
	rr := decode[store.RoleRequest](t, body)
	if rr.Unit == nil || rr.Unit.ID != n.unitA1 {
		t.Fatalf("request's unit: %s", body)
	}
	list := func(tok string) []store.RoleRequest {
		resp, body := e.do("GET", "/api/role-requests", nil, auth(tok)...)
		if resp.StatusCode != 200 {
			t.Fatalf("list: %d %s", resp.StatusCode, body)
		}
		return decode[struct {
			Items []store.RoleRequest `json:"items"`
		}](t, body).Items
	}
	if got := list(b1Admin); len(got) != 0 {
		t.Fatalf("B1's admin sees %d requests for A1", len(got))
	}
	if got := list(a1Admin); len(got) != 1 || got[0].ID != rr.ID {
		t.Fatalf("A1's admin sees %+v", got)
	}
	decision := map[string]string{"reason": "Accord du bureau du 28/11"}
	_, ghost := e.do("POST", "/api/role-requests/"+nonexistentID+"/approve", decision, auth(b1Admin)...)
	resp, body = e.do("POST", "/api/role-requests/"+rr.ID+"/approve", decision, auth(b1Admin)...)
	if resp.StatusCode != 404 || string(body) != string(ghost) {
		t.Fatalf("B1's admin approving A1's request: %d %s", resp.StatusCode, body)
	}
	if resp, body := e.do("POST", "/api/role-requests/"+rr.ID+"/approve", decision, auth(a1Admin)...); resp.StatusCode != 200 {
		t.Fatalf("A1's admin approving: %d %s", resp.StatusCode, body)
	}
	_, body = e.do("GET", "/api/me", nil, auth(nina)...)
	me := decode[struct {
		Role  string            `json:"role"`
		Units []store.ScopeUnit `json:"units"`
	}](t, body)
	if me.Role != store.RoleEditor || len(me.Units) != 1 || me.Units[0].ID != n.unitA1 || !me.Units[0].Editor {
		t.Fatalf("after approval: %s", body)
	}
	// The audit log: A1's admin reads A1's entries (the request, its
	// approval, the membership), B1's admin none of them.
	audit := func(tok string) []store.AuditEntry {
		resp, body := e.do("GET", "/api/audit?per_page=200", nil, auth(tok)...)
		if resp.StatusCode != 200 {
			t.Fatalf("audit: %d %s", resp.StatusCode, body)
		}
		return decode[struct {
			Items []store.AuditEntry `json:"items"`
		}](t, body).Items
	}
	var actions []string
	for _, en := range audit(a1Admin) {
		if en.UnitID != n.unitA1 {
			t.Errorf("A1's admin reads an entry of %q: %+v", en.UnitID, en)
		}
		actions = append(actions, en.Action)
	}
	if got := strings.Join(actions, ","); got != "role_request.approved,membership.created,role_request.created" {
		t.Errorf("A1's admin reads %s", got)
	}
	if got := audit(b1Admin); len(got) != 0 {
		t.Errorf("B1's admin reads %d entries of A1", len(got))
	}
	if resp, _ := e.do("GET", "/api/audit", nil, auth(nina)...); resp.StatusCode != 403 {
		t.Errorf("an editor reads the audit log: %d", resp.StatusCode)
	}
}

// A module switched off: its endpoints answer 403 module_disabled (after
// the 404 of a case file one may not see), the case file says so, and
// reminders are not sent for it.
func TestModulesSwitchedOff(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	_, tok := e.account(store.RoleEditor, "ed@example.org")
	ed := e.actorOf(tok)
	f := e.newCase(ed, store.CaseOpen)
	soon := e.clock.now().AddDate(0, 0, 2).Format("2006-01-02")
	title := "Relancer"
	if _, err := e.store.AddDeadline(ctx, ed, f.id, store.DeadlineInput{Title: &title, DueDate: &soon}); err != nil {
		t.Fatal(err)
	}
	e.writeSQL(`UPDATE units SET module_helpers = FALSE, module_attachments = FALSE, module_reminders = FALSE`)
	for _, r := range []struct{ method, path, body string }{
		{"GET", "/api/cases/{id}/attachments", ""},
		{"GET", "/api/cases/{id}/attachments/" + f.attachment, ""},
		{"POST", "/api/cases/{id}/attachments", "upload"},
		{"DELETE", "/api/cases/{id}/attachments/" + f.attachment, ""},
		{"GET", "/api/cases/{id}/collaborators", ""},
		{"POST", "/api/cases/{id}/collaborators", `{"email":"h@example.org","kind":"support"}`},
		{"DELETE", "/api/cases/{id}/collaborators/" + f.collaborator, ""},
	} {
		path := strings.ReplaceAll(r.path, "{id}", f.id)
		var resp *http.Response
		var body []byte
		if r.body == "upload" {
			resp, body = e.upload(f.id, "plainte.pdf", samplePDF, tok)
		} else {
			ct := ""
			if r.body != "" {
				ct = "application/json"
			}
			resp, body = e.doRaw(r.method, path, ct, []byte(r.body), auth(tok)...)
		}
		if resp.StatusCode != 403 || decode[errResp](t, body).Error.Code != "module_disabled" {
			t.Errorf("%s %s: %d %s, want 403 module_disabled", r.method, r.path, resp.StatusCode, body)
		}
	}
	_, body := e.do("GET", "/api/cases/"+f.id, nil, auth(tok)...)
	d := decode[store.CaseDetail](t, body)
	if d.Modules.Helpers || d.Modules.Attachments || d.Modules.Reminders || d.Permissions.Invite {
		t.Errorf("case file's modules %+v, invite %v", d.Modules, d.Permissions.Invite)
	}
	if n, err := e.store.SendDeadlineReminders(ctx); err != nil || n != 0 {
		t.Errorf("reminders with the module off: %d %v", n, err)
	}
}

// Reminders reach the case managers the rule shows the case file to: an
// assignee whose editor mandate ended gets none.
func TestRemindersFollowMandates(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	_, tok := e.account(store.RoleEditor, "ed@example.org")
	ed := e.actorOf(tok)
	f := e.newCase(ed, store.CaseOpen)
	soon := e.clock.now().AddDate(0, 0, 2).Format("2006-01-02")
	title := "Relancer"
	if _, err := e.store.AddDeadline(ctx, ed, f.id, store.DeadlineInput{Title: &title, DueDate: &soon}); err != nil {
		t.Fatal(err)
	}
	e.writeSQL(`UPDATE memberships SET valid_until = ? WHERE role = 'editor'`, e.store.Now().Add(-time.Second))
	if n, err := e.store.SendDeadlineReminders(ctx); err != nil || n != 0 {
		t.Fatalf("reminders to an editor whose mandate ended: %d %v", n, err)
	}
	resp, _ := e.do("GET", "/api/cases/"+f.id, nil, auth(e.login("ed@example.org", "a long enough passphrase"))...)
	if resp.StatusCode != 404 {
		t.Fatalf("the case file after the mandate ended: %d", resp.StatusCode)
	}
}
