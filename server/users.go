package server

import (
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
	// Its practice case files, the only place an admin learns of them (to
	// delete one, with a reason).
	practice, err := s.store.PracticeCasesOf(c.UserContext(), s.actor(c), acc.ID)
	if err != nil {
		return err
	}
	return c.JSON(struct {
		*store.Account
		PracticeCases []store.PracticeRef `json:"practice_cases"`
	}{acc, practice})
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
