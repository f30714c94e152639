package store

import (
	"sync"
	"sync/atomic"
	"time"
)

// Reads kept between requests on SQLite: the session check, and the unit a
// case file is created in.
//
// Every request reads its session, its account and what the account reaches
// (sqlAuthenticate): a quarter of a get by id's CPU; every create reads its
// unit and category (sqlUnitToCreateIn): a sixteenth of a create's. On
// SQLite this process is the only writer of the database (the data
// directory's lock; the commands that work beside a server, backup, audit
// verify and superadmin create, change no session, no existing account and
// no unit), and the engine counts its COMMITs (engine.DB.Commits). So a
// read made while the count stood at n is still what the database says for
// as long as it stands at n, except for what depends on the hour: a
// session's expiry and idle time, checked on every request from the values
// read, and a membership that starts or ends, whose next such moment is
// read with the check (an entry's until). Any write, whatever it changes,
// drops every entry (but a batch of creates alone, which writes nothing
// these reads read: see engine.BatchWrite.LeavesSessions): logout, a
// blocked account, a membership ended, a password changed, a unit closed
// or a category withdrawn take effect at the next request, as they do
// without the cache. On PostgreSQL other instances write too, so nothing
// read is kept as an answer there; the last session check of each token is
// kept as a guess, confirmed by the stamp PostgreSQL's triggers give the
// writes a session check reads: in a statement of its own (confirmHint),
// one read shared by the requests that wait for it together (sharedRead),
// or in a get by id's (see SessionHint). The unit a create reads is kept
// there under that stamp, which writes to units and categories change too
// (see activeUnitToCreateIn).

// keptMaxAge bounds how long an entry serves even while nothing is
// written: should a write ever escape the count, it would be seen this
// much later at most.
const keptMaxAge = 5 * time.Second

// keptMax bounds the entries of one cache: past it the cache starts again
// empty. Only reads that found their row are kept, so unknown tokens or
// units cannot fill it.
const keptMax = 4096

// keptReads holds, per key, the last read of one kind.
type keptReads[V any] struct {
	mu      sync.Mutex
	entries map[string]*kept[V]
	// hits counts the reads it served (for the tests).
	hits atomic.Int64
}

// kept is one read as it was made.
type kept[V any] struct {
	commits uint64    // engine.DB.Commits before the read
	readAt  time.Time // the store's clock at the read
	// until is the next moment what was read stops holding without any
	// write (zero: none), such as a membership's start or end.
	until time.Time
	v     V
}

func newKeptReads[V any]() *keptReads[V] {
	return &keptReads[V]{entries: map[string]*kept[V]{}}
}

// get gives the value kept for key if it still holds at now with commits
// as the engine's count; a nil cache (PostgreSQL) holds none.
func (c *keptReads[V]) get(key string, commits uint64, now time.Time) (V, bool) {
	var none V
	e, ok := c.entry(key)
	if !ok || e.commits != commits || now.Before(e.readAt) || !now.Before(e.readAt.Add(keptMaxAge)) ||
		(!e.until.IsZero() && !now.Before(e.until)) {
		return none, false
	}
	c.hits.Add(1)
	return e.v, true
}

// hint gives the value last kept for key, with its until, however old it
// is and whatever was written since: on PostgreSQL, a guess that the
// statement using it checks (see SessionHint), never an answer. A nil cache
// holds none.
func (c *keptReads[V]) hint(key string) (V, time.Time, bool) {
	var none V
	e, ok := c.entry(key)
	if !ok {
		return none, time.Time{}, false
	}
	return e.v, e.until, true
}

// keyed gives the value kept for key however old it is, counted as
// served: for keys that hold what confirms them (activeUnitToCreateIn's
// hold the stamp of writes). A nil cache holds none.
func (c *keptReads[V]) keyed(key string) (V, bool) {
	v, _, ok := c.hint(key)
	if ok {
		c.hits.Add(1)
	}
	return v, ok
}

// entry is what is kept for key, if anything (nothing in a nil cache).
func (c *keptReads[V]) entry(key string) (*kept[V], bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	return e, ok
}

// put keeps v for key, read at now while the engine's count stood at
// commits and holding until until (zero: no such moment); on a nil cache,
// nothing. Entries are never changed once kept, so get's callers read them
// without the lock.
func (c *keptReads[V]) put(key string, commits uint64, now, until time.Time, v V) {
	if c == nil {
		return
	}
	e := &kept[V]{commits: commits, readAt: now, until: until, v: v}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= keptMax {
		clear(c.entries)
	}
	c.entries[key] = e
}

// served counts the reads served from the cache (0 for a nil cache).
func (c *keptReads[V]) served() int64 {
	if c == nil {
		return 0
	}
	return c.hits.Load()
}
