package server

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"cloison/server/i18n"
	"cloison/server/mail"
	"cloison/server/report"
	"cloison/store"
)

// spaCatalogues reads the SPA's catalogues (frontend/src/lib/i18n/locales),
// by language code.
func spaCatalogues(t *testing.T) map[string]map[string]string {
	t.Helper()
	files, err := filepath.Glob("../frontend/src/lib/i18n/locales/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no SPA catalogue found (%v)", err)
	}
	out := map[string]map[string]string{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[strings.TrimSuffix(filepath.Base(f), ".json")] = m
	}
	return out
}

// serverKeys are the catalogue keys the server's own code uses, beside the
// error messages (TestOpenAPIErrorCodes): the e-mails, the report, the words
// for the store's roles and helper kinds, the default pledge.
func serverKeys() []string {
	keys := append(mail.CatalogueKeys(), report.CatalogueKeys()...)
	for _, r := range []string{store.RoleReader, store.RoleEditor, store.RoleAdmin, store.RoleSuperadmin} {
		keys = append(keys, "role."+r)
	}
	for _, k := range []string{"support", "trainee", "mentee"} {
		keys = append(keys, "helper_kind."+k)
	}
	return append(keys, "pledge.default", "name", "error.generic")
}

// Both sides speak the same languages, and every key the server uses is
// in every server catalogue (which the i18n package's own test holds to
// French's keys).
func TestCataloguesSpeakTheSameLanguagesAndSayEverything(t *testing.T) {
	spa := spaCatalogues(t)
	var spaLocales []string
	for l := range spa {
		spaLocales = append(spaLocales, l)
	}
	slices.Sort(spaLocales)
	server := slices.Sorted(slices.Values(i18n.Locales()))
	if !slices.Equal(spaLocales, server) {
		t.Fatalf("the SPA speaks %v, the server %v", spaLocales, server)
	}
	for _, locale := range i18n.Locales() {
		for _, key := range serverKeys() {
			if s, ok := i18n.Get(locale).Lookup(key); !ok || strings.TrimSpace(s) == "" {
				t.Errorf("server %s: %s is missing", locale, key)
			}
		}
	}
}
