//go:build linux

package engine

import (
	"sync"
	"sync/atomic"
	"unsafe"

	"modernc.org/libc"
	"modernc.org/libc/sys/types"
	sqlite3 "modernc.org/sqlite/lib"
)

// SQLite's connection mutex, left out.
//
// modernc's driver opens every connection with SQLITE_OPEN_FULLMUTEX and
// gives no way to open one without it. SQLite then takes the connection's
// own recursive mutex around every call made on it: twice for each column
// of each row (its type, then its value), and again around each step.
// Through libc's emulation of pthread mutexes that is six atomic operations
// a call: a fifth of an editor's list page of fifty rows in a CPU profile of
// the shared harness, and about 12 % less CPU per list without it (README,
// "How it stays fast").
//
// The mutex guards nothing Cloison needs guarded: database/sql never uses
// one connection from two goroutines at once, which is the one condition of
// SQLite's "multi-thread" mode (what SQLITE_OPEN_NOMUTEX asks for), and the
// only call the driver makes on a connection from another goroutine,
// sqlite3_interrupt when a request's context ends, takes no mutex. So before
// SQLite starts, the process gives it its mutexes (SQLITE_CONFIG_MUTEX),
// made as SQLite's own pthread implementation makes them, except one kind:
// a recursive mutex asked for once SQLite has started, which in this build
// of SQLite is only ever a connection's, is one that does nothing. Every
// mutex SQLite shares between connections (its static ones, the unix VFS's
// lock tables and shared-memory nodes: "fast" mutexes) stays a real one, as
// does the recursive mutex SQLite takes while it starts.
//
// It must happen before SQLite starts in the process, which startSQLite
// does before the first connection the engine opens: the page memory
// (SharePageMemory) is given just before, SQLite is started there, and a
// process whose SQLite started elsewhere first keeps SQLite's own mutexes.

var sqliteStart struct {
	once sync.Once
	// quiet says that connections opened from now on have a mutex that
	// does nothing (false: SQLite's own, SQLite having started elsewhere).
	quiet atomic.Bool
	// handed counts the quiet mutexes handed out: one per connection
	// opened since (for the tests).
	handed atomic.Int64
}

// quietMutex is the address SQLite is given for a connection's mutex, and
// told back on every enter and leave; nothing is ever written there.
var quietMutex byte

// quietAddr is quietMutex's address as SQLite holds it.
var quietAddr = uintptr(unsafe.Pointer(&quietMutex))

// staticMutex are SQLite's twelve static mutexes (SQLITE_MUTEX_STATIC_MAIN
// to SQLITE_MUTEX_STATIC_VFS3), each a pthread mutex whose zero value is an
// unlocked normal mutex, as PTHREAD_MUTEX_INITIALIZER makes them. They are
// Go memory, which does not move, as SQLite's own are: the race detector
// sees what they order (in C memory it did not, and reported the page
// cache's shared counters as races).
var staticMutex [sqlite3.SQLITE_MUTEX_STATIC_VFS3 - sqlite3.SQLITE_MUTEX_STATIC_MAIN + 1]libc.Tpthread_mutex_t

// staticMutexes is the first static mutex's address.
var staticMutexes = uintptr(unsafe.Pointer(&staticMutex[0]))

// pthreadMutexSize is the size of a pthread_mutex_t, which every mutex here
// but the quiet one is.
const pthreadMutexSize = unsafe.Sizeof(libc.Tpthread_mutex_t{})

// cfunc is a Go function as SQLite calls it through a C function pointer
// (how modernc's translation of SQLite calls one).
func cfunc[F any](f F) uintptr { return *(*uintptr)(unsafe.Pointer(&f)) }

var mutexMethods = sqlite3.Sqlite3_mutex_methods{
	FxMutexInit:    cfunc(func(*libc.TLS) int32 { return sqlite3.SQLITE_OK }),
	FxMutexEnd:     cfunc(func(*libc.TLS) int32 { return sqlite3.SQLITE_OK }),
	FxMutexAlloc:   cfunc(mutexAlloc),
	FxMutexFree:    cfunc(mutexFree),
	FxMutexEnter:   cfunc(mutexEnter),
	FxMutexTry:     cfunc(mutexTry),
	FxMutexLeave:   cfunc(mutexLeave),
	FxMutexHeld:    cfunc(func(*libc.TLS, uintptr) int32 { return 1 }),
	FxMutexNotheld: cfunc(func(*libc.TLS, uintptr) int32 { return 1 }),
}

func mutexAlloc(tls *libc.TLS, kind int32) uintptr {
	switch kind {
	case sqlite3.SQLITE_MUTEX_RECURSIVE:
		if sqliteStart.quiet.Load() {
			sqliteStart.handed.Add(1)
			return quietAddr
		}
		p := libc.Xcalloc(tls, 1, types.Size_t(pthreadMutexSize))
		if p == 0 {
			return 0
		}
		// The attribute on the thread's C stack, as SQLite's own
		// allocation keeps it.
		size := int(unsafe.Sizeof(libc.Tpthread_mutexattr_t{}))
		attr := tls.Alloc(size)
		defer tls.Free(size)
		libc.Xpthread_mutexattr_init(tls, attr)
		libc.Xpthread_mutexattr_settype(tls, attr, libc.PTHREAD_MUTEX_RECURSIVE)
		libc.Xpthread_mutex_init(tls, p, attr)
		libc.Xpthread_mutexattr_destroy(tls, attr)
		return p
	case sqlite3.SQLITE_MUTEX_FAST:
		p := libc.Xcalloc(tls, 1, types.Size_t(pthreadMutexSize))
		if p != 0 {
			libc.Xpthread_mutex_init(tls, p, 0)
		}
		return p
	}
	if kind < sqlite3.SQLITE_MUTEX_STATIC_MAIN || kind > sqlite3.SQLITE_MUTEX_STATIC_VFS3 {
		return 0
	}
	return staticMutexes + uintptr(kind-sqlite3.SQLITE_MUTEX_STATIC_MAIN)*pthreadMutexSize
}

func mutexFree(tls *libc.TLS, p uintptr) {
	if p == quietAddr || isStatic(p) {
		return
	}
	libc.Xpthread_mutex_destroy(tls, p)
	libc.Xfree(tls, p)
}

func mutexEnter(tls *libc.TLS, p uintptr) {
	if p != quietAddr {
		libc.Xpthread_mutex_lock(tls, p)
	}
}

func mutexTry(tls *libc.TLS, p uintptr) int32 {
	if p == quietAddr || libc.Xpthread_mutex_trylock(tls, p) == 0 {
		return sqlite3.SQLITE_OK
	}
	return sqlite3.SQLITE_BUSY
}

func mutexLeave(tls *libc.TLS, p uintptr) {
	if p != quietAddr {
		libc.Xpthread_mutex_unlock(tls, p)
	}
}

func isStatic(p uintptr) bool {
	return p >= staticMutexes && p < staticMutexes+uintptr(len(staticMutex))*pthreadMutexSize
}

// startSQLite starts SQLite in this process with the mutexes above, once,
// before the engine's first connection; see above. Nothing fails when it
// cannot: SQLite keeps its own mutexes.
func startSQLite() {
	sqliteStart.once.Do(func() {
		tls := libc.NewTLS()
		defer tls.Close()
		va := libc.Xmalloc(tls, 8)
		if va == 0 {
			return
		}
		defer libc.Xfree(tls, va)
		// SQLite copies the methods; SQLITE_MISUSE means it has started.
		if sqlite3.Xsqlite3_config(tls, sqlite3.SQLITE_CONFIG_MUTEX, libc.VaList(va, uintptr(unsafe.Pointer(&mutexMethods)))) != sqlite3.SQLITE_OK {
			return
		}
		// Started here, on one goroutine: the recursive mutex SQLite takes
		// while it starts is a real one, and every one asked for after is a
		// connection's.
		if sqlite3.Xsqlite3_initialize(tls) == sqlite3.SQLITE_OK {
			sqliteStart.quiet.Store(true)
		}
	})
}

// quietConnections says whether the SQLite connections this process opens
// from now on go without their mutex (see above).
func quietConnections() bool { return sqliteStart.quiet.Load() }

// quietHanded is how many connections were given the quiet mutex.
func quietHanded() int64 { return sqliteStart.handed.Load() }
