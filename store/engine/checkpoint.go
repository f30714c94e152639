package engine

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/uptrace/bun"
)

// Checkpoints off the write path. SQLite appends every COMMIT to its
// write-ahead log and copies the log into the database file later (a
// checkpoint). Left to SQLite, the writer does that copy itself inside the
// COMMIT that takes the log past a size, and every request of that batch
// waited for it: 7 % of the writer's time in a profile of creates, and the
// slowest creates were those. The writer now never checkpoints; a
// goroutine does, on a connection of its own, while the writer goes on.
// Durability does not change: a COMMIT is on disk once it is in the log,
// which it still fsyncs (synchronous=FULL); a checkpoint only moves it.

// Checkpointer is a Driver whose commits go to a log that must be copied
// into the database file from time to time, which another connection than
// the writer can do while the writer writes.
type Checkpointer interface {
	// OpenCheckpointer opens the connection Checkpoint runs on.
	OpenCheckpointer(ctx context.Context) (Checkpoint, error)
	// RestartLog runs on the writer between two transactions, once the
	// checkpointer has copied nearly all the log: it copies the last
	// frames, so that the writer's next transaction, which begins with the
	// whole log copied, writes the log again from its beginning. (SQLite
	// starts the log again only in a write transaction that began once
	// every frame was copied; the writer of group commit begins its next
	// batch as soon as one commits, so a checkpoint on another connection
	// never ends in between.)
	RestartLog(ctx context.Context, write *bun.DB) error
}

// Checkpoint copies the log into the database file.
type Checkpoint interface {
	// Checkpoint copies what it can without waiting for anyone (wait
	// false), or waits for the writer and the readers to let it copy the
	// whole log and start it again from the beginning (wait true). It
	// returns the frames in the log and how many of them are now copied.
	Checkpoint(ctx context.Context, wait bool) (logFrames, copied int, err error)
	Close() error
}

// CheckpointOptions tunes the background checkpointer; the zero value takes
// the defaults.
type CheckpointOptions struct {
	// Every is the least time between two rounds of checkpoints (default
	// 200 ms): each round fsyncs the database file, and a page written by
	// many commits in between is copied once.
	Every time.Duration
	// RestartFrames is the log's size, in frames (pages), from which the
	// writer starts it again once the checkpointer has copied it (default
	// 8,192: 32 MiB of 4 KiB pages). Restarting costs the writer one copy
	// of a batch's pages and an fsync of the database file, so it is not
	// done after every batch; a log four times as long (commits faster than
	// the copies, a reader that holds an old snapshot) makes the
	// checkpointer wait for a pause and start the log again itself.
	RestartFrames int
}

// passes bounds the checkpoints one round runs back to back: each copies
// what the writer committed during the one before, fewer pages each time,
// until one ends before the next commit and the writer can restart the log.
const passes = 4

// checkpointer runs checkpoints in the background, after commits.
type checkpointer struct {
	cp   Checkpoint
	opts CheckpointOptions
	// restart asks the writer to RestartLog after its next COMMIT.
	restart atomic.Bool
	// kick has room for one signal: a commit never waits for it.
	kick chan struct{}
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

func startCheckpointer(cp Checkpoint, opts CheckpointOptions) *checkpointer {
	if opts.Every <= 0 {
		opts.Every = 200 * time.Millisecond
	}
	if opts.RestartFrames <= 0 {
		opts.RestartFrames = 8192
	}
	c := &checkpointer{cp: cp, opts: opts, kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c
}

// committed tells the checkpointer that the log has grown; it answers
// whether the writer should RestartLog now.
func (c *checkpointer) committed() (restart bool) {
	select {
	case c.kick <- struct{}{}:
	default:
	}
	return c.restart.Load() && c.restart.CompareAndSwap(true, false)
}

func (c *checkpointer) run() {
	defer close(c.done)
	ctx := context.Background()
	for {
		select {
		case <-c.stop:
			return
		case <-c.kick:
		}
		c.round(ctx)
		// Commits that land meanwhile wait for the next round: one copy of
		// a page for all of them.
		select {
		case <-c.stop:
			return
		case <-time.After(c.opts.Every):
		}
	}
}

// round copies the log; a failed checkpoint is tried again at the next
// commit (the log only grows meanwhile, and a COMMIT is durable without it).
// Under a steady flow of writes a pass never ends with the whole log
// copied: the writer has committed again meanwhile. So once the log is long
// enough to start again and what is left to copy is a few batches' frames,
// the writer copies those itself, between two batches (RestartLog).
func (c *checkpointer) round(ctx context.Context) {
	for range passes {
		logFrames, copied, err := c.cp.Checkpoint(ctx, false)
		switch {
		case err != nil || logFrames < c.opts.RestartFrames:
			return
		case logFrames >= 4*c.opts.RestartFrames:
			// The writer has not started the log again (a reader held an
			// old snapshot): wait for a pause, which holds the writer up
			// for one copy.
			_, _, _ = c.cp.Checkpoint(ctx, true)
			return
		case logFrames-copied <= c.opts.RestartFrames/8:
			c.restart.Store(true)
			return
		}
	}
}

// close stops the checkpointer and closes its connection (SQLite
// checkpoints what is left when the last connection closes).
func (c *checkpointer) close() error {
	c.once.Do(func() { close(c.stop) })
	<-c.done
	return c.cp.Close()
}
