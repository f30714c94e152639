package engine

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/uptrace/bun"
)

// Group commit. With synchronous=FULL every COMMIT waits for an fsync, and
// the single writer makes write transactions queue behind each other: one
// transaction per request capped the store at a few hundred writes a
// second, most of the time spent waiting for the disk. The committer below
// runs the write transactions that are waiting together in one SQLite
// transaction, each inside its own savepoint, so one fsync makes them all
// durable while each request still fully happens or not at all. PostgreSQL's
// writers queue the same way, on its write lock (Postgres.BeginWrite), and
// each COMMIT waits for its WAL flush: there the batch saves the flushes and
// the lock rounds.

// ErrClosed is the error of a write asked of a database that is closing or
// closed.
var ErrClosed = errors.New("store: closed")

// maxBatch bounds the requests one transaction carries, so that a long
// queue does not make the first caller wait for everyone behind it.
const maxBatch = 64

// Request states. A request moves from waiting to running (the committer
// took it) or to cancelled (its caller gave up first), never both: the
// compare-and-swap decides who owns it.
const (
	reqWaiting int32 = iota
	reqRunning
	reqCancelled
)

// txRequest is one InTx call waiting for the committer.
type txRequest struct {
	ctx   context.Context
	fn    func(ctx context.Context, tx bun.Tx) error
	state atomic.Int32
	// done is closed once err and panicked hold the result, after COMMIT.
	done     chan struct{}
	err      error
	panicked *TxPanic
	// later holds the writes fn left for the end of the batch; they run
	// only if fn succeeded.
	later batchWrites
	// atEnd marks a request of InTxAtEnd: fn runs no statement, so it
	// needs no savepoint.
	atEnd bool
}

// TxPanic is what a caller of InTx panics with when its fn panicked. The
// panic is caught in the committer so that the other requests of the batch
// commit, then raised again in the caller's goroutine, which would have seen
// it without group commit; Stack is where fn panicked.
type TxPanic struct {
	Value any
	Stack []byte
}

// Error gives the panic value and the stack of fn, for the log.
func (p *TxPanic) Error() string {
	return fmt.Sprintf("store: panic in a write transaction: %v\n%s", p.Value, p.Stack)
}

// Unwrap gives the panic value when it was an error.
func (p *TxPanic) Unwrap() error {
	err, _ := p.Value.(error)
	return err
}

// inTxKey holds, in the context fn runs with, its *txRequest: an InTx
// nested in another fails instead of waiting forever for the committer that
// runs its caller, and fn can leave writes for the end of the batch.
type inTxKey struct{}

// errNestedTx is returned by an InTx called from inside another's fn.
var errNestedTx = errors.New("store: InTx called inside a write transaction")

// committer owns the writer while it runs a batch; between batches the
// connection is free for the direct uses of the writer (migrations,
// ANALYZE, a bulk load).
type committer struct {
	driver Driver
	db     *bun.DB
	// savepoint, release and rollbackTo are prepared once: they run around
	// every request, and parsing them each time showed in the profile.
	savepoint, release, rollbackTo *sql.Stmt

	// committed is called after each COMMIT, before its requests are
	// answered, with whether the transaction left sessions (see
	// BatchWrite.LeavesSessions); what it returns runs once they are (see
	// DB.committed).
	committed func(leftSessions bool) (then func())
	// lanes is set on the committer of InTxAtEnd's requests, whose
	// goroutines run their batches side by side (see LaneDriver).
	lanes LaneDriver

	mu     sync.Mutex
	queue  []*txRequest
	closed bool

	// wake has room for one signal: enqueue never blocks, and a signal sent
	// while the committer is busy is seen when it next looks. quit is
	// closed by close, for every goroutine at once.
	wake    chan struct{}
	quit    chan struct{}
	running sync.WaitGroup
	// stopped is closed once every goroutine has ended.
	stopped chan struct{}
}

// startCommitter prepares the savepoint statements on the writer (idle
// while the store opens) and starts the committer.
func startCommitter(ctx context.Context, d Driver, db *bun.DB, committed func(bool) (then func())) (*committer, error) {
	c := newCommitter(d, db, committed)
	for q, st := range map[string]**sql.Stmt{
		"SAVEPOINT intx": &c.savepoint, "RELEASE intx": &c.release, "ROLLBACK TO intx": &c.rollbackTo,
	} {
		var err error
		if *st, err = db.DB.PrepareContext(ctx, q); err != nil {
			c.closeStmts()
			return nil, fmt.Errorf("engine: prepare %s: %w", q, err)
		}
	}
	c.start(1)
	return c, nil
}

// start runs n goroutines on the queue.
func (c *committer) start(n int) {
	c.running.Add(n)
	for range n {
		go c.run()
	}
	go func() {
		c.running.Wait()
		close(c.stopped)
	}()
}

// startLanes starts the committer of InTxAtEnd's requests on a driver
// with lanes: ld.Lanes() goroutines on one queue, each running its own
// batches.
func startLanes(d Driver, ld LaneDriver, db *bun.DB, committed func(bool) (then func())) *committer {
	c := newCommitter(d, db, committed)
	c.lanes = ld
	c.start(ld.Lanes())
	return c
}

// newCommitter is a committer not started yet.
func newCommitter(d Driver, db *bun.DB, committed func(bool) (then func())) *committer {
	return &committer{driver: d, db: db, committed: committed,
		wake: make(chan struct{}, 1), quit: make(chan struct{}), stopped: make(chan struct{})}
}

func (c *committer) closeStmts() {
	for _, st := range []*sql.Stmt{c.savepoint, c.release, c.rollbackTo} {
		if st != nil {
			st.Close()
		}
	}
}

// enqueue hands r to the committer, or refuses once the store is closing.
func (c *committer) enqueue(r *txRequest) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return ErrClosed
	}
	c.queue = append(c.queue, r)
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
	return nil
}

// close stops taking requests, fails those still queued with ErrClosed,
// lets the batch under way commit and waits for the committer to end. A
// second close waits the same.
func (c *committer) close() {
	c.mu.Lock()
	pending, first := c.queue, !c.closed
	c.queue, c.closed = nil, true
	c.mu.Unlock()
	for _, r := range pending {
		if r.claim() {
			r.finish(ErrClosed, nil)
		}
	}
	if first {
		close(c.quit)
	}
	<-c.stopped
	c.closeStmts()
}

func (c *committer) run() {
	defer c.running.Done()
	batch := make([]*txRequest, 0, maxBatch)
	for {
		batch = c.next(batch[:0])
		if len(batch) == 0 {
			return
		}
		var rest []*txRequest
		if batch, rest = c.commit(batch); len(rest) > 0 {
			c.requeue(rest)
		}
		clear(batch) // drop the finished requests for the collector
	}
}

// next waits for the first request and takes those queued behind it. It
// returns none once closed.
func (c *committer) next(batch []*txRequest) []*txRequest {
	for {
		if batch = c.take(batch); len(batch) > 0 {
			return batch
		}
		c.mu.Lock()
		closed, empty := c.closed, len(c.queue) == 0
		c.mu.Unlock()
		if closed && empty {
			return batch
		}
		if empty {
			select {
			case <-c.wake:
			case <-c.quit:
			}
		}
	}
}

// take appends to batch, without waiting, the requests queued now, up to
// maxBatch in all.
func (c *committer) take(batch []*txRequest) []*txRequest {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := min(len(c.queue), maxBatch-len(batch))
	if n <= 0 {
		return batch
	}
	batch = append(batch, c.queue[:n]...)
	rest := copy(c.queue, c.queue[n:])
	clear(c.queue[rest:])
	c.queue = c.queue[:rest]
	return batch
}

// requeue puts requests a broken transaction did not reach back at the
// head of the queue, or fails them when the store is closing.
func (c *committer) requeue(rest []*txRequest) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		for _, r := range rest {
			if r.claim() {
				r.finish(ErrClosed, nil)
			}
		}
		return
	}
	c.queue = append(append(make([]*txRequest, 0, len(rest)+len(c.queue)), rest...), c.queue...)
	c.mu.Unlock()
}

// commit runs batch in one transaction and answers every request it ran.
// Requests that arrive while it runs join the same transaction, up to
// maxBatch: they would otherwise wait for this COMMIT and then pay for one
// of their own. It returns the batch, grown, and the requests it did not
// reach because the transaction broke (SQLite rolled it back by itself):
// they go into the next one.
func (c *committer) commit(batch []*txRequest) (all, rest []*txRequest) {
	// The transaction belongs to no caller: a caller's cancelled context
	// must not roll back everyone's work.
	bg := context.Background()
	var tx bun.Tx
	var err error
	if c.lanes != nil {
		tx, err = c.lanes.BeginLane(bg, c.db)
	} else {
		tx, err = c.driver.BeginWrite(bg, c.db)
	}
	if err != nil {
		err = fmt.Errorf("store: begin: %w", err)
		for _, r := range batch {
			if r.claim() {
				r.finish(err, nil)
			}
		}
		return batch, nil
	}
	var savepoint, release, rollbackTo *sql.Stmt
	if c.savepoint != nil { // the lanes' requests take none
		savepoint, release, rollbackTo = tx.Tx.StmtContext(bg, c.savepoint), tx.Tx.StmtContext(bg, c.release), tx.Tx.StmtContext(bg, c.rollbackTo)
	}
	ran := make([]*txRequest, 0, len(batch))
	var later batchWrites
	var broken error
	var then func() // what committed leaves for after the answers
	// held is true while the savepoint of the last request that succeeded
	// is still to release: with a driver's NextSavepoint, the next request's
	// savepoint releases it in the same round trip, and COMMIT releases the
	// last (the batch's end then runs inside it, which changes nothing: a
	// failure there rolls the whole transaction back).
	next, held := c.driver.NextSavepoint(), false
	for i := 0; ; i++ {
		if i == len(batch) {
			if batch = c.take(batch); i == len(batch) {
				break
			}
		}
		r := batch[i]
		if !r.claim() {
			continue // its caller has already returned ctx.Err()
		}
		ran = append(ran, r)
		if err := r.ctx.Err(); err != nil {
			r.err = err
			continue
		}
		if r.atEnd {
			// Nothing of it is written before the batch's end, so there is
			// nothing to undo: no savepoint (a round trip on PostgreSQL),
			// and a zero tx, on which a statement fails in its caller's
			// request and not in the transaction.
			r.err, r.panicked = call(r.fnCtx(), bun.Tx{}, r.fn)
			if r.err == nil && r.panicked == nil {
				later.add(r.later)
			}
			continue
		}
		if held {
			_, err = tx.Tx.ExecContext(bg, next)
			held = false
		} else {
			_, err = savepoint.ExecContext(bg)
		}
		if err != nil {
			r.err, broken, rest = err, err, batch[i+1:]
			break
		}
		r.err, r.panicked = call(r.fnCtx(), tx, r.fn)
		if r.err == nil && r.panicked == nil {
			if next != "" {
				held = true
			} else if _, err := release.ExecContext(bg); err != nil {
				r.err, broken, rest = err, err, batch[i+1:]
				break
			}
			later.add(r.later)
			continue
		}
		// Undo this request only; RELEASE then drops the savepoint, which
		// ROLLBACK TO leaves in place.
		if _, err := rollbackTo.ExecContext(bg); err != nil {
			broken, rest = err, batch[i+1:]
			break
		}
		if _, err := release.ExecContext(bg); err != nil {
			broken, rest = err, batch[i+1:]
			break
		}
	}
	if broken == nil {
		broken = later.run(bg, c.driver, c.lanes, tx)
	}

	switch {
	case broken != nil:
		// A savepoint that is gone means SQLite rolled the whole
		// transaction back (an I/O error, a full disk): what the earlier
		// requests wrote is lost, so they fail too. So does a batch whose
		// deferred writes failed.
		_ = tx.Rollback()
		c.resetConn()
		err := fmt.Errorf("store: write transaction rolled back: %w", broken)
		for _, r := range ran {
			if r.err == nil && r.panicked == nil {
				r.err = err
			}
		}
	case !slices.ContainsFunc(ran, func(r *txRequest) bool { return r.err == nil && r.panicked == nil }):
		// Nothing to keep: no need to wait for the disk.
		_ = tx.Rollback()
	default:
		if err := tx.Commit(); err != nil {
			c.resetConn()
			err = fmt.Errorf("store: commit: %w", err)
			for _, r := range ran {
				if r.err == nil && r.panicked == nil {
					r.err = err
				}
			}
		} else {
			// Requests that ran inside the transaction may have written
			// anything; those that ran at its end wrote nothing themselves.
			left := later.leaveSessions() && !slices.ContainsFunc(ran, func(r *txRequest) bool { return !r.atEnd })
			then = c.committed(left)
		}
	}
	// Only now, after COMMIT returned, may a caller learn that its write
	// is durable. A caller whose fn failed keeps its own error: nothing of
	// its request was written, whatever happened to the others.
	for _, r := range ran {
		r.finish(r.err, r.panicked)
	}
	if then != nil {
		then()
	}
	return batch, rest
}

// resetConn ends a transaction SQLite may still hold open after a failed
// COMMIT or a broken batch: database/sql has handed the connection back
// and the next BEGIN would otherwise fail. With no transaction open the
// ROLLBACK fails harmlessly.
func (c *committer) resetConn() {
	_, _ = c.db.DB.ExecContext(context.Background(), "ROLLBACK")
}

// call runs fn, turning a panic into its result so that the committer and
// the other requests carry on.
func call(ctx context.Context, tx bun.Tx, fn func(ctx context.Context, tx bun.Tx) error) (err error, p *TxPanic) {
	defer func() {
		if v := recover(); v != nil {
			err, p = nil, &TxPanic{Value: v, Stack: debug.Stack()}
		}
	}()
	return fn(ctx, tx), nil
}

// claim takes the request for the committer unless its caller gave up.
// fnCtx is the context fn runs with. It keeps its caller's values but not
// its cancellation: the driver answers a cancelled context by interrupting
// the running statement, and SQLite answers an interrupted write by rolling
// back the whole transaction, which is every request of the batch. A caller
// cancelled before its turn is refused before; once fn runs, it runs to the
// end.
func (r *txRequest) fnCtx() context.Context {
	return context.WithValue(context.WithoutCancel(r.ctx), inTxKey{}, r)
}

func (r *txRequest) claim() bool { return r.state.CompareAndSwap(reqWaiting, reqRunning) }

func (r *txRequest) finish(err error, p *TxPanic) {
	r.err, r.panicked = err, p
	close(r.done)
}

// InTx runs fn in a write transaction on the single writer, begun as the
// driver begins them (SQLite: BEGIN IMMEDIATE): every write fn makes either
// fully happens or not at all, and InTx returns only once it is durable.
// Where the driver groups writes, concurrent calls share one transaction
// and its COMMIT, each in its own savepoint, run one after the other: fn
// sees what earlier ones wrote and an error or a panic in fn undoes only
// its own writes. A panic in fn reaches the caller as a *TxPanic.
//
// A ctx cancelled before fn starts gives ctx.Err() and fn does not run;
// once fn has started it runs to the end with ctx's values but without its
// cancellation. Because the transaction may be shared, fn must not commit
// or roll back tx, keep it after returning, or call InTx (which fails).
func (db *DB) InTx(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error {
	return db.inTx(ctx, fn, false)
}

// InTxAtEnd is InTx for a write that is only writes left for the end of
// its batch (AtBatchEnd): fn decides what to write, or fails, but runs no
// statement; in a batch it gets a zero tx, on which any statement fails. It
// needs no savepoint, which on PostgreSQL is a round trip under the write
// lock per request: a create is one (see the store's CreateCase). Outside
// a batch (a driver that does not group writes) fn gets a transaction, and
// AtBatchEnd writes at once.
func (db *DB) InTxAtEnd(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error {
	return db.inTx(ctx, fn, true)
}

func (db *DB) inTx(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error, atEnd bool) error {
	if ctx.Value(inTxKey{}) != nil {
		return errNestedTx
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if db.gc == nil {
		return db.inTxAlone(ctx, fn)
	}
	r := &txRequest{ctx: ctx, fn: fn, done: make(chan struct{}), atEnd: atEnd}
	c := db.gc
	if atEnd && db.lanes != nil {
		c = db.lanes
	}
	if err := c.enqueue(r); err != nil {
		return err
	}
	select {
	case <-r.done:
	case <-ctx.Done():
		if r.state.CompareAndSwap(reqWaiting, reqCancelled) {
			return ctx.Err()
		}
		// The committer has taken it: the result, whatever it is, comes
		// after COMMIT, and the caller must not guess it.
		<-r.done
	}
	if r.panicked != nil {
		panic(r.panicked)
	}
	return r.err
}

// inTxAlone is InTx for a driver that does not group writes: fn runs in a
// transaction of its own, under the same rules.
func (db *DB) inTxAlone(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error {
	var p *TxPanic
	err := db.runAlone(context.WithValue(context.WithoutCancel(ctx), inTxKey{}, true), func(ctx context.Context, tx bun.Tx) error {
		err, panicked := call(ctx, tx, fn)
		if panicked != nil {
			p = panicked
			return p // rolls back
		}
		return err
	})
	if p != nil {
		panic(p)
	}
	return err
}

// runAlone runs fn in a write transaction of its own on the writer, outside
// the committer: committed if fn succeeds, rolled back if it fails or
// panics. When the driver says the failure undid the transaction for a
// reason that need not come back (PostgreSQL could not order it with the
// writers beside it), fn runs again in a new transaction, after a short
// random pause that grows with each attempt, so that the writers that met
// do not meet again: fn must leave nothing outside the transaction that a
// second run would not set again.
func (db *DB) runAlone(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := db.runOnce(ctx, fn)
		if err == nil || attempt == maxAttempts || !db.driver.Retry(err) {
			return err
		}
		pause := time.Duration(rand.Int64N(int64(min(attempt, 20)) * int64(time.Millisecond)))
		select {
		case <-time.After(pause):
		case <-ctx.Done():
			return err
		}
	}
}

// maxAttempts bounds how often runAlone runs a transaction the engine
// failed to order: many writers on one row (the audit chain's end) order
// themselves by failing and running again, each time one of them commits.
const maxAttempts = 100

// runOnce is one attempt of runAlone.
func (db *DB) runOnce(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error {
	tx, err := db.driver.BeginWrite(ctx, db.write)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			_ = tx.Rollback()
		}
	}()
	if err := fn(ctx, tx); err != nil {
		return err
	}
	committed = true
	if err := tx.Commit(); err != nil {
		return err
	}
	db.afterCommit()
	return nil
}

// Writes left for the end of the batch. SQLite's full-text index (FTS5)
// writes its pending rows to disk at every savepoint, so indexing each
// request's case file inside its own savepoint wrote a new index segment
// per request, and writing and merging them was about 15 % of the
// writer's time in a profile of creates. A
// request may instead leave such a write for the end of its batch, where
// one statement does it for all the requests that succeeded, still in the
// same transaction: it commits with them or not at all. It runs outside the
// requests' savepoints, so if it fails the whole batch fails; use it only
// for writes that cannot fail on their own, that depend only on the rows
// the requests wrote or on what the write lock keeps still until COMMIT
// (the end of the audit chain), and that nothing reads in a write
// transaction before COMMIT. The store also leaves there the moves of its
// per-status counters (one row changed once per batch instead of once per
// request) and its audit entries (the chain's end read once per batch): on
// PostgreSQL each statement a request saves is a round trip made under the
// write lock that every writer waits for.

// BatchWrite is what a batch does once at its end with the values its
// requests left (AtBatchEnd), in the order they left them. Its identity is
// its address: declare it once, as a variable.
//
// Query is a statement run with one argument, a JSON array of the values
// (SQLite reads it with json_each; each value must then be a string). Run,
// when set, is called instead, with the values themselves: for an end that
// needs Go between reading and writing (the audit chain's hashes).
type BatchWrite struct {
	Query string
	Run   func(ctx context.Context, tx bun.Tx, values []any) error
	// LeavesSessions marks a write that changes none of the rows a session
	// check or a create's unit read reads (sessions, accounts, memberships,
	// units, categories, inspectors: see Commits), only rows of its own
	// kind: new case files and what comes with them, audit entries,
	// counters. A batch whose requests all ran at its end (InTxAtEnd: they
	// write nothing themselves) and whose writes all leave sessions is not
	// counted by Commits, so the session checks and units kept on SQLite
	// survive a stream of creates.
	LeavesSessions bool
	// Concurrent marks a write that may run in a lane (see LaneDriver)
	// before the lane takes its turn, beside other lanes' batches: it only
	// inserts rows that no other transaction can reach before COMMIT (new
	// ids; a unique value drawn again when another holds it), whose
	// foreign keys point at rows never deleted, and reads nothing that
	// another writer changes.
	Concurrent bool
}

// batchWrites collects, per BatchWrite, the values to run it with.
type batchWrites struct {
	writes []*BatchWrite
	values [][]any
}

func (b *batchWrites) add1(w *BatchWrite, v any) {
	i := slices.Index(b.writes, w)
	if i < 0 {
		b.writes, b.values = append(b.writes, w), append(b.values, nil)
		i = len(b.writes) - 1
	}
	b.values[i] = append(b.values[i], v)
}

func (b *batchWrites) add(o batchWrites) {
	for i, w := range o.writes {
		for _, v := range o.values[i] {
			b.add1(w, v)
		}
	}
}

// leaveSessions tells whether every write left leaves sessions.
func (b *batchWrites) leaveSessions() bool {
	return !slices.ContainsFunc(b.writes, func(w *BatchWrite) bool { return !w.LeavesSessions })
}

// run runs the batch's writes in the order they were first left. In a lane
// (lanes set) those marked Concurrent run first, beside the other lanes'
// batches, then the lane takes its turn (LockLane) for the others.
//
// A panic there (a BatchWrite.Run's) becomes the batch's failure, a
// *TxPanic: it belongs to no one request, so each gets it as an error and
// the batch rolls back, and the committer, which runs on its own goroutine,
// goes on with the next batch instead of taking the process down.
func (b *batchWrites) run(ctx context.Context, d Driver, lanes LaneDriver, tx bun.Tx) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &TxPanic{Value: v, Stack: debug.Stack()}
		}
	}()
	ctx = atBatchEnd(ctx, d) // its writes may be sent together (mayDefer)
	if lanes == nil {
		return b.runWhere(ctx, d, tx, func(*BatchWrite) bool { return true })
	}
	if err := b.runWhere(ctx, d, tx, func(w *BatchWrite) bool { return w.Concurrent }); err != nil {
		return err
	}
	if err := lanes.LockLane(ctx, tx); err != nil {
		return err
	}
	return b.runWhere(ctx, d, tx, func(w *BatchWrite) bool { return !w.Concurrent })
}

// runWhere runs, in order, the batch's writes that pick chooses.
func (b *batchWrites) runWhere(ctx context.Context, d Driver, tx bun.Tx, pick func(*BatchWrite) bool) error {
	for i, w := range b.writes {
		if !pick(w) {
			continue
		}
		if err := execBatchWrite(ctx, d, tx, w, b.values[i]); err != nil {
			return err
		}
	}
	return nil
}

func execBatchWrite(ctx context.Context, d Driver, tx bun.Tx, w *BatchWrite, values []any) error {
	if w.Run != nil {
		return w.Run(ctx, tx, values)
	}
	arg, err := json.Marshal(values)
	if err != nil {
		return err
	}
	// Its result is not read: at a batch's end it may wait (mayDefer).
	_, err = tx.Tx.ExecContext(mayDefer(ctx), d.Placeholders(w.Query), string(arg))
	return err
}

// RunBatchWrite runs w now in tx with values, as the end of a batch would:
// for a batch's end that must order its writes (a row before what reads it).
func (db *DB) RunBatchWrite(ctx context.Context, tx bun.Tx, w *BatchWrite, values []any) error {
	if len(values) == 0 {
		return nil
	}
	return execBatchWrite(ctx, db.driver, tx, w, values)
}

// AtBatchEnd leaves w, with value v, for the end of the batch of the
// request whose fn ctx is; outside a batch (a driver that does not group
// writes, or tx not InTx's) it runs now.
func (db *DB) AtBatchEnd(ctx context.Context, tx bun.Tx, w *BatchWrite, v any) error {
	if r, ok := ctx.Value(inTxKey{}).(*txRequest); ok {
		r.later.add1(w, v)
		return nil
	}
	return execBatchWrite(ctx, db.driver, tx, w, []any{v})
}
