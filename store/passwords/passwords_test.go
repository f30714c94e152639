package passwords

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// Cheap parameters keep the tests fast; the code paths are the same.
var testParams = Params{Memory: 64, Time: 1, Threads: 1}

func TestHashVerifiesOnlyItsPassword(t *testing.T) {
	h := NewHasher(testParams, 1)
	ctx := context.Background()
	enc, err := h.Hash(ctx, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("encoded hash %q", enc)
	}
	if ok, err := h.Verify(ctx, enc, "correct horse battery"); err != nil || !ok {
		t.Fatalf("right password: %v %v", ok, err)
	}
	if ok, err := h.Verify(ctx, enc, "correct horse batterY"); err != nil || ok {
		t.Fatalf("wrong password: %v %v", ok, err)
	}
	if _, err := h.Verify(ctx, "$bcrypt$whatever", "x"); !errors.Is(err, errFormat) {
		t.Fatalf("foreign hash: %v", err)
	}
}

// An account without a password is checked against the dummy hash: a real
// Argon2id check with the hasher's parameters that never matches.
func TestDummyHashIsWellFormedAndMatchesNothing(t *testing.T) {
	h := NewHasher(DefaultParams, 1)
	if !strings.HasPrefix(h.dummy, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("dummy %q does not carry the hasher's parameters", h.dummy)
	}
	if h.dummy == NewHasher(DefaultParams, 1).dummy {
		t.Fatal("two hashers share a dummy hash")
	}
	ctx := context.Background()
	for _, pw := range []string{"", "dummy password never used for any account"} {
		if ok, err := verify(h.dummy, pw); err != nil || ok {
			t.Fatalf("dummy against %q: %v %v", pw, ok, err)
		}
		if ok, err := h.Verify(ctx, "", pw); err != nil || ok {
			t.Fatalf("no password against %q: %v %v", pw, ok, err)
		}
	}
}

// A hash waits for a free slot; a caller who gives up while all are taken
// gets its context's error.
func TestHashesWaitForASlot(t *testing.T) {
	h := NewHasher(testParams, 2)
	if got := h.MemoryBound(); got != 3*64*1024 {
		t.Fatalf("memory bound %d", got)
	}
	for range 2 {
		if err := h.acquire(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.Hash(ctx, "correct horse battery"); !errors.Is(err, context.Canceled) {
		t.Fatalf("hash with every slot taken: %v", err)
	}
	if _, err := h.Verify(ctx, "", "x"); !errors.Is(err, context.Canceled) {
		t.Fatalf("verify with every slot taken: %v", err)
	}
	h.release()
	if _, err := h.Hash(context.Background(), "correct horse battery"); err != nil {
		t.Fatal(err)
	}
}

func TestCheckRefusesShortLongAndCommonPasswords(t *testing.T) {
	for pw, want := range map[string]string{
		"short":                   ReasonTooShort,
		strings.Repeat("é", 257):  ReasonTooLong,
		"correct horse battery":   "",
		strings.Repeat("é", 10):   "",
		"A123456789":              ReasonCommon, // compared without case
		"bench-password-2026 ok!": "",
	} {
		if got := Check(pw); got != want {
			t.Errorf("Check(%q) = %q, want %q", pw, got, want)
		}
	}
}

// The hashes' memory is handed back to the system once no hash has run for
// the delay: not while one runs, not when another starts within the delay
// (a burst of logins), once after the last of them.
func TestMemoryHandedBackOnceHashesStop(t *testing.T) {
	h := NewHasher(testParams, 2)
	h.releaseAfter = 200 * time.Millisecond
	freed := make(chan struct{}, 10)
	h.freeMemory = func() { freed <- struct{}{} }
	none := func(when string) {
		t.Helper()
		select {
		case <-freed:
			t.Fatalf("memory handed back %s", when)
		case <-time.After(2 * h.releaseAfter):
		}
	}
	once := func(when string) {
		t.Helper()
		select {
		case <-freed:
		case <-time.After(10 * time.Second):
			t.Fatalf("memory not handed back %s", when)
		}
		none(when + ", a second time")
	}
	ctx := context.Background()
	for range 2 {
		if err := h.acquire(ctx); err != nil {
			t.Fatal(err)
		}
	}
	h.release()
	none("while a hash runs")
	h.release()
	if err := h.acquire(ctx); err != nil { // within the delay: a burst goes on
		t.Fatal(err)
	}
	none("while the burst goes on")
	h.release()
	once("after the last hash")
	if _, err := h.Hash(ctx, "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	once("after a hash")
	if _, err := h.Verify(ctx, "", "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	once("after a check")
}
