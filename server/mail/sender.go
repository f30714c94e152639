package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	gomail "github.com/wneessen/go-mail"

	"cloison/server/config"
	"cloison/store"
)

// Defaults of the Sender; see the options to change them.
const (
	DefaultPollInterval = 5 * time.Second
	DefaultBackoffBase  = 30 * time.Second
	DefaultBackoffMax   = time.Hour
	DefaultMaxAttempts  = 10
	// jitter spreads retries by ±20 % so that messages which failed together
	// do not all come back together.
	jitter = 0.2
	// leaseMargin is added to the send timeout to lease a claimed message
	// unless smtp.lease says otherwise: long enough to record the outcome
	// after the deadline, short enough that a message claimed by a process
	// that died is soon sent again.
	leaseMargin = time.Minute
)

// Option configures a Sender.
type Option func(*Sender)

// WithPollInterval sets how often the outbox is looked at when nothing
// wakes the sender up (Kick, or a retry coming due).
func WithPollInterval(d time.Duration) Option {
	return func(s *Sender) {
		if d > 0 {
			s.poll = d
		}
	}
}

// WithBackoff sets the delay before the first retry (doubled at each
// further one), its cap, and how many attempts a message gets before it is
// marked failed.
func WithBackoff(base, max time.Duration, maxAttempts int) Option {
	return func(s *Sender) {
		if base > 0 {
			s.backoffBase = base
		}
		if max > 0 {
			s.backoffMax = max
		}
		if maxAttempts > 0 {
			s.maxAttempts = maxAttempts
		}
	}
}

// WithTLSConfig replaces the TLS settings used to reach the SMTP server,
// for example to trust a private certificate authority. Its ServerName
// defaults to the SMTP host.
func WithTLSConfig(c *tls.Config) Option {
	return func(s *Sender) {
		if c != nil {
			s.tlsConfig = c.Clone()
		}
	}
}

// Sender delivers the outbox: one message at a time, each attempt bounded by
// the SMTP timeout, temporary failures retried with capped exponential
// backoff, permanent ones marked failed for the superadmin to see. Several
// Senders may run on one database, one per instance on PostgreSQL: the
// claim's lease keeps each message to one of them at a time (see drain).
type Sender struct {
	cfg         config.SMTP
	st          *store.Store
	log         *slog.Logger
	poll        time.Duration
	lease       time.Duration
	backoffBase time.Duration
	backoffMax  time.Duration
	maxAttempts int
	tlsConfig   *tls.Config
	kick        chan struct{}
}

// NewSender builds a sender for the outbox of st. With cfg.Host empty it
// "delivers" by printing each message to log, so a local trial needs no
// mail server. cfg.PollInterval and cfg.Lease, when set, replace the
// default poll interval and lease (the options still win).
func NewSender(cfg config.SMTP, st *store.Store, log *slog.Logger, opts ...Option) *Sender {
	if log == nil {
		log = slog.Default()
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = config.Duration(30 * time.Second)
	}
	s := &Sender{
		cfg: cfg, st: st, log: log.With("component", "mail"),
		poll: DefaultPollInterval, lease: cfg.Lease.Std(), backoffBase: DefaultBackoffBase, backoffMax: DefaultBackoffMax,
		maxAttempts: DefaultMaxAttempts, kick: make(chan struct{}, 1),
	}
	if cfg.PollInterval > 0 {
		s.poll = cfg.PollInterval.Std()
	}
	if s.lease <= cfg.Timeout.Std() {
		s.lease = cfg.Timeout.Std() + leaseMargin
	}
	for _, o := range opts {
		o(s)
	}
	if s.tlsConfig == nil {
		s.tlsConfig = &tls.Config{}
	}
	if s.tlsConfig.ServerName == "" {
		s.tlsConfig.ServerName = cfg.Host
	}
	if s.tlsConfig.MinVersion == 0 {
		s.tlsConfig.MinVersion = tls.VersionTLS12
	}
	return s
}

// Kick wakes the sender up so that a message just enqueued goes out at
// once. It never blocks: a wake-up already pending covers this one too.
func (s *Sender) Kick() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Run delivers due messages until ctx ends. It returns after finishing the
// message in hand, whose outcome is recorded even though ctx has ended.
func (s *Sender) Run(ctx context.Context) {
	if s.cfg.Host == "" {
		s.log.Info("no SMTP host configured: e-mails are printed to this log, not sent")
	} else {
		s.log.Info("mail sender started", "host", s.cfg.Host, "port", s.cfg.Port, "tls", s.cfg.TLS)
	}
	for {
		s.drain(ctx)
		if ctx.Err() != nil {
			return
		}
		t := time.NewTimer(s.nextWait(ctx))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-s.kick:
			t.Stop()
		case <-t.C:
		}
	}
}

// drain sends due messages until none is left or ctx ends. Messages are
// claimed one at a time, and each one's outcome is recorded right after its
// own SMTP transaction (one small write), never for a batch at the end: a
// process killed in the middle of a run (SIGKILL, a crash, the machine
// going down) then leaves at most the message in hand unrecorded, and only
// that one is sent again, by this instance or another, once its lease runs
// out. Were outcomes recorded per batch, every message the SMTP server had
// already taken in the batch would go out twice. It also means that a
// shutdown leaves no message leased but unsent, and a retry never waits
// behind a long batch. The one message in hand may still reach its
// recipient twice if the server took it just before the kill; it then
// carries the same Message-ID both times.
func (s *Sender) drain(ctx context.Context) {
	for ctx.Err() == nil {
		msgs, err := s.st.ClaimOutbox(ctx, 1, s.lease)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Error("reading the outbox failed", "error", err)
			}
			return
		}
		if len(msgs) == 0 {
			return
		}
		s.attempt(ctx, msgs[0])
	}
}

// nextWait is how long to sleep: until the earliest retry is due, but never
// longer than the poll interval (a message may be enqueued without a Kick).
func (s *Sender) nextWait(ctx context.Context) time.Duration {
	wait := s.poll
	at, ok, err := s.st.NextOutboxAttempt(ctx)
	if err != nil || !ok {
		return wait
	}
	// A floor keeps a clock disagreement from turning this into a busy loop.
	return max(min(wait, at.Sub(s.st.Now())), 10*time.Millisecond)
}

// attempt delivers one claimed message and records the outcome.
func (s *Sender) attempt(ctx context.Context, m store.OutboxMessage) {
	// The attempt and its bookkeeping outlive a shutdown request: a message
	// handed to the server must be marked sent, or it would be sent again.
	keep := context.WithoutCancel(ctx)
	attempt := m.Attempts + 1
	log := s.log.With("outbox_id", m.ID, "kind", m.Kind, "attempt", attempt)

	if s.cfg.Host == "" {
		s.printToLog(m)
		s.record(log, s.st.MarkOutboxPrinted(keep, m.ID))
		return
	}

	sendCtx, cancel := context.WithTimeout(keep, s.cfg.Timeout.Std())
	_, err := s.send(sendCtx, m)
	cancel()
	if err == nil {
		log.Info("e-mail sent")
		s.record(log, s.st.MarkOutboxSent(keep, m.ID))
		return
	}

	var de *deliveryError
	if !errors.As(err, &de) {
		de = &deliveryError{stage: "send", err: err}
	}
	// Only the stage, the SMTP code and, before any address was sent, the
	// error itself are logged: the full text, which may hold the recipient's
	// address, is kept in the outbox for the superadmin.
	attrs := []any{"stage", de.stage}
	if de.code != 0 {
		attrs = append(attrs, "smtp_code", de.code)
	}
	if de.stage == "connect" {
		attrs = append(attrs, "error", de.err)
	}
	switch {
	case de.permanent:
		log.Warn("e-mail refused for good; marked failed", append(attrs, "class", "permanent")...)
		s.record(log, s.st.MarkOutboxFailed(keep, m.ID, de.Error()))
	case attempt >= s.maxAttempts:
		log.Warn("e-mail still not delivered after the last attempt; marked failed", append(attrs, "class", "temporary")...)
		s.record(log, s.st.MarkOutboxFailed(keep, m.ID, fmt.Sprintf("gave up after %d attempts: %s", attempt, de.Error())))
	default:
		delay := s.backoff(attempt)
		log.Warn("e-mail not delivered; will retry", append(attrs, "class", "temporary", "retry_in", delay.Round(time.Millisecond))...)
		s.record(log, s.st.MarkOutboxRetry(keep, m.ID, de.Error(), s.st.Now().Add(delay)))
	}
}

// record logs a failure to write an attempt's outcome. The lease on the
// message then runs out and the message is tried again; if the server had
// taken it, the copy carries the same Message-ID, so it is recognisable.
func (s *Sender) record(log *slog.Logger, err error) {
	if err != nil {
		log.Error("recording the outcome of an e-mail failed", "error", err)
	}
}

// backoff is the delay before the attempt after attempt n (n ≥ 1):
// base·2^(n-1), capped, then spread by the jitter.
func (s *Sender) backoff(n int) time.Duration {
	d := s.backoffBase
	for i := 1; i < n && d < s.backoffMax; i++ {
		d *= 2
	}
	d = min(d, s.backoffMax)
	return time.Duration(float64(d) * (1 - jitter + 2*jitter*rand.Float64()))
}

var urlPattern = regexp.MustCompile(`https?://\S+`)

// printToLog is delivery without an SMTP host: the whole message, links first,
// goes to the log, so that a local trial can follow activation links.
func (s *Sender) printToLog(m store.OutboxMessage) {
	s.log.Info("e-mail (not sent: no SMTP host configured)",
		"outbox_id", m.ID, "kind", m.Kind, "to", m.To, "subject", m.Subject,
		"links", strings.Join(urlPattern.FindAllString(m.TextBody, -1), " "),
		"text", m.TextBody)
}

// deliveryError is a failed attempt, classified.
type deliveryError struct {
	// stage is "message" (the message cannot be built), "connect" (connection,
	// TLS or authentication: nothing about the message was sent yet) or
	// "send" (MAIL, RCPT, DATA).
	stage     string
	permanent bool
	// code is the SMTP reply code, when the server gave one.
	code int
	err  error
}

func (e *deliveryError) Error() string {
	if e.code != 0 {
		return e.stage + " (SMTP " + strconv.Itoa(e.code) + "): " + e.err.Error()
	}
	return e.stage + ": " + e.err.Error()
}

func (e *deliveryError) Unwrap() error { return e.err }

// send makes one SMTP delivery of m within ctx's deadline, and returns
// what the server answered to the message (its reply to the end of DATA).
func (s *Sender) send(ctx context.Context, m store.OutboxMessage) (string, error) {
	msg, err := s.buildMessage(m)
	if err != nil {
		return "", &deliveryError{stage: "message", permanent: true, err: err}
	}
	deadline, _ := ctx.Deadline()
	client, err := gomail.NewClient(s.cfg.Host, s.clientOptions(deadline)...)
	if err != nil {
		return "", &deliveryError{stage: "connect", err: err}
	}
	conn, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		err = s.explainTimeout(err, deadline)
		// Connection refused, timeouts, DNS, TLS and authentication failures
		// may all be mended by the operator or the network: retry.
		return "", &deliveryError{stage: "connect", err: err}
	}
	err = client.SendWithSMTPClient(conn, msg)
	_ = client.CloseWithSMTPClient(conn) // the message's fate is already decided
	if msg.IsDelivered() {
		// The server took the message; whatever failed afterwards (RSET,
		// QUIT) must not make us send it twice.
		return msg.ServerResponse(), nil
	}
	if err == nil {
		return "", &deliveryError{stage: "send", err: errors.New("the server did not confirm the message")}
	}
	err = s.explainTimeout(err, deadline)
	de := &deliveryError{stage: "send", err: err}
	var se *gomail.SendError
	if errors.As(err, &se) {
		de.code = se.ErrorCode()
		// A 5xx reply to MAIL, RCPT or DATA will not change by asking again;
		// 4xx replies, and errors with no reply at all (a connection lost
		// mid-way), are worth another attempt.
		de.permanent = !se.IsTemp() && de.code >= 500 && de.code < 600
	}
	return "", de
}

// TestResult is what became of a test e-mail, as a superadmin reads it.
type TestResult struct {
	// Delivery is "smtp", or "log" when no SMTP host is configured (the
	// e-mail was then printed to the log).
	Delivery string `json:"delivery"`
	// OK tells whether the SMTP server accepted the e-mail (always true
	// for "log").
	OK bool `json:"ok"`
	// Server is the SMTP server tried, host:port, and TLS its setting.
	Server string `json:"server,omitempty"`
	TLS    string `json:"tls,omitempty"`
	// Stage is where a refusal happened: "connect" (connection, TLS,
	// authentication), "send" (MAIL, RCPT, DATA) or "message".
	Stage string `json:"stage,omitempty"`
	// Code is the SMTP reply code of a refusal, when the server gave one.
	Code int `json:"code,omitempty"`
	// Reply is what the server answered, word for word: its acceptance
	// ("2.0.0 Ok: queued as …") or the error.
	Reply string `json:"reply"`
}

// Test sends one e-mail now, outside the outbox and without retrying, and
// says exactly what the SMTP server answered. Without an SMTP host, the
// e-mail is printed to the log like any other.
func (s *Sender) Test(ctx context.Context, to string, m store.Message) TestResult {
	id := uuid.NewString()
	row := store.OutboxMessage{ID: id, MessageID: "<" + id + "@" + messageDomain(s.cfg.From) + ">", To: to,
		Subject: m.Subject, TextBody: m.Text, HTMLBody: m.HTML, Kind: "test"}
	if s.cfg.Host == "" {
		s.printToLog(row)
		return TestResult{Delivery: "log", OK: true}
	}
	res := TestResult{Delivery: "smtp", Server: net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.cfg.Port)), TLS: s.cfg.TLS}
	sendCtx, cancel := context.WithTimeout(ctx, s.cfg.Timeout.Std())
	reply, err := s.send(sendCtx, row)
	cancel()
	if err == nil {
		res.OK, res.Reply = true, reply
		s.log.Info("test e-mail sent")
		return res
	}
	var de *deliveryError
	if !errors.As(err, &de) {
		de = &deliveryError{stage: "send", err: err}
	}
	res.Stage, res.Code, res.Reply = de.stage, de.code, de.err.Error()
	s.log.Warn("test e-mail refused", "stage", de.stage, "smtp_code", de.code)
	return res
}

// messageDomain is the domain of the From address, for a Message-ID.
func messageDomain(from string) string {
	if _, domain, ok := strings.Cut(strings.TrimSuffix(strings.TrimSpace(from), ">"), "@"); ok && domain != "" {
		return domain
	}
	return "cloison.invalid"
}

// explainTimeout says so when an attempt failed because it ran out of time:
// go-mail may report that as a lost connection. The socket's deadline and the
// context's fire at the same instant, so the clock is the judge, not ctx.Err.
func (s *Sender) explainTimeout(err error, deadline time.Time) error {
	if deadline.IsZero() || time.Now().Before(deadline) {
		return err
	}
	return fmt.Errorf("%w (attempt timed out after %s)", err, s.cfg.Timeout.Std())
}

// buildMessage turns an outbox row into a multipart/alternative message
// carrying the outbox's stable Message-ID.
func (s *Sender) buildMessage(m store.OutboxMessage) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := msg.From(s.cfg.From); err != nil {
		return nil, fmt.Errorf("from address: %w", err)
	}
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("recipient address: %w", err)
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(strings.TrimSuffix(strings.TrimPrefix(m.MessageID, "<"), ">"))
	msg.SetDate()
	// RFC 3834: an automatic message, so that auto-responders stay quiet.
	msg.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	msg.SetBodyString(gomail.TypeTextPlain, m.TextBody)
	msg.AddAlternativeString(gomail.TypeTextHTML, m.HTMLBody)
	return msg, nil
}

// clientOptions are the go-mail settings for one attempt ending at deadline.
func (s *Sender) clientOptions(deadline time.Time) []gomail.Option {
	opts := []gomail.Option{
		gomail.WithPort(s.cfg.Port),
		gomail.WithTimeout(s.cfg.Timeout.Std()),
		gomail.WithTLSConfig(s.tlsConfig),
		gomail.WithDialContextFunc(s.dialer(deadline)),
		// The connection is fresh: a NOOP to check it only costs a round trip.
		gomail.WithoutNoop(),
	}
	switch s.cfg.TLS {
	case config.TLSImplicit:
		// The dialer speaks TLS from the first byte; WithSSL keeps go-mail
		// from also trying STARTTLS on top of it.
		opts = append(opts, gomail.WithSSL())
	case config.TLSNone:
		// Chosen explicitly by the operator; never reached as a fallback.
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		// STARTTLS or nothing: a server that does not offer it gets no mail.
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if s.cfg.Username != "" {
		// PLAIN or LOGIN, whichever the server offers; go-mail sends neither
		// over an unencrypted connection (except to localhost).
		opts = append(opts,
			gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthPlain, gomail.SMTPAuthLogin),
			gomail.WithUsername(s.cfg.Username), gomail.WithPassword(s.cfg.Password))
	}
	return opts
}

// dialer connects to the SMTP server with an absolute deadline on the
// connection. go-mail renews its per-command timeout at every step, so on
// its own one attempt could last many timeouts; clamping every deadline it
// sets keeps the whole attempt within one.
func (s *Sender) dialer(deadline time.Time) gomail.DialContextFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		raw, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		conn := &deadlineConn{Conn: raw, limit: deadline}
		if err := conn.SetDeadline(deadline); err != nil {
			raw.Close()
			return nil, err
		}
		if s.cfg.TLS != config.TLSImplicit {
			return conn, nil
		}
		tc := tls.Client(conn, s.tlsConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			raw.Close()
			return nil, fmt.Errorf("TLS handshake: %w", err)
		}
		return tc, nil
	}
}

// deadlineConn never lets a deadline be set later than limit.
type deadlineConn struct {
	net.Conn
	limit time.Time
}

func (c *deadlineConn) clamp(t time.Time) time.Time {
	if c.limit.IsZero() || (!t.IsZero() && t.Before(c.limit)) {
		return t
	}
	return c.limit
}

func (c *deadlineConn) SetDeadline(t time.Time) error { return c.Conn.SetDeadline(c.clamp(t)) }

func (c *deadlineConn) SetReadDeadline(t time.Time) error {
	return c.Conn.SetReadDeadline(c.clamp(t))
}

func (c *deadlineConn) SetWriteDeadline(t time.Time) error {
	return c.Conn.SetWriteDeadline(c.clamp(t))
}
