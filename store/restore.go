package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/uptrace/bun/dialect"

	"cloison/store/engine"
)

// BackupInfo is what CheckBackup learnt of a backup.
type BackupInfo struct {
	// Migration is the last migration the backup's database applied.
	Migration string
	// Pending are the migrations this binary will apply to it at the next start.
	Pending []string
	// Attachments are the storage names of the files its database names.
	Attachments []string
}

// CheckBackup checks that the SQLite file at path is a sound Cloison
// database that this binary can serve: PRAGMA integrity_check passes, it
// has Cloison's tables and migrations table, and every migration it applied
// is one this binary knows (a backup from a newer Cloison is refused).
func CheckBackup(ctx context.Context, path string) (BackupInfo, error) {
	var info BackupInfo
	if fi, err := os.Stat(path); err != nil {
		return info, err
	} else if !fi.Mode().IsRegular() {
		return info, fmt.Errorf("%s is not a file", path)
	}
	if err := CheckIntegrity(ctx, path); err != nil {
		return info, fmt.Errorf("%s is damaged: %w", path, err)
	}
	db, err := engine.OpenReadOnly(path)
	if err != nil {
		return info, err
	}
	defer db.Close()
	var tables int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'table'
		AND name IN ('bun_migrations', 'accounts', 'cases', 'attachments', 'audit_entries')`).Scan(&tables); err != nil {
		return info, fmt.Errorf("%s is not an SQLite database: %w", path, err)
	}
	if tables < 5 {
		return info, fmt.Errorf("%s is not a Cloison database (its tables are not Cloison's)", path)
	}
	applied, err := queryStrings(ctx, db, "SELECT name FROM bun_migrations ORDER BY name")
	if err != nil {
		return info, err
	}
	ms, err := migrations(dialect.SQLite)
	if err != nil {
		return info, err
	}
	var known []string
	for _, m := range ms.Sorted() {
		known = append(known, m.Name)
	}
	for _, name := range applied {
		if !slices.Contains(known, name) {
			return info, fmt.Errorf("%s was made by a newer Cloison (its migration %s is unknown to this one): restore it with that version or a later one", path, name)
		}
	}
	if len(applied) == 0 {
		return info, fmt.Errorf("%s is not a Cloison database (no migration applied)", path)
	}
	info.Migration = applied[len(applied)-1]
	for _, name := range known {
		if !slices.Contains(applied, name) {
			info.Pending = append(info.Pending, name)
		}
	}
	info.Attachments, err = attachmentNames(ctx, db)
	return info, err
}

// attachmentNames lists the storage names of the attachment files a
// database names.
func attachmentNames(ctx context.Context, db *sql.DB) ([]string, error) {
	return queryStrings(ctx, db, "SELECT storage_name FROM attachments")
}

func queryStrings(ctx context.Context, db *sql.DB, query string) ([]string, error) {
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// RestoreResult says what Restore did.
type RestoreResult struct {
	BackupInfo
	// Database is the restored database file.
	Database string
	// AttachmentsRestored counts the attachment files put back, with their key.
	AttachmentsRestored int
	// KeyRestored says that the backup's attachment key was put back.
	KeyRestored bool
	// Aside is the directory the previous database, attachments and key
	// were moved to; empty when the data directory held none.
	Aside string
	// Moved names the entries moved to Aside.
	Moved []string
}

// dataFiles are the data directory's entries a restore replaces, in the
// order they are moved: the database with its journal, the attachments
// and their key. The lock file and anything else stay.
var dataFiles = []string{DatabaseFile, DatabaseFile + "-wal", DatabaseFile + "-shm", attachmentsDir, KeyFile}

// Restore puts the backup at from, as written by Backup (the database, and
// from + "-attachments" holding the attachments and their key), back into
// the data directory dir. The caller holds dir's lock (LockDir): no server
// may run on it. configuredKey is the attachments.key setting, if any.
//
// Nothing changes unless everything checks out: the backup passes
// CheckBackup, every attachment it names is beside it with the key, and
// that key is the configured one when a key is configured. The backup is
// then copied into a staging directory inside dir; the current files are
// moved to dir/before-restore-TIMESTAMP, and the staged ones into place.
func Restore(ctx context.Context, from, dir, configuredKey string) (RestoreResult, error) {
	var res RestoreResult
	from, err := filepath.Abs(from)
	if err != nil {
		return res, err
	}
	if res.BackupInfo, err = CheckBackup(ctx, from); err != nil {
		return res, err
	}
	beside := from + "-attachments"
	key, err := os.ReadFile(filepath.Join(beside, KeyFile))
	switch {
	case errors.Is(err, os.ErrNotExist) && len(res.Attachments) == 0:
		key = nil
	case errors.Is(err, os.ErrNotExist):
		return res, fmt.Errorf("the backup names %d attachments but %s is missing: restore needs the directory backup wrote beside the file", len(res.Attachments), filepath.Join(beside, KeyFile))
	case err != nil:
		return res, err
	case len(key) != 32:
		return res, fmt.Errorf("%s: want 32 bytes, found %d", filepath.Join(beside, KeyFile), len(key))
	}
	if key != nil && configuredKey != "" {
		if k, err := base64.StdEncoding.DecodeString(configuredKey); err != nil || !bytes.Equal(k, key) {
			return res, fmt.Errorf("the backup's attachments are encrypted with another key than attachments.key in the configuration: "+
				"set attachments.key to the backup's key (%s, in base64), or remove the setting to use the restored key file", filepath.Join(beside, KeyFile))
		}
	}
	var missing []string
	for _, n := range res.Attachments {
		if _, err := os.Stat(filepath.Join(beside, attachmentsDir, n)); err != nil {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return res, fmt.Errorf("the backup names %d attachments, %d of which are missing from %s (first: %s)",
			len(res.Attachments), len(missing), filepath.Join(beside, attachmentsDir), missing[0])
	}

	if err := os.MkdirAll(dir, 0o700); err != nil {
		return res, err
	}
	stamp := time.Now().Format("20060102-150405")
	staging := filepath.Join(dir, ".restore-"+stamp)
	if err := os.Mkdir(staging, 0o700); err != nil {
		return res, err
	}
	defer os.RemoveAll(staging)
	if err := stage(from, beside, staging, res.Attachments, key); err != nil {
		return res, fmt.Errorf("copying the backup into %s: %w", dir, err)
	}

	aside := filepath.Join(dir, "before-restore-"+stamp)
	moved, err := moveEntries(dir, aside, dataFiles)
	if err != nil {
		_, _ = moveEntries(aside, dir, moved)
		return res, fmt.Errorf("moving the current files aside: %w", err)
	}
	if len(moved) > 0 {
		res.Aside, res.Moved = aside, moved
	}
	placed, err := moveEntries(staging, dir, dataFiles)
	if err != nil {
		// Put the previous files back where they were.
		_, _ = moveEntries(dir, staging, placed)
		_, _ = moveEntries(aside, dir, moved)
		return res, fmt.Errorf("putting the backup in place (the previous files are back): %w", err)
	}
	if len(moved) == 0 {
		_ = os.Remove(aside)
	}
	res.Database = filepath.Join(dir, DatabaseFile)
	res.AttachmentsRestored = len(res.Attachments)
	res.KeyRestored = key != nil
	return res, syncDir(dir)
}

// stage copies the backup's database, attachments and key into staging.
func stage(from, beside, staging string, attachments []string, key []byte) error {
	if err := copyFile(from, filepath.Join(staging, DatabaseFile)); err != nil {
		return err
	}
	if key == nil {
		return nil
	}
	if err := os.Mkdir(filepath.Join(staging, attachmentsDir), 0o700); err != nil {
		return err
	}
	for _, n := range attachments {
		if err := copyFile(filepath.Join(beside, attachmentsDir, n), filepath.Join(staging, attachmentsDir, n)); err != nil {
			return err
		}
	}
	return copyFile(filepath.Join(beside, KeyFile), filepath.Join(staging, KeyFile))
}

// moveEntries renames each of names that exists in from into to (created
// when needed) and returns those it moved.
func moveEntries(from, to string, names []string) ([]string, error) {
	var moved []string
	for _, n := range names {
		if _, err := os.Lstat(filepath.Join(from, n)); errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err := os.MkdirAll(to, 0o700); err != nil {
			return moved, err
		}
		if err := os.Rename(filepath.Join(from, n), filepath.Join(to, n)); err != nil {
			return moved, err
		}
		moved = append(moved, n)
	}
	return moved, nil
}

// syncDir makes the renames in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}
