package engine

import (
	"context"
	"errors"
	"testing"

	"github.com/uptrace/bun"
)

var errTestRollback = errors.New("test: roll back")

// A batch's end writes through DB.Exec and DB.InsertRows as it did, each
// statement seeing what came before it, whether PostgreSQL's connection
// sends them at once or kept for the next statement that needs an answer
// (pipeline.go); a request's own writes still answer at once, inside its
// savepoint; a kept write that fails fails its batch, whose writes are
// then all undone, and the next batch runs.
func TestBatchEndWritesKeepTheirOrderAndTheirAllOrNothing(t *testing.T) {
	onEachEngine(t, func(t *testing.T, fresh func(testing.TB) Driver) {
		d := fresh(t)
		db := newTestDBOn(t, d)
		_, pg := d.(Postgres)
		ctx := context.Background()
		pairs := BulkInsert{Head: "INSERT INTO settings (key, value) VALUES ", Row: "(?, ?)"}
		count := func(ctx context.Context, on bun.IDB) int {
			t.Helper()
			var n int
			if err := db.QueryRow(ctx, on, "SELECT count(*) FROM settings", nil, &n); err != nil {
				t.Fatal(err)
			}
			return n
		}

		var seen []int
		before := keptWrites.Load()
		write := &BatchWrite{Run: func(ctx context.Context, tx bun.Tx, values []any) error {
			if err := db.Exec(ctx, tx, "INSERT INTO settings (key, value) VALUES (?, ?)", "a", "1"); err != nil {
				return err
			}
			// What is sent is the value when the write was made, even from a
			// buffer its caller uses again.
			buf := []byte("given")
			if err := db.Exec(ctx, tx, "INSERT INTO settings (key, value) VALUES (?, ?)", "p", buf); err != nil {
				return err
			}
			copy(buf, "taken")
			if err := db.InsertRows(ctx, tx, pairs, [][]any{{"b", "2"}, {"c", "3"}}); err != nil {
				return err
			}
			seen = append(seen, count(ctx, tx)) // sends what was kept, first
			if pg {
				// A write through the pool, outside the batch's transaction,
				// is sent at once: kept, it would wait on a connection back in
				// the pool, which drops what it kept when handed out again.
				// (SQLite's one writing connection is the batch's.)
				kept := keptWrites.Load()
				if err := db.Exec(ctx, db.Writer(), "INSERT INTO settings (key, value) VALUES (?, ?)", "g", "7"); err != nil {
					return err
				}
				if keptWrites.Load() != kept {
					t.Error("a write through the pool at a batch's end was kept for later")
				}
			}
			if err := db.Exec(ctx, tx, "UPDATE settings SET value = value || '!' WHERE key = ?", "a"); err != nil {
				return err
			}
			return db.Exec(ctx, tx, "INSERT INTO settings (key, value) SELECT 'd', value FROM settings WHERE key = ?", "a")
		}}
		if err := db.InTxAtEnd(ctx, func(ctx context.Context, tx bun.Tx) error {
			return db.AtBatchEnd(ctx, tx, write, nil)
		}); err != nil {
			t.Fatal(err)
		}
		if len(seen) != 1 || seen[0] != 4 {
			t.Fatalf("the batch's end counted %v rows after four writes, want 4", seen)
		}
		var p string
		if err := db.QueryRow(ctx, db.Reader(), "SELECT value FROM settings WHERE key = 'p'", nil, &p); err != nil || p != "given" {
			t.Fatalf("p = %q (%v), want the value given, not what its buffer held after", p, err)
		}
		var d1 string
		if err := db.QueryRow(ctx, db.Reader(), "SELECT value FROM settings WHERE key = 'd'", nil, &d1); err != nil || d1 != "1!" {
			t.Fatalf("d = %q (%v), want 1!: the update before its copy", d1, err)
		}
		if pg {
			var g string
			if err := db.QueryRow(ctx, db.Reader(), "SELECT value FROM settings WHERE key = 'g'", nil, &g); err != nil || g != "7" {
				t.Fatalf("g = %q (%v), want 7: the pool's write at the batch's end", g, err)
			}
			if err := db.Exec(ctx, db.Writer(), "DELETE FROM settings WHERE key = 'g'"); err != nil {
				t.Fatal(err)
			}
		}
		// On PostgreSQL the five writes (three sent by the count, two by
		// COMMIT) and the lanes' lock (InTxAtEnd's batches run in lanes).
		if kept := keptWrites.Load() - before; pg && kept != 6 || !pg && kept != 0 {
			t.Errorf("%d writes kept for later, want 6 on PostgreSQL, none on SQLite", kept)
		}

		// A request's own write answers at once: its error is its own.
		before = keptWrites.Load()
		err := db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			if err := db.Exec(ctx, tx, "INSERT INTO settings (key, value) VALUES (?, ?)", "a", "again"); err == nil {
				t.Error("a duplicate key inside a request's transaction did not fail at once")
			}
			return errTestRollback
		})
		if err != errTestRollback || keptWrites.Load() != before {
			t.Fatalf("InTx: %v, %d writes kept", err, keptWrites.Load()-before)
		}

		// A write that fails, kept or not, fails the batch and undoes it.
		failing := &BatchWrite{Run: func(ctx context.Context, tx bun.Tx, values []any) error {
			if err := db.InsertRows(ctx, tx, pairs, [][]any{{"e", "5"}}); err != nil {
				return err
			}
			return db.Exec(ctx, tx, "INSERT INTO settings (key, value) VALUES (?, ?)", "a", "duplicate")
		}}
		if err := db.InTxAtEnd(ctx, func(ctx context.Context, tx bun.Tx) error {
			return db.AtBatchEnd(ctx, tx, failing, nil)
		}); err == nil {
			t.Fatal("a batch whose end wrote a duplicate key succeeded")
		}
		if n := count(ctx, db.Reader()); n != 5 {
			t.Fatalf("%d rows after the failed batch, want the 5 before it", n)
		}
		// The connection is clean: the next batch writes only its own row.
		if err := db.InTxAtEnd(ctx, func(ctx context.Context, tx bun.Tx) error {
			return db.AtBatchEnd(ctx, tx, &BatchWrite{Run: func(ctx context.Context, tx bun.Tx, _ []any) error {
				return db.Exec(ctx, tx, "INSERT INTO settings (key, value) VALUES (?, ?)", "f", "6")
			}}, nil)
		}); err != nil {
			t.Fatal(err)
		}
		if n := count(ctx, db.Reader()); n != 6 {
			t.Fatalf("%d rows after the next batch, want 6", n)
		}
	})
}
