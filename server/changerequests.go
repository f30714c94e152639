package server

import (
	"slices"

	"github.com/gofiber/fiber/v2"

	"cloison/store"
)

// fileChangeRequest files a change request for a centrally managed
// organisation.
func (s *Server) fileChangeRequest(c *fiber.Ctx) error {
	var req store.NewChangeRequest
	if err := parse(c, &req); err != nil {
		return err
	}
	cr, err := s.store.FileChangeRequest(c.UserContext(), s.actor(c), c.Params("id"), req)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(cr)
}

// listChangeRequests lists the secretariat's queue, or one's own requests.
func (s *Server) listChangeRequests(c *fiber.Ctx) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	status := c.Query("status")
	if status != "" && !slices.Contains([]string{store.ChangePending, store.ChangeApplied, store.ChangeRejected}, status) {
		return store.Invalid("status", "oneof=pending applied rejected")
	}
	items, total, err := s.store.ListChangeRequests(c.UserContext(), s.actor(c), status, p)
	if err != nil {
		return err
	}
	return list(c, items, total, p)
}

// decideChangeRequest serves apply and reject; the requester is told by
// e-mail, so the sender is woken.
func (s *Server) decideChangeRequest(apply bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var req reasonRequest
		if err := parse(c, &req); err != nil {
			return err
		}
		cr, err := s.store.DecideChangeRequest(c.UserContext(), s.actor(c), c.Params("id"), apply, req.Reason)
		if err != nil {
			return err
		}
		s.mailKick()
		return c.JSON(cr)
	}
}
