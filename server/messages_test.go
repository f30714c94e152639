package server

import (
	"context"
	"strings"
	"testing"

	"cloison/store"
)

func TestFunctionsCatalogue(t *testing.T) {
	nw := newNetwork(t)
	if status, body := nw.call("reader", "GET", "/api/functions", nil); status != 200 || !strings.Contains(string(body), `"tresorier"`) {
		t.Fatalf("catalogue: %d %s", status, body)
	}
	// A membership holds functions of the catalogue only.
	memberA := "/api/memberships/" + nw.membershipOf("memberA", nw.orgA)
	change := func(fs ...string) (int, []byte) {
		return nw.call("orgAdminA", "PATCH", memberA, map[string]any{"functions": fs, "reason": "Élu·e par l’assemblée"})
	}
	if status, body := change("grand-chambellan"); status != 422 || decode[errResp](t, body).Error.Fields["functions"] != "unknown_function" {
		t.Errorf("unknown function: %d %s", status, body)
	}
	if status, body := change("tresorier"); status != 200 {
		t.Fatalf("treasurer: %d %s", status, body)
	}
	catalogue := func(withTreasurer, active bool) map[string]any {
		items := []map[string]any{{"code": "president", "label_fr": "Président·e", "label_en": "President"}}
		if withTreasurer {
			items = append(items, map[string]any{"code": "tresorier", "label_fr": "Trésorier·ère", "label_en": "Treasurer", "active": active})
		}
		return map[string]any{"items": items, "reason": "Catalogue revu par le secrétariat"}
	}
	for caller, want := range map[string]int{"orgAdminA": 403, "admin": 403, "reader": 403} {
		if status, body := nw.call(caller, "PUT", "/api/functions", catalogue(true, true)); status != want {
			t.Errorf("%s saves the catalogue: %d %s", caller, status, body)
		}
	}
	// Held: it cannot go, only be deactivated.
	if status, body := nw.call("secretariat", "PUT", "/api/functions", catalogue(false, false)); status != 409 ||
		decode[errResp](t, body).Error.Code != "function_in_use" {
		t.Errorf("removing a held function: %d %s", status, body)
	}
	status, body := nw.call("secretariat", "PUT", "/api/functions", catalogue(true, false))
	if fs := decode[listResp[store.Function]](t, body).Items; status != 200 || len(fs) != 2 || fs[1].Active {
		t.Errorf("deactivating: %d %s", status, body)
	}
	bad := map[string]any{"items": []map[string]any{{"code": "Pas Bon", "label_fr": "", "label_en": "x"}}, "reason": "Catalogue revu par le secrétariat"}
	if status, body := nw.call("secretariat", "PUT", "/api/functions", bad); status != 422 ||
		decode[errResp](t, body).Error.Fields["items.0.code"] != "format" {
		t.Errorf("bad entry: %d %s", status, body)
	}
}

func TestMessagesByFunction(t *testing.T) {
	nw := newNetwork(t)
	e := nw.e
	memberA := nw.membershipOf("memberA", nw.orgA)
	fs := []string{"tresorier"}
	if _, err := e.store.UpdateMembership(context.Background(), nw.sec, memberA, store.MembershipChange{Functions: &fs,
		Reason: "Élu·e par l’assemblée"}); err != nil {
		t.Fatal(err)
	}
	msg := func(aud map[string]any) map[string]any {
		return map[string]any{"subject": "Assemblée générale", "body": "Bonjour,\nL’assemblée aura lieu le 3 mars.", "audience": aud}
	}
	orgA := map[string]any{"org_ids": []string{nw.orgA}}
	// Who may write, and to whom.
	row := expect(403, merge(all(200, "secretariat", "superadmin", "orgAdminA", "unitAdminA1")))
	for _, caller := range networkCallers {
		aud := orgA
		if caller == "unitAdminA1" {
			aud = map[string]any{"unit_ids": []string{nw.unitA1}}
		}
		if status, body := nw.call(caller, "POST", "/api/messages/preview", msg(aud)); status != row(caller) {
			t.Errorf("%s previews: %d %s, want %d", caller, status, body, row(caller))
		}
	}
	for _, tc := range []struct {
		caller string
		aud    map[string]any
	}{{"unitAdminA1", orgA}, {"unitAdminA1", map[string]any{"unit_ids": []string{nw.unitA2}}}, {"orgAdminB", orgA}} {
		if status, body := nw.call(tc.caller, "POST", "/api/messages/preview", msg(tc.aud)); status != 403 {
			t.Errorf("%s writes to %v: %d %s", tc.caller, tc.aud, status, body)
		}
	}
	// The count: live members only (no ended, upcoming or pending mandate).
	count := func(aud map[string]any) int {
		t.Helper()
		status, body := nw.call("orgAdminA", "POST", "/api/messages/preview", msg(aud))
		if status != 200 {
			t.Fatalf("preview %v: %d %s", aud, status, body)
		}
		return decode[struct{ Recipients int }](t, body).Recipients
	}
	for want, aud := range map[int]map[string]any{
		6: orgA, // orgAdminA, unitAdminA1, unitAdminA2, editorA1, memberA, memberA1
		2: {"org_ids": []string{nw.orgA}, "roles": []string{"member"}},
		1: {"org_ids": []string{nw.orgA}, "functions": []string{"tresorier"}},
		3: {"unit_ids": []string{nw.unitA1}},
	} {
		if got := count(aud); got != want {
			t.Errorf("%v: %d recipients, want %d", aud, got, want)
		}
	}
	// The composer counts before the subject and the body are written; sending needs them.
	blank := map[string]any{"subject": "", "body": " ", "audience": orgA}
	if status, body := nw.call("orgAdminA", "POST", "/api/messages/preview", blank); status != 200 ||
		decode[struct{ Recipients int }](t, body).Recipients != 6 {
		t.Errorf("preview of a blank message: %d %s", status, body)
	}
	if status, body := nw.call("orgAdminA", "POST", "/api/messages", blank); status != 422 ||
		decode[errResp](t, body).Error.Fields["subject"] != "required" {
		t.Errorf("sending a blank message: %d %s", status, body)
	}
	if status, body := nw.call("secretariat", "POST", "/api/messages/preview", msg(map[string]any{"functions": []string{"nope"}})); status != 422 ||
		decode[errResp](t, body).Error.Fields["audience.functions"] != "unknown_function" {
		t.Errorf("unknown function: %d %s", status, body)
	}
	// Sent: one e-mail each, no other address in it.
	status, body := nw.call("orgAdminA", "POST", "/api/messages", msg(map[string]any{"org_ids": []string{nw.orgA}, "roles": []string{"member"}}))
	if m := decode[store.SentMessage](t, body); status != 202 || m.Recipients != 2 {
		t.Fatalf("send: %d %s", status, body)
	}
	for _, to := range []string{"memberA@example.org", "memberA1@example.org"} {
		m := mailAbout(t, e, to, "Assemblée générale")
		if !strings.Contains(m.Text, "L’assemblée aura lieu le 3 mars.") || strings.Contains(m.Text, "@example.org") {
			t.Errorf("to %s: %s", to, m.Text)
		}
		if n := len(e.smtp.To(to)); n < 1 {
			t.Errorf("%s got %d", to, n)
		}
	}
	for _, other := range []string{"editorA1@example.org", "endedA1@example.org"} {
		for _, m := range e.smtp.To(other) {
			if strings.Contains(m.Subject, "Assemblée générale") {
				t.Errorf("%s received it", other)
			}
		}
	}
	// The list of messages sent.
	for caller, want := range map[string]int64{"orgAdminA": 1, "secretariat": 1, "superadmin": 1, "orgAdminB": 0, "unitAdminA2": 0} {
		status, body := nw.call(caller, "GET", "/api/messages", nil)
		if status != 200 || decode[listResp[store.SentMessage]](t, body).Total != want {
			t.Errorf("%s lists messages: %d %s, want %d", caller, status, body, want)
		}
	}
	if status, _ := nw.call("editorA1", "GET", "/api/messages", nil); status != 403 {
		t.Errorf("an editor lists messages: %d", status)
	}
}

// TestFunctionsGermanLabels: the seeded functions read in German; a German
// label given is kept, one left out stays as it was (clients that predate
// German labels do not wipe them), one given empty is removed.
func TestFunctionsGermanLabels(t *testing.T) {
	nw := newNetwork(t)
	labels := func() map[string]string {
		t.Helper()
		status, body := nw.call("reader", "GET", "/api/functions", nil)
		if status != 200 {
			t.Fatalf("catalogue: %d %s", status, body)
		}
		out := map[string]string{}
		for _, f := range decode[listResp[store.Function]](t, body).Items {
			out[f.Code] = f.LabelDE
		}
		return out
	}
	seededDE := map[string]string{"president": "Präsident·in", "vice-president": "Vizepräsident·in", "tresorier": "Kassier·in",
		"secretaire": "Sekretär·in", "referent": "Referent·in", "conseiller-prevention": "Präventionsberater·in", "directeur": "Direktor·in"}
	got := labels()
	for code, want := range seededDE {
		if got[code] != want {
			t.Errorf("seeded %s: label_de %q, want %q", code, got[code], want)
		}
	}
	save := func(items ...map[string]any) (int, []byte) {
		return nw.call("secretariat", "PUT", "/api/functions", map[string]any{"items": items, "reason": "Catalogue revu par le secrétariat"})
	}
	// Every function memberships hold stays in the catalogue.
	rest := []map[string]any{}
	for code := range got {
		if code != "president" && code != "tresorier" {
			rest = append(rest, map[string]any{"code": code, "label_fr": code, "label_en": code})
		}
	}
	president := map[string]any{"code": "president", "label_fr": "Président·e", "label_en": "President", "label_de": "Vorsitzende/r"}
	treasurer := map[string]any{"code": "tresorier", "label_fr": "Trésorier·ère", "label_en": "Treasurer"}
	if status, body := save(append([]map[string]any{president, treasurer}, rest...)...); status != 200 {
		t.Fatalf("saving German labels: %d %s", status, body)
	}
	if got := labels(); got["president"] != "Vorsitzende/r" || got["tresorier"] != "Kassier·in" || got["secretaire"] != "Sekretär·in" {
		t.Errorf("after saving: given, left out, left out: %q %q %q", got["president"], got["tresorier"], got["secretaire"])
	}
	president["label_de"] = ""
	if status, body := save(append([]map[string]any{president, treasurer}, rest...)...); status != 200 {
		t.Fatalf("removing a German label: %d %s", status, body)
	}
	if got := labels(); got["president"] != "" || got["tresorier"] != "Kassier·in" {
		t.Errorf("after removing: %q %q", got["president"], got["tresorier"])
	}
	// A new entry left without one has none.
	if status, body := save(append([]map[string]any{president, treasurer, {"code": "archiviste", "label_fr": "Archiviste", "label_en": "Archivist"}}, rest...)...); status != 200 {
		t.Fatalf("new entry: %d %s", status, body)
	}
	if got := labels(); got["archiviste"] != "" {
		t.Errorf("new entry without a German label: %q", got["archiviste"])
	}
	for value, want := range map[string]string{strings.Repeat("ä", 101): "max=100", "Präsident·in\nx": "newline"} {
		president["label_de"] = value
		status, body := save(append([]map[string]any{president, treasurer}, rest...)...)
		if got := decode[errResp](t, body).Error.Fields["items.0.label_de"]; status != 422 || got != want {
			t.Errorf("label_de %q: %d %s (want %s)", value, status, body, want)
		}
	}
	if got := labels(); got["president"] != "" {
		t.Errorf("a refused catalogue changed the German label: %q", got["president"])
	}
}
