package engine

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"
)

// Every connection the engine opens goes without its mutex (mutex.go): the
// writer's, each reader's and the checkpointer's are handed the quiet one.
func TestConnectionsOpenWithoutTheirMutex(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("connections keep their mutex outside Linux (mutex_other.go)")
	}
	newTestDB(t) // starts SQLite in this process, if no test did before
	if !quietConnections() {
		t.Fatal("SQLite started without the engine's mutexes")
	}
	before := quietHanded()
	db := newTestDB(t, Options{ReadConns: 3})
	ctx := context.Background()
	// Three reads held open at once: three reader connections.
	var conns []func() error
	for range 3 {
		c, err := db.Reader().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c.Close)
		if err := c.PingContext(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range conns {
		c()
	}
	// The writer, the three readers and the checkpointer.
	if got := quietHanded() - before; got < 5 {
		t.Fatalf("%d connections opened with the quiet mutex, want at least 5", got)
	}
}

// Without their own mutexes, connections still share SQLite's: a writer,
// the checkpointer and four readers at once on one file, each reader
// always seeing whole transactions (every pair of rows sums to zero, so
// the table's sum stays zero and its count even), and the file intact at
// the end. The page memory's child process runs it too, on the shared slab
// whose mutexes it needs: with every mutex left out it crashed there.
// (The unix VFS's "fast" mutexes guard windows too narrow for a test to
// hit reliably; that they stay real is read in mutexAlloc.)
func TestConnectionsShareTheFileSafelyWithoutTheirMutex(t *testing.T) {
	connectionsShareTheFile(t)
}

func connectionsShareTheFile(t *testing.T) {
	db := newTestDB(t, Options{ReadConns: 4})
	ctx := context.Background()
	if _, err := db.Writer().ExecContext(ctx, "CREATE TABLE pairs (id INTEGER PRIMARY KEY, v INTEGER NOT NULL, pad TEXT NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	const writes = 400
	done := make(chan struct{})
	errs := make(chan error, 8)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the writer: pairs of rows, one transaction each
		defer wg.Done()
		defer close(done)
		for i := range writes {
			tx, err := db.Writer().BeginTx(ctx, nil)
			if err != nil {
				errs <- err
				return
			}
			pad := fmt.Sprintf("%0500d", i) // rows over many pages
			if _, err := tx.ExecContext(ctx, "INSERT INTO pairs (v, pad) VALUES (?, ?), (?, ?)", i+1, pad, -(i + 1), pad); err != nil {
				tx.Rollback()
				errs <- err
				return
			}
			if err := tx.Commit(); err != nil {
				errs <- err
				return
			}
			if i%50 == 49 {
				if _, _, err := db.ckpt.cp.Checkpoint(ctx, false); err != nil {
					errs <- err
					return
				}
			}
		}
	}()
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				var n, sum int64
				if err := db.Reader().QueryRowContext(ctx, "SELECT count(*), coalesce(sum(v), 0) FROM pairs").Scan(&n, &sum); err != nil {
					errs <- err
					return
				}
				if n%2 != 0 || sum != 0 {
					errs <- fmt.Errorf("a reader saw %d rows summing to %d: half a transaction", n, sum)
					return
				}
				select {
				case <-done:
					return
				default:
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var n int64
	if err := db.Reader().QueryRowContext(ctx, "SELECT count(*) FROM pairs").Scan(&n); err != nil || n != 2*writes {
		t.Fatalf("%d rows (%v), want %d", n, err, 2*writes)
	}
	var check string
	if err := db.Reader().QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check: %q, %v", check, err)
	}
}

// A read whose context ends is interrupted from another goroutine (the one
// call the driver makes on a connection it is not running on, which takes
// no mutex): the read fails, and the pool's connections serve the next.
func TestInterruptedReadsLeaveTheirConnectionsUsable(t *testing.T) {
	db := newTestDB(t, Options{ReadConns: 2})
	endless := "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n"
	for range 4 {
		var wg sync.WaitGroup
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
				defer cancel()
				var n int64
				err := db.Reader().QueryRowContext(ctx, endless).Scan(&n)
				if err == nil {
					t.Errorf("an endless read ended with %d", n)
				} else if !errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
					t.Errorf("interrupted before its deadline: %v", err)
				}
			}()
		}
		wg.Wait()
		var one int
		if err := db.Reader().QueryRowContext(context.Background(), "SELECT 1").Scan(&one); err != nil || one != 1 {
			t.Fatalf("after the interrupt: %d, %v", one, err)
		}
	}
}
