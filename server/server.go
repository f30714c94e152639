// Package server owns Cloison's HTTP surface: the Fiber app, its route table,
// middleware, handlers and the mapping of errors to responses. Handlers are thin:
// parse, call the store with the acting account, render. The server never
// decides who may see a case file; the store does.
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
	"github.com/gofiber/fiber/v2/middleware/recover"

	"cloison/server/config"
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
}

// Server is the HTTP application.
type Server struct {
	cfg     config.Config
	store   *store.Store
	hasher  *passwords.Hasher
	log     *slog.Logger
	version string
	spa     *spa
	setup   setupToken
	app     *fiber.App
	// mailKick wakes the e-mail sender after a write that queued e-mails.
	mailKick func()
	presence presence
}

// New builds the server and its route table. Tests use the same constructor.
func New(opts Options) (*Server, error) {
	s := &Server{
		cfg: opts.Config, store: opts.Store, hasher: opts.Hasher,
		log: opts.Logger, version: opts.Version, mailKick: opts.MailKick,
	}
	if s.mailKick == nil {
		s.mailKick = func() {}
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.hasher == nil {
		s.hasher = passwords.NewHasher(passwords.DefaultParams, 0)
	}
	var err error
	if s.spa, err = loadSPA(opts.SPA); err != nil {
		return nil, err
	}
	fcfg := fiber.Config{
		AppName:               "Cloison",
		DisableStartupMessage: true,
		ErrorHandler:          s.errorHandler,
		BodyLimit:             (s.cfg.Attachments.MaxSizeMB + 1) << 20,
		ReadTimeout:           60 * time.Second,
		WriteTimeout:          60 * time.Second,
		IdleTimeout:           120 * time.Second,
		// Without the check Fiber believes X-Forwarded-* from anyone; with it and
		// an empty list, from no one.
		EnableTrustedProxyCheck: true,
		TrustedProxies:          s.cfg.Server.TrustedProxies,
		// Answers are encoded with go-json, which gives the same bytes as
		// encoding/json (HTML-escaped, same field rules) in a quarter of the
		// time: encoding a page of fifty case files with encoding/json cost
		// as much as reading it from the database. Request bodies are still
		// decoded by encoding/json.
		JSONEncoder: gojson.Marshal,
	}
	if len(s.cfg.Server.TrustedProxies) > 0 {
		fcfg.ProxyHeader = fiber.HeaderXForwardedFor
	}
	s.app = fiber.New(fcfg)
	s.routes()
	return s, nil
}

// routes is the whole route table: every endpoint and the guards in front of
// it. Guards refuse kinds of action by role (401, 403); which case files a
// person may see is decided by the store's visibility predicate (404).
func (s *Server) routes() {
	app := s.app
	app.Use(s.securityHeaders, s.logRequests, recover.New(recover.Config{EnableStackTrace: true, StackTraceHandler: s.logPanic}))

	user := s.requireUser
	editor := requireRole(store.RoleEditor)
	admin := requireRole(store.RoleAdmin)
	super := requireRole(store.RoleSuperadmin)

	api := app.Group("/api")

	// Public: meta, first run, joining and logging in.
	api.Get("/health", s.health)
	api.Get("/openapi.json", s.openapi)
	api.Get("/config", s.publicConfig)
	api.Get("/setup", s.setupStatus)
	api.Post("/setup", s.setupCreate)
	api.Post("/auth/register", s.register)
	api.Post("/auth/activate", s.activate)
	api.Post("/auth/login", s.login)
	api.Post("/auth/password/forgot", s.forgotPassword)
	api.Post("/auth/password/reset", s.resetPassword)
	api.Post("/invitations/inspect", s.inspectInvitation)

	// Any logged-in person, on their own account.
	api.Post("/auth/logout", user, s.logout)
	api.Get("/me", user, s.me)
	api.Patch("/me", user, s.updateMe)
	api.Post("/me/password", user, s.changePassword)
	api.Get("/me/sessions", user, s.mySessions)
	api.Delete("/me/sessions/:id", user, s.endMySession)
	api.Post("/me/role-requests", user, s.requestRole)
	api.Get("/me/role-requests", user, s.myRoleRequests)
	api.Get("/me/overview", user, s.overview)

	// Case files.
	api.Get("/categories", user, s.listCategories)
	api.Get("/cases", user, s.listCases)
	api.Post("/cases", user, editor, s.createCase)
	api.Get("/cases/:id", user, s.getCase)
	api.Patch("/cases/:id", user, s.updateCase)
	api.Delete("/cases/:id", user, s.deleteCase)
	api.Post("/cases/:id/transition", user, s.transitionCase)
	api.Get("/cases/:id/history", user, s.caseHistory)
	api.Get("/cases/:id/notes", user, s.listNotes)
	api.Post("/cases/:id/notes", user, s.addNote)
	api.Get("/cases/:id/deadlines", user, s.listDeadlines)
	api.Post("/cases/:id/deadlines", user, s.addDeadline)
	api.Patch("/cases/:id/deadlines/:did", user, s.updateDeadline)
	api.Delete("/cases/:id/deadlines/:did", user, s.deleteDeadline)
	api.Get("/cases/:id/attachments", user, s.listAttachments)
	api.Post("/cases/:id/attachments", user, s.addAttachment)
	api.Get("/cases/:id/attachments/:aid", user, s.downloadAttachment)
	api.Delete("/cases/:id/attachments/:aid", user, s.deleteAttachment)
	api.Get("/cases/:id/report.pdf", user, s.caseReport)
	api.Get("/cases/:id/collaborators", user, s.listCollaborators)
	api.Post("/cases/:id/collaborators", user, s.inviteCollaborator)
	api.Patch("/cases/:id/collaborators/:cid", user, s.updateCollaborator)
	api.Delete("/cases/:id/collaborators/:cid", user, s.revokeCollaborator)
	api.Post("/cases/:id/presence", user, s.heartbeat)
	api.Post("/invitations/accept", user, s.acceptInvitation)

	// Administration: every intervention carries a reason.
	api.Post("/cases/:id/access", user, admin, s.openCaseAsAdmin)
	api.Put("/cases/:id/assignees", user, admin, s.setAssignees)
	api.Post("/categories", user, admin, s.saveCategory(true))
	api.Patch("/categories/:id", user, admin, s.saveCategory(false))
	api.Get("/users", user, admin, s.listUsers)
	api.Post("/users", user, admin, s.inviteUser)
	api.Get("/users/:id", user, admin, s.getUser)
	api.Patch("/users/:id", user, admin, s.updateUser)
	api.Post("/users/:id/block", user, admin, s.setUserStatus("block"))
	api.Post("/users/:id/unblock", user, admin, s.setUserStatus("unblock"))
	api.Delete("/users/:id", user, admin, s.setUserStatus("deregister"))
	api.Get("/role-requests", user, admin, s.listRoleRequests)
	api.Post("/role-requests/:id/approve", user, admin, s.decideRoleRequest(true))
	api.Post("/role-requests/:id/reject", user, admin, s.decideRoleRequest(false))
	api.Get("/audit", user, admin, s.listAudit)

	// Technical: superadmins.
	api.Get("/audit/verify", user, super, s.verifyAudit)
	api.Get("/outbox", user, super, s.listOutbox)
	api.Post("/outbox/:id/retry", user, super, s.retryOutbox)

	// Unknown API paths are JSON 404s, never the SPA.
	api.All("/*", func(*fiber.Ctx) error { return errNotFound })
	app.Get("/*", s.spa.handle)
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
	}
}
