package server

import (
	"github.com/gofiber/fiber/v2"

	"cloison/store"
)

// The units: the directory anyone logged in picks from, a unit's settings,
// and its logo and stamp (store/orgs.go, store/unitimages.go).

func (s *Server) unitDirectory(c *fiber.Ctx) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	items, total, err := s.store.UnitDirectory(c.UserContext(), s.actor(c), c.Query("q"), c.Query("org"), p)
	if err != nil {
		return err
	}
	return list(c, items, total, p)
}

func (s *Server) getUnit(c *fiber.Ctx) error {
	u, err := s.store.GetUnit(c.UserContext(), s.actor(c), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(u)
}

func (s *Server) updateUnit(c *fiber.Ctx) error {
	var req store.UnitChange
	if err := parse(c, &req); err != nil {
		return err
	}
	u, err := s.store.UpdateUnit(c.UserContext(), s.actor(c), c.Params("id"), req)
	if err != nil {
		return err
	}
	return c.JSON(u)
}

// unitImage serves a unit's logo or stamp for the preview in its settings,
// sandboxed like an attachment.
func (s *Server) unitImage(which string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		mediaType, content, err := s.store.UnitImage(c.UserContext(), s.actor(c), c.Params("id"), which)
		if err != nil {
			return err
		}
		return sendSandboxed(c, mediaType, content)
	}
}

// setUnitImage replaces a unit's logo or stamp with the multipart field
// "file"; without one the store still answers 404 or 403 first, then names
// the missing field.
func (s *Server) setUnitImage(which string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		_, content, err := uploaded(c)
		if err != nil {
			return err
		}
		u, err := s.store.SetUnitImage(c.UserContext(), s.actor(c), c.Params("id"), which, content, false)
		if err != nil {
			return err
		}
		return c.JSON(u)
	}
}

func (s *Server) removeUnitImage(which string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		u, err := s.store.SetUnitImage(c.UserContext(), s.actor(c), c.Params("id"), which, nil, true)
		if err != nil {
			return err
		}
		return c.JSON(u)
	}
}
