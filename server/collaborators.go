package server

import (
	"github.com/gofiber/fiber/v2"

	"cloison/store"
)

func (s *Server) listCollaborators(c *fiber.Ctx) error {
	cs, err := s.store.ListCollaborators(c.UserContext(), s.actor(c), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": cs})
}

func (s *Server) inviteCollaborator(c *fiber.Ctx) error {
	var req store.NewCollaboration
	if err := parse(c, &req); err != nil {
		return err
	}
	col, err := s.store.InviteCollaborator(c.UserContext(), s.actor(c), c.Params("id"), req)
	if err != nil {
		return err
	}
	s.mailKick()
	return c.Status(fiber.StatusCreated).JSON(col)
}

func (s *Server) updateCollaborator(c *fiber.Ctx) error {
	var req store.CollaborationChange
	if err := parse(c, &req); err != nil {
		return err
	}
	col, err := s.store.UpdateCollaborator(c.UserContext(), s.actor(c), c.Params("id"), c.Params("cid"), req)
	if err != nil {
		return err
	}
	return c.JSON(col)
}

func (s *Server) revokeCollaborator(c *fiber.Ctx) error {
	if err := s.store.RevokeCollaborator(c.UserContext(), s.actor(c), c.Params("id"), c.Params("cid")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) acceptInvitation(c *fiber.Ctx) error {
	var req tokenRequest
	if err := parse(c, &req); err != nil {
		return err
	}
	res, err := s.store.AcceptInvitation(c.UserContext(), s.actor(c), req.Token)
	if err != nil {
		return err
	}
	return c.JSON(res)
}
