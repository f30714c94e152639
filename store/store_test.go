package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"cloison/internal/testpg"
	"cloison/store/passwords"
)

// openTestStore opens the store in dir as it is, without migrating it; the
// caller closes it. Tests that close and reopen a store in the same dir use
// it directly.
func openTestStore(t testing.TB, dir string) *Store {
	t.Helper()
	st, err := Open(context.Background(), testOptions(t, Options{Dir: dir}))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// migrated is this test process's migrated database, copied for each new
// store (store/storetest, its twin for the store's callers, imports this
// package, which these tests therefore cannot import).
var migrated = &testpg.Template{File: DatabaseFile, Migrate: func(ctx context.Context, dir, url string) error {
	st, err := Open(ctx, Options{Dir: dir, DatabaseURL: url})
	if err != nil {
		return err
	}
	_, err = st.Migrate(ctx)
	return errors.Join(err, st.Close())
}}

// migratedDir is a new data directory whose database holds every
// migration already (Migrate then has nothing left to apply).
func migratedDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	migrated.For(t, dir)
	return dir
}

// newTestStore opens a migrated store in a temp dir, on the engine the
// suite runs on.
func newTestStore(t testing.TB) *Store {
	t.Helper()
	st := openTestStore(t, migratedDir(t))
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

// testOptions is opts on the engine the suite runs on (see testpg.URLFor).
func testOptions(t testing.TB, opts Options) Options {
	t.Helper()
	opts.DatabaseURL = testpg.URLFor(t, opts.Dir)
	return opts
}

// onPostgres tells whether the suite runs on PostgreSQL.
func onPostgres() bool { return testpg.OnPostgres() }

// sqliteOnly skips t on PostgreSQL: what it tests is SQLite's own (its
// file, its backup, its planner).
func sqliteOnly(t testing.TB) {
	t.Helper()
	if onPostgres() {
		t.Skip("SQLite only")
	}
}

var testHasher = passwords.NewHasher(passwords.DefaultParams, 0)

// newTestStoreWithEditor is newTestStore with one editor account, Ed, for
// tests that write case files as him.
func newTestStoreWithEditor(t *testing.T) (*Store, Actor) {
	t.Helper()
	st := newTestStore(t)
	acc, err := st.CreateAccount(context.Background(), testHasher, Actor{}, NewAccount{Email: "ed@example.org", Name: "Ed", Password: "a long enough passphrase", Role: RoleEditor})
	if err != nil {
		t.Fatal(err)
	}
	return st, Actor{Account: acc}
}

func TestMigrationsAreRecordedAndRunOnce(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st := openTestStore(t, dir)
	pending, err := st.PendingMigrations(ctx)
	if err != nil || len(pending) == 0 {
		t.Fatalf("a new database has pending migrations: %v %v", pending, err)
	}
	applied, err := st.Migrate(ctx)
	if err != nil || len(applied) != len(pending) {
		t.Fatalf("applied %v, want %v (%v)", applied, pending, err)
	}
	st.Close()

	st = openTestStore(t, dir)
	defer st.Close()
	again, err := st.Migrate(ctx)
	if err != nil || len(again) != 0 {
		t.Fatalf("second run applied %v (%v)", again, err)
	}
	var n int
	if err := st.read.NewSelect().Table("bun_migrations").ColumnExpr("count(*)").Scan(ctx, &n); err != nil || n != len(pending) {
		t.Fatalf("bun_migrations has %d rows (%v), want %d", n, err, len(pending))
	}
}

// Each store the tests open from the migrated template (migratedDir) starts
// with every migration applied and nothing else of another test's, and
// opening its directory again finds what it wrote.
func TestMigratedTemplateGivesEachStoreItsOwnDatabase(t *testing.T) {
	ctx := context.Background()
	dirA, dirB := migratedDir(t), migratedDir(t)
	a, b := openTestStore(t, dirA), openTestStore(t, dirB)
	defer b.Close()
	all, err := migrations(a.db.Writer().Dialect().Name())
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []*Store{a, b} {
		if pending, err := st.PendingMigrations(ctx); err != nil || len(pending) != 0 {
			t.Fatalf("a store from the template has pending migrations: %v %v", pending, err)
		}
		var n int
		if err := st.read.NewSelect().Table("bun_migrations").ColumnExpr("count(*)").Scan(ctx, &n); err != nil || n != len(all.Sorted()) {
			t.Fatalf("bun_migrations has %d rows (%v), want %d", n, err, len(all.Sorted()))
		}
	}
	if err := a.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES ('template_test', 'a')")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	a.Close()
	count := func(st *Store) int64 {
		t.Helper()
		n, err := st.read.NewSelect().Table("settings").Where("key = 'template_test'").Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(b); n != 0 {
		t.Errorf("another store from the template sees %d rows written by the first", n)
	}
	a = openTestStore(t, dirA)
	defer a.Close()
	if n := count(a); n != 1 {
		t.Errorf("the first store's directory opened again holds %d of the rows it wrote, want 1", n)
	}
}

// A backup taken while another goroutine keeps writing is a consistent copy
// that passes integrity_check and holds every row committed before it began.
func TestBackupWhileWriting(t *testing.T) {
	sqliteOnly(t)
	st := newTestStore(t)
	ctx := context.Background()
	var wrote atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			err := st.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
				return st.appendAudit(ctx, tx, Actor{ClientIP: "test"}, Audit{Action: "test.write"})
			})
			if err != nil {
				t.Error(err)
				return
			}
			wrote.Add(1)
		}
	}()
	for wrote.Load() < 50 {
		time.Sleep(time.Millisecond)
	}
	before := wrote.Load()
	out := filepath.Join(t.TempDir(), "backup.db")
	if _, err := st.Backup(ctx, out); err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()
	if err := CheckIntegrity(ctx, out); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+out+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int64
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM audit_entries").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n < before {
		t.Fatalf("backup has %d entries, %d were committed before it began", n, before)
	}
	if _, err := st.Backup(ctx, out); err == nil {
		t.Fatal("backup overwrote an existing file")
	}
}

// A backup holds the attachments (still encrypted) and their key, and a
// data directory rebuilt from it serves them back byte for byte.
func TestBackupRestoresAttachments(t *testing.T) {
	sqliteOnly(t)
	st, ed := newTestStoreWithEditor(t)
	ctx := context.Background()
	c, err := st.CreateCase(ctx, ed, NewCase{Title: "Dossier", CategoryID: "autre"})
	if err != nil {
		t.Fatal(err)
	}
	content := []byte("Compte rendu de l'entretien.\n")
	a, err := st.AddAttachment(ctx, ed, c.ID, "entretien.txt", content)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "backup.db")
	res, err := st.Backup(ctx, out)
	if err != nil || res.Attachments != 1 {
		t.Fatalf("backup: %+v %v", res, err)
	}
	// Restore: the database as cloison.db, the attachments and the key beside it.
	restored := t.TempDir()
	if err := copyFile(out, filepath.Join(restored, DatabaseFile)); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(res.AttachmentsDir, attachmentsDir), filepath.Join(restored, attachmentsDir)); err != nil {
		t.Fatal(err)
	}
	if err := copyFile(filepath.Join(res.AttachmentsDir, KeyFile), filepath.Join(restored, KeyFile)); err != nil {
		t.Fatal(err)
	}
	back := openTestStore(t, restored)
	defer back.Close()
	_, got, err := back.OpenAttachment(ctx, ed, c.ID, a.ID)
	if err != nil || !bytes.Equal(got, content) {
		t.Fatalf("restored attachment: %q %v", got, err)
	}
}
