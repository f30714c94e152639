package report

import (
	"strconv"
	"strings"
	"time"

	"cloison/store"
)

// words are every text a report prints, in one language. A language is one
// value of this type in its own file and one entry in catalogue; a test
// checks that every language says everything.
type words struct {
	// Title names the document, in the header and the file's properties.
	Title string
	// Field labels of the case file's summary.
	Reference, Category, Status, Outcome, FactsDate, Place, Assignees, Created, Updated string
	// Section headings.
	Summary, Timeline, Notes, Deadlines, Attachments string
	// None stands for an empty section or field.
	None string
	// Done and Overdue qualify a deadline.
	Done, Overdue string
	// Generated is the footer's line: {datetime} is when the report was made.
	Generated string
	// Page numbers every page: {page} of {pages}.
	Page string
	// Date writes a day: {day}, {month} (a name from Months) and {year};
	// DayOne is how the first of a month is written ("1er" in French).
	Date   string
	DayOne string
	Months [12]string
	// DateTime joins a Date and a time ({date}, {time}, the time as 15:04).
	DateTime string
	// Size writes an attachment's size in kilobytes ({n}), Added when it came.
	Size, Added string
	// Statuses and Outcomes name a case file's status and outcome codes.
	Statuses, Outcomes map[string]string
	// Events word the history entries the report prints, by kind:
	// {from} and {to} are statuses in words, {fields} the fields changed.
	Events map[string]string
	// Fields name the case file's fields an "updated" entry lists.
	Fields map[string]string
	// CategoryLabel is the category's label in this language.
	CategoryLabel func(store.Category) string
}

// catalogue holds every language the report speaks, by locale code.
var catalogue = map[string]*words{
	"fr": &french,
	"en": &english,
}

// wordsFor returns locale's words, French when the locale is unknown.
func wordsFor(locale string) *words {
	if w, ok := catalogue[locale]; ok {
		return w
	}
	return catalogue["fr"]
}

// fill replaces each {key} of pattern with its value.
func fill(pattern string, kv ...string) string {
	for i := 0; i+1 < len(kv); i += 2 {
		pattern = strings.ReplaceAll(pattern, "{"+kv[i]+"}", kv[i+1])
	}
	return pattern
}

// date writes t's day in words ("12 mars 2026").
func (w *words) date(t time.Time) string {
	day := strconv.Itoa(t.Day())
	if t.Day() == 1 {
		day = w.DayOne
	}
	return fill(w.Date, "day", day, "month", w.Months[t.Month()-1], "year", strconv.Itoa(t.Year()))
}

// dateTime writes t's day and time ("12 mars 2026 à 14:05").
func (w *words) dateTime(t time.Time) string {
	return fill(w.DateTime, "date", w.date(t), "time", t.Format("15:04"))
}

// isoDate writes a YYYY-MM-DD day in words; anything else is printed as given.
func (w *words) isoDate(s string) string {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return s
	}
	return w.date(t)
}

// word looks code up in m. A code without words (one added to the store
// later, before the catalogue) prints as a dash, never as the code: the
// catalogue test names what is missing.
func word(m map[string]string, code string) string {
	if s, ok := m[code]; ok {
		return s
	}
	return "—"
}
