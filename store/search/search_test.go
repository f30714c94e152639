package search

import (
	"slices"
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
