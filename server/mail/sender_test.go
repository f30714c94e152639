package mail_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"cloison/server/config"
	"cloison/server/mail"
	"cloison/server/mail/mailtest"
	"cloison/store"
	"cloison/store/storetest"
)

const testTimeout = 10 * time.Second

var testActor = store.Actor{Account: &store.Account{ID: "test-superadmin", Role: store.RoleSuperadmin}}

// logBuffer collects what the sender logs; the sender writes from its own goroutine.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// env is one store on a real SQLite file, its composer and a log buffer.
type env struct {
	st       *store.Store
	dir      string
	composer *mail.Composer
	logs     *logBuffer
	log      *slog.Logger
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	composer := mail.NewComposer("Cloison test")
	st, err := store.Open(ctx, store.Options{Dir: dir, DatabaseURL: storetest.Migrated(t, dir), Composer: composer, BaseURL: "https://cloison.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	logs := &logBuffer{}
	return &env{st: st, dir: dir, composer: composer, logs: logs,
		log: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
}

// enqueue writes a rendered message to the outbox as the store does. The
// store's own enqueue is unexported (e-mails are written only by the store
// changes that cause them), so the test writes the row through the
// engine's writer, below the store.
func (e *env) enqueue(t *testing.T, to, locale, kind string, params map[string]string) string {
	t.Helper()
	msg, err := e.composer.Compose(kind, locale, params)
	if err != nil {
		t.Fatal(err)
	}
	db := e.st.Engine().Writer()
	id := uuid.NewString()
	now := e.st.Now().Format("2006-01-02 15:04:05.999999-07:00")
	_, err = db.Exec(`INSERT INTO outbox (id, message_id, to_addr, subject, text_body, html_body, kind, status, attempts, next_attempt_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', 0, ?, ?)`,
		id, "<"+id+"@cloison.example.org>", to, msg.Subject, msg.Text, msg.HTML, kind, now, now)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// row reads one outbox message through the superadmin's list.
func (e *env) row(t *testing.T, id string) store.OutboxMessage {
	t.Helper()
	items, _, err := e.st.ListOutbox(context.Background(), testActor, "", store.Page{Page: 1, PerPage: 200})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range items {
		if m.ID == id {
			return m
		}
	}
	t.Fatalf("outbox message %s not found", id)
	return store.OutboxMessage{}
}

// waitRow polls the outbox until cond holds for message id.
func (e *env) waitRow(t *testing.T, id, what string, cond func(store.OutboxMessage) bool) store.OutboxMessage {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for {
		m := e.row(t, id)
		if cond(m) {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("outbox message %s: %s did not happen; row = %+v", id, what, m)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// run starts the sender and stops it at the end of the test.
func run(t *testing.T, s *mail.Sender) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

// fast are options for tests: quick polls and retries.
var fast = []mail.Option{mail.WithPollInterval(20 * time.Millisecond), mail.WithBackoff(30*time.Millisecond, 150*time.Millisecond, 1000)}

func activation(token string) map[string]string {
	return map[string]string{"name": "Alice", "link": "https://cloison.example.org/activate#token=" + token}
}

// assertLogClean checks that the log, in SMTP mode, names no recipient and
// quotes no body.
func assertLogClean(t *testing.T, logs string, secrets ...string) {
	t.Helper()
	for _, s := range append(secrets, "@example.org", "token=", "Bonjour", "Hello") {
		if strings.Contains(logs, s) {
			t.Errorf("the log contains %q:\n%s", s, logs)
		}
	}
}

func TestSenderDeliversTextAndHTMLWithTheStoredMessageID(t *testing.T) {
	e := newEnv(t)
	srv := mailtest.Start(t)
	// A long poll: only Kick can make the message go out within the test.
	s := mail.NewSender(srv.Config(), e.st, e.log, mail.WithPollInterval(time.Hour))
	run(t, s)

	id := e.enqueue(t, "alice@example.org", "fr", "activation", activation("Tok123"))
	s.Kick()
	got := srv.WaitFor(t, "alice@example.org", 1, testTimeout)[0]
	row := e.waitRow(t, id, "sent", func(m store.OutboxMessage) bool { return m.Status == store.OutboxSent })

	if row.SentAt == nil || row.Attempts != 1 || row.LastError != "" {
		t.Errorf("row = %+v", row)
	}
	if got.MessageID != row.MessageID {
		t.Errorf("Message-ID = %q, want %q", got.MessageID, row.MessageID)
	}
	if got.Subject != row.Subject || got.Subject != "[Cloison test] Confirmez votre adresse e-mail" {
		t.Errorf("Subject = %q", got.Subject)
	}
	if got.From != "noreply@cloison.test" || len(got.To) != 1 || got.To[0] != "alice@example.org" {
		t.Errorf("envelope %s → %v", got.From, got.To)
	}
	if ct := got.Header.Get("Content-Type"); !strings.HasPrefix(ct, "multipart/alternative") {
		t.Errorf("Content-Type = %q", ct)
	}
	if got.Header.Get("Date") == "" || got.Header.Get("Auto-Submitted") != "auto-generated" {
		t.Errorf("headers = %v", got.Header)
	}
	if link := mailtest.Link(t, got, "/activate#token="); link != "https://cloison.example.org/activate#token=Tok123" {
		t.Errorf("link = %q", link)
	}
	if !strings.Contains(got.Text, "Bonjour Alice,") || !strings.Contains(got.HTML, `href="https://cloison.example.org/activate#token=Tok123"`) {
		t.Errorf("parts:\n%s\n%s", got.Text, got.HTML)
	}
	assertLogClean(t, e.logs.String(), "Alice")
}

func TestSenderRetriesWhileTheServerIsDownAndDeliversOnce(t *testing.T) {
	e := newEnv(t)
	srv := mailtest.Start(t)
	srv.Stop()
	s := mail.NewSender(srv.Config(), e.st, e.log, fast...)
	run(t, s)

	id := e.enqueue(t, "bob@example.org", "en", "reset", activation("Down1"))
	s.Kick()
	// A row read while the sender holds it shows its lease (a minute and
	// more ahead) as its next attempt: the rows compared are read between
	// attempts, their next attempt the backoff's.
	between := func(m store.OutboxMessage) bool { return m.NextAttemptAt.Sub(m.CreatedAt) < 30*time.Second }
	first := e.waitRow(t, id, "a first failed attempt", func(m store.OutboxMessage) bool { return m.Attempts >= 1 && between(m) })
	// Further attempts than the first row showed: under load the first
	// read can come after several, and a later one alike would be the same.
	later := e.waitRow(t, id, "further attempts", func(m store.OutboxMessage) bool {
		return m.Attempts >= 3 && m.Attempts > first.Attempts && between(m)
	})
	for _, m := range []store.OutboxMessage{first, later} {
		if m.Status != store.OutboxQueued || m.LastError == "" || m.SentAt != nil {
			t.Errorf("while down: %+v", m)
		}
	}
	if !later.NextAttemptAt.After(first.NextAttemptAt) || !first.NextAttemptAt.After(first.CreatedAt) {
		t.Errorf("next_attempt_at did not move forward: created %v, then %v, then %v", first.CreatedAt, first.NextAttemptAt, later.NextAttemptAt)
	}

	srv.Restart()
	srv.WaitFor(t, "bob@example.org", 1, testTimeout)
	sent := e.waitRow(t, id, "sent", func(m store.OutboxMessage) bool { return m.Status == store.OutboxSent })
	if sent.LastError != "" {
		t.Errorf("last_error after delivery = %q", sent.LastError)
	}
	// Give the sender a few more polls to prove it does not send again.
	time.Sleep(100 * time.Millisecond)
	if n := len(srv.To("bob@example.org")); n != 1 {
		t.Errorf("%d messages delivered, want exactly 1", n)
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "class=temporary") || !strings.Contains(logs, "stage=connect") {
		t.Errorf("the failed attempts are not logged with their class:\n%s", logs)
	}
	assertLogClean(t, logs, "bob")
}

func TestSenderMarksARefusedRecipientFailedUntilRequeued(t *testing.T) {
	e := newEnv(t)
	srv := mailtest.Start(t)
	srv.RejectRcpt(func(addr string) bool { return strings.HasPrefix(addr, "nobody@") })
	s := mail.NewSender(srv.Config(), e.st, e.log, fast...)
	run(t, s)

	bad := e.enqueue(t, "nobody@example.org", "fr", "activation", activation("Bad1"))
	good := e.enqueue(t, "carol@example.org", "fr", "activation", activation("Good1"))
	s.Kick()
	failed := e.waitRow(t, bad, "failed", func(m store.OutboxMessage) bool { return m.Status == store.OutboxFailed })
	srv.WaitFor(t, "carol@example.org", 1, testTimeout)
	e.waitRow(t, good, "sent", func(m store.OutboxMessage) bool { return m.Status == store.OutboxSent })

	if failed.Attempts != 1 || !strings.Contains(failed.LastError, "550") || srv.RcptAttempts("nobody@example.org") != 1 {
		t.Errorf("failed row = %+v after %d RCPT", failed, srv.RcptAttempts("nobody@example.org"))
	}
	if len(srv.To("nobody@example.org")) != 0 {
		t.Fatal("a refused message was recorded as received")
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "class=permanent") || !strings.Contains(logs, "smtp_code=550") {
		t.Errorf("the refusal is not logged with its class and code:\n%s", logs)
	}
	assertLogClean(t, logs, "nobody", "carol")

	// The mailbox exists now; the superadmin requeues the message.
	srv.RejectRcpt(nil)
	if err := e.st.RetryOutbox(context.Background(), testActor, bad); err != nil {
		t.Fatal(err)
	}
	s.Kick()
	got := srv.WaitFor(t, "nobody@example.org", 1, testTimeout)
	e.waitRow(t, bad, "sent", func(m store.OutboxMessage) bool { return m.Status == store.OutboxSent })
	if got[0].MessageID != failed.MessageID {
		t.Errorf("the resent message has Message-ID %q, want %q", got[0].MessageID, failed.MessageID)
	}
	time.Sleep(100 * time.Millisecond)
	if n := len(srv.To("nobody@example.org")); n != 1 {
		t.Errorf("%d messages delivered after the retry, want 1", n)
	}
}

func TestSenderGivesUpAfterTheLastAttempt(t *testing.T) {
	e := newEnv(t)
	srv := mailtest.Start(t)
	srv.DeferRcpt(func(string) bool { return true })
	s := mail.NewSender(srv.Config(), e.st, e.log,
		mail.WithPollInterval(20*time.Millisecond), mail.WithBackoff(10*time.Millisecond, 20*time.Millisecond, 3))
	run(t, s)

	id := e.enqueue(t, "dave@example.org", "en", "activation", activation("Defer1"))
	s.Kick()
	m := e.waitRow(t, id, "failed", func(m store.OutboxMessage) bool { return m.Status == store.OutboxFailed })
	if m.Attempts != 3 || !strings.Contains(m.LastError, "gave up after 3 attempts") || !strings.Contains(m.LastError, "451") {
		t.Errorf("row = %+v", m)
	}
	if n := srv.RcptAttempts("dave@example.org"); n != 3 {
		t.Errorf("%d attempts reached the server, want 3", n)
	}
}

func TestSenderWithoutSMTPHostPrintsTheMessageToTheLog(t *testing.T) {
	e := newEnv(t)
	s := mail.NewSender(config.SMTP{From: "Cloison <noreply@localhost>", TLS: config.TLSStartTLS}, e.st, e.log, mail.WithPollInterval(time.Hour))
	run(t, s)

	id := e.enqueue(t, "erin@example.org", "en", "activation", activation("Local1"))
	s.Kick()
	// Printed, not sent: the outbox says so, and tells it apart in its filter.
	e.waitRow(t, id, "printed", func(m store.OutboxMessage) bool { return m.Status == store.OutboxPrinted })
	for status, want := range map[string]int64{store.OutboxPrinted: 1, store.OutboxSent: 0} {
		if _, n, err := e.st.ListOutbox(context.Background(), testActor, status, store.Page{Page: 1, PerPage: 10}); err != nil || n != want {
			t.Errorf("?status=%s: %d messages (%v), want %d", status, n, err, want)
		}
	}
	logs := e.logs.String()
	for _, want := range []string{"https://cloison.example.org/activate#token=Local1", "erin@example.org", "Confirm your e-mail address", "no SMTP host configured"} {
		if !strings.Contains(logs, want) {
			t.Errorf("the log lacks %q:\n%s", want, logs)
		}
	}
}

func TestSenderDeliversOverSTARTTLSWithAuth(t *testing.T) {
	e := newEnv(t)
	srv := mailtest.Start(t, mailtest.WithStartTLS(), mailtest.WithAuth("cloison", "s3cret-pass"))
	s := mail.NewSender(srv.Config(), e.st, e.log, append(fast, mail.WithTLSConfig(srv.ClientTLSConfig()))...)
	run(t, s)

	id := e.enqueue(t, "frank@example.org", "fr", "reset", activation("Tls1"))
	s.Kick()
	srv.WaitFor(t, "frank@example.org", 1, testTimeout)
	e.waitRow(t, id, "sent", func(m store.OutboxMessage) bool { return m.Status == store.OutboxSent })
	if strings.Contains(e.logs.String(), "s3cret-pass") {
		t.Error("the log contains the SMTP password")
	}
}

func TestSenderDeliversOverImplicitTLS(t *testing.T) {
	e := newEnv(t)
	srv := mailtest.Start(t, mailtest.WithImplicitTLS())
	s := mail.NewSender(srv.Config(), e.st, e.log, append(fast, mail.WithTLSConfig(srv.ClientTLSConfig()))...)
	run(t, s)

	id := e.enqueue(t, "gina@example.org", "fr", "password_changed", map[string]string{"name": "Gina"})
	s.Kick()
	srv.WaitFor(t, "gina@example.org", 1, testTimeout)
	e.waitRow(t, id, "sent", func(m store.OutboxMessage) bool { return m.Status == store.OutboxSent })
}

// STARTTLS that the server does not offer, or a certificate nobody vouches
// for, must stop delivery, never downgrade it to plaintext.
func TestSenderNeverFallsBackToPlaintext(t *testing.T) {
	for _, c := range []struct {
		name    string
		srvOpts []mailtest.Option
		trust   bool
		wantErr string
	}{
		{"server without STARTTLS", nil, false, "STARTTLS"},
		{"untrusted certificate", []mailtest.Option{mailtest.WithStartTLS()}, false, "certificate"},
		{"implicit TLS against a plaintext server", nil, false, "TLS handshake"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			srv := mailtest.Start(t, c.srvOpts...)
			cfg := srv.Config()
			cfg.TLS = config.TLSStartTLS
			if strings.HasPrefix(c.name, "implicit") {
				cfg.TLS = config.TLSImplicit
				cfg.Timeout = config.Duration(time.Second)
			}
			s := mail.NewSender(cfg, e.st, e.log, fast...)
			run(t, s)

			id := e.enqueue(t, "hugo@example.org", "fr", "activation", activation("Plain1"))
			s.Kick()
			m := e.waitRow(t, id, "a failed attempt", func(m store.OutboxMessage) bool { return m.Attempts >= 1 })
			if m.Status != store.OutboxQueued || !strings.Contains(m.LastError, c.wantErr) {
				t.Errorf("row = %+v, want a temporary failure mentioning %q", m, c.wantErr)
			}
			if n := srv.RcptAttempts("hugo@example.org"); n != 0 || len(srv.Messages()) != 0 {
				t.Errorf("the message reached the server in plaintext (%d RCPT)", n)
			}
		})
	}
}

// slowSMTP answers like an SMTP server, each reply after delay, and reports
// each connection it accepts.
func slowSMTP(t *testing.T, delay time.Duration) (port int, accepted <-chan struct{}) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	ch := make(chan struct{}, 100)
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			ch <- struct{}{}
			go func() {
				defer conn.Close()
				r := bufio.NewReader(conn)
				time.Sleep(delay)
				if _, err := conn.Write([]byte("220 slow.test ESMTP\r\n")); err != nil {
					return
				}
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					time.Sleep(delay)
					reply := "250 ok\r\n"
					if strings.HasPrefix(strings.ToUpper(line), "DATA") {
						reply = "354 go ahead\r\n"
					}
					if _, err := conn.Write([]byte(reply)); err != nil {
						return
					}
				}
			}()
		}
	}()
	return l.Addr().(*net.TCPAddr).Port, ch
}

// Each reply comes within the timeout, but the whole conversation would not:
// the attempt must end at its deadline.
func TestSenderBoundsEachAttemptByTheTimeout(t *testing.T) {
	e := newEnv(t)
	port, accepted := slowSMTP(t, 300*time.Millisecond)
	cfg := config.SMTP{Host: "127.0.0.1", Port: port, From: "Cloison <noreply@cloison.test>", TLS: config.TLSNone, Timeout: config.Duration(700 * time.Millisecond)}
	s := mail.NewSender(cfg, e.st, e.log, mail.WithPollInterval(time.Hour), mail.WithBackoff(time.Hour, time.Hour, 10))
	run(t, s)

	id := e.enqueue(t, "ivan@example.org", "fr", "activation", activation("Slow1"))
	s.Kick()
	<-accepted
	start := time.Now()
	m := e.waitRow(t, id, "a timed-out attempt", func(m store.OutboxMessage) bool { return m.Attempts >= 1 })
	// Renewing go-mail's per-command timeout would stretch it to 1.3 s.
	if took := time.Since(start); took > 1050*time.Millisecond {
		t.Errorf("the attempt took %s with a 700ms timeout", took)
	}
	if m.Status != store.OutboxQueued || !strings.Contains(m.LastError, "timeout") {
		t.Errorf("row = %+v, want a temporary timeout", m)
	}
}

// Run returns when its context ends, but only after recording the outcome
// of the attempt in progress.
func TestRunFinishesTheMessageInHandOnShutdown(t *testing.T) {
	e := newEnv(t)
	port, accepted := slowSMTP(t, 200*time.Millisecond)
	cfg := config.SMTP{Host: "127.0.0.1", Port: port, From: "Cloison <noreply@cloison.test>", TLS: config.TLSNone, Timeout: config.Duration(500 * time.Millisecond)}
	s := mail.NewSender(cfg, e.st, e.log, mail.WithPollInterval(time.Hour))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Run(ctx)
	}()

	id := e.enqueue(t, "jade@example.org", "fr", "activation", activation("Stop1"))
	s.Kick()
	<-accepted
	cancel()
	select {
	case <-done:
	case <-time.After(testTimeout):
		t.Fatal("Run did not return after its context ended")
	}
	if m := e.row(t, id); m.Attempts != 1 || m.LastError == "" {
		t.Errorf("the attempt in progress was not recorded: %+v", m)
	}
}

func TestKickNeverBlocks(t *testing.T) {
	e := newEnv(t)
	s := mail.NewSender(config.SMTP{}, e.st, e.log)
	done := make(chan struct{})
	go func() {
		for range 1000 {
			s.Kick()
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(testTimeout):
		t.Fatal("Kick blocked without a running sender")
	}
}

func TestMailtestLinkFailsWithoutAMatch(t *testing.T) {
	ft := &fakeT{TB: t}
	func() {
		defer func() { _ = recover() }()
		mailtest.Link(ft, mailtest.Message{Text: "see https://x.example/login"}, "/activate#token=")
	}()
	if !ft.failed {
		t.Error("Link did not fail the test")
	}
	if got := mailtest.Link(t, mailtest.Message{Text: "a\nhttp://localhost:8080/activate#token=abc_-9\nb"}, "/activate#token="); got != "http://localhost:8080/activate#token=abc_-9" {
		t.Errorf("Link = %q", got)
	}
}

// fakeT records a Fatalf instead of ending the test.
type fakeT struct {
	testing.TB
	failed bool
}

func (f *fakeT) Helper() {}
func (f *fakeT) Fatalf(string, ...any) {
	f.failed = true
	panic(errors.New("fatal"))
}

func TestSenderReportsRefusedCredentials(t *testing.T) {
	e := newEnv(t)
	srv := mailtest.Start(t, mailtest.WithStartTLS(), mailtest.WithAuth("cloison", "s3cret-pass"))
	cfg := srv.Config()
	cfg.Password = "wrong-pass"
	s := mail.NewSender(cfg, e.st, e.log, append(fast, mail.WithTLSConfig(srv.ClientTLSConfig()))...)
	run(t, s)

	id := e.enqueue(t, "kim@example.org", "fr", "reset", activation("Auth1"))
	s.Kick()
	m := e.waitRow(t, id, "a failed attempt", func(m store.OutboxMessage) bool { return m.Attempts >= 1 })
	if m.Status != store.OutboxQueued || !strings.Contains(m.LastError, "AUTH") {
		t.Errorf("row = %+v", m)
	}
	if len(srv.Messages()) != 0 {
		t.Error("a message went through without authentication")
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "SMTP AUTH failed") || strings.Contains(logs, "wrong-pass") {
		t.Errorf("the log should say why, without the password:\n%s", logs)
	}
	assertLogClean(t, logs, "kim")
}

// The superadmin's test e-mail says exactly what the SMTP server answered:
// its acceptance, or its refusal with the code and text; without an SMTP
// host, that the e-mail went to the log.
func TestTestEmailReportsTheServersAnswer(t *testing.T) {
	e := newEnv(t)
	srv := mailtest.Start(t)
	s := mail.NewSender(srv.Config(), e.st, e.log, fast...)
	msg, err := e.composer.Compose("test", "en", map[string]string{"name": "Ada"})
	if err != nil {
		t.Fatal(err)
	}
	ok := s.Test(context.Background(), "ada@example.org", msg)
	if !ok.OK || ok.Delivery != "smtp" || ok.Stage != "" || !strings.Contains(ok.Reply, "queued") || ok.Server != srv.Addr() {
		t.Errorf("accepted: %+v", ok)
	}
	if got := srv.To("ada@example.org"); len(got) != 1 || got[0].Subject != "[Cloison test] Test e-mail" || !strings.Contains(got[0].Text, "Hello Ada,") {
		t.Fatalf("received %+v", got)
	}

	srv.RejectRcpt(func(addr string) bool { return strings.HasPrefix(addr, "nobody@") })
	no := s.Test(context.Background(), "nobody@example.org", msg)
	if no.OK || no.Stage != "send" || no.Code != 550 || !strings.Contains(no.Reply, "550") || !strings.Contains(no.Reply, "5.1.1 No such mailbox here") {
		t.Errorf("refused: %+v", no)
	}

	srv.Stop()
	down := s.Test(context.Background(), "ada@example.org", msg)
	if down.OK || down.Stage != "connect" || !strings.Contains(down.Reply, "refused") {
		t.Errorf("server down: %+v", down)
	}
	assertLogClean(t, e.logs.String(), "ada", "nobody")

	local := mail.NewSender(config.SMTP{From: "Cloison <noreply@localhost>"}, e.st, e.log)
	if got := local.Test(context.Background(), "ada@example.org", msg); got != (mail.TestResult{Delivery: "log", OK: true}) {
		t.Errorf("no SMTP host: %+v", got)
	}
	if !strings.Contains(e.logs.String(), "Test e-mail") {
		t.Errorf("the test e-mail was not printed:\n%s", e.logs.String())
	}
}

// smtp.lease and smtp.poll_interval set the sender's lease and poll: a
// message held in the middle of its SMTP transaction shows the configured
// lease as its next attempt, and a message queued without a Kick leaves at
// the next poll, not five seconds later.
func TestSenderTakesItsLeaseAndPollFromTheConfiguration(t *testing.T) {
	e := newEnv(t)
	srv := mailtest.Start(t)
	cfg := srv.Config()
	cfg.Timeout, cfg.Lease, cfg.PollInterval = config.Duration(time.Second), config.Duration(3*time.Second), config.Duration(50*time.Millisecond)
	s := mail.NewSender(cfg, e.st, e.log)
	held := srv.Hold(nil)
	run(t, s)

	id := e.enqueue(t, "carol@example.org", "en", "reset", activation("Lease1"))
	before := e.st.Now()
	held.Wait(t, testTimeout)
	m := e.row(t, id)
	if lease := m.NextAttemptAt.Sub(before); lease < 2*time.Second || lease > 3*time.Second+time.Second/2 {
		t.Errorf("leased for %s (next attempt %v, claimed after %v), want the configured 3s", lease, m.NextAttemptAt, before)
	}
	held.Accept()
	e.waitRow(t, id, "sent", func(m store.OutboxMessage) bool { return m.Status == store.OutboxSent })

	// Enqueued behind the sender's back, between polls: the next one finds it.
	id = e.enqueue(t, "dave@example.org", "en", "reset", activation("Poll1"))
	srv.WaitFor(t, "dave@example.org", 1, time.Second)
	e.waitRow(t, id, "sent", func(m store.OutboxMessage) bool { return m.Status == store.OutboxSent })
}
