package store

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
)

// sharedRead lets concurrent callers share one read of a value that every
// request reads and that changes with any write, such as the stamp a
// session check is confirmed by on PostgreSQL (confirmHint): one statement
// for everyone waiting instead of one each.
//
// A caller never gets a value read before it asked. It joins the read that
// has not started yet, if there is one, or makes it; that read starts once
// the read in flight (started, maybe, before the caller asked) has ended.
// So what a caller learns is at least as recent as what its own statement
// would have read, and a logout or a blocked account committed before a
// request arrives is seen by that request, exactly as without sharing. At
// most one read is in flight and one waits to start: under load a caller
// waits for at most two reads, and each read serves everyone who arrived
// during the one before it; alone, a caller reads at once.
type sharedRead[T any] struct {
	mu sync.Mutex
	// ended is signalled when the read in flight ends (on mu).
	ended    sync.Cond
	inFlight bool
	// next is the read that starts when the one in flight ends, and that
	// callers join until then.
	next *sharedResult[T]
	// reads counts the reads made, and callers the calls (for the tests).
	reads, callers atomic.Int64
}

// sharedResult is one read's outcome, given to every caller that joined it
// once done is closed.
type sharedResult[T any] struct {
	done chan struct{}
	v    T
	err  error
}

func newSharedRead[T any]() *sharedRead[T] {
	r := &sharedRead[T]{}
	r.ended.L = &r.mu
	return r
}

// get gives a value read by read after get was called. The caller that
// makes a read runs it without its own cancellation (others wait for it);
// a caller whose context ends while it waits for another's read returns
// the context's error.
func (r *sharedRead[T]) get(ctx context.Context, read func(context.Context) (T, error)) (T, error) {
	r.callers.Add(1)
	r.mu.Lock()
	if p := r.next; p != nil {
		// Not started yet: it will read after this call.
		r.mu.Unlock()
		select {
		case <-p.done:
			return p.v, p.err
		case <-ctx.Done():
			var zero T
			return zero, ctx.Err()
		}
	}
	p := &sharedResult[T]{done: make(chan struct{})}
	r.next = p
	for r.inFlight {
		r.ended.Wait()
	}
	// From here on p is under way: later callers make the next read.
	r.next, r.inFlight = nil, true
	r.mu.Unlock()

	// Should read panic, those who joined get errUnfinishedRead, and the
	// next read still starts: a stuck inFlight would stop every request.
	p.err = errUnfinishedRead
	defer func() {
		r.reads.Add(1)
		r.mu.Lock()
		r.inFlight = false
		// Only next's maker waits for the end of a read.
		r.ended.Signal()
		r.mu.Unlock()
		close(p.done)
	}()
	p.v, p.err = read(context.WithoutCancel(ctx))
	return p.v, p.err
}

// errUnfinishedRead is what those who joined a read get when it panicked.
var errUnfinishedRead = errors.New("store: a shared read did not finish")
