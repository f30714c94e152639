package server

import "github.com/gofiber/fiber/v2"

// listOutbox shows the e-mail outbox to superadmins: addresses and SMTP
// errors are technical, not for every admin.
func (s *Server) listOutbox(c *fiber.Ctx) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	items, total, err := s.store.ListOutbox(c.UserContext(), s.actor(c), c.Query("status"), p)
	if err != nil {
		return err
	}
	return list(c, items, total, p)
}

// retryOutbox requeues a failed e-mail and wakes the sender, so that it
// leaves now rather than at the next poll.
func (s *Server) retryOutbox(c *fiber.Ctx) error {
	if err := s.store.RetryOutbox(c.UserContext(), s.actor(c), c.Params("id")); err != nil {
		return err
	}
	s.mailKick()
	return c.JSON(fiber.Map{"status": "queued"})
}
