package server

import (
	"github.com/gofiber/fiber/v2"

	"cloison/store"
)

func (s *Server) register(c *fiber.Ctx) error {
	var req store.Registration
	if err := parse(c, &req); err != nil {
		return err
	}
	res, err := s.store.Register(c.UserContext(), s.hasher, s.actor(c), req)
	if err != nil {
		return err
	}
	s.mailKick()
	status := "pending"
	if res.Active {
		status = "active"
	}
	// The same answer whether or not the e-mail was already taken.
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"status": status})
}

type tokenRequest struct {
	Token string `json:"token"`
}

func (s *Server) activate(c *fiber.Ctx) error {
	var req tokenRequest
	if err := parse(c, &req); err != nil {
		return err
	}
	email, err := s.store.Activate(c.UserContext(), s.actor(c), req.Token)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"status": "active", "email": email})
}

func (s *Server) inspectInvitation(c *fiber.Ctx) error {
	var req tokenRequest
	if err := parse(c, &req); err != nil {
		return err
	}
	info, err := s.store.InspectInvitation(c.UserContext(), req.Token)
	if err != nil {
		return err
	}
	return c.JSON(info)
}

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	// Code is the second factor's, for an account that has one: a TOTP
	// code or a recovery code.
	Code string `json:"code"`
}

func (s *Server) login(c *fiber.Ctx) error {
	var req loginRequest
	if err := parse(c, &req); err != nil {
		return err
	}
	res, err := s.store.Login(c.UserContext(), s.hasher, req.Email, req.Password, req.Code, s.clientIP(c), c.Get(fiber.HeaderUserAgent))
	s.mailKick() // a tenth failure locks the account and e-mails its owner
	if err != nil {
		return err
	}
	return c.JSON(res)
}

func (s *Server) logout(c *fiber.Ctx) error {
	if err := s.store.Logout(c.UserContext(), s.actor(c)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

type emailRequest struct {
	Email string `json:"email"`
}

func (s *Server) forgotPassword(c *fiber.Ctx) error {
	var req emailRequest
	if err := parse(c, &req); err != nil {
		return err
	}
	if err := s.store.ForgotPassword(c.UserContext(), s.actor(c), req.Email); err != nil {
		return err
	}
	s.mailKick()
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"status": "sent_if_known"})
}

type resetRequest struct {
	Token    string `json:"token"`
	Password string `json:"password"`
}

func (s *Server) resetPassword(c *fiber.Ctx) error {
	var req resetRequest
	if err := parse(c, &req); err != nil {
		return err
	}
	if err := s.store.ResetPassword(c.UserContext(), s.hasher, s.actor(c), req.Token, req.Password); err != nil {
		return err
	}
	s.mailKick()
	return c.JSON(fiber.Map{"status": "password_changed"})
}
