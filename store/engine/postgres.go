package engine

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"maps"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// The PostgreSQL driver is pgx (github.com/jackc/pgx/v5) through its
// database/sql adapter, under bun's pgdialect. Of the two drivers bun works
// with, pgx is the one most Go programs on PostgreSQL use and the one kept
// most closely in step with PostgreSQL's releases; it speaks the binary
// protocol, caches prepared statements per connection, gives errors with
// their SQLSTATE (pgconn.PgError, which Retry needs), and brings COPY,
// LISTEN/NOTIFY and advisory locks, which the bulk load and several
// instances (issue 14) will want. bun's own pgdriver is smaller but does
// less and has fewer users; pgx costs one module more.

// Postgres is the driver of a PostgreSQL database. The writer is a pool,
// but write transactions queue on one advisory lock, those of every
// instance on the database (see BeginWrite), so that they run one after the
// other as SQLite's do; within one instance the committer groups those
// waiting into one transaction and its COMMIT, as it does SQLite's.
type Postgres struct {
	// URL is the connection string, postgres://user:password@host/db?…
	// (any form pgx accepts, key=value included).
	URL string
	// WriteConns sizes the write pool (0: the driver picks a size from
	// the number of CPUs and the lanes).
	WriteConns int
	// LaneCount is how many batches of writes run side by side (see
	// Lanes); 0 means one.
	LaneCount int
	// Rewrite, when set, turns each statement's text into PostgreSQL's
	// before it is sent (the store's few fragments that the two dialects
	// write differently); SQLite's planner hints are taken out after it
	// (see StripHints).
	Rewrite func(query string) string
}

var _ Driver = Postgres{}

// config parses the URL; a read-only pool's connections refuse writes.
func (d Postgres) config(readOnly bool) (*pgx.ConnConfig, error) {
	cfg, err := pgx.ParseConfig(d.URL)
	if err != nil {
		// pgx's message may quote the URL, password included: say only
		// that it is not one.
		return nil, errors.New("store: the PostgreSQL URL does not parse")
	}
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	if readOnly {
		cfg.RuntimeParams["default_transaction_read_only"] = "on"
	}
	for name, value := range sessionSettings {
		cfg.RuntimeParams[name] = value
	}
	return cfg, nil
}

// sessionSettings are the start-up parameters every connection of both
// pools asks for, and which LostSettings checks.
var sessionSettings = map[string]string{
	// Times are written as text in UTC by the store; anything PostgreSQL
	// itself formats (now(), to_char) must be in UTC as well.
	"timezone": "UTC",
	// A prepared statement is planned once, for any arguments. Left to
	// itself, PostgreSQL planned the lists' statements again at every call:
	// with LIMIT ? it takes a plan made without the arguments to read a
	// tenth of the table, finds it dearer than one made for 50 rows, and
	// so replans (the planner's choose_custom_plan). Planning an editor's
	// page cost 461 µs, reading it 123 (pg_stat_statements at 100,000 case
	// files), and the request 897 µs of CPU instead of 606. Every statement
	// the store runs with arguments has a fixed shape made for one plan
	// (bun writes its own arguments into the text, so its queries have
	// none); the one whose shape needed the arguments' values, the
	// instance admin's page, is written otherwise on PostgreSQL (the
	// store's adminPageHead), and TestPostgresGenericPlansReadNoWholeTable
	// checks the plans.
	"plan_cache_mode": "force_generic_plan",
}

// LostSettings names the session settings (sessionSettings) that a
// connection of db's pools does not have, each as the statement that sets
// it on the database instead: a connection pooler that drops start-up
// parameters (PgBouncer's ignore_startup_parameters) loses them, and
// without force_generic_plan the lists are planned again at every call.
// (The readers' default_transaction_read_only, a safety net the store does
// not rely on, is not checked: a pooler cannot be given it per pool.)
func (d Postgres) LostSettings(ctx context.Context, db *DB) ([]string, error) {
	cfg, err := d.config(false)
	if err != nil {
		return nil, err
	}
	var lost []string
	for _, name := range slices.Sorted(maps.Keys(sessionSettings)) {
		want := sessionSettings[name]
		for _, pool := range []*bun.DB{db.write, db.read} {
			var got string
			if err := pool.QueryRowContext(ctx, "SELECT current_setting(?)", name).Scan(&got); err != nil {
				return nil, fmt.Errorf("store: reading %s: %w", name, err)
			}
			if !strings.EqualFold(got, want) {
				lost = append(lost, fmt.Sprintf("ALTER DATABASE %s SET %s = '%s'", pgx.Identifier{cfg.Database}.Sanitize(), name, want))
				break
			}
		}
	}
	return lost, nil
}

// Open implements Driver.
func (d Postgres) Open(ctx context.Context, readConns int) (write, read *bun.DB, err error) {
	wcfg, err := d.config(false)
	if err != nil {
		return nil, nil, err
	}
	rcfg, err := d.config(true)
	if err != nil {
		return nil, nil, err
	}
	wsql := d.openDB(*wcfg)
	n := d.WriteConns
	if n <= 0 {
		n = max(4, 2*runtime.NumCPU(), d.Lanes()+2)
	}
	wsql.SetMaxOpenConns(n)
	wsql.SetMaxIdleConns(n)
	if err := wsql.PingContext(ctx); err != nil {
		wsql.Close()
		return nil, nil, fmt.Errorf("store: open PostgreSQL: %w", err)
	}
	rsql := d.openDB(*rcfg)
	n = readConns
	if n <= 0 {
		n = max(4, 2*runtime.NumCPU())
	}
	rsql.SetMaxOpenConns(n)
	rsql.SetMaxIdleConns(n)
	return bun.NewDB(wsql, pgdialect.New()), bun.NewDB(rsql, pgdialect.New()), nil
}

// openDB is pgx's database/sql pool on cfg, every statement's text going
// through StripHints and Rewrite on its way.
func (d Postgres) openDB(cfg pgx.ConnConfig) *sql.DB {
	return sql.OpenDB(rewritingConnector{Connector: stdlib.GetConnector(cfg), rewrite: d.rewrite()})
}

// rewrite is Rewrite when there is one (its fragments are SQLite's text,
// hints included), then StripHints.
func (d Postgres) rewrite() func(string) string {
	if d.Rewrite == nil {
		return StripHints
	}
	return func(q string) string { return StripHints(d.Rewrite(q)) }
}

// rewritingConnector hands out pgx connections whose statements are
// rewritten before pgx sees them. Wrapping the connection rather than
// every call site keeps one text per statement in the store, whether it
// goes through bun, a prepared statement or database/sql directly.
type rewritingConnector struct {
	driver.Connector
	rewrite func(string) string
}

// Connect implements driver.Connector.
func (c rewritingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	pc, err := pgxOwn[*stdlib.Conn](c.Connector.Connect(ctx))
	if err != nil {
		return nil, err
	}
	return &rewritingConn{Conn: pc, rewrite: c.rewrite}, nil
}

// pgxOwn is v as pgx's own type T, which the wrappers here embed, or the
// error: err, or that pgx gave another type (v is then closed).
func pgxOwn[T any, V io.Closer](v V, err error) (T, error) {
	var zero T
	if err != nil {
		return zero, err
	}
	own, ok := any(v).(T)
	if !ok {
		v.Close()
		return zero, fmt.Errorf("store: pgx gave a %T, not its stdlib %T", v, zero)
	}
	return own, nil
}

// rewritingConn is pgx's connection (every interface it implements
// promoted: named values, the connection's checks) with the entry points
// of a statement's text rewritten, and the writes a batch's end does not
// read the result of kept and sent together (pipeline.go).
type rewritingConn struct {
	*stdlib.Conn
	rewrite func(string) string
	// kept are the writes waiting for the next statement that needs an
	// answer (see mayDefer).
	kept pgx.Batch
}

// Prepare implements driver.Conn.
func (c *rewritingConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

// PrepareContext implements driver.ConnPrepareContext.
func (c *rewritingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	q := c.rewrite(query)
	ps, err := pgxOwn[*stdlib.Stmt](c.Conn.PrepareContext(ctx, q))
	if err != nil {
		return nil, err
	}
	return &pipelinedStmt{Stmt: ps, c: c, query: q}, nil
}

// ExecContext implements driver.ExecerContext.
func (c *rewritingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	q := c.rewrite(query)
	if c.keeps(ctx) {
		c.keep(q, args)
		return driver.ResultNoRows, nil
	}
	if err := c.send(ctx); err != nil {
		return nil, err
	}
	return c.Conn.ExecContext(ctx, q, args)
}

// QueryContext implements driver.QueryerContext.
func (c *rewritingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if err := c.send(ctx); err != nil {
		return nil, err
	}
	return c.Conn.QueryContext(ctx, c.rewrite(query), args)
}

// StripHints takes SQLite's planner hints out of query: "INDEXED BY name"
// and "NOT INDEXED" after a table, which only tell SQLite's planner which
// index to use (PostgreSQL plans from its own statistics and has no such
// syntax). Quoted strings, quoted names and comments are left as they are.
func StripHints(query string) string {
	if !strings.Contains(query, "INDEXED") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query))
	for i := 0; i < len(query); {
		c := query[i]
		switch {
		case verbatimEnd(query, i) > i:
			end := verbatimEnd(query, i)
			b.WriteString(query[i:end])
			i = end
			continue
		case hintAt(query, i, "INDEXED BY "):
			j := i + len("INDEXED BY ")
			for j < len(query) && query[j] == ' ' {
				j++
			}
			for j < len(query) && isNameByte(query[j]) {
				j++
			}
			i = j
			continue
		case hintAt(query, i, "NOT INDEXED"):
			i += len("NOT INDEXED")
			continue
		}
		b.WriteByte(c)
		i++
	}
	return b.String()
}

// verbatimEnd is, when a quoted string, a quoted name or a comment starts
// at query[i], the index just past its end (the end of query when it is
// not closed), and i otherwise: the parts of a statement StripHints and
// Placeholders copy as they are.
func verbatimEnd(query string, i int) int {
	rest := query[i:]
	var open, closing string
	switch {
	case rest[0] == '\'' || rest[0] == '"':
		open, closing = rest[:1], rest[:1]
	case strings.HasPrefix(rest, "--"):
		open, closing = "--", "\n"
	case strings.HasPrefix(rest, "/*"):
		open, closing = "/*", "*/"
	default:
		return i
	}
	end := strings.Index(rest[len(open):], closing)
	if end < 0 {
		return len(query)
	}
	return i + len(open) + end + len(closing)
}

// hintAt tells whether the keyword kw starts at query[i] as a word of its own.
func hintAt(query string, i int, kw string) bool {
	if !strings.HasPrefix(query[i:], kw) {
		return false
	}
	if i > 0 && isNameByte(query[i-1]) {
		return false
	}
	end := i + len(kw)
	return kw[len(kw)-1] == ' ' || end == len(query) || !isNameByte(query[end])
}

func isNameByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// BeginWrite implements Driver. The store's write transactions were
// written for SQLite's BEGIN IMMEDIATE: they read (the audit chain's last
// entry, a case file's version for If-Match, the grants that allow the
// write, counters) and write on the strength of what they read, without
// locking rows, because no other writer runs meanwhile. On PostgreSQL every
// write transaction takes the same promise by taking one transaction-level
// advisory lock (writeLockKey) as its first statement: writers, of every
// instance on the database, queue on it as SQLite's queue on its write
// lock, and each runs alone until COMMIT or ROLLBACK releases it. In READ
// COMMITTED each statement sees what committed before it began, so every
// read after the lock sees every earlier writer's work: the transactions
// run one after the other, which is serializable, and none fails for it.
// (SERIALIZABLE without the lock made concurrent writers of one hot row
// (a unit's counter, the chain's end) fail and run again: about three
// runs per create under load, a tenth of SQLite's rate. SERIALIZABLE with
// the lock would take its snapshot at the lock statement, before waiting,
// and fail the same way.) Readers do not take the lock: they read a
// snapshot, as SQLite's do.
func (Postgres) BeginWrite(ctx context.Context, write *bun.DB) (bun.Tx, error) {
	return beginLocked(ctx, write, "SELECT pg_advisory_xact_lock(?)", writeLockKey)
}

// beginLocked begins a READ COMMITTED transaction whose first statement,
// lock, takes the advisory lock key.
func beginLocked(ctx context.Context, write *bun.DB, lock string, key int64) (bun.Tx, error) {
	tx, err := write.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		return tx, err
	}
	if _, err := tx.ExecContext(ctx, lock, key); err != nil {
		_ = tx.Rollback()
		return bun.Tx{}, fmt.Errorf("store: the write lock: %w", err)
	}
	return tx, nil
}

// writeLockKey is the advisory lock every write transaction holds:
// exclusively, but for the lanes', which hold it shared.
const writeLockKey int64 = 0x436c6f69736f6e02 // "Cloison", 2

// laneLockKey orders the lanes' batches among themselves once their rows
// are written (LockLane).
const laneLockKey int64 = 0x436c6f69736f6e03 // "Cloison", 3

var _ LaneDriver = Postgres{}

// Lanes implements LaneDriver: LaneCount, one by default, each a
// connection of the write pool (which Open sizes to hold them and two
// more writers).
//
// One lane is the default: since a batch's writes are sent together
// (pipeline.go), a lane's batch waits on half the round trips it did, and
// one lane has done as many creates a second as two or more, for a third
// less CPU a create, on a machine whose two CPUs run cloison and the
// cluster (the performance log, "one lane again"): one lane gathers twice
// the creates into each batch and its COMMIT, and no batch waits for
// another's turn (LockLane). More lanes may serve a cluster on CPUs of its
// own; measure before raising it.
func (d Postgres) Lanes() int { return max(1, d.LaneCount) }

// BeginLane implements LaneDriver: the write lock held shared, so that the
// lanes run beside one another and no other writer beside them. Every
// writer of every instance takes the same key (BeginWrite), and
// PostgreSQL queues a shared request behind an exclusive one that waits, so
// lanes never starve the other writes.
func (Postgres) BeginLane(ctx context.Context, write *bun.DB) (bun.Tx, error) {
	return beginLocked(ctx, write, "SELECT pg_advisory_xact_lock_shared(?)", writeLockKey)
}

// LockLane implements LaneDriver. A lane waits here holding only its new
// rows and the shared write lock, and the lane it waits for holds the same,
// so lanes cannot deadlock: rows another lane has not committed are only
// new ones, and none of them is this lane's to wait for before its turn,
// but the unique value both drew (ON CONFLICT waits for the other, which
// never waits for this one before its turn).
func (Postgres) LockLane(ctx context.Context, tx bun.Tx) error {
	// Sent with the batch's next statement that needs an answer, before
	// it (mayDefer): nothing is written after it until the lock is held.
	if _, err := tx.ExecContext(mayDefer(ctx), "SELECT pg_advisory_xact_lock(?)", laneLockKey); err != nil {
		return fmt.Errorf("store: the lanes' lock: %w", err)
	}
	return nil
}

// GroupsWrites implements Driver: writers queue on the write lock anyway,
// and each COMMIT waits for PostgreSQL's WAL flush and costs a round trip
// to the server, so the transactions waiting in one instance share one:
// each committed on its own, creates at 32 connections ran at a sixth of
// SQLite's rate.
func (Postgres) GroupsWrites() bool { return true }

// NextSavepoint implements Driver: every statement is a round trip to the
// server, made under the write lock that every writer waits for; sent
// without arguments, the two go in one (the simple protocol).
func (Postgres) NextSavepoint() string { return "RELEASE intx; SAVEPOINT intx" }

// Retry implements Driver: a serialization failure or a deadlock undid the
// whole transaction, which may run again from the start (with the write
// lock neither should happen; a write outside InTx, such as a migration's,
// could still meet one).
func (Postgres) Retry(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40001" || pgErr.Code == "40P01")
}

// Placeholders implements Driver: the ? placeholders become $1, $2…,
// except inside quoted strings, quoted names and comments. The statement
// is rewritten first (StripHints, Rewrite), while its text is still the
// one the store wrote.
func (d Postgres) Placeholders(query string) string {
	query = d.rewrite()(query)
	if !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 8)
	n := 0
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case verbatimEnd(query, i) > i:
			end := verbatimEnd(query, i)
			b.WriteString(query[i:end])
			i = end - 1
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Analyze implements Driver. It vacuums as well: after a bulk load no page
// is marked all-visible until autovacuum comes by, minutes later, and until
// then every index-only scan reads the table's rows too (the editor's list,
// which reads only an index of grants, read 458 pages for a page of 50 rows
// where it reads 9), and the rows the triggers' counters left dead behind
// them are still there to step over (a counter of 197 rows was 369 pages).
func (Postgres) Analyze(ctx context.Context, write *bun.DB) error {
	_, err := write.ExecContext(ctx, "VACUUM (ANALYZE)")
	return err
}

// Migrated implements Driver: PostgreSQL plans each statement from fresh
// statistics and pgx drops a cached statement whose table changed, so
// there is nothing to tidy.
func (Postgres) Migrated(context.Context, *bun.DB) error { return nil }

// BeginBulk implements Driver: it drops the secondary indexes of the
// tables (those that are neither unique nor a primary key), which rebuild
// creates again from their definitions. The writer is a pool, so there is
// no connection whose settings a bulk load could change for its duration
// (SQLite turns fsync off): restore has nothing to give back.
func (Postgres) BeginBulk(ctx context.Context, write *bun.DB, tables []string) (rebuild func(context.Context) error, restore func(), err error) {
	indexes, err := dropIndexes(ctx, write, `SELECT i.relname, pg_get_indexdef(x.indexrelid)
		FROM pg_index AS x JOIN pg_class AS i ON i.oid = x.indexrelid JOIN pg_class AS t ON t.oid = x.indrelid
		WHERE t.relnamespace = current_schema()::regnamespace AND t.relname IN (?)
		AND NOT x.indisunique AND NOT x.indisprimary ORDER BY i.relname`, tables)
	if err != nil {
		return nil, nil, err
	}
	return rebuildIndexes(write, indexes), func() {}, nil
}
