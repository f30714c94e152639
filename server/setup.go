package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"

	"github.com/gofiber/fiber/v2"

	"cloison/store"
)

// IssueSetupToken makes a new one-time setup token, records its hash in
// the database (store.AddSetupToken: the link works on every instance of
// the database, until the first superadmin exists) and returns it, to be
// printed as a link.
func (s *Server) IssueSetupToken(ctx context.Context) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("setup: no randomness: " + err.Error())
	}
	tok := base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(tok))
	if err := s.store.AddSetupToken(ctx, sum[:]); err != nil {
		return "", err
	}
	return tok, nil
}

// SetupLink is the URL that creates the first superadmin with tok.
func (s *Server) SetupLink(tok string) string { return s.cfg.Server.BaseURL + "/setup#token=" + tok }

// setupTokenValid tells whether tok is a live setup token.
func (s *Server) setupTokenValid(ctx context.Context, tok string) (bool, error) {
	sum := sha256.Sum256([]byte(tok))
	return s.store.SetupTokenValid(ctx, sum[:])
}

func (s *Server) setupStatus(c *fiber.Ctx) error {
	needed, err := s.store.SetupNeeded(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"needed": needed})
}

type setupRequest struct {
	Token    string `json:"token"`
	Email    string `json:"email"`
	Name     string `json:"name"`
	Password string `json:"password"`
	Locale   string `json:"locale"`
}

// setupCreate creates the first superadmin. The token is checked before
// anything else and dies once the account exists.
func (s *Server) setupCreate(c *fiber.Ctx) error {
	var req setupRequest
	if err := parse(c, &req); err != nil {
		return err
	}
	if ok, err := s.setupTokenValid(c.UserContext(), req.Token); err != nil {
		return err
	} else if !ok {
		return errBadSetupToken
	}
	acc, err := s.store.CreateSuperadmin(c.UserContext(), s.hasher, s.actor(c),
		store.NewAccount{Email: req.Email, Name: req.Name, Password: req.Password, Locale: req.Locale}, true)
	if err != nil {
		return err
	}
	if err := s.store.EndSetupTokens(c.UserContext()); err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"user": acc})
}
