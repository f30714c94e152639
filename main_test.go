package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"cloison/internal/testpg"
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
	if _, err := runCLI(t, "short\n", "superadmin", "create", "--data", dir, "--email", "a@example.org", "--name", "A", "--password-stdin"); err == nil ||
		!strings.Contains(err.Error(), "Le mot de passe est trop court : il faut au moins 10 caractères.") {
		t.Fatalf("short password: %v", err)
	}
	out, err = runCLI(t, "a long enough passphrase\n", "superadmin", "create", "--data", dir, "--email", "a@example.org", "--name", "A", "--password-stdin")
	if err != nil || !strings.Contains(out, "created") {
		t.Fatalf("create: %q %v", out, err)
	}
	if _, err := runCLI(t, "another long passphrase\n", "superadmin", "create", "--data", dir, "--email", "A@EXAMPLE.org", "--name", "A2", "--password-stdin"); err == nil ||
		!strings.Contains(err.Error(), "L’adresse A@EXAMPLE.org est déjà celle d’un autre compte") {
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

// TestMain lets the tests run the real command as a process, with its real
// exit status: the test binary re-executed with CLOISON_TEST_MAIN=1 is
// cloison.
func TestMain(m *testing.M) {
	if os.Getenv("CLOISON_TEST_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// cloisonProcess is cloison as a separate process, run with args.
func cloisonProcess(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), "CLOISON_TEST_MAIN=1")
	return cmd
}

// outcome is what a finished cloison process left.
type outcome struct {
	code           int
	stdout, stderr string
}

// runProcess runs cloison with args and stdin to its end.
func runProcess(t *testing.T, cmd *exec.Cmd, stdin string) outcome {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(stdin), &out, &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return outcome{code: cmd.ProcessState.ExitCode(), stdout: out.String(), stderr: errOut.String()}
}

// expectFailure checks that o is a refusal with exit status code, said on
// one line of stderr that contains every one of want.
func expectFailure(t *testing.T, o outcome, code int, want ...string) {
	t.Helper()
	if o.code != code {
		t.Fatalf("exit status %d, want %d\nstdout: %s\nstderr: %s", o.code, code, o.stdout, o.stderr)
	}
	lines := strings.Split(strings.TrimSpace(o.stderr), "\n")
	if !strings.HasPrefix(lines[0], "cloison: ") {
		t.Fatalf("the reason is not the first line of stderr: %q", o.stderr)
	}
	if code != exitUsage && len(lines) != 1 {
		t.Fatalf("stderr is not one line: %q", o.stderr)
	}
	for _, w := range want {
		if !strings.Contains(lines[0], w) {
			t.Fatalf("stderr %q does not say %q", lines[0], w)
		}
	}
}

// serverProcess is a `cloison serve` process.
type serverProcess struct {
	cmd    *exec.Cmd
	base   string
	stderr *lockedBuffer
	// exited is closed once the process has ended and cmd.ProcessState is set.
	exited chan struct{}
}

// startServer starts `cloison serve` as a process on a free port of
// loopback and returns it once it listens.
func startServer(t *testing.T, dir string) serverProcess {
	t.Helper()
	return startProcess(t, cloisonProcess(t, "serve", "--data", dir, "--addr", "127.0.0.1:0"), io.Discard)
}

// startProcess starts cmd, a `cloison serve`, its standard output to
// stdout, and returns it once it listens.
func startProcess(t *testing.T, cmd *exec.Cmd, stdout io.Writer) serverProcess {
	t.Helper()
	p := launchProcess(t, cmd, stdout)
	p.awaitListening(t)
	return *p
}

// launchProcess starts cmd, a `cloison serve`, its standard output to
// stdout, without waiting for it to listen (see awaitListening): several
// can start at the same moment. It is killed when the test ends.
func launchProcess(t *testing.T, cmd *exec.Cmd, stdout io.Writer) *serverProcess {
	t.Helper()
	stderr := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	return &serverProcess{cmd: cmd, stderr: stderr, exited: exited}
}

// awaitListening waits until p says it listens, and sets p.base.
func (p *serverProcess) awaitListening(t *testing.T) {
	t.Helper()
	addrRe := regexp.MustCompile(`addr=(127\.0\.0\.1:\d+)`)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if m := addrRe.FindStringSubmatch(p.stderr.String()); m != nil {
			p.base = "http://" + m[1]
			return
		}
		select {
		case <-p.exited:
			t.Fatalf("serve exited: %s", p.stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("serve did not start:\n%s", p.stderr.String())
}

func TestHelpListsEveryCommandAndExitsZero(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		o := runProcess(t, cloisonProcess(t, args...), "")
		if o.code != 0 || o.stderr != "" {
			t.Fatalf("%v: exit %d, stderr %q", args, o.code, o.stderr)
		}
		for _, c := range []string{"serve", "migrate", "backup", "restore", "migrate-data", "superadmin create", "audit verify", "doctor", "seed", "version", "help", "Exit status"} {
			if !strings.Contains(o.stdout, "\n  "+c) && !strings.Contains(o.stdout, "\n"+c) {
				t.Fatalf("%v: %q missing from\n%s", args, c, o.stdout)
			}
		}
	}
	// A command's own flags, with --help or through help.
	for _, args := range [][]string{{"backup", "--help"}, {"help", "backup"}, {"superadmin", "create", "-h"}} {
		o := runProcess(t, cloisonProcess(t, args...), "")
		want := map[string]string{"backup": "-out", "help": "-out", "superadmin": "-password-stdin"}[args[0]]
		if o.code != 0 || !strings.Contains(o.stdout, want) || !strings.Contains(o.stdout, "-data") {
			t.Fatalf("%v: exit %d\n%s%s", args, o.code, o.stdout, o.stderr)
		}
	}
}

func TestUsageErrorsExitTwo(t *testing.T) {
	expectFailure(t, runProcess(t, cloisonProcess(t, "frobnicate"), ""), exitUsage, `unknown command "frobnicate"`)
	expectFailure(t, runProcess(t, cloisonProcess(t, "migrate", "--frob"), ""), exitUsage, "migrate: flag provided but not defined: -frob")
	expectFailure(t, runProcess(t, cloisonProcess(t, "backup", "--data", t.TempDir()), ""), exitUsage, "--out FILE is required")
	expectFailure(t, runProcess(t, cloisonProcess(t, "superadmin", "delete"), ""), exitUsage, "superadmin create")
	expectFailure(t, runProcess(t, cloisonProcess(t, "migrate", "stray"), ""), exitUsage, `unexpected argument "stray"`)
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		o := runProcess(t, cloisonProcess(t, args...), "")
		// The test binary carries no version control stamp: devel.
		if o.code != 0 || !regexp.MustCompile(`^cloison devel(-[0-9a-f]{12}(-dirty)?)?\n$`).MatchString(o.stdout) {
			t.Fatalf("%v: exit %d, %q %q", args, o.code, o.stdout, o.stderr)
		}
	}
}

// What `make build` sets with -ldflags is what the binary says.
func TestVersionSetAtBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "cloison")
	build := exec.Command("go", "build", "-o", bin, "-ldflags", "-X main.version=v1.2.3-test", ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "--version").Output()
	if err != nil || string(out) != "cloison v1.2.3-test\n" {
		t.Fatalf("%q %v", out, err)
	}
}

func TestStartRefusedWhenTheAddressIsTaken(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	addr := taken.Addr().String()
	cmd := cloisonProcess(t, "serve", "--data", t.TempDir(), "--addr", addr)
	// WaitDelay bounds the wait should serve hang on, as it used to.
	cmd.WaitDelay = 10 * time.Second
	timer := time.AfterFunc(20*time.Second, func() { _ = cmd.Process.Kill() })
	defer timer.Stop()
	expectFailure(t, runProcess(t, cmd, ""), exitBusy, "cannot listen on "+addr, "already in use", "--addr", "server.addr")
}

func TestStartRefusedWhenTheDataDirectoryIsInUse(t *testing.T) {
	dir := t.TempDir()
	running := startServer(t, dir)
	pid := fmt.Sprintf("pid %d", running.cmd.Process.Pid)
	expectFailure(t, runProcess(t, cloisonProcess(t, "serve", "--data", dir, "--addr", "127.0.0.1:0"), ""), exitBusy,
		"the data directory "+dir+" is in use by another Cloison process", pid, "stop it first", "--data")
	expectFailure(t, runProcess(t, cloisonProcess(t, "migrate", "--data", dir), ""), exitBusy, "is in use", pid)
	expectFailure(t, runProcess(t, cloisonProcess(t, "seed", "--data", dir, "--cases", "1", "--password", "a long enough passphrase"), ""), exitBusy, "is in use", pid)
	// The copies are checked beside a serving instance, and repaired only
	// once it has stopped.
	if o := runProcess(t, cloisonProcess(t, "doctor", "--data", dir), ""); o.code != 0 {
		t.Fatalf("doctor while serving: %+v", o)
	}
	expectFailure(t, runProcess(t, cloisonProcess(t, "doctor", "--repair", "--data", dir), ""), exitBusy, "is in use", pid)
	// A backup is taken while serving, but not into a data directory.
	expectFailure(t, runProcess(t, cloisonProcess(t, "backup", "--data", t.TempDir(), "--out", filepath.Join(dir, "b.db")), ""), exitBusy,
		dir+" is the data directory of a running Cloison", pid)
	expectFailure(t, runProcess(t, cloisonProcess(t, "backup", "--data", dir, "--out", filepath.Join(dir, "sub", "b.db")), ""), exitFailed,
		"is inside the data directory")
	if o := runProcess(t, cloisonProcess(t, "backup", "--data", dir, "--out", filepath.Join(t.TempDir(), "b.db")), ""); o.code != 0 {
		t.Fatalf("backup while serving: %+v", o)
	}
	// Once the server is gone, so is its lock, even killed.
	_ = running.cmd.Process.Kill()
	deadline := time.Now().Add(10 * time.Second)
	for {
		o := runProcess(t, cloisonProcess(t, "migrate", "--data", dir), "")
		if o.code == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the lock outlived its process: %+v", o)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestStartRefusedWithAnUnreadableConfig(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nowhere.toml")
	expectFailure(t, runProcess(t, cloisonProcess(t, "serve", "--config", missing, "--addr", "127.0.0.1:0"), ""), exitFailed, "config: cannot read "+missing+": no such file or directory")
	broken := filepath.Join(t.TempDir(), "broken.toml")
	if err := os.WriteFile(broken, []byte("[server]\naddr = \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	expectFailure(t, runProcess(t, cloisonProcess(t, "serve", "--config", broken), ""), exitFailed, broken)
}

// On PostgreSQL, backup and restore are PostgreSQL's own tools' work: both
// commands say which, with the command to run, in every shipped language,
// without quoting the URL (its password) and before connecting.
func TestBackupAndRestoreOnPostgresSayHow(t *testing.T) {
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"backup", "--out", "x.db"}, []string{"pg_dump --format=custom", "copiez-la avec pg_dump", "copy it with pg_dump", "CLOISON_DATABASE_URL"}},
		{[]string{"restore", "--from", "x.db"}, []string{"pg_restore --dbname=", "restaurez", "restore a pg_dump copy"}},
	} {
		t.Run(c.args[0], func(t *testing.T) {
			data := filepath.Join(t.TempDir(), "data")
			cmd := cloisonProcess(t, append(c.args, "--data", data)...)
			cmd.Env = append(cmd.Env, "CLOISON_DATABASE_URL=postgres://cloison:s3cret@127.0.0.1:1/cloison")
			o := runProcess(t, cmd, "")
			expectFailure(t, o, exitFailed, c.want...)
			if strings.Contains(o.stderr, "s3cret") || strings.Contains(o.stdout, "s3cret") {
				t.Fatalf("the password was printed: %s", o.stderr)
			}
		})
	}
}

// `cloison serve` with CLOISON_DATABASE_URL runs on PostgreSQL: it migrates
// the empty database, serves, and prints the one-time setup link.
func TestServeOnPostgres(t *testing.T) {
	url := testpg.Database(t)
	cmd := cloisonProcess(t, "serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0")
	cmd.Env = append(cmd.Env, "CLOISON_DATABASE_URL="+url)
	stdout := &lockedBuffer{}
	p := startProcess(t, cmd, stdout)
	resp, err := http.Get(p.base + "/api/health")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("health: %v %v\n%s", resp, err, p.stderr.String())
	}
	resp.Body.Close()
	deadline := time.Now().Add(10 * time.Second)
	for !regexp.MustCompile(`/setup#token=[A-Za-z0-9_-]{43}`).MatchString(stdout.String()) {
		if time.Now().After(deadline) {
			t.Fatalf("no setup link in %q", stdout.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestStartRefusedWhenTheDataDirectoryIsNotWritable(t *testing.T) {
	// Under a regular file, no directory can be made.
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	expectFailure(t, runProcess(t, cloisonProcess(t, "serve", "--data", filepath.Join(file, "data"), "--addr", "127.0.0.1:0"), ""), exitFailed,
		"the data directory "+filepath.Join(file, "data")+" cannot be written to", "--data")

	// A directory this user may not write to. Root writes anywhere: the
	// command then runs as nobody.
	base, err := os.MkdirTemp("", "cloison-ro-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(base)
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	readOnly := filepath.Join(base, "data")
	if err := os.Mkdir(readOnly, 0o555); err != nil {
		t.Fatal(err)
	}
	cmd := cloisonProcess(t, "serve", "--data", readOnly, "--addr", "127.0.0.1:0")
	if os.Geteuid() == 0 {
		exe := filepath.Join(base, "cloison")
		if err := copyExecutable(cmd.Path, exe); err != nil {
			t.Fatal(err)
		}
		cmd.Path = exe
		cmd.Dir = base
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		cmd.Env = append(cmd.Env, "HOME="+base, "GOCACHE="+base, "TMPDIR="+base)
	}
	expectFailure(t, runProcess(t, cmd, ""), exitFailed, "the data directory "+readOnly+" cannot be written to", "permission denied")
}

func copyExecutable(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o755)
}

// Browsers keep connections open: idle keep-alive ones, ones opened ahead
// of need that sent nothing yet, and a request half sent. A stop ends
// within 2 s all the same, with exit status 0, and says so in the log.
func TestStopWithConnectionsOpenEndsWithinTwoSeconds(t *testing.T) {
	for _, sig := range []os.Signal{syscall.SIGTERM, os.Interrupt} {
		t.Run(sig.String(), func(t *testing.T) {
			srv := startServer(t, t.TempDir())
			base, stderr := srv.base, srv.stderr
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
			defer client.CloseIdleConnections()
			for range 3 {
				resp, err := client.Get(base + "/api/health")
				if err != nil {
					t.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			host := strings.TrimPrefix(base, "http://")
			silent, err := net.Dial("tcp", host)
			if err != nil {
				t.Fatal(err)
			}
			defer silent.Close()
			halfSent, err := net.Dial("tcp", host)
			if err != nil {
				t.Fatal(err)
			}
			defer halfSent.Close()
			if _, err := halfSent.Write([]byte("POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")); err != nil {
				t.Fatal(err)
			}
			time.Sleep(100 * time.Millisecond)

			start := time.Now()
			if err := srv.cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			select {
			case <-srv.exited:
			case <-time.After(2 * time.Second):
				t.Fatalf("still running 2 s after %v:\n%s", sig, stderr.String())
			}
			took := time.Since(start)
			if code := srv.cmd.ProcessState.ExitCode(); code != 0 {
				t.Fatalf("exit status %d after %v:\n%s", code, sig, stderr.String())
			}
			log := stderr.String()
			if !strings.Contains(log, "stopping: finishing requests in flight") || !strings.Contains(log, "msg=\"Cloison stopped\"") {
				t.Fatalf("the log does not say it stopped:\n%s", log)
			}
			t.Logf("stopped in %v", took)
		})
	}
}

// superadmin create says why it refuses, in sentences in the instance's
// language, and exits with status 1.
func TestSuperadminRefusalsAreSentences(t *testing.T) {
	dir := t.TempDir()
	if _, err := runCLI(t, "a long enough passphrase\n", "superadmin", "create", "--data", dir, "--email", "taken@example.org", "--name", "A", "--password-stdin"); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		email, name, password string
		fr, en                string
	}{
		{"taken@example.org", "B", "another long passphrase",
			"L’adresse taken@example.org est déjà celle d’un autre compte : choisissez-en une autre.",
			"The address taken@example.org already belongs to another account: choose another one."},
		{"not-an-address", "B", "another long passphrase",
			"« not-an-address » n’est pas une adresse e-mail valide.",
			`"not-an-address" is not a valid e-mail address.`},
		{"b@example.org", "B", "short",
			"Le mot de passe est trop court : il faut au moins 10 caractères.",
			"The password is too short: it needs at least 10 characters."},
		{"b@example.org", "B", "password123",
			"Ce mot de passe est parmi les plus courants",
			"This password is among the most common ones"},
		{"", "", "short",
			"Indiquez l’adresse e-mail avec --email. Indiquez le nom avec --name. Le mot de passe est trop court",
			"Give the e-mail address with --email. Give the name with --name. The password is too short"},
	}
	for _, c := range cases {
		for _, locale := range []string{"fr", "en"} {
			want := map[string]string{"fr": c.fr, "en": c.en}[locale]
			cmd := cloisonProcess(t, "superadmin", "create", "--data", dir, "--email", c.email, "--name", c.name, "--password-stdin")
			cmd.Env = append(cmd.Env, "CLOISON_INSTANCE_DEFAULT_LOCALE="+locale)
			o := runProcess(t, cmd, c.password+"\n")
			expectFailure(t, o, exitFailed, "cloison: superadmin create: "+want)
			if strings.Contains(o.stderr, "min=") || strings.Contains(o.stderr, "common_password") || strings.Contains(o.stderr, "required") {
				t.Fatalf("a code reached the person: %q", o.stderr)
			}
		}
	}
}

// restoreFixture is a data directory with an editor, a case file and an
// attachment, backed up, then changed after the backup (a second account).
type restoreFixture struct {
	dir, backup        string
	editor             store.Actor
	caseID, attachment string
	content            []byte
}

func newRestoreFixture(t *testing.T) restoreFixture {
	t.Helper()
	f := restoreFixture{dir: t.TempDir(), content: []byte("Compte rendu de l'entretien du 3 mars.\n")}
	ctx := t.Context()
	st, err := store.Open(ctx, store.Options{Dir: f.dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	h := passwords.NewHasher(passwords.Params{Memory: 64, Time: 1, Threads: 1}, 0)
	acc, err := st.CreateAccount(ctx, h, store.Actor{}, store.NewAccount{Email: "ed@example.org", Name: "Ed", Password: "a long enough passphrase", Role: store.RoleEditor})
	if err != nil {
		t.Fatal(err)
	}
	f.editor = store.Actor{Account: acc}
	c, err := st.CreateCase(ctx, f.editor, store.NewCase{Title: "Dossier", CategoryID: "autre"})
	if err != nil {
		t.Fatal(err)
	}
	a, err := st.AddAttachment(ctx, f.editor, c.ID, "entretien.txt", f.content)
	if err != nil {
		t.Fatal(err)
	}
	f.caseID, f.attachment = c.ID, a.ID
	st.Close()
	f.backup = filepath.Join(t.TempDir(), "backup.db")
	if out, err := runCLI(t, "", "backup", "--data", f.dir, "--out", f.backup); err != nil {
		t.Fatalf("backup: %v %s", err, out)
	}
	if out, err := runCLI(t, "another long passphrase\n", "superadmin", "create", "--data", f.dir, "--email", "after@example.org", "--name", "After", "--password-stdin"); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	return f
}

// accounts counts the accounts with email in the database file db.
func accounts(t *testing.T, db, email string) int {
	t.Helper()
	conn, err := sql.Open("sqlite", "file:"+db+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var n int
	if err := conn.QueryRow("SELECT count(*) FROM accounts WHERE email = ?", email).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRestorePutsABackupBackAndKeepsThePreviousFilesAside(t *testing.T) {
	f := newRestoreFixture(t)
	o := runProcess(t, cloisonProcess(t, "restore", "--from", f.backup, "--data", f.dir), "")
	if o.code != 0 {
		t.Fatalf("restore: %+v", o)
	}
	aside := regexp.MustCompile(`previous files \(cloison.db, attachments, attachments.key\) were moved to (\S+/before-restore-\d{8}-\d{6})\n`).FindStringSubmatch(o.stdout)
	if aside == nil || !strings.Contains(o.stdout, "integrity check passed") ||
		!strings.Contains(o.stdout, "restored 1 attachments and their key to "+f.dir) {
		t.Fatalf("restore does not say what it did:\n%s", o.stdout)
	}
	// The data directory is the backup's again: the later account is gone.
	if accounts(t, filepath.Join(f.dir, store.DatabaseFile), "after@example.org") != 0 ||
		accounts(t, filepath.Join(f.dir, store.DatabaseFile), "ed@example.org") != 1 {
		t.Fatal("the database is not the backup's")
	}
	// The previous files are aside, whole: database, attachments, key.
	if accounts(t, filepath.Join(aside[1], store.DatabaseFile), "after@example.org") != 1 {
		t.Fatal("the previous database is not aside")
	}
	for _, name := range []string{"attachments", store.KeyFile} {
		if _, err := os.Stat(filepath.Join(aside[1], name)); err != nil {
			t.Fatalf("%s not aside: %v", name, err)
		}
	}
	// The restored instance starts and serves the attachment back.
	st, err := store.Open(t.Context(), store.Options{Dir: f.dir})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, got, err := st.OpenAttachment(t.Context(), f.editor, f.caseID, f.attachment); err != nil || !bytes.Equal(got, f.content) {
		t.Fatalf("restored attachment: %q %v", got, err)
	}
	if _, err := os.Stat(f.backup); err != nil {
		t.Fatalf("the backup itself is gone: %v", err)
	}
}

// A refused restore changes nothing, and says why, with its exit status.
func TestRestoreRefusals(t *testing.T) {
	f := newRestoreFixture(t)
	damaged := filepath.Join(t.TempDir(), "damaged.db")
	b, err := os.ReadFile(f.backup)
	if err != nil {
		t.Fatal(err)
	}
	// Zero the pages after the first two: the tables' pages are gone.
	for i := 8192; i < len(b); i++ {
		b[i] = 0
	}
	if err := os.WriteFile(damaged, b, 0o600); err != nil {
		t.Fatal(err)
	}
	foreign := filepath.Join(t.TempDir(), "foreign.db")
	newer := filepath.Join(t.TempDir(), "newer.db")
	for path, stmt := range map[string]string{
		foreign: "CREATE TABLE notes (body TEXT)",
		newer:   "INSERT INTO bun_migrations (name, group_id, migrated_at) VALUES ('29990101000001', 99, CURRENT_TIMESTAMP)",
	} {
		if path == newer {
			if err := copyExecutable(f.backup, newer); err != nil {
				t.Fatal(err)
			}
		}
		db, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
		db.Close()
	}
	noAttachments := filepath.Join(t.TempDir(), "alone.db")
	if err := copyExecutable(f.backup, noAttachments); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"no --from", nil, exitUsage, []string{"--from FILE is required"}},
		{"no such file", []string{"--from", filepath.Join(t.TempDir(), "none.db")}, exitFailed, []string{"no such file", "nothing was changed in " + f.dir}},
		{"damaged", []string{"--from", damaged}, exitFailed, []string{damaged + " is damaged", "nothing was changed"}},
		{"not Cloison's", []string{"--from", foreign}, exitFailed, []string{foreign + " is not a Cloison database"}},
		{"newer", []string{"--from", newer}, exitFailed, []string{"made by a newer Cloison", "29990101000001"}},
		{"attachments missing", []string{"--from", noAttachments}, exitFailed, []string{"names 1 attachments", noAttachments + "-attachments/attachments.key is missing"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := runProcess(t, cloisonProcess(t, append([]string{"restore", "--data", f.dir}, c.args...)...), "")
			expectFailure(t, o, c.code, c.want...)
		})
	}
	// A configured attachment key that is not the backup's.
	cmd := cloisonProcess(t, "restore", "--data", f.dir, "--from", f.backup)
	cmd.Env = append(cmd.Env, "CLOISON_ATTACHMENTS_KEY="+base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32)))
	expectFailure(t, runProcess(t, cmd, ""), exitFailed, "encrypted with another key than attachments.key")

	// Not while an instance serves the directory.
	srv := startServer(t, f.dir)
	expectFailure(t, runProcess(t, cloisonProcess(t, "restore", "--data", f.dir, "--from", f.backup), ""), exitBusy,
		"restore: the data directory "+f.dir+" is in use", fmt.Sprintf("pid %d", srv.cmd.Process.Pid), "stop it first")

	entries, err := os.ReadDir(f.dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "before-restore-") || strings.HasPrefix(e.Name(), ".restore-") {
			t.Fatalf("a refused restore left %s", e.Name())
		}
	}
	if accounts(t, filepath.Join(f.dir, store.DatabaseFile), "after@example.org") != 1 {
		t.Fatal("a refused restore changed the database")
	}
}

// LICENSE is the GNU AGPL v3.0 as the Free Software Foundation publishes it
// (agpl-3.0.txt), unmodified.
func TestLicenseIsTheOfficialText(t *testing.T) {
	b, err := os.ReadFile("LICENSE")
	if err != nil {
		t.Fatal(err)
	}
	if sum := fmt.Sprintf("%x", sha256.Sum256(b)); sum != "0d96a4ff68ad6d4b6f1f30f713b18d5184912ba8dd389f86aa7710db079abcb0" {
		t.Fatalf("LICENSE differs from the official AGPL v3 text (sha256 %s)", sum)
	}
}

// `cloison migrate-data` copies a seeded SQLite data directory into an
// empty PostgreSQL database and says what it checked, never printing the
// URL's password; the instance then answers on PostgreSQL; a second copy
// into the now full database is refused, and so is a copy without --to.
func TestMigrateDataCopiesToPostgres(t *testing.T) {
	base := testpg.Database(t)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	// The throwaway cluster trusts its socket: the password goes unused,
	// but must not be printed.
	u.User = url.UserPassword(u.User.Username(), "s3cret")
	to := u.String()
	dir := t.TempDir()
	if o := runProcess(t, cloisonProcess(t, "seed", "--data", dir, "--password", "a long enough passphrase", "--cases", "40"), ""); o.code != 0 {
		t.Fatalf("seed: %d\n%s%s", o.code, o.stdout, o.stderr)
	} else if want := "seeded 10 editors, 1 admin, 0 helpers and 40 case files in "; !strings.Contains(o.stdout, want) {
		t.Fatalf("seed's report: want %q in\n%s", want, o.stdout)
	}
	lite := runProcess(t, cloisonProcess(t, "audit", "verify", "--data", dir), "")
	expectFailure(t, runProcess(t, cloisonProcess(t, "migrate-data", "--data", dir), ""), exitUsage, "--to postgres://")
	empty := filepath.Join(t.TempDir(), "none")
	expectFailure(t, runProcess(t, cloisonProcess(t, "migrate-data", "--data", empty, "--to", to), ""), exitFailed, "no Cloison database in "+empty)
	if _, err := os.Stat(empty); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a refused migrate-data made %s: %v", empty, err)
	}
	onPG := cloisonProcess(t, "migrate-data", "--data", dir, "--to", to)
	onPG.Env = append(onPG.Env, "CLOISON_DATABASE_URL="+base)
	expectFailure(t, runProcess(t, onPG, ""), exitFailed, "already runs this instance on PostgreSQL")

	o := runProcess(t, cloisonProcess(t, "migrate-data", "--data", dir, "--to", to), "")
	if o.code != 0 {
		t.Fatalf("migrate-data: %d\n%s%s", o.code, o.stdout, o.stderr)
	}
	for _, want := range []string{"copying the SQLite database of " + dir + " to PostgreSQL database ", "row counts equal in every table",
		"audit chain intact on PostgreSQL", "stay files in " + dir, "  cases                        40\n"} {
		if !strings.Contains(o.stdout, want) {
			t.Errorf("output does not say %q:\n%s", want, o.stdout)
		}
	}
	if strings.Contains(o.stdout+o.stderr, "s3cret") {
		t.Fatalf("the password was printed:\n%s%s", o.stdout, o.stderr)
	}
	if testing.Verbose() {
		t.Log(o.stdout)
	}
	// The same audit chain, read by the instance on PostgreSQL.
	cmd := cloisonProcess(t, "audit", "verify", "--data", dir)
	cmd.Env = append(cmd.Env, "CLOISON_DATABASE_URL="+base)
	if pg := runProcess(t, cmd, ""); pg.code != 0 || pg.stdout != lite.stdout || lite.code != 0 {
		t.Fatalf("audit verify: SQLite %q, PostgreSQL %q %s", lite.stdout, pg.stdout, pg.stderr)
	}

	again := runProcess(t, cloisonProcess(t, "migrate-data", "--data", dir, "--to", to), "")
	expectFailure(t, again, exitFailed, "not empty", "accounts")
	if strings.Contains(again.stdout+again.stderr, "s3cret") {
		t.Fatalf("the password was printed:\n%s%s", again.stdout, again.stderr)
	}
}

// cloison doctor finds the copies kept for speed in agreement on a seeded
// instance; altered by hand, it names them and fails; --repair rebuilds
// them, and they agree again.
func TestDoctorFindsAndRepairsCopies(t *testing.T) {
	dir := t.TempDir()
	if o := runProcess(t, cloisonProcess(t, "seed", "--data", dir, "--password", "a long enough passphrase", "--cases", "40"), ""); o.code != 0 {
		t.Fatalf("seed: %+v", o)
	}
	agrees := func(when string) {
		t.Helper()
		o := runProcess(t, cloisonProcess(t, "doctor", "--data", dir), "")
		if o.code != 0 || strings.Count(o.stdout, ": agrees\n") != 8 {
			t.Fatalf("doctor %s: %+v", when, o)
		}
	}
	agrees("after the seed")
	db, err := sql.Open("sqlite", filepath.Join(dir, "cloison.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`UPDATE case_counts SET n = n + 1 WHERE status = 'open'`,
		`UPDATE grants SET case_title = case_title || ' (altered)' WHERE rowid IN (SELECT rowid FROM grants LIMIT 3)`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	o := runProcess(t, cloisonProcess(t, "doctor", "--data", dir), "")
	expectFailure(t, o, exitFailed, "grants' case columns, case_counts disagree with the rows they copy", "cloison doctor --repair")
	if !strings.Contains(o.stdout, "case_counts: 1 row disagrees\n") || !strings.Contains(o.stdout, "grants' case columns: 3 rows disagree\n") {
		t.Errorf("doctor's report:\n%s", o.stdout)
	}
	o = runProcess(t, cloisonProcess(t, "doctor", "--repair", "--data", dir), "")
	if o.code != 0 || !strings.Contains(o.stdout, "rebuilt from the rows they copy: grants' case columns, case_counts\n") {
		t.Fatalf("doctor --repair: %+v", o)
	}
	agrees("after the repair")
}
