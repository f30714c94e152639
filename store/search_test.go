package store_test

import (
	"context"
	"strings"
	"testing"

	"cloison/store"
	"cloison/store/seed"
)

// A person's search over their own case files (read and matched in Go)
// finds exactly what the full-text index finds for the same words, in the
// same order and with the same total, whatever the accents, case,
// punctuation, filters, order and page: the two paths must never disagree.
// On PostgreSQL too, where the own search is matched by PostgreSQL.
func TestSearchOwnFindsWhatTheIndexFinds(t *testing.T) {
	st := seededHere(t, seed.Options{Cases: 300, Editors: 3, Admins: 1, Helpers: 2, BatchSize: 100, Random: 11})
	ctx := context.Background()
	actor := store.Actor{Account: seededAccount(t, st, "editor1@"+seed.Domain)}
	// Texts that test the folding: capitals, accents, ligatures, apostrophes,
	// letters without a decomposition, digits, non-Latin scripts.
	tricky := []store.NewCase{
		{Title: "L'ÉCOLE de sage-femme — Œuvre naïve", Summary: "Ça s'est passé à l'hôpital Saint-Étienne, salle nº 12."},
		{Title: "Straße und Ørsted", Summary: "Ærø, façade, ﬁchier, İstanbul, Ελληνικά, 東京, ½ et ²."},
		{Title: "Césarienne en urgence", Summary: "Refus de péridurale; consentement non recueilli (CÉSARIENNE)."},
		// Beyond U+024F: Vietnamese letters, which the index folds too.
		{Title: "Famille Nguyễn Thị Ánh", Summary: "Réclamation de Mme Đặng, suivie par l’ỦY BAN; µg, ſ, σοφός."},
	}
	for _, in := range tricky {
		in.CategoryID = "autre"
		d, err := st.CreateCase(ctx, actor, in)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := st.AddNote(ctx, actor, d.ID, store.NewNote{Body: "Note : témoignage reçu, dossier médical demandé à la maternité."}); err != nil {
			t.Fatal(err)
		}
	}
	queries := []string{
		"consentement", "CONSENTEMENT", "consen", "dossier medical", "dossier médical", "Médical dossier",
		"cesarienne urgence", "césarienne", "ecole", "école", "l'école", "oeuvre", "œuvre", "naive", "saint-etienne",
		"ca", "ça", "12", "nº", "strasse", "straße", "ørsted", "orsted", "aero", "ærø", "fichier", "ﬁchier",
		"istanbul", "ελληνικα", "東京", "½", "2", "temoignage", "maternité", "grenoble", "nantes accouchement",
		"zzzz", "!!", "a", "e", "de la", "nguyen", "Nguyễn", "nguyen thi anh", "đặng", "dang", "uy ban", "μg", "s", "σοφος", "σοφοσ",
	}
	filters := []store.CaseFilter{{}, {Status: store.CaseOpen}, {Category: "autre"}, {Sort: "title"}, {Sort: "created"}}
	for _, q := range queries {
		for _, base := range filters {
			f := base
			f.Q = q
			for _, p := range []store.Page{{Page: 1, PerPage: 5}, {Page: 2, PerPage: 5}, {Page: 1, PerPage: 100}} {
				own, ownTotal, ok, err := st.SearchOwn(ctx, actor, f, p, st.Now())
				if err != nil || !ok {
					t.Fatalf("%q: %v %v", q, ok, err)
				}
				idx, idxTotal, err := st.ListByPredicate(ctx, actor, f, p, st.Now())
				if err != nil {
					t.Fatal(err)
				}
				if ownTotal != idxTotal || mustJSON(t, own) != mustJSON(t, idx) {
					t.Errorf("%q %+v page %d: own %d/%d, index %d/%d", q, base, p.Page, len(own), ownTotal, len(idx), idxTotal)
				}
			}
		}
	}
	// The search actually finds things (the comparison above is not empty).
	if _, n, _, _ := st.SearchOwn(ctx, actor, store.CaseFilter{Q: "ecole naive"}, store.Page{Page: 1, PerPage: 5}, st.Now()); n != 1 {
		t.Errorf("ecole naive: %d found", n)
	}
	if _, n, _, _ := st.SearchOwn(ctx, actor, store.CaseFilter{Q: "consentement"}, store.Page{Page: 1, PerPage: 5}, st.Now()); n < 2 {
		t.Errorf("consentement: %d found", n)
	}
	// Someone who sees more than searchOwnMax case files goes through the index.
	defer store.SetSearchOwnMax(2)()
	if _, _, ok, err := st.SearchOwn(ctx, actor, store.CaseFilter{Q: "consentement"}, store.Page{Page: 1, PerPage: 5}, st.Now()); ok || err != nil {
		t.Errorf("above the limit: searched own case files (%v, %v)", ok, err)
	}
}

// A search that is a case file's reference finds that case file, for an
// editor as for an admin, in any case; someone who may not see it finds
// nothing.
func TestSearchByReference(t *testing.T) {
	st := seeded(t, seed.Options{Cases: 40, Editors: 2, Admins: 1, BatchSize: 40, Random: 3})
	ctx := context.Background()
	ed := store.Actor{Account: seededAccount(t, st, "editor1@"+seed.Domain)}
	other := store.Actor{Account: seededAccount(t, st, "editor2@"+seed.Domain)}
	admin := store.Actor{Account: seededAccount(t, st, "admin1@"+seed.Domain)}
	mine, _, err := st.ListCases(ctx, ed, store.CaseFilter{}, store.Page{Page: 1, PerPage: 1})
	if err != nil || len(mine) != 1 {
		t.Fatalf("%v %v", mine, err)
	}
	ref := mine[0].Reference
	for _, q := range []string{ref, " " + strings.ToLower(ref) + " "} {
		for who, actor := range map[string]store.Actor{"editor": ed, "admin": admin} {
			got, total, err := st.ListCases(ctx, actor, store.CaseFilter{Q: q}, store.Page{Page: 1, PerPage: 10})
			if err != nil || total != 1 || got[0].ID != mine[0].ID {
				t.Errorf("%s, %q: %d %v %v", who, q, total, got, err)
			}
		}
		if got, total, err := st.ListCases(ctx, other, store.CaseFilter{Q: q}, store.Page{Page: 1, PerPage: 10}); err != nil || total != 0 || len(got) != 0 {
			t.Errorf("another editor finds %v (%d, %v)", got, total, err)
		}
	}
}
