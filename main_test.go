package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"cloison/server/config"
	"cloison/store"
	"cloison/store/passwords"
)

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func runCLI(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(t.Context(), args, strings.NewReader(stdin), &out, &errOut)
	return out.String() + errOut.String(), err
}

func TestVersionAndUnknownCommand(t *testing.T) {
	out, err := runCLI(t, "", "version")
	if err != nil || strings.TrimSpace(out) == "" {
		t.Fatalf("version: %q %v", out, err)
	}
	if _, err := runCLI(t, "", "frobnicate"); err == nil || !strings.Contains(err.Error(), "frobnicate") {
		t.Fatalf("unknown command: %v", err)
	}
}

func TestInvalidConfigNamesTheKey(t *testing.T) {
	t.Setenv("CLOISON_SMTP_TLS", "sometimes")
	_, err := runCLI(t, "", "migrate", "--data", t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "smtp.tls") {
		t.Fatalf("err = %v", err)
	}
}

func TestMigrateThenSuperadminCreate(t *testing.T) {
	dir := t.TempDir()
	out, err := runCLI(t, "", "migrate", "--data", dir)
	if err != nil || !strings.Contains(out, "applied") {
		t.Fatalf("migrate: %q %v", out, err)
	}
	out, err = runCLI(t, "", "migrate", "--data", dir)
	if err != nil || !strings.Contains(out, "up to date") {
		t.Fatalf("second migrate: %q %v", out, err)
	}
	if _, err := runCLI(t, "", "superadmin", "create", "--data", dir, "--email", "a@example.org", "--name", "A"); err == nil {
		t.Fatal("superadmin create without --password-stdin accepted")
	}
	if _, err := runCLI(t, "short\n", "superadmin", "create", "--data", dir, "--email", "a@example.org", "--name", "A", "--password-stdin"); err == nil || !strings.Contains(err.Error(), "password") {
		t.Fatalf("short password: %v", err)
	}
	out, err = runCLI(t, "a long enough passphrase\n", "superadmin", "create", "--data", dir, "--email", "a@example.org", "--name", "A", "--password-stdin")
	if err != nil || !strings.Contains(out, "created") {
		t.Fatalf("create: %q %v", out, err)
	}
	if _, err := runCLI(t, "another long passphrase\n", "superadmin", "create", "--data", dir, "--email", "A@EXAMPLE.org", "--name", "A2", "--password-stdin"); err == nil || !strings.Contains(err.Error(), "taken") {
		t.Fatalf("duplicate e-mail (case-insensitive): %v", err)
	}
	out, err = runCLI(t, "", "audit", "verify", "--data", dir)
	if err != nil || !strings.Contains(out, "intact: 1 entries") {
		t.Fatalf("audit verify: %q %v", out, err)
	}
}

// serve starts `cloison serve` in-process on a free port and returns its base
// URL, its stdout and a function that stops it and returns serve's error.
func serve(t *testing.T, dir string) (string, *lockedBuffer, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := &lockedBuffer{}, &lockedBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--data", dir, "--addr", "127.0.0.1:0"}, strings.NewReader(""), stdout, stderr)
	}()
	addrRe := regexp.MustCompile(`addr=(127\.0\.0\.1:\d+)`)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := addrRe.FindStringSubmatch(stderr.String()); m != nil {
			return "http://" + m[1], stdout, func() error { cancel(); return <-done }
		}
		select {
		case err := <-done:
			t.Fatalf("serve stopped: %v\n%s", err, stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	cancel()
	t.Fatalf("serve did not start:\n%s", stderr.String())
	return "", nil, nil
}

func TestServePrintsSetupLinkAndStopsGracefully(t *testing.T) {
	dir := t.TempDir()
	base, stdout, stop := serve(t, dir)
	resp, err := http.Get(base + "/api/health")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("health: %v %v", resp, err)
	}
	resp.Body.Close()
	resp, err = http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "<html") || resp.Header.Get("Set-Cookie") != "" {
		t.Fatalf("the embedded SPA is not served: %d %.100s", resp.StatusCode, body)
	}
	if !regexp.MustCompile(`http://localhost:\d+/setup#token=[A-Za-z0-9_-]{43}`).MatchString(stdout.String()) {
		t.Fatalf("no setup link in %q", stdout.String())
	}
	if err := stop(); err != nil {
		t.Fatalf("serve returned %v after SIGTERM-like cancel", err)
	}
}

// cloison backup, run while the server is up and the database takes writes,
// gives a copy that passes integrity_check.
func TestBackupWhileServing(t *testing.T) {
	dir := t.TempDir()
	_, _, stop := serve(t, dir)
	defer stop()

	// Another writer on the same files, as a second process would be.
	st, err := store.Open(t.Context(), store.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	h := passwords.NewHasher(passwords.Params{Memory: 64, Time: 1, Threads: 1}, 0)
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ctx.Err() == nil; i++ {
			_, err := st.CreateSuperadmin(ctx, h, store.Actor{}, store.NewAccount{
				Email: fmt.Sprintf("w%d@example.org", i), Name: "W", Password: "a long enough passphrase"}, false)
			if err != nil && ctx.Err() == nil {
				t.Error(err)
				return
			}
		}
	}()
	time.Sleep(100 * time.Millisecond)
	out := filepath.Join(t.TempDir(), "backup.db")
	msg, err := runCLI(t, "", "backup", "--data", dir, "--out", out)
	cancel()
	wg.Wait()
	if err != nil || !strings.Contains(msg, "integrity check passed") {
		t.Fatalf("backup: %q %v", msg, err)
	}
	if err := store.CheckIntegrity(t.Context(), out); err != nil {
		t.Fatal(err)
	}
}

// serve's memory limit: the configured one, else GOMEMLIMIT's, else room
// for the password hashes that may run at once and one more.
func TestMemoryLimitSources(t *testing.T) {
	h := passwords.NewHasher(passwords.DefaultParams, 2)
	noEnv := func(string) string { return "" }
	var cfg config.Config
	if limit, from := memoryLimit(cfg, h, noEnv); from != "automatic" || limit != baseMemory+3*19<<20 {
		t.Fatalf("automatic: %d from %s", limit, from)
	}
	if _, from := memoryLimit(cfg, h, func(k string) string { return map[string]string{"GOMEMLIMIT": "200MiB"}[k] }); from != "GOMEMLIMIT" {
		t.Fatalf("GOMEMLIMIT ignored: from %s", from)
	}
	cfg.Server.MemoryLimitMB = 256
	if limit, from := memoryLimit(cfg, h, func(string) string { return "200MiB" }); from != "server.memory_limit_mb" || limit != 256<<20 {
		t.Fatalf("configured: %d from %s", limit, from)
	}
}
