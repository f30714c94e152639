package server

import (
	"github.com/gofiber/fiber/v2"

	"cloison/store"
)

// me answers GET /api/me with the caller's own account, as the guard loaded
// it. Every handler in this file acts on the caller's own account only: an id
// in the path (a session) that is not theirs is a 404. The account comes
// with the units and organisations the caller's memberships reach, for the
// interface to offer what they may do there.
func (s *Server) me(c *fiber.Ctx) error {
	actor := s.actor(c)
	scopes, err := s.store.ScopesOf(c.UserContext(), actor)
	if err != nil {
		return err
	}
	practise, err := s.store.MayPractise(c.UserContext(), actor)
	if err != nil {
		return err
	}
	return c.JSON(struct {
		*store.Account
		*store.MyScopes
		// MayPractise: the caller may create practice case files.
		MayPractise bool `json:"may_practise"`
	}{actor.Account, scopes, practise})
}

func (s *Server) updateMe(c *fiber.Ctx) error {
	var req store.ProfileChange
	if err := parse(c, &req); err != nil {
		return err
	}
	acc, err := s.store.UpdateProfile(c.UserContext(), s.actor(c), req)
	if err != nil {
		return err
	}
	return c.JSON(acc)
}

type passwordChange struct {
	Current string `json:"current_password"`
	New     string `json:"new_password"`
}

func (s *Server) changePassword(c *fiber.Ctx) error {
	var req passwordChange
	if err := parse(c, &req); err != nil {
		return err
	}
	if err := s.store.ChangePassword(c.UserContext(), s.hasher, s.actor(c), req.Current, req.New); err != nil {
		return err
	}
	s.mailKick()
	return c.JSON(fiber.Map{"status": "password_changed"})
}

func (s *Server) mySessions(c *fiber.Ctx) error {
	list, err := s.store.ListSessions(c.UserContext(), s.actor(c))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": list})
}

func (s *Server) endMySession(c *fiber.Ctx) error {
	if err := s.store.EndSession(c.UserContext(), s.actor(c), c.Params("id")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) requestRole(c *fiber.Ctx) error {
	var req store.NewRoleRequest
	if err := parse(c, &req); err != nil {
		return err
	}
	rr, err := s.store.RequestRole(c.UserContext(), s.actor(c), req)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(rr)
}

func (s *Server) myRoleRequests(c *fiber.Ctx) error {
	list, err := s.store.MyRoleRequests(c.UserContext(), s.actor(c))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": list})
}
