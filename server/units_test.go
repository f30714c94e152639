package server

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"cloison/server/report/reporttest"
	"cloison/store"
)

// samplePNG and sampleJPEG are small real images, drawn here.
func samplePNG(t testing.TB, w, h int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		for y := range h {
			img.Set(x, y, color.NRGBA{R: uint8(x * 7), G: uint8(y * 5), B: 120, A: uint8(128 + x%128)})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sampleJPEG(t testing.TB) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 60, 40))
	for x := range 60 {
		img.Set(x, x%40, color.RGBA{R: 200, A: 255})
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// putImage uploads a unit's logo or stamp as multipart field "file" (or,
// with field "", nothing).
func (nw *network) putImage(caller, unit, which, field string, content []byte) (int, []byte) {
	nw.e.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if field != "" {
		fw, _ := w.CreateFormFile(field, "image.png")
		fw.Write(content)
	}
	w.Close()
	var headers []string
	if caller != "none" {
		headers = auth(nw.tokens[caller])
	}
	resp, body := nw.e.doRaw("PUT", "/api/units/"+unit+"/"+which, w.FormDataContentType(), buf.Bytes(), headers...)
	return resp.StatusCode, body
}

// TestUnitPermissionMatrix: every unit endpoint × every role and relation
// to unit A1 (and to C1, in a centrally managed organisation).
func TestUnitPermissionMatrix(t *testing.T) {
	nw := newNetwork(t)
	ctx := context.Background()
	a1, c1, missing := "/api/units/"+nw.unitA1, "/api/units/"+nw.unitC1, "/api/units/"+nonexistentID
	// A3 waits for its administrator: out of the directory.
	a3, err := nw.e.store.CreateUnit(ctx, nw.sec, nw.orgA, store.NewUnit{Name: "Unité A3", Code: "U-A3", ContactEmail: "a3@units.example.org",
		AdminEmail: "a3-admin@example.net", Reason: "Création décidée par le bureau"})
	if err != nil || a3.Status != store.ScopeInvited {
		t.Fatalf("invited unit: %+v %v", a3, err)
	}
	keepersA1 := append([]string{"unitAdminA1"}, keepersA...)
	everyone := expect(200, nil)
	settings := func() any {
		return map[string]any{"modules": map[string]bool{"attachments": true}, "accepts_transfers": true, "reason": "Vote du bureau de l'unité"}
	}
	newMember := func(role string) func() any {
		return func() any { return map[string]any{"email": nw.fresh(), "role": role, "reason": "Recrutement validé"} }
	}
	centralAdmins := all(403, "orgAdminC", "superadmin", "admin")
	nw.run(t, []matrixRow{
		{name: "directory", method: "GET", path: func() string { return "/api/units" }, want: everyone},
		{name: "read A1", method: "GET", path: func() string { return a1 }, want: everyone, missing: missing},
		{name: "read A3 (invited)", method: "GET", path: func() string { return "/api/units/" + a3.ID },
			want: expect(404, all(200, append(append([]string{}, keepersA...), membersA...)...)), missing: missing},
		{name: "settings of A1", method: "PATCH", path: func() string { return a1 }, body: settings,
			want: expect(403, all(200, keepersA1...)), missing: missing},
		{name: "status of A1", method: "PATCH", path: func() string { return a1 }, body: func() any {
			return map[string]any{"status": "active", "reason": "Réouverture de l'unité"}
		}, want: expect(403, all(200, keepersA...)), missing: missing},
		{name: "record of C1", method: "PATCH", path: func() string { return c1 }, body: func() any {
			return map[string]any{"address": "2 place du Marché", "reason": "Déménagement de l'unité"}
		}, want: expect(403, all(200, "secretariat")), missing: missing},
		{name: "settings of C1", method: "PATCH", path: func() string { return c1 }, body: settings,
			want: expect(403, all(200, "secretariat", "superadmin", "admin", "orgAdminC")), missing: missing},
		{name: "members of A1", method: "GET", path: func() string { return a1 + "/members" }, want: expect(403, all(200, keepersA1...)),
			missing: missing + "/members"},
		{name: "editor to A1", method: "POST", path: func() string { return a1 + "/members" }, body: newMember(store.MemberEditor),
			want: expect(403, all(201, keepersA1...)), missing: missing + "/members"},
		{name: "admin to A1", method: "POST", path: func() string { return a1 + "/members" }, body: newMember(store.MemberAdmin),
			want: expect(403, all(201, keepersA...)), missing: missing + "/members"},
		{name: "editor to C1", method: "POST", path: func() string { return c1 + "/members" }, body: newMember(store.MemberEditor),
			want: expect(403, merge(centralAdmins, all(201, "secretariat"))), missing: missing + "/members"},
		{name: "members of A3", method: "GET", path: func() string { return "/api/units/" + a3.ID + "/members" },
			want: expect(404, merge(all(403, membersA...), all(200, keepersA...))), missing: missing + "/members"},
	})
	for _, caller := range []string{"orgAdminC", "superadmin", "admin"} {
		status, body := nw.call(caller, "PATCH", c1, map[string]any{"name": "Autre nom", "reason": "Changement de nom voté"})
		if status != 403 || decode[errResp](t, body).Error.Code != "centrally_managed" {
			t.Errorf("PATCH C1's name as %s: %d %s", caller, status, body)
		}
	}

	// Logo and stamp: upload, preview, removal.
	logo := samplePNG(t, 40, 20)
	for _, which := range []string{store.UnitLogo, store.UnitStamp} {
		for _, caller := range networkCallers {
			want := expect(403, all(200, keepersA1...))(caller)
			if status, body := nw.putImage(caller, nw.unitA1, which, "file", logo); status != want {
				t.Errorf("PUT %s as %s: %d %s, want %d", which, caller, status, body, want)
			}
			if status, body := nw.putImage(caller, nonexistentID, which, "file", logo); status != expect(404, nil)(caller) {
				t.Errorf("PUT %s of a missing unit as %s: %d %s", which, caller, status, body)
			}
		}
		nw.run(t, []matrixRow{
			{name: "preview " + which, method: "GET", path: func() string { return a1 + "/" + which }, want: expect(403, all(200, keepersA1...)),
				missing: missing + "/" + which},
		})
		var headers []string = auth(nw.tokens["unitAdminA1"])
		resp, body := nw.e.do("GET", a1+"/"+which, nil, headers...)
		if !bytes.Equal(body, logo) || resp.Header.Get("Content-Type") != "image/png" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("preview %s: %v %d bytes", which, resp.Header, len(body))
		}
		nw.run(t, []matrixRow{
			{name: "remove " + which, method: "DELETE", path: func() string { return a1 + "/" + which }, want: expect(403, all(200, keepersA1...)),
				missing: missing + "/" + which},
		})
		if status, _ := nw.call("unitAdminA1", "GET", a1+"/"+which, nil); status != 404 {
			t.Errorf("%s after removal: %d", which, status)
		}
	}
}

// A unit shows its directory entry to anyone, its settings to its keepers.
func TestUnitReads(t *testing.T) {
	nw := newNetwork(t)
	for caller, keeper := range map[string]bool{"unitAdminA1": true, "orgAdminA": true, "secretariat": true, "admin": true,
		"unitAdminA2": false, "editorA1": false, "reader": false} {
		_, body := nw.call(caller, "GET", "/api/units/"+nw.unitA1, nil)
		u := decode[map[string]any](t, body)
		org, _ := u["organisation"].(map[string]any)
		if u["name"] != "Unité A1" || u["code"] != "U-A1" || org["id"] != nw.orgA || org["name"] != "Organisation A" {
			t.Errorf("unit for %s: %s", caller, body)
		}
		_, hasModules := u["modules"]
		_, hasContact := u["contact_email"]
		if hasModules != keeper || hasContact != keeper || (!keeper && len(u) != 4) {
			t.Errorf("unit for %s (keeper %v): %s", caller, keeper, body)
		}
	}
	_, body := nw.call("reader", "GET", "/api/units?per_page=2", nil)
	l := decode[listBody[map[string]any]](t, body)
	if l.Total != 5 || len(l.Items) != 2 || len(l.Items[0]) != 4 {
		t.Errorf("directory: %s", body)
	}
	_, body = nw.call("reader", "GET", "/api/units?org="+nw.orgA+"&q=a2", nil)
	if l := decode[listBody[store.UnitEntry]](t, body); l.Total != 1 || l.Items[0].ID != nw.unitA2 {
		t.Errorf("directory filtered: %s", body)
	}

	// Settings, and a centrally managed organisation's units keep theirs.
	status, body := nw.call("unitAdminA1", "PATCH", "/api/units/"+nw.unitA1, map[string]any{
		"contact_email": "accueil@a1.example.org", "address": "3 rue Haute\n1204 Genève",
		"modules": map[string]bool{"helpers": false, "reminders": false}, "reason": "Vote du bureau de l'unité"})
	u := decode[store.UnitView](t, body)
	if status != 200 || u.ContactEmail != "accueil@a1.example.org" || u.Address != "3 rue Haute\n1204 Genève" ||
		u.Modules != (store.Modules{Helpers: false, Attachments: true, Reminders: false, Transfers: true, Inspectors: true}) {
		t.Fatalf("settings: %d %s", status, body)
	}
	entries, _, err := nw.e.store.ListAudit(context.Background(), nw.e.actorOf(nw.tokens["unitAdminA1"]), store.AuditFilter{Action: "unit.updated"}, store.Page{Page: 1, PerPage: 10})
	if err != nil || len(entries) != 1 || entries[0].Reason != "Vote du bureau de l'unité" || entries[0].UnitID != nw.unitA1 {
		t.Errorf("the unit's admin reads the change in the audit log: %+v %v", entries, err)
	}
}

// Bad input to units and organisations: a 4xx naming the field, never a 500.
func TestUnitAndOrgInputIsChecked(t *testing.T) {
	nw := newNetwork(t)
	long := strings.Repeat("x", 5000)
	reason := "Décision du conseil du 3 mars"
	for _, tc := range []struct {
		method, path string
		body         any
		field, why   string
	}{
		{"POST", "/api/orgs", map[string]any{"name": "X", "code": "ORG-A", "admin_email": "a@example.org", "reason": reason}, "code", "taken"},
		{"POST", "/api/orgs", map[string]any{"name": "X", "code": "a", "admin_email": "a@example.org", "reason": reason}, "code", "format"},
		{"POST", "/api/orgs", map[string]any{"name": "X", "code": "ÉCOLE", "admin_email": "a@example.org", "reason": reason}, "code", "format"},
		{"POST", "/api/orgs", map[string]any{"name": "X", "code": long, "admin_email": "a@example.org", "reason": reason}, "code", "max=32"},
		{"POST", "/api/orgs", map[string]any{"name": "  ", "code": "NEW-1", "admin_email": "a@example.org", "reason": reason}, "name", "required"},
		{"POST", "/api/orgs", map[string]any{"name": "a\x00b", "code": "NEW-1", "admin_email": "a@example.org", "reason": reason}, "name", "control_character"},
		{"POST", "/api/orgs", map[string]any{"name": long, "code": "NEW-1", "admin_email": "a@example.org", "reason": reason}, "name", "max=200"},
		{"POST", "/api/orgs", map[string]any{"name": "X", "code": "NEW-1", "admin_email": "pas une adresse", "reason": reason}, "admin_email", "email"},
		{"POST", "/api/orgs", map[string]any{"name": "X", "code": "NEW-1", "admin_email": "a@example.org", "reason": "court"}, "reason", "min=10"},
		{"POST", "/api/orgs", map[string]any{"name": 12, "code": "NEW-1", "admin_email": "a@example.org", "reason": reason}, "name", "type"},
		{"POST", "/api/orgs", map[string]any{"name": "X", "code": "NEW-1", "admin_email": "a@example.org", "centrally_managed": "yes", "reason": reason}, "centrally_managed", "type"},
		{"PATCH", "/api/orgs/" + nw.orgA, map[string]any{"code": "org-b", "reason": reason}, "code", "taken"},
		{"PATCH", "/api/orgs/" + nw.orgA, map[string]any{"status": "open", "reason": reason}, "status", "oneof=active closed"},
		{"PATCH", "/api/orgs/" + nw.orgA, map[string]any{"contact_email": "x", "reason": reason}, "contact_email", "email"},
		{"POST", "/api/orgs/" + nw.orgA + "/units", map[string]any{"name": "X", "code": "U-A1", "contact_email": "u@example.org", "reason": reason}, "code", "taken"},
		{"POST", "/api/orgs/" + nw.orgA + "/units", map[string]any{"name": "X", "code": "U-NEW", "reason": reason}, "contact_email", "required"},
		{"PATCH", "/api/units/" + nw.unitA1, map[string]any{"modules": map[string]any{"helpers": "off"}, "reason": reason}, "modules.helpers", "type"},
		{"PATCH", "/api/units/" + nw.unitA1, map[string]any{"modules": []int{1}, "reason": reason}, "modules", "type"},
		{"PATCH", "/api/units/" + nw.unitA1, map[string]any{"address": "\x1b[31m", "reason": reason}, "address", "control_character"},
		{"PATCH", "/api/units/" + nw.unitA1, map[string]any{"name": "Nouveau nom"}, "reason", "min=10"},
		{"PATCH", "/api/units/" + nw.unitA1, map[string]any{"reason": long}, "reason", "max=2000"},
	} {
		status, body := nw.call("secretariat", tc.method, tc.path, tc.body)
		if status != 422 || decode[errResp](t, body).Error.Fields[tc.field] != tc.why {
			t.Errorf("%s %s %.80v: %d %s, want 422 %s=%s", tc.method, tc.path, tc.body, status, body, tc.field, tc.why)
		}
	}
	// Invalid UTF-8 and a body that is not JSON: 4xx, never a 500.
	for _, raw := range [][]byte{[]byte("{\"name\": \"\xff\xfe\", \"code\": \"X1\"}"), []byte("{"), []byte(`"text"`), []byte(`{"name": null}`)} {
		resp, body := nw.e.doRaw("POST", "/api/orgs", "application/json", raw, auth(nw.tokens["secretariat"])...)
		if resp.StatusCode < 400 || resp.StatusCode >= 500 {
			t.Errorf("POST /api/orgs %q: %d %s", raw, resp.StatusCode, body)
		}
	}

	// Images: checked by their content.
	gif := []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
	png := samplePNG(t, 30, 30)
	for _, tc := range []struct {
		field   string
		content []byte
		why     string
	}{
		{"", nil, "required"},
		{"file", nil, "required"},
		{"file", gif, "type_not_allowed"},
		{"file", []byte("<svg xmlns='http://www.w3.org/2000/svg'/>"), "type_not_allowed"},
		{"file", png[:len(png)/2], "invalid_image"},
		{"file", append(append([]byte{}, png...), make([]byte, store.UnitImageMaxBytes)...), "max_size=524288"},
		{"file", samplePNG(t, 5000, 1), "dimensions"},
	} {
		status, body := nw.putImage("unitAdminA1", nw.unitA1, store.UnitLogo, tc.field, tc.content)
		if status != 422 || decode[errResp](t, body).Error.Fields["file"] != tc.why {
			t.Errorf("logo %s (%d bytes): %d %s, want file=%s", tc.field, len(tc.content), status, body, tc.why)
		}
	}
	if status, body := nw.putImage("unitAdminA1", nw.unitA1, store.UnitStamp, "file", sampleJPEG(t)); status != 200 ||
		!decode[store.UnitView](t, body).HasStamp {
		t.Errorf("JPEG stamp: %d %s", status, body)
	}
}

// The report of a case file prints its unit's name, logo and stamp.
func TestReportPrintsTheUnitsLetterhead(t *testing.T) {
	nw := newNetwork(t)
	f := nw.e.newCase(nw.e.actorOf(nw.tokens["editorA1"]), store.CaseOpen)
	report := func() []byte {
		resp, body := nw.e.do("GET", "/api/cases/"+f.id+"/report.pdf", nil, auth(nw.tokens["editorA1"])...)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("report: %d %s", resp.StatusCode, body)
		}
		return body
	}
	plain := report()
	if text := reporttest.Text(t, plain); !strings.Contains(text, "Unité A1") {
		t.Fatalf("the unit's name is missing:\n%s", text)
	}
	if n := bytes.Count(plain, []byte("/Subtype /Image")); n != 0 {
		t.Fatalf("%d images in a report without logo nor stamp", n)
	}
	if status, body := nw.putImage("unitAdminA1", nw.unitA1, store.UnitLogo, "file", samplePNG(t, 120, 40)); status != 200 {
		t.Fatalf("logo: %d %s", status, body)
	}
	if status, body := nw.putImage("unitAdminA1", nw.unitA1, store.UnitStamp, "file", sampleJPEG(t)); status != 200 {
		t.Fatalf("stamp: %d %s", status, body)
	}
	pdf := report()
	// The logo (with its transparency mask) and the stamp.
	if n := bytes.Count(pdf, []byte("/Subtype /Image")); n < 2 {
		t.Fatalf("%d image objects in the report", n)
	}
	if !bytes.Contains(pdf, []byte("/DCTDecode")) || !bytes.Contains(pdf, []byte("/SMask")) {
		t.Fatal("the JPEG stamp or the PNG logo's transparency is missing")
	}
	if text := reporttest.Text(t, pdf); !strings.Contains(text, "Unité A1") || !strings.Contains(text, "Refus de péridurale") {
		t.Fatalf("report text:\n%s", text)
	}
}
