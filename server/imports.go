package server

import (
	"github.com/gofiber/fiber/v2"

	"cloison/store"
)

// Imports of memberships from a CSV (store/imports.go): a dry run first,
// then applying exactly what it showed.

// previewImport reads the multipart field "file" with "scope_type" and
// "scope_id" and answers the dry run with the first page of its lines.
func (s *Server) previewImport(c *fiber.Ctx) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	name, content, err := uploaded(c)
	if err != nil {
		return err
	}
	v, err := s.store.PreviewImport(c.UserContext(), s.actor(c), c.FormValue("scope_type"), c.FormValue("scope_id"), name, content, p)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(v)
}

// getImport shows an import with a page of its lines, ?fate= narrowing them.
func (s *Server) getImport(c *fiber.Ctx) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	v, err := s.store.GetImport(c.UserContext(), s.actor(c), c.Params("id"), c.Query("fate"), p)
	if err != nil {
		return err
	}
	return c.JSON(v)
}

// applyImportRequest confirms, when the run ends more than a fifth of the
// scope's memberships, that it should.
type applyImportRequest struct {
	ConfirmEnding bool `json:"confirm_ending"`
}

// applyImport applies a dry run; the invitations it makes go out at once.
func (s *Server) applyImport(c *fiber.Ctx) error {
	var req applyImportRequest
	if err := parse(c, &req); err != nil {
		return err
	}
	v, err := s.store.ApplyImport(c.UserContext(), s.actor(c), c.Params("id"), req.ConfirmEnding, store.Page{Page: 1, PerPage: defaultPerPage})
	if err != nil {
		return err
	}
	s.mailKick()
	return c.JSON(v)
}
