package store

import (
	"context"
	"database/sql"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"cloison/internal/testpg"
	"cloison/store/engine"

	"github.com/uptrace/bun/migrate"
)

// migratedPostgres is a fresh PostgreSQL database with every migration
// applied, through the engine (the store itself runs on SQLite only so far).
func migratedPostgres(t *testing.T) *engine.DB {
	t.Helper()
	ctx := context.Background()
	db, err := engine.Open(ctx, engine.Postgres{URL: testpg.Database(t)}, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	m, err := migratorOn(ctx, db.Writer(), migrate.WithMarkAppliedOnSuccess(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

// rowsOf runs q on db and gives each row's columns joined by " | "
// (NULL written as NULL), sorted.
func rowsOf(t *testing.T, db *sql.DB, q string) []string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), q)
	if err != nil {
		t.Fatalf("%v\n%s", err, q)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		parts := make([]string, len(cols))
		for i, v := range vals {
			parts[i] = "NULL"
			if v.Valid {
				parts[i] = v.String
			}
		}
		out = append(out, strings.Join(parts, " | "))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// The column types of SQLite's schema and those PostgreSQL's baseline gives
// them (see migrations_pg/20261201000062_baseline.tx.up.sql).
var pgTypeOf = map[string][]string{
	"TEXT":      {"text"},
	"TIMESTAMP": {"text C"}, // compared byte by byte, as SQLite does
	"INTEGER":   {"bigint", "boolean"},
	"BLOB":      {"bytea"},
}

// pgDefault writes a PostgreSQL column default as SQLite's schema does.
var pgDefault = strings.NewReplacer("::text", "", "false", "0", "true", "1")

// The PostgreSQL schema has the tables, columns, indexes and triggers of
// SQLite's, with the column types mapped, and the same seeded rows: the
// two cannot drift apart unnoticed. SQLite's full-text table (FTS5, and the
// tables it keeps itself) has a PostgreSQL counterpart of another shape,
// checked apart.
func TestPostgresSchemaMatchesSQLite(t *testing.T) {
	sqliteOnly(t) // compares SQLite with PostgreSQL: the SQLite pass runs it
	pg := migratedPostgres(t)
	lite := newTestStore(t)
	ctx := context.Background()
	liteDB, pgDB := lite.db.Reader().DB, pg.Reader().DB

	// Columns: name, type, NOT NULL (a primary key's column is, on
	// PostgreSQL), default, in order.
	liteCols := map[string][]string{}
	for _, r := range rowsOf(t, liteDB, `SELECT m.name, printf('%03d', p.cid), p.name, p.type, p."notnull" OR p.pk > 0, coalesce(p.dflt_value, '')
		FROM sqlite_schema AS m, pragma_table_info(m.name) AS p
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE 'bun_%' AND m.name NOT LIKE 'case_search%'`) {
		f := strings.Split(r, " | ")
		liteCols[f[0]] = append(liteCols[f[0]], strings.Join(f[2:], " "))
	}
	pgCols := map[string][]string{}
	for _, r := range rowsOf(t, pgDB, `SELECT table_name, to_char(ordinal_position, 'FM000'), column_name,
			data_type || CASE WHEN collation_name = 'C' THEN ' C' ELSE '' END,
			CASE WHEN is_nullable = 'NO' THEN 1 ELSE 0 END, coalesce(column_default, '')
		FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name NOT LIKE 'bun_%' AND table_name <> 'case_search'
		AND table_name NOT IN (SELECT v.table_name FROM information_schema.views AS v WHERE v.table_schema = current_schema())`) {
		f := strings.Split(r, " | ")
		pgCols[f[0]] = append(pgCols[f[0]], strings.Join(f[2:], " "))
	}
	liteTables, pgTables := slices.Sorted(maps.Keys(liteCols)), slices.Sorted(maps.Keys(pgCols))
	if !slices.Equal(liteTables, pgTables) {
		t.Fatalf("tables differ:\nSQLite     %v\nPostgreSQL %v", liteTables, pgTables)
	}
	for _, table := range liteTables {
		l, p := liteCols[table], pgCols[table]
		if len(l) != len(p) {
			t.Errorf("%s: SQLite columns %q, PostgreSQL %q", table, l, p)
			continue
		}
		for i := range l {
			lf, pf := strings.SplitN(l[i], " ", 4), strings.SplitN(p[i], " ", 5)
			name, typ, notNull, def := lf[0], lf[1], lf[2], lf[3]
			pgType, pgRest := pf[1], pf[2:]
			if pgType == "text" && pgRest[0] == "C" {
				pgType, pgRest = "text C", pgRest[1:]
			}
			pgNotNull, pgDef := pgRest[0], strings.Join(pgRest[1:], " ")
			if strings.HasPrefix(pgDef, "nextval(") || pgDef == "" && strings.Contains(typ, "INTEGER") && name == "id" {
				pgDef = ""
			}
			if pf[0] != name || !slices.Contains(pgTypeOf[typ], pgType) || pgNotNull != notNull && name != "id" ||
				pgDefault.Replace(pgDef) != def {
				t.Errorf("%s column %d: SQLite %q, PostgreSQL %q", table, i+1, l[i], p[i])
			}
		}
	}

	// Views, by name and columns.
	liteViews := rowsOf(t, liteDB, `SELECT m.name, group_concat(p.name, ',') FROM sqlite_schema AS m, pragma_table_info(m.name) AS p
		WHERE m.type = 'view' GROUP BY m.name ORDER BY m.name`)
	pgViews := rowsOf(t, pgDB, `SELECT c.table_name, string_agg(c.column_name, ',' ORDER BY c.ordinal_position)
		FROM information_schema.columns AS c JOIN information_schema.views AS v ON v.table_schema = c.table_schema AND v.table_name = c.table_name
		WHERE c.table_schema = current_schema() GROUP BY c.table_name ORDER BY c.table_name`)
	if !slices.Equal(liteViews, pgViews) || len(liteViews) == 0 {
		t.Errorf("views differ:\nSQLite     %v\nPostgreSQL %v", liteViews, pgViews)
	}

	// Indexes other than those of primary keys and UNIQUE constraints.
	liteIdx := rowsOf(t, liteDB, `SELECT name FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL
		AND tbl_name NOT LIKE 'case_search%'`)
	pgIdx := rowsOf(t, pgDB, `SELECT i.relname FROM pg_index AS x JOIN pg_class AS i ON i.oid = x.indexrelid
		WHERE i.relnamespace = current_schema()::regnamespace AND i.relname NOT LIKE 'bun_%'
		AND NOT EXISTS (SELECT 1 FROM pg_constraint AS c WHERE c.conindid = x.indexrelid)
		AND i.relname <> 'case_search_document'`)
	if !slices.Equal(liteIdx, pgIdx) {
		t.Errorf("indexes differ:\nSQLite     %v\nPostgreSQL %v", liteIdx, pgIdx)
	}
	// UNIQUE constraints and indexes, by table and columns (SQLite's
	// INTEGER PRIMARY KEY is the rowid, which needs no index).
	liteUnique := rowsOf(t, liteDB, `SELECT m.name, group_concat(c.name, ',') FROM sqlite_schema AS m,
		pragma_index_list(m.name) AS l, pragma_index_info(l.name) AS c
		WHERE m.type = 'table' AND l."unique" AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE 'bun_%'
		AND m.name NOT LIKE 'case_search%' GROUP BY m.name, l.name
		UNION ALL SELECT m.name, p.name FROM sqlite_schema AS m, pragma_table_info(m.name) AS p
		WHERE m.type = 'table' AND p.pk = 1 AND p.type = 'INTEGER' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE 'bun_%'
		AND m.name NOT LIKE 'case_search%'`)
	pgUnique := rowsOf(t, pgDB, `SELECT t.relname, string_agg(a.attname, ',' ORDER BY k.n) FROM pg_index AS x
		JOIN pg_class AS t ON t.oid = x.indrelid, unnest(x.indkey) WITH ORDINALITY AS k (attnum, n)
		JOIN pg_attribute AS a ON a.attnum = k.attnum
		WHERE a.attrelid = x.indrelid AND x.indisunique AND t.relnamespace = current_schema()::regnamespace
		AND t.relname NOT LIKE 'bun_%' AND t.relname <> 'case_search' GROUP BY t.relname, x.indexrelid`)
	if !slices.Equal(liteUnique, pgUnique) {
		t.Errorf("unique keys differ:\nSQLite     %v\nPostgreSQL %v", liteUnique, pgUnique)
	}

	// Triggers: PostgreSQL splits one of SQLite's in two (_1, _2) where it
	// must run its statements in order, folds the words of a search entry
	// no write gave (migration 067), which FTS5 does itself, and stamps the
	// writes that change what a session check reads (migration 071), which
	// SQLite's one process counts itself.
	liteTriggers := rowsOf(t, liteDB, `SELECT name FROM sqlite_schema WHERE type = 'trigger'`)
	var pgTriggers []string
	for _, name := range rowsOf(t, pgDB, `SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname <> 'case_search_document'
		AND tgfoid <> 'session_changes_stamp'::regproc`) {
		name = strings.TrimSuffix(strings.TrimSuffix(name, "_1"), "_2")
		if !slices.Contains(pgTriggers, name) {
			pgTriggers = append(pgTriggers, name)
		}
	}
	slices.Sort(pgTriggers)
	if !slices.Equal(liteTriggers, pgTriggers) {
		t.Errorf("triggers differ:\nSQLite     %v\nPostgreSQL %v", liteTriggers, pgTriggers)
	}

	// The rows a new database starts with, times by their shape ('' || at:
	// SQLite's driver would read a TIMESTAMP column as a time).
	digits := regexp.MustCompile(`[0-9]`)
	for _, q := range []string{
		"SELECT status, n FROM case_counts",
		"SELECT id, labels, position, CASE WHEN active THEN 1 ELSE 0 END, '' || created_at, '' || updated_at FROM categories",
		"SELECT code, label_fr, label_en, label_de, position, CASE WHEN active THEN 1 ELSE 0 END, '' || created_at FROM functions",
		"SELECT length(id), name, code, status, CASE WHEN centrally_managed THEN 1 ELSE 0 END, '' || created_at FROM organisations",
		`SELECT length(u.id), o.code, u.name, u.code, u.status, CASE WHEN module_helpers AND module_attachments AND module_reminders
			AND module_transfers AND module_inspectors AND NOT accepts_transfers THEN 1 ELSE 0 END, '' || u.created_at
			FROM units AS u JOIN organisations AS o ON o.id = u.org_id`,
	} {
		l, p := rowsOf(t, liteDB, q), rowsOf(t, pgDB, q)
		for i := range l {
			l[i] = digits.ReplaceAllString(l[i], "9")
		}
		for i := range p {
			p[i] = digits.ReplaceAllString(p[i], "9")
		}
		if !slices.Equal(l, p) || len(l) == 0 {
			t.Errorf("%s:\nSQLite     %q\nPostgreSQL %q", q, l, p)
		}
	}

	// The search table: one row per case file, its text unaccented and
	// lower-cased, found by a word's beginning.
	_, err := pg.Writer().ExecContext(ctx, `INSERT INTO case_search (case_id, title, summary) VALUES ('x', 'Dossier Nguyễn', 'Çağla ÉCOLE')`)
	if err == nil {
		t.Fatal("a search entry without its case file was accepted")
	}
	var n int
	if err := pgDB.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT to_tsvector('simple', search_text('Dossier Nguyễn Çağla ÉCOLE')) AS d) AS s
		WHERE d @@ to_tsquery('simple', 'nguy:* & cagla & ecol:*')`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("unaccented prefix search: %d (%v)", n, err)
	}
}

// The same writes on both engines leave the same counters, copied columns
// and totals: PostgreSQL's trigger functions do what SQLite's triggers do,
// and the audit log refuses changes on both.
func TestPostgresTriggersDoWhatSQLiteDoes(t *testing.T) {
	sqliteOnly(t) // compares SQLite with PostgreSQL: the SQLite pass runs it
	pg := migratedPostgres(t)
	lite := newTestStore(t)
	ctx := context.Background()
	const at = "'2026-11-30 10:00:00.000+00:00'"
	// The store counts a case file it creates itself, at its batch's end
	// (moveCounts, migration 068): these steps count theirs as it would.
	counted := func(id string) string {
		return `INSERT INTO unit_case_counts (unit_id, status, n) SELECT unit_id, status, 1 FROM cases WHERE id = '` + id + `' AND NOT practice
			ON CONFLICT (unit_id, status) DO UPDATE SET n = unit_case_counts.n + excluded.n`
	}
	categoryCounted := func(id string) string {
		return `INSERT INTO unit_category_counts (unit_id, category_id, status, n) SELECT unit_id, category_id, status, 1 FROM cases WHERE id = '` + id + `' AND NOT practice
			ON CONFLICT (unit_id, category_id, status) DO UPDATE SET n = unit_category_counts.n + excluded.n`
	}
	steps := []string{
		"INSERT INTO accounts (id, email, email_key, name, role, status, created_at, updated_at) VALUES ('a1', 'a@x', 'a@x', 'A', 'editor', 'active', " + at + ", " + at + ")",
		"INSERT INTO units (id, org_id, name, code, status, created_at, updated_at) SELECT 'u2', org_id, 'Two', 'TWO', 'active', " + at + ", " + at + " FROM units WHERE code = 'MAIN'",
		// Referent inspectors: i1 of two categories, i2 of one; MAIN opens sante, u2 social.
		"INSERT INTO accounts (id, email, email_key, name, role, status, created_at, updated_at) VALUES ('i1', 'i1@x', 'i1@x', 'I1', 'reader', 'active', " + at + ", " + at + "), ('i2', 'i2@x', 'i2@x', 'I2', 'reader', 'active', " + at + ", " + at + ")",
		"INSERT INTO category_inspectors (account_id, category_id, named_at) VALUES ('i1', 'sante', " + at + "), ('i1', 'social', " + at + "), ('i2', 'social', " + at + ")",
		"INSERT INTO unit_inspection (unit_id, category_id, opened_at) SELECT id, 'sante', " + at + " FROM units WHERE code = 'MAIN'",
		"INSERT INTO unit_inspection (unit_id, category_id, opened_at) VALUES ('u2', 'social', " + at + ")",
		"INSERT INTO cases (id, reference, title, category_id, status, creator_id, created_at, updated_at, unit_id, org_id) SELECT 'c1', 'R-1', 'One', 'sante', 'open', 'a1', " + at + ", " + at + ", id, org_id FROM units WHERE code = 'MAIN'",
		"INSERT INTO cases (id, reference, title, category_id, status, creator_id, created_at, updated_at, unit_id, org_id) SELECT 'c2', 'R-2', 'Two', 'sante', 'open', 'a1', " + at + ", " + at + ", id, org_id FROM units WHERE code = 'MAIN'",
		"INSERT INTO cases (id, reference, title, category_id, status, creator_id, created_at, updated_at, unit_id, org_id, practice) SELECT 'c3', 'R-3', 'Practice', 'sante', 'open', 'a1', " + at + ", " + at + ", id, org_id, TRUE FROM units WHERE code = 'MAIN'",
		counted("c1"), categoryCounted("c1"), counted("c2"), categoryCounted("c2"), counted("c3"), categoryCounted("c3"),
		"INSERT INTO grants (id, case_id, account_id, kind, starts_at, created_at) VALUES ('g1', 'c1', 'a1', 'assignee', " + at + ", " + at + ")",
		"INSERT INTO grants (id, case_id, account_id, kind, starts_at, created_at) VALUES ('g2', 'c2', 'a1', 'support', " + at + ", " + at + ")",
		"UPDATE cases SET status = 'closed', title = 'One, closed', version = version + 1 WHERE id = 'c1'",
		"UPDATE cases SET unit_id = 'u2', category_id = 'social' WHERE id = 'c2'",
		"UPDATE cases SET title = 'Only the title' WHERE id = 'c2'",
		"UPDATE grants SET revoked_at = " + at + " WHERE id = 'g1'",
		"DELETE FROM grants WHERE id = 'g2'",
		"INSERT INTO cases (id, reference, title, category_id, status, creator_id, created_at, updated_at, unit_id, org_id) SELECT 'c4', 'R-4', 'Four', 'logement', 'pending', 'a1', " + at + ", " + at + ", id, org_id FROM units WHERE code = 'MAIN'",
		counted("c4"), categoryCounted("c4"),
		"UPDATE units SET module_inspectors = FALSE WHERE id = 'u2'",
		"UPDATE units SET module_inspectors = TRUE WHERE id = 'u2'",
		"DELETE FROM category_inspectors WHERE account_id = 'i1' AND category_id = 'social'",
		"INSERT INTO cases (id, reference, title, category_id, status, creator_id, created_at, updated_at, unit_id, org_id) VALUES ('c5', 'R-5', 'Five', 'social', 'draft', 'a1', " + at + ", " + at + ", 'u2', (SELECT org_id FROM units WHERE id = 'u2'))",
		counted("c5"), categoryCounted("c5"),
		"UPDATE cases SET status = 'open' WHERE id = 'c5'",
		"DELETE FROM cases WHERE id IN ('c3', 'c4')",
		"INSERT INTO audit_entries (at, action, prev_hash, hash) VALUES (" + at + ", 'x', '', 'h')",
	}
	reads := []string{
		"SELECT unit_id, status, n FROM unit_case_counts",
		"SELECT unit_id, category_id, status, n FROM unit_category_counts",
		"SELECT account_id, kind, unit_id, n FROM grant_totals",
		"SELECT id, case_reference, case_title, case_category_id, case_status, case_version, case_unit_id, '' || case_updated_at FROM grants",
		"SELECT id, title, status FROM cases",
		"SELECT account_id, case_id, status, unit_id, category_id, title, version, '' || updated_at FROM inspector_cases",
		"SELECT account_id, status, n FROM inspector_counts",
	}
	for _, e := range []struct {
		name string
		db   *sql.DB
	}{{"SQLite", lite.db.Writer().DB}, {"PostgreSQL", pg.Writer().DB}} {
		for _, q := range steps {
			if _, err := e.db.ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v\n%s", e.name, err, q)
			}
		}
		for _, q := range []string{"UPDATE audit_entries SET action = 'y'", "DELETE FROM audit_entries"} {
			if _, err := e.db.ExecContext(ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: %s: %v", e.name, q, err)
			}
		}
	}
	// The units' ids are random: each engine's MAIN unit is named MAIN.
	for _, q := range reads {
		l, p := rowsOf(t, lite.db.Reader().DB, q), rowsOf(t, pg.Reader().DB, q)
		main := func(db *sql.DB, rows []string) {
			var id string
			if err := db.QueryRowContext(ctx, "SELECT id FROM units WHERE code = 'MAIN'").Scan(&id); err != nil {
				t.Fatal(err)
			}
			for i := range rows {
				rows[i] = strings.ReplaceAll(rows[i], id, "MAIN")
			}
			slices.Sort(rows)
		}
		main(lite.db.Reader().DB, l)
		main(pg.Reader().DB, p)
		if testing.Verbose() {
			t.Logf("%s:\n%s", q, strings.Join(p, "\n"))
		}
		if !slices.Equal(l, p) || len(l) == 0 {
			t.Errorf("%s:\nSQLite     %q\nPostgreSQL %q", q, l, p)
		}
	}
}
