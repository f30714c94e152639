package server

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"cloison/store"
)

func (s *Server) listUsers(c *fiber.Ctx) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	f := store.AccountFilter{Q: c.Query("q"), Role: c.Query("role"), Status: c.Query("status")}
	items, total, err := s.store.ListAccounts(c.UserContext(), s.actor(c), f, p)
	if err != nil {
		return err
	}
	return list(c, items, total, p)
}

func (s *Server) inviteUser(c *fiber.Ctx) error {
	var req store.Invitation
	if err := parse(c, &req); err != nil {
		return err
	}
	acc, err := s.store.InviteAccount(c.UserContext(), s.actor(c), req)
	if err != nil {
		return err
	}
	s.mailKick()
	return c.Status(fiber.StatusCreated).JSON(acc)
}

func (s *Server) getUser(c *fiber.Ctx) error {
	acc, err := s.store.GetAccount(c.UserContext(), s.actor(c), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(acc)
}

func (s *Server) updateUser(c *fiber.Ctx) error {
	var req store.AccountChange
	if err := parse(c, &req); err != nil {
		return err
	}
	acc, err := s.store.UpdateAccount(c.UserContext(), s.actor(c), c.Params("id"), req)
	if err != nil {
		return err
	}
	return c.JSON(acc)
}

type reasonRequest struct {
	Reason string `json:"reason"`
}

// setUserStatus serves block, unblock and deregister (DELETE).
func (s *Server) setUserStatus(action string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var req reasonRequest
		if err := parse(c, &req); err != nil {
			return err
		}
		acc, err := s.store.SetAccountStatus(c.UserContext(), s.actor(c), c.Params("id"), action, req.Reason)
		if err != nil {
			return err
		}
		if action == "deregister" {
			return c.SendStatus(fiber.StatusNoContent)
		}
		return c.JSON(acc)
	}
}

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

func (s *Server) verifyAudit(c *fiber.Ctx) error {
	v, err := s.store.VerifyAuditAs(c.UserContext(), s.actor(c))
	if err != nil {
		return err
	}
	return c.JSON(v)
}

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

func (s *Server) retryOutbox(c *fiber.Ctx) error {
	if err := s.store.RetryOutbox(c.UserContext(), s.actor(c), c.Params("id")); err != nil {
		return err
	}
	s.mailKick()
	return c.JSON(fiber.Map{"status": "queued"})
}
