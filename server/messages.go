package server

import (
	"github.com/gofiber/fiber/v2"

	"cloison/store"
)

// listFunctions returns the catalogue of functions.
func (s *Server) listFunctions(c *fiber.Ctx) error {
	items, err := s.store.ListFunctions(c.UserContext(), s.actor(c))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": items})
}

// functionsRequest replaces the catalogue of functions.
type functionsRequest struct {
	Items  []store.FunctionInput `json:"items"`
	Reason string                `json:"reason"`
}

// saveFunctions replaces the catalogue of functions.
func (s *Server) saveFunctions(c *fiber.Ctx) error {
	var req functionsRequest
	if err := parse(c, &req); err != nil {
		return err
	}
	items, err := s.store.SaveFunctions(c.UserContext(), s.actor(c), req.Items, req.Reason)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": items})
}

// previewMessage counts a message's recipients.
func (s *Server) previewMessage(c *fiber.Ctx) error {
	var req store.NewMessage
	if err := parse(c, &req); err != nil {
		return err
	}
	n, err := s.store.PreviewMessage(c.UserContext(), s.actor(c), req)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"recipients": n})
}

// sendMessage sends a message, one e-mail per recipient; the sender is
// woken for them.
func (s *Server) sendMessage(c *fiber.Ctx) error {
	var req store.NewMessage
	if err := parse(c, &req); err != nil {
		return err
	}
	m, err := s.store.SendMessage(c.UserContext(), s.actor(c), req)
	if err != nil {
		return err
	}
	s.mailKick()
	return c.Status(fiber.StatusAccepted).JSON(m)
}

// listMessages lists the messages sent that the caller may see.
func (s *Server) listMessages(c *fiber.Ctx) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	items, total, err := s.store.ListMessages(c.UserContext(), s.actor(c), p)
	if err != nil {
		return err
	}
	return list(c, items, total, p)
}
