package store

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// waitFor polls cond for up to ten seconds: the callers under test are
// goroutines that must have reached a given point before the test goes on.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestSharedReadJoinsTheReadNotYetStarted holds a read in flight, lets
// callers arrive meanwhile, and checks that they share one read made after
// it, never the one in flight, which started before they asked.
func TestSharedReadJoinsTheReadNotYetStarted(t *testing.T) {
	r := newSharedRead[int]()
	var started atomic.Int64
	release := make(chan struct{})
	read := func(context.Context) (int, error) {
		n := started.Add(1)
		if n == 1 {
			<-release
		}
		return int(n), nil
	}
	first := make(chan int)
	go func() {
		v, _ := r.get(context.Background(), read)
		first <- v
	}()
	waitFor(t, "the first read to start", func() bool { return started.Load() == 1 })

	const late = 8
	got := make(chan int, late)
	for range late {
		go func() {
			v, err := r.get(context.Background(), read)
			if err != nil {
				t.Errorf("get: %v", err)
			}
			got <- v
		}()
	}
	waitFor(t, "the late callers", func() bool { return r.callers.Load() == 1+late })
	if n := started.Load(); n != 1 {
		t.Fatalf("%d reads started while one was in flight, want none", n-1)
	}
	close(release)
	if v := <-first; v != 1 {
		t.Errorf("first caller got read %d, want 1", v)
	}
	for range late {
		if v := <-got; v != 2 {
			t.Errorf("a caller who asked during read 1 got read %d, want 2 (the one started after it asked)", v)
		}
	}
	if n := r.reads.Load(); n != 2 {
		t.Errorf("%d reads for %d callers, want 2", n, 1+late)
	}

	// Alone, a caller reads at once.
	if v, _ := r.get(context.Background(), read); v != 3 {
		t.Errorf("a lone caller got read %d, want 3", v)
	}
}

// TestSharedReadNeverGivesAnOlderValue has writers move a version on while
// callers read it concurrently: each caller must get a version at least as
// recent as the one written before it asked, as its own read would.
func TestSharedReadNeverGivesAnOlderValue(t *testing.T) {
	r := newSharedRead[int64]()
	var version atomic.Int64
	read := func(context.Context) (int64, error) {
		v := version.Load()
		time.Sleep(50 * time.Microsecond) // a read takes a while: calls overlap it
		return v, nil
	}
	stop := make(chan struct{})
	var writers sync.WaitGroup
	for range 2 {
		writers.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
					version.Add(1)
					time.Sleep(20 * time.Microsecond)
				}
			}
		})
	}
	var callers sync.WaitGroup
	for range 16 {
		callers.Go(func() {
			for range 200 {
				before := version.Load()
				v, err := r.get(context.Background(), read)
				if err != nil {
					t.Errorf("get: %v", err)
					return
				}
				if v < before {
					t.Errorf("got version %d after version %d was written", v, before)
					return
				}
			}
		})
	}
	callers.Wait()
	close(stop)
	writers.Wait()
	if reads, calls := r.reads.Load(), r.callers.Load(); reads >= calls {
		t.Errorf("%d reads for %d concurrent calls: none shared", reads, calls)
	}
}

// TestSharedReadErrorsAndCancellation: a read's error goes to every caller
// that shared it, and a caller who stops waiting gets its context's error
// while the read it joined still serves the others.
func TestSharedReadErrorsAndCancellation(t *testing.T) {
	r := newSharedRead[int]()
	broken := errors.New("connection lost")
	release := make(chan struct{})
	var started atomic.Int64
	read := func(ctx context.Context) (int, error) {
		if started.Add(1) == 1 {
			<-release
			return 0, nil
		}
		if ctx.Err() != nil {
			t.Error("the shared read ran with its maker's cancellation")
		}
		return 0, broken
	}
	go r.get(context.Background(), read)
	waitFor(t, "the first read to start", func() bool { return started.Load() == 1 })

	// The second read's maker is cancelled while it waits; the read it
	// made still runs, without the cancellation, for those who joined.
	makerCtx, cancelMaker := context.WithCancel(context.Background())
	makerErr := make(chan error)
	go func() {
		_, err := r.get(makerCtx, read)
		makerErr <- err
	}()
	waitFor(t, "the second read's maker", func() bool { return r.callers.Load() == 2 })
	joinerCtx, cancelJoiner := context.WithCancel(context.Background())
	joinerErr, otherErr := make(chan error), make(chan error)
	go func() {
		_, err := r.get(joinerCtx, read)
		joinerErr <- err
	}()
	go func() {
		_, err := r.get(context.Background(), read)
		otherErr <- err
	}()
	waitFor(t, "the joiners", func() bool { return r.callers.Load() == 4 })
	cancelMaker()
	cancelJoiner()
	if err := <-joinerErr; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled joiner got %v, want context.Canceled", err)
	}
	close(release)
	if err := <-makerErr; !errors.Is(err, broken) {
		t.Errorf("maker got %v, want the read's error", err)
	}
	if err := <-otherErr; !errors.Is(err, broken) {
		t.Errorf("joiner got %v, want the read's error", err)
	}
}

// TestSharedReadSurvivesAPanickingRead: the maker's panic goes on up its
// own request, those who joined get an error, and the next read starts
// (a read left in flight would stop every later caller).
func TestSharedReadSurvivesAPanickingRead(t *testing.T) {
	r := newSharedRead[int]()
	release := make(chan struct{})
	var started atomic.Int64
	read := func(context.Context) (int, error) {
		switch started.Add(1) {
		case 1:
			<-release
			return 1, nil
		case 2:
			panic("driver bug")
		}
		return 3, nil
	}
	go r.get(context.Background(), read)
	waitFor(t, "the first read to start", func() bool { return started.Load() == 1 })
	panicked := make(chan any)
	go func() {
		defer func() { panicked <- recover() }()
		r.get(context.Background(), read)
	}()
	waitFor(t, "the second read's maker", func() bool { return r.callers.Load() == 2 })
	joined := make(chan error)
	go func() {
		_, err := r.get(context.Background(), read)
		joined <- err
	}()
	waitFor(t, "the joiner", func() bool { return r.callers.Load() == 3 })
	close(release)
	if p := <-panicked; p != "driver bug" {
		t.Errorf("the maker's panic: %v", p)
	}
	select {
	case err := <-joined:
		if !errors.Is(err, errUnfinishedRead) {
			t.Errorf("the joiner of a read that panicked got %v, want errUnfinishedRead", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the joiner of a read that panicked still waits")
	}
	done := make(chan int)
	go func() {
		v, _ := r.get(context.Background(), read)
		done <- v
	}()
	select {
	case v := <-done:
		if v != 3 {
			t.Errorf("the read after the panic gave %d, want 3", v)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no read starts after one panicked")
	}
}
