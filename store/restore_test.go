package store

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
)

// A backup restored into a directory that does not exist yet (a new
// machine) sets nothing aside; one behind this binary's migrations is
// taken, and the migrations it lacks are named (here the record of the
// last one is removed: the check reads the record).
func TestRestoreIntoANewDirectoryAndAnOlderBackup(t *testing.T) {
	sqliteOnly(t)
	st, _ := newTestStoreWithEditor(t)
	ctx := context.Background()
	out := filepath.Join(t.TempDir(), "backup.db")
	if _, err := st.Backup(ctx, out); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", out)
	if err != nil {
		t.Fatal(err)
	}
	var last string
	if err := db.QueryRow("SELECT max(name) FROM bun_migrations").Scan(&last); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("DELETE FROM bun_migrations WHERE name = ?", last); err != nil {
		t.Fatal(err)
	}
	db.Close()

	dir := filepath.Join(t.TempDir(), "new", "data")
	res, err := Restore(ctx, out, dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if res.Aside != "" || len(res.Pending) != 1 || res.Pending[0] != last || res.Migration >= last || res.KeyRestored {
		t.Fatalf("%+v", res)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != DatabaseFile {
		t.Fatalf("the data directory holds %v", entries)
	}
}
