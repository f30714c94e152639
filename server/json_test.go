package server

import (
	"encoding/json"
	"testing"
	"time"

	gojson "github.com/goccy/go-json"

	"cloison/store"
)

// The answers' encoder (go-json, for speed) writes exactly what
// encoding/json would: the SPA, the OpenAPI document and every client were
// written against encoding/json's output.
func TestAnswersEncodeAsEncodingJSONWould(t *testing.T) {
	outcome := "obtained"
	until := "2026-12-31"
	ends := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	accountID := "acc-1"
	when := time.Date(2026, 11, 22, 12, 5, 19, 221_000_000, time.UTC)
	values := []any{
		listBody[store.CaseSummary]{Items: []store.CaseSummary{
			{ID: "c1", Reference: "R-2026-7K3QX", Title: `Refus de soins <script>alert("x")</script> & "guillemets"`,
				CategoryID: "sante", Status: "closed", Outcome: &outcome, Version: 3, CreatedAt: when, UpdatedAt: when},
			{ID: "c2", Title: "Accouchement à l’hôpital\u2028ligne\ttab\x01", Status: "open", CreatedAt: when.In(time.FixedZone("CET", 3600))},
		}, Total: 2, Page: 1, PerPage: 50},
		listBody[store.CaseSummary]{Items: []store.CaseSummary{}},
		&store.CaseDetail{Case: &store.Case{ID: "c1", Title: "Été", Summary: "Résumé\nsur deux lignes", CreatedAt: when},
			Assignees:     []store.Person{{ID: "a1", Name: "Zoé"}},
			Collaborators: []store.Collaborator{{ID: "g1", AccountID: &accountID, Name: "Léa", Kind: "trainee", EndsAt: &ends, Until: &until, Status: "active", CreatedAt: when}},
			Permissions:   store.Permissions{Edit: true, Transitions: []string{"pending", "closed"}, Relation: "assignee"},
			Warnings:      map[string]string{"summary": "personal_data", "title": "personal_data"}},
		map[string]any{"error": map[string]any{"code": "validation", "fields": map[string]string{"email": "required", "b": "x"}}},
		map[string]any{"n": 1.5, "big": int64(1) << 53, "nil": nil, "bytes": []byte("abc")},
	}
	for i, v := range values {
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := gojson.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("value %d:\n go-json       %s\n encoding/json %s", i, got, want)
		}
	}
}
