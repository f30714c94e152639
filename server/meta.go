package server

import (
	_ "embed"

	"github.com/gofiber/fiber/v2"

	"cloison/server/config"
)

//go:embed openapi.json
var openapiDoc []byte

func (s *Server) health(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok", "version": s.version})
}

func (s *Server) openapi(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Send(openapiDoc)
}

// publicConfig is what anyone may know of the instance before logging in.
func (s *Server) publicConfig(c *fiber.Ctx) error {
	// How many units are active: while there is one, the interface shows
	// no unit anywhere (a count, not a list: nothing of them is told).
	units, err := s.store.ActiveUnits(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{
		"units":             units,
		"name":              s.cfg.Instance.Name,
		"languages":         config.Locales,
		"default_locale":    s.cfg.Instance.DefaultLocale,
		"registration_open": s.cfg.Instance.RegistrationOpen,
		"pledge":            s.pledge(requestLocale(c, s.cfg.Instance.DefaultLocale)),
	})
}

// defaultPledge is the confidentiality pledge a newcomer signs by registering,
// in the words of the associations Cloison was made for.
var defaultPledge = [2]string{
	"En m’inscrivant, je m’engage à ne communiquer à aucune personne non autorisée le contenu des dossiers " +
		"que je crée ou qui me sont confiés. J’informe les personnes que j’aide qu’un outil informatique est utilisé " +
		"pour le suivi de leur dossier, qu’aucune donnée nominative les concernant (nom, adresse, e-mail, téléphone) " +
		"n’y est enregistrée, et je leur indique leurs droits en matière de protection des données personnelles " +
		"(accès, rectification, effacement, opposition).",
	"By registering, I undertake not to disclose the content of the case files I create or that are entrusted " +
		"to me to anyone unauthorised. I tell the people I help that a computer tool is used to follow their case, " +
		"that no identifying data about them (name, address, e-mail, phone) is recorded in it, and I inform them " +
		"of their data-protection rights (access, rectification, erasure, objection).",
}

// pledge is the instance's pledge, or the built-in one in locale.
func (s *Server) pledge(locale string) string {
	if s.cfg.Instance.Pledge != "" {
		return s.cfg.Instance.Pledge
	}
	if locale == "en" {
		return defaultPledge[1]
	}
	return defaultPledge[0]
}
