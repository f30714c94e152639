package server

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"cloison/server/config"
)

// requestLocale picks fr or en from Accept-Language, else def.
func requestLocale(c *fiber.Ctx, def string) string {
	for _, part := range strings.Split(c.Get(fiber.HeaderAcceptLanguage), ",") {
		tag, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		lang, _, _ := strings.Cut(strings.ToLower(tag), "-")
		if config.IsLocale(lang) {
			return lang
		}
	}
	return def
}
