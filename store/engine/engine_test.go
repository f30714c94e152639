package engine

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"cloison/internal/testpg"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
)

// The engine's tests use a schema of their own: the engine knows no table
// of the store's.
var testSchema = []string{
	"CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
	// An append-only chain whose each entry links to the one before, as the
	// audit log's does: it must stay whole under concurrent writes.
	"CREATE TABLE IF NOT EXISTS chain (id INTEGER PRIMARY KEY, prev INTEGER NOT NULL, key TEXT NOT NULL)",
}

// openTestDB opens the database d describes, creating the test schema,
// with opts; the caller closes it.
func openTestDB(t testing.TB, d Driver, opts ...Options) *DB {
	t.Helper()
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	ctx := context.Background()
	db, err := Open(ctx, d, o)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range testSchema {
		if _, err := db.Writer().ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Migrated(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

// sqliteIn is the SQLite database file of the tests in dir.
func sqliteIn(dir string) SQLite { return SQLite{Path: filepath.Join(dir, "test.db")} }

// newTestDB opens an SQLite database with the test schema in a temporary
// directory, closed at the end of the test.
func newTestDB(t testing.TB, opts ...Options) *DB {
	t.Helper()
	return newTestDBOn(t, sqliteIn(t.TempDir()), opts...)
}

// newTestDBOn opens the database d describes with the test schema, closed
// at the end of the test.
func newTestDBOn(t testing.TB, d Driver, opts ...Options) *DB {
	t.Helper()
	db := openTestDB(t, d, opts...)
	t.Cleanup(func() { db.Close() })
	return db
}

// onEachEngine runs test on an SQLite file and on a PostgreSQL database of
// its own (skipped without CLOISON_TEST_DATABASE_URL, which make test
// sets), each given a fresh, empty database by its driver.
func onEachEngine(t *testing.T, test func(t *testing.T, fresh func(t testing.TB) Driver)) {
	t.Run("sqlite", func(t *testing.T) {
		test(t, func(t testing.TB) Driver { return sqliteIn(t.TempDir()) })
	})
	t.Run("postgres", func(t *testing.T) {
		if !testpg.Available() {
			t.Skip(testpg.EnvURL + " is not set")
		}
		test(t, func(t testing.TB) Driver { return Postgres{URL: testpg.Database(t)} })
	})
}

// onEachDB runs test on a fresh database with the test schema on each
// engine (see onEachEngine).
func onEachDB(t *testing.T, test func(t *testing.T, st *DB)) {
	onEachEngine(t, func(t *testing.T, fresh func(testing.TB) Driver) {
		test(t, newTestDBOn(t, fresh(t)))
	})
}

func TestPragmasAreInEffectOnEveryConnection(t *testing.T) {
	st := newTestDB(t)
	got, err := SQLite{}.Pragmas(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"write.busy_timeout": "10000", "write.journal_mode": "wal", "write.synchronous": "2", "write.foreign_keys": "1", "write.query_only": "0",
		"read.busy_timeout": "10000", "read.journal_mode": "wal", "read.synchronous": "2", "read.foreign_keys": "1", "read.query_only": "1",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
}

func TestInTxRollsBackOnError(t *testing.T) {
	onEachEngine(t, testInTxRollsBackOnError)
}

func testInTxRollsBackOnError(t *testing.T, fresh func(testing.TB) Driver) {
	st := newTestDBOn(t, fresh(t))
	ctx := context.Background()
	boom := errors.New("boom")
	err := st.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES ('k', 'v')"); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	n, err := st.read.NewSelect().Table("settings").Count(ctx)
	if err != nil || n != 0 {
		t.Fatalf("rolled-back row is visible: %d %v", n, err)
	}
}

func TestReadPoolCannotWrite(t *testing.T) {
	onEachEngine(t, testReadPoolCannotWrite)
}

func testReadPoolCannotWrite(t *testing.T, fresh func(testing.TB) Driver) {
	st := newTestDBOn(t, fresh(t))
	_, err := st.read.ExecContext(context.Background(), "INSERT INTO settings (key, value) VALUES ('k', 'v')")
	if err == nil {
		t.Fatal("the read pool accepted a write")
	}
}

// A registered statement runs prepared where it is registered to run (a
// read on the read pool and in write transactions, a write in write
// transactions) and gives what bun gives for the same text; anything else
// runs through bun.
func TestRegisteredStatementsRunPrepared(t *testing.T) {
	onEachEngine(t, testRegisteredStatementsRunPrepared)
}

func testRegisteredStatementsRunPrepared(t *testing.T, fresh func(testing.TB) Driver) {
	var set Statements
	insert := set.Write("INSERT INTO settings (key, value) VALUES (?, ?)")
	count := set.Read("SELECT count(*) FROM settings WHERE value = ?")
	st := newTestDBOn(t, fresh(t), Options{Statements: &set})
	ctx := context.Background()
	if err := st.Prepared(); err != nil || set.Len() != 2 {
		t.Fatalf("%d statements: %v", set.Len(), err)
	}
	if st.stmt(ctx, st.read, count) == nil || st.stmt(ctx, st.read, insert) != nil || st.stmt(ctx, st.read, "SELECT 1") != nil {
		t.Fatal("the read pool does not run exactly the registered reads prepared")
	}
	var inTx int
	err := st.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if st.stmt(ctx, tx, insert) == nil || st.stmt(ctx, tx, count) == nil {
			return errors.New("a write transaction does not run the registered statements prepared")
		}
		for _, k := range []string{"a", "b", "c"} {
			if err := st.Exec(ctx, tx, insert, k, "v"); err != nil {
				return err
			}
		}
		return st.QueryRow(ctx, tx, count, []any{"v"}, &inTx)
	})
	if err != nil || inTx != 3 {
		t.Fatalf("in the transaction: %d rows, %v", inTx, err)
	}
	var prepared, unprepared int
	if err := st.QueryRow(ctx, st.read, count, []any{"v"}, &prepared); err != nil {
		t.Fatal(err)
	}
	if err := st.QueryRow(ctx, st.read, "SELECT count(*) FROM settings WHERE value = ? ", []any{"v"}, &unprepared); err != nil {
		t.Fatal(err)
	}
	if prepared != 3 || unprepared != 3 {
		t.Fatalf("prepared %d, through bun %d, want 3", prepared, unprepared)
	}
}

// A registered statement that does not prepare on the migrated schema is
// an error that names it, not a silent fall back on bun.
func TestAStatementThatDoesNotPrepareIsAnError(t *testing.T) {
	onEachEngine(t, testAStatementThatDoesNotPrepareIsAnError)
}

func testAStatementThatDoesNotPrepareIsAnError(t *testing.T, fresh func(testing.TB) Driver) {
	var set Statements
	set.Read("SELECT key FROM settings WHERE value = ?")
	bad := set.Write("UPDATE settings SET no_such_column = ? WHERE key = ?")
	ctx := context.Background()
	// Before its tables exist a statement cannot prepare: Open accepts it.
	db, err := Open(ctx, fresh(t), Options{Statements: &set})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if db.Prepared() == nil {
		t.Fatal("statements on tables that do not exist yet prepared")
	}
	for _, q := range testSchema {
		if _, err := db.Writer().ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	err = db.Migrated(ctx)
	if err == nil || !strings.Contains(err.Error(), bad) || strings.Contains(err.Error(), "SELECT key") {
		t.Fatalf("after migrations: %v", err)
	}
	if db.Prepared() == nil {
		t.Fatal("Prepared forgot the failure")
	}
}

// alone is an engine driven as one that commits each write transaction on
// its own would be.
type alone struct{ Driver }

func (alone) GroupsWrites() bool { return false }

// Where the driver does not group writes (either engine made to commit
// each alone), InTx keeps its rules: a write fully happens or not at all, a
// panic reaches the caller as a *TxPanic, InTx inside InTx is refused, and
// a write left for the end of the batch runs with its request.
func TestInTxWithoutGroupCommit(t *testing.T) {
	onEachEngine(t, func(t *testing.T, fresh func(testing.TB) Driver) {
		testInTxWithoutGroupCommit(t, alone{fresh(t)})
	})
}

func testInTxWithoutGroupCommit(t *testing.T, d Driver) {
	ctx := context.Background()
	st, err := Open(ctx, d, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if st.gc != nil {
		t.Fatal("a committer runs for a driver that does not group writes")
	}
	for _, q := range testSchema {
		if _, err := st.Writer().ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	var nested error
	err = st.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		nested = st.InTx(ctx, func(context.Context, bun.Tx) error { return nil })
		if err := insertAudited(ctx, st, tx, "kept"); err != nil {
			return err
		}
		return st.AtBatchEnd(ctx, tx, settingsLaterOn(st), "later")
	})
	if err != nil || !errors.Is(nested, errNestedTx) {
		t.Fatalf("InTx: %v, nested: %v", err, nested)
	}
	boom := errors.New("boom")
	if err := st.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := insertAudited(ctx, st, tx, "failed"); err != nil {
			return err
		}
		return boom
	}); !errors.Is(err, boom) {
		t.Fatalf("failing InTx: %v", err)
	}
	func() {
		defer func() {
			if p, ok := recover().(*TxPanic); !ok || p.Value != "lost" {
				t.Fatalf("panicking InTx: recovered %#v", p)
			}
		}()
		_ = st.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			if err := insertAudited(ctx, st, tx, "panicked"); err != nil {
				return err
			}
			panic("lost")
		})
	}()
	if !settingExists(t, st, "kept") || !settingExists(t, st, "later") || settingExists(t, st, "failed") || settingExists(t, st, "panicked") {
		t.Fatal("the writes that landed are not exactly those of the request that succeeded")
	}
	verifyAudit(t, st, 1)
}

// indexesOf lists the indexes of db's schema (SQLite: every object) with
// the statements that create them.
func indexesOf(t *testing.T, db *DB) []string {
	t.Helper()
	q := `SELECT type || ' ' || name || ': ' || coalesce(sql, '') FROM sqlite_schema
		WHERE name NOT LIKE 'sqlite_stat%' ORDER BY type, name`
	if db.Writer().Dialect().Name() == dialect.PG {
		q = `SELECT indexname || ': ' || indexdef FROM pg_indexes
			WHERE schemaname = current_schema() ORDER BY indexname`
	}
	var out []string
	if err := db.read.NewRaw(q).Scan(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// settingsOf are the settings of db's connections a bulk load may change
// (PostgreSQL: none, its writer being a pool).
func settingsOf(t *testing.T, db *DB) map[string]string {
	t.Helper()
	if db.Writer().Dialect().Name() == dialect.PG {
		return nil
	}
	p, err := SQLite{}.Pragmas(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// A bulk load runs without the secondary indexes of the tables it fills
// (unique ones stay, to check each row), writes rows many to a statement,
// and leaves the schema and the writer's settings as they were, whether it
// finishes (refreshing the planner's statistics) or stops half-way.
func TestBulkLoadGivesBackSchemaAndSettings(t *testing.T) {
	onEachEngine(t, testBulkLoadGivesBackSchemaAndSettings)
}

func testBulkLoadGivesBackSchemaAndSettings(t *testing.T, fresh func(testing.TB) Driver) {
	for _, finish := range []bool{true, false} {
		st := newTestDBOn(t, fresh(t))
		pg := st.Writer().Dialect().Name() == dialect.PG
		ctx := context.Background()
		for _, q := range []string{
			"CREATE TABLE items (id TEXT PRIMARY KEY, code TEXT NOT NULL, at TEXT NOT NULL)",
			"CREATE INDEX items_at ON items (at) WHERE at <> ''",
			"CREATE UNIQUE INDEX items_code ON items (code)",
		} {
			if _, err := st.Writer().ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		schema := indexesOf(t, st)
		settings := settingsOf(t, st)
		b, err := st.BeginBulk(ctx, []string{"items"})
		if err != nil {
			t.Fatal(err)
		}
		during := strings.Join(indexesOf(t, st), "\n")
		if strings.Contains(during, "items_at") || !strings.Contains(during, "items_code") {
			t.Fatalf("during the load:\n%s", during)
		}
		if !pg {
			if p := settingsOf(t, st); p["write.synchronous"] != "0" {
				t.Fatalf("synchronous %s during the load", p["write.synchronous"])
			}
		}
		rows := make([][]any, 150) // 64 + 64 + 22
		for i := range rows {
			rows[i] = []any{fmt.Sprint("id", i), fmt.Sprint("code", i), fmt.Sprint("2026-01-01 00:00:", i%60)}
		}
		ins := BulkInsert{Head: "INSERT INTO items (id, code, at) VALUES ", Row: "(?, ?, ?)"}
		if err := b.InTx(ctx, func(ctx context.Context, tx bun.Tx) error { return st.InsertRows(ctx, tx, ins, rows) }); err != nil {
			t.Fatal(err)
		}
		// The unique index still refuses a duplicate, and the failed
		// transaction leaves nothing.
		if err := b.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			return st.InsertRows(ctx, tx, ins, [][]any{{"new", "fresh", "x"}, {"other", "code1", "x"}})
		}); err == nil {
			t.Fatal("a duplicate passed the unique index")
		}
		if finish {
			if err := b.Finish(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
		if got := indexesOf(t, st); !slices.Equal(got, schema) {
			t.Fatalf("finish %v: schema\n%s\nwant\n%s", finish, strings.Join(got, "\n"), strings.Join(schema, "\n"))
		}
		if got := settingsOf(t, st); !maps.Equal(got, settings) {
			t.Fatalf("finish %v: settings %v, want %v", finish, got, settings)
		}
		var n int
		if err := st.read.QueryRowContext(ctx, "SELECT count(*) FROM items").Scan(&n); err != nil || n != 150 {
			t.Fatalf("%d rows (%v)", n, err)
		}
		stats := "SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'items'"
		if pg {
			stats = "SELECT count(*) FROM pg_stats WHERE tablename = 'items'"
		}
		var nstats int
		_ = st.read.QueryRowContext(ctx, stats).Scan(&nstats)
		if finish != (nstats > 0) {
			t.Fatalf("finish %v: %d statistics rows", finish, nstats)
		}
	}
}

// The bulk statements Statements.Bulk registers write every row, in
// chunks of a power of two of rows, and count those a conflict skipped; on
// SQLite each chunk runs through a statement prepared once, so that no
// batch's end parses one again; on PostgreSQL, which keeps every text it
// is sent prepared, none of them is prepared and the rows go as before.
func TestKeptBulkInsertsWriteEveryRowUnparsed(t *testing.T) {
	onEachEngine(t, func(t *testing.T, fresh func(testing.TB) Driver) {
		var set Statements
		ins := set.Bulk(BulkInsert{Head: "INSERT INTO settings (key, value) VALUES ", Row: "(?, ?)",
			Tail: " ON CONFLICT (key) DO NOTHING", MaxRows: 16})
		db := openTestDB(t, fresh(t), Options{Statements: &set})
		defer db.Close()
		ctx := context.Background()
		if err := db.Migrated(ctx); err != nil { // the test schema is there now
			t.Fatal(err)
		}
		pg := db.Writer().Dialect().Name() == dialect.PG
		want := map[string]string{}
		for _, n := range []int{1, 2, 3, 16, 21, 37, 63} {
			rows := make([][]any, 0, n+1)
			for i := range n {
				k := fmt.Sprintf("n%d-%d", n, i)
				rows = append(rows, []any{k, fmt.Sprint(i)})
				want[k] = fmt.Sprint(i)
			}
			if n > 2 {
				rows = append(rows, []any{"n1-0", "taken"}) // skipped: the key is taken
			}
			var written int64
			before := db.bulkParsed.Load()
			err := db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
				var err error
				written, err = db.InsertRowsCounted(ctx, tx, ins, rows)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if written != int64(n) {
				t.Fatalf("%d rows: %d written", n, written)
			}
			parsed := db.bulkParsed.Load() - before
			if !pg && parsed != 0 {
				t.Fatalf("%d rows: %d statements parsed at the call on SQLite", n, parsed)
			}
			if pg && parsed == 0 {
				t.Fatalf("%d rows: no statement sent as text on PostgreSQL", n)
			}
		}
		got := map[string]string{}
		rows, err := db.Reader().QueryContext(ctx, "SELECT key, value FROM settings")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var k, v string
			if err := rows.Scan(&k, &v); err != nil {
				t.Fatal(err)
			}
			got[k] = v
		}
		if !maps.Equal(got, want) {
			t.Fatalf("rows %v, want %v", got, want)
		}
	})
}
