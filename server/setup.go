package server

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"sync"

	"github.com/gofiber/fiber/v2"

	"cloison/store"
)

// setupToken is the one-time secret printed at start while no superadmin
// exists. Only its hash is kept; it dies with the first superadmin.
type setupToken struct {
	mu   sync.Mutex
	hash []byte
}

// IssueSetupToken makes a new one-time setup token and returns it, to be
// printed as a link. Any previous one stops working.
func (s *Server) IssueSetupToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("setup: no randomness: " + err.Error())
	}
	tok := base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(tok))
	s.setup.mu.Lock()
	s.setup.hash = sum[:]
	s.setup.mu.Unlock()
	return tok
}

// SetupLink is the URL that creates the first superadmin with tok.
func (s *Server) SetupLink(tok string) string { return s.cfg.Server.BaseURL + "/setup#token=" + tok }

func (t *setupToken) matches(tok string) bool {
	sum := sha256.Sum256([]byte(tok))
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.hash != nil && subtle.ConstantTimeCompare(sum[:], t.hash) == 1
}

func (t *setupToken) kill() {
	t.mu.Lock()
	t.hash = nil
	t.mu.Unlock()
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
	if !s.setup.matches(req.Token) {
		return errBadSetupToken
	}
	acc, err := s.store.CreateSuperadmin(c.UserContext(), s.hasher, s.actor(c),
		store.NewAccount{Email: req.Email, Name: req.Name, Password: req.Password, Locale: req.Locale}, true)
	if err != nil {
		return err
	}
	s.setup.kill()
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"user": acc})
}
