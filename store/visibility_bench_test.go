package store_test

import (
	"context"
	"os"
	"strconv"
	"sync"
	"testing"

	"github.com/google/uuid"

	"cloison/store"
	"cloison/store/seed"
)

// The visibility predicate's queries on a seeded database: 100,000 case
// files by default (about 500 per editor), or CLOISON_BENCH_CASES of them
// (1000000 takes a few minutes to seed). The database is seeded once per
// `go test` process and shared by the benchmarks.
//
//	go test ./store -run '^$' -bench Visible -benchtime 2s
//	CLOISON_BENCH_CASES=1000000 go test ./store -run '^$' -bench Visible -timeout 30m

type benchFixture struct {
	st                *store.Store
	editor, admin     store.Actor
	visible, notVisib []string
}

var (
	benchOnce sync.Once
	benchFix  *benchFixture
	benchErr  error
)

func benchStore(b *testing.B) *benchFixture {
	b.Helper()
	benchOnce.Do(func() {
		n := 100000
		if v := os.Getenv("CLOISON_BENCH_CASES"); v != "" {
			if n, benchErr = strconv.Atoi(v); benchErr != nil {
				return
			}
		}
		dir, err := os.MkdirTemp("", "cloison-bench-store-")
		if err != nil {
			benchErr = err
			return
		}
		ctx := context.Background()
		st, err := store.Open(ctx, store.Options{Dir: dir})
		if err != nil {
			benchErr = err
			return
		}
		if _, err := st.Migrate(ctx); err != nil {
			benchErr = err
			return
		}
		editors := max(1, n*118/100/500)
		if _, err := seed.Run(ctx, st, seed.Options{Cases: n, Editors: editors, Admins: 1, Helpers: 20, Random: 7}, "$argon2id$bench"); err != nil {
			benchErr = err
			return
		}
		f := &benchFixture{st: st}
		load := func(email string) store.Actor {
			a := new(store.Account)
			if err := st.Engine().Reader().NewSelect().Model(a).Where("email_key = ?", email).Scan(ctx); err != nil {
				benchErr = err
			}
			return store.Actor{Account: a, SessionID: "bench"}
		}
		f.editor, f.admin = load("editor1@"+seed.Domain), load("admin1@"+seed.Domain)
		mine := map[string]bool{}
		items, _, err := st.ListCases(ctx, f.editor, store.CaseFilter{}, store.Page{Page: 1, PerPage: 200})
		if err != nil || len(items) == 0 {
			benchErr = err
			return
		}
		for _, it := range items {
			f.visible = append(f.visible, it.ID)
			mine[it.ID] = true
		}
		all, _, err := st.ListCases(ctx, f.admin, store.CaseFilter{}, store.Page{Page: 3, PerPage: 200})
		for _, it := range all {
			if !mine[it.ID] {
				f.notVisib = append(f.notVisib, it.ID)
			}
		}
		benchFix, benchErr = f, err
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchFix
}

func benchList(b *testing.B, who func(*benchFixture) store.Actor, f store.CaseFilter) {
	fx := benchStore(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := fx.st.ListCases(ctx, who(fx), f, store.Page{Page: 1, PerPage: 50}); err != nil {
			b.Fatal(err)
		}
	}
}

func editorOf(f *benchFixture) store.Actor { return f.editor }
func adminOf(f *benchFixture) store.Actor  { return f.admin }

func BenchmarkVisibleListEditor(b *testing.B) { benchList(b, editorOf, store.CaseFilter{}) }
func BenchmarkVisibleListAdmin(b *testing.B)  { benchList(b, adminOf, store.CaseFilter{}) }
func BenchmarkVisibleSearchEditor(b *testing.B) {
	benchList(b, editorOf, store.CaseFilter{Q: "consentement"})
}
func BenchmarkVisibleSearchAdmin(b *testing.B) {
	benchList(b, adminOf, store.CaseFilter{Q: "consentement"})
}

func benchGet(b *testing.B, ids func(*benchFixture) []string, want error) {
	fx := benchStore(b)
	ctx := context.Background()
	list := ids(fx)
	if len(list) == 0 {
		b.Skip("no ids")
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_, err := fx.st.GetCase(ctx, fx.editor, list[i%len(list)])
		if err != want {
			b.Fatalf("err = %v, want %v", err, want)
		}
		i++
	}
}

func BenchmarkVisibleGetByID(b *testing.B) {
	benchGet(b, func(f *benchFixture) []string { return f.visible }, nil)
}

func BenchmarkVisibleGetByIDNotVisible(b *testing.B) {
	benchGet(b, func(f *benchFixture) []string { return f.notVisib }, store.ErrNotFound)
}

// BenchmarkVisibleGetByIDNonexistent is the twin of the not-visible one: an
// existing case file the caller may not see must cost what an id that
// exists nowhere costs, or timing would tell them apart.
func BenchmarkVisibleGetByIDNonexistent(b *testing.B) {
	benchGet(b, func(f *benchFixture) []string {
		ids := make([]string, len(f.notVisib))
		for i := range ids {
			ids[i] = uuid.NewString()
		}
		return ids
	}, store.ErrNotFound)
}
