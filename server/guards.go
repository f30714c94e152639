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
	acc, sess, err := s.store.Authenticate(c.UserContext(), bearer(c))
	if err != nil {
		return err
	}
	c.Locals(localsAccount, acc)
	c.Locals(localsSession, sess.ID)
	return c.Next()
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
)
