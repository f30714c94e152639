// Package report renders a case file's report as a PDF, in the reader's
// language, as a document an association sends: its name at the top of
// every page, dates and statuses in words, page numbers "1 / N". It prints
// what the store gathered and nothing else: no helper, no "major"
// collaboration flag.
package report

import (
	"bytes"
	_ "embed" // the fonts
	"fmt"
	"strconv"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"cloison/store"
)

// The PDF core fonts know only Windows-1252: no arrow, no "ő", no
// Vietnamese. DejaVu Sans covers the Latin scripts whole; fpdf embeds the
// subset a report uses. See fonts/README and fonts/LICENSE.
var (
	//go:embed fonts/DejaVuSans.ttf
	fontRegular []byte
	//go:embed fonts/DejaVuSans-Bold.ttf
	fontBold []byte
)

const family = "DejaVu"

// Letterhead is who the report comes from, at the top of every page: the
// instance's name (instance.name) today; a unit's name and logo once case
// files belong to units.
type Letterhead struct {
	Name string
}

// Options are what a report depends on besides the case file.
type Options struct {
	Letterhead Letterhead
	// Locale is the reader's language; French when unknown.
	Locale string
	// Now is when the report is made; its time zone is the one every date
	// of the report is written in.
	Now time.Time
}

// Render writes the report of r as a PDF.
func Render(r *store.CaseReport, opts Options) ([]byte, error) {
	// "1 / N" needs N from the first page on: a first pass counts the
	// pages, the second prints them.
	counted, err := render(r, opts, 0)
	if err != nil {
		return nil, err
	}
	pdf, err := render(r, opts, counted.PageCount())
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return buf.Bytes(), nil
}

// Page layout, in millimetres on A4.
const (
	margin     = 20.0
	labelWidth = 46.0
	dateWidth  = 40.0
	line       = 5.5
)

// Colours: text, secondary text, rules.
var (
	ink   = [3]int{33, 37, 41}
	muted = [3]int{108, 117, 125}
	rule  = [3]int{190, 195, 200}
)

// doc is one rendering in progress.
type doc struct {
	pdf *fpdf.Fpdf
	w   *words
	loc *time.Location
}

func render(r *store.CaseReport, opts Options, pages int) (*fpdf.Fpdf, error) {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.AddUTF8FontFromBytes(family, "", fontRegular)
	pdf.AddUTF8FontFromBytes(family, "B", fontBold)
	d := &doc{pdf: pdf, w: wordsFor(opts.Locale), loc: opts.Now.Location()}
	w, c := d.w, r.Case

	pdf.SetMargins(margin, 27, margin)
	pdf.SetAutoPageBreak(true, 22)
	pdf.SetTitle(w.Title+" "+c.Reference, true)
	pdf.SetAuthor(opts.Letterhead.Name, true)
	pdf.SetCreator("Cloison", true)
	pdf.SetLang(opts.Locale)
	pdf.SetCreationDate(opts.Now)
	pdf.SetHeaderFunc(func() { d.header(opts.Letterhead, c.Reference) })
	pdf.SetFooterFunc(func() { d.footer(opts.Now, pages) })
	pdf.AddPage()

	d.font("B", 16, ink)
	pdf.MultiCell(0, 7.5, c.Title, "", "L", false)
	pdf.Ln(3)

	d.field(w.Reference, c.Reference)
	d.field(w.Category, w.CategoryLabel(r.Category))
	d.field(w.Status, word(w.Statuses, c.Status))
	if c.Outcome != nil {
		d.field(w.Outcome, word(w.Outcomes, *c.Outcome))
	}
	if c.FactsDate != nil {
		d.field(w.FactsDate, w.isoDate(*c.FactsDate))
	}
	if c.Place != "" {
		d.field(w.Place, c.Place)
	}
	names := make([]string, len(r.Assignees))
	for i, p := range r.Assignees {
		names[i] = p.Name
	}
	d.field(w.Assignees, orNone(strings.Join(names, ", "), w))
	d.field(w.Created, w.date(c.CreatedAt.In(d.loc)))
	d.field(w.Updated, w.date(c.UpdatedAt.In(d.loc)))

	d.section(w.Summary)
	d.font("", 10, ink)
	pdf.MultiCell(0, line, orNone(c.Summary, w), "", "L", false)

	d.section(w.Timeline)
	for _, h := range r.History {
		if text, ok := d.event(h); ok {
			d.dated(w.date(h.At.In(d.loc)), text)
		}
	}

	d.section(w.Notes)
	if len(r.Notes) == 0 {
		d.none()
	}
	for _, n := range r.Notes {
		d.font("B", 9, muted)
		pdf.MultiCell(0, line, w.dateTime(n.CreatedAt.In(d.loc))+" — "+n.AuthorName, "", "L", false)
		d.font("", 10, ink)
		pdf.MultiCell(0, line, n.Body, "", "L", false)
		pdf.Ln(2)
	}

	d.section(w.Deadlines)
	if len(r.Deadlines) == 0 {
		d.none()
	}
	today := opts.Now.Format(time.DateOnly)
	for _, dl := range r.Deadlines {
		text := dl.Title
		switch {
		case dl.Done:
			text += " (" + w.Done + ")"
		case dl.DueDate < today:
			text += " (" + w.Overdue + ")"
		}
		d.dated(w.isoDate(dl.DueDate), text)
	}

	d.section(w.Attachments)
	if len(r.Attachments) == 0 {
		d.none()
	}
	for _, a := range r.Attachments {
		d.font("", 10, ink)
		pdf.MultiCell(0, line, a.Filename+" — "+fill(w.Size, "n", strconv.FormatInt((a.Size+1023)/1024, 10))+
			" — "+fill(w.Added, "date", w.date(a.CreatedAt.In(d.loc))), "", "L", false)
	}
	if err := pdf.Error(); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return pdf, nil
}

// event words a history entry, and says whether the report prints it:
// collaborations stay out of the report, like the helpers themselves.
func (d *doc) event(h store.HistoryEntry) (string, bool) {
	w := d.w
	pattern, ok := w.Events[h.Kind]
	if !ok {
		return "", false
	}
	fields := make([]string, len(h.Fields))
	for i, f := range h.Fields {
		fields[i] = word(w.Fields, f)
	}
	text := fill(pattern, "from", word(w.Statuses, h.FromStatus), "to", word(w.Statuses, h.ToStatus),
		"fields", strings.Join(fields, ", "))
	if h.Kind == "transition" && h.Comment != "" {
		text += " — " + h.Comment
	}
	return text, true
}

// header prints the letterhead and the document's name on every page.
func (d *doc) header(lh Letterhead, reference string) {
	pdf := d.pdf
	pdf.SetY(12)
	right := d.w.Title + " · " + reference
	d.font("", 9, muted)
	rightWidth := pdf.GetStringWidth(right) + 2
	d.font("B", 11, ink)
	pdf.CellFormat(210-2*margin-rightWidth, 6, fit(pdf, lh.Name, 210-2*margin-rightWidth-4), "", 0, "L", false, 0, "")
	d.font("", 9, muted)
	pdf.CellFormat(0, 6, right, "", 1, "R", false, 0, "")
	d.rule(19.5)
	pdf.SetY(27)
}

// footer prints when the report was made and "page / pages".
func (d *doc) footer(now time.Time, pages int) {
	pdf := d.pdf
	d.rule(297 - 16)
	pdf.SetY(-15)
	d.font("", 8, muted)
	pdf.CellFormat(140, 5, fill(d.w.Generated, "datetime", d.w.dateTime(now)), "", 0, "L", false, 0, "")
	pdf.CellFormat(0, 5, fill(d.w.Page, "page", strconv.Itoa(pdf.PageNo()), "pages", strconv.Itoa(pages)), "", 0, "R", false, 0, "")
}

// field prints one line of the case file's summary: label, then value.
func (d *doc) field(label, value string) {
	d.font("", 9.5, muted)
	d.pdf.CellFormat(labelWidth, line+0.5, label, "", 0, "L", false, 0, "")
	d.font("", 10, ink)
	d.pdf.MultiCell(0, line+0.5, value, "", "L", false)
}

// dated prints an entry of a dated list: the day, then the text.
func (d *doc) dated(day, text string) {
	d.font("", 9.5, muted)
	d.pdf.CellFormat(dateWidth, line, day, "", 0, "L", false, 0, "")
	d.font("", 10, ink)
	d.pdf.MultiCell(0, line, text, "", "L", false)
	d.pdf.Ln(0.8)
}

func (d *doc) section(title string) {
	d.pdf.Ln(5)
	d.font("B", 12, ink)
	d.pdf.CellFormat(0, 7, title, "", 1, "L", false, 0, "")
	d.rule(d.pdf.GetY())
	d.pdf.Ln(2)
}

func (d *doc) none() {
	d.font("", 10, muted)
	d.pdf.MultiCell(0, line, d.w.None, "", "L", false)
}

func (d *doc) rule(y float64) {
	d.pdf.SetDrawColor(rule[0], rule[1], rule[2])
	d.pdf.SetLineWidth(0.2)
	d.pdf.Line(margin, y, 210-margin, y)
}

func (d *doc) font(style string, size float64, colour [3]int) {
	d.pdf.SetFont(family, style, size)
	d.pdf.SetTextColor(colour[0], colour[1], colour[2])
}

// fit shortens s with an ellipsis until it is at most width wide.
func fit(pdf *fpdf.Fpdf, s string, width float64) string {
	if pdf.GetStringWidth(s) <= width {
		return s
	}
	r := []rune(s)
	for len(r) > 0 && pdf.GetStringWidth(string(r)+"…") > width {
		r = r[:len(r)-1]
	}
	return string(r) + "…"
}

func orNone(s string, w *words) string {
	if strings.TrimSpace(s) == "" {
		return w.None
	}
	return s
}
