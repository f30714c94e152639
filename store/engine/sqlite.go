package engine

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"runtime"
	"strconv"
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// SQLite is the driver of an SQLite database file (modernc.org/sqlite, no
// cgo). Reads go through a pool of connections; writes through a single
// connection, so that SQLite never has two writers waiting on each other,
// and every write transaction starts with BEGIN IMMEDIATE so that it takes
// the write lock before reading what it will change.
type SQLite struct {
	// Path is the database file; it is created when missing.
	Path string
}

var (
	_ Driver       = SQLite{}
	_ Checkpointer = SQLite{}
)

// dsn builds a connection string whose pragmas apply to every pooled
// connection: busy_timeout first so that nothing else fails with SQLITE_BUSY,
// then WAL, FULL synchronous (case files are precious) and foreign keys.
func (d SQLite) dsn(readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Add("_time_format", "sqlite")
	if readOnly {
		q.Add("_pragma", "query_only(ON)")
	} else {
		// BEGIN IMMEDIATE for every transaction of the writer.
		q.Set("_txlock", "immediate")
		// Group commit wraps each request in a savepoint; the pages it must
		// keep to undo one request (the sub-journal) are held in memory
		// instead of spilling to a temporary file past 64 KiB.
		q.Add("_pragma", "temp_store(MEMORY)")
		// The writer never copies the WAL into the database file: the
		// checkpointer does, on its own connection (see checkpoint.go).
		q.Add("_pragma", "wal_autocheckpoint(0)")
		// When the log starts again from the beginning, a file grown past
		// this under a burst of writes is cut back to it.
		q.Add("_pragma", "journal_size_limit(67108864)")
	}
	return "file:" + d.Path + "?" + q.Encode()
}

// Open implements Driver.
func (d SQLite) Open(ctx context.Context, readConns int) (write, read *bun.DB, err error) {
	// The writer is opened first so that WAL mode is set on the file before any
	// reader (which is query_only and cannot change the journal mode) connects.
	wsql, err := openSQLite(d.dsn(false))
	if err != nil {
		return nil, nil, fmt.Errorf("store: open: %w", err)
	}
	wsql.SetMaxOpenConns(1)
	wsql.SetMaxIdleConns(1)
	wsql.SetConnMaxLifetime(0)
	if err := wsql.PingContext(ctx); err != nil {
		wsql.Close()
		return nil, nil, fmt.Errorf("store: open %s: %w", d.Path, err)
	}
	rsql, err := openSQLite(d.dsn(true))
	if err != nil {
		wsql.Close()
		return nil, nil, fmt.Errorf("store: open: %w", err)
	}
	n := readConns
	if n <= 0 {
		n = DefaultReaders()
	}
	rsql.SetMaxOpenConns(n)
	rsql.SetMaxIdleConns(n)
	rsql.SetConnMaxLifetime(0)
	return bun.NewDB(wsql, sqlitedialect.New()), bun.NewDB(rsql, sqlitedialect.New()), nil
}

// OpenCheckpointer implements Checkpointer: one connection of its own, with
// the writer's settings (a checkpoint fsyncs the database file as
// synchronous=FULL says).
func (d SQLite) OpenCheckpointer(ctx context.Context) (Checkpoint, error) {
	db, err := openSQLite(d.dsn(false))
	if err != nil {
		return nil, fmt.Errorf("store: open checkpointer: %w", err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open checkpointer: %w", err)
	}
	return sqliteCheckpoint{db}, nil
}

// sqliteCheckpoint runs PRAGMA wal_checkpoint. PASSIVE copies the frames
// no reader still needs, without waiting for anyone and without holding up
// the writer; TRUNCATE takes the write lock, waits for the readers, copies
// the rest and empties the log.
type sqliteCheckpoint struct{ db *sql.DB }

func (c sqliteCheckpoint) Checkpoint(ctx context.Context, wait bool) (logFrames, copied int, err error) {
	q := "PRAGMA wal_checkpoint(PASSIVE)"
	if wait {
		q = "PRAGMA wal_checkpoint(TRUNCATE)"
	}
	var busy int
	if err := c.db.QueryRowContext(ctx, q).Scan(&busy, &logFrames, &copied); err != nil {
		return 0, 0, fmt.Errorf("store: checkpoint: %w", err)
	}
	return logFrames, copied, nil
}

func (c sqliteCheckpoint) Close() error { return c.db.Close() }

// RestartLog implements Checkpointer: a PASSIVE checkpoint on the writer,
// outside any transaction, copies the frames committed since the
// checkpointer's last one.
func (SQLite) RestartLog(ctx context.Context, write *bun.DB) error {
	_, err := write.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)")
	return err
}

// BeginWrite implements Driver: the writer's DSN makes every BEGIN an
// IMMEDIATE one.
func (SQLite) BeginWrite(ctx context.Context, write *bun.DB) (bun.Tx, error) {
	return write.BeginTx(ctx, nil)
}

// GroupsWrites implements Driver: SQLite has one writer and, with
// synchronous=FULL, an fsync per COMMIT.
func (SQLite) GroupsWrites() bool { return true }

// NextSavepoint implements Driver: in process, two statements cost no more
// apart than together.
func (SQLite) NextSavepoint() string { return "" }

// Retry implements Driver: SQLite's writers queue for the lock (BEGIN
// IMMEDIATE, busy_timeout) instead of failing to be ordered.
func (SQLite) Retry(error) bool { return false }

// Placeholders implements Driver: SQLite takes ? as it is.
func (SQLite) Placeholders(query string) string { return query }

// Analyze implements Driver. It keeps no STAT4 samples: with samples, SQLite
// re-plans a prepared statement every time a new value is bound to a column
// they cover, so every request would parse and plan its SQL again (a profile
// of GET /api/cases/{id} at a million case files showed 37 % of the time in
// sqlite3Reprepare). The per-index averages of sqlite_stat1 are all the
// planner needs for statements whose shapes are fixed.
func (SQLite) Analyze(ctx context.Context, write *bun.DB) error {
	for _, q := range []string{
		"ANALYZE",
		"DELETE FROM sqlite_stat4",
		// Makes every connection reload the statistics, now without samples.
		"ANALYZE sqlite_schema",
	} {
		if _, err := write.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// Migrated implements Driver: it removes the samples an earlier ANALYZE
// (an operator's, say) left, for the reason Analyze gives.
func (SQLite) Migrated(ctx context.Context, write *bun.DB) error {
	var n int
	if err := write.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema WHERE name = 'sqlite_stat4'").Scan(&n); err != nil || n == 0 {
		return err
	}
	if err := write.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_stat4").Scan(&n); err != nil || n == 0 {
		return err
	}
	for _, q := range []string{"DELETE FROM sqlite_stat4", "ANALYZE sqlite_schema"} {
		if _, err := write.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// bulkSettings are the writer's settings a bulk load changes while it runs.
var bulkSettings = []struct{ pragma, value string }{
	// Nothing to lose: the database was empty, so a crash loses nothing.
	{"synchronous", "OFF"},
	// Indexes keyed by random ids and dates take a page anywhere in them at
	// each row: the more of them stays in memory, the fewer reads.
	{"cache_size", "-262144"}, // 256 MiB
	// A multi-row INSERT, or one that fires triggers, keeps the original of
	// each page it changes in a statement journal, to undo itself alone if
	// it fails; past 64 KiB that journal would go to a temporary file, and
	// writing it cost more than the rows themselves.
	{"temp_store", "MEMORY"},
	// Building the indexes at the end sorts their keys with helper threads.
	{"threads", strconv.Itoa(runtime.NumCPU())},
}

// BeginBulk implements Driver: it applies bulkSettings to the writer and
// drops the secondary indexes that CREATE INDEX statements put on tables,
// which rebuild creates again, in one transaction, from the very statements
// the schema held. Their keys (random ids, dates) put each row in a page
// anywhere in the index: filling them row by row cost half a seed's time,
// building them once the rows are in is a sort. Unique indexes stay (they
// check each row as it comes), as do primary keys, which SQLite creates
// with the table. restore puts the settings back (those of the DSN) and
// checkpoints the WAL.
func (SQLite) BeginBulk(ctx context.Context, write *bun.DB, tables []string) (rebuild func(context.Context) error, restore func(), err error) {
	var was []string
	restore = func() {
		bg := context.WithoutCancel(ctx)
		for i, v := range was {
			_, _ = write.ExecContext(bg, "PRAGMA "+bulkSettings[i].pragma+" = "+v)
		}
		_, _ = write.ExecContext(bg, "PRAGMA wal_checkpoint(TRUNCATE)")
	}
	for _, p := range bulkSettings {
		var v string
		if err := write.QueryRowContext(ctx, "PRAGMA "+p.pragma).Scan(&v); err != nil {
			restore()
			return nil, nil, err
		}
		was = append(was, v)
		if _, err := write.ExecContext(ctx, "PRAGMA "+p.pragma+" = "+p.value); err != nil {
			restore()
			return nil, nil, err
		}
	}
	indexes, err := dropIndexes(ctx, write, `SELECT name, sql FROM sqlite_schema
		WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (?) ORDER BY name`, tables)
	if err != nil {
		restore()
		return nil, nil, err
	}
	build := rebuildIndexes(write, indexes)
	rebuild = func(ctx context.Context) error {
		// Each index is built by sorting its keys; past the page cache's
		// size the sort goes on in temporary files, which must not be in
		// memory: a million rows' keys would take gigabytes. (restore puts
		// temp_store back.)
		if _, err := write.ExecContext(ctx, "PRAGMA temp_store = FILE"); err != nil {
			return err
		}
		return build(ctx)
	}
	return rebuild, restore, nil
}

// index is a secondary index BeginBulk drops while rows load.
type index struct{ name, sql string }

// dropIndexes drops the indexes that list (a query of the engine's
// catalogue, with one ? for the tables, giving each index's name and the
// statement that creates it) names, except unique ones, and returns them.
func dropIndexes(ctx context.Context, write *bun.DB, list string, tables []string) ([]index, error) {
	rows, err := write.QueryContext(ctx, list, bun.In(tables))
	if err != nil {
		return nil, err
	}
	var out []index
	for rows.Next() {
		var ix index
		if err := rows.Scan(&ix.name, &ix.sql); err != nil {
			rows.Close()
			return nil, err
		}
		if !strings.HasPrefix(strings.ToUpper(strings.Join(strings.Fields(ix.sql), " ")), "CREATE UNIQUE") {
			out = append(out, ix)
		}
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	return out, write.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		for _, ix := range out {
			if _, err := tx.ExecContext(ctx, `DROP INDEX "`+strings.ReplaceAll(ix.name, `"`, `""`)+`"`); err != nil {
				return err
			}
		}
		return nil
	})
}

// rebuildIndexes creates indexes again, in one transaction.
func rebuildIndexes(write *bun.DB, indexes []index) func(context.Context) error {
	return func(ctx context.Context) error {
		return write.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			for _, ix := range indexes {
				if _, err := tx.ExecContext(ctx, ix.sql); err != nil {
					return fmt.Errorf("index %s: %w", ix.name, err)
				}
			}
			return nil
		})
	}
}

// pragmas are the settings Pragmas reports.
var pragmas = []string{"busy_timeout", "journal_mode", "synchronous", "foreign_keys", "query_only",
	"temp_store", "cache_size", "threads"}

// Pragmas reports the effective settings of a read connection and of the
// writer of db, so that the operator can check at start-up that the DSN did
// what it says (and tests, that a bulk load gave them back).
func (SQLite) Pragmas(ctx context.Context, db *DB) (map[string]string, error) {
	out := map[string]string{}
	for _, conn := range []struct {
		prefix string
		db     *bun.DB
	}{{"write.", db.write}, {"read.", db.read}} {
		for _, p := range pragmas {
			var v string
			if err := conn.db.QueryRowContext(ctx, "PRAGMA "+p).Scan(&v); err != nil {
				return nil, fmt.Errorf("store: pragma %s: %w", p, err)
			}
			out[conn.prefix+p] = v
		}
	}
	return out, nil
}

// VacuumInto writes a copy of the database to out, which must not exist.
// VACUUM INTO reads one snapshot and writes only the new file, so it runs
// on a connection of its own without holding up the single writer. (The
// read pool cannot serve: query_only refuses VACUUM.)
func (d SQLite) VacuumInto(ctx context.Context, out string) error {
	db, err := openSQLite(d.dsn(false))
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, "VACUUM INTO ?", out)
	return err
}

// openSQLite opens a pool of SQLite connections to dsn, SQLite being
// started first the engine's way (startSQLite).
func openSQLite(dsn string) (*sql.DB, error) {
	startSQLite()
	return sql.Open("sqlite", dsn)
}

// OpenReadOnly opens the SQLite file at path read-only, with no pragma: a
// copy to inspect.
func OpenReadOnly(path string) (*sql.DB, error) {
	return openSQLite("file:" + path + "?mode=ro")
}

// CheckIntegrity opens the SQLite file at path read-only and runs PRAGMA integrity_check.
func CheckIntegrity(ctx context.Context, path string) error {
	db, err := OpenReadOnly(path)
	if err != nil {
		return err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return fmt.Errorf("integrity check of %s: %w", path, err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return err
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(problems) > 0 {
		return fmt.Errorf("integrity check of %s failed: %s", path, strings.Join(problems, "; "))
	}
	return nil
}
