package server

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"cloison/store"
)

// timeParam reads an RFC 3339 time from the query; a bad one is a 422.
func timeParam(c *fiber.Ctx, name string) (*time.Time, error) {
	v := c.Query(name)
	if v == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return nil, store.Invalid(name, "datetime")
	}
	return &t, nil
}

// listAudit pages through the audit log for admins, filtered by actor,
// action, object and time.
func (s *Server) listAudit(c *fiber.Ctx) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	f := store.AuditFilter{Actor: c.Query("actor"), Action: c.Query("action"), Object: c.Query("object")}
	if f.Since, err = timeParam(c, "since"); err != nil {
		return err
	}
	if f.Until, err = timeParam(c, "until"); err != nil {
		return err
	}
	items, total, err := s.store.ListAudit(c.UserContext(), s.actor(c), f, p)
	if err != nil {
		return err
	}
	return list(c, items, total, p)
}

// verifyAudit walks the audit log's hash chain for a superadmin.
func (s *Server) verifyAudit(c *fiber.Ctx) error {
	v, err := s.store.VerifyAuditAs(c.UserContext(), s.actor(c))
	if err != nil {
		return err
	}
	return c.JSON(v)
}
