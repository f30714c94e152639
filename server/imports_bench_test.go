package server

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"cloison/store"
)

// BenchmarkImport10k previews, then applies, a roster of 10,000 new
// people for a unit: every line is created, each with its membership, its
// invitation in the outbox and its audit entry, in one transaction (issue
// 12: each under 10 s). Each operation imports into a unit of its own.
// Run it with
//
//	go test ./server -run '^$' -bench Import -benchtime 1x
func BenchmarkImport10k(b *testing.B) {
	e := newTestEnv(b)
	ctx := context.Background()
	sa := e.superActor()
	units, err := e.store.AllUnits(ctx)
	if err != nil {
		b.Fatal(err)
	}
	org := units[0].OrgID
	const lines = 10_000
	n := 0
	roster := func() (string, []byte) {
		n++
		u, err := e.store.CreateUnit(ctx, sa, org, store.NewUnit{Name: fmt.Sprintf("Établissement %d", n), Code: fmt.Sprintf("BENCH-%d", n),
			ContactEmail: "bench@example.org", Reason: "Rentrée scolaire du réseau"})
		if err != nil {
			b.Fatal(err)
		}
		var buf bytes.Buffer
		buf.WriteString("\xEF\xBB\xBFexternal_id;email;name;role;functions;valid_from;valid_until\r\n")
		for i := range lines {
			fmt.Fprintf(&buf, "R%d-%05d;person%d.%05d@example.org;\"Personne %d, n° %d\";member;secretaire|referent;01/09/2026;31/08/2031\r\n", n, i, n, i, n, i)
		}
		return u.ID, buf.Bytes()
	}
	page := store.Page{Page: 1, PerPage: 50}
	b.Run("preview", func(b *testing.B) {
		for range b.N {
			b.StopTimer()
			unit, content := roster()
			b.StartTimer()
			v, err := e.store.PreviewImport(ctx, sa, store.ScopeTypeUnit, unit, "roster.csv", content, page)
			if err != nil || v.Counts.Created != lines {
				b.Fatalf("%+v %v", v.Counts, err)
			}
		}
		b.ReportMetric(lines, "lines")
	})
	b.Run("apply", func(b *testing.B) {
		for range b.N {
			b.StopTimer()
			unit, content := roster()
			v, err := e.store.PreviewImport(ctx, sa, store.ScopeTypeUnit, unit, "roster.csv", content, page)
			if err != nil || v.Counts.Created != lines {
				b.Fatalf("%+v %v", v.Counts, err)
			}
			b.StartTimer()
			if v, err = e.store.ApplyImport(ctx, sa, v.ID, false, page); err != nil || v.Status != store.ImportApplied {
				b.Fatal(err)
			}
		}
		b.ReportMetric(lines, "lines")
	})
}
