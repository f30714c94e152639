package server

import (
	"encoding/json"
	"mime"

	"github.com/gofiber/fiber/v2"

	"cloison/store"
)

// listDocuments lists the documents the caller may read.
func (s *Server) listDocuments(c *fiber.Ctx) error {
	items, err := s.store.ListDocuments(c.UserContext(), s.actor(c))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": items})
}

// publishDocument publishes the multipart field "file" with a "title" and
// an "audience" written as JSON ({org_ids, roles, functions}).
func (s *Server) publishDocument(c *fiber.Ctx) error {
	var aud store.DocAudience
	if raw := c.FormValue("audience"); raw != "" {
		if err := json.Unmarshal([]byte(raw), &aud); err != nil {
			return store.Invalid("audience", "format")
		}
	}
	name, content, err := uploaded(c)
	if err != nil {
		return err
	}
	d, err := s.store.PublishDocument(c.UserContext(), s.actor(c), c.FormValue("title"), aud, name, content)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(d)
}

// downloadDocument sends a document as an attachment, sandboxed like a
// case file's.
func (s *Server) downloadDocument(c *fiber.Ctx) error {
	d, content, err := s.store.OpenDocument(c.UserContext(), s.actor(c), c.Params("id"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentDisposition, mime.FormatMediaType("attachment", map[string]string{"filename": d.Filename}))
	return sendSandboxed(c, d.MediaType, content)
}

// deleteDocument removes a document.
func (s *Server) deleteDocument(c *fiber.Ctx) error {
	if err := s.store.DeleteDocument(c.UserContext(), s.actor(c), c.Params("id")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
