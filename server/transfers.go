package server

import (
	"slices"

	"github.com/gofiber/fiber/v2"

	"cloison/store"
)

// proposeTransfer proposes moving a case file to another unit; the
// destination's admins are told by e-mail.
func (s *Server) proposeTransfer(c *fiber.Ctx) error {
	var req store.NewTransfer
	if err := parse(c, &req); err != nil {
		return err
	}
	t, err := s.store.ProposeTransfer(c.UserContext(), s.actor(c), c.Params("id"), req)
	if err != nil {
		return err
	}
	s.mailKick()
	return c.Status(fiber.StatusCreated).JSON(t)
}

// listTransfers lists the transfers the caller has a side in.
func (s *Server) listTransfers(c *fiber.Ctx) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	direction, status := c.Query("direction"), c.Query("status")
	if direction != "" && direction != "in" && direction != "out" {
		return store.Invalid("direction", "oneof=in out")
	}
	if status != "" && !slices.Contains(store.TransferStatuses, status) {
		return store.Invalid("status", "oneof=pending accepted refused cancelled")
	}
	items, total, err := s.store.ListTransfers(c.UserContext(), s.actor(c), direction, status, p)
	if err != nil {
		return err
	}
	return list(c, items, total, p)
}

// decideTransfer serves accept, refuse (the one with a body: its reason)
// and cancel; each may e-mail someone, so the sender is woken.
func (s *Server) decideTransfer(decision string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		ctx, actor, id := c.UserContext(), s.actor(c), c.Params("id")
		var t *store.TransferView
		var err error
		switch decision {
		case "accept":
			t, err = s.store.AcceptTransfer(ctx, actor, id)
		case "refuse":
			var req reasonRequest
			if err := parse(c, &req); err != nil {
				return err
			}
			t, err = s.store.RefuseTransfer(ctx, actor, id, req.Reason)
		default:
			t, err = s.store.CancelTransfer(ctx, actor, id)
		}
		if err != nil {
			return err
		}
		s.mailKick()
		return c.JSON(t)
	}
}
