package engine

import (
	"errors"
	"fmt"
	"runtime"
	"sync"

	"modernc.org/libc"
	"modernc.org/libc/sys/types"
	sqlite3 "modernc.org/sqlite/lib"
)

// SQLite's page memory, shared.
//
// Each SQLite connection caches database pages, 2,000 KiB of them by
// default. SQLite allocates each page with its header, about 4,370 bytes,
// and modernc's allocator serves every allocation from a slot of the next
// power of two: each cached page took 8 KiB of memory, and the caches of a
// server's readers and writer were its largest resident part after its
// code (about 25 MB under the benchmark's load, against 40 MB for the
// floor's whole process). SQLITE_CONFIG_PAGECACHE gives SQLite, before it
// starts, one slab of slots of exactly a page and its header, which all
// connections draw on: the same pages in about half the memory. Once the
// slab is nearly full, SQLite takes the least recently used clean page of
// any connection rather than allocate another (its rule under memory
// pressure), so the slab bounds the process's page memory as a whole: a
// connection that is busy may hold more than one cache's worth while the
// others are idle. A page that finds no slot (a large transaction's dirty
// pages) is allocated as before. The slab is resident from the start:
// SQLite links its slots when it initialises.

// ErrPageMemoryTooLate is SharePageMemory's answer once SQLite has started
// in this process (a connection was opened, or it was shared already).
var ErrPageMemoryTooLate = errors.New("store: SQLite's page memory can only be shared before its first connection")

var pageMemory struct {
	once        sync.Once
	err         error
	slots, size int
}

// pagesPerCache is how many pages of slotSize bytes SQLite's default
// cache_size (-2000: 2,000 KiB) holds.
func pagesPerCache(slotSize int) int { return 2000 * 1024 / slotSize }

// DefaultReaders is the size of the read pool when none is asked for: two
// connections per CPU, at least four (a read that waits on the disk or
// sorts leaves the others to serve).
func DefaultReaders() int { return max(4, 2*runtime.NumCPU()) }

// SharePageMemory gives every SQLite connection of this process one slab of
// page slots, as many as readers caches of SQLite's default size hold (see
// above), and says how many slots and bytes it holds: readers is the read
// pool's size, whose caches the writer's and the checkpointer's share. It
// must run before the process opens any SQLite database, and only once;
// after that it returns ErrPageMemoryTooLate and changes nothing.
func SharePageMemory(readers int) (slots, bytes int, err error) {
	err = ErrPageMemoryTooLate
	pageMemory.once.Do(func() {
		pageMemory.slots, pageMemory.size, pageMemory.err = sharePageMemory(readers)
		err = pageMemory.err
	})
	if err != nil {
		return 0, 0, err
	}
	return pageMemory.slots, pageMemory.slots * pageMemory.size, nil
}

// sharePageMemory installs the slab and gives its slots' number and size.
func sharePageMemory(readers int) (slots, size int, err error) {
	if readers < 1 {
		return 0, 0, fmt.Errorf("store: page memory for %d readers", readers)
	}
	tls := libc.NewTLS()
	defer tls.Close()
	// One va_list of three arguments, and the int the header's size is
	// written to: C memory, as SQLite reads and writes them.
	va := libc.Xmalloc(tls, 3*8)
	header := libc.Xmalloc(tls, 8)
	if va == 0 || header == 0 {
		return 0, 0, errors.New("store: out of memory sharing SQLite's page memory")
	}
	defer libc.Xfree(tls, va)
	defer libc.Xfree(tls, header)
	// The bytes each page needs besides itself (SQLite's and the pager's
	// headers); asking is allowed at any time.
	if rc := sqlite3.Xsqlite3_config(tls, sqlite3.SQLITE_CONFIG_PCACHE_HDRSZ, libc.VaList(va, header)); rc != sqlite3.SQLITE_OK {
		return 0, 0, fmt.Errorf("store: SQLite's page header size: code %d", rc)
	}
	// Cloison's databases have 4 KiB pages (SQLite's default, never
	// changed); a larger page would not fit and be allocated as before.
	size = (4096 + int(libc.AtomicLoadPInt32(header)) + 7) &^ 7
	slots = readers * pagesPerCache(size)
	// Never freed: SQLite uses the slab until the process ends.
	slab := libc.Xmalloc(tls, types.Size_t(size*slots))
	if slab == 0 {
		return 0, 0, errors.New("store: out of memory sharing SQLite's page memory")
	}
	rc := sqlite3.Xsqlite3_config(tls, sqlite3.SQLITE_CONFIG_PAGECACHE, libc.VaList(va, slab, int32(size), int32(slots)))
	if rc != sqlite3.SQLITE_OK {
		libc.Xfree(tls, slab)
		if rc == sqlite3.SQLITE_MISUSE {
			return 0, 0, ErrPageMemoryTooLate
		}
		return 0, 0, fmt.Errorf("store: sharing SQLite's page memory: code %d", rc)
	}
	return slots, size, nil
}

// pageSlotsInUse tells how many slots of the shared slab hold a page now
// (0 when the memory is not shared), and how many bytes of page memory
// were allocated outside it at most since the process started.
func pageSlotsInUse() (slots, overflowPeak int64) {
	tls := libc.NewTLS()
	defer tls.Close()
	p := libc.Xmalloc(tls, 16)
	if p == 0 {
		return 0, 0
	}
	defer libc.Xfree(tls, p)
	// (C memory, read through libc: SQLite writes the current value at p
	// and the highest at p+8.)
	sqlite3.Xsqlite3_status64(tls, sqlite3.SQLITE_STATUS_PAGECACHE_USED, p, p+8, 0)
	slots = libc.AtomicLoadPInt64(p)
	sqlite3.Xsqlite3_status64(tls, sqlite3.SQLITE_STATUS_PAGECACHE_OVERFLOW, p, p+8, 0)
	return slots, libc.AtomicLoadPInt64(p + 8)
}
