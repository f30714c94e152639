package engine

import (
	"bytes"
	"context"
	"database/sql/driver"
	"reflect"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Writes sent together. On PostgreSQL every statement is a round trip:
// the server is woken, runs it and answers, and cloison waits. A batch of
// creates ran some fourteen of them under the write lock, most of them
// writes whose answer nobody reads (a batch's search entries, grants,
// events, counters and audit entries). At a batch's end (batchWrites.run)
// such a write, run through DB.Exec, DB.InsertRows, a BatchWrite's Query
// or LockLane in the batch's transaction, is kept on its connection
// instead of sent (through the pool it is sent at once), and the kept
// writes go to the server in one pipeline just before the next statement
// that needs an answer: a query, a write whose count is read, COMMIT. The
// server runs them in the order they were made, before that statement, so
// every statement sees what came before it as it did. The one difference
// is when an error is told: a kept write that fails fails the statement
// that sends it (PostgreSQL aborts the transaction, as it did), which at a
// batch's end fails the whole batch, as any failure there does. SQLite's
// driver never looks at the mark.

// batchEndKey marks the context of a batch's end (batchWrites.run).
type batchEndKey struct{}

// deferKey marks the context of one write whose result its caller does not
// read, run at a batch's end (mayDefer).
type deferKey struct{}

// atBatchEnd marks ctx as a batch's end's where d sends writes together:
// PostgreSQL. SQLite's statements are calls in the process, with nothing
// to save by waiting, and its ctx stays unmarked (so that InsertRows there
// keeps its prepared statements).
func atBatchEnd(ctx context.Context, d Driver) context.Context {
	if _, ok := d.(Postgres); !ok {
		return ctx
	}
	return context.WithValue(ctx, batchEndKey{}, true)
}

// mayDefer marks, at a batch's end, ctx as that of a write whose result
// is not read, which the PostgreSQL connection may then send with the next
// statement that needs an answer. Elsewhere ctx is returned as it is: a
// request's own writes answer at once, each inside its savepoint.
func mayDefer(ctx context.Context) context.Context {
	if ctx.Value(batchEndKey{}) == nil {
		return ctx
	}
	return context.WithValue(ctx, deferKey{}, true)
}

// deferring says whether a write run with ctx may be kept for later.
func deferring(ctx context.Context) bool { return ctx.Value(deferKey{}) != nil }

// keeps says whether the connection keeps a write run with ctx for later:
// one that may wait, inside a transaction, whose COMMIT sends it. Outside
// one (a write through the pool from a batch's end) it is sent at once: a
// kept write would wait on a connection back in the pool, and be dropped
// when the pool hands it out again (ResetSession). Whether a transaction is
// open is the server's last word on it (ReadyForQuery's status), which
// BEGIN, COMMIT and ROLLBACK each wait for.
func (c *rewritingConn) keeps(ctx context.Context) bool {
	return deferring(ctx) && c.Conn.Conn().PgConn().TxStatus() != 'I'
}

// keptWrites counts the writes ever kept for a pipeline, for the tests:
// that they are, and that a request's own writes are not.
var keptWrites atomic.Int64

// keep puts a write on the connection's pipeline: query is the statement
// as the server gets it, args as database/sql checked them.
func (c *rewritingConn) keep(query string, args []driver.NamedValue) {
	keptWrites.Add(1)
	values := make([]any, len(args))
	for i, a := range args {
		values[i] = frozen(a.Value)
	}
	c.kept.Queue(query, values...)
}

// frozen is v as it is now. pgx reads its arguments when it sends them,
// and database/sql leaves them to pgx as they came: a write sent later must
// send what it was given, not what a pointer, a Valuer or a byte slice
// holds by then.
func frozen(v any) any {
	if b, ok := v.([]byte); ok {
		return bytes.Clone(b)
	}
	if _, ok := v.(driver.Valuer); !ok && reflect.ValueOf(v).Kind() != reflect.Pointer {
		return v // a value, or a type only pgx knows (an array)
	}
	if c, err := driver.DefaultParameterConverter.ConvertValue(v); err == nil {
		return c
	}
	return v
}

// send sends the kept writes, in one round trip, and gives the first error
// among them.
func (c *rewritingConn) send(ctx context.Context) error {
	if c.kept.Len() == 0 {
		return nil
	}
	b := c.kept
	c.kept = pgx.Batch{}
	return c.Conn.Conn().SendBatch(ctx, &b).Close()
}

// drop forgets the kept writes: their transaction is rolled back, or the
// connection goes back to the pool.
func (c *rewritingConn) drop() { c.kept = pgx.Batch{} }

// BeginTx implements driver.ConnBeginTx: the transaction sends the kept
// writes before COMMIT.
func (c *rewritingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	c.drop()
	tx, err := c.Conn.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &pipelinedTx{Tx: tx, c: c, ctx: ctx}, nil
}

// ResetSession implements driver.SessionResetter: nothing kept outlives
// its use of the connection.
func (c *rewritingConn) ResetSession(ctx context.Context) error {
	c.drop()
	return c.Conn.ResetSession(ctx)
}

// pipelinedTx is pgx's transaction, whose COMMIT first sends the writes
// kept on its connection.
type pipelinedTx struct {
	driver.Tx
	c   *rewritingConn
	ctx context.Context // BeginTx's, as pgx's own transaction keeps it
}

// Commit implements driver.Tx. A kept write that fails rolls the
// transaction back, and Commit says why.
func (t *pipelinedTx) Commit() error {
	if err := t.c.send(t.ctx); err != nil {
		_ = t.Tx.Rollback()
		return err
	}
	return t.Tx.Commit()
}

// Rollback implements driver.Tx.
func (t *pipelinedTx) Rollback() error {
	t.c.drop()
	return t.Tx.Rollback()
}

// pipelinedStmt is pgx's prepared statement, run through its connection's
// pipeline: kept when its result is not read, after the kept writes
// otherwise.
type pipelinedStmt struct {
	*stdlib.Stmt
	c     *rewritingConn
	query string // as the server got it, which pgx names it by
}

// ExecContext implements driver.StmtExecContext.
func (s *pipelinedStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	if s.c.keeps(ctx) {
		s.c.keep(s.query, args)
		return driver.ResultNoRows, nil
	}
	if err := s.c.send(ctx); err != nil {
		return nil, err
	}
	return s.Stmt.ExecContext(ctx, args)
}

// QueryContext implements driver.StmtQueryContext.
func (s *pipelinedStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	if err := s.c.send(ctx); err != nil {
		return nil, err
	}
	return s.Stmt.QueryContext(ctx, args)
}
