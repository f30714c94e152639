package store

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/migrate"

	"cloison/store/engine"
)

// MigrateDataResult is what MigrateData copied and checked.
type MigrateDataResult struct {
	// Migrations is how many of PostgreSQL's migrations the target got;
	// Version is the last one's name (the binary's schema version).
	Migrations int
	Version    string
	// Tables are the copied tables with their rows, equal on both sides.
	Tables []TableRows
	// Rows is the sum of Tables' rows.
	Rows int64
	// AuditEntries is the length of the audit chain verified on the target.
	AuditEntries int64
	// AttachmentsChecked of Attachments were read back and decrypted with
	// the data directory's key.
	AttachmentsChecked, Attachments int64
	// Elapsed is how long the copy took, checks included.
	Elapsed time.Duration
}

// TableRows is one table's row count.
type TableRows struct {
	Table string
	Rows  int64
}

// TargetNotEmptyError is MigrateData's refusal of a database that already
// holds something: the copy fills new databases only.
type TargetNotEmptyError struct {
	// Table holds Rows rows; Rows is 0 when the table exists but is empty
	// (the database already has Cloison's schema, or another's).
	Table string
	Rows  int64
}

func (e *TargetNotEmptyError) Error() string {
	if e.Rows > 0 {
		return fmt.Sprintf("the PostgreSQL database is not empty: table %s holds rows; migrate-data fills a new, empty database only (nothing was written to it)", e.Table)
	}
	return fmt.Sprintf("the PostgreSQL database is not empty: it already has a table %s; migrate-data fills a new, empty database only (nothing was written to it)", e.Table)
}

// attachmentSample is how many attachments MigrateData decrypts to check
// that the key in the data directory opens what the copied rows name.
const attachmentSample = 20

// migrateDataBatch is how many rows are read and written at a time.
const migrateDataBatch = 512

// MigrateData copies this SQLite instance into the empty PostgreSQL
// database at databaseURL, in one PostgreSQL transaction: the schema (the
// binary's PostgreSQL migrations), every table's rows, the sequences set
// after the highest ids; then, before committing, row counts per table,
// the audit chain and a sample of attachments are checked. Any failure
// leaves the target as it was. The attachments and their key stay files
// in the data directory, which the PostgreSQL instance keeps using.
//
// The source must be fully migrated by this binary and must not change
// meanwhile (the caller holds the data directory's lock).
func (s *Store) MigrateData(ctx context.Context, databaseURL string) (MigrateDataResult, error) {
	start := time.Now()
	var res MigrateDataResult
	if s.pg {
		return res, errors.New("store: the instance already runs on PostgreSQL")
	}
	if err := s.checkFullyMigrated(ctx); err != nil {
		return res, err
	}

	target, err := Open(ctx, Options{Dir: s.dir, DatabaseURL: databaseURL})
	if err != nil {
		return res, err
	}
	defer target.Close()
	// The target reads the attachments this store wrote, with its key
	// (configured or the data directory's file).
	target.key = s.key
	tw := target.db.Writer()
	if err := checkTargetEmpty(ctx, tw); err != nil {
		return res, err
	}

	// A snapshot of the source: every table read as of one moment.
	src, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return res, err
	}
	defer src.Rollback()
	tx, err := tw.BeginTx(ctx, nil)
	if err != nil {
		return res, err
	}
	defer tx.Rollback()

	if res.Migrations, res.Version, err = applyMigrationsIn(ctx, tx, target.now()); err != nil {
		return res, err
	}
	if err := target.copyTables(ctx, src, tx, &res); err != nil {
		return res, err
	}
	v, err := verifyAuditChain(ctx, tx, tw)
	if err != nil {
		return res, fmt.Errorf("store: audit: %w", err)
	}
	if !v.OK {
		return res, fmt.Errorf("store: the copied audit chain is broken at entry %d: %s", v.BrokenAt, v.Problem)
	}
	res.AuditEntries = v.Entries
	if err := target.checkAttachments(ctx, tx, &res); err != nil {
		return res, err
	}
	if err := tx.Commit(); err != nil {
		return res, fmt.Errorf("store: commit: %w", err)
	}
	if err := target.db.Migrated(ctx); err != nil {
		return res, fmt.Errorf("store: %w", err)
	}
	// The copy is a bulk load: until autovacuum comes by, its tables have
	// no statistics and no page marked all-visible, and every list would
	// read the rows behind its index (see engine.Postgres.Analyze).
	if err := target.db.Analyze(ctx); err != nil {
		return res, fmt.Errorf("store: vacuum and analyze: %w", err)
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// checkFullyMigrated refuses a source with a migration to apply (an older
// schema than the binary's) or one the binary does not know (a newer one).
func (s *Store) checkFullyMigrated(ctx context.Context) error {
	m, err := s.migrator(ctx)
	if err != nil {
		return err
	}
	all, err := m.MigrationsWithStatus(ctx)
	if err != nil {
		return err
	}
	if pending := all.Unapplied(); len(pending) > 0 {
		return fmt.Errorf("store: the SQLite database lacks %d migrations of this binary (first %s): run cloison migrate first", len(pending), pending[0].Name)
	}
	applied, err := m.AppliedMigrations(ctx)
	if err != nil {
		return err
	}
	known := namesOf(all)
	for _, a := range applied {
		if !slices.Contains(known, a.Name) {
			return fmt.Errorf("store: the SQLite database has migration %s, which this binary does not know: use the binary that wrote it", a.Name)
		}
	}
	return nil
}

// checkTargetEmpty refuses a database with accounts or case files, with
// any table holding rows, or with any table at all besides bun's
// (empty) migration tables, which a refused run may leave.
func checkTargetEmpty(ctx context.Context, db bun.IDB) error {
	tables, err := pgTables(ctx, db, true)
	if err != nil {
		return err
	}
	// Accounts and case files first: the refusal the operator most needs.
	slices.SortStableFunc(tables, func(a, b string) int {
		rank := func(t string) int {
			if t == "accounts" || t == "cases" {
				return 0
			}
			return 1
		}
		return rank(a) - rank(b)
	})
	var firstEmpty string
	for _, t := range tables {
		var held bool
		if err := db.NewRaw("SELECT EXISTS (SELECT 1 FROM ?)", bun.Ident(t)).Scan(ctx, &held); err != nil {
			return fmt.Errorf("store: %s: %w", t, err)
		}
		if held {
			var n int64
			if err := db.NewRaw("SELECT count(*) FROM ?", bun.Ident(t)).Scan(ctx, &n); err != nil {
				return err
			}
			return &TargetNotEmptyError{Table: t, Rows: n}
		}
		if firstEmpty == "" && !strings.HasPrefix(t, "bun_") {
			firstEmpty = t
		}
	}
	if firstEmpty != "" {
		return &TargetNotEmptyError{Table: firstEmpty}
	}
	return nil
}

// pgTables lists the tables of the current schema, bun's migration tables
// among them when withBun.
func pgTables(ctx context.Context, db bun.IDB, withBun bool) ([]string, error) {
	var tables []string
	err := db.NewRaw(`SELECT relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace
		AND relkind IN ('r', 'p') ORDER BY relname`).Scan(ctx, &tables)
	if err != nil {
		return nil, err
	}
	if !withBun {
		tables = slices.DeleteFunc(tables, func(t string) bool { return strings.HasPrefix(t, "bun_") })
	}
	return tables, nil
}

// applyMigrationsIn applies every PostgreSQL migration in tx and records
// them as bun's migrator does, so that the schema is made or not with the
// copy. bun's migrator runs each migration in a transaction of its own.
func applyMigrationsIn(ctx context.Context, tx bun.Tx, at time.Time) (int, string, error) {
	for _, q := range []string{
		`CREATE TABLE IF NOT EXISTS bun_migrations (id BIGSERIAL PRIMARY KEY, name VARCHAR, group_id BIGINT, migrated_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp)`,
		`CREATE TABLE IF NOT EXISTS bun_migration_locks (id BIGSERIAL PRIMARY KEY, table_name VARCHAR, UNIQUE (table_name))`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return 0, "", fmt.Errorf("store: migrations table: %w", err)
		}
	}
	dir := migrationDirs[dialect.PG]
	entries, err := fs.ReadDir(migrationFiles, dir)
	if err != nil {
		return 0, "", err
	}
	var last string
	n := 0
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".up.sql") {
			continue
		}
		body, err := fs.ReadFile(migrationFiles, path.Join(dir, e.Name()))
		if err != nil {
			return 0, "", err
		}
		for _, q := range splitMigration(body) {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return 0, "", fmt.Errorf("store: migration %s: %w", e.Name(), err)
			}
		}
		name, _, _ := strings.Cut(e.Name(), "_")
		if _, err := tx.NewInsert().Model(&migrate.Migration{Name: name, GroupID: 1, MigratedAt: at}).
			ModelTableExpr("bun_migrations").Exec(ctx); err != nil {
			return 0, "", fmt.Errorf("store: migration %s: %w", e.Name(), err)
		}
		last = name
		n++
	}
	return n, last, nil
}

// splitMigration cuts a migration file into its statements at bun's
// "--bun:split" lines, as bun's migrator does.
func splitMigration(body []byte) []string {
	var out []string
	var q []byte
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		b := sc.Bytes()
		if bytes.Equal(bytes.TrimSpace(b), []byte("--bun:split")) {
			if len(bytes.TrimSpace(q)) > 0 {
				out = append(out, string(q))
			}
			q = q[:0]
			continue
		}
		if len(bytes.TrimSpace(b)) > 0 {
			q = append(q, b...)
			q = append(q, '\n')
		}
	}
	if len(bytes.TrimSpace(q)) > 0 {
		out = append(out, string(q))
	}
	return out
}

// pgColumn is a column of a target table.
type pgColumn struct {
	Name string
	Type string
}

// copyTables copies every table of the source (tx src, SQLite) into the
// target (tx, PostgreSQL, migrated), with the target's triggers off: the
// derived tables (case_counts, grant_totals, inspector_cases…) and the
// copied columns are copied as the source has them, not recomputed row by
// row, and the audit log's append-only triggers do not apply to a copy.
// Disabling the tables' own triggers needs only their ownership, which
// the copy has (it made them in this transaction); foreign keys stay
// checked, so tables are filled parents first.
func (t *Store) copyTables(ctx context.Context, src bun.Tx, tx bun.Tx, res *MigrateDataResult) error {
	var liteTables []string
	if err := src.NewRaw(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
		AND name NOT LIKE 'bun_%' AND name NOT LIKE 'case_search_%' ORDER BY name`).Scan(ctx, &liteTables); err != nil {
		return err
	}
	tables, err := pgTables(ctx, tx, false)
	if err != nil {
		return err
	}
	if !slices.Equal(liteTables, tables) {
		return fmt.Errorf("store: the two schemas have different tables:\nSQLite     %v\nPostgreSQL %v", liteTables, tables)
	}
	if tables, err = parentsFirst(ctx, tx, tables); err != nil {
		return err
	}
	for _, table := range tables {
		if _, err := tx.ExecContext(ctx, "ALTER TABLE ? DISABLE TRIGGER USER", bun.Ident(table)); err != nil {
			return fmt.Errorf("store: %s: %w", table, err)
		}
	}
	// But one: a search entry's words are folded from its text by a trigger
	// (migration 067), and SQLite's full-text table has none to copy.
	if _, err := tx.ExecContext(ctx, "ALTER TABLE case_search ENABLE TRIGGER case_search_document"); err != nil {
		return fmt.Errorf("store: case_search: %w", err)
	}
	// The migrations' own rows (categories, functions, the first
	// organisation and unit, counters) are in the source as it has them
	// now: they go, children first, for the foreign keys.
	for _, table := range slices.Backward(tables) {
		if _, err := tx.ExecContext(ctx, "DELETE FROM ?", bun.Ident(table)); err != nil {
			return fmt.Errorf("store: %s: %w", table, err)
		}
	}
	rebuild, err := dropSecondaryIndexes(ctx, tx, tables)
	if err != nil {
		return err
	}
	for _, table := range tables {
		n, err := t.copyTable(ctx, src, tx, table)
		if err != nil {
			return fmt.Errorf("store: %s: %w", table, err)
		}
		var got int64
		if err := tx.NewRaw("SELECT count(*) FROM ?", bun.Ident(table)).Scan(ctx, &got); err != nil {
			return err
		}
		var want int64
		if err := src.NewRaw("SELECT count(*) FROM ?", bun.Ident(table)).Scan(ctx, &want); err != nil {
			return err
		}
		if got != want || n != want {
			return fmt.Errorf("store: %s: %d rows in SQLite, %d copied, %d in PostgreSQL", table, want, n, got)
		}
		res.Tables = append(res.Tables, TableRows{Table: table, Rows: got})
		res.Rows += got
	}
	if err := rebuild(); err != nil {
		return err
	}
	for _, table := range tables {
		if _, err := tx.ExecContext(ctx, "ALTER TABLE ? ENABLE TRIGGER USER", bun.Ident(table)); err != nil {
			return fmt.Errorf("store: %s: %w", table, err)
		}
	}
	slices.SortFunc(res.Tables, func(a, b TableRows) int { return strings.Compare(a.Table, b.Table) })
	return setSequences(ctx, tx)
}

// dropSecondaryIndexes drops, in tx, the indexes of tables that are
// neither unique nor a primary key (as engine.BeginBulk does, but inside
// the copy's transaction), and gives the function that builds them again
// from their definitions, each once over all its rows rather than row by
// row (half the time of the copy of cases).
func dropSecondaryIndexes(ctx context.Context, tx bun.Tx, tables []string) (rebuild func() error, err error) {
	var indexes []struct {
		Name string `bun:"name"`
		Def  string `bun:"def"`
	}
	if err := tx.NewRaw(`SELECT i.relname AS name, pg_get_indexdef(x.indexrelid) AS def
		FROM pg_index AS x JOIN pg_class AS i ON i.oid = x.indexrelid JOIN pg_class AS t ON t.oid = x.indrelid
		WHERE t.relnamespace = current_schema()::regnamespace AND t.relname IN (?)
		AND NOT x.indisunique AND NOT x.indisprimary ORDER BY i.relname`, bun.In(tables)).Scan(ctx, &indexes); err != nil {
		return nil, fmt.Errorf("store: indexes: %w", err)
	}
	for _, ix := range indexes {
		if _, err := tx.ExecContext(ctx, "DROP INDEX ?", bun.Ident(ix.Name)); err != nil {
			return nil, fmt.Errorf("store: index %s: %w", ix.Name, err)
		}
	}
	return func() error {
		for _, ix := range indexes {
			if _, err := tx.ExecContext(ctx, ix.Def); err != nil {
				return fmt.Errorf("store: index %s: %w", ix.Name, err)
			}
		}
		return nil
	}, nil
}

// parentsFirst orders tables so that a table comes after those its
// foreign keys name (a table naming itself aside).
func parentsFirst(ctx context.Context, tx bun.Tx, tables []string) ([]string, error) {
	var refs []struct {
		Child  string `bun:"child"`
		Parent string `bun:"parent"`
	}
	if err := tx.NewRaw(`SELECT c.conrelid::regclass::text AS child, c.confrelid::regclass::text AS parent
		FROM pg_constraint AS c JOIN pg_class AS t ON t.oid = c.conrelid
		WHERE c.contype = 'f' AND t.relnamespace = current_schema()::regnamespace AND c.conrelid <> c.confrelid`).Scan(ctx, &refs); err != nil {
		return nil, err
	}
	parents := map[string][]string{}
	for _, r := range refs {
		parents[strings.Trim(r.Child, `"`)] = append(parents[strings.Trim(r.Child, `"`)], strings.Trim(r.Parent, `"`))
	}
	var out []string
	state := map[string]int{} // 1: being visited, 2: placed
	var visit func(string) error
	visit = func(t string) error {
		switch state[t] {
		case 2:
			return nil
		case 1:
			return fmt.Errorf("store: the foreign keys of %s form a cycle", t)
		}
		state[t] = 1
		for _, p := range parents[t] {
			if err := visit(p); err != nil {
				return err
			}
		}
		state[t] = 2
		out = append(out, t)
		return nil
	}
	for _, t := range tables {
		if err := visit(t); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// copyTable copies one table's rows from src into tx and says how many.
func (t *Store) copyTable(ctx context.Context, src bun.Tx, tx bun.Tx, table string) (int64, error) {
	var cols []pgColumn
	if err := tx.NewRaw(`SELECT column_name AS name, data_type AS type FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = ? AND is_generated = 'NEVER'
		ORDER BY ordinal_position`, table).Scan(ctx, &cols); err != nil {
		return 0, err
	}
	if table == "case_search" {
		// SQLite's full-text table has no document: PostgreSQL's trigger
		// folds it from the text (migration 067).
		cols = slices.DeleteFunc(cols, func(c pgColumn) bool { return c.Name == "document" })
	}
	names := make([]string, len(cols))
	reads := make([]string, len(cols))
	for i, c := range cols {
		names[i] = `"` + c.Name + `"`
		switch c.Type {
		case "text", "character varying":
			// Read as text whatever the declared type: SQLite's driver
			// would turn a TIMESTAMP column into a time, and PostgreSQL
			// keeps the text byte for byte.
			reads[i] = `CAST(s."` + c.Name + `" AS TEXT)`
		default:
			reads[i] = `s."` + c.Name + `"`
		}
	}
	from := `FROM "` + table + `" AS s`
	if table == "case_search" {
		// SQLite's full-text table is keyed by the case file's rowid;
		// PostgreSQL's by its id.
		for i, c := range cols {
			if c.Name == "case_id" {
				reads[i] = "c.id"
			}
		}
		from = `FROM case_search AS s JOIN cases AS c ON c.rowid = s.rowid ORDER BY s.rowid`
	}
	rows, err := src.QueryContext(ctx, "SELECT "+strings.Join(reads, ", ")+" "+from)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	ins := engine.BulkInsert{
		Head: `INSERT INTO "` + table + `" (` + strings.Join(names, ", ") + `) OVERRIDING SYSTEM VALUE VALUES `,
		Row:  "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")",
	}
	var batch [][]any
	var n int64
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := t.db.InsertRows(ctx, tx, ins, batch)
		batch = batch[:0]
		return err
	}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return n, err
		}
		for i, c := range cols {
			if c.Type == "boolean" {
				switch v := vals[i].(type) {
				case int64:
					vals[i] = v != 0
				case nil, bool:
				default:
					return n, fmt.Errorf("column %s: %v is not a boolean", c.Name, v)
				}
			}
		}
		batch = append(batch, vals)
		n++
		if len(batch) == migrateDataBatch {
			if err := flush(); err != nil {
				return n, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return n, err
	}
	return n, flush()
}

// setSequences moves every sequence behind a column (audit_entries.id and
// the like) past the highest value copied, so that the next row the
// instance writes gets the id after it.
func setSequences(ctx context.Context, tx bun.Tx) error {
	var seqs []struct {
		Table  string `bun:"table_name"`
		Column string `bun:"column_name"`
		Seq    string `bun:"seq"`
	}
	if err := tx.NewRaw(`SELECT table_name, column_name, seq FROM (SELECT table_name::text, column_name::text,
			pg_get_serial_sequence(quote_ident(table_name), column_name) AS seq
		FROM information_schema.columns WHERE table_schema = current_schema() AND table_name NOT LIKE 'bun_%') AS c
		WHERE seq IS NOT NULL`).Scan(ctx, &seqs); err != nil {
		return fmt.Errorf("store: sequences: %w", err)
	}
	for _, s := range seqs {
		if _, err := tx.ExecContext(ctx, "SELECT setval(?, coalesce(max(?), 0) + 1, false) FROM ?",
			s.Seq, bun.Ident(s.Column), bun.Ident(s.Table)); err != nil {
			return fmt.Errorf("store: sequence of %s.%s: %w", s.Table, s.Column, err)
		}
	}
	return nil
}

// checkAttachments decrypts a sample of the attachments the copied rows
// name, spread over the whole table, with the data directory's key.
func (t *Store) checkAttachments(ctx context.Context, tx bun.Tx, res *MigrateDataResult) error {
	if err := tx.NewRaw("SELECT count(*) FROM attachments").Scan(ctx, &res.Attachments); err != nil {
		return err
	}
	if res.Attachments == 0 {
		return nil
	}
	step := max(res.Attachments/attachmentSample, 1)
	var names []string
	if err := tx.NewRaw(`SELECT storage_name FROM (SELECT storage_name, row_number() OVER (ORDER BY id) AS n FROM attachments) AS a
		WHERE (n - 1) % ? = 0 LIMIT ?`, step, attachmentSample).Scan(ctx, &names); err != nil {
		return err
	}
	for _, name := range names {
		if _, err := t.readBlob(name); err != nil {
			return fmt.Errorf("store: attachment %s does not decrypt with the data directory's key: %w", name, err)
		}
		res.AttachmentsChecked++
	}
	return nil
}
