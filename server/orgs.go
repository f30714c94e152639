package server

import (
	"github.com/gofiber/fiber/v2"

	"cloison/store"
)

// The organisations: their list, their records and their units. Who may
// read or change what is the store's answer (store/orgs.go); an
// organisation the caller may not know of is the 404 of one that does not
// exist.

func (s *Server) listOrgs(c *fiber.Ctx) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	items, total, err := s.store.ListOrgs(c.UserContext(), s.actor(c), c.Query("q"), p)
	if err != nil {
		return err
	}
	return list(c, items, total, p)
}

func (s *Server) createOrg(c *fiber.Ctx) error {
	var req store.NewOrganisation
	if err := parse(c, &req); err != nil {
		return err
	}
	o, err := s.store.CreateOrg(c.UserContext(), s.actor(c), req)
	if err != nil {
		return err
	}
	s.mailKick()
	return c.Status(fiber.StatusCreated).JSON(o)
}

func (s *Server) getOrg(c *fiber.Ctx) error {
	o, err := s.store.GetOrg(c.UserContext(), s.actor(c), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(o)
}

func (s *Server) updateOrg(c *fiber.Ctx) error {
	var req store.OrgChange
	if err := parse(c, &req); err != nil {
		return err
	}
	o, err := s.store.UpdateOrg(c.UserContext(), s.actor(c), c.Params("id"), req)
	if err != nil {
		return err
	}
	return c.JSON(o)
}

func (s *Server) createUnit(c *fiber.Ctx) error {
	var req store.NewUnit
	if err := parse(c, &req); err != nil {
		return err
	}
	u, err := s.store.CreateUnit(c.UserContext(), s.actor(c), c.Params("id"), req)
	if err != nil {
		return err
	}
	s.mailKick()
	return c.Status(fiber.StatusCreated).JSON(u)
}
