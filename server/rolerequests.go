package server

import "github.com/gofiber/fiber/v2"

// listRoleRequests lists the role requests admins decide on; a person's own
// requests are in me.go.
func (s *Server) listRoleRequests(c *fiber.Ctx) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	items, total, err := s.store.ListRoleRequests(c.UserContext(), s.actor(c), c.Query("status"), p)
	if err != nil {
		return err
	}
	return list(c, items, total, p)
}

// decideRoleRequest serves approve and reject; the requester is told by
// e-mail, so the sender is woken.
func (s *Server) decideRoleRequest(approve bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var req reasonRequest
		if err := parse(c, &req); err != nil {
			return err
		}
		rr, err := s.store.DecideRoleRequest(c.UserContext(), s.actor(c), c.Params("id"), approve, req.Reason)
		if err != nil {
			return err
		}
		s.mailKick()
		return c.JSON(rr)
	}
}
