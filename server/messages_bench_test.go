package server

import (
	"context"
	"testing"

	"cloison/store"
	"cloison/store/seed"
)

// BenchmarkSendMessage10k sends one message to 10,000 live members: each
// operation is one transaction that renders and enqueues one e-mail per
// recipient (issue 12: under 5 s; 3.6 s on the 2 shared cores of the
// development machine). Run it with
//
//	go test ./server -run '^$' -bench SendMessage10k -benchtime 3x
func BenchmarkSendMessage10k(b *testing.B) {
	e := newTestEnv(b)
	ctx := context.Background()
	hash, err := cheapHasher.Hash(context.Background(), "a long enough passphrase")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := seed.Run(ctx, e.store, seed.Options{Cases: 100, Editors: 10_000, Orgs: 1, Units: 2, Random: 1}, hash); err != nil {
		b.Fatal(err)
	}
	sa := e.superActor()
	msg := store.NewMessage{Subject: "Assemblée générale", Body: "Bonjour,\nL’assemblée aura lieu le 3 mars."}
	n, err := e.store.PreviewMessage(ctx, sa, msg)
	if err != nil || n < 10_000 {
		b.Fatalf("%d recipients: %v", n, err)
	}
	b.ResetTimer()
	for range b.N {
		m, err := e.store.SendMessage(ctx, sa, msg)
		if err != nil || m.Recipients != n {
			b.Fatalf("%+v %v", m, err)
		}
	}
	b.ReportMetric(float64(n), "recipients")
}
