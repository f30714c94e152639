package server

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"testing"

	"cloison/store"
)

// publish sends a document as multipart: title, audience (as JSON, or
// omitted when nil) and the file.
func (nw *network) publish(caller, title string, audience map[string]any, filename string, content []byte) (int, []byte) {
	nw.e.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.WriteField("title", title)
	if audience != nil {
		a, _ := json.Marshal(audience)
		_ = w.WriteField("audience", string(a))
	}
	fw, _ := w.CreateFormFile("file", filename)
	fw.Write(content)
	w.Close()
	resp, body := nw.e.doRaw("POST", "/api/documents", w.FormDataContentType(), buf.Bytes(), auth(nw.tokens[caller])...)
	return resp.StatusCode, body
}

func TestDocumentsByAudience(t *testing.T) {
	nw := newNetwork(t)
	// Who may publish.
	for caller, want := range map[string]int{"secretariat": 201, "superadmin": 201, "orgAdminA": 201,
		"admin": 201, "unitAdminA1": 403, "editorA1": 403, "memberA": 403, "reader": 403} {
		if status, body := nw.publish(caller, "Statuts", nil, "statuts.pdf", samplePDF); status != want {
			t.Errorf("%s publishes: %d %s, want %d", caller, status, body, want)
		}
	}
	if status, _ := nw.publish("orgAdminA", "Statuts", map[string]any{"org_ids": []string{nw.orgB}}, "statuts.pdf", samplePDF); status != 403 {
		t.Errorf("an organisation's admin publishes to another: %d", status)
	}
	for _, tc := range []struct {
		filename string
		content  []byte
		audience map[string]any
		field    string
	}{
		{"a.exe", []byte("MZ\x90\x00binary"), nil, "file"},
		{"a.pdf", []byte("plain text"), nil, "file"},
		{"a.pdf", samplePDF, map[string]any{"functions": []string{"nope"}}, "audience"},
	} {
		status, body := nw.publish("secretariat", "Statuts", tc.audience, tc.filename, tc.content)
		if status != 422 || decode[errResp](t, body).Error.Fields[tc.field] == "" {
			t.Errorf("%s: %d %s", tc.filename, status, body)
		}
	}
	// The secretariat publishes to the members of organisation A.
	status, body := nw.publish("secretariat", "Convocation des membres", map[string]any{"org_ids": []string{nw.orgA}, "roles": []string{"member"}},
		"convocation.pdf", samplePDF)
	if status != 201 {
		t.Fatalf("publish: %d %s", status, body)
	}
	doc := decode[store.Document](t, body)
	path := "/api/documents/" + doc.ID
	_, missing := nw.call("memberA", "GET", "/api/documents/00000000-0000-4000-8000-000000000000", nil)
	for caller, want := range map[string]int{"memberA": 200, "memberA1": 200, "secretariat": 200, "superadmin": 200,
		"admin": 200, "orgAdminA": 200, // they manage it: every organisation it names is theirs
		"editorA1": 404, "orgAdminB": 404, "unitAdminA2": 404, "endedA1": 404, "upcomingA1": 404, "pendingA1": 404, "reader": 404} {
		status, body := nw.call(caller, "GET", path, nil)
		switch {
		case status != want:
			t.Errorf("%s downloads: %d %s, want %d", caller, status, body, want)
		case want == 404 && !bytes.Equal(body, missing):
			t.Errorf("%s: %s, not the 404 of a missing document %s", caller, body, missing)
		case want == 200 && !bytes.Equal(body, samplePDF):
			t.Errorf("%s: the content changed", caller)
		}
		_, list := nw.call(caller, "GET", "/api/documents", nil)
		listed := bytes.Contains(list, []byte(doc.ID))
		if listed != (want == 200) {
			t.Errorf("%s lists it: %v", caller, listed)
		}
	}
	// Deleting: those who manage it.
	if status, _ := nw.call("memberA", "DELETE", path, nil); status != 403 {
		t.Errorf("a reader deletes: %d", status)
	}
	if status, _ := nw.call("orgAdminB", "DELETE", path, nil); status != 404 {
		t.Errorf("an outsider deletes: %d", status)
	}
	if status, _ := nw.call("secretariat", "DELETE", path, nil); status != 204 {
		t.Errorf("the secretariat deletes: %d", status)
	}
	if status, _ := nw.call("memberA", "GET", path, nil); status != 404 {
		t.Errorf("after deletion: %d", status)
	}
}
