package server

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"sync"

	"github.com/gofiber/fiber/v2"

	"cloison/server/config"
)

//go:embed openapi.json
var openapiDoc []byte

// servedOpenAPI is the document without its indentation, which is for
// reviewers of the source: about half the bytes on the wire. It is made at
// the first request for it, not at start: the server's heap is a few MiB,
// and half a MiB held for a document few ever ask for would be a tenth of
// it, twice over once the collector's headroom is counted (issue 16).
var servedOpenAPI = sync.OnceValue(func() []byte {
	var b bytes.Buffer
	b.Grow(len(openapiDoc))
	if err := json.Compact(&b, openapiDoc); err != nil {
		return openapiDoc // compileContracts refuses it at start anyway
	}
	return bytes.Clone(b.Bytes())
})

func (s *Server) health(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok", "version": s.version})
}

func (s *Server) openapi(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Send(servedOpenAPI())
}

// publicConfig is what anyone may know of the instance before logging in.
func (s *Server) publicConfig(c *fiber.Ctx) error {
	// How many units are active: while there is one, the interface shows
	// no unit anywhere (a count, not a list: nothing of them is told).
	units, err := s.store.ActiveUnits(c.UserContext())
	if err != nil {
		return err
	}
	pledge, err := s.pledge(c.UserContext(), requestLocale(c, s.cfg.Instance.DefaultLocale))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{
		"units":             units,
		"name":              s.cfg.Instance.Name,
		"languages":         config.Locales,
		"default_locale":    s.cfg.Instance.DefaultLocale,
		"registration_open": s.cfg.Instance.RegistrationOpen,
		"email_delivery":    s.emailDelivery(),
		// The largest attachment, which the upload form states and checks.
		"attachment_max_bytes": s.cfg.Attachments.MaxSizeMB << 20,
		"pledge":               pledge,
	})
}
