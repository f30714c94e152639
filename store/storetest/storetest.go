// Package storetest gives the tests of the store's callers a data
// directory whose database already holds every migration, on the engine
// the suites run on (testpg.Template).
package storetest

import (
	"context"
	"errors"
	"testing"

	"cloison/internal/testpg"
	"cloison/store"
)

// migrated is this test process's template.
var migrated = &testpg.Template{File: store.DatabaseFile, Migrate: func(ctx context.Context, dir, url string) error {
	st, err := store.Open(ctx, store.Options{Dir: dir, DatabaseURL: url})
	if err != nil {
		return err
	}
	_, err = st.Migrate(ctx)
	return errors.Join(err, st.Close())
}}

// Migrated readies the data directory dir with a migrated database and
// returns the URL a store opens it with (see testpg.Template.For).
func Migrated(t testing.TB, dir string) string {
	t.Helper()
	return migrated.For(t, dir)
}
