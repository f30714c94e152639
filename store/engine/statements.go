package engine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"github.com/uptrace/bun"
)

// bun writes every argument into the SQL text, so the engine parses and
// plans each statement anew: on the hot paths (the session behind every
// request, the case file behind every case-file route, a person's list, the
// writes of a create) parsing cost more than executing. The hot statements
// are fixed texts with real placeholders, prepared once per connection that
// runs them and reused.

// Statements is a set of hot statements. Each is declared next to the code
// that runs it and registered there, at package initialisation:
//
//	var sqlCountUp = statements.Write("UPDATE counts SET n = n + 1 WHERE status = ?")
//
// A DB opened with the set prepares every statement in it; Query, QueryRow
// and Exec then run a registered text through its prepared statement.
type Statements struct {
	mu   sync.Mutex
	list []declared
}

type declared struct {
	query string
	// read statements are prepared on the read pool and on the writer (for
	// the write transactions that read first); write ones on the writer.
	read bool
	// liteOnly statements are prepared on SQLite alone (see Bulk),
	// pgOnly ones on PostgreSQL alone (see PostgresRead).
	liteOnly, pgOnly bool
}

// Read registers a read, prepared on the read pool and on the writer, and
// returns its text.
func (s *Statements) Read(query string) string { return s.add(query, true) }

// Write registers a statement run in write transactions, prepared on the
// writer, and returns its text.
func (s *Statements) Write(query string) string { return s.add(query, false) }

// PostgresRead registers a read in a form SQLite has not (a LATERAL join),
// which the store runs on PostgreSQL alone: prepared there as Read's are,
// and not on SQLite, where it would not parse.
func (s *Statements) PostgresRead(query string) string {
	s.addAs(declared{query: query, read: true, pgOnly: true})
	return query
}

// Bulk registers, for SQLite, the statements of ins that write a power of
// two of rows (1, 2, 4, … up to its MaxRows), on the writer, and returns
// ins. SQLite parses every text it is given in this process, on the
// writer's path: the statements of a batch's end, of as many rows as the
// batch had creates, were parsed anew at every batch (11 % of a create's
// CPU in a profile at 32 connections). InsertRows writes rows in chunks of
// those sizes (21 rows: 16, 4 and 1) through the statements prepared
// once. PostgreSQL keeps each text it is sent prepared on its connection
// already (see unprepared): there they are not prepared, and InsertRows
// sends as many rows to a statement as before.
func (s *Statements) Bulk(ins BulkInsert) BulkInsert {
	for k := 1; k <= ins.maxRows(); k *= 2 {
		s.addAs(declared{query: ins.rows(k), liteOnly: true})
	}
	return ins
}

func (s *Statements) add(query string, read bool) string {
	s.addAs(declared{query: query, read: read})
	return query
}

func (s *Statements) addAs(d declared) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.list {
		if s.list[i].query == d.query {
			s.list[i].read = s.list[i].read || d.read
			s.list[i].liteOnly = s.list[i].liteOnly && d.liteOnly
			s.list[i].pgOnly = s.list[i].pgOnly && d.pgOnly
			return
		}
	}
	s.list = append(s.list, d)
}

// Len is how many statements are registered.
func (s *Statements) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.list)
}

// Queries gives the text of every registered statement, in the order
// they were registered.
func (s *Statements) Queries() []string {
	var qs []string
	for _, d := range s.all() {
		qs = append(qs, d.query)
	}
	return qs
}

func (s *Statements) all() []declared {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]declared(nil), s.list...)
}

// prepared is one statement on the connections that run it.
type prepared struct {
	read, write *sql.Stmt
}

// preparedSet is what one preparation gave: it is replaced whole, never
// changed, so that readers need no lock.
type preparedSet struct {
	m map[string]prepared
	// failed names the statements that did not prepare, and why.
	failed error
}

func (p *preparedSet) close() {
	if p == nil {
		return
	}
	for _, st := range p.m {
		for _, s := range []*sql.Stmt{st.read, st.write} {
			if s != nil {
				s.Close()
			}
		}
	}
}

// prepare prepares every registered statement again, on the connections
// that run it, and returns an error naming each one that failed (they run
// unprepared meanwhile).
func (db *DB) prepare(ctx context.Context) error {
	set := &preparedSet{m: map[string]prepared{}}
	var failed []error
	prep := func(on *bun.DB, query string) *sql.Stmt {
		st, err := on.DB.PrepareContext(ctx, db.driver.Placeholders(query))
		if err != nil {
			failed = append(failed, fmt.Errorf("%w\n%s", err, query))
		}
		return st
	}
	for _, d := range db.statements.all() {
		if (d.liteOnly && db.bindArgs) || (d.pgOnly && !db.bindArgs) {
			continue
		}
		var p prepared
		if p.write = prep(db.write, d.query); d.read {
			p.read = prep(db.read, d.query)
		}
		set.m[d.query] = p
	}
	if len(failed) > 0 {
		set.failed = fmt.Errorf("engine: %d statements do not prepare: %w", len(failed), errors.Join(failed...))
	}
	db.prepared.Swap(set).close()
	return set.failed
}

// Placeholders writes query's ? placeholders the engine's way, for a
// statement prepared on database/sql directly (see Driver.Placeholders).
func (db *DB) Placeholders(query string) string { return db.driver.Placeholders(query) }

// Prepared is nil when every registered statement is prepared on every
// connection that runs it, and otherwise names those that are not.
func (db *DB) Prepared() error { return db.prepared.Load().failed }

// stmt is query's prepared statement for idb, or nil: the read pool's copy
// on the read pool, the writer's bound to a write transaction.
func (db *DB) stmt(ctx context.Context, idb bun.IDB, query string) *sql.Stmt {
	p, ok := db.prepared.Load().m[query]
	if !ok {
		return nil
	}
	switch d := idb.(type) {
	case bun.Tx:
		if p.write != nil {
			return d.Tx.StmtContext(ctx, p.write)
		}
	case *bun.DB:
		if d == db.read && p.read != nil {
			return p.read
		}
	}
	return nil
}

// Query runs a read with ? placeholders on idb (the read pool or a write
// transaction): a registered statement through its prepared copy, anything
// else through bun. Times among args are written as the engine stores them.
func (db *DB) Query(ctx context.Context, idb bun.IDB, query string, args ...any) (*sql.Rows, error) {
	args = BindArgs(args)
	if st := db.stmt(ctx, idb, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	if on, text := db.unprepared(idb, query, args); on != nil {
		return on.QueryContext(ctx, text, args...)
	}
	return idb.QueryContext(ctx, query, args...)
}

// sqlIDB is what database/sql's pool and transactions both run.
type sqlIDB interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// unprepared gives, for a statement that is not registered, the
// database/sql handle under idb and the statement's text with the engine's
// placeholders, when its arguments are to be sent apart from it: on
// PostgreSQL, when each is a plain value. Its text is then the same at
// every call, so pgx keeps it prepared on each connection (its statement
// cache) and PostgreSQL plans it once (force_generic_plan, see Postgres).
// Through bun, which writes the arguments into the text, every call was a
// new statement, parsed, described and planned again, with a round trip
// more, and pgx's cache was a churn of one-use statements. On SQLite, which
// parses every text it is given anyway, or with an argument bun formats its
// own way (bun.In, a list), it gives nil: bun runs the statement.
func (db *DB) unprepared(idb bun.IDB, query string, args []any) (sqlIDB, string) {
	if !db.bindArgs {
		return nil, ""
	}
	for _, a := range args {
		switch a.(type) {
		case nil, string, []byte, bool, int, int32, int64, float64:
		default:
			return nil, ""
		}
	}
	var on sqlIDB
	switch d := idb.(type) {
	case *bun.DB:
		on = d.DB
	case bun.Tx:
		on = d.Tx
	default:
		return nil, ""
	}
	return on, db.driver.Placeholders(query)
}

// QueryRow scans the first row of a read into dest by hand, as
// database/sql's Scan does: for the hottest reads, where bun's reflection
// showed in profiles. No row is sql.ErrNoRows.
func (db *DB) QueryRow(ctx context.Context, idb bun.IDB, query string, args []any, dest ...any) error {
	rows, err := db.Query(ctx, idb, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	return rows.Close()
}

// Exec runs a write with ? placeholders in idb's transaction, as Query runs
// a read.
func (db *DB) Exec(ctx context.Context, idb bun.IDB, query string, args ...any) error {
	ctx = mayDefer(ctx) // its result is not read
	args = BindArgs(args)
	var err error
	if st := db.stmt(ctx, idb, query); st != nil {
		_, err = st.ExecContext(ctx, args...)
	} else if on, text := db.unprepared(idb, query, args); on != nil {
		_, err = on.ExecContext(ctx, text, args...)
	} else {
		_, err = idb.ExecContext(ctx, query, args...)
	}
	return err
}
