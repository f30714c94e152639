package store_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"cloison/internal/testpg"
	"cloison/store"
	"cloison/store/search"
	"cloison/store/seed"
)

// seededSQLite is a migrated SQLite instance in dir filled by the seed,
// with a note and an attachment written through the store, and its
// first editor.
func seededSQLite(t *testing.T, dir string) (*store.Store, store.Actor, string) {
	t.Helper()
	if testpg.OnPostgres() {
		// The source is SQLite whatever the suite's engine: the SQLite pass
		// runs these tests.
		t.Skip("SQLite to PostgreSQL: run by the SQLite pass")
	}
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := seed.Run(ctx, st, seed.Options{Cases: 150, Editors: 3, Admins: 1, Helpers: 2, Random: 7}, "$argon2id$v=19$test"); err != nil {
		t.Fatal(err)
	}
	ed := new(store.Account)
	if err := st.Engine().Reader().NewSelect().Model(ed).Where("email_key = ?", "editor1@"+seed.Domain).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	actor := store.Actor{Account: ed}
	list, _, err := st.ListCases(ctx, actor, store.CaseFilter{}, store.Page{Page: 1, PerPage: 5})
	if err != nil || len(list) == 0 {
		t.Fatalf("no case file for editor1: %v", err)
	}
	id := list[0].ID
	if _, _, err := st.AddNote(ctx, actor, id, store.NewNote{Body: "Visite du quartier Lumière"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddAttachment(ctx, actor, id, "rapport.txt", []byte("rapport de visite")); err != nil {
		t.Fatal(err)
	}
	// A blob, as an uploaded logo would be, and a referent inspector of
	// every category the unit opens to inspection, so that the triggers
	// fill inspector_cases and inspector_counts.
	for _, q := range []string{
		"UPDATE units SET logo = X'00ff10' WHERE code = 'MAIN'",
		"INSERT INTO unit_inspection (unit_id, category_id, opened_at) SELECT u.id, c.id, '2026-11-30 10:00:00.000+00:00' FROM units AS u, categories AS c WHERE u.code = 'MAIN'",
		"INSERT INTO category_inspectors (account_id, category_id, named_at) SELECT a.id, c.id, '2026-11-30 10:00:00.000+00:00' FROM accounts AS a, categories AS c WHERE a.email_key = 'admin1@" + seed.Domain + "'",
	} {
		if _, err := st.Engine().Writer().ExecContext(ctx, q); err != nil {
			t.Fatalf("%v\n%s", err, q)
		}
	}
	return st, actor, id
}

// A seeded SQLite instance copied into an empty PostgreSQL database: the
// same rows everywhere (derived tables included), the audit chain whole
// and continued, the attachments readable, the same answers to the same
// reads; a second copy into the now full database is refused.
func TestMigrateDataCopiesAnInstance(t *testing.T) {
	url := testpg.Database(t)
	ctx := context.Background()
	dir := t.TempDir()
	lite, actor, caseID := seededSQLite(t, dir)

	res, err := lite.MigrateData(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("copied %d rows in %d tables, %d audit entries, in %v", res.Rows, len(res.Tables), res.AuditEntries, res.Elapsed)
	lv, err := lite.VerifyAudit(ctx)
	if err != nil || !lv.OK {
		t.Fatal(lv, err)
	}
	if res.AuditEntries != lv.Entries || res.Attachments != 1 || res.AttachmentsChecked != 1 || res.Version == "" || res.Migrations == 0 {
		t.Fatalf("result %+v (SQLite audit %d entries)", res, lv.Entries)
	}
	counts := map[string]int64{}
	for _, tr := range res.Tables {
		counts[tr.Table] = tr.Rows
	}
	if counts["cases"] != 150 || counts["case_search"] != 150 || counts["attachments"] != 1 || counts["audit_entries"] != lv.Entries {
		t.Fatalf("counts %v", counts)
	}

	pg, err := store.Open(ctx, store.Options{Dir: dir, DatabaseURL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	if applied, err := pg.Migrate(ctx); err != nil || len(applied) != 0 {
		t.Fatalf("the copy is not at the binary's schema: applied %v, %v", applied, err)
	}
	// Derived tables and copied columns, as the source has them.
	liteDB, pgDB := lite.Engine().Reader().DB, pg.Engine().Reader().DB
	// The search entries' words, which SQLite's table does not hold, are
	// folded from their text on the way in: a search finds what it found.
	var unfolded int
	if err := pgDB.QueryRowContext(ctx, `SELECT count(*) FROM case_search WHERE document IS NULL
		OR document IS DISTINCT FROM array_to_tsvector(search_words(title || ' ' || summary || ' ' || notes))`).Scan(&unfolded); err != nil {
		t.Fatal(err)
	}
	if unfolded != 0 {
		t.Errorf("%d search entries without their words", unfolded)
	}
	mine, _, err := lite.ListCases(ctx, actor, store.CaseFilter{}, store.Page{Page: 1, PerPage: 1})
	if err != nil || len(mine) == 0 {
		t.Fatalf("the editor's first case file: %v", err)
	}
	// Through the full-text index on both (an editor who sees few case
	// files would otherwise search their text without it).
	defer store.SetSearchOwnMax(0)()
	for _, q := range append(search.Tokens(mine[0].Title)[:1], mine[0].Title) {
		_, lt, err := lite.ListCases(ctx, actor, store.CaseFilter{Q: q}, store.Page{Page: 1, PerPage: 1})
		if err != nil {
			t.Fatal(err)
		}
		_, pt, err := pg.ListCases(ctx, actor, store.CaseFilter{Q: q}, store.Page{Page: 1, PerPage: 1})
		if err != nil {
			t.Fatal(err)
		}
		if lt == 0 || pt != lt {
			t.Errorf("searching %q finds %d case files on SQLite, %d on PostgreSQL", q, lt, pt)
		}
	}
	for _, q := range []string{
		"SELECT status, n FROM case_counts",
		"SELECT unit_id, status, n FROM unit_case_counts",
		"SELECT account_id, kind, unit_id, n FROM grant_totals",
		"SELECT id, case_reference, case_title, case_status, case_version, '' || case_updated_at FROM grants",
		"SELECT account_id, case_id, status, title FROM inspector_cases",
		"SELECT account_id, status, n FROM inspector_counts",
		"SELECT id, '' || at, action, hash FROM audit_entries",
		"SELECT id, email_key FROM accounts",
		"SELECT code, CASE WHEN module_helpers THEN 1 ELSE 0 END, CASE WHEN accepts_transfers THEN 1 ELSE 0 END FROM units",
		"SELECT id, size, sha256, storage_name FROM attachments",
	} {
		l, p := store.RowsOf(t, liteDB, q), store.RowsOf(t, pgDB, q)
		if !slices.Equal(l, p) || len(l) == 0 {
			t.Errorf("%s: SQLite %d rows, PostgreSQL %d, differing", q, len(l), len(p))
		}
	}
	// The copy was vacuumed, so that its lists may read their indexes
	// alone at once (whether VACUUM could mark its pages all-visible
	// depends on what else runs on the cluster).
	if got := store.RowsOf(t, pgDB, `SELECT relname FROM pg_stat_user_tables WHERE relname IN ('cases', 'grants')
		AND last_vacuum IS NOT NULL AND last_analyze IS NOT NULL ORDER BY relname`); !slices.Equal(got, []string{"cases", "grants"}) {
		t.Errorf("tables vacuumed and analyzed after the copy: %v", got)
	}
	// The indexes the copy set aside are back, as the migrations make them.
	fresh, err := store.Open(ctx, store.Options{Dir: t.TempDir(), DatabaseURL: testpg.Database(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	if _, err := fresh.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	const indexes = "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
	if want, got := store.RowsOf(t, fresh.Engine().Reader().DB, indexes), store.RowsOf(t, pgDB, indexes); !slices.Equal(want, got) {
		t.Errorf("indexes after the copy:\n%q\nmigrated:\n%q", got, want)
	}
	var logo []byte
	if err := pgDB.QueryRow("SELECT logo FROM units WHERE code = 'MAIN'").Scan(&logo); err != nil || string(logo) != "\x00\xff\x10" {
		t.Errorf("logo %x %v", logo, err)
	}
	// The same reads answer the same.
	for _, f := range []store.CaseFilter{{}, {Q: "lumiere"}, {Status: "open"}} {
		la, ln, err := lite.ListCases(ctx, actor, f, store.Page{Page: 1, PerPage: 20})
		if err != nil {
			t.Fatal(err)
		}
		pa, pn, err := pg.ListCases(ctx, actor, f, store.Page{Page: 1, PerPage: 20})
		if err != nil {
			t.Fatal(err)
		}
		if ln != pn || !reflect.DeepEqual(la, pa) || ln == 0 {
			t.Errorf("list %+v: SQLite %d, PostgreSQL %d", f, ln, pn)
		}
	}
	lc, err := lite.GetCase(ctx, actor, caseID)
	if err != nil {
		t.Fatal(err)
	}
	pc, err := pg.GetCase(ctx, actor, caseID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(lc, pc) {
		t.Errorf("get: SQLite %+v\nPostgreSQL %+v", lc, pc)
	}
	atts, err := pg.ListAttachments(ctx, actor, caseID)
	if err != nil || len(atts) != 1 {
		t.Fatalf("attachments %v %v", atts, err)
	}
	if _, content, err := pg.OpenAttachment(ctx, actor, caseID, atts[0].ID); err != nil || string(content) != "rapport de visite" {
		t.Fatalf("attachment %q %v", content, err)
	}
	// The copy goes on: a new entry follows the copied chain (the
	// sequence was set after the highest id).
	if _, _, err := pg.AddNote(ctx, actor, caseID, store.NewNote{Body: "Après la copie"}); err != nil {
		t.Fatal(err)
	}
	if v, err := pg.VerifyAudit(ctx); err != nil || !v.OK || v.Entries <= lv.Entries {
		t.Fatalf("audit after a write on PostgreSQL: %+v %v", v, err)
	}

	// Again into the database now full: refused, nothing changed.
	before := store.RowsOf(t, pgDB, "SELECT count(*) FROM audit_entries")
	_, err = lite.MigrateData(ctx, url)
	var full *store.TargetNotEmptyError
	if !errors.As(err, &full) || full.Table != "accounts" || full.Rows == 0 {
		t.Fatalf("second copy: %v", err)
	}
	if after := store.RowsOf(t, pgDB, "SELECT count(*) FROM audit_entries"); !slices.Equal(before, after) {
		t.Fatalf("refused copy changed the target: %v → %v", before, after)
	}
}

// A database holding anything, even a table of someone else's, is
// refused before anything is written to it.
func TestMigrateDataRefusesANonEmptyTarget(t *testing.T) {
	url := testpg.Database(t)
	ctx := context.Background()
	lite, _, _ := seededSQLite(t, t.TempDir())
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, c := range []struct {
		setup string
		rows  int64
	}{{"CREATE TABLE other (a int)", 0}, {"INSERT INTO other VALUES (1), (2)", 2}} {
		if _, err := db.Exec(c.setup); err != nil {
			t.Fatal(err)
		}
		_, err := lite.MigrateData(ctx, url)
		var full *store.TargetNotEmptyError
		if !errors.As(err, &full) || full.Table != "other" || full.Rows != c.rows || !strings.Contains(err.Error(), "not empty") {
			t.Fatalf("after %s: %v", c.setup, err)
		}
		tables := store.RowsOf(t, db, "SELECT relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relkind = 'r'")
		if !slices.Equal(tables, []string{"other"}) {
			t.Fatalf("the refused copy left tables %v", tables)
		}
	}
}

// A copy that fails at its last check (here an attachment whose file is
// gone) leaves the target as it found it: no table, no row.
func TestMigrateDataFailsWhole(t *testing.T) {
	url := testpg.Database(t)
	ctx := context.Background()
	dir := t.TempDir()
	lite, _, _ := seededSQLite(t, dir)
	files, err := filepath.Glob(filepath.Join(dir, "attachments", "*"))
	if err != nil || len(files) != 1 {
		t.Fatalf("attachment files %v %v", files, err)
	}
	if err := os.Remove(files[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := lite.MigrateData(ctx, url); err == nil || !strings.Contains(err.Error(), "does not decrypt") {
		t.Fatalf("copy with a missing attachment: %v", err)
	}
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tables := store.RowsOf(t, db, "SELECT relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relkind = 'r'")
	if len(tables) != 0 {
		t.Fatalf("the failed copy left tables %v", tables)
	}
}
