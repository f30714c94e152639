package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/migrate"
)

// migrationFiles are the ordered, append-only SQL migrations shipped inside the
// binary: SQLite's in migrations/, PostgreSQL's in migrations_pg/ (a
// baseline equal to SQLite's schema after its migration 062, then a twin of
// each later SQLite migration, under the same file name). Numbers are one
// sequence for both engines: a migration one engine alone needs (064, the
// PostgreSQL search's folding) takes a number the other skips, so that a
// twin never has to be numbered apart (TestMigrationsHaveTwins). A file is
// never edited once released; a change is a new file.
//
//go:embed migrations/*.sql migrations_pg/*.sql
var migrationFiles embed.FS

// migrationDirs are the directories of migrationFiles by engine (side by
// side: bun's Discover would take a subdirectory's files for its own).
var migrationDirs = map[dialect.Name]string{
	dialect.SQLite: "migrations",
	dialect.PG:     "migrations_pg",
}

// migrations are the embedded migrations of the engine whose dialect is
// name, in order.
func migrations(name dialect.Name) (*migrate.Migrations, error) {
	dir, ok := migrationDirs[name]
	if !ok {
		return nil, fmt.Errorf("store: no migrations for the %s engine", name)
	}
	ms := migrate.NewMigrations()
	// Discover over the embedded FS, not DiscoverCaller, which reads the source
	// tree at run time and would break a shipped binary.
	sub, err := fs.Sub(migrationFiles, dir)
	if err != nil {
		return nil, err
	}
	if err := ms.Discover(sub); err != nil {
		return nil, fmt.Errorf("store: migrations: %w", err)
	}
	return ms, nil
}

// migrator is a migrator of the embedded migrations on the writer, its
// table of applied migrations made if missing.
func (s *Store) migrator(ctx context.Context, opts ...migrate.MigratorOption) (*migrate.Migrator, error) {
	return migratorOn(ctx, s.db.Writer(), opts...)
}

// migratorOn is a migrator of the embedded migrations of db's engine on
// db, its table of applied migrations made if missing.
func migratorOn(ctx context.Context, db *bun.DB, opts ...migrate.MigratorOption) (*migrate.Migrator, error) {
	ms, err := migrations(db.Dialect().Name())
	if err != nil {
		return nil, err
	}
	m := migrate.NewMigrator(db, ms, opts...)
	if err := m.Init(ctx); err != nil {
		return nil, fmt.Errorf("store: migrations table: %w", err)
	}
	return m, nil
}

// Migrate applies every migration not yet recorded in the bun_migrations table,
// each in its own transaction, and returns the names it applied.
func (s *Store) Migrate(ctx context.Context) ([]string, error) {
	if s.pg {
		unlock, err := s.migrationLock(ctx)
		if err != nil {
			return nil, err
		}
		defer unlock()
	}
	// Only a migration that succeeded is recorded, so a failed one runs again
	// at the next start instead of being skipped.
	m, err := s.migrator(ctx, migrate.WithMarkAppliedOnSuccess(true))
	if err != nil {
		return nil, err
	}
	group, err := m.Migrate(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: migrate: %w", err)
	}
	// The tables the hot statements use may only exist now; one that does
	// not prepare on the migrated schema is a mistake to fail on at once.
	if err := s.db.Migrated(ctx); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return namesOf(group.Migrations), nil
}

// migrationKey is the PostgreSQL advisory lock migrations run under.
const migrationKey = 0x436c6f69736f6e01 // "Cloison", 1

// migrationLock waits for PostgreSQL's advisory lock on migrations, held
// by one connection until unlock: instances started together migrate one
// after the other, the later ones finding nothing left to apply (SQLite's
// data directory lock does the same there).
func (s *Store) migrationLock(ctx context.Context) (unlock func(), err error) {
	conn, err := s.db.Writer().Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: migrate: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", int64(migrationKey)); err != nil {
		conn.Close()
		return nil, fmt.Errorf("store: migrate: lock: %w", err)
	}
	return func() {
		_, _ = conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock(?)", int64(migrationKey))
		conn.Close()
	}, nil
}

// PendingMigrations lists the migrations the database has not applied yet.
func (s *Store) PendingMigrations(ctx context.Context) ([]string, error) {
	m, err := s.migrator(ctx)
	if err != nil {
		return nil, err
	}
	all, err := m.MigrationsWithStatus(ctx)
	if err != nil {
		return nil, err
	}
	return namesOf(all.Unapplied()), nil
}

func namesOf(ms migrate.MigrationSlice) []string {
	names := make([]string, 0, len(ms))
	for _, m := range ms {
		names = append(names, m.Name)
	}
	return names
}
