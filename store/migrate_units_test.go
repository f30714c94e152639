package store

import (
	"context"
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

// Upgrading an instance of one association: one organisation and one unit,
// named after the instance at the first start, every case file in it, every
// editor an editor of it, nothing else changed; and the instance behaves as
// before (an editor sees their case file, a reader nothing).
func TestUpgradeToUnitsKeepsEverything(t *testing.T) {
	sqliteOnly(t) // an upgrade from SQLite migrations older than PostgreSQL\'s baseline
	ctx := context.Background()
	st := openTestStore(t, t.TempDir())
	t.Cleanup(func() { st.Close() })
	migrateBefore(t, st, "20261201000010")
	w := st.db.Writer()
	now := st.Now().Format("2006-01-02 15:04:05.999999-07:00")
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := w.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
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
	if _, err := w.ExecContext(ctx, `UPDATE units SET name = 'Antenne Nord'`); err != nil {
		t.Fatal(err)
	}
	if err := st.NameFirstScope(ctx, "Association Naître"); err != nil {
		t.Fatal(err)
	}
	if got := one(`SELECT name FROM units`); got != "Antenne Nord" {
		t.Errorf("renamed unit became %q again", got)
	}
}
