package engine

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"cloison/internal/testpg"

	"github.com/uptrace/bun"
)

func TestPostgresPlaceholdersNumberOnlyTheParameters(t *testing.T) {
	for in, want := range map[string]string{
		"SELECT 1":                           "SELECT 1",
		"SELECT ? , ?":                       "SELECT $1 , $2",
		"WHERE a = '?' AND b = ?":            "WHERE a = '?' AND b = $1",
		`WHERE "what?" = ? AND c = 'it''s?'`: `WHERE "what?" = $1 AND c = 'it''s?'`,
		"SELECT ? -- why?\n, ?":              "SELECT $1 -- why?\n, $2",
		"SELECT /* ? */ ?::json":             "SELECT /* ? */ $1::json",
		"SELECT 'unclosed ?":                 "SELECT 'unclosed ?",
	} {
		if got := (Postgres{}).Placeholders(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

// A write transaction PostgreSQL cannot order with one that committed
// meanwhile (both read the chain's end, the other wrote after it) fails
// with a serialization failure, and InTx runs it again: the chain stays
// whole and each write lands once.
func TestPostgresInTxRunsAgainWhatCouldNotBeOrdered(t *testing.T) {
	st := newTestDBOn(t, Postgres{URL: testpg.Database(t)})
	ctx := context.Background()
	read, other := make(chan struct{}), make(chan error)
	var runs atomic.Int32
	err := st.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if runs.Add(1) == 1 {
			// Read the chain's end, then let another writer commit its
			// entry before writing ours after what we read.
			var n int
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM chain").Scan(&n); err != nil {
				return err
			}
			go func() {
				<-read
				other <- st.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
					return insertAudited(ctx, st, tx, "other")
				})
			}()
			read <- struct{}{}
			if err := <-other; err != nil {
				return fmt.Errorf("the other writer: %w", err)
			}
		}
		return insertAudited(ctx, st, tx, "first")
	})
	if err != nil {
		t.Fatal(err)
	}
	if runs.Load() != 2 {
		t.Fatalf("fn ran %d times, want 2 (once failed, once committed)", runs.Load())
	}
	if !settingExists(t, st, "first") || !settingExists(t, st, "other") {
		t.Fatal("a write is missing")
	}
	verifyAudit(t, st, 2)
	// A failure that is not a serialization failure is not run again.
	runs.Store(0)
	boom := errors.New("boom")
	if err := st.InTx(ctx, func(context.Context, bun.Tx) error { runs.Add(1); return boom }); !errors.Is(err, boom) || runs.Load() != 1 {
		t.Fatalf("a failing fn: %v after %d runs", err, runs.Load())
	}
}

// StripHints takes out SQLite's planner hints and nothing else: not a
// quoted string or name that spells one, not a longer word.
func TestStripHints(t *testing.T) {
	for in, want := range map[string]string{
		"SELECT * FROM grants AS g INDEXED BY grants_list WHERE g.a = ?": "SELECT * FROM grants AS g  WHERE g.a = ?",
		"FROM cases AS c NOT INDEXED JOIN units AS u":                    "FROM cases AS c  JOIN units AS u",
		"SELECT 'INDEXED BY x', \"NOT INDEXED\" FROM t":                  "SELECT 'INDEXED BY x', \"NOT INDEXED\" FROM t",
		"SELECT REINDEXED BY_x FROM t":                                   "SELECT REINDEXED BY_x FROM t",
		"FROM t INDEXED BY   idx_1\nWHERE":                               "FROM t \nWHERE",
		"SELECT 1":                                                       "SELECT 1",
	} {
		if got := StripHints(in); got != want {
			t.Errorf("StripHints(%q) = %q, want %q", in, got, want)
		}
	}
}
