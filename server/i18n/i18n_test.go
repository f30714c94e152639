package i18n

import (
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// Every language has exactly the keys of French, none empty, each with the
// placeholders of its French text: a translation can neither lose a text
// nor a value the code fills in.
func TestEveryLanguageHasEveryKeyOfFrench(t *testing.T) {
	fr := catalogues[Source]
	if len(fr.texts) < 100 {
		t.Fatalf("French has %d keys", len(fr.texts))
	}
	for _, locale := range Locales() {
		c := catalogues[locale]
		for key, source := range fr.texts {
			text, ok := c.texts[key]
			switch {
			case !ok:
				t.Errorf("%s: %s is missing", locale, key)
			case strings.TrimSpace(text) == "":
				t.Errorf("%s: %s is empty", locale, key)
			case !slices.Equal(Placeholders(text), Placeholders(source)):
				t.Errorf("%s: %s has placeholders %v, French %v", locale, key, Placeholders(text), Placeholders(source))
			}
		}
		for key := range c.texts {
			if _, ok := fr.texts[key]; !ok {
				t.Errorf("%s: %s is not a key of French", locale, key)
			}
		}
		if c.Text("name") == "" || (locale != Source && c.Text("name") == fr.Text("name")) {
			t.Errorf("%s does not name itself", locale)
		}
	}
}

func TestLocalesAndFallbacks(t *testing.T) {
	if got := Locales(); got[0] != "fr" || !slices.Contains(got, "en") {
		t.Fatalf("Locales() = %v", got)
	}
	for in, want := range map[string]string{"en": "en", "en-GB": "en", " EN-us ": "en", "": "fr", "xx": "fr", "fr-CH": "fr"} {
		if got := Get(in).Locale(); got != want {
			t.Errorf("Get(%q) = %s, want %s", in, got, want)
		}
	}
	if Pick("xx", "en") != "en" || Pick("xx", "yy") != "fr" {
		t.Error("Pick does not fall back to the default, then to French")
	}
	if got := Get("en").Text("no.such.key"); got != "—" {
		t.Errorf("a missing key reads %q", got)
	}
	if got := Get("en").Fill("mail.hello_name", "name", "Ada"); got != "Hello Ada," {
		t.Errorf("Fill = %q", got)
	}
	if got := Fill("{a} and {b} ({a}) {c}", "a", "x", "b", "y"); got != "x and y (x) {c}" {
		t.Errorf("Fill = %q", got)
	}
}

func TestDatesInWords(t *testing.T) {
	first := time.Date(2026, time.March, 1, 14, 5, 0, 0, time.UTC)
	for locale, want := range map[string][2]string{
		"fr": {"1er mars 2026", "12 décembre 2026 à 14:05"},
		"en": {"1 March 2026", "12 December 2026 at 14:05"},
	} {
		c := Get(locale)
		if got := c.Date(first); got != want[0] {
			t.Errorf("%s: %q, want %q", locale, got, want[0])
		}
		if got := c.DateTime(first.AddDate(0, 9, 11)); got != want[1] {
			t.Errorf("%s: %q, want %q", locale, got, want[1])
		}
		if got := c.ISODate("2026-03-01"); got != want[0] {
			t.Errorf("%s: %q", locale, got)
		}
	}
	for _, locale := range Locales() {
		for _, k := range DateKeys() {
			if _, ok := Get(locale).Lookup(k); !ok {
				t.Errorf("%s: %s missing", locale, k)
			}
		}
	}
}

// A new language is one file: load finds it by its name, and a file that
// is not text-only is refused.
func TestLoadDiscoversFiles(t *testing.T) {
	fsys := fstest.MapFS{
		"locales/fr.toml": {Data: []byte("name = \"Français\"\n[error]\nnot_found = \"Introuvable.\"\n")},
		"locales/it.toml": {Data: []byte("name = \"Italiano\"\n[error]\nnot_found = \"Non trovato.\"\n")},
	}
	got, err := load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if it := got["it"]; it == nil || it.texts["error.not_found"] != "Non trovato." {
		t.Fatalf("it: %+v", got["it"])
	}
	fsys["locales/xx.toml"] = &fstest.MapFile{Data: []byte("n = 3\n")}
	if _, err := load(fsys); err == nil {
		t.Fatal("a number was accepted as a text")
	}
	delete(fsys, "locales/xx.toml")
	delete(fsys, "locales/fr.toml")
	if _, err := load(fsys); err == nil {
		t.Fatal("a set of catalogues without French was accepted")
	}
}
