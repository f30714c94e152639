package report

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"

	"cloison/server/i18n"
	"cloison/server/report/reporttest"
	"cloison/store"
	"cloison/store/passwords"
	"cloison/store/storetest"
)

// stress holds characters of French, German, Italian, Vietnamese and
// Turkish names and of typography that the core PDF fonts lose.
const stress = "— – … « » ‹ › „ “ ” ‘ ’ → ← ↔ ✓ € œ Œ æ ß ẞ ä ö ü ç ğ ı İ ş Nguyễn Thị Ánh Đặng ỹ ễ à è ì ò ù â ê î ô û ë ï ÿ č ř ž ł ő ű"

// clock is the store's time in these tests: the report's dates follow it.
var clock = time.Date(2026, time.March, 1, 9, 30, 0, 0, time.UTC)

// fixture is a case file in a real store, worked on as an association
// would: created, changed, moved to amicable steps, given notes, deadlines
// and an attachment, whose every text carries text.
func fixture(t testing.TB, text string, notes int) *store.CaseReport {
	t.Helper()
	ctx := context.Background()
	now := clock
	dir := t.TempDir()
	st, err := store.Open(ctx, store.Options{Dir: dir, DatabaseURL: storetest.Migrated(t, dir), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	h := passwords.NewHasher(passwords.Params{Memory: 64, Time: 1, Threads: 1}, 0)
	acc, err := st.CreateAccount(ctx, h, store.Actor{}, store.NewAccount{
		Email: "claire@example.org", Name: "Claire " + name(text), Password: "a long enough passphrase", Role: store.RoleEditor})
	if err != nil {
		t.Fatal(err)
	}
	ed := store.Actor{Account: acc}
	facts := "2026-02-14"
	c, err := st.CreateCase(ctx, ed, store.NewCase{Title: "Recours " + text, CategoryID: "autre",
		Summary: "Résumé " + text, FactsDate: &facts, Place: "Lieu " + text})
	if err != nil {
		t.Fatal(err)
	}
	v := c.Version
	step := func(f func() (*store.CaseDetail, error)) {
		t.Helper()
		now = now.Add(26 * time.Hour)
		d, err := f()
		if err != nil {
			t.Fatal(err)
		}
		v = d.Version
	}
	title, summary := "Recours "+text+" (suite)", "Résumé revu "+text
	step(func() (*store.CaseDetail, error) {
		return st.UpdateCase(ctx, ed, c.ID, &v, store.CaseChange{Title: &title, Summary: &summary})
	})
	step(func() (*store.CaseDetail, error) {
		return st.TransitionCase(ctx, ed, c.ID, &v, store.Transition{To: store.CaseOpen})
	})
	step(func() (*store.CaseDetail, error) {
		return st.TransitionCase(ctx, ed, c.ID, &v, store.Transition{To: store.CasePending, Comment: "Courrier " + text})
	})
	for i := range notes {
		if _, _, err := st.AddNote(ctx, ed, c.ID, store.NewNote{Body: fmt.Sprintf("Note %d : %s", i+1, text)}); err != nil {
			t.Fatal(err)
		}
	}
	due, deadline := "2026-04-01", "Échéance "+text
	if _, err := st.AddDeadline(ctx, ed, c.ID, store.DeadlineInput{Title: &deadline, DueDate: &due}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddAttachment(ctx, ed, c.ID, "Pièce "+text+".txt", []byte("Compte rendu.\n")); err != nil {
		t.Fatal(err)
	}
	r, err := st.Report(ctx, ed, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// name is the start of text, as long as an account's name may be.
func name(text string) string {
	r := []rune(text)
	return string(r[:min(len(r), 90)])
}

func pages(t *testing.T, r *store.CaseReport, locale, instance string) []string {
	t.Helper()
	pdf, err := Render(r, Options{Letterhead: Letterhead{Name: instance}, Locale: locale, Now: clock.Add(10 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	return reporttest.Pages(t, pdf)
}

// Every character of the stress string comes back out of the PDF, in the
// title, the header, the summary, the fields, the timeline, the notes, the
// deadlines and the attachments' names.
func TestEveryCharacterComesBack(t *testing.T) {
	r := fixture(t, stress, 1)
	text := strings.Join(pages(t, r, "fr", "Association "+stress), "\n")
	var missing []string
	for _, c := range stress {
		if !unicode.IsSpace(c) && !strings.ContainsRune(text, c) {
			missing = append(missing, fmt.Sprintf("%c (U+%04X)", c, c))
		}
	}
	if len(missing) > 0 {
		t.Fatalf("lost from the PDF: %s\n%s", strings.Join(missing, " "), text)
	}
	// Whole names, where each place prints them.
	for _, want := range []string{"Nguyễn Thị Ánh Đặng", "Association —", "Recours — – …", "Claire —", "Note 1 : —",
		"Courrier —", "Échéance —", "Pièce —", "Lieu —", "Résumé revu —"} {
		if !strings.Contains(text, want) {
			t.Errorf("%q missing from\n%s", want, text)
		}
	}
	if strings.Contains(text, "â€") || strings.ContainsRune(text, unicode.ReplacementChar) {
		t.Fatalf("mis-decoded text:\n%s", text)
	}
}

// Every page says "page / pages", and the header names the instance and
// the case file on every page.
func TestPageNumbers(t *testing.T) {
	r := fixture(t, "Un texte ordinaire, assez long pour qu’une quarantaine de notes remplissent plusieurs pages du rapport.", 40)
	pp := pages(t, r, "fr", "Entraide Recours Genève")
	if len(pp) < 3 {
		t.Fatalf("%d pages: the fixture should fill at least 3", len(pp))
	}
	for i, p := range pp {
		// pdftotext may drop the spaces around the slash.
		if want := fmt.Sprintf(`(?m)^%d ?/ ?%d$`, i+1, len(pp)); !regexp.MustCompile(want).MatchString(p) {
			t.Errorf("page %d does not say %d / %d:\n%s", i+1, i+1, len(pp), p)
		}
		if !strings.Contains(p, "Entraide Recours Genève") || !strings.Contains(p, "Rapport de dossier · "+r.Case.Reference) {
			t.Errorf("page %d has no letterhead:\n%s", i+1, p)
		}
	}
}

// Dates, statuses, outcomes and history entries are words in the reader's
// language; no code reaches the page.
func TestWordsInTheReadersLanguage(t *testing.T) {
	r := fixture(t, "texte", 1)
	cases := map[string][]string{
		"fr": {"Statut Démarche amiable", "Date des faits 14 février 2026", "Créé le 1er mars 2026",
			"Dossier créé", "Modifié : titre, résumé", "Statut : Ébauche → Ouvert", "Statut : Ouvert → Démarche amiable — Courrier texte",
			"1er avril 2026", "Document généré le 11 mars 2026 à 09:30 — confidentiel", "Catégorie Autre", "Ko — ajoutée le 4 mars 2026"},
		"en": {"Status Amicable steps", "Date of the facts 14 February 2026", "Created on 1 March 2026",
			"Case file created", "Changed: title, summary", "Status: Draft → Open", "Status: Open → Amicable steps — Courrier texte",
			"1 April 2026", "Generated on 11 March 2026 at 09:30 — confidential", "Category Other", "KB — added on 4 March 2026"},
		"de": {"Status Gütliche Schritte", "Datum der Ereignisse 14. Februar 2026", "Erstellt am 1. März 2026",
			"Dossier erstellt", "Geändert: Titel, Zusammenfassung", "Status: Entwurf → Offen", "Status: Offen → Gütliche Schritte — Courrier texte",
			"1. April 2026", "Erstellt am 11. März 2026 um 09:30 — vertraulich", "Kategorie Anderes", "KB — hinzugefügt am 4. März 2026"},
	}
	for locale, want := range cases {
		text := strings.Join(pages(t, r, locale, "Entraide"), "\n")
		flat := strings.Join(strings.Fields(text), " ")
		for _, w := range want {
			if !strings.Contains(flat, w) {
				t.Errorf("%s: %q missing from\n%s", locale, w, text)
			}
		}
		for _, code := range []string{"draft", "pending", "litigation", "category_id", "facts_date", "transition", "autre"} {
			if strings.Contains(text, code) {
				t.Errorf("%s: the code %q reached the page:\n%s", locale, code, text)
			}
		}
		if iso := regexp.MustCompile(`\d{4}-\d\d-\d\d`).FindString(text); iso != "" {
			t.Errorf("%s: a date as a code, %s, reached the page", locale, iso)
		}
	}

	// Closed, with an outcome.
	outcome := "partial"
	r.Case.Status, r.Case.Outcome = store.CaseClosed, &outcome
	for locale, want := range map[string]string{"fr": "Issue Partiellement obtenu", "en": "Outcome Partly obtained", "de": "Ergebnis Teilweise erreicht"} {
		flat := strings.Join(strings.Fields(strings.Join(pages(t, r, locale, "Entraide"), "\n")), " ")
		if !strings.Contains(flat, want) {
			t.Errorf("%s: %q missing from %s", locale, want, flat)
		}
	}
}

// Every language says everything the report may print: its texts, a word
// for every status and outcome the store knows, every history entry it
// prints, every field an update can change, the months.
func TestEveryLanguageSaysEverything(t *testing.T) {
	keys := CatalogueKeys()
	if len(keys) < 40 {
		t.Fatalf("only %d keys: %v", len(keys), keys)
	}
	for _, locale := range i18n.Locales() {
		for _, k := range keys {
			if s, ok := i18n.Get(locale).Lookup(k); !ok || strings.TrimSpace(s) == "" {
				t.Errorf("%s: no words for %s", locale, k)
			}
		}
	}
}

// BenchmarkRender measures a report of a case file with ten notes, both
// passes (counting the pages, then printing them) and the output.
func BenchmarkRender(b *testing.B) {
	r := fixture(b, "Un texte ordinaire d’une ligne ou deux, comme en écrit une gestionnaire.", 10)
	for b.Loop() {
		if _, err := Render(r, Options{Letterhead: Letterhead{Name: "Entraide"}, Locale: "fr", Now: clock}); err != nil {
			b.Fatal(err)
		}
	}
}
