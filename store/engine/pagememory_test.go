package engine

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// SharePageMemory works only before SQLite starts in a process, so its
// effect is checked in a child process of the test binary that has opened
// no database; this process, which has, is refused.
func TestSharedPageMemory(t *testing.T) {
	if os.Getenv("CLOISON_TEST_PAGE_MEMORY_CHILD") == "1" {
		pageMemoryChild(t)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestSharedPageMemory$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), "CLOISON_TEST_PAGE_MEMORY_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestSharedPageMemory") {
		t.Fatalf("child process: %v\n%s", err, out)
	}
	t.Logf("child process:\n%s", out)

	newTestDB(t) // SQLite has started here
	if _, _, err := SharePageMemory(4); !errors.Is(err, ErrPageMemoryTooLate) {
		t.Fatalf("after a database was opened: %v, want ErrPageMemoryTooLate", err)
	}
	if used, _ := pageSlotsInUse(); used != 0 {
		t.Fatalf("%d slots in use where none was shared", used)
	}
}

// pageMemoryChild shares the page memory of two readers, then writes a table
// three times larger and reads it on four connections at once: every row
// reads back as written, the slab is used, and SQLite never holds more
// pages in it than it has.
func pageMemoryChild(t *testing.T) {
	slots, size, err := SharePageMemory(2)
	if err != nil {
		t.Fatal(err)
	}
	if slots < 500 || size < slots*4096 {
		t.Fatalf("%d slots, %d bytes: not two caches of 4 KiB pages", slots, size)
	}
	if _, _, err := SharePageMemory(2); !errors.Is(err, ErrPageMemoryTooLate) {
		t.Fatalf("a second time: %v, want ErrPageMemoryTooLate", err)
	}
	db := newTestDB(t, Options{ReadConns: 4})
	ctx := context.Background()
	// row is the content of row i: 1 KiB that tells it from every other.
	row := func(i int) []byte {
		sum := sha256.Sum256(fmt.Appendf(nil, "row %d", i))
		return bytes.Repeat(sum[:], 32)
	}
	rows := 4 * slots // about as many pages
	if _, err := db.Writer().ExecContext(ctx, "CREATE TABLE pages (id INTEGER PRIMARY KEY, body BLOB NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	for start := 0; start < rows; start += 500 {
		tx, err := db.Writer().BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := start; i < min(start+500, rows); i++ {
			if _, err := tx.ExecContext(ctx, "INSERT INTO pages (id, body) VALUES (?, ?)", i, row(i)); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for r := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range rows {
				i := (n*7919 + r*1009) % rows // each reader its own order over every row
				var body []byte
				if err := db.Reader().QueryRowContext(ctx, "SELECT body FROM pages WHERE id = ?", i).Scan(&body); err != nil {
					errs <- err
					return
				}
				if !bytes.Equal(body, row(i)) {
					errs <- fmt.Errorf("row %d reads back otherwise", i)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	used, overflow := pageSlotsInUse()
	t.Logf("%d slots of %d in use; %d bytes of pages at most outside the slab", used, slots, overflow)
	if used < int64(slots)/2 || used > int64(slots) {
		t.Fatalf("%d slots of %d in use after reading %d pages", used, slots, rows)
	}
	// Connections without their own mutex (mutex.go) on the slab, as a
	// server runs them.
	if !quietConnections() && runtime.GOOS == "linux" {
		t.Fatal("the connections kept their mutex")
	}
	connectionsShareTheFile(t)
}
