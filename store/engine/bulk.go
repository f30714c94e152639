package engine

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"math/bits"
	"strings"

	"github.com/uptrace/bun"
)

// Bulk is a bulk load into an empty database: many rows written in large
// transactions of the writer's own, many rows to a statement, while the
// engine runs with settings that only an empty database can afford
// (SQLite: no fsync, a large page cache) and with the secondary indexes of
// the loaded tables put aside, to be built once at the end.
//
// Only the loader may write meanwhile: a crash of the process during a bulk
// load leaves a database to throw away. Finish, or Close after a failure or
// an interruption, gives the database back its schema and the writer its
// settings.
type Bulk struct {
	db      *DB
	rebuild func(context.Context) error
	restore func()
	built   bool
	closed  bool
}

// BeginBulk starts a bulk load into tables, which must be empty, as the
// rest of the database should be; the caller checks that (the engine does
// not know what the tables mean). Close must follow, whatever happens.
func (db *DB) BeginBulk(ctx context.Context, tables []string) (*Bulk, error) {
	rebuild, restore, err := db.driver.BeginBulk(ctx, db.write, tables)
	if err != nil {
		return nil, fmt.Errorf("bulk: %w", err)
	}
	return &Bulk{db: db, rebuild: rebuild, restore: restore}, nil
}

// InTx runs fn in a transaction of the writer's own, not InTx's: a bulk
// load is the only writer, and InTx would run its thousands of rows in a
// savepoint of a shared transaction, keeping a copy of every page they
// change in case it had to be undone alone.
func (b *Bulk) InTx(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error {
	return b.db.runAlone(ctx, fn)
}

// Finish builds what BeginBulk put aside and refreshes the planner's
// statistics, so that it knows the tables' new shapes.
func (b *Bulk) Finish(ctx context.Context) error {
	b.built = true
	if err := b.rebuild(ctx); err != nil {
		return fmt.Errorf("bulk: %w", err)
	}
	return b.db.Analyze(ctx)
}

// Close ends the bulk load: unless Finish ran, it builds what BeginBulk put
// aside (even on a cancelled context: the schema must be whole whatever
// happened), then gives the writer its settings back. It may be called more
// than once.
func (b *Bulk) Close() error {
	if b.closed {
		return nil
	}
	b.closed = true
	var err error
	if !b.built {
		b.built = true
		err = b.rebuild(context.Background())
	}
	b.restore()
	return err
}

// BulkInsert is a multi-row INSERT: a statement per row cost more in
// binding and stepping, through database/sql and the driver, than the
// engine's work on the row. Triggers still fire row by row.
type BulkInsert struct {
	// Head is the statement up to its rows: INSERT INTO t (…) VALUES
	Head string
	// Row is one row: its placeholders and constants.
	Row string
	// Tail is what follows the rows, if anything.
	Tail string
	// MaxRows is how many rows one statement writes at most (0: 64, whose
	// widest row binds a few hundred values, far below any engine's
	// limit).
	MaxRows int
}

// One is the statement that writes one row, for a hot path that writes
// them one at a time (see Statements).
func (ins BulkInsert) One() string { return ins.rows(1) }

// rows is the statement that writes n rows.
func (ins BulkInsert) rows(n int) string {
	return ins.Head + strings.Repeat(ins.Row+", ", n-1) + ins.Row + ins.Tail
}

// maxRows is how many rows one statement writes at most.
func (ins BulkInsert) maxRows() int { return cmp.Or(ins.MaxRows, 64) }

// InsertRows writes rows, each a row's arguments, with statements of ins,
// each prepared once per call when there are several. Times among the
// arguments are written as the engine stores them (BindArgs; a caller may
// bind them beforehand, off the writer's path).
func (db *DB) InsertRows(ctx context.Context, tx bun.Tx, ins BulkInsert, rows [][]any) error {
	_, err := db.InsertRowsCounted(mayDefer(ctx), tx, ins, rows) // the count is not read
	return err
}

// InsertRowsCounted is InsertRows, and says how many rows the statements
// wrote: fewer than rows when ins's Tail skips some (ON CONFLICT DO
// NOTHING). Called with InsertRows's context, whose writes may be sent
// later (mayDefer), it counts none.
func (db *DB) InsertRowsCounted(ctx context.Context, tx bun.Tx, ins BulkInsert, rows [][]any) (int64, error) {
	chunk := ins.maxRows()
	var written int64
	// Rows that fit in one statement run it unprepared: preparing gains
	// nothing there, and on PostgreSQL it costs two more round trips
	// (prepare, then close), where the driver's own cache keeps the
	// statement prepared by its text for the next time.
	// A write kept for later (mayDefer) goes unprepared too: the
	// statements prepared here are closed when this returns, before it is
	// sent.
	later := deferring(ctx)
	alone := len(rows) <= chunk || later
	stmts := map[int]*sql.Stmt{}
	defer func() {
		for _, st := range stmts {
			st.Close()
		}
	}()
	var args []any
	for len(rows) > 0 {
		n := min(len(rows), chunk)
		// On SQLite, the statement of the largest power of two of rows
		// within n, when Statements.Bulk registered ins (PostgreSQL
		// prepares none of them).
		var kept *sql.Stmt
		if !db.bindArgs {
			pow := 1 << (bits.Len(uint(n)) - 1)
			if kept = db.stmt(ctx, tx, ins.rows(pow)); kept != nil {
				n = pow
			}
		}
		args = args[:0]
		for _, r := range rows[:n] {
			args = append(args, r...)
		}
		var res sql.Result
		var err error
		switch {
		case kept != nil:
			res, err = kept.ExecContext(ctx, BindArgs(args)...)
		case alone:
			db.bulkParsed.Add(1)
			res, err = tx.Tx.ExecContext(ctx, db.driver.Placeholders(ins.rows(n)), BindArgs(args)...)
		default:
			st := stmts[n]
			if st == nil {
				db.bulkParsed.Add(1)
				if st, err = tx.Tx.PrepareContext(ctx, db.driver.Placeholders(ins.rows(n))); err != nil {
					return written, err
				}
				stmts[n] = st
			}
			res, err = st.ExecContext(ctx, BindArgs(args)...)
		}
		if err != nil {
			return written, err
		}
		if !later {
			k, err := res.RowsAffected()
			if err != nil {
				return written, err
			}
			written += k
		}
		rows = rows[n:]
	}
	return written, nil
}
