package server

import (
	"github.com/gofiber/fiber/v2"
)

// The second factor: the caller's own enrolment under /api/me, and an
// administrator's reset of someone's lost one. Logging in with it is
// /api/auth/login's "code".

// qrSize is the width, in pixels, of an enrolment's QR code.
const qrSize = 256

func (s *Server) mySecondFactor(c *fiber.Ctx) error {
	acc := s.actor(c).Account
	st, err := s.store.SecondFactorOf(c.UserContext(), acc.ID, s.secondFactorRequired(acc))
	if err != nil {
		return err
	}
	return c.JSON(st)
}

func (s *Server) startSecondFactor(c *fiber.Ctx) error {
	e, err := s.store.StartSecondFactor(c.UserContext(), s.actor(c), s.cfg.Instance.Name)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(e)
}

// secondFactorQR draws the pending enrolment's QR code: the binary draws it,
// no outside service ever sees the secret.
func (s *Server) secondFactorQR(c *fiber.Ctx) error {
	png, err := s.store.EnrolmentQR(c.UserContext(), s.actor(c), s.cfg.Instance.Name, qrSize)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "image/png")
	return c.Send(png)
}

type codeRequest struct {
	Code string `json:"code"`
}

func (s *Server) confirmSecondFactor(c *fiber.Ctx) error {
	var req codeRequest
	if err := parse(c, &req); err != nil {
		return err
	}
	codes, err := s.store.ConfirmSecondFactor(c.UserContext(), s.actor(c), req.Code)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"recovery_codes": codes})
}

type passwordRequest struct {
	Password string `json:"password"`
}

func (s *Server) removeSecondFactor(c *fiber.Ctx) error {
	var req passwordRequest
	if err := parse(c, &req); err != nil {
		return err
	}
	a := s.actor(c)
	if err := s.store.RemoveSecondFactor(c.UserContext(), s.hasher, a, req.Password, s.secondFactorRequired(a.Account)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) resetSecondFactor(c *fiber.Ctx) error {
	var req reasonRequest
	if err := parse(c, &req); err != nil {
		return err
	}
	if err := s.store.ResetSecondFactor(c.UserContext(), s.actor(c), c.Params("id"), req.Reason); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
