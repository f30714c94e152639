package engine

import (
	"context"
	"sync"
	"testing"

	"cloison/store/search"
)

// SQLite's Matches says what search.Matcher says: each term the start of a
// token of the three texts together, accents and case aside; a NULL text
// is none; no term is matched by anything. Many readers run it at once,
// each row with the matcher of another search before it.
func TestMatchesIsTheMatcherInSQL(t *testing.T) {
	db := newTestDB(t)
	ctx := context.Background()
	cases := []struct {
		q                     string
		title, summary, notes any
		want                  bool
	}{
		{"nguyen thi", "Famille Nguyễn Thị Ánh", "", "", true},
		{"nguyen absent", "Famille Nguyễn Thị Ánh", "", "", false},
		{"cesar URG", "Césarienne", "", "notes : URGENCES", true},
		{"cesar urg", "précésarienne en urgence", "", "", false},
		{"œuvre appel", "Œuvre", nil, "l’appel du 18 juin", true},
		{"istanbul", nil, nil, "İstanbul", true},
		{"abc", "\xff\xfeabc\xc3", "", "", true},
		{"…", "anything", "", "", true},
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for _, c := range cases {
				var got bool
				err := db.Reader().QueryRowContext(ctx, "SELECT "+Matches+"(?, ?, ?, ?)",
					search.JoinTerms(search.Terms(c.q)), c.title, c.summary, c.notes).Scan(&got)
				if err != nil {
					t.Error(err)
					return
				}
				if got != c.want {
					t.Errorf("%q in %q %q %q: %v, want %v", c.q, c.title, c.summary, c.notes, got, c.want)
				}
			}
		})
	}
	wg.Wait()
}
