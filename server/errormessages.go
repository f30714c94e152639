package server

import "cloison/server/i18n"

// message returns the human text of an API error code in locale (the
// catalogues' "error.<code>"), falling back to a generic one. The SPA shows
// its own translation of the code; these serve other clients.
func message(code, locale string) string {
	cat := i18n.Get(locale)
	if _, ok := i18n.Get(i18n.Source).Lookup("error." + code); !ok || code == "generic" {
		return cat.Text("error.generic")
	}
	return cat.Text("error." + code)
}

// hasMessage tells whether the catalogues word the error code.
func hasMessage(code string) bool {
	_, ok := i18n.Get(i18n.Source).Lookup("error." + code)
	return ok && code != "generic"
}
