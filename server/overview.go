package server

import "github.com/gofiber/fiber/v2"

// overview answers GET /api/me/overview, the caller's home page: their case
// files counted by status, their next deadlines and the case files they help
// on, all gathered by the store through the one visibility rule.
func (s *Server) overview(c *fiber.Ctx) error {
	ov, err := s.store.Overview(c.UserContext(), s.actor(c))
	if err != nil {
		return err
	}
	return c.JSON(ov)
}
