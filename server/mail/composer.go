// Package mail owns Cloison's outgoing e-mail: the Composer that renders the
// catalogues' e-mails (server/i18n) as text and HTML for the store's outbox,
// and the Sender that delivers the outbox over SMTP, or prints it to the log
// when no SMTP host is configured.
//
// It never writes an e-mail anywhere but the outbox (the store does, in the
// transaction of the change that causes it), never falls back to plaintext
// SMTP when TLS was asked for, and, when a real SMTP host is set, never logs a
// recipient's address or a message body.
package mail

import (
	"fmt"
	"html"
	"maps"
	"regexp"
	"slices"
	"strings"

	"cloison/server/i18n"
	"cloison/store"
)

// DefaultLocale is the language of an e-mail whose recipient's locale is unknown.
const DefaultLocale = i18n.Source

// kindSpec lists, for one kind of e-mail, the parameters it cannot do
// without and those it can ("name" is optional everywhere), and the
// parameter, if any, whose value picks the wording (catalogue keys
// mail.<kind>.<value>.subject and .body instead of mail.<kind>.…).
type kindSpec struct {
	required []string
	optional []string
	variant  string
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
	"role_decision":      {required: []string{"role", "decision"}, optional: []string{"reason"}, variant: "decision"},
	"case_assigned":      {required: []string{"reference", "link"}},
	"deadline_reminder":  {required: []string{"items", "link"}},
	"collab_invitation":  {required: []string{"inviter", "reference", "kind", "link"}},
	"collab_added":       {required: []string{"inviter", "reference", "kind", "link"}},
	"test":               {},
	// Memberships of organisations and units; "role" is the membership's.
	"org_invitation":     {required: []string{"inviter", "scope", "link"}},
	"membership_invited": {required: []string{"inviter", "scope", "role", "link"}},
	"membership_added":   {required: []string{"inviter", "scope", "role", "link"}},
	// To the holder (wording "own"), or with "holder" (their name) to the
	// scope's admins (wording "other").
	"membership_ending": {required: []string{"scope", "role", "date", "link"}, optional: []string{"holder"}, variant: "holder"},
	"membership_ended":  {required: []string{"scope", "role", "date", "link"}, optional: []string{"holder"}, variant: "holder"},
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

// variants are the values a kind's variant parameter may take. "holder" is
// a person's name: its wording is "other" when it is given, "own" when not.
var variants = map[string][]string{"decision": {"approved", "rejected"}, "holder": {"own", "other"}}

// variantOf is the wording a kind's variant parameter picks in params.
func variantOf(variant string, params map[string]string) string {
	if variant == "holder" {
		if strings.TrimSpace(params["holder"]) != "" {
			return "other"
		}
		return "own"
	}
	return params[variant]
}

// labelled are the parameters that callers pass as the API's identifiers
// and that e-mails write in words, with the catalogue table of those words.
var labelled = map[string]string{"role": "role", "kind": "helper_kind", "change": "change_kind"}

// Kinds returns the kinds of e-mail the Composer knows, sorted.
func Kinds() []string { return slices.Sorted(maps.Keys(kinds)) }

// RequiredParams returns the parameters an e-mail kind needs, besides the
// optional "name" (nil for an unknown kind).
func RequiredParams(kind string) []string { return slices.Clone(kinds[kind].required) }

// CatalogueKeys lists the keys of server/i18n that the e-mails use: the
// catalogue tests check that every language has each of them.
func CatalogueKeys() []string {
	keys := append([]string{"mail.hello", "mail.hello_name", "mail.signature", "mail.footer", "mail.button_fallback"}, i18n.DateKeys()...)
	for kind, spec := range kinds {
		prefixes := []string{"mail." + kind}
		if spec.variant != "" {
			prefixes = prefixes[:0]
			for _, v := range variants[spec.variant] {
				prefixes = append(prefixes, "mail."+kind+"."+v)
			}
		}
		for _, p := range prefixes {
			keys = append(keys, p+".subject", p+".body")
		}
	}
	slices.Sort(keys)
	return keys
}

// Composer renders e-mails from the catalogues. It implements
// store.Composer and is safe for concurrent use.
type Composer struct {
	instance string
}

var _ store.Composer = (*Composer)(nil)

// NewComposer returns a Composer; instanceName prefixes every subject and
// signs every e-mail.
func NewComposer(instanceName string) *Composer {
	return &Composer{instance: instanceName}
}

// Locale returns the language an e-mail for locale is written in: its
// primary language if Cloison speaks it ("en-GB" → "en"), French otherwise.
func Locale(locale string) string { return i18n.Pick(locale, DefaultLocale) }

// Compose renders one e-mail. Every parameter the kind requires must be
// present and non-empty; "role", "kind" and "decision" must be known values.
func (c *Composer) Compose(kind, locale string, params map[string]string) (store.Message, error) {
	spec, ok := kinds[kind]
	if !ok {
		return store.Message{}, fmt.Errorf("mail: unknown e-mail kind %q", kind)
	}
	cat := i18n.Get(Locale(locale))
	for _, k := range spec.required {
		if strings.TrimSpace(params[k]) == "" {
			return store.Message{}, fmt.Errorf("mail: %s e-mail: parameter %q is missing", kind, k)
		}
	}
	// Optional parameters are present and empty when not given: a paragraph
	// that needs one is then left out.
	data := map[string]string{"name": ""}
	optional := map[string]bool{"name": true}
	for _, k := range spec.optional {
		data[k], optional[k] = "", true
	}
	for k, v := range params {
		data[k] = v
	}
	data["instance"] = c.instance
	// A day is given as YYYY-MM-DD and read in the reader's words.
	if d, ok := params["date"]; ok {
		data["date"] = cat.ISODate(d)
	}
	for param, table := range labelled {
		v, ok := params[param]
		if !ok {
			continue
		}
		label, ok := cat.Lookup(table + "." + v)
		if !ok {
			return store.Message{}, fmt.Errorf("mail: %s e-mail: unknown %s %q", kind, param, v)
		}
		data[param] = label
	}
	prefix := "mail." + kind
	if spec.variant != "" {
		v := variantOf(spec.variant, params)
		if !slices.Contains(variants[spec.variant], v) {
			return store.Message{}, fmt.Errorf("mail: %s e-mail: %s %q is not one of %v", kind, spec.variant, v, variants[spec.variant])
		}
		prefix += "." + v
	}

	// A subject is one header line, whatever the parameters hold.
	subject := "[" + c.instance + "] " + strings.Join(strings.Fields(fill(cat.Text(prefix+".subject"), data)), " ")
	hello := cat.Text("mail.hello")
	if data["name"] != "" {
		hello = cat.Fill("mail.hello_name", "name", data["name"])
	}
	blocks := parseBody(cat.Text(prefix+".body"), data, optional)
	return store.Message{
		Subject: subject,
		Text:    renderText(hello, blocks, data, c.instance, cat),
		HTML:    renderHTML(cat.Locale(), subject, hello, blocks, data, c.instance, cat),
	}, nil
}

// block is one paragraph of an e-mail's body.
type block struct {
	kind  blockKind
	text  string   // a paragraph's unfilled text, with its **strong** marks
	label string   // a button's label
	link  string   // a button's address
	items []string // a list's lines
}

type blockKind int

const (
	paragraph blockKind = iota
	button
	list
)

var (
	buttonLine = regexp.MustCompile(`^\[([^\]]+)\]\(\{([a-z_]+)\}\)$`)
	listLine   = regexp.MustCompile(`^\{([a-z_]+)\}$`)
	param      = regexp.MustCompile(`\{([a-z_]+)\}`)
	strong     = regexp.MustCompile(`\*\*([^*]+)\*\*`)
)

// parseBody splits a catalogue body into blocks and fills them. A paragraph
// that uses an optional parameter left empty is left out.
func parseBody(body string, data map[string]string, optional map[string]bool) []block {
	var out []block
	for _, p := range strings.Split(strings.TrimSpace(body), "\n\n") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if m := buttonLine.FindStringSubmatch(p); m != nil {
			out = append(out, block{kind: button, label: m[1], link: data[m[2]]})
			continue
		}
		if m := listLine.FindStringSubmatch(p); m != nil && m[1] == "items" {
			out = append(out, block{kind: list, items: nonEmptyLines(data[m[1]])})
			continue
		}
		skip := false
		for _, m := range param.FindAllStringSubmatch(p, -1) {
			if optional[m[1]] && strings.TrimSpace(data[m[1]]) == "" {
				skip = true
			}
		}
		if !skip {
			out = append(out, block{kind: paragraph, text: p})
		}
	}
	return out
}

// fill replaces every {name} of pattern by its value in data.
func fill(pattern string, data map[string]string) string {
	return param.ReplaceAllStringFunc(pattern, func(p string) string {
		if v, ok := data[p[1:len(p)-1]]; ok {
			return v
		}
		return p
	})
}

// nonEmptyLines splits a preformatted multi-line list into its non-empty lines.
func nonEmptyLines(s string) []string {
	var out []string
	for l := range strings.Lines(s) {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// renderText writes the text part: links alone on their line (mail clients
// make them clickable and nothing wraps them), then the signature.
func renderText(hello string, blocks []block, data map[string]string, instance string, cat *i18n.Catalogue) string {
	var b strings.Builder
	b.WriteString(hello)
	for _, bl := range blocks {
		b.WriteString("\n\n")
		switch bl.kind {
		case button:
			b.WriteString(bl.link)
		case list:
			b.WriteString(strings.Join(bl.items, "\n"))
		default:
			b.WriteString(fill(strong.ReplaceAllString(bl.text, "$1"), data))
		}
	}
	b.WriteString("\n\n—\n" + instance + "\n" + cat.Text("mail.signature") + "\n")
	return b.String()
}

// escLines escapes s for HTML and keeps its line breaks, as the text part
// does: a message's author writes their body in lines, which a paragraph
// would otherwise run together.
func escLines(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(html.EscapeString(s), "\n", "<br>\n")
}

// HTML styles: inline only, no external resource, no image, no tracking pixel.
const (
	pStyle      = `margin:0 0 16px;`
	buttonStyle = `display:inline-block;padding:10px 18px;background-color:#1d4ed8;color:#ffffff;text-decoration:none;border-radius:4px;font-weight:bold;`
)

// renderHTML writes the HTML part; every value is escaped.
func renderHTML(locale, subject, hello string, blocks []block, data map[string]string, instance string, cat *i18n.Catalogue) string {
	esc := html.EscapeString
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html>
<html lang="` + esc(locale) + `">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>` + esc(subject) + `</title>
</head>
<body style="margin:0;padding:0;background-color:#f3f4f6;">
<div style="max-width:560px;margin:0 auto;padding:24px 16px;font-family:Helvetica,Arial,sans-serif;font-size:16px;line-height:1.5;color:#1f2937;">
<div style="background-color:#ffffff;border:1px solid #e5e7eb;border-radius:6px;padding:24px;">
<p style="margin:0 0 16px;font-weight:bold;color:#111827;">` + esc(instance) + `</p>
<p style="` + pStyle + `">` + esc(hello) + "</p>\n")
	for _, bl := range blocks {
		switch bl.kind {
		case button:
			b.WriteString(`<p style="margin:24px 0;"><a href="` + esc(bl.link) + `" style="` + buttonStyle + `">` + esc(bl.label) + "</a></p>\n")
			b.WriteString(`<p style="margin:0 0 16px;font-size:13px;color:#4b5563;">` + esc(cat.Text("mail.button_fallback")) +
				`<br><span style="word-break:break-all;">` + esc(bl.link) + "</span></p>\n")
		case list:
			b.WriteString(`<ul style="margin:0 0 16px;padding-left:20px;">` + "\n")
			for _, item := range bl.items {
				b.WriteString("<li>" + esc(item) + "</li>\n")
			}
			b.WriteString("</ul>\n")
		default:
			// The marks are the catalogue's, never a parameter's: the
			// pattern is split at them before anything is filled in.
			b.WriteString(`<p style="` + pStyle + `">`)
			rest := bl.text
			for _, m := range strong.FindAllStringSubmatchIndex(bl.text, -1) {
				b.WriteString(escLines(fill(bl.text[len(bl.text)-len(rest):m[0]], data)))
				b.WriteString("<strong>" + escLines(fill(bl.text[m[2]:m[3]], data)) + "</strong>")
				rest = bl.text[m[1]:]
			}
			b.WriteString(escLines(fill(rest, data)) + "</p>\n")
		}
	}
	b.WriteString(`</div>
<p style="margin:16px 0 0;font-size:12px;color:#6b7280;">` + esc(cat.Fill("mail.footer", "instance", instance)) + `</p>
</div>
</body>
</html>
`)
	return b.String()
}
