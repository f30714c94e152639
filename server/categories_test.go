package server

import (
	"slices"
	"testing"

	"cloison/server/i18n"
	"cloison/store"
)

type categoryList struct {
	Items []store.Category `json:"items"`
}

// A fresh instance starts with the neutral set for appeals and complaints,
// the "appeals" preset, worded as the catalogues word it.
func TestAFreshInstanceHasTheAppealsSet(t *testing.T) {
	e := newTestEnv(t)
	_, tok := e.account(store.RoleEditor, "ed@example.org")
	_, body := e.do("GET", "/api/categories", nil, auth(tok)...)
	got := decode[categoryList](t, body).Items
	var ids []string
	for _, c := range got {
		ids = append(ids, c.ID)
		for l, label := range c.Labels {
			if want := i18n.Get(l).Text("category." + c.ID); i18n.Has(l) && label != want {
				t.Errorf("%s in %s: %q, the catalogue says %q", c.ID, l, label, want)
			}
		}
		for _, l := range []string{"fr", "en"} {
			if c.Labels[l] == "" {
				t.Errorf("%s has no label in %s", c.ID, l)
			}
		}
	}
	if !slices.Equal(ids, categoryPresets[0].ids) || categoryPresets[0].key != "appeals" {
		t.Errorf("a fresh instance has %v, want the appeals preset %v", ids, categoryPresets[0].ids)
	}
}

// Labels are unique in each language whatever their capitals and accents;
// a refusal names the field; a category needs a label in the instance's
// language, and speaks only the instance's languages.
func TestCategoriesAreUniqueAndSayWhy(t *testing.T) {
	e := newTestEnv(t)
	_, tok := e.account(store.RoleAdmin, "admin@example.org")
	post := func(body map[string]any) (int, errResp, store.Category) {
		resp, b := e.do("POST", "/api/categories", body, auth(tok)...)
		if resp.StatusCode == 201 {
			return 201, errResp{}, decode[store.Category](t, b)
		}
		return resp.StatusCode, decode[errResp](t, b), store.Category{}
	}
	status, _, created := post(map[string]any{"labels": map[string]string{"fr": "Transports scolaires", "en": "School transport"}})
	if status != 201 || created.Labels["fr"] != "Transports scolaires" || !created.Active {
		t.Fatalf("create: %d %+v", status, created)
	}
	for _, c := range []struct {
		body  map[string]any
		field string
		why   string
	}{
		{map[string]any{"labels": map[string]string{"fr": "TRANSPORTS SCOLAIRES"}}, "labels.fr", "label_taken"},
		{map[string]any{"labels": map[string]string{"fr": "Transports scolairés", "en": "x"}}, "labels.fr", "label_taken"},
		{map[string]any{"labels": map[string]string{"fr": "Santé, et soins"}}, "labels.fr", "label_taken"},
		{map[string]any{"labels": map[string]string{"fr": "Cantine", "en": "school  TRANSPORT"}}, "labels.en", "label_taken"},
		{map[string]any{"labels": map[string]string{"en": "Canteen"}}, "labels.fr", "required"},
		{map[string]any{"labels": map[string]string{"fr": "Cantine", "xx": "?"}}, "labels.xx", "locale"},
		{map[string]any{"id": "sante", "labels": map[string]string{"fr": "Cantine"}}, "id", "taken"},
	} {
		status, er, _ := post(c.body)
		if status != 422 || er.Error.Fields[c.field] != c.why {
			t.Errorf("%v: %d %+v, want 422 %s %s", c.body, status, er, c.field, c.why)
		}
	}
	// A change keeps its own label, may not take another's, and may not
	// leave the instance's language without one.
	for body, want := range map[string]int{
		`{"labels":{"fr":"transports scolaires"}}`: 200,
		`{"labels":{"fr":"Logement"}}`:             422,
		`{"labels":{"fr":""}}`:                     422,
		`{"labels":{"en":""}}`:                     200,
	} {
		resp, b := e.doRaw("PATCH", "/api/categories/"+created.ID, "application/json", []byte(body), auth(tok)...)
		if resp.StatusCode != want {
			t.Errorf("PATCH %s: %d %s, want %d", body, resp.StatusCode, b, want)
		}
	}
	_, b := e.do("GET", "/api/categories", nil, auth(tok)...)
	for _, c := range decode[categoryList](t, b).Items {
		if c.ID == created.ID && (c.Labels["fr"] != "transports scolaires" || c.Labels["en"] != "") {
			t.Errorf("after the changes: %+v", c)
		}
	}
}

// The presets are offered to admins in their language; adding one adds the
// categories the instance lacks, once, and the audit log says which.
func TestCategoryPresets(t *testing.T) {
	e := newTestEnv(t)
	_, tok := e.account(store.RoleAdmin, "admin@example.org")
	_, body := e.do("GET", "/api/category-presets", nil, auth(tok)...)
	presets := decode[struct {
		Items []struct {
			Key        string                `json:"key"`
			Name       string                `json:"name"`
			Categories []store.CategoryInput `json:"categories"`
		} `json:"items"`
	}](t, body).Items
	if len(presets) != 2 || presets[1].Key != "birth" || presets[1].Name != "Naissance et maternité" ||
		presets[1].Categories[0].Labels["en"] != "Conduct of childbirth" {
		t.Fatalf("presets: %s", body)
	}

	resp, body := e.do("POST", "/api/category-presets/birth", nil, auth(tok)...)
	added := decode[categoryList](t, body).Items
	if resp.StatusCode != 200 || len(added) != 9 || added[0].ID != "accouchement" {
		t.Fatalf("add birth: %d %s", resp.StatusCode, body)
	}
	if _, body = e.do("POST", "/api/category-presets/birth", nil, auth(tok)...); len(decode[categoryList](t, body).Items) != 0 {
		t.Errorf("adding it again added %s", body)
	}
	if resp, _ := e.do("POST", "/api/category-presets/nothing", nil, auth(tok)...); resp.StatusCode != 404 {
		t.Errorf("an unknown preset: %d", resp.StatusCode)
	}
	_, body = e.do("GET", "/api/audit?action=category.preset_added", nil, auth(tok)...)
	entries := decode[struct {
		Items []store.AuditEntry `json:"items"`
	}](t, body).Items
	if len(entries) != 1 || entries[0].ObjectID != "birth" {
		t.Errorf("audit: %s", body)
	}
	_, body = e.do("GET", "/api/categories", nil, auth(tok)...)
	if n := len(decode[categoryList](t, body).Items); n != 19 {
		t.Errorf("%d categories, want 19", n)
	}
}
