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

// parse reads a JSON body into v; a malformed body is a 400. An empty body
// leaves v empty, so that validation names the fields that are missing.
func parse(c *fiber.Ctx, v any) error {
	if len(c.Body()) == 0 {
		return nil
	}
	if err := c.BodyParser(v); err != nil {
		return errBadJSON
	}
	return nil
}

func (s *Server) register(c *fiber.Ctx) error {
	var req store.Registration
	if err := parse(c, &req); err != nil {
		return err
	}
	res, err := s.store.Register(c.UserContext(), s.hasher, s.actor(c), req)
	if err != nil {
		return err
	}
	s.mailKick()
	status := "pending"
	if res.Active {
		status = "active"
	}
	// The same answer whether or not the e-mail was already taken.
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"status": status})
}

type tokenRequest struct {
	Token string `json:"token"`
}

func (s *Server) activate(c *fiber.Ctx) error {
	var req tokenRequest
	if err := parse(c, &req); err != nil {
		return err
	}
	if err := s.store.Activate(c.UserContext(), s.actor(c), req.Token); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"status": "active"})
}

func (s *Server) inspectInvitation(c *fiber.Ctx) error {
	var req tokenRequest
	if err := parse(c, &req); err != nil {
		return err
	}
	info, err := s.store.InspectInvitation(c.UserContext(), req.Token)
	if err != nil {
		return err
	}
	return c.JSON(info)
}

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

func (s *Server) login(c *fiber.Ctx) error {
	var req loginRequest
	if err := parse(c, &req); err != nil {
		return err
	}
	res, err := s.store.Login(c.UserContext(), s.hasher, req.Email, req.Password, c.IP(), c.Get(fiber.HeaderUserAgent))
	s.mailKick() // a tenth failure locks the account and e-mails its owner
	if err != nil {
		return err
	}
	return c.JSON(res)
}

func (s *Server) logout(c *fiber.Ctx) error {
	if err := s.store.Logout(c.UserContext(), s.actor(c)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

type emailRequest struct {
	Email string `json:"email"`
}

func (s *Server) forgotPassword(c *fiber.Ctx) error {
	var req emailRequest
	if err := parse(c, &req); err != nil {
		return err
	}
	if err := s.store.ForgotPassword(c.UserContext(), s.actor(c), req.Email); err != nil {
		return err
	}
	s.mailKick()
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"status": "sent_if_known"})
}

type resetRequest struct {
	Token    string `json:"token"`
	Password string `json:"password"`
}

func (s *Server) resetPassword(c *fiber.Ctx) error {
	var req resetRequest
	if err := parse(c, &req); err != nil {
		return err
	}
	if err := s.store.ResetPassword(c.UserContext(), s.hasher, s.actor(c), req.Token, req.Password); err != nil {
		return err
	}
	s.mailKick()
	return c.JSON(fiber.Map{"status": "password_changed"})
}

// actor is who acts on this request, as the store needs it.
func (s *Server) actor(c *fiber.Ctx) store.Actor {
	a := store.Actor{ClientIP: c.IP()}
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
