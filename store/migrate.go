package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/uptrace/bun/migrate"
)

// migrationFiles are the ordered, append-only SQL migrations shipped inside the
// binary. A file is never edited once released; a change is a new file.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

func migrations() (*migrate.Migrations, error) {
	m := migrate.NewMigrations()
	// Discover over the embedded FS, not DiscoverCaller, which reads the source
	// tree at run time and would break a shipped binary.
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	if err := m.Discover(sub); err != nil {
		return nil, fmt.Errorf("store: migrations: %w", err)
	}
	return m, nil
}

// Migrate applies every migration not yet recorded in the bun_migrations table,
// each in its own transaction, and returns the names it applied.
func (s *Store) Migrate(ctx context.Context) ([]string, error) {
	ms, err := migrations()
	if err != nil {
		return nil, err
	}
	// Only a migration that succeeded is recorded, so a failed one runs again
	// at the next start instead of being skipped.
	m := migrate.NewMigrator(s.db.Writer(), ms, migrate.WithMarkAppliedOnSuccess(true))
	if err := m.Init(ctx); err != nil {
		return nil, fmt.Errorf("store: migrations table: %w", err)
	}
	group, err := m.Migrate(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: migrate: %w", err)
	}
	names := make([]string, 0, len(group.Migrations))
	for _, mig := range group.Migrations {
		names = append(names, mig.Name)
	}
	// The tables the hot statements use may only exist now; one that does
	// not prepare on the migrated schema is a mistake to fail on at once.
	if err := s.db.Migrated(ctx); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return names, nil
}

// PendingMigrations lists the migrations the database has not applied yet.
func (s *Store) PendingMigrations(ctx context.Context) ([]string, error) {
	ms, err := migrations()
	if err != nil {
		return nil, err
	}
	m := migrate.NewMigrator(s.db.Writer(), ms)
	if err := m.Init(ctx); err != nil {
		return nil, err
	}
	all, err := m.MigrationsWithStatus(ctx)
	if err != nil {
		return nil, err
	}
	pending := all.Unapplied()
	names := make([]string, 0, len(pending))
	for _, mig := range pending {
		names = append(names, mig.Name)
	}
	return names, nil
}
