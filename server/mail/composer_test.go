package mail

import (
	htmltemplate "html/template"
	"strings"
	"testing"

	"cloison/server/i18n"
)

// sampleParams gives every parameter a recognisable value; name carries
// markup to prove the HTML part escapes it.
func sampleParams(kind string) map[string]string {
	all := map[string]string{
		"name":       "Zoé <b>Martin</b>",
		"link":       "https://cloison.example.org/activate#token=AbC123",
		"login_link": "https://cloison.example.org/login",
		"reset_link": "https://cloison.example.org/password/forgot",
		"inviter":    "Léa Admin",
		"role":       "editor",
		"decision":   "rejected",
		"reason":     "Le bureau ne s’est pas encore réuni.",
		"reference":  "R-2026-7K3QX",
		"items":      "R-2026-7K3QX — Réponse de la CAF — 2026-12-01\nR-2026-ABCDE — Audience <tribunal> — 2026-12-03",
		"kind":       "trainee",
		"scope":      "Association <Les Amis> du quartier",
		"date":       "2027-06-30",
		"holder":     "Marc Dupont",
		"from":       "Antenne <Nord>",
		"to":         "Antenne Sud",
		"category":   "Refus <de soins>",
		"sender":     "Claire <Martin>",
		"change":     "end_member",
		"subject":    "Assemblée générale",
		"body":       "Bonjour,\nL’assemblée aura lieu le 3 mars.",
	}
	out := map[string]string{"name": all["name"]}
	for _, k := range RequiredParams(kind) {
		out[k] = all[k]
	}
	for _, k := range kinds[kind].optional {
		out[k] = all[k]
	}
	return out
}

var wantLabels = map[string]map[string]string{
	"fr": {"role": "gestionnaire de dossiers", "kind": "stagiaire", "change": "mettre fin à un mandat"},
	"en": {"role": "case manager", "kind": "trainee", "change": "end a mandate"},
	"de": {"role": "Fallbearbeiter·in", "kind": "Praktikant·in", "change": "ein Mandat beenden"},
}

// A mandate's notices speak to its holder, or, with the holder's name, to
// the admins of its scope: each reads as addressed.
func TestMandateNoticesSpeakToTheirReader(t *testing.T) {
	c := NewComposer("Cloison")
	params := map[string]string{"scope": "Antenne de Lyon", "role": "member", "date": "2026-12-31", "link": "https://x.example/"}
	own, err := c.Compose("membership_ending", "fr", params)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(own.Text, "Votre mandat dans Antenne de Lyon (rôle « membre ») prend fin le 31 décembre 2026") || strings.Contains(own.Text, "Le mandat de") {
		t.Errorf("to the holder:\n%s", own.Text)
	}
	params["holder"] = "Marc Dupont"
	other, err := c.Compose("membership_ended", "en", params)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(other.Text, "The mandate of Marc Dupont in Antenne de Lyon (role “member”) ended on 31 December 2026") || strings.Contains(other.Text, "Your mandate") {
		t.Errorf("to the admins:\n%s", other.Text)
	}
}

func TestEveryKindRendersInEveryLanguageWithEveryParameter(t *testing.T) {
	c := NewComposer("Maison des droits")
	for _, kind := range Kinds() {
		for _, locale := range i18n.Locales() {
			t.Run(kind+"/"+locale, func(t *testing.T) {
				params := sampleParams(kind)
				m, err := c.Compose(kind, locale, params)
				if err != nil {
					t.Fatal(err)
				}
				if !strings.HasPrefix(m.Subject, "[Maison des droits] ") || strings.ContainsAny(m.Subject, "\r\n") {
					t.Errorf("subject = %q", m.Subject)
				}
				for _, part := range []string{m.Subject, m.Text, m.HTML} {
					for _, bad := range []string{"<no value>", "%!", "{{", "ZgotmplZ", "map["} {
						if strings.Contains(part, bad) {
							t.Errorf("rendered %q in:\n%s", bad, part)
						}
					}
				}
				for k, v := range params {
					switch k {
					case "decision":
						continue // chooses the wording, is not shown
					case "role", "kind", "change":
						v = wantLabels[locale][k]
					case "date":
						v = i18n.Get(locale).ISODate(v) // in words, never as a code
						if v == params[k] {
							t.Errorf("the date %s is not in words", v)
						}
					}
					if k == "items" {
						for _, line := range strings.Split(v, "\n") {
							if !strings.Contains(m.Text, line) {
								t.Errorf("text lacks item %q", line)
							}
							if !strings.Contains(m.HTML, "<li>"+htmltemplate.HTMLEscapeString(line)+"</li>") {
								t.Errorf("HTML lacks item %q", line)
							}
						}
						continue
					}
					if !strings.Contains(m.Text, v) {
						t.Errorf("text lacks %s=%q:\n%s", k, v, m.Text)
					}
					// A value's line breaks (a message's body) stay breaks in HTML.
					if !strings.Contains(m.HTML, strings.ReplaceAll(htmltemplate.HTMLEscapeString(v), "\n", "<br>\n")) {
						t.Errorf("HTML lacks %s=%q:\n%s", k, v, m.HTML)
					}
				}
				if !strings.Contains(m.Text, "Maison des droits") || !strings.Contains(m.HTML, "Maison des droits") {
					t.Error("the instance name is missing")
				}
				if strings.Contains(m.HTML, "<b>Martin</b>") || strings.Contains(m.HTML, "<tribunal>") {
					t.Error("HTML part does not escape parameters")
				}
				if !strings.Contains(m.HTML, `lang="`+locale+`"`) {
					t.Error("HTML part does not declare its language")
				}
				for _, external := range []string{"<img", "src=", "<link", "<script", "url("} {
					if strings.Contains(m.HTML, external) {
						t.Errorf("HTML part loads something (%s)", external)
					}
				}
			})
		}
	}
}

func TestComposeFallsBackToFrenchAndRejectsBadInput(t *testing.T) {
	c := NewComposer("Cloison")
	params := map[string]string{"link": "https://x.example/reset#token=1"}
	fr, err := c.Compose("reset", "fr", params)
	if err != nil {
		t.Fatal(err)
	}
	for _, locale := range []string{"", "it", "xx-YY"} {
		m, err := c.Compose("reset", locale, params)
		if err != nil || m != fr {
			t.Errorf("locale %q did not fall back to French (%v)", locale, err)
		}
	}
	if en, _ := c.Compose("reset", "en-GB", params); en.Subject == fr.Subject {
		t.Error("en-GB is not English")
	}
	if de, _ := c.Compose("reset", "de-CH", params); !strings.Contains(de.Subject, "Passwort zurücksetzen") || !strings.Contains(de.Text, "Guten Tag,") {
		t.Errorf("de-CH is not German:\n%s\n%s", de.Subject, de.Text)
	}
	if !strings.Contains(fr.Text, "Bonjour,") {
		t.Errorf("no greeting without a name:\n%s", fr.Text)
	}

	for _, bad := range []struct {
		kind   string
		params map[string]string
	}{
		{"nonexistent", params},
		{"reset", nil},
		{"reset", map[string]string{"link": "  "}},
		{"invitation", map[string]string{"inviter": "A", "role": "emperor", "link": "https://x"}},
		{"collab_added", map[string]string{"inviter": "A", "reference": "R", "kind": "boss", "link": "https://x"}},
		{"role_decision", map[string]string{"role": "editor", "decision": "maybe"}},
	} {
		if _, err := c.Compose(bad.kind, "fr", bad.params); err == nil {
			t.Errorf("Compose(%s, %v) succeeded", bad.kind, bad.params)
		}
	}
}

func TestRoleDecisionWording(t *testing.T) {
	c := NewComposer("Cloison")
	ok, _ := c.Compose("role_decision", "en", map[string]string{"role": "admin", "decision": "approved"})
	no, _ := c.Compose("role_decision", "en", map[string]string{"role": "admin", "decision": "rejected", "reason": "Not yet."})
	if !strings.Contains(ok.Subject, "approved") || !strings.Contains(no.Subject, "rejected") {
		t.Errorf("subjects %q / %q", ok.Subject, no.Subject)
	}
	if strings.Contains(ok.Text, "Reason:") || !strings.Contains(no.Text, "Reason: Not yet.") {
		t.Errorf("reason shown wrongly:\n%s\n%s", ok.Text, no.Text)
	}
	if !strings.Contains(ok.Text, "“administrator”") {
		t.Errorf("role label missing:\n%s", ok.Text)
	}
}
