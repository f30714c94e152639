package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"cloison/store/engine"
)

// ErrBackupPostgres is Backup's answer on PostgreSQL: its database is
// copied with PostgreSQL's own tools (pg_dump), which the caller says how
// to run.
var ErrBackupPostgres = errors.New("backup: the database is on PostgreSQL: copy it with pg_dump")

// BackupResult says what a backup wrote.
type BackupResult struct {
	// Database is the SQLite copy.
	Database string
	// AttachmentsDir holds the encrypted attachments the copy names, and the
	// key that decrypts them and the second factors' secrets; empty when
	// there are neither.
	AttachmentsDir string
	Attachments    int
}

// Backup writes a consistent copy of the live database to out with VACUUM INTO,
// which reads one snapshot while the server goes on writing, then checks the
// copy with PRAGMA integrity_check. The attachments that snapshot names are
// copied, still encrypted, with the key, into out + "-attachments". out must
// not exist yet.
func (s *Store) Backup(ctx context.Context, out string) (BackupResult, error) {
	if s.sqlite == nil {
		return BackupResult{}, ErrBackupPostgres
	}
	abs, err := filepath.Abs(out)
	if err != nil {
		return BackupResult{}, err
	}
	res := BackupResult{Database: abs}
	for _, p := range []string{abs, abs + "-attachments"} {
		if _, err := os.Stat(p); err == nil {
			return res, fmt.Errorf("backup: %s already exists", p)
		} else if !errors.Is(err, os.ErrNotExist) {
			return res, fmt.Errorf("backup: %w", err)
		}
	}
	if err := s.backupDatabase(ctx, abs); err != nil {
		return res, err
	}
	if err := CheckIntegrity(ctx, abs); err != nil {
		return res, err
	}
	return s.backupAttachments(ctx, res)
}

func (s *Store) backupDatabase(ctx context.Context, abs string) error {
	if err := s.sqlite.VacuumInto(ctx, abs); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := os.Chmod(abs, 0o600); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}

// backupAttachments copies the blobs the database copy names. Blobs are
// written before their row commits and never changed, so each one the copy
// names exists, unless deleted since; that one is reported missing.
func (s *Store) backupAttachments(ctx context.Context, res BackupResult) (BackupResult, error) {
	db, err := engine.OpenReadOnly(res.Database)
	if err != nil {
		return res, err
	}
	defer db.Close()
	names, err := attachmentNames(ctx, db)
	if err != nil {
		return res, err
	}
	// The key also opens the second factors' secrets: a copy that holds
	// some needs it as much as one that names attachments.
	var factors int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM second_factors").Scan(&factors); err != nil {
		return res, err
	}
	if len(names) == 0 && factors == 0 {
		return res, nil
	}
	res.AttachmentsDir = res.Database + "-attachments"
	if err := os.MkdirAll(filepath.Join(res.AttachmentsDir, attachmentsDir), 0o700); err != nil {
		return res, err
	}
	if err := os.WriteFile(filepath.Join(res.AttachmentsDir, KeyFile), s.key, 0o600); err != nil {
		return res, err
	}
	var missing []string
	for _, n := range names {
		err := copyFile(filepath.Join(s.dir, attachmentsDir, n), filepath.Join(res.AttachmentsDir, attachmentsDir, n))
		switch {
		case errors.Is(err, os.ErrNotExist):
			missing = append(missing, n)
		case err != nil:
			return res, err
		default:
			res.Attachments++
		}
	}
	if len(missing) > 0 {
		return res, fmt.Errorf("backup: %d attachment files missing from %s", len(missing), filepath.Join(s.dir, attachmentsDir))
	}
	return res, nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// CheckIntegrity opens the SQLite file at path read-only and runs PRAGMA integrity_check.
func CheckIntegrity(ctx context.Context, path string) error { return engine.CheckIntegrity(ctx, path) }
