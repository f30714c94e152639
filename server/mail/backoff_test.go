package mail

import (
	"testing"
	"time"

	"cloison/server/config"
)

func TestBackoffDoublesUpToTheCapWithJitter(t *testing.T) {
	s := NewSender(config.SMTP{}, nil, nil)
	for n := 1; n <= 15; n++ {
		want := min(DefaultBackoffBase<<(n-1), DefaultBackoffMax)
		lo, hi := time.Duration(float64(want)*(1-jitter)), time.Duration(float64(want)*(1+jitter))
		seen := map[time.Duration]bool{}
		for range 50 {
			d := s.backoff(n)
			if d < lo || d > hi {
				t.Fatalf("backoff(%d) = %s, want %s ±20%%", n, d, want)
			}
			seen[d] = true
		}
		if len(seen) < 2 {
			t.Errorf("backoff(%d) has no jitter", n)
		}
	}
	custom := NewSender(config.SMTP{}, nil, nil, WithBackoff(time.Second, 5*time.Second, 3))
	if custom.maxAttempts != 3 || custom.backoff(10) > 6*time.Second {
		t.Errorf("WithBackoff not applied: %+v", custom)
	}
}
