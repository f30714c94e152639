package report

import (
	"reflect"
	"slices"
	"strings"

	"cloison/server/i18n"
	"cloison/store"
)

// words are the report's texts in the reader's language: the "report.*",
// "status.*", "outcome.*" and "date.*" keys of the catalogues (server/i18n).
type words struct {
	*i18n.Catalogue
}

// wordsFor returns locale's words, French when the locale is unknown.
func wordsFor(locale string) words {
	return words{i18n.Get(locale)}
}

// word names a code from one of the catalogue's tables (status, outcome,
// report.event...). A code without words (one added to the store later,
// before the catalogues) prints as a dash, never as the code: the catalogue
// test names what is missing.
func (w words) word(table, code string) string {
	if s, ok := w.Lookup(table + "." + code); ok {
		return s
	}
	if s, ok := i18n.Get(i18n.Source).Lookup(table + "." + code); ok {
		return s
	}
	return "—"
}

// categoryLabel is the category's label in the reader's language, else in
// the instance's.
func (w words) categoryLabel(c store.Category, instanceLocale string) string {
	return c.Label(w.Locale(), instanceLocale)
}

// reportTexts are the report's own fixed texts.
var reportTexts = []string{"title", "reference", "category", "status", "outcome", "facts_date", "place", "assignees",
	"created", "updated", "summary", "timeline", "notes", "deadlines", "attachments", "none", "done", "overdue",
	"generated", "page", "size", "added"}

// printedEvents are the history entries the report prints; the others
// (collaborations) stay out of it, like the helpers themselves.
var printedEvents = []string{"created", "transition", "updated", "assignees"}

// CatalogueKeys lists every key of server/i18n that a report may print, for
// the catalogue tests: its texts, the events it prints, every status and
// outcome, every field an update changes, and the dates.
func CatalogueKeys() []string {
	var keys []string
	for _, k := range reportTexts {
		keys = append(keys, "report."+k)
	}
	for _, k := range noticeTexts {
		keys = append(keys, "notice."+k)
	}
	for _, k := range printedEvents {
		keys = append(keys, "report.event."+k)
	}
	for _, k := range store.CaseStatuses {
		keys = append(keys, "status."+k)
	}
	for _, k := range store.Outcomes {
		keys = append(keys, "outcome."+k)
	}
	ct := reflect.TypeFor[store.CaseChange]()
	for i := range ct.NumField() {
		name, _, _ := strings.Cut(ct.Field(i).Tag.Get("json"), ",")
		keys = append(keys, "report.field."+name)
	}
	keys = append(keys, i18n.DateKeys()...)
	slices.Sort(keys)
	return keys
}
