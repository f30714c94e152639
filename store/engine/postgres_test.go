package engine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cloison/internal/testpg"

	"github.com/jackc/pgx/v5"
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

// Writers queue on the write lock: a second writer that starts while the
// first has read the chain's end waits for the first's COMMIT, then reads
// and extends what it wrote; neither fails nor runs twice, and the chain
// stays whole.
func TestPostgresWritersQueue(t *testing.T) {
	st := newTestDBOn(t, Postgres{URL: testpg.Database(t)})
	ctx := context.Background()
	var runs atomic.Int32
	other := make(chan error)
	err := st.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		runs.Add(1)
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM chain").Scan(&n); err != nil {
			return err
		}
		go func() {
			other <- st.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
				runs.Add(1)
				return insertAudited(ctx, st, tx, "other")
			})
		}()
		// The other writer is under way and must wait for this one.
		select {
		case err := <-other:
			return fmt.Errorf("the other writer did not wait: %v", err)
		case <-time.After(200 * time.Millisecond):
		}
		return insertAudited(ctx, st, tx, "first")
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-other; err != nil {
		t.Fatalf("the other writer: %v", err)
	}
	if runs.Load() != 2 {
		t.Fatalf("the writers ran %d times, want 2 (once each)", runs.Load())
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

// Analyze, which a bulk load ends with, vacuums too on PostgreSQL, so that
// the loaded tables' pages are marked all-visible (an index-only scan then
// does not read the table's rows as well) and the versions their updates
// left dead are gone. Whether VACUUM may mark a page depends on every
// transaction running meanwhile, even in other databases of the cluster,
// so the test checks that it ran, and what it removed.
func TestPostgresAnalyzeVacuums(t *testing.T) {
	st := newTestDBOn(t, Postgres{URL: testpg.Database(t)})
	ctx := context.Background()
	if err := st.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, "INSERT INTO settings (key, value) SELECT 'k' || i, 'v' FROM generate_series(1, 3000) AS i"); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "UPDATE settings SET value = 'w'")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var vacuumed, analyzed bool
	stats := func() {
		t.Helper()
		// A new transaction each time: the statistics a backend reads are
		// kept until its transaction ends.
		if err := st.read.QueryRowContext(ctx, `SELECT last_vacuum IS NOT NULL, last_analyze IS NOT NULL
			FROM pg_stat_user_tables WHERE relname = 'settings'`).Scan(&vacuumed, &analyzed); err != nil {
			t.Fatal(err)
		}
	}
	stats()
	if vacuumed || analyzed {
		t.Fatal("settings was vacuumed or analyzed before Analyze: the test shows nothing")
	}
	if err := st.Analyze(ctx); err != nil {
		t.Fatal(err)
	}
	stats()
	if !vacuumed || !analyzed {
		t.Fatalf("after Analyze: vacuumed %v, analyzed %v", vacuumed, analyzed)
	}
}

// A statement that is not registered goes to PostgreSQL with its arguments
// apart, in one text whatever they are (so that pgx keeps it prepared and
// PostgreSQL plans it once), and the same read or write with a value bun
// formats its own way still runs through bun. Its connections plan each
// statement once.
func TestPostgresUnregisteredStatementsKeepOneText(t *testing.T) {
	db := newTestDBOn(t, Postgres{URL: testpg.Database(t)}, Options{ReadConns: 1})
	ctx := context.Background()
	const probe = `SELECT ? || '/unregistered-probe'`
	for _, v := range []string{"a", "b", "c"} {
		var got string
		if err := db.QueryRow(ctx, db.Reader(), probe, []any{v}, &got); err != nil || got != v+"/unregistered-probe" {
			t.Fatalf("%q: %q, %v", v, got, err)
		}
	}
	var texts []string
	rows, err := db.Reader().QueryContext(ctx, `SELECT statement FROM pg_prepared_statements WHERE statement LIKE '%/unregistered-probe%' AND statement NOT LIKE '%pg_prepared_statements%'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		texts = append(texts, s)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	if len(texts) != 1 || texts[0] != `SELECT $1 || '/unregistered-probe'` {
		t.Errorf("the one reader holds %q, want the one text with $1", texts)
	}
	var mode string
	if err := db.Reader().QueryRowContext(ctx, "SHOW plan_cache_mode").Scan(&mode); err != nil || mode != "force_generic_plan" {
		t.Errorf("plan_cache_mode %q (%v)", mode, err)
	}
	// bun.In is bun's to write out.
	var n int
	if err := db.QueryRow(ctx, db.Reader(), `SELECT count(*) FROM (VALUES ('a'), ('b'), ('c')) AS v (x) WHERE x IN (?)`, []any{bun.In([]string{"a", "c"})}, &n); err != nil || n != 2 {
		t.Errorf("bun.In: %d, %v", n, err)
	}
	err = db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := db.Exec(ctx, tx, `CREATE TEMPORARY TABLE probe (x text, n bigint, b boolean) ON COMMIT DROP`); err != nil {
			return err
		}
		return db.Exec(ctx, tx, `INSERT INTO probe VALUES (?, ?, ?)`, "x", 7, true)
	})
	if err != nil {
		t.Errorf("a write with its arguments apart: %v", err)
	}
}

// The lanes (LaneDriver): InTxAtEnd's batches write their Concurrent rows
// side by side, and no other writer runs beside a lane, either way round.
func TestPostgresLanesRunSideBySideAndApart(t *testing.T) {
	st := newTestDBOn(t, Postgres{URL: testpg.Database(t), LaneCount: 2})
	if st.lanes == nil {
		t.Fatal("no lanes on PostgreSQL")
	}
	ctx := context.Background()
	entered, gate := make(chan string, 4), make(chan struct{})
	meet := &BatchWrite{Concurrent: true, Run: func(ctx context.Context, tx bun.Tx, values []any) error {
		for _, v := range values {
			entered <- v.(string)
		}
		select {
		case <-gate:
		case <-time.After(10 * time.Second):
			return errors.New("never let go")
		}
		for _, v := range values {
			if _, err := tx.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES (?, 'lane')", v); err != nil {
				return err
			}
		}
		return nil
	}}
	lane := func(key string) <-chan error {
		done := make(chan error, 1)
		go func() {
			done <- st.InTxAtEnd(ctx, func(ctx context.Context, tx bun.Tx) error { return st.AtBatchEnd(ctx, tx, meet, key) })
		}()
		return done
	}
	waitEntered := func(want string) {
		t.Helper()
		select {
		case got := <-entered:
			if got != want {
				t.Fatalf("%s entered, want %s", got, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s never reached its rows: the lanes do not run side by side", want)
		}
	}
	// Side by side: the second lane writes while the first is held in its
	// rows.
	first := lane("a")
	waitEntered("a")
	second := lane("b")
	waitEntered("b")
	// Apart: a writer of InTx waits for the lanes under way.
	var ran atomic.Bool
	other := make(chan error, 1)
	go func() {
		other <- st.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			ran.Store(true)
			return insertAudited(ctx, st, tx, "other")
		})
	}()
	time.Sleep(200 * time.Millisecond)
	if ran.Load() {
		t.Fatal("a writer ran beside the lanes")
	}
	close(gate)
	for _, done := range []<-chan error{first, second, other} {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	for _, key := range []string{"a", "b", "other"} {
		if !settingExists(t, st, key) {
			t.Fatalf("%s is missing", key)
		}
	}
	// And the other way round: a lane waits for the writer under way.
	hold, release := make(chan struct{}), make(chan struct{})
	go func() {
		other <- st.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			close(hold)
			<-release
			return nil
		})
	}()
	<-hold
	gate = make(chan struct{})
	close(gate)
	third := lane("c")
	select {
	case key := <-entered:
		t.Fatalf("lane %s wrote beside a writer", key)
	case <-time.After(200 * time.Millisecond):
	}
	close(release)
	waitEntered("c")
	if err := <-third; err != nil {
		t.Fatal(err)
	}
	if err := <-other; err != nil {
		t.Fatal(err)
	}
}

// Many lanes' batches and other writers at once: every row lands, and the
// chain, which the lanes extend after their turn (LockLane) and the other
// writers under the write lock, stays unbroken.
func TestPostgresLanesKeepTheChain(t *testing.T) {
	st := newTestDBOn(t, Postgres{URL: testpg.Database(t), LaneCount: 4})
	rows := &BatchWrite{Concurrent: true, Query: `INSERT INTO settings (key, value) SELECT value, 'lane' FROM json_array_elements_text(?::json)`}
	chain := &BatchWrite{Run: func(ctx context.Context, tx bun.Tx, values []any) error {
		for _, v := range values {
			var last int64
			if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(id), 0) FROM chain").Scan(&last); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO chain (id, prev, key) VALUES (?, ?, ?)", last+1, last, v); err != nil {
				return err
			}
		}
		return nil
	}}
	const n = 120
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			ctx, key := context.Background(), fmt.Sprintf("k%d", i)
			if i%5 == 0 {
				errs[i] = st.InTx(ctx, func(ctx context.Context, tx bun.Tx) error { return insertAudited(ctx, st, tx, key) })
				return
			}
			errs[i] = st.InTxAtEnd(ctx, func(ctx context.Context, tx bun.Tx) error {
				if err := st.AtBatchEnd(ctx, tx, rows, key); err != nil {
					return err
				}
				return st.AtBatchEnd(ctx, tx, chain, key)
			})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if !settingExists(t, st, fmt.Sprintf("k%d", i)) {
			t.Fatalf("request %d's row is missing", i)
		}
	}
	verifyAudit(t, st, n)
}

// LostSettings names the session settings a connection lacks, as the
// statement that sets them on the database, and the statement does: a
// connection made without them (as through a pooler that drops start-up
// parameters) then has them.
func TestPostgresLostSettingsSaysWhatToSetOnTheDatabase(t *testing.T) {
	url := testpg.Database(t)
	d := Postgres{URL: url, WriteConns: 1}
	// One connection a pool, so that a SET below reaches the connection
	// LostSettings reads.
	db := newTestDBOn(t, d, Options{ReadConns: 1})
	ctx := context.Background()
	lost, err := d.LostSettings(ctx, db)
	if err != nil || len(lost) != 0 {
		t.Fatalf("straight after Open: %q, %v", lost, err)
	}
	dbName := testpgDatabaseName(t, url)
	wantPlans := `ALTER DATABASE "` + dbName + `" SET plan_cache_mode = 'force_generic_plan'`
	wantZone := `ALTER DATABASE "` + dbName + `" SET timezone = 'UTC'`
	for _, c := range []struct {
		name string
		pool *bun.DB
		set  []string
		want []string
	}{
		{"the writer without generic plans", db.Writer(), []string{"SET plan_cache_mode = auto"}, []string{wantPlans}},
		{"and a reader in another time zone", db.Reader(), []string{"SET timezone = 'Europe/Paris'"}, []string{wantPlans, wantZone}},
	} {
		for _, q := range c.set {
			if _, err := c.pool.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		if lost, err := d.LostSettings(ctx, db); err != nil || !slices.Equal(lost, c.want) {
			t.Errorf("%s: %q, %v; want %q", c.name, lost, err, c.want)
		}
	}

	// What it says to run gives a connection made without start-up
	// parameters the settings.
	for _, q := range []string{wantPlans, wantZone} {
		if _, err := db.Writer().ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	bare, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer bare.Close()
	for name, want := range sessionSettings {
		var got string
		if err := bare.QueryRowContext(ctx, "SELECT current_setting($1)", name).Scan(&got); err != nil || got != want {
			t.Errorf("a bare connection after the statements: %s = %q (%v), want %q", name, got, err, want)
		}
	}
}

// testpgDatabaseName is the database a testpg URL names.
func testpgDatabaseName(t *testing.T, url string) string {
	t.Helper()
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	return cfg.Database
}
