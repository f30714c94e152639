package server

import (
	"fmt"
	"strings"
	"testing"

	"cloison/store"
)

// matrixRow is one endpoint of a permission matrix: a request (built anew
// for each caller, so that writes do not interfere) and each caller's status.
type matrixRow struct {
	name    string
	method  string
	path    func() string
	body    func() any
	want    func(caller string) int
	missing string // the same path with an id that does not exist, for the 404s
}

// run sends each row as every caller; a 404 must be byte-identical to the
// 404 of a scope that does not exist.
func (nw *network) run(t *testing.T, rows []matrixRow) {
	t.Helper()
	for _, r := range rows {
		for _, caller := range networkCallers {
			var body any
			if r.body != nil {
				body = r.body()
			}
			status, got := nw.call(caller, r.method, r.path(), body)
			if want := r.want(caller); status != want {
				t.Errorf("%s as %s: %d %s, want %d", r.name, caller, status, got, want)
				continue
			}
			if status == 404 && r.missing != "" {
				if _, ghost := nw.call(caller, r.method, r.missing, body); string(ghost) != string(got) {
					t.Errorf("%s as %s: the 404 %s differs from a missing one's %s", r.name, caller, got, ghost)
				}
			}
		}
	}
}

func (nw *network) reason() map[string]any {
	return map[string]any{"reason": "Décision du conseil du 3 mars"}
}

// TestOrganisationPermissionMatrix: every organisation endpoint × every
// role and relation to organisation A (and to C, centrally managed).
func TestOrganisationPermissionMatrix(t *testing.T) {
	nw := newNetwork(t)
	orgA, orgC := "/api/orgs/"+nw.orgA, "/api/orgs/"+nw.orgC
	missing := "/api/orgs/" + nonexistentID
	n := 0
	code := func() string { n++; return fmt.Sprintf("NEW-%d", n) }
	patch := func() any { return map[string]any{"address": "1 rue de la Paix", "reason": "Déménagement du siège"} }
	newUnit := func() any {
		return map[string]any{"name": "Antenne", "code": code(), "contact_email": "antenne@example.org", "reason": "Ouverture d'une antenne"}
	}
	newMember := func(role string) func() any {
		return func() any {
			return map[string]any{"email": nw.fresh(), "role": role, "functions": []string{"tresorier"}, "reason": "Élu·e en assemblée générale"}
		}
	}
	readers := all(200, append(append([]string{}, keepersA...), membersA...)...)
	writers := merge(all(403, membersA...), all(200, keepersA...))
	centralAdmins := all(403, "orgAdminC", "superadmin", "admin") // centrally_managed, checked below
	nw.run(t, []matrixRow{
		{name: "list", method: "GET", path: func() string { return "/api/orgs" }, want: expect(200, nil)},
		{name: "create", method: "POST", path: func() string { return "/api/orgs" }, body: func() any {
			return map[string]any{"name": "Nouvelle", "code": code(), "admin_email": nw.fresh(), "reason": "Adhésion votée en assemblée"}
		}, want: expect(403, all(201, "secretariat", "superadmin"))},
		{name: "read A", method: "GET", path: func() string { return orgA }, want: expect(404, readers), missing: missing},
		{name: "change A", method: "PATCH", path: func() string { return orgA }, body: patch, want: expect(404, writers), missing: missing},
		{name: "change C", method: "PATCH", path: func() string { return orgC }, body: patch,
			want: expect(404, merge(centralAdmins, all(200, "secretariat"))), missing: missing},
		{name: "unit in A", method: "POST", path: func() string { return orgA + "/units" }, body: newUnit,
			want: expect(404, merge(all(403, membersA...), all(201, keepersA...))), missing: missing + "/units"},
		{name: "unit in C", method: "POST", path: func() string { return orgC + "/units" }, body: newUnit,
			want: expect(404, merge(centralAdmins, all(201, "secretariat"))), missing: missing + "/units"},
		{name: "members of A", method: "GET", path: func() string { return orgA + "/members" }, want: expect(404, readers), missing: missing + "/members"},
		{name: "member to A", method: "POST", path: func() string { return orgA + "/members" }, body: newMember(store.MemberMember),
			want: expect(404, merge(all(403, membersA...), all(201, keepersA...))), missing: missing + "/members"},
		{name: "admin to A", method: "POST", path: func() string { return orgA + "/members" }, body: newMember(store.MemberAdmin),
			want: expect(404, merge(all(403, membersA...), all(201, keepersA...))), missing: missing + "/members"},
		{name: "member to C", method: "POST", path: func() string { return orgC + "/members" }, body: newMember(store.MemberMember),
			want: expect(404, merge(centralAdmins, all(201, "secretariat"))), missing: missing + "/members"},
	})

	// A centrally managed organisation says why.
	for _, caller := range []string{"orgAdminC", "superadmin", "admin"} {
		status, body := nw.call(caller, "PATCH", orgC, patch())
		if status != 403 || decode[errResp](t, body).Error.Code != "centrally_managed" {
			t.Errorf("PATCH C as %s: %d %s", caller, status, body)
		}
	}
	// Only the secretariat and superadmins change the status and the central flag.
	for caller, want := range map[string]int{"orgAdminA": 403, "admin": 403, "superadmin": 200, "secretariat": 200} {
		status, body := nw.call(caller, "PATCH", orgA, map[string]any{"centrally_managed": false, "reason": "Décision du secrétariat"})
		if status != want {
			t.Errorf("PATCH A centrally_managed as %s: %d %s, want %d", caller, status, body, want)
		}
	}
}

// What each caller reads of an organisation: its list, its record, its
// members, with e-mails for its keepers only.
func TestOrganisationReads(t *testing.T) {
	nw := newNetwork(t)
	for caller, want := range map[string]int{"secretariat": 4, "superadmin": 4, "admin": 4, "orgAdminA": 1, "memberA1": 1, "reader": 0, "endedA1": 0} {
		_, body := nw.call(caller, "GET", "/api/orgs", nil)
		l := decode[listBody[store.Organisation]](t, body)
		if l.Total != int64(want) || len(l.Items) != want {
			t.Errorf("orgs of %s: %s, want %d", caller, body, want)
		}
		if want == 1 && l.Items[0].ID != nw.orgA {
			t.Errorf("orgs of %s: %s", caller, body)
		}
	}
	_, body := nw.call("secretariat", "GET", "/api/orgs?q=org-c&per_page=1", nil)
	if l := decode[listBody[store.Organisation]](t, body); l.Total != 1 || l.Items[0].ID != nw.orgC || !l.Items[0].Central {
		t.Errorf("search by code: %s", body)
	}

	_, body = nw.call("orgAdminA", "GET", "/api/orgs/"+nw.orgA, nil)
	rec := decode[store.OrgDetail](t, body)
	if rec.Code != "ORG-A" || rec.Status != store.ScopeActive || len(rec.Units) != 2 || rec.Units[0].UnitSettings == nil {
		t.Fatalf("record for its admin: %s", body)
	}
	emails := map[string]string{}
	for _, m := range rec.Members {
		emails[m.Name] = m.Email
		if m.ScopeType != "org" || m.ScopeID != nw.orgA || m.ScopeName != "Organisation A" {
			t.Errorf("member %+v", m)
		}
	}
	// The invited first admin, the admin and the member; e-mails for the keeper.
	if len(rec.Members) != 3 || emails["orgAdminA"] != "orgAdminA@example.org" || emails[""] != "first-admin-a@example.net" {
		t.Errorf("members for its admin: %s", body)
	}
	_, body = nw.call("memberA1", "GET", "/api/orgs/"+nw.orgA, nil)
	rec = decode[store.OrgDetail](t, body)
	if len(rec.Units) != 2 || rec.Units[0].UnitSettings != nil || len(rec.Members) != 2 || strings.Contains(string(body), "@") {
		t.Errorf("record for a member: %s", body)
	}
	for _, m := range rec.Members {
		if m.Status != store.MembershipActive || m.Functions == nil {
			t.Errorf("a member sees %+v", m)
		}
	}
	// The members list: the same rule, paginated, filtered by status.
	_, body = nw.call("memberA", "GET", "/api/orgs/"+nw.orgA+"/members?per_page=1", nil)
	if l := decode[listBody[store.MembershipView]](t, body); l.Total != 2 || len(l.Items) != 1 || strings.Contains(string(body), "@") {
		t.Errorf("members list for a member: %s", body)
	}
	_, body = nw.call("memberA", "GET", "/api/orgs/"+nw.orgA+"/members?status=invited", nil)
	if l := decode[listBody[store.MembershipView]](t, body); l.Total != 0 {
		t.Errorf("a member sees invitations: %s", body)
	}
	_, body = nw.call("admin", "GET", "/api/orgs/"+nw.orgA+"/members?status=invited", nil)
	if l := decode[listBody[store.MembershipView]](t, body); l.Total != 1 || l.Items[0].Email != "first-admin-a@example.net" ||
		l.Items[0].InvitationExpiresAt == nil || l.Items[0].AccountID != nil {
		t.Errorf("invited members for an admin: %s", body)
	}
	status, body := nw.call("admin", "GET", "/api/orgs/"+nw.orgA+"/members?status=gone", nil)
	if status != 422 || decode[errResp](t, body).Error.Fields["status"] == "" {
		t.Errorf("bad status filter: %d %s", status, body)
	}
}
