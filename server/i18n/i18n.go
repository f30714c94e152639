// Package i18n holds every text the server writes for a person to read: the
// API's error messages, the e-mails, the PDF documents, the command line's
// refusals, the default pledge and privacy policy, and the names of the
// category presets. Each language is one TOML file in locales/, named after
// its code (fr.toml, en.toml, de.toml): adding a language is adding its file,
// and nothing here or anywhere else lists them. French is the source of
// truth; a test holds every other file to exactly its keys and placeholders.
//
// The files' tables are read as dotted keys: `[mail.reset]` then
// `subject = "…"` is the key "mail.reset.subject". Values are plain text
// with `{name}` placeholders, filled by Fill.
//
// It knows nothing of HTTP, the database or the documents' layout: it only
// says things, and it never lets a code reach a person when a key is missing
// (Text falls back to French, which has every key).
package i18n

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"
)

//go:embed locales/*.toml
var files embed.FS

// Source is the language every other is translated from and falls back to.
const Source = "fr"

// Catalogue is one language's texts.
type Catalogue struct {
	locale string
	texts  map[string]string
}

// catalogues are every shipped language, read once from the embedded files.
// They are part of the binary and covered by tests: a file that does not
// parse is a programming error and panics at start.
var catalogues = mustLoad(files)

func mustLoad(fsys fs.FS) map[string]*Catalogue {
	out, err := load(fsys)
	if err != nil {
		panic(err)
	}
	return out
}

// load reads every locales/*.toml file of fsys.
func load(fsys fs.FS) (map[string]*Catalogue, error) {
	names, err := fs.Glob(fsys, "locales/*.toml")
	if err != nil {
		return nil, err
	}
	out := map[string]*Catalogue{}
	for _, name := range names {
		code := strings.TrimSuffix(path.Base(name), ".toml")
		raw, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		var tree map[string]any
		if err := toml.Unmarshal(raw, &tree); err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", name, err)
		}
		texts := map[string]string{}
		if err := flatten("", tree, texts); err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", name, err)
		}
		out[code] = &Catalogue{locale: code, texts: texts}
	}
	if out[Source] == nil {
		return nil, fmt.Errorf("i18n: no %s catalogue", Source)
	}
	return out, nil
}

// flatten turns nested tables into dotted keys; every leaf must be a string.
func flatten(prefix string, tree map[string]any, into map[string]string) error {
	for k, v := range tree {
		key := k
		if prefix != "" {
			key = prefix + "." + k
		}
		switch v := v.(type) {
		case string:
			into[key] = v
		case map[string]any:
			if err := flatten(key, v, into); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%s: want a text, got %T", key, v)
		}
	}
	return nil
}

// Locales are the shipped languages' codes, French first, then by code.
func Locales() []string {
	out := make([]string, 0, len(catalogues))
	for code := range catalogues {
		if code != Source {
			out = append(out, code)
		}
	}
	sort.Strings(out)
	return append([]string{Source}, out...)
}

// Has tells whether locale is a shipped language.
func Has(locale string) bool {
	_, ok := catalogues[locale]
	return ok
}

// Get returns locale's catalogue; its primary language's for a tag such as
// "en-GB"; French for anything else.
func Get(locale string) *Catalogue {
	return catalogues[Pick(locale, Source)]
}

// Pick returns the shipped language locale names ("en-GB" → "en"), or def
// when it names none.
func Pick(locale, def string) string {
	primary, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(locale)), "-")
	if Has(primary) {
		return primary
	}
	if Has(def) {
		return def
	}
	return Source
}

// Locale is the catalogue's language code.
func (c *Catalogue) Locale() string { return c.locale }

// Lookup returns the text of key in this language only.
func (c *Catalogue) Lookup(key string) (string, bool) {
	s, ok := c.texts[key]
	return s, ok
}

// Text returns the text of key, falling back to French, then to a dash: a
// missing key never shows its code to a person (the catalogue tests name it).
func (c *Catalogue) Text(key string) string {
	if s, ok := c.texts[key]; ok {
		return s
	}
	if s, ok := catalogues[Source].texts[key]; ok {
		return s
	}
	return "—"
}

// Fill returns the text of key with each {name} replaced by the value that
// follows name in kv.
func (c *Catalogue) Fill(key string, kv ...string) string {
	return Fill(c.Text(key), kv...)
}

// Keys lists this language's keys with the given prefix, sorted.
func (c *Catalogue) Keys(prefix string) []string {
	var out []string
	for k := range c.texts {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// Fill replaces each {name} of pattern with the value that follows name in
// kv. Placeholders without a value stay as they are.
func Fill(pattern string, kv ...string) string {
	if len(kv) < 2 {
		return pattern
	}
	pairs := make([]string, 0, len(kv))
	for i := 0; i+1 < len(kv); i += 2 {
		pairs = append(pairs, "{"+kv[i]+"}", kv[i+1])
	}
	return strings.NewReplacer(pairs...).Replace(pattern)
}

var placeholder = regexp.MustCompile(`\{([a-z_]+)\}`)

// Placeholders lists the distinct {names} of text, sorted.
func Placeholders(text string) []string {
	var out []string
	for _, m := range placeholder.FindAllStringSubmatch(text, -1) {
		out = append(out, m[1])
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Date writes t's day in words ("1er mars 2026", "1 March 2026").
func (c *Catalogue) Date(t time.Time) string {
	day := strconv.Itoa(t.Day())
	if t.Day() == 1 {
		day = c.Text("date.day_one")
	}
	return c.Fill("date.day", "day", day, "month", c.Text("date.month."+strconv.Itoa(int(t.Month()))), "year", strconv.Itoa(t.Year()))
}

// DateTime writes t's day and time ("12 mars 2026 à 14:05").
func (c *Catalogue) DateTime(t time.Time) string {
	return c.Fill("date.at", "date", c.Date(t), "time", t.Format("15:04"))
}

// ISODate writes a YYYY-MM-DD day in words; anything else is returned as given.
func (c *Catalogue) ISODate(s string) string {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return s
	}
	return c.Date(t)
}

// DateKeys are the keys Date and DateTime use.
func DateKeys() []string {
	keys := []string{"date.day", "date.day_one", "date.at"}
	for m := 1; m <= 12; m++ {
		keys = append(keys, "date.month."+strconv.Itoa(m))
	}
	return keys
}
