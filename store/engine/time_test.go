package engine

import (
	"testing"
	"time"
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
