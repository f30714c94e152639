// Package mailtest runs a real SMTP server on the loopback interface for
// tests across Cloison: it records what it receives, decodes the parts, and
// can be stopped, restarted on the same port, told to refuse recipients for
// good or for now, hold a transaction in the middle (Hold), and serve
// STARTTLS or implicit TLS with a throw-away certificate. It is for tests
// only and never delivers anything anywhere.
package mailtest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"cloison/server/config"
)

// Message is one e-mail as the server received it, decoded.
type Message struct {
	// From and To are the envelope (MAIL FROM and the accepted RCPT TO).
	From string
	To   []string
	// Subject is the decoded Subject header.
	Subject string
	// Text and HTML are the decoded text/plain and text/html parts.
	Text string
	HTML string
	// MessageID is the Message-ID header, angle brackets included.
	MessageID string
	// Header is the parsed top-level header.
	Header mail.Header
	// Raw is the message exactly as transmitted after DATA.
	Raw []byte
}

// Option configures Start.
type Option func(*Server)

// WithStartTLS makes the server offer STARTTLS with a self-signed
// certificate for 127.0.0.1; ClientTLSConfig trusts it.
func WithStartTLS() Option { return func(s *Server) { s.tlsMode = "starttls" } }

// WithImplicitTLS makes the server speak TLS from the first byte
// (SMTPS), with the same self-signed certificate.
func WithImplicitTLS() Option { return func(s *Server) { s.tlsMode = "implicit" } }

// WithAuth makes the server require AUTH PLAIN with these credentials
// before it accepts mail. go-smtp only offers AUTH over TLS, as it should.
func WithAuth(username, password string) Option {
	return func(s *Server) { s.username, s.password = username, password }
}

// Server is an SMTP server on 127.0.0.1 for one test.
type Server struct {
	t         testing.TB
	addr      string
	host      string
	port      int
	tlsMode   string
	username  string
	password  string
	serverTLS *tls.Config
	clientTLS *tls.Config

	mu         sync.Mutex
	srv        *smtp.Server
	listener   net.Listener
	done       chan struct{} // closed when the current Serve returns
	msgs       []Message
	rcptTries  map[string]int
	changed    chan struct{} // closed and replaced at each new message
	rejectRcpt func(addr string) bool
	deferRcpt  func(addr string) bool
	hold       *Held // armed: holds the next transaction it matches
	holding    *Held // holds a transaction now
}

// Start runs a server on 127.0.0.1 at a free port; it stops when the test ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{t: t, changed: make(chan struct{}), rcptTries: map[string]int{}}
	for _, o := range opts {
		o(s)
	}
	if s.tlsMode != "" || s.username != "" {
		s.serverTLS, s.clientTLS = selfSigned(t)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("mailtest: listen: %v", err)
	}
	tcp := l.Addr().(*net.TCPAddr)
	s.addr, s.host, s.port = tcp.String(), tcp.IP.String(), tcp.Port
	s.serve(l)
	t.Cleanup(s.Stop)
	return s
}

// Addr is host:port.
func (s *Server) Addr() string { return s.addr }

// Host is the address the server listens on, for smtp.host.
func (s *Server) Host() string { return s.host }

// Port is the port the server listens on, for smtp.port.
func (s *Server) Port() int { return s.port }

// Config is the [smtp] section that points Cloison at this server, with the
// TLS mode and credentials it was started with. With TLS, the sender also
// needs mail.WithTLSConfig(s.ClientTLSConfig()).
func (s *Server) Config() config.SMTP {
	tlsMode := config.TLSNone
	switch s.tlsMode {
	case "starttls":
		tlsMode = config.TLSStartTLS
	case "implicit":
		tlsMode = config.TLSImplicit
	}
	return config.SMTP{
		Host: s.host, Port: s.port, Username: s.username, Password: s.password,
		From: "Cloison <noreply@cloison.test>", TLS: tlsMode, Timeout: config.Duration(5 * time.Second),
	}
}

// ClientTLSConfig trusts the server's certificate (nil without TLS).
func (s *Server) ClientTLSConfig() *tls.Config {
	if s.clientTLS == nil {
		return nil
	}
	return s.clientTLS.Clone()
}

func (s *Server) serve(l net.Listener) {
	if s.tlsMode == "implicit" {
		l = tls.NewListener(l, s.serverTLS)
	}
	srv := smtp.NewServer(backend{s})
	srv.Domain = "mailtest.localhost"
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.MaxMessageBytes = 10 << 20
	srv.MaxRecipients = 50
	if s.tlsMode == "starttls" {
		srv.TLSConfig = s.serverTLS
	}
	// Refused deliveries are what some tests are about, not noise for stderr.
	srv.ErrorLog = log.New(io.Discard, "", 0)
	done := make(chan struct{})
	s.mu.Lock()
	s.srv, s.listener, s.done = srv, l, done
	s.mu.Unlock()
	go func() {
		defer close(done)
		if err := srv.Serve(l); err != nil && !errors.Is(err, smtp.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			s.t.Logf("mailtest: serve: %v", err)
		}
	}()
}

// Stop closes the listener and every connection, like a server going down.
// Connecting then fails with "connection refused". Stop is idempotent.
func (s *Server) Stop() {
	s.mu.Lock()
	srv, l, done := s.srv, s.listener, s.done
	s.srv, s.listener = nil, nil
	if s.holding != nil {
		// A transaction still held is refused, or its connection would
		// never end.
		s.holding.end(false)
	}
	s.mu.Unlock()
	if srv == nil {
		return
	}
	// Close the listener ourselves too: go-smtp's Close only knows the
	// listeners its Serve has registered, and Serve may not have started yet.
	_ = srv.Close()
	_ = l.Close()
	<-done
}

// Restart brings a stopped server back on the same port; received messages
// are kept.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	var l net.Listener
	var err error
	// The port was ours a moment ago; the kernel may take a moment to agree.
	for range 50 {
		if l, err = net.Listen("tcp", s.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		s.t.Fatalf("mailtest: restart on %s: %v", s.addr, err)
	}
	s.serve(l)
}

// RejectRcpt makes the server refuse for good (550) the recipients for
// which reject returns true; nil accepts everyone again.
func (s *Server) RejectRcpt(reject func(addr string) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejectRcpt = reject
}

// DeferRcpt makes the server refuse for now (451) the recipients for which
// deferIt returns true; nil accepts everyone again.
func (s *Server) DeferRcpt(deferIt func(addr string) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deferRcpt = deferIt
}

// Held is a DATA transaction the server holds (see Hold).
type Held struct {
	match   func(Message) bool
	taken   bool         // a transaction matched; guarded by Server.mu
	held    chan Message // receives the held message
	release chan bool    // true accepts it, false refuses it
}

// Hold makes the server hold the next transaction whose message match
// accepts (nil: the next one), once the message has been read in full and
// before the server answers it: the client is then waiting for the reply
// to its DATA, in the middle of its transaction. Other transactions go on
// meanwhile. Wait reports the held message; Accept or Refuse ends the hold.
// match runs outside the server's lock: it may call Messages.
func (s *Server) Hold(match func(Message) bool) *Held {
	h := &Held{match: match, held: make(chan Message, 1), release: make(chan bool, 1)}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hold = h
	return h
}

// Wait returns the held message once a transaction is held; the test fails
// if none is within timeout.
func (h *Held) Wait(t testing.TB, timeout time.Duration) Message {
	t.Helper()
	select {
	case m := <-h.held:
		h.held <- m // a second Wait gets it too
		return m
	case <-time.After(timeout):
		t.Fatalf("mailtest: no transaction held after %s", timeout)
		return Message{}
	}
}

// Accept answers the held transaction as usual: the message is received.
func (h *Held) Accept() { h.end(true) }

// Refuse answers the held transaction with a temporary failure (451): the
// message is not received. A client that died meanwhile never reads it, as
// when a connection is lost before the server's acceptance.
func (h *Held) Refuse() { h.end(false) }

func (h *Held) end(accept bool) {
	select {
	case h.release <- accept:
	default:
	}
}

// take tells whether m is the message h holds, claiming the hold for it.
func (s *Server) take(m Message) *Held {
	s.mu.Lock()
	h := s.hold
	s.mu.Unlock()
	if h == nil || (h.match != nil && !h.match(m)) {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hold != h || h.taken {
		return nil
	}
	h.taken = true
	s.hold = nil
	return h
}

// RcptAttempts counts the RCPT TO commands received for addr, accepted or not.
func (s *Server) RcptAttempts(addr string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rcptTries[strings.ToLower(addr)]
}

// Messages returns every message received so far, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// To returns the messages received so far for addr (case-insensitive).
func (s *Server) To(addr string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.to(addr)
}

func (s *Server) to(addr string) []Message {
	var out []Message
	for _, m := range s.msgs {
		for _, r := range m.To {
			if strings.EqualFold(r, addr) {
				out = append(out, m)
				break
			}
		}
	}
	return out
}

// WaitFor waits until at least n messages for to have arrived and returns
// them all; the test fails if they have not within timeout.
func (s *Server) WaitFor(t testing.TB, to string, n int, timeout time.Duration) []Message {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		got, changed := s.to(to), s.changed
		s.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("mailtest: %d message(s) for %s after %s, want %d", len(got), to, timeout, n)
			return nil
		}
	}
}

// Link returns the first URL in msg's text part whose path starts with
// pathPrefix (for example "/activate#token="), whatever the base URL; the
// test fails if there is none.
func Link(t testing.TB, msg Message, pathPrefix string) string {
	t.Helper()
	re := regexp.MustCompile(`https?://[^\s/"'<>]+` + regexp.QuoteMeta(pathPrefix) + `[^\s"'<>]*`)
	link := re.FindString(msg.Text)
	if link == "" {
		t.Fatalf("mailtest: no link to %s… in the message %q:\n%s", pathPrefix, msg.Subject, msg.Text)
	}
	return link
}

func (s *Server) record(m Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, m)
	close(s.changed)
	s.changed = make(chan struct{})
}

type backend struct{ s *Server }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{s: b.s}, nil }

type session struct {
	s      *Server
	authed bool
	from   string
	to     []string
}

func (ss *session) AuthMechanisms() []string {
	if ss.s.username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain || ss.s.username == "" {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(_, username, password string) error {
		if username != ss.s.username || password != ss.s.password {
			return smtp.ErrAuthFailed
		}
		ss.authed = true
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.username != "" && !ss.authed {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.s.mu.Lock()
	ss.s.rcptTries[strings.ToLower(to)]++
	reject, deferIt := ss.s.rejectRcpt, ss.s.deferRcpt
	ss.s.mu.Unlock()
	if reject != nil && reject(to) {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such mailbox here"}
	}
	if deferIt != nil && deferIt(to) {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := parse(raw)
	if err != nil {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "Unparsable message: " + err.Error()}
	}
	m.From, m.To = ss.from, append([]string(nil), ss.to...)
	if h := ss.s.take(m); h != nil {
		ss.s.mu.Lock()
		ss.s.holding = h
		ss.s.mu.Unlock()
		h.held <- m
		accept := <-h.release
		ss.s.mu.Lock()
		ss.s.holding = nil
		ss.s.mu.Unlock()
		if !accept {
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Held, then refused by the test"}
		}
	}
	ss.s.record(m)
	return nil
}

func (ss *session) Reset()        { ss.from, ss.to = "", nil }
func (ss *session) Logout() error { return nil }

// parse decodes the headers and the text and HTML parts, however deeply
// they are nested in multipart containers.
func parse(raw []byte) (Message, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Message{}, err
	}
	m := Message{Header: msg.Header, Raw: raw, MessageID: msg.Header.Get("Message-Id")}
	dec := new(mime.WordDecoder)
	if m.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return Message{}, fmt.Errorf("subject: %w", err)
	}
	err = walk(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body, &m)
	return m, err
}

func walk(contentType, encoding string, body io.Reader, m *Message) error {
	if contentType == "" {
		contentType = "text/plain"
	}
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return fmt.Errorf("content type %q: %w", contentType, err)
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			// multipart.Reader already undoes quoted-printable and drops the header.
			if err := walk(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, m); err != nil {
				return err
			}
		}
	}
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "base64":
		// The decoder skips the line breaks base64 bodies are folded with.
		body = base64.NewDecoder(base64.StdEncoding, body)
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return fmt.Errorf("%s part: %w", mediaType, err)
	}
	switch mediaType {
	case "text/plain":
		if m.Text == "" {
			m.Text = string(b)
		}
	case "text/html":
		if m.HTML == "" {
			m.HTML = string(b)
		}
	}
	return nil
}

// selfSigned makes a throw-away certificate for 127.0.0.1 and localhost, and
// a client configuration that trusts it and nothing else.
func selfSigned(t testing.TB) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("mailtest: key: %v", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "mailtest"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
		IsCA:                  true,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatalf("mailtest: certificate: %v", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("mailtest: certificate: %v", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}}, MinVersion: tls.VersionTLS12}
	client = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return server, client
}
