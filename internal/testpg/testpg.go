// Package testpg gives tests a fresh PostgreSQL database of their own on the
// server CLOISON_TEST_DATABASE_URL names (scripts/testpg.sh starts a
// throwaway one for `make test`), dropped when the test ends.
package testpg

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"sync"
	"testing"

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
	base := os.Getenv(EnvURL)
	if base == "" {
		t.Skip(EnvURL + " is not set: no PostgreSQL to test on (make test starts one)")
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s does not parse as a URL", EnvURL)
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	name := "cloison_test_" + hex.EncodeToString(b[:])
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to %s: %v", EnvURL, err)
	}
	defer admin.Close(ctx)
	// template0: a database with nothing an earlier test (or the
	// server's owner) put in template1.
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE template0 ENCODING 'UTF8'"); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop database %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}
