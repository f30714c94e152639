package server

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"cloison/store"
)

// bearer extracts the token from the Authorization header, the only place a
// token is accepted: never a query string, never a cookie.
func bearer(c *fiber.Ctx) string {
	h := c.Get(fiber.HeaderAuthorization)
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// requireUser lets a request through only with a valid session of an active
// account, which it puts in the request's locals for s.actor.
func (s *Server) requireUser(c *fiber.Ctx) error {
	if err := s.authenticate(c); err != nil {
		return err
	}
	return c.Next()
}

// requireUserOrHint is requireUser for a handler that checks the session
// itself, in the statement that reads what it answers, when the store holds
// a hint for the token (getCase on PostgreSQL: see store.SessionHint). The
// account stays unknown to s.actor until the handler has checked it; the
// handler takes the hint out of the locals when it uses it, and calls
// authenticate when the store finds it stale. Someone owing a second
// factor goes the usual way.
func (s *Server) requireUserOrHint(c *fiber.Ctx) error {
	h := s.store.HintFor(bearer(c))
	if h == nil || s.secondFactorRequired(h.Account()) {
		return s.requireUser(c)
	}
	c.Locals(localsHint, h)
	err := c.Next()
	if err != nil && c.Locals(localsHint) != nil {
		// Refused before the handler took the hint (by the gate): an
		// ended session is still told 401 first, as on every route.
		if aerr := s.authenticate(c); aerr != nil {
			return aerr
		}
	}
	return err
}

// authenticate checks the request's session (requireUser): the account and session go into the request's locals
// (see actor), and someone who must enrol a second factor and has not
// reaches nothing but the enrolment.
func (s *Server) authenticate(c *fiber.Ctx) error {
	acc, sess, err := s.store.Authenticate(c.UserContext(), bearer(c))
	if err != nil {
		return err
	}
	c.Locals(localsAccount, acc)
	c.Locals(localsSession, sess.ID)
	if s.secondFactorRequired(acc) && !enrolmentRoutes[c.Route().Path] {
		st, err := s.store.SecondFactorOf(c.UserContext(), acc.ID, true)
		if err != nil {
			return err
		}
		if !st.Enrolled {
			return errSecondFactorRequired
		}
	}
	return nil
}

// enrolmentRoutes are what the login of someone who must enrol a second
// factor, and has not yet, opens: their account, the enrolment, logging out.
var enrolmentRoutes = map[string]bool{
	"/api/me": true, "/api/me/second-factor": true, "/api/me/second-factor/qr.png": true,
	"/api/me/second-factor/confirm": true, "/api/auth/logout": true,
}

// secondFactorRequired tells whether the instance requires a second factor
// of this account.
func (s *Server) secondFactorRequired(acc *store.Account) bool {
	return s.cfg.Instance.RequireSecondFactor && store.NeedsSecondFactor(acc.Role)
}

// requireRole guards a kind of action by platform role (403 below it).
func requireRole(min string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		acc, _ := c.Locals(localsAccount).(*store.Account)
		if acc == nil {
			return errUnauthenticated
		}
		if !store.RoleAtLeast(acc.Role, min) {
			return errRoleTooLow
		}
		return c.Next()
	}
}

// requireScopeAdmin guards what the admins of organisations and units do
// inside their scopes as instance admins do everywhere (role requests,
// entrusting, reading with a reason, the audit log): 403 for anyone who
// administers nothing; the store narrows each action to the scope.
func (s *Server) requireScopeAdmin(c *fiber.Ctx) error {
	sc, err := s.store.ScopeOf(c.UserContext(), s.actor(c))
	if err != nil {
		return err
	}
	if !sc.AdminsAny() {
		return errRoleTooLow
	}
	return c.Next()
}

// actor is who acts on this request, as the store needs it.
func (s *Server) actor(c *fiber.Ctx) store.Actor {
	a := store.Actor{ClientIP: s.clientIP(c)}
	if acc, ok := c.Locals(localsAccount).(*store.Account); ok {
		a.Account = acc
	}
	if sid, ok := c.Locals(localsSession).(string); ok {
		a.SessionID = sid
	}
	return a
}

const (
	localsAccount = "account"
	localsSession = "session_id"
	// localsHint is a hint-route's unchecked guess at its caller
	// (*store.SessionHint); actor never reads it.
	localsHint = "session_hint"
)
