package store_test

import (
	"context"
	"encoding/json"
	"testing"

	"cloison/store"
	"cloison/store/seed"
	"cloison/store/storetest"
)

// seeded opens a migrated store in a temporary directory, closed at the end
// of the test, filled by store/seed: many case files, as real use leaves
// them, for the tests that compare two ways of reading them.
func seeded(t testing.TB, opts seed.Options) *store.Store {
	t.Helper()
	return seededOn(t, opts, "")
}

// seededHere is seeded on the engine the suite runs on, from the test
// process's migrated template (storetest).
func seededHere(t testing.TB, opts seed.Options) *store.Store {
	t.Helper()
	dir := t.TempDir()
	return seededIn(t, opts, dir, storetest.Migrated(t, dir))
}

// seededOn is seeded, on the PostgreSQL database at url when it is not
// empty.
func seededOn(t testing.TB, opts seed.Options, url string) *store.Store {
	t.Helper()
	return seededIn(t, opts, t.TempDir(), url)
}

// seededIn is seeded in the data directory dir, on the PostgreSQL database
// at url when it is not empty.
func seededIn(t testing.TB, opts seed.Options, dir, url string) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{Dir: dir, DatabaseURL: url})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := seed.Run(ctx, st, opts, "$argon2id$v=19$test"); err != nil {
		t.Fatal(err)
	}
	return st
}

// seededAccount loads a seeded account by its e-mail.
func seededAccount(t testing.TB, st *store.Store, email string) *store.Account {
	t.Helper()
	a := new(store.Account)
	if err := st.Engine().Reader().NewSelect().Model(a).Where("email = ?", email).Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	return a
}

// seededSession is the seeded account of email with a session of its own
// and that session's token.
func seededSession(t testing.TB, st *store.Store, email string) (*store.Account, string) {
	t.Helper()
	acc := seededAccount(t, st, email)
	tok, err := st.OpenTestSession(context.Background(), acc.ID)
	if err != nil {
		t.Fatal(err)
	}
	return acc, tok
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
