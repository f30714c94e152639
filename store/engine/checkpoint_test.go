package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"
)

// The writer never checkpoints (a COMMIT never waits for a copy of the
// log): the background checkpointer alone keeps the log bounded, even while
// writes never stop and readers keep reading.
func TestCheckpointerKeepsTheLogBoundedUnderWrites(t *testing.T) {
	const restartFrames = 500
	dir := t.TempDir()
	db := openTestDB(t, sqliteIn(dir), Options{Checkpoint: CheckpointOptions{Every: 5 * time.Millisecond, RestartFrames: restartFrames}})
	defer db.Close()
	ctx := context.Background()

	var auto int
	if err := db.Writer().QueryRowContext(ctx, "PRAGMA wal_autocheckpoint").Scan(&auto); err != nil {
		t.Fatal(err)
	}
	if auto != 0 {
		t.Fatalf("writer's wal_autocheckpoint = %d, want 0: the writer would copy the log inside its COMMITs", auto)
	}

	wal := filepath.Join(dir, "test.db-wal")
	var peak atomic.Int64
	stop := make(chan struct{})
	var watchers sync.WaitGroup
	// until runs step over and over on a goroutine of its own until the
	// writes are done.
	until := func(step func() bool) {
		watchers.Add(1)
		go func() {
			defer watchers.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if !step() {
					return
				}
			}
		}()
	}
	until(func() bool { // the log's size, as often as it can
		if fi, err := os.Stat(wal); err == nil && fi.Size() > peak.Load() {
			peak.Store(fi.Size())
		}
		time.Sleep(200 * time.Microsecond)
		return true
	})
	until(func() bool { // readers, whose snapshots a checkpoint must not overtake
		var n int
		if err := db.Reader().QueryRowContext(ctx, "SELECT count(*) FROM settings").Scan(&n); err != nil {
			t.Error(err)
			return false
		}
		return true
	})

	// 4,000 rows of 4 KiB: 16 MiB and more through the log, four times
	// the bound, with no pause between batches.
	payload := strings.Repeat("x", 4096)
	var writers sync.WaitGroup
	for w := range 8 {
		writers.Add(1)
		go func() {
			defer writers.Done()
			for i := range 500 {
				err := db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
					_, err := tx.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES (?, ?)", keyOf(w, i), payload)
					return err
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	writers.Wait()
	close(stop)
	watchers.Wait()

	// Twice the size from which the log starts again, plus what two batches
	// commit (at most 64 rows of two pages and more each): below the four
	// times past which the checkpointer would hold the writer up to start
	// the log itself, so the writer must have started it again, between
	// two batches, every time.
	const frame = 4096 + 24
	limit := int64(2*restartFrames+2*64*3) * frame
	t.Logf("the log's peak: %d bytes (%d frames)", peak.Load(), peak.Load()/frame)
	if p := peak.Load(); p > limit {
		t.Errorf("the log reached %d bytes, past %d", p, limit)
	}
	var n int
	if err := db.Reader().QueryRowContext(ctx, "SELECT count(*) FROM settings").Scan(&n); err != nil || n != 4000 {
		t.Fatalf("%d rows (%v), want 4000", n, err)
	}
}

func keyOf(w, i int) string { return string(rune('a'+w)) + "-" + time.Duration(i).String() }

// answeredFirst is SQLite whose RestartLog first waits, for a while, for
// the caller of the write just committed to have its answer.
type answeredFirst struct {
	SQLite
	answered atomic.Pointer[chan struct{}]
	restarts atomic.Int32
	held     atomic.Int32
}

func (d *answeredFirst) RestartLog(ctx context.Context, write *bun.DB) error {
	d.restarts.Add(1)
	select {
	case <-*d.answered.Load():
	case <-time.After(time.Second):
		d.held.Add(1)
	}
	return d.SQLite.RestartLog(ctx, write)
}

// Starting the log again (a copy and an fsync on the writer) runs once the
// batch that asked for it has answered its callers: they wait for their
// COMMIT, not for the copy after it.
func TestLogRestartsAfterTheBatchIsAnswered(t *testing.T) {
	d := &answeredFirst{SQLite: sqliteIn(t.TempDir())}
	none := make(chan struct{})
	d.answered.Store(&none)
	db := openTestDB(t, d, Options{Checkpoint: CheckpointOptions{Every: time.Millisecond, RestartFrames: 8}})
	defer db.Close()
	ctx := context.Background()
	payload := strings.Repeat("x", 4096)
	for i := 0; i < 500 && d.restarts.Load() < 3; i++ {
		answered := make(chan struct{})
		d.answered.Store(&answered)
		err := db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES (?, ?)", keyOf(0, i), payload)
			return err
		})
		close(answered)
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond) // the checkpointer's turn
	}
	if d.restarts.Load() == 0 {
		t.Fatal("the writer never started the log again")
	}
	if n := d.held.Load(); n != 0 {
		t.Fatalf("%d of %d restarts of the log ran before their batch's caller had its answer", n, d.restarts.Load())
	}
}
