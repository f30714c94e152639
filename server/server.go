// Package server owns Cloison's HTTP surface: the Fiber app, its route table
// and the guards declared there, middleware, handlers, the SPA's files, and
// the mapping of errors to responses in French and English. Handlers are
// thin: parse, call the store with the acting account, render.
//
// It must never decide who may see a case file (the store's one visibility
// predicate does), never reach the database but through the store's methods,
// never take a token from anywhere but the Authorization header, never send
// an internal error's text to a client (it goes to the log, under the
// correlation id the client gets), and never log a header, a query string or
// a body.
package server

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"net"
	"sync"
	"time"

	gojson "github.com/goccy/go-json"
	"github.com/gofiber/fiber/v2"

	"cloison/server/config"
	"cloison/server/mail"
	"cloison/store"
	"cloison/store/passwords"
)

// Options are the parts a Server is built from.
type Options struct {
	Config  config.Config
	Store   *store.Store
	Hasher  *passwords.Hasher
	SPA     fs.FS // the built frontend (frontend/dist)
	Logger  *slog.Logger
	Version string
	// MailKick is called after writes that queue e-mails, so that they leave
	// at once rather than at the sender's next poll; nil does nothing.
	MailKick func()
	// MailTest sends a superadmin's test e-mail at once and says what the
	// SMTP server answered (the sender's Test); nil answers that no sender
	// runs in this process.
	MailTest func(ctx context.Context, to string, m store.Message) mail.TestResult
}

// Server is the HTTP application.
type Server struct {
	cfg     config.Config
	store   *store.Store
	hasher  *passwords.Hasher
	log     *slog.Logger
	version string
	spa     *spa
	app     *fiber.App
	// mailKick wakes the e-mail sender after a write that queued e-mails.
	mailKick func()
	mailTest func(ctx context.Context, to string, m store.Message) mail.TestResult
	composer *mail.Composer
	presence presence
	// proxies are the reverse proxies whose X-Forwarded-For is believed.
	proxies trustedProxies
	// contracts are the input gate's rules for each route, from openapi.json.
	contracts map[string]*routeContract
}

// New builds the server and its route table. Tests use the same constructor.
func New(opts Options) (*Server, error) {
	s := &Server{
		cfg: opts.Config, store: opts.Store, hasher: opts.Hasher,
		log: opts.Logger, version: opts.Version, mailKick: opts.MailKick, mailTest: opts.MailTest,
		composer: mail.NewComposer(opts.Config.Instance.Name),
	}
	if s.mailKick == nil {
		s.mailKick = func() {}
	}
	if s.mailTest == nil {
		s.mailTest = func(context.Context, string, store.Message) mail.TestResult {
			return mail.TestResult{Delivery: s.emailDelivery(), Reply: "no e-mail sender runs in this process"}
		}
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.hasher == nil {
		s.hasher = passwords.NewHasher(passwords.DefaultParams, 0)
	}
	s.proxies = s.cfg.Server.TrustedProxyPrefixes()
	var err error
	if s.contracts, err = compileContracts(openapiDoc); err != nil {
		return nil, err
	}
	if s.spa, err = loadSPA(opts.SPA); err != nil {
		return nil, err
	}
	fcfg := fiber.Config{
		AppName:               "Cloison",
		DisableStartupMessage: true,
		ErrorHandler:          s.errorHandler,
		BodyLimit:             (s.cfg.Attachments.MaxSizeMB + 1) << 20,
		// A multipart body is parsed by the one route that takes one, through
		// the input gate, not by fasthttp for every request that claims to be
		// multipart before any route is chosen.
		DisablePreParseMultipartForm: true,
		ReadTimeout:                  60 * time.Second,
		WriteTimeout:                 60 * time.Second,
		IdleTimeout:                  120 * time.Second,
		// Without the check Fiber believes X-Forwarded-Proto from anyone; with
		// it and an empty list, from no one. No ProxyHeader: c.IP() is the
		// socket's address, and the client's is s.clientIP's to find.
		EnableTrustedProxyCheck: true,
		TrustedProxies:          s.cfg.Server.TrustedProxies,
		// Answers are encoded with go-json, which gives the same bytes as
		// encoding/json (HTML-escaped, same field rules) in a quarter of the
		// time: encoding a page of fifty case files with encoding/json cost
		// as much as reading it from the database. Request bodies are still
		// decoded by encoding/json.
		JSONEncoder: gojson.Marshal,
	}
	s.app = fiber.New(fcfg)
	s.routes()
	return s, nil
}

// App exposes the Fiber app, for app.Test in tests.
func (s *Server) App() *fiber.App { return s.app }

// ShutdownGrace is how long requests in flight get to finish once the
// server is asked to stop. Browsers keep connections open (keep-alive, the
// case page's presence heartbeat, connections opened ahead of need): those
// that are idle close at once, and whatever is still open after the grace
// is closed, so that a stop never takes much longer than this.
const ShutdownGrace = time.Second

// Listen serves on ln until ctx ends, then lets requests in flight finish
// for ShutdownGrace, closes the connections still open and returns. ready
// is called with the bound address before the first request is served.
func (s *Server) Listen(ctx context.Context, ln net.Listener, ready func(addr string)) error {
	conns := &trackedListener{Listener: ln, open: map[net.Conn]struct{}{}}
	// Answers written while stopping say "Connection: close", so that a
	// browser does not send its next request down a closing connection.
	s.app.Server().CloseOnShutdown = true
	if ready != nil {
		ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- s.app.Listener(conns) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.log.Info("stopping: finishing requests in flight", "grace", ShutdownGrace.String())
	err := s.app.ShutdownWithTimeout(ShutdownGrace)
	// Closed here too in case the server had not started serving yet, when
	// Shutdown has no listener to close.
	_ = ln.Close()
	if n := conns.closeAll(); n > 0 {
		s.log.Info("stopping: closed connections still open after the grace", "connections", n)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		err = nil
	}
	if serr := <-errc; err == nil && serr != nil && !errors.Is(serr, net.ErrClosed) {
		err = serr
	}
	return err
}

// trackedListener remembers the connections it accepted until they close,
// so that those still open when the grace ends can be closed.
type trackedListener struct {
	net.Listener
	mu   sync.Mutex
	open map[net.Conn]struct{}
}

func (l *trackedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	tc := &trackedConn{Conn: c, l: l}
	l.mu.Lock()
	l.open[tc] = struct{}{}
	l.mu.Unlock()
	return tc, nil
}

// closeAll closes every connection still open and says how many there were.
func (l *trackedListener) closeAll() int {
	l.mu.Lock()
	open := make([]net.Conn, 0, len(l.open))
	for c := range l.open {
		open = append(open, c)
	}
	l.mu.Unlock()
	for _, c := range open {
		_ = c.Close()
	}
	return len(open)
}

type trackedConn struct {
	net.Conn
	l    *trackedListener
	once sync.Once
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.l.mu.Lock()
		delete(c.l.open, c)
		c.l.mu.Unlock()
	})
	return c.Conn.Close()
}

// StorePolicy turns the operator's settings into the store's account rules.
func StorePolicy(cfg config.Config) store.Policy {
	return store.Policy{
		SessionIdle:        cfg.Session.IdleTimeout.Std(),
		SessionLifetime:    cfg.Session.AbsoluteLifetime.Std(),
		RegistrationClosed: !cfg.Instance.RegistrationOpen,
		RefusePersonalData: cfg.Instance.RefusePersonalData,
		AttachmentMaxBytes: int64(cfg.Attachments.MaxSizeMB) << 20,
		Locales:            config.Locales,
		DefaultLocale:      cfg.Instance.DefaultLocale,
	}
}
