package server

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"cloison/server/config"
	"cloison/server/report/reporttest"
	"cloison/store"
)

// A minimal valid PDF, for attachment tests.
var samplePDF = []byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")

const nonexistentID = "6f1c2f3e-9a8b-4c7d-8e9f-0a1b2c3d4e5f"

// upload posts a file as multipart/form-data field "file".
func (e *testEnv) upload(caseID, name string, content []byte, tok string) (*http.Response, []byte) {
	e.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fw, _ := w.CreateFormFile("file", name)
	fw.Write(content)
	w.Close()
	return e.doRaw("POST", "/api/cases/"+caseID+"/attachments", w.FormDataContentType(), buf.Bytes(), auth(tok)...)
}

// fixtureCase is a case file created by its assignee through the store, moved
// to a status, with one deadline, one attachment and one invited helper.
type fixtureCase struct {
	id, deadline, attachment, collaborator string
	version                                int64
}

func (e *testEnv) newCase(owner store.Actor, status string) fixtureCase {
	e.t.Helper()
	ctx := context.Background()
	d, err := e.store.CreateCase(ctx, owner, store.NewCase{Title: "Refus de péridurale", CategoryID: "sante",
		Summary: "La personne a demandé une péridurale qui lui a été refusée.", Place: "Maternité du Centre"})
	if err != nil {
		e.t.Fatal(err)
	}
	v := d.Version
	path := map[string][]string{store.CaseOpen: {"open"}, store.CasePending: {"open", "pending"},
		store.CaseClosed: {"open", "closed"}, store.CaseArchived: {"open", "closed", "archived"}}[status]
	for _, to := range path {
		tr := store.Transition{To: to}
		if to == store.CaseClosed {
			outcome := "partial"
			tr.Outcome = &outcome
		}
		actor := owner
		if to == store.CaseArchived {
			actor = e.superActor()
		}
		nd, err := e.store.TransitionCase(ctx, actor, d.ID, &v, tr)
		if err != nil {
			e.t.Fatalf("fixture transition to %s: %v", to, err)
		}
		v = nd.Version
	}
	f := fixtureCase{id: d.ID, version: v}
	if status != store.CaseArchived {
		title, due := "Relancer la clinique", "2026-12-01"
		dl, err := e.store.AddDeadline(ctx, owner, d.ID, store.DeadlineInput{Title: &title, DueDate: &due})
		if err != nil {
			e.t.Fatal(err)
		}
		a, err := e.store.AddAttachment(ctx, owner, d.ID, "courrier.pdf", samplePDF)
		if err != nil {
			e.t.Fatal(err)
		}
		f.deadline, f.attachment = dl.ID, a.ID
		if status != store.CaseClosed {
			col, err := e.store.InviteCollaborator(ctx, owner, d.ID, store.NewCollaboration{Email: "fixture-helper@example.org", Kind: "mentee"})
			if err != nil {
				e.t.Fatal(err)
			}
			f.collaborator = col.ID
		}
	}
	return f
}

var superActorCache = map[*testEnv]store.Actor{}

// superActor is a superadmin acting through the store (fixtures only).
func (e *testEnv) superActor() store.Actor {
	if a, ok := superActorCache[e]; ok {
		return a
	}
	_, tok := e.account(store.RoleSuperadmin, fmt.Sprintf("fixture-sa-%p@example.org", e))
	a := e.actorOf(tok)
	superActorCache[e] = a
	return a
}

// Classes of caller: what a caller is to the case file decides what each
// endpoint answers them.
const (
	asNoAuth        = "no valid session"
	asAssignee      = "assignee"
	asAdmin         = "admin with a reason"
	asAdminNoReason = "admin without a reason"
	asHelper        = "helper"
	// asOutsider may not see the case file and administers nothing.
	asOutsider = "outsider"
	// asOutsiderAdmin may not see the case file but administers elsewhere:
	// past the admins' guard, the case file is a 404 to them too.
	asOutsiderAdmin = "admin elsewhere"
)

type caller struct {
	name  string
	class string
	tok   string
	// prepare runs before each request on a fresh case file (an admin's
	// reason, a helper's grant...) and may return the token to use instead.
	prepare func(f *fixtureCase) string
}

// caseEndpoint is one route of a case file and what each class of caller
// gets from it.
type caseEndpoint struct {
	method, path, body string
	want               map[string]int
}

// caseEndpoints are the routes of one case file, on an open case file
// entrusted to assignee.
func caseEndpoints(assignee string) []caseEndpoint {
	reason := `{"reason":"Décision du CA du 20/11/2026"}`
	// visible: managers get ok, helpers helperOK, whoever may not see it 404.
	visible := func(ok, helperOK int) map[string]int {
		return map[string]int{asNoAuth: 401, asAssignee: ok, asAdminNoReason: 403, asAdmin: ok, asHelper: helperOK,
			asOutsider: 404, asOutsiderAdmin: 404}
	}
	// adminOnly: the admins' guard refuses whoever administers nothing.
	adminOnly := func(ok int) map[string]int {
		return map[string]int{asNoAuth: 401, asAssignee: 403, asAdminNoReason: ok, asAdmin: ok, asHelper: 403,
			asOutsider: 403, asOutsiderAdmin: 404}
	}
	with := func(m map[string]int, k string, v int) map[string]int { m[k] = v; return m }
	return []caseEndpoint{
		{"GET", "/api/cases/{id}", "", visible(200, 200)},
		{"PATCH", "/api/cases/{id}", `{"title":"Refus de péridurale (maj)"}`, visible(200, 200)},
		// Deleting carries its own reason, so an admin needs no prior one.
		{"DELETE", "/api/cases/{id}", reason, with(with(visible(204, 403), asAssignee, 409), asAdminNoReason, 204)},
		{"POST", "/api/cases/{id}/transition", `{"to":"pending","comment":"Courrier envoyé"}`, visible(200, 403)},
		{"GET", "/api/cases/{id}/history", "", visible(200, 200)},
		{"GET", "/api/cases/{id}/notes", "", visible(200, 200)},
		{"POST", "/api/cases/{id}/notes", `{"body":"Appel de la clinique"}`, visible(201, 201)},
		{"GET", "/api/cases/{id}/deadlines", "", visible(200, 200)},
		{"POST", "/api/cases/{id}/deadlines", `{"title":"Saisir la CCI","due_date":"2027-01-15"}`, visible(201, 201)},
		{"PATCH", "/api/cases/{id}/deadlines/{did}", `{"done":true}`, visible(200, 200)},
		{"DELETE", "/api/cases/{id}/deadlines/{did}", "", visible(204, 204)},
		{"GET", "/api/cases/{id}/attachments", "", visible(200, 200)},
		{"POST", "/api/cases/{id}/attachments", "upload", visible(201, 201)},
		{"GET", "/api/cases/{id}/attachments/{aid}", "", visible(200, 200)},
		{"DELETE", "/api/cases/{id}/attachments/{aid}", "", visible(204, 403)},
		{"GET", "/api/cases/{id}/report.pdf", "", visible(200, 403)},
		// The notice: whoever may read the case file, helpers included.
		{"GET", "/api/cases/{id}/notice.pdf?locale=de", "", visible(200, 200)},
		{"GET", "/api/cases/{id}/collaborators", "", visible(200, 200)},
		{"POST", "/api/cases/{id}/collaborators", `{"email":"new-helper@example.org","kind":"trainee"}`, visible(201, 403)},
		{"PATCH", "/api/cases/{id}/collaborators/{cid}", `{"major":false}`, visible(200, 403)},
		{"DELETE", "/api/cases/{id}/collaborators/{cid}", "", visible(204, 403)},
		{"POST", "/api/cases/{id}/presence", "", visible(200, 200)},
		{"PUT", "/api/cases/{id}/assignees", `{"user_ids":["` + assignee + `"],"reason":"Décision du CA du 20/11/2026"}`, adminOnly(200)},
		{"POST", "/api/cases/{id}/access", reason, with(adminOnly(204), asAdminNoReason, 204)},
	}
}

// runCaseMatrix sends every endpoint as every caller, each time on a fresh
// open case file made by newCase, and checks the status by the caller's
// class. Every 404 is byte-identical to the 404 of a case file that does not
// exist.
func runCaseMatrix(t *testing.T, e *testEnv, newCase func() fixtureCase, callers []caller, endpoints []caseEndpoint) {
	t.Helper()
	for _, ep := range endpoints {
		for _, cl := range callers {
			f := newCase()
			tok := cl.tok
			if cl.prepare != nil {
				tok = cl.prepare(&f)
			}
			send := func(caseID string) (*http.Response, []byte) {
				path := strings.NewReplacer("{id}", caseID, "{did}", f.deadline, "{aid}", f.attachment, "{cid}", f.collaborator).Replace(ep.path)
				headers := []string{"If-Match", fmt.Sprintf(`"%d"`, f.version)}
				if tok != "" {
					headers = append(headers, auth(tok)...)
				}
				if ep.body == "upload" {
					var buf bytes.Buffer
					w := multipart.NewWriter(&buf)
					fw, _ := w.CreateFormFile("file", "plainte.pdf")
					fw.Write(samplePDF)
					w.Close()
					return e.doRaw(ep.method, path, w.FormDataContentType(), buf.Bytes(), headers...)
				}
				ct := ""
				if ep.body != "" {
					ct = "application/json"
				}
				return e.doRaw(ep.method, path, ct, []byte(ep.body), headers...)
			}
			want, ok := ep.want[cl.class]
			if !ok {
				t.Fatalf("%s %s: no status for class %q", ep.method, ep.path, cl.class)
			}
			resp, body := send(f.id)
			if resp.StatusCode != want {
				t.Errorf("%s %s as %s: %d %s, want %d", ep.method, ep.path, cl.name, resp.StatusCode, body, want)
				continue
			}
			if want == 404 {
				_, ghost := send(nonexistentID)
				if !bytes.Equal(body, ghost) {
					t.Errorf("%s %s as %s: 404 body %s differs from a nonexistent case's %s", ep.method, ep.path, cl.name, body, ghost)
				}
			}
		}
	}
}

// TestCasePermissionMatrix: role × relation to the case file × endpoint ×
// expected status. Every 404 is byte-identical to the 404 of a case file
// that does not exist.
func TestCasePermissionMatrix(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	ownerAcc, ownerTok := e.account(store.RoleEditor, "owner@example.org")
	owner := e.actorOf(ownerTok)
	_, otherTok := e.account(store.RoleEditor, "other@example.org")
	_, readerTok := e.account(store.RoleReader, "reader@example.org")
	_, adminTok := e.account(store.RoleAdmin, "admin@example.org")
	_, superTok := e.account(store.RoleSuperadmin, "super@example.org")
	blockedAcc, blockedTok := e.account(store.RoleEditor, "blocked@example.org")
	helperAcc, helperTok := e.account(store.RoleReader, "helper@example.org")
	invite := func(f *fixtureCase, email string) string {
		col, err := e.store.InviteCollaborator(ctx, owner, f.id, store.NewCollaboration{Email: email, Kind: "support", Major: true})
		if err != nil {
			t.Fatal(err)
		}
		return col.ID
	}
	helper := func(then func(f *fixtureCase, grant string)) func(*fixtureCase) string {
		return func(f *fixtureCase) string {
			g := invite(f, helperAcc.Email)
			if then != nil {
				then(f, g)
			}
			return helperTok
		}
	}
	pending := 0
	callers := []caller{
		{"no token", asNoAuth, "", nil},
		{"blocked", asNoAuth, blockedTok, nil},
		{"reader", asOutsider, readerTok, nil},
		{"editor not assignee", asOutsider, otherTok, nil},
		{"editor assignee", asAssignee, ownerTok, nil},
		{"admin without reason", asAdminNoReason, adminTok, nil},
		{"admin", asAdmin, adminTok, e.withReason(adminTok)},
		{"superadmin", asAdmin, superTok, e.withReason(superTok)},
		{"helper", asHelper, "", helper(nil)},
		{"revoked helper", asOutsider, "", helper(func(f *fixtureCase, g string) {
			if err := e.store.RevokeCollaborator(ctx, owner, f.id, g); err != nil {
				t.Fatal(err)
			}
		})},
		{"expired helper", asOutsider, "", helper(func(f *fixtureCase, g string) {
			e.expireCollaboration(owner, f.id, g)
		})},
		{"helper of a closed case", asOutsider, "", helper(func(f *fixtureCase, g string) {
			outcome := "obtained"
			d, err := e.store.TransitionCase(ctx, owner, f.id, &f.version, store.Transition{To: "closed", Outcome: &outcome})
			if err != nil {
				t.Fatal(err)
			}
			f.version = d.Version
		})},
		{"invited, not accepted", asOutsider, "", func(f *fixtureCase) string {
			pending++
			email := fmt.Sprintf("pending%d@example.org", pending)
			invite(f, email)
			_, tok := e.account(store.RoleReader, email) // registered after the invitation, never accepted it
			return tok
		}},
	}
	// A blocked account's session, taken before the block, opens nothing.
	if _, err := e.store.SetAccountStatus(ctx, e.superActor(), blockedAcc.ID, "block", "fixture for the matrix"); err != nil {
		t.Fatal(err)
	}
	runCaseMatrix(t, e, func() fixtureCase { return e.newCase(owner, store.CaseOpen) }, callers, caseEndpoints(ownerAcc.ID))
}

// withReason gives, before each request, the admin's reason to read the
// fresh case file, so that the request itself is what the matrix tests.
func (e *testEnv) withReason(tok string) func(*fixtureCase) string {
	return func(f *fixtureCase) string {
		if err := e.store.OpenCaseAsAdmin(context.Background(), e.actorOf(tok), f.id, "Contrôle demandé par le CA"); err != nil {
			e.t.Fatal(err)
		}
		return tok
	}
}

func TestCaseListsNeverLeak(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	var editors []store.Actor
	var toks []string
	for i := 0; i < 4; i++ {
		_, tok := e.account(store.RoleEditor, fmt.Sprintf("ed%d@example.org", i))
		editors = append(editors, e.actorOf(tok))
		toks = append(toks, tok)
	}
	_, adminTok := e.account(store.RoleAdmin, "admin@example.org")
	// 300 case files spread unevenly: editor i gets 30·(i+1) of them; one
	// word is unique to editor 0's files, another shared by all.
	owned := make([]int, 4)
	for n := 0; n < 300; n++ {
		i := n % 10 % 4
		if n%10 >= 4 {
			i = n % 10 / 3
		}
		if i > 3 {
			i = 3
		}
		title := fmt.Sprintf("Dossier %d commun", n)
		if i == 0 {
			title += " zéphyrin"
		}
		if _, err := e.store.CreateCase(ctx, editors[i], store.NewCase{Title: title, CategoryID: "autre", Summary: "Résumé partagé"}); err != nil {
			t.Fatal(err)
		}
		owned[i]++
	}
	for i, tok := range toks {
		_, body := e.do("GET", "/api/cases?per_page=200", nil, auth(tok)...)
		l := decode[listBody[store.CaseSummary]](t, body)
		if l.Total != int64(owned[i]) || len(l.Items) != min(owned[i], 200) {
			t.Fatalf("editor %d: total %d, %d items; owns %d", i, l.Total, len(l.Items), owned[i])
		}
		_, body = e.do("GET", "/api/cases?q=commun&per_page=5", nil, auth(tok)...)
		if l := decode[listBody[store.CaseSummary]](t, body); l.Total != int64(owned[i]) {
			t.Fatalf("editor %d search total %d, owns %d", i, l.Total, owned[i])
		}
		_, body = e.do("GET", "/api/cases?q=zephyrin", nil, auth(tok)...)
		want := int64(0)
		if i == 0 {
			want = int64(owned[0])
		}
		if l := decode[listBody[store.CaseSummary]](t, body); l.Total != want {
			t.Fatalf("editor %d: search for another's word found %d", i, l.Total)
		}
		_, body = e.do("GET", "/api/me/overview", nil, auth(tok)...)
		if ov := decode[store.Overview](t, body); ov.Counts["draft"] != int64(owned[i]) {
			t.Fatalf("editor %d overview counts %v", i, ov.Counts)
		}
	}
	_, body := e.do("GET", "/api/cases?per_page=1", nil, auth(adminTok)...)
	if l := decode[listBody[store.CaseSummary]](t, body); l.Total != 300 {
		t.Fatalf("admin total %d", l.Total)
	}
	_, body = e.do("GET", "/api/cases?status=draft&q=zephyrin&sort=reference", nil, auth(adminTok)...)
	if l := decode[listBody[store.CaseSummary]](t, body); l.Total != int64(owned[0]) {
		t.Fatalf("admin search %d", l.Total)
	}
	if resp, _ := e.do("GET", "/api/cases?sort=bogus", nil, auth(adminTok)...); resp.StatusCode != 422 {
		t.Fatal("bad sort accepted")
	}
}

// Concurrency: 428 without If-Match, 412 when stale, and 404 before either
// for a case file the caller may not see.
func TestOptimisticConcurrency(t *testing.T) {
	e := newTestEnv(t)
	_, ownerTok := e.account(store.RoleEditor, "owner@example.org")
	_, otherTok := e.account(store.RoleEditor, "other@example.org")
	f := e.newCase(e.actorOf(ownerTok), store.CaseOpen)
	patch := map[string]string{"summary": "Version A"}
	if resp, _ := e.do("PATCH", "/api/cases/"+f.id, patch, auth(ownerTok)...); resp.StatusCode != 428 {
		t.Fatalf("no If-Match: %d", resp.StatusCode)
	}
	etag := fmt.Sprintf(`"%d"`, f.version)
	resp, body := e.do("PATCH", "/api/cases/"+f.id, patch, append(auth(ownerTok), "If-Match", etag)...)
	if resp.StatusCode != 200 || resp.Header.Get("ETag") != fmt.Sprintf(`"%d"`, f.version+1) {
		t.Fatalf("first save: %d %s %s", resp.StatusCode, resp.Header.Get("ETag"), body)
	}
	resp, body = e.do("PATCH", "/api/cases/"+f.id, map[string]string{"summary": "Version B"}, append(auth(ownerTok), "If-Match", etag)...)
	if resp.StatusCode != 412 || decode[errResp](t, body).Error.Code != "version_mismatch" {
		t.Fatalf("stale save: %d %s", resp.StatusCode, body)
	}
	for _, h := range [][]string{nil, {"If-Match", etag}, {"If-Match", `"999"`}} {
		resp, _ := e.do("PATCH", "/api/cases/"+f.id, patch, append(auth(otherTok), h...)...)
		if resp.StatusCode != 404 {
			t.Fatalf("invisible case with If-Match %v: %d", h, resp.StatusCode)
		}
		resp, _ = e.do("POST", "/api/cases/"+f.id+"/transition", map[string]string{"to": "pending"}, append(auth(otherTok), h...)...)
		if resp.StatusCode != 404 {
			t.Fatalf("invisible transition with If-Match %v: %d", h, resp.StatusCode)
		}
	}
	resp, _ = e.do("POST", "/api/cases/"+f.id+"/transition", map[string]string{"to": "pending"}, append(auth(ownerTok), "If-Match", etag)...)
	if resp.StatusCode != 412 {
		t.Fatalf("stale transition: %d", resp.StatusCode)
	}
	_, body = e.do("GET", "/api/cases/"+f.id, nil, auth(ownerTok)...)
	if d := decode[store.CaseDetail](t, body); d.Summary != "Version A" {
		t.Fatalf("the stale save changed the case: %s", d.Summary)
	}
}

func TestLifecycle(t *testing.T) {
	e := newTestEnv(t)
	_, ownerTok := e.account(store.RoleEditor, "owner@example.org")
	_, adminTok := e.account(store.RoleAdmin, "admin@example.org")
	_, superTok := e.account(store.RoleSuperadmin, "super@example.org")
	resp, body := e.do("POST", "/api/cases", map[string]any{"title": "Refus de soins", "category_id": "sante", "summary": "Faits", "facts_date": "2026-10-03", "place": "Clinique"}, auth(ownerTok)...)
	if resp.StatusCode != 201 || resp.Header.Get("ETag") != `"1"` {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	d := decode[store.CaseDetail](t, body)
	if d.Status != "draft" || !strings.HasPrefix(d.Reference, "R-2026-") || len(d.Reference) != 12 || len(d.Assignees) != 1 {
		t.Fatalf("created: %+v", d)
	}
	id := d.ID
	v := 1
	step := func(tok, to string, outcome *string, want int) {
		t.Helper()
		body := map[string]any{"to": to, "comment": "étape " + to}
		if outcome != nil {
			body["outcome"] = *outcome
		}
		if strings.HasPrefix(tok, "admin:") || strings.HasPrefix(tok, "super:") {
			who := strings.SplitN(tok, ":", 2)
			tok = who[1]
			e.do("POST", "/api/cases/"+id+"/access", map[string]string{"reason": "Contrôle demandé par le CA"}, auth(tok)...)
		}
		resp, b := e.do("POST", "/api/cases/"+id+"/transition", body, append(auth(tok), "If-Match", fmt.Sprintf(`"%d"`, v))...)
		if resp.StatusCode != want {
			t.Fatalf("%s: %d %s, want %d", to, resp.StatusCode, b, want)
		}
		if want == 200 {
			v++
		}
	}
	partial := "partial"
	step(ownerTok, "closed", &partial, 409) // draft cannot close
	step(ownerTok, "open", nil, 200)
	step(ownerTok, "pending", nil, 200)
	step(ownerTok, "litigation", nil, 200)
	step(ownerTok, "open", nil, 409)   // litigation goes only to closed
	step(ownerTok, "closed", nil, 422) // needs an outcome
	step(ownerTok, "closed", &partial, 200)
	step(ownerTok, "archived", nil, 403) // archiving is an admin's
	step(ownerTok, "open", nil, 200)     // reopen
	step(ownerTok, "closed", &partial, 200)
	step("admin:"+adminTok, "archived", nil, 200)
	// Archived: read-only, restore is a superadmin's.
	resp, _ = e.do("PATCH", "/api/cases/"+id, map[string]string{"title": "x"}, append(auth(ownerTok), "If-Match", fmt.Sprintf(`"%d"`, v))...)
	if resp.StatusCode != 409 {
		t.Fatalf("archived case edited: %d", resp.StatusCode)
	}
	if resp, _ := e.do("POST", "/api/cases/"+id+"/notes", map[string]string{"body": "note"}, auth(ownerTok)...); resp.StatusCode != 409 {
		t.Fatalf("note on an archived case: %d", resp.StatusCode)
	}
	step("admin:"+adminTok, "closed", nil, 403)
	step("super:"+superTok, "closed", nil, 200)
	_, body = e.do("GET", "/api/cases/"+id+"/history", nil, auth(ownerTok)...)
	var kinds []string
	for _, h := range decode[struct{ Items []store.HistoryEntry }](t, body).Items {
		kinds = append(kinds, h.Kind+":"+h.ToStatus)
		if h.ActorName == "" {
			t.Fatalf("history entry without its actor: %+v", h)
		}
	}
	want := "created:draft,transition:open,transition:pending,transition:litigation,transition:closed,transition:open,transition:closed,transition:archived,transition:closed"
	if strings.Join(kinds, ",") != want {
		t.Fatalf("history %s", strings.Join(kinds, ","))
	}

	// The creator deletes a draft; not an open case file; an admin with a reason.
	_, body = e.do("POST", "/api/cases", map[string]any{"title": "Brouillon", "category_id": "autre"}, auth(ownerTok)...)
	draft := decode[store.CaseDetail](t, body).ID
	if resp, _ := e.do("DELETE", "/api/cases/"+draft, nil, auth(ownerTok)...); resp.StatusCode != 204 {
		t.Fatalf("delete draft: %d", resp.StatusCode)
	}
	if resp, _ := e.do("GET", "/api/cases/"+draft, nil, auth(ownerTok)...); resp.StatusCode != 404 {
		t.Fatal("deleted draft still there")
	}
	if resp, body := e.do("DELETE", "/api/cases/"+id, map[string]string{"reason": "court"}, auth(adminTok)...); resp.StatusCode != 422 {
		t.Fatalf("admin delete with a short reason: %d %s", resp.StatusCode, body)
	}
	if resp, _ := e.do("DELETE", "/api/cases/"+id, map[string]string{"reason": "Doublon signalé au CA du 20/11"}, auth(adminTok)...); resp.StatusCode != 204 {
		t.Fatalf("admin delete: %d", resp.StatusCode)
	}
	_, body = e.do("GET", "/api/cases", nil, auth(adminTok)...)
	if l := decode[listBody[store.CaseSummary]](t, body); l.Total != 0 {
		t.Fatalf("counters after deletes: %d", l.Total)
	}
}

func TestPersonalDataWarnings(t *testing.T) {
	e := newTestEnv(t)
	_, edTok := e.account(store.RoleEditor, "ed@example.org")
	tok := edTok
	_, body := e.do("POST", "/api/cases", map[string]any{"title": "Plainte", "category_id": "autre",
		"summary": "Joindre Mme X au 06 12 34 56 78 ou x.y@example.com"}, auth(tok)...)
	d := decode[store.CaseDetail](t, body)
	if d.Warnings["summary"] == "" {
		t.Fatalf("no warning: %s", body)
	}
	strict := newTestEnv(t, func(c *config.Config) { c.Instance.RefusePersonalData = true })
	_, tok = strict.account(store.RoleEditor, "ed@example.org")
	resp, body := strict.do("POST", "/api/cases", map[string]any{"title": "Appeler le +33 6 12 34 56 78", "category_id": "autre"}, auth(tok)...)
	if resp.StatusCode != 422 || decode[errResp](t, body).Error.Fields["title"] != "contains_phone" {
		t.Fatalf("refusal: %d %s", resp.StatusCode, body)
	}
	// The kinds beyond e-mail and phone, on a note; and a deadline's title, which reminder
	// e-mails carry, is refused by a refusing instance too.
	_, body = e.do("POST", "/api/cases/"+d.ID+"/notes", map[string]any{"body": "Virement sur FR76 3000 6000 0112 3456 7890 189"}, auth(edTok)...)
	if w := decode[struct {
		Warnings map[string]string `json:"warnings"`
	}](t, body).Warnings; w["body"] != "contains_iban" {
		t.Fatalf("note warning: %s", body)
	}
	f := strict.newCase(strict.actorOf(tok), store.CaseOpen)
	resp, body = strict.do("POST", "/api/cases/"+f.id+"/deadlines", map[string]any{"title": "Rappeler le 1 85 05 78 006 084 91", "due_date": "2027-01-15"}, auth(tok)...)
	if resp.StatusCode != 422 || decode[errResp](t, body).Error.Fields["title"] != "contains_nir" {
		t.Fatalf("deadline refusal: %d %s", resp.StatusCode, body)
	}
}

func TestAttachments(t *testing.T) {
	e := newTestEnv(t)
	_, tok := e.account(store.RoleEditor, "ed@example.org")
	f := e.newCase(e.actorOf(tok), store.CaseOpen)
	resp, body := e.upload(f.id, "faux.pdf", []byte("Ceci n'est pas un PDF, juste du texte.\n"), tok)
	if resp.StatusCode != 422 || decode[errResp](t, body).Error.Fields["file"] != "type_mismatch" {
		t.Fatalf("text renamed to .pdf: %d %s", resp.StatusCode, body)
	}
	resp, body = e.upload(f.id, "outil.exe", []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"), tok)
	if resp.StatusCode != 422 || decode[errResp](t, body).Error.Fields["file"] != "type_not_allowed" {
		t.Fatalf("executable: %d %s", resp.StatusCode, body)
	}
	secret := append(append([]byte{}, samplePDF...), []byte("\n% CONFIDENTIEL-MARQUEUR-UNIQUE\n")...)
	resp, body = e.upload(f.id, "compte rendu \"urgences\".pdf", secret, tok)
	if resp.StatusCode != 201 {
		t.Fatalf("upload: %d %s", resp.StatusCode, body)
	}
	a := decode[store.Attachment](t, body)
	if a.MediaType != "application/pdf" || a.Filename != "compte rendu urgences.pdf" {
		t.Fatalf("attachment %+v", a)
	}
	// On disk: encrypted, nothing of the content readable.
	files, _ := filepath.Glob(filepath.Join(e.cfg.Data.Dir, "attachments", "*"))
	if len(files) != 2 {
		t.Fatalf("files on disk: %v", files)
	}
	for _, p := range files {
		raw, _ := os.ReadFile(p)
		if bytes.Contains(raw, []byte("CONFIDENTIEL-MARQUEUR")) || bytes.Contains(raw, []byte("%PDF")) {
			t.Fatalf("%s holds plaintext", p)
		}
	}
	if info, err := os.Stat(filepath.Join(e.cfg.Data.Dir, "attachments.key")); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", info, err)
	}
	resp, got := e.do("GET", "/api/cases/"+f.id+"/attachments/"+a.ID, nil, auth(tok)...)
	if !bytes.Equal(got, secret) {
		t.Fatalf("round trip differs: %d bytes vs %d", len(got), len(secret))
	}
	for k, v := range map[string]string{"Content-Type": "application/pdf", "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'; sandbox"} {
		if resp.Header.Get(k) != v {
			t.Errorf("%s = %q", k, resp.Header.Get(k))
		}
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, "urgences") {
		t.Errorf("Content-Disposition %q", cd)
	}
	big := newTestEnv(t, func(c *config.Config) { c.Attachments.MaxSizeMB = 1 })
	_, tok = big.account(store.RoleEditor, "ed@example.org")
	f = big.newCase(big.actorOf(tok), store.CaseOpen)
	huge := append(append([]byte{}, samplePDF...), bytes.Repeat([]byte("x"), 1<<20)...)
	if resp, body := big.upload(f.id, "gros.pdf", huge, tok); resp.StatusCode != 422 && resp.StatusCode != 413 {
		t.Fatalf("oversized upload: %d %s", resp.StatusCode, body)
	}
	// Every refused upload is in the log with its size; the form knows the limit.
	if logs := big.logs.String(); !regexp.MustCompile(`path=/api/cases/[^ ]+/attachments status=4(13|22) .*refused_bytes=1\d{6}`).MatchString(logs) {
		t.Errorf("the refused upload's size is not in the log:\n%s", logs)
	}
	if c := decode[map[string]any](t, second(big.do("GET", "/api/config", nil))); c["attachment_max_bytes"] != float64(1<<20) {
		t.Errorf("config: %v", c)
	}
}

// The report comes under the instance's name, in the reader's language.
func TestReport(t *testing.T) {
	e := newTestEnv(t, func(c *config.Config) { c.Instance.Name = "Entraide Recours Genève" })
	_, tok := e.account(store.RoleEditor, "ed@example.org")
	f := e.newCase(e.actorOf(tok), store.CaseOpen)
	e.do("POST", "/api/cases/"+f.id+"/notes", map[string]string{"body": "Rendez-vous avec la médiatrice → accord"}, auth(tok)...)
	for locale, want := range map[string]string{"fr": "Rapport de dossier", "en": "Case-file report"} {
		if resp, body := e.do("PATCH", "/api/me", map[string]string{"locale": locale}, auth(tok)...); resp.StatusCode != 200 {
			t.Fatalf("locale %s: %d %s", locale, resp.StatusCode, body)
		}
		resp, body := e.do("GET", "/api/cases/"+f.id+"/report.pdf", nil, auth(tok)...)
		if resp.StatusCode != 200 || !bytes.HasPrefix(body, []byte("%PDF-")) || resp.Header.Get("Content-Type") != "application/pdf" {
			t.Fatalf("report: %d %.20q %v", resp.StatusCode, body, resp.Header)
		}
		if !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
			t.Fatal("report not served as an attachment")
		}
		text := reporttest.Text(t, body)
		for _, w := range []string{"Entraide Recours Genève", want, "Rendez-vous avec la médiatrice → accord"} {
			if !strings.Contains(text, w) {
				t.Errorf("%s: %q missing from the report:\n%s", locale, w, text)
			}
		}
	}
}

// The daily reminder e-mails each assignee the deadlines due within seven
// days, once a day, naming the case file by its reference.
func TestDeadlineReminders(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	_, tok := e.account(store.RoleEditor, "ed@example.org")
	ed := e.actorOf(tok)
	f := e.newCase(ed, store.CaseOpen) // its fixture deadline is due 2026-12-01
	soon, later := e.clock.now().AddDate(0, 0, 3).Format("2006-01-02"), e.clock.now().AddDate(0, 0, 30).Format("2006-01-02")
	for title, due := range map[string]string{"Répondre à la CPAM": soon, "Audience": later} {
		if _, err := e.store.AddDeadline(ctx, ed, f.id, store.DeadlineInput{Title: &title, DueDate: &due}); err != nil {
			t.Fatal(err)
		}
	}
	n, err := e.store.SendDeadlineReminders(ctx)
	if err != nil || n != 1 {
		t.Fatalf("reminders: %d %v", n, err)
	}
	msg := e.smtp.WaitFor(t, "ed@example.org", 1, waitMail)[0]
	_, body := e.do("GET", "/api/cases/"+f.id, nil, auth(tok)...)
	ref := decode[store.CaseDetail](t, body).Reference
	if !strings.Contains(msg.Text, "Répondre à la CPAM") || !strings.Contains(msg.Text, ref) || strings.Contains(msg.Text, "Audience") {
		t.Fatalf("reminder:\n%s", msg.Text)
	}
	if n, err := e.store.SendDeadlineReminders(ctx); err != nil || n != 0 {
		t.Fatalf("second run the same day: %d %v", n, err)
	}
}

// Visibility first: an invalid request on a case file the caller may not
// see is the same 404 as on one that does not exist; on a case file they
// may see, it is the 422 naming the field. (Input the gate refuses, before
// anything is looked up, gets the same refusal whatever the id:
// TestHostileInputNeverPasses holds that.)
func TestVisibilityComesBeforeValidation(t *testing.T) {
	e := newTestEnv(t)
	_, ownerTok := e.account(store.RoleEditor, "owner@example.org")
	_, otherTok := e.account(store.RoleEditor, "other@example.org")
	f := e.newCase(e.actorOf(ownerTok), store.CaseOpen)
	for _, tc := range []struct {
		method, path string
		body         any
		field        string
	}{
		{"PATCH", "/api/cases/{id}", map[string]string{"title": "   "}, "title"},
		{"POST", "/api/cases/{id}/transition", map[string]string{"comment": "?"}, "to"},
		{"POST", "/api/cases/{id}/notes", map[string]string{"body": " "}, "body"},
		{"POST", "/api/cases/{id}/deadlines", map[string]string{"title": "x"}, "due_date"},
		{"PATCH", "/api/cases/{id}/deadlines/" + f.deadline, map[string]string{"due_date": "demain"}, "due_date"},
		{"POST", "/api/cases/{id}/collaborators", map[string]string{"email": "x@example.org", "kind": "boss"}, "kind"},
		{"PATCH", "/api/cases/{id}/collaborators/" + f.collaborator, map[string]string{"until": "bientôt"}, "until"},
		{"POST", "/api/cases/{id}/attachments", nil, "file"},
	} {
		ifMatch := []string{"If-Match", fmt.Sprintf(`"%d"`, f.version)}
		path := strings.ReplaceAll(tc.path, "{id}", f.id)
		resp, body := e.do(tc.method, path, tc.body, append(auth(otherTok), ifMatch...)...)
		_, ghost := e.do(tc.method, strings.ReplaceAll(tc.path, "{id}", nonexistentID), tc.body, append(auth(otherTok), ifMatch...)...)
		if resp.StatusCode != 404 || string(body) != string(ghost) {
			t.Errorf("%s %s as a stranger: %d %s (nonexistent: %s)", tc.method, tc.path, resp.StatusCode, body, ghost)
		}
		resp, body = e.do(tc.method, path, tc.body, append(auth(ownerTok), ifMatch...)...)
		if resp.StatusCode != 422 || decode[errResp](t, body).Error.Fields[tc.field] == "" {
			t.Errorf("%s %s as the assignee: %d %s, want 422 on %s", tc.method, tc.path, resp.StatusCode, body, tc.field)
		}
	}
}

// expireCollaboration makes a helper's access end yesterday: no request may
// set a past end date (422 until: past), so the test sets today's end, then
// moves it back a day in the database file, keeping the store's format.
func (e *testEnv) expireCollaboration(manager store.Actor, caseID, grantID string) {
	e.t.Helper()
	today := e.clock.now().UTC().Format(time.DateOnly)
	if _, err := e.store.UpdateCollaborator(context.Background(), manager, caseID, grantID,
		store.CollaborationChange{Until: store.ClearableDate{Set: true, Day: &today}}); err != nil {
		e.t.Fatal(err)
	}
	db := e.rawDB()
	defer db.Close()
	yesterday := e.clock.now().UTC().Add(-24 * time.Hour).Format(time.DateOnly)
	if _, err := db.Exec("UPDATE grants SET ends_at = ? || substr(ends_at, 11) WHERE id = ?", yesterday, grantID); err != nil {
		e.t.Fatal(err)
	}
}

// A case file's page answers an ended session 401 before anything else, as
// every route does, and its own answers to a live one. On PostgreSQL, once
// an instance has seen the token, the page is served through its kept
// session check (store.SessionHint): every request after the first here.
func TestCasePageChecksItsSessionFirst(t *testing.T) {
	e := newTestEnv(t)
	_, tok := e.account(store.RoleEditor, "ed@example.org")
	c := e.newCase(e.actorOf(tok), store.CaseOpen)
	requests := []struct {
		path string
		live int
	}{
		{"/api/cases/" + c.id, 200},
		{"/api/cases/" + c.id, 200},
		{"/api/cases/0193a4b2-0000-7000-8000-000000000000", 404},
		{"/api/cases/nothing-of-the-kind", 404},
		{"/api/cases/" + c.id + "?unknown=1", 422},
	}
	for _, r := range requests {
		if resp, body := e.do("GET", r.path, nil, auth(tok)...); resp.StatusCode != r.live {
			t.Errorf("GET %s with a live session: %d %s, want %d", r.path, resp.StatusCode, body, r.live)
		}
	}
	if resp, body := e.do("POST", "/api/auth/logout", nil, auth(tok)...); resp.StatusCode != 204 {
		t.Fatalf("logout: %d %s", resp.StatusCode, body)
	}
	for _, r := range requests {
		if resp, body := e.do("GET", r.path, nil, auth(tok)...); resp.StatusCode != 401 {
			t.Errorf("GET %s after logging out: %d %s, want 401", r.path, resp.StatusCode, body)
		}
	}
}
