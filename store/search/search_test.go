package search

import (
	"slices"
	"strings"
	"testing"
)

// What a person typed becomes prefix terms, all required; the operators
// they type are words like any other.
func TestFTSQueryQuotesEveryWordAsAPrefix(t *testing.T) {
	for q, want := range map[string]string{
		"dossier médical":        `"dossier"* "médical"*`,
		`consentement OR "refus`: `"consentement"* "OR"* "refus"*`,
		"NEAR(a b) -c *":         `"NEAR"* "a"* "b"* "c"*`,
		"l'école, nº 12":         `"l"* "école"* "nº"* "12"*`,
		"  !! -- ":               "",
	} {
		if got := FTSQuery(q); got != want {
			t.Errorf("FTSQuery(%q) = %s, want %s", q, got, want)
		}
	}
}

// Terms are folded as the index folds its tokens: lower case, without
// diacritics, split where the tokenizer splits.
func TestTermsFoldAsTheIndexFolds(t *testing.T) {
	for q, want := range map[string][]string{
		"Césarienne, URGENCE!":  {"cesarienne", "urgence"},
		"L'ÉCOLE Saint-Étienne": {"l", "ecole", "saint", "etienne"},
		"Ørsted Straße":         {"ørsted", "straße"},
		"!!":                    nil,
	} {
		if got := Terms(q); !slices.Equal(got, want) {
			t.Errorf("Terms(%q) = %q, want %q", q, got, want)
		}
	}
}

// A matcher finds every term at the start of a token, across the texts it
// is given, and only there.
func TestMatcherFindsEveryTermAtTheStartOfAToken(t *testing.T) {
	m := NewMatcher(Terms("cesar URG"))
	for _, c := range []struct {
		texts []string
		want  bool
	}{
		{[]string{"Césarienne en urgence"}, true},
		{[]string{"Césarienne", "", "notes : URGENCES"}, true},
		{[]string{"Césarienne seule"}, false},
		{[]string{"précésarienne en urgence"}, false},
		{[]string{"césar-urg"}, true},
		{nil, false},
	} {
		if got := m.Matches(c.texts...); got != c.want {
			t.Errorf("%q: %v, want %v", c.texts, got, c.want)
		}
	}
	if !NewMatcher(nil).Matches("anything") {
		t.Error("no term is matched by any text")
	}
}

// Matches says what the text's tokens say, rune by rune (foldedTokens, the
// index's rule): every term starts one of them. Its ASCII path reads bytes
// through asciiFold, the rest as runes; the two must not differ, at a
// separator, an accent dropped, invalid UTF-8 or NUL. (go test runs the
// seeds; go test -fuzz FuzzMatcherAgreesWithTheTokens looks further.)
func FuzzMatcherAgreesWithTheTokens(f *testing.F) {
	for _, text := range []string{"Césarienne en urgence", "l’appel du 18 juin", "Nguye\u0302\u0303n décomposé",
		"\xff\xfeabc\xc3", "a\x00b", "ŒUVRE-coeur, Ærzte", "İstanbul Çağla", "x² Ⅻ ﬁn ＡＢＣ", "jean.dupont@exemple.fr 3,14", ""} {
		for _, q := range []string{"ces urg", "appel 18", "nguyen", "abc", "b", "oeuvre coeur", "istanbul", "fin abc", "dupont 14", "zzz"} {
			f.Add(text, q)
		}
	}
	f.Fuzz(func(t *testing.T, text, query string) {
		terms := Terms(query)
		tokens := foldedTokens(text, nil)
		want := true
		for _, term := range terms {
			if !slices.ContainsFunc(tokens, func(tok string) bool { return strings.HasPrefix(tok, term) }) {
				want = false
			}
		}
		if got := NewMatcher(terms).Matches(text); got != want {
			t.Fatalf("%q in %q: %v, its tokens %q say %v", terms, text, got, tokens, want)
		}
	})
}

// BenchmarkMatcher matches a search against a case file's indexed text, as
// an editor's search does for each of their case files: French, with
// accents, capitals and punctuation.
func BenchmarkMatcher(b *testing.B) {
	texts := []string{
		"Refus de péridurale pendant l’accouchement — Maternité Saint-Étienne",
		"La personne a demandé une péridurale à 3 h 40 ; l’équipe a répondu qu’il était « trop tard ». " +
			"Témoignage du conjoint reçu le 12 mars, dossier médical demandé à l’établissement, relance faite.",
		"Note : rendez-vous avec la médiatrice de l’hôpital fixé ; courrier recommandé envoyé à la direction.",
	}
	m := NewMatcher(Terms("dossier médical relance zzz"))
	for b.Loop() {
		m.Matches(texts...)
	}
}
