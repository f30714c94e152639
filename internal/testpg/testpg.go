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
	"testing"

	"github.com/jackc/pgx/v5"
)

// EnvURL is the variable that names the server the tests may create
// databases on.
const EnvURL = "CLOISON_TEST_DATABASE_URL"

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
