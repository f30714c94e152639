package server

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
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
	for _, r := range append(slices.Clone(store.Roles), store.MemberRoles...) {
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

// Every code the API sends that a person reads has words in every SPA
// catalogue: error codes, roles, account statuses, case statuses and
// outcomes, kinds of helper, history entries, audit actions (a label and a
// sentence), kinds and statuses of e-mail, role request statuses, the facts
// an update names. No code reaches a person.
func TestSPACataloguesWordEveryCode(t *testing.T) {
	families := map[string][]string{
		"role.":               store.Roles,
		"status.":             store.AccountStatuses,
		"case.status.":        store.CaseStatuses,
		"case.outcome.":       store.Outcomes,
		"helper.kind.":        store.HelperKinds,
		"case.event.":         store.HistoryKinds,
		"audit.action.":       store.AuditActions,
		"audit.sentence.":     store.AuditActions,
		"outbox.kind.":        mail.Kinds(),
		"outbox.status.":      {store.OutboxQueued, store.OutboxSent, store.OutboxPrinted, store.OutboxFailed},
		"roleRequest.status.": store.RequestStatuses,
	}
	for _, key := range i18n.Get(i18n.Source).Keys("error.") {
		families["error."] = append(families["error."], strings.TrimPrefix(key, "error."))
	}
	ct := reflect.TypeFor[store.CaseChange]()
	for i := range ct.NumField() {
		name, _, _ := strings.Cut(ct.Field(i).Tag.Get("json"), ",")
		families["case.field."] = append(families["case.field."], name)
	}
	for locale, messages := range spaCatalogues(t) {
		for prefix, codes := range families {
			if len(codes) == 0 {
				t.Fatalf("no codes for %s", prefix)
			}
			for _, code := range codes {
				if code == "generic" {
					continue
				}
				if strings.TrimSpace(messages[prefix+code]) == "" {
					t.Errorf("SPA %s: no words for %s%s", locale, prefix, code)
				}
			}
		}
	}
}

// The SPA's audit filter offers exactly the actions the store records.
func TestSPAAuditActionsAreTheStores(t *testing.T) {
	src, err := os.ReadFile("../frontend/src/lib/audit.ts")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(src), "export const auditActions = [")
	list, _, ok2 := strings.Cut(rest, "] as const;")
	if !ok || !ok2 {
		t.Fatal("auditActions not found in frontend/src/lib/audit.ts")
	}
	var spa []string
	for _, m := range regexp.MustCompile(`'([a-z_]+\.[a-z_]+)'`).FindAllStringSubmatch(list, -1) {
		spa = append(spa, m[1])
	}
	if !slices.Equal(spa, store.AuditActions) {
		t.Errorf("the SPA lists %v,\nthe store %v", spa, store.AuditActions)
	}
}
