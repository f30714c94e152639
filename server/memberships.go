package server

import (
	"github.com/gofiber/fiber/v2"

	"cloison/store"
)

// Memberships of organisations and units, the invitations bound to an
// e-mail that offer them, and the caller's own (store/memberships.go).

func (s *Server) listMembers(scopeType string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		p, err := pageOf(c)
		if err != nil {
			return err
		}
		items, total, err := s.store.ListMembers(c.UserContext(), s.actor(c), scopeType, c.Params("id"), c.Query("status"), p)
		if err != nil {
			return err
		}
		return list(c, items, total, p)
	}
}

func (s *Server) addMember(scopeType string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var req store.NewMembership
		if err := parse(c, &req); err != nil {
			return err
		}
		m, err := s.store.AddMember(c.UserContext(), s.actor(c), scopeType, c.Params("id"), req)
		if err != nil {
			return err
		}
		s.mailKick()
		return c.Status(fiber.StatusCreated).JSON(m)
	}
}

func (s *Server) updateMembership(c *fiber.Ctx) error {
	var req store.MembershipChange
	if err := parse(c, &req); err != nil {
		return err
	}
	m, err := s.store.UpdateMembership(c.UserContext(), s.actor(c), c.Params("id"), req)
	if err != nil {
		return err
	}
	return c.JSON(m)
}

func (s *Server) endMembership(c *fiber.Ctx) error {
	var req reasonRequest
	if err := parse(c, &req); err != nil {
		return err
	}
	if err := s.store.EndMembership(c.UserContext(), s.actor(c), c.Params("id"), req.Reason); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) resendInvitation(c *fiber.Ctx) error {
	m, err := s.store.ResendInvitation(c.UserContext(), s.actor(c), c.Params("id"))
	if err != nil {
		return err
	}
	s.mailKick()
	return c.JSON(m)
}

func (s *Server) myMemberships(c *fiber.Ctx) error {
	items, err := s.store.MyMemberships(c.UserContext(), s.actor(c))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": items})
}
