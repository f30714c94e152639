package server

import (
	"net/http"
	"strings"
	"testing"

	"cloison/server/config"
	"cloison/server/report/reporttest"
	"cloison/store"
)

// The privacy endpoints' permission table: the policy is public; the
// instance's texts are for instance admins and superadmins only (the
// secretariat keeps scopes, not the instance's words).
func TestPrivacyEndpointsPermissions(t *testing.T) {
	e := newTestEnv(t)
	toks := map[string]string{"anonymous": ""}
	for role, email := range map[string]string{store.RoleReader: "reader@example.org", store.RoleEditor: "editor@example.org",
		store.RoleAdmin: "admin@example.org", store.RoleSuperadmin: "sa@example.org", store.RoleSecretariat: "sec@example.org"} {
		_, toks[role] = e.account(role, email)
	}
	body := map[string]any{"texts": map[string]string{"en": "Our own policy."}, "reason": "Accord du bureau du 3 mars"}
	for _, tc := range []struct {
		method, path string
		body         any
		want         map[string]int // by role; absent: 403
	}{
		{"GET", "/api/privacy", nil, map[string]int{"anonymous": 200, store.RoleReader: 200, store.RoleEditor: 200,
			store.RoleAdmin: 200, store.RoleSuperadmin: 200, store.RoleSecretariat: 200}},
		{"GET", "/api/privacy?locale=de", nil, map[string]int{"anonymous": 200, store.RoleReader: 200, store.RoleEditor: 200,
			store.RoleAdmin: 200, store.RoleSuperadmin: 200, store.RoleSecretariat: 200}},
		{"GET", "/api/instance-texts/privacy", nil, map[string]int{"anonymous": 401, store.RoleAdmin: 200, store.RoleSuperadmin: 200}},
		{"GET", "/api/instance-texts/pledge", nil, map[string]int{"anonymous": 401, store.RoleAdmin: 200, store.RoleSuperadmin: 200}},
		{"GET", "/api/instance-texts/other", nil, map[string]int{"anonymous": 401, store.RoleAdmin: 404, store.RoleSuperadmin: 404}},
		{"PUT", "/api/instance-texts/privacy", body, map[string]int{"anonymous": 401, store.RoleAdmin: 200, store.RoleSuperadmin: 200}},
		{"PUT", "/api/instance-texts/pledge", body, map[string]int{"anonymous": 401, store.RoleAdmin: 200, store.RoleSuperadmin: 200}},
		{"PUT", "/api/instance-texts/other", body, map[string]int{"anonymous": 401, store.RoleAdmin: 404, store.RoleSuperadmin: 404}},
	} {
		for role, tok := range toks {
			want, ok := tc.want[role]
			if !ok {
				want = http.StatusForbidden
			}
			var headers []string
			if tok != "" {
				headers = auth(tok)
			}
			if resp, got := e.do(tc.method, tc.path, tc.body, headers...); resp.StatusCode != want {
				t.Errorf("%s %s as %s: %d %.200s, want %d", tc.method, tc.path, role, resp.StatusCode, got, want)
			}
		}
	}
}

// An admin edits the policy and the pledge, per language, with a reason
// that lands in the audit log; the public answers follow at once, other
// languages keep the built-in text, and an emptied text returns to it.
func TestInstanceTextsEdit(t *testing.T) {
	e := newTestEnv(t, func(c *config.Config) { c.Instance.Name = "Collectif Naissance" })
	_, adminTok := e.account(store.RoleAdmin, "admin@example.org")

	// The built-in policy names the instance, in each language.
	for _, tc := range []struct{ locale, word string }{{"fr", "Vos droits"}, {"en", "Your rights"}, {"de", "Ihre Rechte"}} {
		_, b := e.do("GET", "/api/privacy?locale="+tc.locale, nil)
		p := decode[map[string]any](t, b)
		if text, _ := p["text"].(string); !strings.Contains(text, "Collectif Naissance") || !strings.Contains(text, tc.word) || p["customised"] != false || p["locale"] != tc.locale {
			t.Fatalf("%s policy: %s", tc.locale, b)
		}
	}
	// Accept-Language when no locale is asked.
	if _, b := e.do("GET", "/api/privacy", nil, "Accept-Language", "de-CH"); decode[map[string]any](t, b)["locale"] != "de" {
		t.Fatalf("Accept-Language: %s", b)
	}

	// Refusals name the field; nothing changes.
	for _, tc := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"texts": map[string]string{"en": "x"}, "reason": "court"}, "reason"},
		{map[string]any{"texts": map[string]string{"it": "Testo"}, "reason": "Accord du bureau du 3 mars"}, "texts.it"},
		{map[string]any{"texts": map[string]string{"en": "bell \u0007"}, "reason": "Accord du bureau du 3 mars"}, "texts.en"},
	} {
		resp, b := e.do("PUT", "/api/instance-texts/pledge", tc.body, auth(adminTok)...)
		if resp.StatusCode != 422 || decode[errResp](t, b).Error.Fields[tc.field] == "" {
			t.Fatalf("%v: %d %s, want 422 naming %s", tc.body, resp.StatusCode, b, tc.field)
		}
	}

	pledge := "Je m’engage à garder le secret sur chaque dossier.\nEt à informer chaque personne aidée."
	resp, b := e.do("PUT", "/api/instance-texts/pledge", map[string]any{"texts": map[string]string{"fr": pledge},
		"reason": "Décision du CA du 12 mars"}, auth(adminTok)...)
	if resp.StatusCode != 200 {
		t.Fatalf("save: %d %s", resp.StatusCode, b)
	}
	saved := decode[struct {
		Items []instanceText `json:"items"`
	}](t, b).Items
	if len(saved) != len(config.Locales) {
		t.Fatalf("items: %s", b)
	}
	for _, it := range saved {
		if it.Locale == "fr" && (it.Text != pledge || !it.Customised || it.Default == pledge) ||
			it.Locale != "fr" && (it.Customised || it.Text != it.Default) {
			t.Fatalf("after saving: %+v", it)
		}
	}
	// A newcomer reads the new pledge; another language keeps the built-in one.
	if _, b := e.do("GET", "/api/config", nil, "Accept-Language", "fr"); decode[map[string]any](t, b)["pledge"] != pledge {
		t.Fatalf("config fr: %s", b)
	}
	if _, b := e.do("GET", "/api/config", nil, "Accept-Language", "en"); !strings.Contains(decode[map[string]any](t, b)["pledge"].(string), "By registering") {
		t.Fatalf("config en: %s", b)
	}
	// Audited with its reason.
	_, b = e.do("GET", "/api/audit?action=instance.text_saved", nil, auth(adminTok)...)
	if !strings.Contains(string(b), "Décision du CA du 12 mars") || !strings.Contains(string(b), `"pledge"`) {
		t.Fatalf("audit: %s", b)
	}
	// Emptied: back to the built-in text.
	e.do("PUT", "/api/instance-texts/pledge", map[string]any{"texts": map[string]string{"fr": " "}, "reason": "Retour au texte d’origine"}, auth(adminTok)...)
	if _, b := e.do("GET", "/api/config", nil, "Accept-Language", "fr"); !strings.HasPrefix(decode[map[string]any](t, b)["pledge"].(string), "En m’inscrivant") {
		t.Fatalf("back to the built-in pledge: %s", b)
	}
}

// The notice a case manager prints for the person concerned: a PDF in the
// language picked (else the reader's), naming who keeps the case file (the
// unit, with its contact) and carrying the instance's policy in that
// language, read back with pdftotext.
func TestCaseNoticePDF(t *testing.T) {
	e := newTestEnv(t, func(c *config.Config) { c.Instance.Name = "Collectif Naissance" })
	_, ownerTok := e.account(store.RoleEditor, "owner@example.org")
	_, adminTok := e.account(store.RoleAdmin, "admin@example.org")
	f := e.newCase(e.actorOf(ownerTok), store.CaseOpen)
	_, b := e.do("GET", "/api/cases/"+f.id, nil, auth(ownerTok)...)
	ref := decode[store.CaseDetail](t, b).Reference
	// The unit's contact, printed on the notice.
	_, b = e.do("GET", "/api/units", nil, auth(ownerTok)...)
	unitID := decode[listResp[struct{ ID string }]](t, b).Items[0].ID
	if resp, b := e.do("PATCH", "/api/units/"+unitID, map[string]any{"contact_email": "accueil@naissance.example.org",
		"reason": "Coordonnées du collectif"}, auth(adminTok)...); resp.StatusCode != 200 {
		t.Fatalf("unit contact: %d %s", resp.StatusCode, b)
	}
	if resp, b := e.do("PUT", "/api/instance-texts/privacy", map[string]any{"texts": map[string]string{"de": "Unsere eigene Erklärung: Löschung auf Anfrage."},
		"reason": "Beschluss des Vorstands"}, auth(adminTok)...); resp.StatusCode != 200 {
		t.Fatalf("save: %d %s", resp.StatusCode, b)
	}
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"?locale=de", []string{"Ihre personenbezogenen Daten", "Collectif Naissance", "accueil@naissance.example.org", "Referenz Ihres Dossiers", ref, "Unsere eigene Erklärung: Löschung auf Anfrage."}},
		{"?locale=en", []string{"Your personal data", "Collectif Naissance", "Kept by", ref, "Your rights"}},
		{"", []string{"Vos données personnelles", "Collectif Naissance", "Tenu par", ref, "Vos droits"}},
	} {
		resp, pdf := e.do("GET", "/api/cases/"+f.id+"/notice.pdf"+tc.query, nil, auth(ownerTok)...)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("notice%s: %d %v", tc.query, resp.StatusCode, resp.Header)
		}
		pages := reporttest.Pages(t, pdf)
		text := strings.Join(strings.Fields(strings.Join(pages, " ")), " ")
		for _, w := range tc.want {
			if !strings.Contains(text, strings.Join(strings.Fields(w), " ")) {
				t.Errorf("notice%s lacks %q:\n%s", tc.query, w, text)
			}
		}
		if strings.Contains(text, "péridurale") || strings.Contains(text, "Maternité") {
			t.Errorf("notice%s prints the case file's content:\n%s", tc.query, text)
		}
		if len(pages) != 1 {
			t.Errorf("notice%s: %d pages, want one", tc.query, len(pages))
		}
	}
}
