package store

import (
	"context"
	"testing"
)

// The seed goes through the real helpers: counters, full-text rows, grants,
// notes and the audit chain must be what real use would leave, and it must
// refuse a database that already holds data.
func TestSeedFillsEverythingConsistently(t *testing.T) {
	st := newTestStore(t)
	ctx := context.Background()
	rep, err := st.Seed(ctx, SeedOptions{Cases: 300, Editors: 4, Admins: 1, Helpers: 3, BatchSize: 64}, "$argon2id$v=19$test")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Cases != 300 || rep.Editors != 4 {
		t.Fatalf("report %+v", rep)
	}
	count := func(q string) int {
		t.Helper()
		var n int
		if err := st.read.QueryRowContext(ctx, q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count("SELECT count(*) FROM cases"); n != 300 {
		t.Fatalf("%d cases", n)
	}
	if n := count("SELECT count(*) FROM case_search"); n != 300 {
		t.Fatalf("%d search rows", n)
	}
	if n := count("SELECT count(*) FROM case_counts AS k WHERE k.n != (SELECT count(*) FROM cases AS c WHERE c.status = k.status)"); n != 0 {
		t.Fatalf("%d counters disagree with the cases", n)
	}
	if n := count("SELECT count(*) FROM cases AS c WHERE (SELECT count(*) FROM grants AS g WHERE g.case_id = c.id AND g.kind = 'assignee') NOT BETWEEN 1 AND 3"); n != 0 {
		t.Fatalf("%d case files without 1 to 3 assignees", n)
	}
	// A case file's notes are searchable, as AddNote makes them.
	if n := count(`SELECT count(*) FROM notes AS n JOIN cases AS c ON c.id = n.case_id
		JOIN case_search AS s ON s.rowid = c.rowid WHERE instr(s.notes, n.body) = 0`); n != 0 {
		t.Fatalf("%d notes missing from the search index", n)
	}
	if v, err := st.VerifyAudit(ctx); err != nil || !v.OK || v.Entries != 300+8 {
		t.Fatalf("audit %+v %v", v, err)
	}
	// Editors see their case files through the visibility predicate.
	ed := new(Account)
	if err := st.read.NewSelect().Model(ed).Where("email_key = ?", "editor1@"+SeedDomain).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	_, total, err := st.ListCases(ctx, Actor{Account: ed}, CaseFilter{}, Page{Page: 1, PerPage: 50})
	if err != nil || total == 0 {
		t.Fatalf("editor1 sees %d case files (%v)", total, err)
	}
	if _, err := st.Seed(ctx, SeedOptions{Cases: 1, Editors: 1}, "$argon2id$v=19$test"); err == nil {
		t.Fatal("a second seed on a database with data was accepted")
	}
	if p, _ := st.Pragmas(ctx); p["write.synchronous"] != "2" {
		t.Fatalf("synchronous not restored: %v", p["write.synchronous"])
	}
}
