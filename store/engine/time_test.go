package engine

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
)

// Times selected as text are read back whatever layout wrote them: bun's,
// the driver's (nanoseconds), RFC 3339; NULL only into a nullable time.
func TestTimeTextReadsEveryLayoutTheStoreWrites(t *testing.T) {
	want := time.Date(2026, 11, 22, 12, 5, 19, 221_000_000, time.UTC)
	for _, text := range []any{
		"2026-11-22 12:05:19.221+00:00",
		"2026-11-22 12:05:19.221000000+00:00",
		"2026-11-22 13:05:19.221+01:00",
		"2026-11-22T12:05:19.221Z",
		[]byte("2026-11-22 12:05:19.221+00:00"),
		want.In(time.FixedZone("X", 3600)),
	} {
		var got time.Time
		if err := (timeText{&got}).Scan(text); err != nil {
			t.Fatalf("%v: %v", text, err)
		}
		if !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("%v: read %v", text, got)
		}
	}
	var got time.Time
	for _, bad := range []string{"22/11/2026", "2026-02-31 12:05:19.221+00:00", "2026-11-22 25:05:19+00:00", "2026-11-22 12:05:19.+00:00"} {
		if err := (timeText{&got}).Scan(bad); err == nil {
			t.Errorf("%q was read as %v", bad, got)
		}
	}
	// The fast reading agrees with time.Parse on every precision.
	for _, text := range []string{"2026-11-22 12:05:19+00:00", "2026-11-22 12:05:19.2+00:00", "2026-11-22 12:05:19.221+00:00",
		"2026-11-22 12:05:19.221345+00:00", "2026-11-22 12:05:19.123456789+00:00", "2024-02-29 00:00:00.000+00:00"} {
		fast, ok := parseUTCText(text)
		slow, err := time.Parse(sqlTime, text)
		if !ok || err != nil || !fast.Equal(slow) {
			t.Errorf("%q: fast %v (%v), time.Parse %v (%v)", text, fast, ok, slow, err)
		}
	}
	p := &want
	if err := (timeTextOrNil{&p}).Scan(nil); err != nil || p != nil {
		t.Errorf("NULL read as %v, %v", p, err)
	}
	if err := (timeTextOrNil{&p}).Scan("2026-11-22 12:05:19.221+00:00"); err != nil || p == nil || !p.Equal(want) {
		t.Errorf("a time read as %v, %v", p, err)
	}
}

// On both engines, a time written through bun and one bound to a prepared
// statement are stored as the same text, read back as the same instant,
// and sort by the text as they do in time (PostgreSQL keeps times in a
// TEXT COLLATE "C" column, SQLite in a TIMESTAMP one).
func TestTimesAreTheSameTextOnBothEngines(t *testing.T) {
	onEachEngine(t, func(t *testing.T, fresh func(testing.TB) Driver) {
		var set Statements
		insert := set.Write("INSERT INTO times (id, at) VALUES (?, ?)")
		ctx := context.Background()
		st, err := Open(ctx, fresh(t), Options{Statements: &set})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		column := "TIMESTAMP"
		if st.Writer().Dialect().Name() == dialect.PG {
			column = `TEXT COLLATE "C"`
		}
		if _, err := st.Writer().ExecContext(ctx, "CREATE TABLE times (id INTEGER PRIMARY KEY, at "+column+" NOT NULL)"); err != nil {
			t.Fatal(err)
		}
		if err := st.Migrated(ctx); err != nil {
			t.Fatal(err)
		}
		base := time.Date(2026, 11, 22, 12, 5, 19, 0, time.UTC)
		times := []time.Time{base.Add(210 * time.Millisecond), base, base.Add(221 * time.Millisecond), base.Add(-time.Second)}
		err = st.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			for i, at := range times {
				if i%2 == 0 {
					if _, err := tx.NewRaw("INSERT INTO times (id, at) VALUES (?, ?)", i, at).Exec(ctx); err != nil {
						return err
					}
				} else if err := st.Exec(ctx, tx, insert, i, at); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var texts []string
		if err := st.read.NewRaw("SELECT '' || at FROM times ORDER BY at").Scan(ctx, &texts); err != nil {
			t.Fatal(err)
		}
		want := []string{"2026-11-22 12:05:18+00:00", "2026-11-22 12:05:19+00:00", "2026-11-22 12:05:19.21+00:00", "2026-11-22 12:05:19.221+00:00"}
		if !slices.Equal(texts, want) {
			t.Fatalf("stored %q, want %q", texts, want)
		}
		var read []time.Time
		if err := st.read.NewRaw("SELECT at FROM times ORDER BY id").Scan(ctx, &read); err != nil {
			t.Fatal(err)
		}
		for i, at := range read {
			if !at.Equal(times[i]) {
				t.Errorf("time %d read as %v, want %v", i, at, times[i])
			}
		}
	})
}
