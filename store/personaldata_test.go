package store

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
)

// personalDataSamples are the texts both detectors must read alike.
type personalDataSamples struct {
	Samples []struct {
		Text  string   `json:"text"`
		Kinds []string `json:"kinds"`
	} `json:"samples"`
}

// The server's detector finds exactly the kinds of every shared sample; the
// SPA's runs the same file (frontend/tests/unit/personalData.test.ts).
func TestPersonalDataKinds(t *testing.T) {
	raw, err := os.ReadFile("testdata/personal_data.json")
	if err != nil {
		t.Fatal(err)
	}
	var corpus personalDataSamples
	if err := json.Unmarshal(raw, &corpus); err != nil {
		t.Fatal(err)
	}
	if len(corpus.Samples) < 20 {
		t.Fatalf("only %d samples", len(corpus.Samples))
	}
	for _, sample := range corpus.Samples {
		got := personalDataKinds(sample.Text)
		if !slices.Equal(got, sample.Kinds) && !(len(got) == 0 && len(sample.Kinds) == 0) {
			t.Errorf("%q: found %v, want %v", sample.Text, got, sample.Kinds)
		}
	}
}

// A field's warning names the first kind found; a refusing instance refuses it.
func TestScreenReasons(t *testing.T) {
	s := &Store{}
	warnings, err := s.screen(map[string]string{"summary": "IBAN FR76 3000 6000 0112 3456 7890 189", "place": "NIR 1 85 05 78 006 084 91", "title": "Recours"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"summary": "contains_iban", "place": "contains_nir"}
	if len(warnings) != len(want) || warnings["summary"] != want["summary"] || warnings["place"] != want["place"] {
		t.Fatalf("warnings %v, want %v", warnings, want)
	}
	s.policy.RefusePersonalData = true
	if _, err := s.screen(map[string]string{"title": "écrire à a@b.fr"}); err == nil {
		t.Fatal("a refusing instance took an e-mail address")
	}
}

// Skipping the patterns a text holds too few digits (or no @) for changes
// nothing: on random texts made of the characters personal data is written
// with, the detector finds what running every pattern finds.
func TestPersonalDataShortcutsChangeNothing(t *testing.T) {
	every := func(text string) []string {
		var kinds []string
		if emailPattern.MatchString(text) {
			kinds = append(kinds, kindEmail)
			text = emailPattern.ReplaceAllStringFunc(text, blank)
		}
		found := map[string]bool{}
		text = maskValid(text, ibanPattern, validIBAN, func() { found[kindIBAN] = true })
		text = maskValid(text, nirPattern, validNIR, func() { found[kindNIR] = true })
		maskValid(text, phonePattern, validPhone, func() { found[kindPhone] = true })
		for _, kind := range []string{kindPhone, kindNIR, kindIBAN} {
			if found[kind] {
				kinds = append(kinds, kind)
			}
		}
		return kinds
	}
	pieces := []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", " ", "\u00A0", ".", "-", "/", "+", "(0)", "@", "a", "FR", "76", "2A", "x.fr", "é"}
	rng := rand.New(rand.NewPCG(16, 2026))
	found := 0
	for range 20000 {
		var b strings.Builder
		for range 4 + rng.IntN(30) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		text := b.String()
		got, want := personalDataKinds(text), every(text)
		if !slices.Equal(got, want) {
			t.Fatalf("%q: found %v, every pattern finds %v", text, got, want)
		}
		if len(want) > 0 {
			found++
		}
	}
	if found < 1000 {
		t.Fatalf("only %d of the random texts hold personal data: the test proves little", found)
	}
}
