package server

import (
	"github.com/gofiber/fiber/v2"

	"cloison/store"
)

// listCategories answers anyone logged in: the SPA needs the categories to
// show and file a case; retired ones are listed to admins only (the store's rule).
func (s *Server) listCategories(c *fiber.Ctx) error {
	cats, err := s.store.ListCategories(c.UserContext(), s.actor(c))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": cats})
}

// saveCategory serves POST /api/categories (create) and PATCH
// /api/categories/:id (change), both behind the admin guard.
func (s *Server) saveCategory(create bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var req store.CategoryInput
		if err := parse(c, &req); err != nil {
			return err
		}
		if !create {
			req.ID = c.Params("id")
		}
		cat, err := s.store.SaveCategory(c.UserContext(), s.actor(c), req, create)
		if err != nil {
			return err
		}
		status := fiber.StatusOK
		if create {
			status = fiber.StatusCreated
		}
		return c.Status(status).JSON(cat)
	}
}
