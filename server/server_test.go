package server

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"
	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"

	"cloison/internal/testpg"
	"cloison/server/config"
	"cloison/server/mail"
	"cloison/server/mail/mailtest"
	"cloison/store"
	"cloison/store/passwords"
	"cloison/store/storetest"
)

// testSPA stands in for frontend/dist: an index and a hashed asset.
var testSPA = fstest.MapFS{
	"index.html":            {Data: []byte(`<!doctype html><html lang="fr"><script type="module" src="/assets/app-abc123.js"></script></html>`)},
	"assets/app-abc123.js":  {Data: []byte(`console.log("cloison")`)},
	"assets/app-abc123.css": {Data: []byte(`body{}`)},
	"favicon.svg":           {Data: []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`)},
}

// testRefuseAfter is the test instances' store.Policy.LoginRefuseAfter.
const testRefuseAfter = 20

var testHasher = passwords.NewHasher(passwords.DefaultParams, 0)

// syncBuffer collects log output from concurrent handlers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type testEnv struct {
	t     testing.TB
	srv   *Server
	store *store.Store
	cfg   config.Config
	logs  *syncBuffer
	smtp  *mailtest.Server
	clock *testClock
	// socketAddr is where doSocket reaches the app, once it listens.
	socketAddr string
}

// testClock is the store's clock in tests: real time plus an offset that a
// test moves forward to expire tokens and sessions.
type testClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// newTestEnv builds the real server over a real SQLite file in a temp dir.
func newTestEnv(t testing.TB, edit ...func(*config.Config)) *testEnv {
	t.Helper()
	cfg, err := config.Load("", nil, config.Flags{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range edit {
		e(&cfg)
	}
	return openTestEnv(t, cfg)
}

// envOption changes how openTestEnv wires the parts.
type envOption int

// withoutSMTP leaves smtp.host empty: e-mails are printed to the log.
const withoutSMTP envOption = 1

// openTestEnv wires the real parts: a SQLite file, the real e-mail templates
// and sender, delivering to an SMTP server listening on loopback (unless
// withoutSMTP).
func openTestEnv(t testing.TB, cfg config.Config, opts ...envOption) *testEnv {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	smtp := mailtest.Start(t)
	cfg.SMTP.Host, cfg.SMTP.Port, cfg.SMTP.TLS = "127.0.0.1", smtp.Port(), config.TLSNone
	if slices.Contains(opts, withoutSMTP) {
		cfg.SMTP.Host = ""
	}
	clock := &testClock{}
	policy := StorePolicy(cfg)
	policy.LoginDelayBase, policy.LoginDelayMax = time.Millisecond, 4*time.Millisecond
	// Fewer failures before an address is refused than the 100 of an
	// instance, so that tests reach the refusal quickly.
	policy.LoginRefuseAfter = testRefuseAfter
	st, err := store.Open(ctx, store.Options{Dir: cfg.Data.Dir, DatabaseURL: storetest.Migrated(t, cfg.Data.Dir), Now: clock.now, BaseURL: cfg.Server.BaseURL,
		Composer: mail.NewComposer(cfg.Instance.Name), Policy: policy})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.NameFirstScope(ctx, cfg.Instance.Name); err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	sender := mail.NewSender(cfg.SMTP, st, log, mail.WithPollInterval(20*time.Millisecond),
		mail.WithBackoff(20*time.Millisecond, 100*time.Millisecond, 5))
	done := make(chan struct{})
	go func() { sender.Run(ctx); close(done) }()
	t.Cleanup(func() {
		cancel()
		<-done
		st.Close()
		// A failed test shows the errors the server logged (a 500's cause).
		if t.Failed() {
			for _, line := range strings.Split(logs.String(), "\n") {
				if strings.Contains(line, "level=ERROR") {
					t.Log(line)
				}
			}
		}
	})
	srv, err := New(Options{Config: cfg, Store: st, Hasher: testHasher, SPA: testSPA,
		Logger: log, Version: "test", MailKick: sender.Kick, MailTest: sender.Test})
	if err != nil {
		t.Fatal(err)
	}
	return &testEnv{t: t, srv: srv, store: st, cfg: cfg, logs: logs, smtp: smtp, clock: clock}
}

// rawDB opens the env's database behind the store's back, as someone with
// the database in hand would (SQLite's file, or the PostgreSQL database
// the suite runs on), through bun so that ? placeholders serve both.
func (e *testEnv) rawDB() *bun.DB {
	e.t.Helper()
	if testpg.OnPostgres() {
		db, err := sql.Open("pgx", testpg.URLFor(e.t, e.cfg.Data.Dir))
		if err != nil {
			e.t.Fatal(err)
		}
		return bun.NewDB(db, pgdialect.New())
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(e.cfg.Data.Dir, store.DatabaseFile)+"?_pragma=busy_timeout(5000)")
	if err != nil {
		e.t.Fatal(err)
	}
	return bun.NewDB(db, sqlitedialect.New())
}

// tableRows reads every row of every table behind the store's back
// (rawDB), each row one line of column=value pairs, leaving out the
// columns named in skip.
func (e *testEnv) tableRows(skip ...string) map[string][]string {
	e.t.Helper()
	db := e.rawDB()
	defer db.Close()
	list := `SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`
	if testpg.OnPostgres() {
		list = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name`
	}
	var tables []string
	if err := db.NewRaw(list).Scan(context.Background(), &tables); err != nil {
		e.t.Fatal(err)
	}
	out := map[string][]string{}
	for _, table := range tables {
		rows, err := db.Query(`SELECT * FROM "` + table + `"`)
		if err != nil {
			e.t.Fatal(err)
		}
		cols, _ := rows.Columns()
		lines := []string{}
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				e.t.Fatal(err)
			}
			var b strings.Builder
			for i, c := range cols {
				if !slices.Contains(skip, c) {
					fmt.Fprintf(&b, "%s=%v;", c, vals[i])
				}
			}
			lines = append(lines, b.String())
		}
		if err := rows.Close(); err != nil {
			e.t.Fatal(err)
		}
		out[table] = lines
	}
	return out
}

// do sends one request through the real Fiber app, with body (if any) as
// JSON, and returns the response with its body read.
func (e *testEnv) do(method, path string, body any, headers ...string) (*http.Response, []byte) {
	e.t.Helper()
	if body == nil {
		return e.doRaw(method, path, "", nil, headers...)
	}
	b, err := json.Marshal(body)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.doRaw(method, path, "application/json", b, headers...)
}

// doRaw sends a request with a raw body (none when nil) through app.Test and
// returns the response with its body read.
func (e *testEnv) doRaw(method, path, contentType string, body []byte, headers ...string) (*http.Response, []byte) {
	e.t.Helper()
	return e.send(false, method, path, contentType, body, headers...)
}

// doSocket is doRaw over a loopback socket, for what app.Test cannot show:
// the answers fasthttp gives before any handler runs, and a socket's address.
func (e *testEnv) doSocket(method, path, contentType string, body []byte, headers ...string) (*http.Response, []byte) {
	e.t.Helper()
	return e.send(true, method, path, contentType, body, headers...)
}

func (e *testEnv) send(socket bool, method, path, contentType string, body []byte, headers ...string) (*http.Response, []byte) {
	e.t.Helper()
	resp, b, err := e.trySend(socket, method, path, contentType, body, headers...)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp, b
}

// trySend is send, with the error app.Test or the client gives instead of
// a response.
func (e *testEnv) trySend(socket bool, method, path, contentType string, body []byte, headers ...string) (*http.Response, []byte, error) {
	e.t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req := httptest.NewRequest(method, path, r)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	var resp *http.Response
	var err error
	if socket {
		req.RequestURI, req.URL.Scheme, req.URL.Host = "", "http", e.listen()
		resp, err = http.DefaultClient.Do(req)
	} else {
		resp, err = e.srv.App().Test(req, -1)
	}
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil {
		// Every answer is held to the document (contract_test.go).
		if msg := checkAnswer(method, path, resp, b); msg != "" {
			e.t.Error(msg)
		}
	}
	return resp, b, err
}

// declareOnly sends a request's headers over a socket, announcing a body of
// length bytes that never comes, and reads the answer.
func (e *testEnv) declareOnly(method, path, contentType string, length int, headers ...string) (*http.Response, []byte) {
	e.t.Helper()
	conn, err := net.Dial("tcp", e.listen())
	if err != nil {
		e.t.Fatal(err)
	}
	defer conn.Close()
	head := fmt.Sprintf("%s %s HTTP/1.1\r\nHost: test\r\nContent-Type: %s\r\nContent-Length: %d\r\n", method, path, contentType, length)
	for i := 0; i+1 < len(headers); i += 2 {
		head += headers[i] + ": " + headers[i+1] + "\r\n"
	}
	if _, err := conn.Write([]byte(head + "\r\n")); err != nil {
		e.t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	// Refused before the body came: an answer like any other, held to the document.
	if msg := checkAnswer(method, path, resp, b); msg != "" {
		e.t.Error(msg)
	}
	return resp, b
}

// listen serves the app on a loopback socket, once, and returns its address.
func (e *testEnv) listen() string {
	e.t.Helper()
	if e.socketAddr == "" {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			e.t.Fatal(err)
		}
		go func() { _ = e.srv.App().Listener(ln) }()
		e.t.Cleanup(func() { _ = e.srv.App().Shutdown() })
		e.socketAddr = ln.Addr().String()
	}
	return e.socketAddr
}

func decode[T any](t testing.TB, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return v
}

// listResp is a paginated list's envelope.
type listResp[T any] struct {
	Items []T   `json:"items"`
	Total int64 `json:"total"`
}

type errResp struct {
	Error struct {
		Code          string            `json:"code"`
		Message       string            `json:"message"`
		Fields        map[string]string `json:"fields"`
		CorrelationID string            `json:"correlation_id"`
	} `json:"error"`
}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	e := newTestEnv(t)
	for _, tc := range []struct {
		method, path string
		status       int
		api          bool
	}{
		{"GET", "/api/health", 200, true},
		{"GET", "/api/config", 200, true},
		{"GET", "/api/does-not-exist", 404, true},
		{"POST", "/api/setup", 403, true},
		{"GET", "/", 200, false},
		{"GET", "/setup", 200, false},
		{"GET", "/assets/app-abc123.js", 200, false},
		{"GET", "/assets/missing.js", 404, false},
	} {
		resp, _ := e.do(tc.method, tc.path, nil)
		if resp.StatusCode != tc.status {
			t.Errorf("%s %s: status %d, want %d", tc.method, tc.path, resp.StatusCode, tc.status)
		}
		h := resp.Header
		if h.Get("Content-Security-Policy") != contentSecurityPolicy {
			t.Errorf("%s: CSP %q", tc.path, h.Get("Content-Security-Policy"))
		}
		for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cross-Origin-Opener-Policy": "same-origin"} {
			if h.Get(k) != v {
				t.Errorf("%s: %s = %q, want %q", tc.path, k, h.Get(k), v)
			}
		}
		if h.Get("Set-Cookie") != "" {
			t.Errorf("%s sets a cookie", tc.path)
		}
		if h.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s: HSTS over plain HTTP", tc.path)
		}
		if tc.api && h.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q", tc.path, h.Get("Cache-Control"))
		}
	}
}

// assertAnswerHeaders checks the headers every API answer carries.
func assertAnswerHeaders(t *testing.T, what string, h http.Header) {
	t.Helper()
	want := map[string]string{
		"Content-Security-Policy": contentSecurityPolicy, "X-Content-Type-Options": "nosniff",
		"Referrer-Policy": "no-referrer", "Cache-Control": "no-store", "Cross-Origin-Opener-Policy": "same-origin",
	}
	for k, v := range want {
		if h.Get(k) != v {
			t.Errorf("%s: %s = %q, want %q", what, k, h.Get(k), v)
		}
	}
	if len(h.Get("X-Request-Id")) != 16 {
		t.Errorf("%s: X-Request-Id %q", what, h.Get("X-Request-Id"))
	}
}

// Errors raised before any route runs (a body over the limit, headers too
// large, a multipart body that cannot be read) carry the same headers as
// every other answer, and are logged under their request id.
func TestHeadersOnErrorsBeforeRouting(t *testing.T) {
	e := newTestEnv(t, func(c *config.Config) { c.Attachments.MaxSizeMB = 1 })
	_, tok := e.account(store.RoleEditor, "ed@example.org")
	// An oversize body is refused from its Content-Length, before it is
	// read: only the headers are sent, so that the client is not cut off
	// while still writing.
	oversize := []byte(nil)
	broken := "multipart/form-data; boundary=xyz"
	for _, tc := range []struct {
		name, method, path, contentType string
		body                            []byte
		headers                         []string
		status                          int
	}{
		{"oversize body", "POST", "/api/auth/login", "application/json", oversize, nil, 413},
		{"oversize upload", "POST", "/api/cases/" + nonexistentID + "/attachments", broken, oversize, auth(tok), 413},
		{"headers too large", "GET", "/api/health", "", nil, []string{"X-Padding", strings.Repeat("p", 9000)}, 431},
		{"broken multipart", "POST", "/api/cases/" + nonexistentID + "/attachments", broken, []byte("--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\n%PDF"), auth(tok), 400},
		{"broken multipart, public route", "POST", "/api/auth/login", broken, []byte("--xyz\r\nbroken"), nil, 0},
	} {
		var resp *http.Response
		var body []byte
		if tc.body == nil && tc.method == "POST" {
			resp, body = e.declareOnly(tc.method, tc.path, tc.contentType, (2<<20)+1, tc.headers...)
		} else {
			resp, body = e.doSocket(tc.method, tc.path, tc.contentType, tc.body, tc.headers...)
		}
		if tc.status != 0 && resp.StatusCode != tc.status || resp.StatusCode < 400 || resp.StatusCode >= 500 {
			t.Errorf("%s: %d %.200s, want %d", tc.name, resp.StatusCode, body, tc.status)
		}
		assertAnswerHeaders(t, tc.name, resp.Header)
		if id := resp.Header.Get("X-Request-Id"); id != "" && !strings.Contains(e.logs.String(), "request_id="+id) {
			t.Errorf("%s: request %s not logged", tc.name, id)
		}
	}
}

func TestHSTSOnlyBehindTrustedTLSProxy(t *testing.T) {
	e := newTestEnv(t, func(c *config.Config) { c.Server.TrustedProxies = []string{"0.0.0.0/0"} })
	resp, _ := e.do("GET", "/api/health", nil, "X-Forwarded-Proto", "https")
	if !strings.Contains(resp.Header.Get("Strict-Transport-Security"), "max-age=") {
		t.Fatalf("no HSTS over TLS: %v", resp.Header)
	}
	untrusted := newTestEnv(t)
	resp, _ = untrusted.do("GET", "/api/health", nil, "X-Forwarded-Proto", "https")
	if resp.Header.Get("Strict-Transport-Security") != "" {
		t.Fatal("an untrusted X-Forwarded-Proto turned HSTS on")
	}
}

func TestSPAFallbackAndCaching(t *testing.T) {
	e := newTestEnv(t)
	index, _ := fstestRead("index.html")
	for _, p := range []string{"/", "/setup", "/activate", "/cases/123", "/a/b/c"} {
		resp, body := e.do("GET", p, nil)
		if resp.StatusCode != 200 || string(body) != index {
			t.Errorf("%s: %d %q", p, resp.StatusCode, body)
		}
		if resp.Header.Get("Cache-Control") != "no-cache" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Errorf("%s: headers %v", p, resp.Header)
		}
	}
	resp, body := e.do("GET", "/assets/app-abc123.js", nil)
	if string(body) != `console.log("cloison")` || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") ||
		!strings.Contains(resp.Header.Get("Content-Type"), "javascript") {
		t.Fatalf("asset: %v %s", resp.Header, body)
	}
	etag := resp.Header.Get("ETag")
	resp, _ = e.do("GET", "/assets/app-abc123.js", nil, "If-None-Match", etag)
	if resp.StatusCode != 304 {
		t.Fatalf("revalidation: %d", resp.StatusCode)
	}
	resp, _ = e.do("GET", "/favicon.svg", nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/svg+xml" {
		t.Fatalf("favicon: %d %v", resp.StatusCode, resp.Header)
	}
}

func fstestRead(name string) (string, error) {
	b, err := testSPA.ReadFile(name)
	return string(b), err
}

func TestHealthAndConfig(t *testing.T) {
	e := newTestEnv(t, func(c *config.Config) { c.Instance.Name = "Asso Recours"; c.Instance.RegistrationOpen = false })
	_, body := e.do("GET", "/api/health", nil)
	if h := decode[map[string]string](t, body); h["status"] != "ok" || h["version"] != "test" {
		t.Fatalf("health %s", body)
	}
	_, body = e.do("GET", "/api/config", nil)
	c := decode[map[string]any](t, body)
	if c["name"] != "Asso Recours" || c["registration_open"] != false || c["default_locale"] != "fr" {
		t.Fatalf("config %s", body)
	}
	resp, body := e.do("GET", "/api/openapi.json", nil)
	if doc := decode[map[string]any](t, body); resp.StatusCode != 200 || doc["openapi"] == nil {
		t.Fatalf("openapi: %d %.200s", resp.StatusCode, body)
	}
}

func TestErrorMapping(t *testing.T) {
	cases := []struct {
		err    error
		status int
		code   string
	}{
		{store.ErrNotFound, 404, "not_found"},
		{store.ErrForbidden, 403, "forbidden"},
		{store.ErrConflict, 409, "conflict"},
		{store.Coded(store.ErrConflict, "last_superadmin"), 409, "last_superadmin"},
		{store.ErrStale, 412, "version_mismatch"},
		{store.ErrVersionRequired, 428, "version_required"},
		{store.ErrInvalidCredentials, 401, "invalid_credentials"},
		{store.ErrUnauthenticated, 401, "unauthenticated"},
		{store.ErrThrottled, 429, "too_many_requests"},
		{store.Invalid("email", "taken"), 422, "validation_failed"},
		{errBadRequest, 400, "bad_request"},
		{fiber.ErrMethodNotAllowed, 405, "method_not_allowed"},
		{fiber.ErrRequestEntityTooLarge, 413, "payload_too_large"},
		{errors.New("disk on fire at /var/secret"), 500, "internal"},
	}
	for _, tc := range cases {
		status, code, _ := classify(tc.err)
		if status != tc.status || code != tc.code {
			t.Errorf("%v: %d %s, want %d %s", tc.err, status, code, tc.status, tc.code)
		}
		if !hasMessage(code) {
			t.Errorf("code %s has no message of its own", code)
		}
	}
}

// A raw error or a panic gives a 500 whose body holds a correlation id and
// nothing of the error; the log holds both.
func TestInternalErrorsDoNotLeak(t *testing.T) {
	e := newTestEnv(t)
	app := fiber.New(fiber.Config{ErrorHandler: e.srv.errorHandler})
	app.Use(e.srv.securityHeaders, e.srv.logRequests, recover.New(recover.Config{EnableStackTrace: true, StackTraceHandler: e.srv.logPanic}))
	app.Get("/raw", func(*fiber.Ctx) error { return errors.New("open /var/lib/secret-path: denied") })
	app.Get("/panic", func(*fiber.Ctx) error { panic("secret-panic-value") })
	for _, p := range []string{"/raw", "/panic"} {
		resp, err := app.Test(httptest.NewRequest("GET", p, nil), -1)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		er := decode[errResp](t, body)
		if resp.StatusCode != 500 || er.Error.Code != "internal" || er.Error.CorrelationID == "" {
			t.Fatalf("%s: %d %s", p, resp.StatusCode, body)
		}
		if strings.Contains(string(body), "secret") {
			t.Fatalf("%s leaks: %s", p, body)
		}
		if !strings.Contains(e.logs.String(), er.Error.CorrelationID) {
			t.Fatalf("%s: correlation id %s not in the log", p, er.Error.CorrelationID)
		}
		if resp.Header.Get("Content-Security-Policy") == "" {
			t.Fatalf("%s: error response without CSP", p)
		}
	}
}

func TestErrorMessagesFollowAcceptLanguage(t *testing.T) {
	e := newTestEnv(t)
	_, fr := e.do("GET", "/api/nope", nil)
	_, en := e.do("GET", "/api/nope", nil, "Accept-Language", "en-GB,en;q=0.9")
	if decode[errResp](t, fr).Error.Message != "Introuvable." || decode[errResp](t, en).Error.Message != "Not found." {
		t.Fatalf("fr %s / en %s", fr, en)
	}
}

// Every specific code the store can raise has its own message in both
// languages: read from the store's source so a new code cannot be forgotten.
func TestEveryStoreCodeHasAMessage(t *testing.T) {
	// The whole tree below store/, so that a code raised from a package the
	// store grows beneath it is read too; and store.Coded(store.Err...) as
	// such a package writes it.
	var files []string
	err := filepath.WalkDir("../store", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".go") {
			files = append(files, path)
		}
		return err
	})
	if err != nil || len(files) == 0 {
		t.Fatal("store sources not found", err)
	}
	re := regexp.MustCompile(`Coded\((?:store\.)?Err[A-Za-z]+, "([a-z_]+)"\)`)
	seen := 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			seen++
			if !hasMessage(m[1]) {
				t.Errorf("%s: code %q has no message", f, m[1])
			}
		}
	}
	if seen < 10 {
		t.Fatalf("only %d codes found: the pattern no longer matches the store", seen)
	}
}
