// Package mail owns Cloison's outgoing e-mail: the templates embedded in the
// binary (French and English, text and HTML), the Composer that renders them
// for the store's outbox, and the Sender that delivers the outbox over SMTP,
// or prints it to the log when no SMTP host is configured.
//
// It never writes an e-mail anywhere but the outbox (the store does, in the
// transaction of the change that causes it), never falls back to plaintext
// SMTP when TLS was asked for, and, when a real SMTP host is set, never logs a
// recipient's address or a message body.
package mail

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"maps"
	"slices"
	"strings"
	texttemplate "text/template"

	"cloison/store"
)

//go:embed templates/*.txt templates/*.html
var templateFiles embed.FS

// DefaultLocale is the language of an e-mail whose recipient's locale is unknown.
const DefaultLocale = "fr"

// kindSpec lists, for one kind of e-mail, the parameters it cannot do
// without and those it can ("name" is optional everywhere).
type kindSpec struct {
	required []string
	optional []string
}

// kinds is every e-mail Cloison sends. A kind missing here cannot be
// composed, so a typo in a caller fails its transaction instead of sending
// an empty e-mail.
var kinds = map[string]kindSpec{
	"activation":         {required: []string{"link"}},
	"already_registered": {required: []string{"login_link", "reset_link"}},
	"invitation":         {required: []string{"inviter", "role", "link"}},
	"reset":              {required: []string{"link"}},
	"password_changed":   {},
	"account_locked":     {required: []string{"reset_link"}},
	"role_decision":      {required: []string{"role", "decision"}, optional: []string{"reason"}},
	"case_assigned":      {required: []string{"reference", "link"}},
	"deadline_reminder":  {required: []string{"items", "link"}},
	"collab_invitation":  {required: []string{"inviter", "reference", "kind", "link"}},
	"collab_added":       {required: []string{"inviter", "reference", "kind", "link"}},
	// Memberships of organisations and units; "role" is the membership's.
	"org_invitation":     {required: []string{"inviter", "scope", "link"}},
	"membership_invited": {required: []string{"inviter", "scope", "role", "link"}},
	"membership_added":   {required: []string{"inviter", "scope", "role", "link"}},
	// To the holder, or with "holder" (their name) to the scope's admins.
	"membership_ending": {required: []string{"scope", "role", "date", "link"}, optional: []string{"holder"}},
	"membership_ended":  {required: []string{"scope", "role", "date", "link"}, optional: []string{"holder"}},
	// The secretariat decided a change request; "change" is its kind.
	"change_request_applied":  {required: []string{"scope", "change", "reason", "link"}},
	"change_request_rejected": {required: []string{"scope", "change", "reason", "link"}},
	// A message to members, written by a scope admin or the secretariat.
	"message": {required: []string{"sender", "subject", "body"}},
	// A unit opens or closes a category to its referent inspectors.
	"inspection_opened": {required: []string{"scope", "category", "link"}},
	"inspection_closed": {required: []string{"scope", "category", "link"}},
	// Transfers of a case file between units.
	"transfer_requested": {required: []string{"reference", "from", "to", "link"}},
	"transfer_arrived":   {required: []string{"reference", "from", "to", "link"}},
	"transfer_accepted":  {required: []string{"reference", "from", "to", "link"}},
	"transfer_refused":   {required: []string{"reference", "from", "to", "reason", "link"}},
}

// Kinds returns the kinds of e-mail the Composer knows, sorted.
func Kinds() []string { return slices.Sorted(maps.Keys(kinds)) }

// RequiredParams returns the parameters an e-mail kind needs, besides the
// optional "name" (nil for an unknown kind).
func RequiredParams(kind string) []string { return slices.Clone(kinds[kind].required) }

// labels translates the values of the "role" and "kind" parameters, which
// callers pass as the API's identifiers.
var labels = map[string]struct{ roles, helpers map[string]string }{
	"fr": {
		roles: map[string]string{
			store.RoleReader: "lecture", store.RoleEditor: "éditeur·rice",
			store.RoleAdmin: "administrateur·rice", store.RoleSuperadmin: "superadmin",
			store.MemberMember: "membre",
		},
		helpers: map[string]string{"support": "soutien", "trainee": "stagiaire", "mentee": "mentee"},
	},
	"en": {
		roles: map[string]string{
			store.RoleReader: "reader", store.RoleEditor: "editor",
			store.RoleAdmin: "administrator", store.RoleSuperadmin: "superadmin",
			store.MemberMember: "member",
		},
		helpers: map[string]string{"support": "support", "trainee": "trainee", "mentee": "mentee"},
	},
}

// localeTemplates are one language's parsed templates.
type localeTemplates struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

// Composer renders e-mails from the embedded templates. It implements
// store.Composer and is safe for concurrent use.
type Composer struct {
	instance string
	locales  map[string]localeTemplates
}

var _ store.Composer = (*Composer)(nil)

// NewComposer parses the embedded templates. instanceName prefixes every
// subject and signs every e-mail. The templates are part of the binary and
// covered by tests, so a parse error is a programming error and panics.
func NewComposer(instanceName string) *Composer {
	c, err := newComposer(templateFiles, instanceName)
	if err != nil {
		panic(err)
	}
	return c
}

func newComposer(files fs.FS, instanceName string) (*Composer, error) {
	c := &Composer{instance: instanceName, locales: map[string]localeTemplates{}}
	for locale := range labels {
		text, err := texttemplate.New(locale+".txt").Option("missingkey=error").
			ParseFS(files, "templates/"+locale+".txt")
		if err != nil {
			return nil, fmt.Errorf("mail: templates %s: %w", locale, err)
		}
		html, err := htmltemplate.New(locale+".html").Option("missingkey=error").
			Funcs(htmltemplate.FuncMap{"pair": pair, "lines": lines}).
			ParseFS(files, "templates/"+locale+".html")
		if err != nil {
			return nil, fmt.Errorf("mail: templates %s: %w", locale, err)
		}
		for kind := range kinds {
			for _, name := range []string{kind + ".subject", kind + ".text"} {
				if text.Lookup(name) == nil {
					return nil, fmt.Errorf("mail: templates %s: %q is missing", locale, name)
				}
			}
			if html.Lookup(kind) == nil {
				return nil, fmt.Errorf("mail: templates %s: %q is missing", locale, kind)
			}
		}
		c.locales[locale] = localeTemplates{text: text, html: html}
	}
	return c, nil
}

// pair bundles a link and its label for the "button" template.
func pair(link, label string) map[string]string {
	return map[string]string{"link": link, "label": label}
}

// lines splits a preformatted multi-line list into its non-empty lines.
func lines(s string) []string {
	var out []string
	for l := range strings.Lines(s) {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// Locale returns the language an e-mail for locale is written in: its
// primary language if Cloison speaks it ("en-GB" → "en"), French otherwise.
func Locale(locale string) string {
	primary, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(locale)), "-")
	if _, ok := labels[primary]; ok {
		return primary
	}
	return DefaultLocale
}

// Compose renders one e-mail. Every parameter the kind requires must be
// present and non-empty; "role", "kind" and "decision" must be known values.
func (c *Composer) Compose(kind, locale string, params map[string]string) (store.Message, error) {
	spec, ok := kinds[kind]
	if !ok {
		return store.Message{}, fmt.Errorf("mail: unknown e-mail kind %q", kind)
	}
	locale = Locale(locale)
	lt := c.locales[locale]

	// Optional parameters are present and empty when not given, so that the
	// templates' missingkey=error catches only real omissions.
	data := map[string]string{"name": ""}
	for _, k := range spec.optional {
		data[k] = ""
	}
	for _, k := range spec.required {
		if strings.TrimSpace(params[k]) == "" {
			return store.Message{}, fmt.Errorf("mail: %s e-mail: parameter %q is missing", kind, k)
		}
	}
	for k, v := range params {
		data[k] = v
	}
	data["instance"] = c.instance
	if role, ok := params["role"]; ok {
		if data["role_label"], ok = labels[locale].roles[role]; !ok {
			return store.Message{}, fmt.Errorf("mail: %s e-mail: unknown role %q", kind, role)
		}
	}
	if helper, ok := params["kind"]; ok {
		if data["kind_label"], ok = labels[locale].helpers[helper]; !ok {
			return store.Message{}, fmt.Errorf("mail: %s e-mail: unknown collaboration kind %q", kind, helper)
		}
	}
	if d, ok := params["decision"]; ok && d != "approved" && d != "rejected" {
		return store.Message{}, fmt.Errorf("mail: %s e-mail: decision %q is neither approved nor rejected", kind, d)
	}

	var subject, text, html bytes.Buffer
	if err := lt.text.ExecuteTemplate(&subject, kind+".subject", data); err != nil {
		return store.Message{}, fmt.Errorf("mail: %s e-mail subject: %w", kind, err)
	}
	// A subject is one header line, whatever the parameters hold.
	data["subject"] = "[" + c.instance + "] " + strings.Join(strings.Fields(subject.String()), " ")
	if err := lt.text.ExecuteTemplate(&text, kind+".text", data); err != nil {
		return store.Message{}, fmt.Errorf("mail: %s e-mail text: %w", kind, err)
	}
	if err := lt.html.ExecuteTemplate(&html, kind, data); err != nil {
		return store.Message{}, fmt.Errorf("mail: %s e-mail HTML: %w", kind, err)
	}
	return store.Message{
		Subject: data["subject"],
		Text:    strings.TrimSpace(text.String()) + "\n",
		HTML:    strings.TrimSpace(html.String()) + "\n",
	}, nil
}
