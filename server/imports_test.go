package server

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"cloison/store"
)

// importView is an import as the API answers it.
type importView struct {
	ID                 string         `json:"id"`
	Status             string         `json:"status"`
	ScopeType          string         `json:"scope_type"`
	ScopeID            string         `json:"scope_id"`
	AuthorID           string         `json:"author_id"`
	Counts             map[string]int `json:"counts"`
	ScopeMemberships   int            `json:"scope_memberships"`
	NeedsConfirmEnding bool           `json:"needs_confirm_ending"`
	Lines              struct {
		Items []importLine `json:"items"`
		Total int          `json:"total"`
	} `json:"lines"`
}

type importLine struct {
	Line         int                       `json:"line"`
	ExternalID   string                    `json:"external_id"`
	Fate         string                    `json:"fate"`
	MembershipID *string                   `json:"membership_id"`
	Email        string                    `json:"email"`
	Name         string                    `json:"name"`
	Changes      map[string]map[string]any `json:"changes"`
	Error        *struct {
		Column string `json:"column"`
		Reason string `json:"reason"`
	} `json:"error"`
}

// fates are the lines' fates by external identifier (ended lines too).
func (v importView) fates() map[string]string {
	out := map[string]string{}
	for _, l := range v.Lines.Items {
		out[l.ExternalID] = l.Fate
	}
	return out
}

// upload previews a file for a scope as caller.
func (nw *network) upload(caller, scopeType, scopeID, filename string, content []byte) (int, []byte) {
	nw.e.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.WriteField("scope_type", scopeType)
	_ = w.WriteField("scope_id", scopeID)
	fw, _ := w.CreateFormFile("file", filename)
	fw.Write(content)
	w.Close()
	resp, body := nw.e.doRaw("POST", "/api/imports?per_page=200", w.FormDataContentType(), buf.Bytes(), auth(nw.tokens[caller])...)
	return resp.StatusCode, body
}

// preview previews and fails the test unless it is a 201.
func (nw *network) preview(caller, scopeType, scopeID string, content []byte) importView {
	nw.e.t.Helper()
	status, body := nw.upload(caller, scopeType, scopeID, "roster.csv", content)
	if status != 201 {
		nw.e.t.Fatalf("preview: %d %s", status, body)
	}
	return decode[importView](nw.e.t, body)
}

func corpus(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "imports", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// memberships is a scope's memberships not over, as the secretariat lists them.
func (nw *network) memberships(scopeType, id string) []store.MembershipView {
	nw.e.t.Helper()
	items, _, err := nw.e.store.ListMembers(context.Background(), nw.sec, scopeType, id, "current", store.Page{Page: 1, PerPage: 200})
	if err != nil {
		nw.e.t.Fatal(err)
	}
	return items
}

// snapshot is every membership of organisation A and its units, to show
// that a refusal changed nothing.
func (nw *network) snapshot() string {
	nw.e.t.Helper()
	var b strings.Builder
	for _, s := range []struct{ typ, id string }{{"org", nw.orgA}, {"unit", nw.unitA1}, {"unit", nw.unitA2}} {
		items, _, err := nw.e.store.ListMembers(context.Background(), nw.sec, s.typ, s.id, "", store.Page{Page: 1, PerPage: 200})
		if err != nil {
			nw.e.t.Fatal(err)
		}
		for _, m := range items {
			fmt.Fprintf(&b, "%s %s %s %v %v %v\n", m.ID, m.Email, m.Role, m.Functions, m.ValidFrom, m.ValidUntil)
		}
	}
	return b.String()
}

func TestImportCorpus(t *testing.T) {
	nw := newNetwork(t)
	before := nw.snapshot()
	// Files refused as a whole name the file, and change nothing.
	big := bytes.Repeat([]byte("x"), store.MaxImportBytes+1)
	for _, tc := range []struct {
		name    string
		content []byte
		status  int
		reason  string
	}{
		{"empty.csv", corpus(t, "empty.csv"), 422, "empty"},
		{"binary.csv", corpus(t, "binary.csv"), 422, "not_csv"},
		{"header-only.csv", []byte("external_id,email,role\r\n"), 422, "empty"},
		{"bom-only.csv", []byte("\xEF\xBB\xBF"), 422, "empty"},
		{"unknown-column.csv", []byte("external_id,email,role,shoe_size\nX,x@example.org,member,42\n"), 422, "unknown_column=shoe_size"},
		{"missing-column.csv", []byte("external_id,name\nX,Somebody\n"), 422, "missing_column=email"},
		{"bad-quote.csv", []byte("external_id,email,role\nX,x@example.org,member\nY,\"y@example.org,member\n"), 422, "csv_syntax=3"},
		{"big.csv", big, 413, fmt.Sprintf("max_size=%d", store.MaxImportBytes)},
	} {
		status, body := nw.upload("secretariat", "org", nw.orgA, tc.name, tc.content)
		if got := decode[errResp](t, body).Error.Fields["file"]; status != tc.status || got != tc.reason {
			t.Errorf("%s: %d %s, want %d naming file %q", tc.name, status, body, tc.status, tc.reason)
		}
	}
	// No file at all.
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.WriteField("scope_type", "org")
	_ = w.WriteField("scope_id", nw.orgA)
	w.Close()
	resp, body := nw.e.doRaw("POST", "/api/imports", w.FormDataContentType(), buf.Bytes(), auth(nw.tokens["secretariat"])...)
	if resp.StatusCode != 422 || decode[errResp](t, body).Error.Fields["file"] != "required" {
		t.Errorf("no file: %d %s", resp.StatusCode, body)
	}

	// Lines in error: each names its line, its column and why; the run
	// cannot be applied, and nothing changes.
	v := nw.preview("secretariat", "org", nw.orgA, corpus(t, "errors.csv"))
	want := map[int][2]string{
		3: {"unit_code", "unknown_unit"}, 4: {"email", "email"}, 5: {"external_id", "duplicate"},
		6: {"valid_until", "after_valid_from"}, 7: {"functions", "unknown_function"}, 8: {"role", "oneof=admin member"},
		9: {"external_id", "required"}, 10: {"external_id", "columns"},
	}
	for _, l := range v.Lines.Items {
		w, bad := want[l.Line]
		switch {
		case bad && (l.Fate != "error" || l.Error == nil || l.Error.Column != w[0] || l.Error.Reason != w[1]):
			t.Errorf("line %d: %s %+v, want error %v", l.Line, l.Fate, l.Error, w)
		case !bad && l.Fate != "created":
			t.Errorf("line %d: %s %+v", l.Line, l.Fate, l.Error)
		}
	}
	if v.Counts["error"] != len(want) || v.Counts["created"] != 1 || v.Counts["lines"] != 9 {
		t.Errorf("counts %v", v.Counts)
	}
	status, body := nw.call("secretariat", "POST", "/api/imports/"+v.ID+"/apply", map[string]any{})
	if status != 409 || decode[errResp](t, body).Error.Code != "import_has_errors" {
		t.Errorf("applying a run in error: %d %s", status, body)
	}
	// Formulas are refused, the line and the column named.
	v = nw.preview("secretariat", "org", nw.orgA, corpus(t, "formula.csv"))
	for _, l := range v.Lines.Items {
		wantErr := l.ExternalID != "F-1"
		if wantErr != (l.Fate == "error") || (wantErr && (l.Error.Column != "name" || l.Error.Reason != "formula")) {
			t.Errorf("formula line %d (%s): %s %+v", l.Line, l.ExternalID, l.Fate, l.Error)
		}
	}
	if status, _ := nw.call("secretariat", "POST", "/api/imports/"+v.ID+"/apply", nil); status != 409 {
		t.Errorf("applying formulas: %d", status)
	}
	if after := nw.snapshot(); after != before {
		t.Errorf("a refused file changed memberships:\n%s\n---\n%s", before, after)
	}

	// A French export: BOM, semicolons, CRLF, a quoted name over two lines.
	v = nw.preview("secretariat", "org", nw.orgA, corpus(t, "bom_semicolon_crlf.csv"))
	if v.Counts["created"] != 3 || v.Counts["error"] != 0 {
		t.Fatalf("french export: %v %+v", v.Counts, v.Lines.Items)
	}
	if l := v.Lines.Items[1]; l.Line != 3 || l.Name != "Dupont; Jean (dit Jeannot)" || l.Changes["unit_code"]["to"] != "U-A1" {
		t.Errorf("quoted line: %+v", l)
	}
	if l := v.Lines.Items[2]; l.Line != 5 {
		t.Errorf("the line after a two-line cell is line %d", l.Line)
	}
	if status, body := nw.call("secretariat", "POST", "/api/imports/"+v.ID+"/apply", nil); status != 200 {
		t.Fatalf("apply: %d %s", status, body)
	}
	got := map[string]store.MembershipView{}
	for _, s := range []struct{ typ, id string }{{"org", nw.orgA}, {"unit", nw.unitA1}, {"unit", nw.unitA2}} {
		for _, m := range nw.memberships(s.typ, s.id) {
			got[m.Email] = m
		}
	}
	claire := got["claire.martin@example.org"]
	if claire.ScopeID != nw.orgA || claire.Role != "admin" || !slices.Equal(claire.Functions, []string{"president", "tresorier"}) ||
		claire.ValidFrom.Format("2006-01-02") != "2026-09-01" || claire.ValidUntil == nil || claire.ValidUntil.Format("2006-01-02") != "2030-08-31" {
		t.Errorf("claire: %+v", claire)
	}
	if jean := got["jean.dupont@example.org"]; jean.ScopeID != nw.unitA1 || jean.Role != "member" || !slices.Equal(jean.Functions, []string{"secretaire"}) {
		t.Errorf("jean: %+v", jean)
	}
	if lea := got["lea.roux@example.org"]; lea.ScopeID != nw.unitA2 || lea.Role != "editor" {
		t.Errorf("léa: %+v", lea)
	}

	// An English export: commas, functions quoted with a comma, into unit A1's organisation.
	v = nw.preview("orgAdminA", "org", nw.orgA, corpus(t, "quoted_commas.csv"))
	fates := v.fates()
	if fates["Q-1"] != "created" || fates["Q-2"] != "created" || fates["P-001"] != "ended" || v.Counts["ended"] != 3 {
		t.Errorf("english export: %v", fates)
	}
	if l := v.Lines.Items[0]; l.Name != "Leroy, Anne" || l.Changes["functions"]["to"] != "president, secretaire" {
		t.Errorf("quoted commas: %+v", l)
	}

	// A 5 MB file (padded with blanks, as some exports are) imports.
	var five bytes.Buffer
	five.WriteString("external_id;email;name;role\r\n")
	line := 0
	for five.Len() < store.MaxImportBytes-6000 {
		line++
		fmt.Fprintf(&five, "BIG-%d;big%d@example.org;%-5000s;member\r\n", line, line, "Big")
	}
	five.WriteString(strings.Repeat(" ", store.MaxImportBytes-five.Len()))
	if five.Len() != store.MaxImportBytes {
		t.Fatalf("%d bytes", five.Len())
	}
	v = nw.preview("orgAdminA", "org", nw.orgA, five.Bytes())
	if v.Counts["created"] != line || v.Counts["error"] != 0 {
		t.Errorf("5 MB: %v", v.Counts)
	}
}

func TestImportApply(t *testing.T) {
	nw := newNetwork(t)
	e := nw.e
	ctx := context.Background()
	// Organisation A's admin imports the roster of unit A1.
	file := func(lines ...string) []byte {
		return []byte("external_id,email,name,role,functions,valid_until\n" + strings.Join(lines, "\n") + "\n")
	}
	roster := []string{
		"A-1,alice@example.com,Alice,member,president,",
		"A-2,bob@example.com,Bob,member,,",
		"A-3,editorA1@example.org,Editor,editor,,", // already editor of A1, given by hand: adopted
		"A-4,carol@example.com,Carol,editor,,",
		"A-5,dan@example.com,Dan,member,tresorier,2031-06-30",
	}
	v := nw.preview("orgAdminA", "unit", nw.unitA1, file(roster...))
	fates := v.fates()
	if fates["A-1"] != "created" || fates["A-3"] != "updated" || v.Counts["created"] != 4 || v.Counts["updated"] != 1 || v.Counts["ended"] != 0 {
		t.Fatalf("first preview: %v %v", fates, v.Counts)
	}
	if l := v.Lines.Items[2]; l.Changes["external_id"]["to"] != "A-3" || l.MembershipID == nil {
		t.Errorf("adoption: %+v", l)
	}
	// Someone else may not apply it; the secretariat reads it but may not apply it.
	for caller, want := range map[string]int{"unitAdminA1": 404, "orgAdminB": 404, "secretariat": 403, "none": 401} {
		if status, body := nw.call(caller, "POST", "/api/imports/"+v.ID+"/apply", nil); status != want {
			t.Errorf("%s applies: %d %s, want %d", caller, status, body, want)
		}
	}
	status, body := nw.call("orgAdminA", "POST", "/api/imports/"+v.ID+"/apply", nil)
	if status != 200 || decode[importView](t, body).Status != "applied" {
		t.Fatalf("apply: %d %s", status, body)
	}
	// One invitation per person created, on the SMTP server.
	for _, who := range []string{"alice@example.com", "bob@example.com", "carol@example.com", "dan@example.com"} {
		msgs := e.smtp.WaitFor(t, who, 1, waitMail)
		if len(msgs) != 1 || !strings.Contains(msgs[0].Text, "/invitation#token=") {
			t.Errorf("%s: %d e-mails", who, len(msgs))
		}
	}
	// Every change is in the audit log, with the import's id.
	entries, _, err := e.store.ListAudit(ctx, nw.sa, store.AuditFilter{}, store.Page{Page: 1, PerPage: 200})
	if err != nil {
		t.Fatal(err)
	}
	counted := map[string]int{}
	for _, a := range entries {
		if strings.Contains(a.Reason, v.ID) {
			counted[a.Action]++
		}
	}
	if counted["membership.created"] != 4 || counted["membership.updated"] != 1 || counted["import.applied"] != 1 {
		t.Errorf("audit: %v", counted)
	}
	// Applying again: refused; the same file again: all unchanged, and
	// applying it changes nothing.
	if status, body := nw.call("orgAdminA", "POST", "/api/imports/"+v.ID+"/apply", nil); status != 409 || decode[errResp](t, body).Error.Code != "import_applied" {
		t.Errorf("applied twice: %d %s", status, body)
	}
	before := nw.snapshot()
	v = nw.preview("orgAdminA", "unit", nw.unitA1, file(roster...))
	if v.Counts["unchanged"] != 5 || v.Counts["lines"] != 5 {
		t.Errorf("same file: %v", v.Counts)
	}
	if status, _ := nw.call("orgAdminA", "POST", "/api/imports/"+v.ID+"/apply", nil); status != 200 || nw.snapshot() != before {
		t.Errorf("the same file changed something: %d", status)
	}

	// Changes: Bob becomes treasurer, Dan's mandate has no end, Carol is left out.
	next := []string{roster[0], "A-2,bob@example.com,Bob,member,tresorier,", roster[2], "A-5,dan@example.com,Dan,member,tresorier,"}
	v = nw.preview("orgAdminA", "unit", nw.unitA1, file(next...))
	fates = v.fates()
	if fates["A-2"] != "updated" || fates["A-5"] != "updated" || fates["A-4"] != "ended" || fates["A-1"] != "unchanged" {
		t.Errorf("second preview: %v", fates)
	}
	for _, l := range v.Lines.Items {
		if l.ExternalID == "A-2" && fmt.Sprint(l.Changes["functions"]["to"]) != "[tresorier]" {
			t.Errorf("bob's change: %v", l.Changes)
		}
		if l.ExternalID == "A-4" && (l.Line != 0 || l.Email != "carol@example.com") {
			t.Errorf("carol's end: %+v", l)
		}
	}
	// Before applying, someone changes Bob by hand: the preview no longer holds.
	bob := ""
	for _, m := range nw.memberships("unit", nw.unitA1) {
		if m.Email == "bob@example.com" {
			bob = m.ID
		}
	}
	fns := []string{"secretaire"}
	if _, err := e.store.UpdateMembership(ctx, nw.sec, bob, store.MembershipChange{Functions: &fns, Reason: "Changement voté en assemblée"}); err != nil {
		t.Fatal(err)
	}
	before = nw.snapshot()
	status, body = nw.call("orgAdminA", "POST", "/api/imports/"+v.ID+"/apply", nil)
	if status != 409 || decode[errResp](t, body).Error.Code != "import_stale" || nw.snapshot() != before {
		t.Errorf("stale apply: %d %s", status, body)
	}
	// Previewed again, it applies; the older dry run is superseded.
	old := v.ID
	v = nw.preview("orgAdminA", "unit", nw.unitA1, file(next...))
	if status, body := nw.call("orgAdminA", "POST", "/api/imports/"+old+"/apply", nil); status != 409 || decode[errResp](t, body).Error.Code != "import_superseded" {
		t.Errorf("superseded: %d %s", status, body)
	}
	if status, body := nw.call("orgAdminA", "GET", "/api/imports/"+old, nil); status != 200 || decode[importView](t, body).Status != "superseded" {
		t.Errorf("the old run: %d %s", status, body)
	}
	if status, body := nw.call("orgAdminA", "POST", "/api/imports/"+v.ID+"/apply", nil); status != 200 {
		t.Fatalf("apply: %d %s", status, body)
	}
	emails := map[string]store.MembershipView{}
	for _, m := range nw.memberships("unit", nw.unitA1) {
		emails[m.Email] = m
	}
	if _, ok := emails["carol@example.com"]; ok {
		t.Errorf("carol's membership did not end")
	}
	if b := emails["bob@example.com"]; !slices.Equal(b.Functions, []string{"tresorier"}) {
		t.Errorf("bob: %+v", b)
	}
	if d := emails["dan@example.com"]; d.ValidUntil != nil {
		t.Errorf("dan: %+v", d)
	}

	// A file that ends more than a fifth of the unit's memberships needs
	// confirm_ending.
	v = nw.preview("orgAdminA", "unit", nw.unitA1, file(roster[0]))
	if !v.NeedsConfirmEnding || v.Counts["ended"] != 3 {
		t.Fatalf("ending: %+v", v.Counts)
	}
	before = nw.snapshot()
	status, body = nw.call("orgAdminA", "POST", "/api/imports/"+v.ID+"/apply", map[string]any{"confirm_ending": false})
	if status != 422 || decode[errResp](t, body).Error.Fields["confirm_ending"] != "required" || nw.snapshot() != before {
		t.Errorf("without confirm_ending: %d %s", status, body)
	}
	if status, body := nw.call("orgAdminA", "POST", "/api/imports/"+v.ID+"/apply", map[string]any{"confirm_ending": true}); status != 200 {
		t.Errorf("with confirm_ending: %d %s", status, body)
	}
	// The lines, filtered by fate.
	status, body = nw.call("orgAdminA", "GET", "/api/imports/"+v.ID+"?fate=ended", nil)
	if got := decode[importView](t, body); status != 200 || got.Lines.Total != 3 || len(got.Lines.Items) != 3 || got.Lines.Items[0].Fate != "ended" {
		t.Errorf("filtered: %d %s", status, body)
	}
	if status, _ := nw.call("orgAdminA", "GET", "/api/imports/"+v.ID+"?fate=lost", nil); status != 422 {
		t.Errorf("unknown fate: %d", status)
	}
}

func TestImportPermissions(t *testing.T) {
	nw := newNetwork(t)
	small := []byte("external_id,email,role\nM-1,someone@example.com,member\n")
	// Previewing: role × relation to the scope.
	runs := map[string]string{} // a dry run by each caller who may preview
	for _, tc := range []struct {
		typ, id string
		want    func(string) int
	}{
		{"org", nw.orgA, expect(404, map[string]int{"secretariat": 201, "superadmin": 201, "admin": 201, "orgAdminA": 201,
			"unitAdminA1": 403, "unitAdminA2": 403, "editorA1": 403, "memberA": 403, "memberA1": 403})},
		{"unit", nw.unitA1, expect(403, map[string]int{"secretariat": 201, "superadmin": 201, "admin": 201, "orgAdminA": 201, "unitAdminA1": 201})},
		{"org", nw.orgC, expect(404, map[string]int{"secretariat": 201, "superadmin": 403, "admin": 403, "orgAdminC": 403})},
		{"org", "00000000-0000-4000-8000-000000000000", expect(404, nil)},
	} {
		for _, caller := range networkCallers {
			var status int
			var body []byte
			if caller == "none" {
				var buf bytes.Buffer
				w := multipart.NewWriter(&buf)
				w.Close()
				resp, b := nw.e.doRaw("POST", "/api/imports", w.FormDataContentType(), buf.Bytes())
				status, body = resp.StatusCode, b
			} else {
				status, body = nw.upload(caller, tc.typ, tc.id, "m.csv", small)
			}
			if want := tc.want(caller); status != want {
				t.Errorf("%s previews %s %s: %d %s, want %d", caller, tc.typ, tc.id, status, body, want)
			} else if status == 201 && tc.id == nw.unitA1 {
				runs[caller] = decode[importView](t, body).ID
			}
		}
	}
	if status, body := nw.upload("orgAdminC", "org", nw.orgC, "m.csv", small); decode[errResp](t, body).Error.Code != "centrally_managed" {
		t.Errorf("centrally managed: %d %s", status, body)
	}
	// Reading a run: its author and the secretariat; anyone else 404 like
	// one that does not exist.
	run := runs["unitAdminA1"]
	_, missing := nw.call("orgAdminB", "GET", "/api/imports/00000000-0000-4000-8000-000000000000", nil)
	read := expect(404, map[string]int{"unitAdminA1": 200, "secretariat": 200})
	for _, caller := range networkCallers {
		status, body := nw.call(caller, "GET", "/api/imports/"+run, nil)
		if want := read(caller); status != want {
			t.Errorf("%s reads: %d %s, want %d", caller, status, body, want)
		} else if want == 404 && !bytes.Equal(body, missing) {
			t.Errorf("%s: %s differs from the 404 of a missing run", caller, body)
		}
	}
	// Applying: its author only (the secretariat reads it: 403). The
	// author whose mandate ended meanwhile no longer keeps the scope.
	apply := expect(404, map[string]int{"unitAdminA1": 200, "secretariat": 403})
	for _, caller := range networkCallers {
		if caller == "unitAdminA1" {
			continue
		}
		if status, body := nw.call(caller, "POST", "/api/imports/"+run+"/apply", nil); status != apply(caller) {
			t.Errorf("%s applies: %d %s, want %d", caller, status, body, apply(caller))
		}
	}
	mine := nw.preview("unitAdminA1", "unit", nw.unitA1, small)
	if err := nw.e.store.EndMembership(context.Background(), nw.sec, nw.membershipOf("unitAdminA1", nw.unitA1), "Fin du mandat au conseil"); err != nil {
		t.Fatal(err)
	}
	if status, body := nw.call("unitAdminA1", "POST", "/api/imports/"+mine.ID+"/apply", nil); status != 403 {
		t.Errorf("an author whose mandate ended applies: %d %s", status, body)
	}
	// A unit's admin may not give the role admin: the line says so.
	v := nw.preview("orgAdminA", "unit", nw.unitA2, []byte("external_id,email,role\nR-1,boss@example.com,admin\n"))
	if v.Counts["created"] != 1 {
		t.Errorf("an organisation's admin gives admin: %v", v.Counts)
	}
	v = nw.preview("unitAdminA2", "unit", nw.unitA2, []byte("external_id,email,role\nR-1,boss@example.com,admin\n"))
	if l := v.Lines.Items[0]; l.Fate != "error" || l.Error.Column != "role" || l.Error.Reason != "forbidden" {
		t.Errorf("a unit's admin gives admin: %+v", l)
	}
}

// FuzzImportCSV previews any file as a roster of the instance's first unit
// and applies what previews: the reader and the dry run never panic and
// never answer 5xx, and a run applies or is refused with a 4xx.
func FuzzImportCSV(f *testing.F) {
	h := newHostileEnv(f)
	entries, err := os.ReadDir(filepath.Join("testdata", "imports"))
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("testdata", "imports", e.Name()))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("external_id;email;role;unit_code\r\n\"X\"\"1\";x@example.org;member;MAIN\r\n"))
	f.Add([]byte("external_id,email,role,valid_from,valid_until\nX,x@example.org,editor,31/02/2026,2020-01-01T00:00:00Z\n"))
	unit := h.params["/api/units|id"]
	f.Fuzz(func(t *testing.T, content []byte) {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		_ = w.WriteField("scope_type", "unit")
		_ = w.WriteField("scope_id", unit)
		fw, _ := w.CreateFormFile("file", "roster.csv")
		fw.Write(content)
		w.Close()
		resp, body := h.fuzzSend(t, "POST", "/api/imports", w.FormDataContentType(), buf.Bytes())
		if resp.StatusCode != 201 {
			return
		}
		id := decode[importView](t, body).ID
		h.fuzzSend(t, "POST", "/api/imports/"+id+"/apply", "application/json", []byte(`{"confirm_ending": true}`))
	})
}
