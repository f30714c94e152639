package store

import (
	"slices"
	"testing"
)

// The reader takes files as spreadsheets write them: the cells and the
// line where each record starts.
func TestReadImportCSV(t *testing.T) {
	for _, tc := range []struct {
		name    string
		content string
		want    []importRow
		err     string
	}{
		{"comma, LF", "external_id,email,role\nA,a@example.org,member\n",
			[]importRow{{2, importCells{ExternalID: "A", Email: "a@example.org", Role: "member"}}}, ""},
		{"BOM, semicolons, CRLF, no final line break", "\xEF\xBB\xBFEMAIL ; External_ID;role\r\na@example.org;A;member",
			[]importRow{{2, importCells{ExternalID: "A", Email: "a@example.org", Role: "member"}}}, ""},
		{"quoted cells over lines, blank lines skipped", "external_id;email;role;name\r\n\r\nA;a@example.org;member;\"Dupont;\r\n  Jean\"\r\n;;;\r\nB;b@example.org;member;\"Le \"\"Grand\"\", Paul\"\r\n",
			[]importRow{{3, importCells{ExternalID: "A", Email: "a@example.org", Role: "member", Name: "Dupont; Jean"}},
				{6, importCells{ExternalID: "B", Email: "b@example.org", Role: "member", Name: "Le \"Grand\", Paul"}}}, ""},
		{"a short line is kept, marked", "external_id,email,role\nA,a@example.org\n",
			[]importRow{{2, importCells{ExternalID: "A", Email: "a@example.org", Columns: true}}}, ""},
		{"empty", "", nil, "empty"},
		{"blanks only", " \r\n\r\n", nil, "empty"},
		{"header only", "external_id,email,role\n", nil, "empty"},
		{"NUL", "external_id,email,role\nA\x00,a@example.org,member\n", nil, "not_csv"},
		{"Latin-1", "external_id,email,role,name\nA,a@example.org,member,L\xe9a\n", nil, "not_csv"},
		{"unknown column", "external_id,email,role,age\n", nil, "unknown_column=age"},
		{"column twice", "external_id,email,role,Email\n", nil, "duplicate_column=email"},
		{"column missing", "external_id,name\n", nil, "missing_column=email"},
		{"a quote left open", "external_id,email,role\nA,a@example.org,member\nB,\"b@example.org,member\n", nil, "csv_syntax=3"},
	} {
		rows, err := readImportCSV([]byte(tc.content))
		var reason string
		if ve, ok := err.(*ValidationError); ok {
			reason = ve.Fields["file"]
		} else if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if reason != tc.err || !slices.Equal(rows, tc.want) {
			t.Errorf("%s: %+v %q, want %+v %q", tc.name, rows, reason, tc.want, tc.err)
		}
	}
}

func TestImportCells(t *testing.T) {
	for in, want := range map[string]string{"2026-09-01": "2026-09-01", "01/09/2026": "2026-09-01", "1.9.2026": "2026-09-01",
		"31/02/2026": "2026-02-31", "2026-09-01T08:00:00Z": "2026-09-01T08:00:00Z", "09/2026": "09/2026"} {
		if got := importDate(in); got != want {
			t.Errorf("importDate(%q) = %q, want %q", in, got, want)
		}
	}
	if got := functionList(" President | tresorier,secretaire ,, "); !slices.Equal(got, []string{"president", "tresorier", "secretaire"}) {
		t.Errorf("functionList: %q", got)
	}
	for cell, formula := range map[string]bool{"=cmd|' /C calc'!A0": true, "+33 6 12": true, "-2+3": true, "@SUM(A1)": true,
		"": false, "Jean-Pierre": false, "a=b": false, "2026-01-01": false} {
		if formulaCell(cell) != formula {
			t.Errorf("formulaCell(%q) = %v", cell, !formula)
		}
	}
}
