package engine

import (
	"context"
	"runtime"
	"testing"
)

// A connection that reads far more pages than its cache holds keeps its
// memory: the pages it no longer holds leave nothing behind. modernc's
// page cache module (modernc.org/sqlite/pcache), which the store used
// for a while to save the slot that modernc's allocator wastes on each
// page of SQLite's own cache, did not: its binding keeps, on the Go heap,
// an entry for every page a connection has ever cached (about 100 bytes,
// until the same page is read again), so that on a database of a million
// case files each connection grew by tens of megabytes as it read its way
// through. SQLite's own cache is bounded by cache_size. This reads 12,000
// pages through a cache of 2 MiB and allows the Go heap 512 KiB of growth
// (the module's binding took about 1.2 MB).
func TestReadingPastTheCacheKeepsMemoryFlat(t *testing.T) {
	db := newTestDB(t)
	ctx := context.Background()
	const pages = 12000
	if _, err := db.Writer().ExecContext(ctx, `CREATE TABLE pages (id INTEGER PRIMARY KEY, b BLOB)`); err != nil {
		t.Fatal(err)
	}
	// About one page a row: a blob of 3,000 bytes does not share its page.
	if _, err := db.Writer().ExecContext(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
		INSERT INTO pages (b) SELECT randomblob(3000) FROM n`, pages); err != nil {
		t.Fatal(err)
	}
	conn, err := db.Reader().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	read := func() {
		t.Helper()
		var n int64
		if err := conn.QueryRowContext(ctx, `SELECT sum(length(b)) FROM pages`).Scan(&n); err != nil || n != pages*3000 {
			t.Fatalf("read %d bytes, %v", n, err)
		}
	}
	heap := func() uint64 {
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	var count int64
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM pages WHERE id < 10`).Scan(&count); err != nil {
		t.Fatal(err)
	}
	before := heap()
	read()
	grew := (int64(heap()) - int64(before)) >> 10
	t.Logf("reading %d pages changed the Go heap by %d KiB", pages, grew)
	if grew > 512 {
		t.Fatalf("reading %d pages grew the Go heap by %d KiB", pages, grew)
	}
}
