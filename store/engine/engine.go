// Package engine is the database engine under the store. It opens the
// database (a single writer and a pool of readers), runs write transactions
// (grouped several to one COMMIT where the engine gains by it), keeps the hot
// statements prepared on the connections that run them, refreshes the
// planner's statistics, loads rows in bulk, and writes and reads times in the
// one text form the store keeps them in.
//
// It knows nothing of case files, accounts or any table of Cloison's: the
// store declares its statements and tables and the engine only runs them. It
// must never import the store, nor anything above it.
//
// What differs from one database engine to another is the Driver interface
// (how to open, how a write transaction begins, whether writes are grouped,
// the placeholders of prepared statements, statistics, bulk loading).
// SQLite is the engine the store runs on; Postgres, on bun's pgdialect, is
// the second. Everything else here is written once, on
// database/sql and bun.
package engine

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/uptrace/bun"
)

// Driver is what one database engine does its own way.
type Driver interface {
	// Open connects the writer (SQLite: one connection, so that one
	// writer never waits on another inside the process; PostgreSQL: a
	// pool) and a pool of readConns connections that refuse to write.
	Open(ctx context.Context, readConns int) (write, read *bun.DB, err error)
	// BeginWrite starts a write transaction on the writer in which what it
	// reads stays true until COMMIT (SQLite: BEGIN IMMEDIATE takes the
	// write lock at once; PostgreSQL: READ COMMITTED under one advisory lock
	// that every writer takes first).
	BeginWrite(ctx context.Context, write *bun.DB) (bun.Tx, error)
	// GroupsWrites tells whether the write transactions waiting together
	// should share one transaction and its COMMIT (see groupcommit.go): a
	// gain where each COMMIT waits for the disk and writers queue anyway,
	// as with SQLite, and with PostgreSQL under its write lock. An engine
	// whose writers run side by side would commit each on its own.
	GroupsWrites() bool
	// NextSavepoint is, for an engine that runs two statements sent
	// together in one round trip (PostgreSQL's simple protocol), the
	// statement that releases the savepoint of a grouped request that
	// succeeded and takes the next request's: the committer then sends one
	// where it sent two. "" sends them apart (SQLite, in process, where a
	// statement costs no round trip).
	NextSavepoint() string
	// Retry tells whether err, from a write transaction, undid it for a
	// reason that running it again may not meet (PostgreSQL: a
	// serialization failure): a transaction run alone (InTx where writes are
	// not grouped, a bulk load's) then runs again, fn included.
	Retry(err error) bool
	// Placeholders writes a statement's ? placeholders the engine's way,
	// for the statements prepared on database/sql directly (PostgreSQL
	// numbers them: $1, $2…); bun does it itself for its own queries.
	Placeholders(query string) string
	// Analyze refreshes the planner's statistics after a bulk change.
	Analyze(ctx context.Context, write *bun.DB) error
	// Migrated runs once the schema may have changed, before the
	// statements are prepared again.
	Migrated(ctx context.Context, write *bun.DB) error
	// BeginBulk readies the writer for loading many rows into the given
	// tables of an empty database (see Bulk). rebuild builds what it put
	// aside to load faster; restore gives the writer its settings back.
	BeginBulk(ctx context.Context, write *bun.DB, tables []string) (rebuild func(context.Context) error, restore func(), err error)
}

// LaneDriver is a Driver whose write transactions may run side by side
// when they only add rows (PostgreSQL). InTxAtEnd's requests (a create)
// then go to lanes, committers on connections of their own (one by
// default in an instance, more with Postgres.LaneCount, and those of the
// other instances), each running its batches as the committer does but not
// under the write lock:
// a lane begins under a shared hold on it (BeginLane), which every other
// writer's exclusive hold waits for and excludes, so a lane never meets
// anything but other lanes; it writes its batch's Concurrent writes beside
// them (the inserts, the bulk of a create), then takes its turn among the
// lanes (LockLane) for the rest (the counters, the audit chain's end) and
// COMMIT. On two cores that share the database, one committer at a time
// left them a third idle while a batch's statements went one round trip
// after the other; since they go together (pipeline.go), one lane keeps up
// with two, for less CPU (Postgres.Lanes).
type LaneDriver interface {
	// Lanes is how many lanes run.
	Lanes() int
	// BeginLane starts a lane's transaction on the writer.
	BeginLane(ctx context.Context, write *bun.DB) (bun.Tx, error)
	// LockLane waits for the lane's turn among the lanes, held until
	// COMMIT.
	LockLane(ctx context.Context, tx bun.Tx) error
}

// Options configures Open.
type Options struct {
	// ReadConns sizes the read pool (0: the driver picks a size from the
	// number of CPUs).
	ReadConns int
	// Statements are the hot statements to prepare (nil: none).
	Statements *Statements
	// Checkpoint tunes the background checkpointer of a driver that has
	// one (see Checkpointer).
	Checkpoint CheckpointOptions
}

// DB is one open database: its writer, its read pool, the committer that
// groups write transactions and the prepared hot statements.
type DB struct {
	driver      Driver
	read, write *bun.DB
	// gc runs InTx's transactions, several to a COMMIT; nil when the
	// driver commits each alone.
	gc *committer
	// lanes runs InTxAtEnd's on a LaneDriver; nil elsewhere.
	lanes *committer
	// ckpt copies the log into the database after commits; nil when the
	// driver has no log to copy.
	ckpt       *checkpointer
	statements *Statements
	prepared   atomic.Pointer[preparedSet]
	// bindArgs is set on PostgreSQL: the statements that are not
	// registered are sent with their arguments apart (see unprepared).
	bindArgs bool
	// commits counts the writer's COMMITs (see Commits).
	commits atomic.Uint64
	// bulkParsed counts InsertRows's statements sent as text, to be parsed
	// at their call rather than run prepared (see Statements.Bulk).
	bulkParsed atomic.Int64
}

// Open connects to the database d describes and prepares opts.Statements
// (those that fail, as on a database not migrated yet, run unprepared until
// Migrated prepares them again and reports them).
func Open(ctx context.Context, d Driver, opts Options) (*DB, error) {
	write, read, err := d.Open(ctx, opts.ReadConns)
	if err != nil {
		return nil, err
	}
	db := &DB{driver: d, read: read, write: write, statements: opts.Statements}
	_, db.bindArgs = d.(Postgres)
	if db.statements == nil {
		db.statements = &Statements{}
	}
	_ = db.prepare(ctx)
	if c, ok := d.(Checkpointer); ok {
		cp, err := c.OpenCheckpointer(ctx)
		if err != nil {
			db.prepared.Load().close()
			return nil, errors.Join(err, read.Close(), write.Close())
		}
		db.ckpt = startCheckpointer(cp, opts.Checkpoint)
	}
	if d.GroupsWrites() {
		if db.gc, err = startCommitter(ctx, d, write, db.committed); err != nil {
			db.prepared.Load().close()
			var cerr error
			if db.ckpt != nil {
				cerr = db.ckpt.close()
			}
			return nil, errors.Join(err, cerr, read.Close(), write.Close())
		}
		if ld, ok := d.(LaneDriver); ok && ld.Lanes() > 0 {
			db.lanes = startLanes(d, ld, write, db.committed)
		}
	}
	return db, nil
}

// Commits counts the COMMITs of this process's writer since it opened
// that may have changed what a session check or a create's unit read
// reads: all of them but those
// of batches that left sessions (see BatchWrite.LeavesSessions). It moves
// after a COMMIT has returned and before anyone learns of it, so something
// read after Commits gave n holds every write that Commits counted in n:
// while it still gives n, no such write has been made since (by this
// process; another one writing to the same database is not counted). The
// reads kept on SQLite check it, and serve nothing older than the last
// write that could change them.
func (db *DB) Commits() uint64 { return db.commits.Load() }

// committed is called on the writer after every COMMIT of its own, before
// anyone learns of that COMMIT (Commits counts it by then, unless it left
// sessions): the log has grown. What it returns, when not nil, is for the
// writer to run once the COMMIT's callers have their answer and before its
// next transaction: starting the log again (RestartLog copies pages and
// fsyncs the database file, up to 13 ms measured under creates), which
// would otherwise hold up the answers of a whole batch.
func (db *DB) committed(leftSessions bool) (then func()) {
	if !leftSessions {
		db.commits.Add(1)
	}
	if db.ckpt != nil && db.ckpt.committed() {
		return db.restartLog
	}
	return nil
}

// restartLog is what committed leaves for after the answers. A failure
// leaves the log as it is: the checkpointer's next round tries again.
func (db *DB) restartLog() {
	_ = db.driver.(Checkpointer).RestartLog(context.Background(), db.write)
}

// afterCommit runs on the writer, at once, what committed leaves when the
// caller of the COMMIT is the one waiting (a transaction of its own).
func (db *DB) afterCommit() {
	if then := db.committed(false); then != nil {
		then()
	}
}

// Close stops the committer (writes still queued fail with ErrClosed, the
// batch under way commits) and closes the statements and both pools.
func (db *DB) Close() error {
	if db.lanes != nil {
		db.lanes.close()
	}
	if db.gc != nil {
		db.gc.close()
	}
	var cerr error
	if db.ckpt != nil {
		cerr = db.ckpt.close()
	}
	db.prepared.Load().close()
	rerr := db.read.Close()
	werr := db.write.Close()
	return errors.Join(werr, rerr, cerr)
}

// Reader is the read pool. It refuses writes.
func (db *DB) Reader() *bun.DB { return db.read }

// Writer is the single write connection, for what runs outside InTx:
// migrations and the like. Writes of the application go through InTx.
func (db *DB) Writer() *bun.DB { return db.write }

// Analyze refreshes the planner's statistics after a bulk change.
func (db *DB) Analyze(ctx context.Context) error { return db.driver.Analyze(ctx, db.write) }

// Migrated is called once migrations have run: the driver tidies what they
// may have left, and every statement is prepared again on the new schema.
// A statement that does not prepare then is an error: it names a table or a
// column the schema does not have.
func (db *DB) Migrated(ctx context.Context) error {
	if err := db.driver.Migrated(ctx, db.write); err != nil {
		return fmt.Errorf("engine: after migrations: %w", err)
	}
	db.afterCommit() // migrations write on the writer, outside InTx
	return db.prepare(ctx)
}
