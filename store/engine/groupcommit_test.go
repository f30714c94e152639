package engine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
)

// holdCommitter starts an InTx whose fn blocks until release is called, and
// returns once the committer is inside it: requests made meanwhile queue up
// and are then carried by one transaction. done receives that InTx's error.
func holdCommitter(t *testing.T, st *DB) (release func(), done <-chan error) {
	t.Helper()
	entered, gate, out := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		out <- st.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
			close(entered)
			<-gate
			_, err := tx.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES ('gate', 'held')")
			return err
		})
	}()
	<-entered
	var once sync.Once
	release = func() { once.Do(func() { close(gate) }) }
	t.Cleanup(release)
	return release, out
}

// waitQueued waits until n requests wait for the committer.
func waitQueued(t *testing.T, st *DB, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st.gc.mu.Lock()
		got := len(st.gc.queue)
		st.gc.mu.Unlock()
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d requests queued, want %d", got, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// queueBatch makes n requests travel in one batch: it holds the committer,
// runs call(0) … call(n-1) on n goroutines, each of which must make exactly
// one InTx call, waits until all n are queued, releases the committer and
// returns once every call has returned. The n requests then ran after the
// held one in its transaction, and heldErr is what that transaction gave
// the held request: nil if the batch committed. Tests of how requests of one
// batch share its transaction start here, so that they all set the batch up
// the same way.
func queueBatch(t *testing.T, st *DB, n int, call func(i int)) (heldErr error) {
	t.Helper()
	release, held := holdCommitter(t, st)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			call(i)
		}()
	}
	waitQueued(t, st, n)
	release()
	heldErr = <-held
	wg.Wait()
	return heldErr
}

// queueBeside is queueBatch where InTxAtEnd's requests queue behind the
// committer; on a driver with lanes, where they run beside it (see the
// PostgreSQL lanes' tests), it runs the calls at once and waits for them.
func queueBeside(t *testing.T, st *DB, n int, call func(i int)) (heldErr error) {
	t.Helper()
	if st.lanes == nil {
		return queueBatch(t, st, n, call)
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { call(i) })
	}
	wg.Wait()
	return nil
}

// oneBatch is queueBatch for the common case: request i is
// st.InTx(ctxOf(i), …) running fn with i, and errs[i] is what it returned.
// A nil ctxOf means context.Background() for every request. fn runs on the
// committer's goroutine, so it must return its failures, not call t.Fatal.
func oneBatch(t *testing.T, st *DB, n int, ctxOf func(i int) context.Context, fn func(ctx context.Context, tx bun.Tx, i int) error) (errs []error, heldErr error) {
	t.Helper()
	if ctxOf == nil {
		ctxOf = func(int) context.Context { return context.Background() }
	}
	errs = make([]error, n)
	heldErr = queueBatch(t, st, n, func(i int) {
		errs[i] = st.InTx(ctxOf(i), func(ctx context.Context, tx bun.Tx) error { return fn(ctx, tx, i) })
	})
	return errs, heldErr
}

func settingExists(t *testing.T, st *DB, key string) bool {
	t.Helper()
	ok, err := st.read.NewSelect().Table("settings").Where("key = ?", key).Exists(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

func countSettings(t *testing.T, db bun.IDB) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(context.Background(), "SELECT count(*) FROM settings").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// insertAudited writes a setting and its entry in a chain, as a real write
// writes its audit entry: the entry reads the last one inside the
// transaction and links to it.
func insertAudited(ctx context.Context, st *DB, tx bun.Tx, key string) error {
	if _, err := tx.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES (?, 'v')", key); err != nil {
		return err
	}
	var last int64
	if err := tx.QueryRowContext(ctx, "SELECT id FROM chain ORDER BY id DESC LIMIT 1").Scan(&last); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	_, err := tx.ExecContext(ctx, "INSERT INTO chain (id, prev, key) VALUES (?, ?, ?)", last+1, last, key)
	return err
}

// verifyAudit checks that the chain holds entries entries, each linked to
// the one before it, with no gap.
func verifyAudit(t *testing.T, st *DB, entries int64) {
	t.Helper()
	rows, err := st.read.QueryContext(context.Background(), "SELECT id, prev FROM chain ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var n int64
	for rows.Next() {
		var id, prev int64
		if err := rows.Scan(&id, &prev); err != nil {
			t.Fatal(err)
		}
		n++
		if id != n || prev != n-1 {
			t.Fatalf("chain entry %d (after %d) where entry %d was due", id, prev, n)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != entries {
		t.Fatalf("chain of %d entries, want %d", n, entries)
	}
}

// Many writers at once: every write lands, and the audit chain, whose each
// entry reads the one before inside the transaction, stays unbroken.
func TestInTxConcurrentCallsAllLand(t *testing.T) {
	onEachEngine(t, testInTxConcurrentCallsAllLand)
}

func testInTxConcurrentCallsAllLand(t *testing.T, fresh func(testing.TB) Driver) {
	st := newTestDBOn(t, fresh(t))
	const n = 300
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- st.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
				return insertAudited(ctx, st, tx, fmt.Sprintf("k%d", i))
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := countSettings(t, st.read); got != n {
		t.Fatalf("%d rows, want %d", got, n)
	}
	verifyAudit(t, st, n)
}

// Requests that queued together share one transaction: each sees what the
// ones before it wrote, readers see none of it until COMMIT, and everything
// is visible once InTx has returned.
func TestInTxQueuedCallsShareOneTransaction(t *testing.T) {
	onEachDB(t, func(t *testing.T, st *DB) {
		const n = 20
		inTx, outside := make([]int, n), make([]int, n)
		errs, heldErr := oneBatch(t, st, n, nil, func(ctx context.Context, tx bun.Tx, i int) error {
			if _, err := tx.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES (?, 'v')", fmt.Sprintf("k%d", i)); err != nil {
				return err
			}
			// No t.Fatal here: fn runs on the committer's goroutine.
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM settings").Scan(&inTx[i]); err != nil {
				return err
			}
			return st.read.QueryRowContext(ctx, "SELECT count(*) FROM settings").Scan(&outside[i])
		})
		if heldErr != nil {
			t.Fatal(heldErr)
		}
		seen := map[int]bool{}
		for i := range n {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			// The n requests queued while the held one ran join its
			// transaction, after it, so inside it they count 2..n+1 rows.
			if inTx[i] < 2 || inTx[i] > n+1 || seen[inTx[i]] {
				t.Fatalf("request %d saw %d rows in its transaction (others saw %v)", i, inTx[i], inTx)
			}
			seen[inTx[i]] = true
			if outside[i] != 0 {
				t.Fatalf("a reader saw %d rows before COMMIT", outside[i])
			}
		}
		if got := countSettings(t, st.read); got != n+1 {
			t.Fatalf("%d rows after InTx returned, want %d", got, n+1)
		}
	})
}

// A failing request in a batch leaves no trace — neither its row nor its
// audit entry — and does not disturb the requests around it.
func TestInTxFailingRequestLeavesNoTraceWhileOthersCommit(t *testing.T) {
	onEachDB(t, func(t *testing.T, st *DB) {
		const n = 30
		boom := errors.New("boom")
		errs, heldErr := oneBatch(t, st, n, nil, func(ctx context.Context, tx bun.Tx, i int) error {
			if err := insertAudited(ctx, st, tx, fmt.Sprintf("k%d", i)); err != nil {
				return err
			}
			switch i % 5 {
			case 1:
				return boom // after writing
			case 2:
				// A failing statement (duplicate key) after a write.
				_, err := tx.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES (?, 'again')", fmt.Sprintf("k%d", i))
				return err
			}
			return nil
		})
		if heldErr != nil {
			t.Fatal(heldErr)
		}
		kept := 0
		for i := range n {
			key := fmt.Sprintf("k%d", i)
			switch i % 5 {
			case 1, 2:
				if errs[i] == nil || (i%5 == 1 && !errors.Is(errs[i], boom)) {
					t.Fatalf("request %d: err = %v", i, errs[i])
				}
				if settingExists(t, st, key) {
					t.Fatalf("failed request %d left its row", i)
				}
			default:
				if errs[i] != nil {
					t.Fatalf("request %d: %v", i, errs[i])
				}
				if !settingExists(t, st, key) {
					t.Fatalf("request %d's row is missing", i)
				}
				kept++
			}
		}
		if got := countSettings(t, st.read); got != kept+1 {
			t.Fatalf("%d rows, want %d", got, kept+1)
		}
		verifyAudit(t, st, int64(kept))
	})
}

// A panic in fn reaches its own caller, undoes only its writes, and the
// committer goes on serving.
func TestInTxPanicReachesItsCallerOnly(t *testing.T) {
	onEachDB(t, func(t *testing.T, st *DB) {
		const n = 10
		errs := make([]error, n)
		panics := make([]any, n)
		heldErr := queueBatch(t, st, n, func(i int) {
			defer func() { panics[i] = recover() }()
			errs[i] = st.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
				if err := insertAudited(ctx, st, tx, fmt.Sprintf("k%d", i)); err != nil {
					return err
				}
				if i == 3 {
					panic("fn lost its footing")
				}
				return nil
			})
		})
		if heldErr != nil {
			t.Fatal(heldErr)
		}
		for i := range n {
			if i == 3 {
				p, ok := panics[i].(*TxPanic)
				if !ok || p.Value != "fn lost its footing" || len(p.Stack) == 0 {
					t.Fatalf("the panicking caller recovered %#v", panics[i])
				}
				if settingExists(t, st, "k3") {
					t.Fatal("the panicking request left its row")
				}
				continue
			}
			if errs[i] != nil || panics[i] != nil {
				t.Fatalf("request %d: err %v, panic %v", i, errs[i], panics[i])
			}
			if !settingExists(t, st, fmt.Sprintf("k%d", i)) {
				t.Fatalf("request %d's row is missing", i)
			}
		}
		err := st.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
			return insertAudited(ctx, st, tx, "after")
		})
		if err != nil || !settingExists(t, st, "after") {
			t.Fatalf("the committer no longer serves after a panic: %v", err)
		}
		verifyAudit(t, st, n)
	})
}

// A caller that gives up before its turn gets ctx.Err() at once, and its fn
// never runs.
func TestInTxCancelledBeforeItsTurnDoesNotRun(t *testing.T) {
	onEachDB(t, func(t *testing.T, st *DB) {
		release, held := holdCommitter(t, st)
		ctx, cancel := context.WithCancel(context.Background())
		var ran atomic.Bool
		errc := make(chan error, 1)
		go func() {
			errc <- st.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
				ran.Store(true)
				_, err := tx.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES ('cancelled', 'v')")
				return err
			})
		}()
		waitQueued(t, st, 1)
		cancel()
		// The answer comes while the committer is still held.
		if err := <-errc; !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		release()
		if err := <-held; err != nil {
			t.Fatal(err)
		}
		// A context already done never reaches the queue either.
		if err := st.InTx(ctx, func(ctx context.Context, tx bun.Tx) error { ran.Store(true); return nil }); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		// Any later write goes through the same queue, so once it has
		// committed the cancelled request can no longer run.
		if err := st.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error { return nil }); err != nil {
			t.Fatal(err)
		}
		if ran.Load() || settingExists(t, st, "cancelled") {
			t.Fatal("the cancelled request's fn ran")
		}
	})
}

// A caller cancelled while its fn runs does not interrupt the shared
// transaction: its write and the others' all commit, and it is told so.
func TestInTxCancelledWhileRunningStillCommitsWithTheOthers(t *testing.T) {
	onEachDB(t, func(t *testing.T, st *DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		const n = 5
		ctxOf := func(i int) context.Context {
			if i == 2 {
				return ctx
			}
			return context.Background()
		}
		errs, heldErr := oneBatch(t, st, n, ctxOf, func(ctx context.Context, tx bun.Tx, i int) error {
			if i == 2 {
				cancel()
			}
			return insertAudited(ctx, st, tx, fmt.Sprintf("k%d", i))
		})
		if heldErr != nil {
			t.Fatal(heldErr)
		}
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("request %d: %v", i, errs[i])
			}
			if !settingExists(t, st, fmt.Sprintf("k%d", i)) {
				t.Fatalf("request %d's row is missing", i)
			}
		}
		verifyAudit(t, st, n)
	})
}

// InTx inside another's fn is refused rather than waiting forever for the
// committer that runs its caller.
func TestInTxNestedIsRefused(t *testing.T) {
	onEachEngine(t, testInTxNestedIsRefused)
}

func testInTxNestedIsRefused(t *testing.T, fresh func(testing.TB) Driver) {
	st := newTestDBOn(t, fresh(t))
	var inner error
	err := st.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		inner = st.InTx(ctx, func(ctx context.Context, tx bun.Tx) error { return nil })
		return nil
	})
	if err != nil || !errors.Is(inner, errNestedTx) {
		t.Fatalf("outer %v, inner %v", err, inner)
	}
}

// Close lets the batch under way commit (durably: it is there after a
// reopen), fails the queued requests with ErrClosed without running them,
// refuses new ones and leaves no committer behind.
func TestCloseWithPendingWork(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st := openTestDB(t, sqliteIn(dir))
	release, held := holdCommitter(t, st)
	const n = 8
	var ran atomic.Int32
	errs := make(chan error, n)
	for i := range n {
		go func() {
			errs <- st.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
				ran.Add(1)
				_, err := tx.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES (?, 'v')", fmt.Sprintf("k%d", i))
				return err
			})
		}()
	}
	waitQueued(t, st, n)
	closed := make(chan error, 1)
	go func() { closed <- st.Close() }()
	// The queued requests are answered while the held batch still runs.
	for range n {
		if err := <-errs; !errors.Is(err, ErrClosed) {
			t.Fatalf("queued request: %v, want ErrClosed", err)
		}
	}
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) before the batch under way finished", err)
	default:
	}
	release()
	if err := <-held; err != nil {
		t.Fatalf("the batch under way: %v", err)
	}
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	select {
	case <-st.gc.stopped:
	default:
		t.Fatal("the committer still runs after Close")
	}
	// A second Close (a server's cleanup after its own) neither panics nor
	// waits.
	_ = st.Close()
	if err := st.InTx(ctx, func(ctx context.Context, tx bun.Tx) error { ran.Add(1); return nil }); !errors.Is(err, ErrClosed) {
		t.Fatalf("InTx after Close: %v, want ErrClosed", err)
	}
	if ran.Load() != 0 {
		t.Fatalf("%d refused requests ran", ran.Load())
	}

	st = openTestDB(t, sqliteIn(dir))
	defer st.Close()
	if !settingExists(t, st, "gate") || countSettings(t, st.read) != 1 {
		t.Fatal("after a reopen, the held request's row is not the only one")
	}
}

// settingsLater writes settings at the end of the batch, as the search
// entries of new case files are written.
var settingsLater = &BatchWrite{Query: `INSERT INTO settings (key, value) SELECT value, 'later' FROM json_each(?)`}

// settingsLaterOn is settingsLater in st's dialect: PostgreSQL reads the
// array of values with json_array_elements_text.
func settingsLaterOn(st *DB) *BatchWrite {
	if st.Writer().Dialect().Name() == dialect.PG {
		return settingsLaterPG
	}
	return settingsLater
}

var settingsLaterPG = &BatchWrite{Query: `INSERT INTO settings (key, value) SELECT value, 'later' FROM json_array_elements_text(?::json)`}

// A write left for the end of the batch lands with its request, and not at
// all when the request fails.
func TestAtBatchEndFollowsItsRequest(t *testing.T) {
	onEachDB(t, func(t *testing.T, st *DB) {
		const n = 12
		boom := errors.New("boom")
		errs, heldErr := oneBatch(t, st, n, nil, func(ctx context.Context, tx bun.Tx, i int) error {
			if err := st.AtBatchEnd(ctx, tx, settingsLaterOn(st), fmt.Sprintf("later%d", i)); err != nil {
				return err
			}
			if i%3 == 0 {
				return boom
			}
			return nil
		})
		if heldErr != nil {
			t.Fatal(heldErr)
		}
		for i := range n {
			failed := i%3 == 0
			if failed != errors.Is(errs[i], boom) || (!failed && errs[i] != nil) {
				t.Fatalf("request %d: %v", i, errs[i])
			}
			if settingExists(t, st, fmt.Sprintf("later%d", i)) == failed {
				t.Fatalf("request %d (failed %v): its later write is wrong", i, failed)
			}
		}
	})
}

// When the batch's end-of-batch write fails, the whole batch is rolled
// back and every caller is told: nothing of it is half-written.
func TestFailedBatchEndRollsBackTheBatch(t *testing.T) {
	onEachDB(t, func(t *testing.T, st *DB) {
		const n = 6
		errs, heldErr := oneBatch(t, st, n, nil, func(ctx context.Context, tx bun.Tx, i int) error {
			if err := insertAudited(ctx, st, tx, fmt.Sprintf("k%d", i)); err != nil {
				return err
			}
			// Two requests leave the same key: the batch's insert
			// breaks the primary key.
			return st.AtBatchEnd(ctx, tx, settingsLater, fmt.Sprintf("dup%d", i%(n-1)))
		})
		if heldErr == nil {
			t.Fatal("the held request committed with the broken batch")
		}
		for i := range n {
			if errs[i] == nil {
				t.Fatalf("request %d succeeded in a rolled-back batch", i)
			}
		}
		if got := countSettings(t, st.read); got != 0 {
			t.Fatalf("%d rows of a rolled-back batch", got)
		}
		verifyAudit(t, st, 0)
		// The writer is usable again.
		if err := st.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
			return insertAudited(ctx, st, tx, "after")
		}); err != nil {
			t.Fatal(err)
		}
		verifyAudit(t, st, 1)
	})
}

// A batch's end that panics fails its batch, rolled back, and only its
// batch: every request of it gets the panic as an error (none of them
// panicked), and the committer, on its own goroutine, carries on with the
// next writes instead of taking the process down. The same holds for
// InTxAtEnd's requests, which on PostgreSQL run in the lanes.
func TestPanickingBatchEndFailsOnlyItsBatch(t *testing.T) {
	onEachDB(t, func(t *testing.T, st *DB) {
		boom := &BatchWrite{Run: func(ctx context.Context, tx bun.Tx, values []any) error {
			if _, err := tx.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES ('end', 'written')"); err != nil {
				return err
			}
			panic("batch end broke")
		}}
		const n = 4
		errs, heldErr := oneBatch(t, st, n, nil, func(ctx context.Context, tx bun.Tx, i int) error {
			if err := insertAudited(ctx, st, tx, fmt.Sprintf("k%d", i)); err != nil {
				return err
			}
			return st.AtBatchEnd(ctx, tx, boom, i)
		})
		var p *TxPanic
		if !errors.As(heldErr, &p) {
			t.Fatalf("the held request got %v, want the batch end's panic", heldErr)
		}
		for i, err := range errs {
			if !errors.As(err, &p) || p.Value != "batch end broke" {
				t.Fatalf("request %d got %v, want the batch end's panic as an error", i, err)
			}
		}
		if got := countSettings(t, st.read); got != 0 {
			t.Fatalf("%d rows of a rolled-back batch", got)
		}
		verifyAudit(t, st, 0)

		atEnd := make([]error, n)
		queueBeside(t, st, n, func(i int) {
			atEnd[i] = st.InTxAtEnd(context.Background(), func(ctx context.Context, tx bun.Tx) error {
				return st.AtBatchEnd(ctx, tx, boom, i)
			})
		})
		for i, err := range atEnd {
			if !errors.As(err, &p) {
				t.Fatalf("InTxAtEnd request %d got %v, want the batch end's panic as an error", i, err)
			}
		}
		if got := countSettings(t, st.read); got != 0 {
			t.Fatalf("%d rows of a rolled-back batch", got)
		}

		// The writers are usable again, both of them on PostgreSQL.
		if err := st.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
			return insertAudited(ctx, st, tx, "after")
		}); err != nil {
			t.Fatal(err)
		}
		if err := st.InTxAtEnd(context.Background(), func(ctx context.Context, tx bun.Tx) error {
			return st.AtBatchEnd(ctx, tx, settingsLaterOn(st), "after-end")
		}); err != nil {
			t.Fatal(err)
		}
		verifyAudit(t, st, 1)
		if !settingExists(t, st, "after-end") {
			t.Fatal("the write after the panicking batch did not land")
		}
	})
}

// A batch's end given as Go code (BatchWrite.Run) is called once, in the
// batch's transaction, with the values of the requests that succeeded and
// none of those that failed, each request's in the order it left them.
func TestAtBatchEndRunsGoOnceWithTheSucceededValues(t *testing.T) {
	onEachDB(t, func(t *testing.T, st *DB) {
		const n = 9
		var calls int
		var got []any
		end := &BatchWrite{Run: func(ctx context.Context, tx bun.Tx, values []any) error {
			calls++
			got = values
			// What it writes commits with the batch.
			_, err := tx.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES ('end', ?)", fmt.Sprint(len(values)))
			return err
		}}
		boom := errors.New("boom")
		errs, heldErr := oneBatch(t, st, n, nil, func(ctx context.Context, tx bun.Tx, i int) error {
			for j := range 2 {
				if err := st.AtBatchEnd(ctx, tx, end, 10*i+j); err != nil {
					return err
				}
			}
			if i%3 == 0 {
				return boom
			}
			return nil
		})
		if heldErr != nil {
			t.Fatal(heldErr)
		}
		if calls != 1 {
			t.Fatalf("the batch's end ran %d times", calls)
		}
		want := map[int]bool{}
		for i := range n {
			if (i%3 == 0) != errors.Is(errs[i], boom) {
				t.Fatalf("request %d: %v", i, errs[i])
			}
			if i%3 != 0 {
				want[10*i] = true
			}
		}
		if len(got) != 2*len(want) {
			t.Fatalf("the batch's end got %v, want the pairs of %v", got, want)
		}
		for k := 0; k < len(got); k += 2 {
			a, b := got[k].(int), got[k+1].(int)
			if !want[a] || b != a+1 {
				t.Fatalf("the batch's end got %v: %d, %d is not a succeeded request's pair in order", got, a, b)
			}
			delete(want, a)
		}
		var v string
		if err := st.read.QueryRowContext(context.Background(), "SELECT value FROM settings WHERE key = 'end'").Scan(&v); err != nil || v != "12" {
			t.Fatalf("the batch's end's own write: %q, %v", v, err)
		}
	})
}

// A request of InTxAtEnd, in a batch beside requests of InTx (on SQLite),
// writes its batch-end values with the batch, none when it fails, and,
// since it has no savepoint, cannot touch the transaction: a statement on
// its tx panics in its caller alone, and the rest of the batch commits.
func TestInTxAtEndWritesOnlyAtTheBatchEnd(t *testing.T) {
	onEachDB(t, func(t *testing.T, st *DB) {
		const n = 9
		boom := errors.New("boom")
		errs := make([]error, n)
		panicked := make([]any, n)
		heldErr := queueBeside(t, st, n, func(i int) {
			defer func() { panicked[i] = recover() }()
			if i%3 == 2 {
				// An ordinary request between them, with its savepoint.
				errs[i] = st.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
					return insertAudited(ctx, st, tx, fmt.Sprintf("k%d", i))
				})
				return
			}
			errs[i] = st.InTxAtEnd(context.Background(), func(ctx context.Context, tx bun.Tx) error {
				if err := st.AtBatchEnd(ctx, tx, settingsLaterOn(st), fmt.Sprintf("later%d", i)); err != nil {
					return err
				}
				switch i {
				case 0:
					return boom
				case 4:
					_, err := tx.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES ('stray', 'x')")
					return err
				}
				return nil
			})
		})
		if heldErr != nil {
			t.Fatal(heldErr)
		}
		for i := range n {
			failed, statement := i == 0, i == 4
			switch {
			case statement && panicked[i] == nil:
				t.Fatalf("request %d ran a statement without a transaction: %v", i, errs[i])
			case !statement && panicked[i] != nil:
				t.Fatalf("request %d panicked: %v", i, panicked[i])
			case failed != errors.Is(errs[i], boom) || (!failed && errs[i] != nil):
				t.Fatalf("request %d: %v", i, errs[i])
			}
			if i%3 != 2 && settingExists(t, st, fmt.Sprintf("later%d", i)) == (failed || statement) {
				t.Fatalf("request %d (failed %v, statement %v): its batch-end write is wrong", i, failed, statement)
			}
		}
		if settingExists(t, st, "stray") {
			t.Fatal("a request without a savepoint wrote a statement of its own")
		}
		verifyAudit(t, st, 3)
	})
}

// Commits leaves out the COMMITs of batches that left sessions: requests
// that ran at the batch's end (writing nothing themselves) and writes that
// all say they leave sessions. Any other write is counted.
func TestCommitsLeaveOutBatchesThatLeftSessions(t *testing.T) {
	onEachEngine(t, func(t *testing.T, fresh func(testing.TB) Driver) {
		db := newTestDBOn(t, fresh(t))
		ctx := context.Background()
		insert := func(ctx context.Context, tx bun.Tx, values []any) error {
			for _, v := range values {
				if _, err := tx.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES (?, 'x')", v); err != nil {
					return err
				}
			}
			return nil
		}
		leaves := &BatchWrite{LeavesSessions: true, Run: insert}
		other := &BatchWrite{Run: insert}
		atEnd := func(w *BatchWrite, key string) {
			t.Helper()
			if err := db.InTxAtEnd(ctx, func(ctx context.Context, tx bun.Tx) error { return db.AtBatchEnd(ctx, tx, w, key) }); err != nil {
				t.Fatal(err)
			}
		}
		counted := func(step string, want uint64, before uint64) {
			t.Helper()
			if got := db.Commits() - before; got != want {
				t.Fatalf("%s: Commits moved by %d, want %d", step, got, want)
			}
		}
		n := db.Commits()
		atEnd(leaves, "a")
		counted("a write that leaves sessions, at the end", 0, n)
		n = db.Commits()
		atEnd(other, "b")
		counted("a write that does not say so, at the end", 1, n)
		n = db.Commits()
		if err := db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			return db.AtBatchEnd(ctx, tx, leaves, "c") // the request itself may have written
		}); err != nil {
			t.Fatal(err)
		}
		counted("a request inside the transaction", 1, n)
		var keys int
		if err := db.Reader().QueryRowContext(ctx, "SELECT count(*) FROM settings WHERE key IN ('a', 'b', 'c')").Scan(&keys); err != nil || keys != 3 {
			t.Fatalf("%d rows written (%v), want 3", keys, err)
		}
	})
}
