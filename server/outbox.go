package server

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"cloison/store"
)

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

// testMailRequest names who receives a test e-mail; the superadmin by default.
type testMailRequest struct {
	To string `json:"to" validate:"omitempty,max=254,email"`
}

// testMail sends a test e-mail at once, outside the outbox, and answers
// what the SMTP server said to it: for the superadmin who sets up SMTP.
func (s *Server) testMail(c *fiber.Ctx) error {
	var req testMailRequest
	if err := parse(c, &req); err != nil {
		return err
	}
	if err := store.Check(&req); err != nil {
		return err
	}
	actor := s.actor(c)
	to := strings.TrimSpace(req.To)
	if to == "" {
		to = actor.Account.Email
	}
	msg, err := s.composer.Compose("test", actor.Account.Locale, map[string]string{"name": actor.Account.Name})
	if err != nil {
		return err
	}
	return c.JSON(s.mailTest(c.UserContext(), to, msg))
}

// emailDelivery says where e-mails go: "smtp", or "log" when no SMTP host
// is configured (they are then printed to the log, not sent).
func (s *Server) emailDelivery() string {
	if s.cfg.SMTP.Host == "" {
		return "log"
	}
	return "smtp"
}
