package server

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"cloison/server/config"
)

// messages are the human texts of the API's error codes, French first. The
// SPA shows its own translation of the code; these serve other clients.
var messages = map[string][2]string{ // code: {fr, en}
	"bad_request":            {"La requête est mal formée.", "The request is malformed."},
	"unauthenticated":        {"Veuillez vous connecter.", "Please log in."},
	"invalid_credentials":    {"Adresse e-mail ou mot de passe incorrect.", "Wrong e-mail address or password."},
	"forbidden":              {"Votre rôle ne permet pas cette action.", "Your role does not allow this action."},
	"not_found":              {"Introuvable.", "Not found."},
	"method_not_allowed":     {"Méthode non autorisée.", "Method not allowed."},
	"conflict":               {"Cette action contredit l’état actuel.", "This action conflicts with the current state."},
	"version_mismatch":       {"Quelqu’un a modifié ce dossier entre-temps : rechargez-le.", "Someone changed this case file meanwhile: reload it."},
	"version_required":       {"L’en-tête If-Match est obligatoire.", "The If-Match header is required."},
	"validation_failed":      {"Certains champs sont invalides.", "Some fields are invalid."},
	"too_many_requests":      {"Trop de tentatives ; réessayez plus tard.", "Too many attempts; try again later."},
	"payload_too_large":      {"Le contenu envoyé est trop volumineux.", "The content sent is too large."},
	"unsupported_media_type": {"Type de contenu non pris en charge.", "Unsupported content type."},
	"timeout":                {"La requête a pris trop de temps.", "The request took too long."},
	"invalid_setup_token":    {"Ce lien d’installation n’est pas valide ou a déjà servi.", "This setup link is not valid or has already been used."},
	"setup_done":             {"L’installation est déjà faite.", "Setup is already done."},
	"generic":                {"La requête n’a pas pu aboutir.", "The request could not be completed."},
	"last_superadmin":        {"Le dernier superadmin ne peut pas être retiré.", "The last superadmin cannot be removed."},
	"internal":               {"Erreur interne. Donnez ce numéro à l’administrateur.", "Internal error. Give this number to the administrator."},
}

// message returns the text for code in locale, falling back to a generic one.
func message(code, locale string) string {
	m, ok := messages[code]
	if !ok {
		m = messages["generic"]
	}
	if locale == "en" {
		return m[1]
	}
	return m[0]
}

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
