package engine

import (
	"context"
	"testing"
)

// Every connection, the writer's and the read pool's, caches its pages
// in the page cache module registered at initialisation, not in SQLite's
// own (whose pages take twice their size in modernc's allocator).
func TestConnectionsCacheTheirPagesInTheModule(t *testing.T) {
	before := pageCache.Stats()
	db := newTestDB(t)
	ctx := context.Background()
	if _, err := db.Writer().ExecContext(ctx, "INSERT INTO settings (key, value) VALUES ('k', 'v')"); err != nil {
		t.Fatal(err)
	}
	var v string
	for range 2 {
		if err := db.Reader().QueryRowContext(ctx, "SELECT value FROM settings WHERE key = 'k'").Scan(&v); err != nil {
			t.Fatal(err)
		}
	}
	after := pageCache.Stats()
	if n := after.Caches - before.Caches; n < 2 {
		t.Errorf("the module created %d caches for a writer and a reader, want 2 or more", n)
	}
	if after.Hits == before.Hits || after.Allocs == before.Allocs {
		t.Errorf("the module served no page: %+v then %+v", before, after)
	}
}
