package store

import (
	"sync"
	"sync/atomic"
	"time"
)

// The session check on SQLite, kept between requests.
//
// Every request reads its session, its account and what the account reaches
// (sqlAuthenticate): a quarter of a get by id's CPU. On SQLite this process
// is the only writer of the database (the data directory's lock; the
// commands that work beside a server, backup, audit verify and superadmin
// create, change no session and no existing account), and the engine counts
// its COMMITs (engine.DB.Commits). So a check read while the count stood
// at n is still what the database says for as long as it stands at n,
// except for what depends on the hour: a session's expiry and idle time,
// checked on every request from the values read, and a membership that
// starts or ends, whose next such moment is read with the check (its until).
// Any write, whatever it changes, drops every entry (but a batch of creates
// alone, which writes nothing a session check reads: see
// engine.BatchWrite.LeavesSessions): logout, a blocked account, a
// membership ended or a password changed take effect at the next request,
// as they do without the cache. On PostgreSQL other instances write too,
// so there is no cache there.

// sessionCacheMaxAge bounds how long an entry serves even while nothing is
// written: should a write ever escape the count, it would be seen this
// much later at most.
const sessionCacheMaxAge = 5 * time.Second

// sessionCacheMax bounds the entries: past it the cache starts again empty.
// Only tokens that matched a session are kept, so unknown tokens cannot
// fill it.
const sessionCacheMax = 4096

// sessionCache holds, per token hash, the last session check read.
type sessionCache struct {
	mu      sync.Mutex
	entries map[string]*sessionEntry
	// hits counts the checks it served (for the tests).
	hits atomic.Int64
}

// sessionEntry is one session check as sqlAuthenticate read it.
type sessionEntry struct {
	commits uint64    // engine.DB.Commits before the read
	readAt  time.Time // the store's clock at the read
	// until is the next moment one of the account's memberships starts or
	// ends (zero: none): the scope read no longer holds from then.
	until             time.Time
	sess              Session
	acc               Account
	members, inspects string
}

func newSessionCache() *sessionCache {
	return &sessionCache{entries: map[string]*sessionEntry{}}
}

// get gives the entry for key if it still holds at now with commits as the
// engine's count; a nil cache (PostgreSQL) holds none.
func (c *sessionCache) get(key string, commits uint64, now time.Time) (*sessionEntry, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if !ok || e.commits != commits || now.Before(e.readAt) || !now.Before(e.readAt.Add(sessionCacheMaxAge)) ||
		(!e.until.IsZero() && !now.Before(e.until)) {
		return nil, false
	}
	c.hits.Add(1)
	return e, true
}

// put keeps e for key (on a nil cache, nothing); entries are never changed
// once kept, so get's callers read them without the lock.
func (c *sessionCache) put(key string, e *sessionEntry) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= sessionCacheMax {
		clear(c.entries)
	}
	c.entries[key] = e
}
