// Package testpg gives tests a fresh PostgreSQL database of their own on the
// server CLOISON_TEST_DATABASE_URL names (scripts/testpg.sh starts a
// throwaway one for `make test`), dropped when the test ends, and, on
// either engine, a database already migrated (Template).
package testpg

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL is the variable that names the server the tests may create
// databases on.
const EnvURL = "CLOISON_TEST_DATABASE_URL"

// EnvEngine names the engine the store's and the server's suites run on:
// "postgres" for PostgreSQL, anything else for SQLite (make test runs them
// both ways).
const EnvEngine = "CLOISON_TEST_ENGINE"

// OnPostgres tells whether the suites run on PostgreSQL.
func OnPostgres() bool { return os.Getenv(EnvEngine) == "postgres" }

// URLFor is the database URL a test's store in the data directory dir
// opens: "" (SQLite, in dir) unless the suites run on PostgreSQL, and then
// a fresh database of t's, the same one each time the test opens dir again.
func URLFor(t testing.TB, dir string) string {
	t.Helper()
	if !OnPostgres() {
		return ""
	}
	if u, ok := byDir.Load(dir); ok {
		return u.(string)
	}
	u := Database(t)
	byDir.Store(dir, u)
	return u
}

// byDir maps a test's data directory to its database.
var byDir sync.Map

// Available tells whether EnvURL is set.
func Available() bool { return os.Getenv(EnvURL) != "" }

// Database creates an empty database for t and returns its URL; it is
// dropped (its connections ended) when t ends. Without EnvURL, t is
// skipped: `make test` always sets it.
func Database(t testing.TB) string {
	t.Helper()
	return create(t, "template0")
}

// create creates a database for t, a copy of template, dropped when t
// ends, and returns its URL.
func create(t testing.TB, template string) string {
	t.Helper()
	base := os.Getenv(EnvURL)
	if base == "" {
		t.Skip(EnvURL + " is not set: no PostgreSQL to test on (make test starts one)")
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s does not parse as a URL", EnvURL)
	}
	name := "cloison_test_" + randomHex()
	// template0 for an empty database: one with nothing an earlier test
	// (or the server's owner) put in template1.
	if err := admin("CREATE DATABASE " + name + " TEMPLATE " + template + " ENCODING 'UTF8'"); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		if err := admin("DROP DATABASE " + name + " WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

// adminConn is the connection to EnvURL's database that creates and drops
// the tests' databases, opened at the first and kept: connecting took some
// 30 ms, twice for each of a suite's hundreds of databases.
var adminConn struct {
	sync.Mutex
	conn *pgx.Conn
}

// admin runs statement on adminConn, connecting again when it was lost.
func admin(statement string) error {
	adminConn.Lock()
	defer adminConn.Unlock()
	ctx := context.Background()
	if adminConn.conn == nil || adminConn.conn.IsClosed() {
		conn, err := pgx.Connect(ctx, os.Getenv(EnvURL))
		if err != nil {
			return fmt.Errorf("connect to %s: %w", EnvURL, err)
		}
		adminConn.conn = conn
	}
	_, err := adminConn.conn.Exec(ctx, statement)
	return err
}

// randomHex is 16 random hexadecimal digits, for a database's name.
func randomHex() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Template gives each test a database that already holds every migration,
// copied from one the test process migrates once (Migrate): migrating a
// fresh database cost each of the suites' hundreds of stores some 170 ms
// on SQLite and 430 on PostgreSQL, where a copy costs a few milliseconds
// on SQLite and some 80 on PostgreSQL. A test package keeps one Template in
// a variable; For gives a data directory its copy.
type Template struct {
	// File is the database's file in a data directory on SQLite.
	File string
	// Migrate migrates the database of the data directory dir, at url on
	// PostgreSQL ("" on SQLite), and closes it.
	Migrate func(ctx context.Context, dir, url string) error

	once sync.Once
	err  error
	// files are, on SQLite, the migrated database's files by name.
	files map[string][]byte
	// database is, on PostgreSQL, the migrated template database's name.
	database string
}

// templateLife is how long a template database outlives the process that
// made it, on a server the tests did not start (see dropStaleTemplates).
const templateLife = 2 * time.Hour

// templatePrefix starts every template database's name, followed by the
// Unix time it was made at.
const templatePrefix = "cloison_tmpl_"

// For readies, for a store about to open the data directory dir, a
// database holding every migration, and returns the URL to open it with,
// as URLFor does: on SQLite ("") the template's file copied into dir
// unless dir already holds one, on PostgreSQL a database of t's created
// from the template database, the same one each time dir is opened again.
// Tests that migrate step by step, or need an empty database, use URLFor
// or Database instead.
func (tp *Template) For(t testing.TB, dir string) string {
	t.Helper()
	if u, ok := byDir.Load(dir); ok {
		return u.(string)
	}
	if OnPostgres() && !Available() {
		t.Skip(EnvURL + " is not set: no PostgreSQL to test on (make test starts one)")
	}
	tp.once.Do(func() { tp.err = tp.make() })
	if tp.err != nil {
		t.Fatalf("migrated template: %v", tp.err)
	}
	if !OnPostgres() {
		if _, err := os.Stat(filepath.Join(dir, tp.File)); err == nil {
			return ""
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		for name, data := range tp.files {
			if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		return ""
	}
	u := create(t, tp.database)
	byDir.Store(dir, u)
	return u
}

// make migrates the template once: on SQLite in a directory of its own,
// whose database files it keeps in memory; on PostgreSQL into a database
// left for the process's tests to copy (a database cannot be dropped when
// the last test that needs it ends, which nothing tells; stale ones are
// dropped by the next process that makes one).
func (tp *Template) make() error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "cloison-template-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if !OnPostgres() {
		if err := tp.Migrate(ctx, dir, ""); err != nil {
			return err
		}
		tp.files = map[string][]byte{}
		// The store checkpoints its log when it closes; a log left all
		// the same belongs with the database.
		for _, name := range []string{tp.File, tp.File + "-wal"} {
			data, err := os.ReadFile(filepath.Join(dir, name))
			if errors.Is(err, os.ErrNotExist) && name != tp.File {
				continue
			}
			if err != nil {
				return err
			}
			tp.files[name] = data
		}
		return nil
	}
	base, err := url.Parse(os.Getenv(EnvURL))
	if err != nil || base.String() == "" {
		return errors.New(EnvURL + " is not set or does not parse as a URL")
	}
	if err := dropStaleTemplates(ctx, base.String()); err != nil {
		return err
	}
	tp.database = fmt.Sprintf("%s%d_%s", templatePrefix, time.Now().Unix(), randomHex())
	if err := admin("CREATE DATABASE " + tp.database + " TEMPLATE template0 ENCODING 'UTF8'"); err != nil {
		return err
	}
	u := *base
	u.Path = "/" + tp.database
	return tp.Migrate(ctx, dir, u.String())
}

// dropStaleTemplates drops the template databases made more than
// templateLife ago: on the throwaway server of `make test` there are none,
// on one a developer keeps they would pile up, one per test package and
// run.
func dropStaleTemplates(ctx context.Context, base string) error {
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, "SELECT datname FROM pg_database WHERE starts_with(datname, $1)", templatePrefix)
	if err != nil {
		return err
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for _, name := range names {
		made, _, _ := strings.Cut(strings.TrimPrefix(name, templatePrefix), "_")
		sec, err := strconv.ParseInt(made, 10, 64)
		if err != nil || time.Since(time.Unix(sec, 0)) < templateLife {
			continue
		}
		if err := admin("DROP DATABASE IF EXISTS " + pgx.Identifier{name}.Sanitize() + " WITH (FORCE)"); err != nil {
			return err
		}
	}
	return nil
}
