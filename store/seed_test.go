package store

import (
	"context"
	"testing"
)

func TestSeedProfileTmp(t *testing.T) {
	st := newTestStore(t)
	_, err := st.Seed(context.Background(), SeedOptions{Cases: 6000, Editors: 20, Admins: 1, Helpers: 3}, "$argon2id$fake")
	if err != nil {
		t.Fatal(err)
	}
}
