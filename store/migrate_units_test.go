package store

import (
	"context"
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/uptrace/bun/migrate"
)

// migrateBefore applies the embedded migrations older than name only, as
// an instance of an earlier version did.
func migrateBefore(t *testing.T, st *Store, name string) {
	t.Helper()
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	older := fstest.MapFS{}
	entries, err := fs.ReadDir(sub, ".")
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range entries {
		if en.Name() >= name {
			continue
		}
		b, err := fs.ReadFile(sub, en.Name())
		if err != nil {
			t.Fatal(err)
		}
		older[en.Name()] = &fstest.MapFile{Data: b}
	}
	ms := migrate.NewMigrations()
	if err := ms.Discover(older); err != nil {
		t.Fatal(err)
	}
	m := migrate.NewMigrator(st.db.Writer(), ms, migrate.WithMarkAppliedOnSuccess(true))
	if err := m.Init(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// upgradeFrom is a store of a database migrated up to name, not included,
// as an instance of an earlier version left it; exec runs SQL on it (any
// failure ends the test) and now is the store's time as SQLite stores it.
func upgradeFrom(t *testing.T, name string) (st *Store, exec func(q string, args ...any), now string) {
	t.Helper()
	st = openTestStore(t, t.TempDir())
	t.Cleanup(func() { st.Close() })
	migrateBefore(t, st, name)
	now = st.Now().Format("2006-01-02 15:04:05.999999-07:00")
	return st, func(q string, args ...any) {
		t.Helper()
		if _, err := st.db.Writer().ExecContext(context.Background(), q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}, now
}

// Upgrading an instance of one association: one organisation and one unit,
// named after the instance at the first start, every case file in it, every
// editor an editor of it, nothing else changed; and the instance behaves as
// before (an editor sees their case file, a reader nothing).
func TestUpgradeToUnitsKeepsEverything(t *testing.T) {
	sqliteOnly(t) // an upgrade from SQLite migrations older than PostgreSQL\'s baseline
	ctx := context.Background()
	st, exec, now := upgradeFrom(t, "20261201000010")
	for _, a := range []struct{ id, email, role string }{
		{"acc-ed", "ed@example.org", "editor"}, {"acc-rd", "rd@example.org", "reader"}, {"acc-ad", "ad@example.org", "admin"},
	} {
		exec(`INSERT INTO accounts (id, email, email_key, name, role, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'active', ?, ?)`,
			a.id, a.email, a.email, a.email, a.role, now, now)
	}
	exec(`INSERT INTO cases (id, reference, title, category_id, status, creator_id, created_at, updated_at)
		VALUES ('case-1', 'R-2026-AAAAA', 'Avant', 'autre', 'open', 'acc-ed', ?, ?)`, now, now)
	exec(`UPDATE case_counts SET n = 1 WHERE status = 'open'`)
	exec(`INSERT INTO grants (id, case_id, account_id, kind, starts_at, created_at) VALUES ('g-1', 'case-1', 'acc-ed', 'assignee', ?, ?)`, now, now)
	// The defect the upgrade mends: the same person twice on a case file.
	exec(`INSERT INTO grants (id, case_id, account_id, kind, starts_at, created_at) VALUES ('g-2', 'case-1', 'acc-ed', 'support', ?, ?)`, now, now)
	exec(`INSERT INTO audit_entries (id, at, action, prev_hash, hash) VALUES (1, ?, 'x', '', '')`, now)

	applied, err := st.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) == 0 || !strings.HasPrefix(applied[0], "20261201000010") {
		t.Fatalf("applied %v", applied)
	}
	if err := st.NameFirstScope(ctx, "Association Naître"); err != nil {
		t.Fatal(err)
	}
	units, err := st.AllUnits(ctx)
	if err != nil || len(units) != 1 || units[0].Name != "Association Naître" || units[0].Code != "MAIN" {
		t.Fatalf("units %+v %v", units, err)
	}
	one := func(q string, args ...any) string {
		t.Helper()
		var v string
		if err := st.read.QueryRowContext(ctx, q, args...).Scan(&v); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return v
	}
	if got := one(`SELECT name FROM organisations`); got != "Association Naître" {
		t.Errorf("organisation %q", got)
	}
	if got := one(`SELECT unit_id || '/' || org_id FROM cases`); got != units[0].ID+"/"+units[0].OrgID {
		t.Errorf("case file in %s", got)
	}
	if got := one(`SELECT group_concat(account_id || ':' || role) FROM memberships`); got != "acc-ed:editor" {
		t.Errorf("memberships %s", got)
	}
	if got := one(`SELECT group_concat(id || ':' || coalesce(revoked_why, '')) FROM (SELECT * FROM grants ORDER BY id)`); got != "g-1:,g-2:duplicate" {
		t.Errorf("grants %s", got)
	}
	if got := one(`SELECT n FROM unit_case_counts WHERE status = 'open'`); got != "1" {
		t.Errorf("unit counter %s", got)
	}
	if got := one(`SELECT sum(n) FROM grant_totals WHERE account_id = 'acc-ed'`); got != "1" {
		t.Errorf("grant totals %s", got)
	}
	if got := one(`SELECT role FROM accounts WHERE id = 'acc-ed'`); got != RoleEditor {
		t.Errorf("role %s", got)
	}
	// The instance behaves as before.
	ed, err := accountByID(ctx, st.read, "acc-ed")
	if err != nil {
		t.Fatal(err)
	}
	items, total, err := st.ListCases(ctx, Actor{Account: ed}, CaseFilter{}, Page{Page: 1, PerPage: 50})
	if err != nil || total != 1 || len(items) != 1 || items[0].ID != "case-1" {
		t.Fatalf("editor's list %v %d %v", items, total, err)
	}
	if _, rel, err := st.caseFor(ctx, st.read, Actor{Account: ed}, "case-1", false); err != nil || !rel.Assignee {
		t.Fatalf("editor's case file: %+v %v", rel, err)
	}
	rd, _ := accountByID(ctx, st.read, "acc-rd")
	if _, total, _ := st.ListCases(ctx, Actor{Account: rd}, CaseFilter{}, Page{Page: 1, PerPage: 50}); total != 0 {
		t.Fatalf("reader sees %d", total)
	}
	// A second start leaves the name as the operator may have changed it.
	exec(`UPDATE units SET name = 'Antenne Nord'`)
	if err := st.NameFirstScope(ctx, "Association Naître"); err != nil {
		t.Fatal(err)
	}
	if got := one(`SELECT name FROM units`); got != "Antenne Nord" {
		t.Errorf("renamed unit became %q again", got)
	}
}

// Upgrading to migration 070 gives every grant its case file's rowid, the
// one a person's search reads the case file's indexed text by, and a grant
// written afterwards without its case file's columns gets it too.
func TestUpgradeGivesGrantsTheirCaseRowid(t *testing.T) {
	sqliteOnly(t) // PostgreSQL has no rowid; its twin adds the column alone
	ctx := context.Background()
	st, exec, now := upgradeFrom(t, "20261201000070")
	exec(`INSERT INTO accounts (id, email, email_key, name, role, status, created_at, updated_at) VALUES ('acc-ed', 'ed@example.org', 'ed@example.org', 'Ed', 'editor', 'active', ?, ?)`, now, now)
	for i := range 3 {
		exec(`INSERT INTO cases (id, reference, title, category_id, status, creator_id, created_at, updated_at, unit_id, org_id)
			SELECT ?, ?, 'Avant', 'autre', 'open', 'acc-ed', ?, ?, id, org_id FROM units LIMIT 1`, fmt.Sprintf("case-%d", i), fmt.Sprintf("R-2026-AAAA%d", i), now, now)
	}
	// Rowids that are not the order of the ids, as after deletions.
	exec(`DELETE FROM cases WHERE id = 'case-1'`)
	exec(`INSERT INTO cases (id, reference, title, category_id, status, creator_id, created_at, updated_at, unit_id, org_id)
		SELECT 'case-1', 'R-2026-AAAA1', 'Avant', 'autre', 'open', 'acc-ed', ?, ?, id, org_id FROM units LIMIT 1`, now, now)
	for i, c := range []string{"case-0", "case-1", "case-2"} {
		exec(`INSERT INTO grants (id, case_id, account_id, kind, starts_at, created_at) VALUES (?, ?, 'acc-ed', 'assignee', ?, ?)`,
			fmt.Sprintf("g-%d", i), c, now, now)
	}
	// An invitation not accepted yet: no account.
	exec(`INSERT INTO grants (id, case_id, account_id, kind, starts_at, created_at) VALUES ('g-3', 'case-2', NULL, 'support', ?, ?)`, now, now)
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	exec(`INSERT INTO grants (id, case_id, account_id, kind, starts_at, created_at) VALUES ('g-after', 'case-1', NULL, 'support', ?, ?)`, now, now)
	var wrong, all int
	if err := st.read.QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE g.case_rowid IS NOT c.rowid), count(*)
		FROM grants AS g JOIN cases AS c ON c.id = g.case_id`).Scan(&wrong, &all); err != nil {
		t.Fatal(err)
	}
	if wrong != 0 || all != 5 {
		t.Fatalf("%d of %d grants without their case file's rowid", wrong, all)
	}
}
