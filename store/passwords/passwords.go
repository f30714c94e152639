// Package passwords hashes and checks passwords with Argon2id and refuses weak
// ones. It never logs or returns a password, and bounds how many hashes run at
// once so that a burst of logins cannot exhaust the memory of a small server.
package passwords

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Params are the Argon2id cost settings; DefaultParams meets OWASP's minimum
// (m = 19 MiB, t = 2, p = 1).
type Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// DefaultParams is used for every new hash.
var DefaultParams = Params{Memory: 19 * 1024, Time: 2, Threads: 1}

const (
	saltLen = 16
	keyLen  = 32
	// MinLength is the minimum number of characters of a password.
	MinLength = 10
	// MaxLength bounds the work an attacker can ask of the hasher.
	MaxLength = 256
)

// Reasons returned by Check, used as validation field reasons.
const (
	ReasonTooShort = "min=10"
	ReasonTooLong  = "max=256"
	ReasonCommon   = "common_password"
)

//go:embed common.txt
var commonList string

var common = sync.OnceValue(func() map[string]struct{} {
	m := map[string]struct{}{}
	sc := bufio.NewScanner(strings.NewReader(commonList))
	for sc.Scan() {
		if w := strings.TrimSpace(sc.Text()); w != "" && !strings.HasPrefix(w, "#") {
			m[strings.ToLower(w)] = struct{}{}
		}
	}
	return m
})

// Check returns "" for an acceptable password, or the reason it is refused.
func Check(pw string) string {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinLength:
		return ReasonTooShort
	case n > MaxLength:
		return ReasonTooLong
	}
	if _, bad := common()[strings.ToLower(pw)]; bad {
		return ReasonCommon
	}
	return ""
}

// Hasher computes and verifies hashes, at most Limit at a time.
type Hasher struct {
	params Params
	slots  chan struct{}
	// dummy is verified against when an account does not exist, so that
	// "unknown e-mail" costs the same time as "wrong password".
	dummy string

	// mu guards running and idle: the hashes under way, and the timer that
	// hands their memory back once none has run for releaseAfter.
	mu      sync.Mutex
	running int
	idle    *time.Timer
	// releaseAfter and freeMemory are releaseDelay and debug.FreeOSMemory;
	// a test shortens the one and counts the calls of the other.
	releaseAfter time.Duration
	freeMemory   func()
}

// releaseDelay is how long the hasher waits, once no hash runs, before it
// has the memory of the last ones collected and handed back to the system.
//
// Why at all: a hash's 19 MiB block is garbage once the hash is done, but
// the collection that ran during the hash saw it live and set the next one
// for when the heap has doubled from there: an idle server kept the block
// resident until some later load had allocated that much (23 MB of heap
// still allocated 10 s after one login, no collection since). Why wait: during a burst of logins each
// hash would otherwise fault in again the memory the last one gave back (a
// quarter more CPU per login, see main's memoryLimit); one second after the
// last, the burst is over. What it costs: one collection of the live heap
// (a few MiB, a few ms) per burst of logins, each of which cost ~100 ms of
// hashing.
const releaseDelay = time.Second

// NewHasher returns a Hasher running at most limit hashes at once (0: one per CPU).
func NewHasher(p Params, limit int) *Hasher {
	if limit <= 0 {
		limit = runtime.NumCPU()
	}
	return &Hasher{params: p, slots: make(chan struct{}, limit), dummy: dummyHash(p),
		releaseAfter: releaseDelay, freeMemory: debug.FreeOSMemory}
}

// dummyHash is a well-formed hash of no password at all: a random salt and a
// random key. Checking a password against it costs exactly what checking a
// real hash costs (the work depends only on the parameters) and can never
// match. Making it costs no hashing: a real hash computed at start left its
// 19 MiB of Argon2 memory in the idle server until the first collection.
func dummyHash(p Params) string {
	salt, key := make([]byte, saltLen), make([]byte, keyLen)
	if _, err := rand.Read(salt); err != nil {
		panic("passwords: no randomness: " + err.Error())
	}
	if _, err := rand.Read(key); err != nil {
		panic("passwords: no randomness: " + err.Error())
	}
	return encode(p, salt, key)
}

// MemoryBound is the memory, in bytes, h's hashes need to run without
// waiting on the garbage collector: each Argon2id hash fills Params.Memory
// KiB, at most limit of them run at once, and the memory of one more, just
// finished, is still to be reclaimed when the next one starts. The server
// sizes its memory limit from it.
func (h *Hasher) MemoryBound() int64 {
	return int64(cap(h.slots)+1) * int64(h.params.Memory) * 1024
}

func (h *Hasher) acquire(ctx context.Context) error {
	select {
	case h.slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	h.mu.Lock()
	h.running++
	if h.idle != nil {
		h.idle.Stop()
	}
	h.mu.Unlock()
	return nil
}

func (h *Hasher) release() {
	<-h.slots
	h.mu.Lock()
	defer h.mu.Unlock()
	h.running--
	if h.running > 0 {
		return
	}
	if h.idle == nil {
		h.idle = time.AfterFunc(h.releaseAfter, h.freeIfIdle)
	} else {
		h.idle.Reset(h.releaseAfter)
	}
}

// freeIfIdle hands the finished hashes' memory back to the system, unless a
// hash started since the timer fired (acquire's Stop came too late).
func (h *Hasher) freeIfIdle() {
	h.mu.Lock()
	busy := h.running > 0
	h.mu.Unlock()
	if !busy {
		h.freeMemory()
	}
}

// Hash returns an encoded Argon2id hash in the PHC string format.
func (h *Hasher) Hash(ctx context.Context, pw string) (string, error) {
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	return h.hash(pw), nil
}

func (h *Hasher) hash(pw string) string {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		panic("passwords: no randomness: " + err.Error())
	}
	return encode(h.params, salt, argon2.IDKey([]byte(pw), salt, h.params.Time, h.params.Memory, h.params.Threads, keyLen))
}

// encode writes a hash in the PHC string format.
func encode(p Params, salt, key []byte) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// Verify tells whether pw matches encoded. An empty encoded (an account with no
// password yet) is checked against a dummy hash and never matches, so that it
// takes as long as a real check.
func (h *Hasher) Verify(ctx context.Context, encoded, pw string) (bool, error) {
	if err := h.acquire(ctx); err != nil {
		return false, err
	}
	defer h.release()
	if encoded == "" {
		_, _ = verify(h.dummy, pw)
		return false, nil
	}
	return verify(encoded, pw)
}

var errFormat = errors.New("passwords: unrecognised hash format")

func verify(encoded, pw string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errFormat
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errFormat
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return false, errFormat
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, errFormat
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil {
		return false, errFormat
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
