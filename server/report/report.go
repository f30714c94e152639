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
	"slices"
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

// Letterhead is who the report comes from: the case file's unit, its name
// and logo at the top of every page, its stamp at the end.
type Letterhead struct {
	Name  string
	Logo  Image
	Stamp Image
}

// Image is a picture a report prints: PNG or JPEG (Type is its media
// type); empty, it is left out.
type Image struct {
	Data []byte
	Type string
}

// pdfType is the image's type as the PDF writer names it, or "" for one it
// does not take.
func (img Image) pdfType() string {
	switch img.Type {
	case "image/png":
		return "PNG"
	case "image/jpeg":
		return "JPG"
	}
	return ""
}

// Sizes of the letterhead's images, in millimetres: the logo's height and
// greatest width, the stamp's greatest side.
const (
	logoHeight   = 8.0
	logoMaxWidth = 40.0
	stampMax     = 40.0
)

// Options are what a report depends on besides the case file.
type Options struct {
	Letterhead Letterhead
	// Locale is the reader's language; French when unknown.
	Locale string
	// InstanceLocale is the instance's language (instance.default_locale),
	// for a category named in no other.
	InstanceLocale string
	// Now is when the report is made; its time zone is the one every date
	// of the report is written in.
	Now time.Time
}

// Render writes the report of r as a PDF.
func Render(r *store.CaseReport, opts Options) ([]byte, error) {
	return twoPasses(func(pages int) (*fpdf.Fpdf, error) { return render(r, opts, pages) })
}

// twoPasses renders a document twice and writes the second: "1 / N" needs
// N from the first page on, so a first pass counts the pages.
func twoPasses(render func(pages int) (*fpdf.Fpdf, error)) ([]byte, error) {
	counted, err := render(0)
	if err != nil {
		return nil, err
	}
	pdf, err := render(counted.PageCount())
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return buf.Bytes(), nil
}

// page is how a document's pages look: whose letterhead heads them, what
// the header names on the right, the document's title, language and date.
type page struct {
	letterhead    Letterhead
	title, header string
	locale        string
	now           time.Time
	pages         int
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
	w   words
	loc *time.Location
	// logo and stamp are the sizes of the letterhead's images as printed,
	// zero for one there is not (or that the PDF writer could not read).
	logo, stamp [2]float64
}

// newDoc starts a document of A4 pages with the letterhead's logo and
// stamp, the header and the footer, on its first page.
func newDoc(p page) *doc {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.AddUTF8FontFromBytes(family, "", fontRegular)
	pdf.AddUTF8FontFromBytes(family, "B", fontBold)
	d := &doc{pdf: pdf, w: wordsFor(p.locale), loc: p.now.Location()}
	d.logo = d.place("logo", p.letterhead.Logo, logoMaxWidth, logoHeight)
	d.stamp = d.place("stamp", p.letterhead.Stamp, stampMax, stampMax)
	pdf.SetMargins(margin, 27, margin)
	pdf.SetAutoPageBreak(true, 22)
	pdf.SetTitle(p.title, true)
	pdf.SetAuthor(p.letterhead.Name, true)
	pdf.SetCreator("Cloison", true)
	pdf.SetLang(p.locale)
	pdf.SetCreationDate(p.now)
	pdf.SetHeaderFunc(func() { d.header(p.letterhead, p.header) })
	pdf.SetFooterFunc(func() { d.footer(p.now, p.pages) })
	pdf.AddPage()
	return d
}

// place registers img under name and returns the size it is printed at,
// within maxW × maxH; an image the PDF writer cannot read is left out
// rather than fail the report, tried first on a document of its own
// (the writer's errors are sticky).
func (d *doc) place(name string, img Image, maxW, maxH float64) [2]float64 {
	kind := img.pdfType()
	if len(img.Data) == 0 || kind == "" {
		return [2]float64{}
	}
	opts := fpdf.ImageOptions{ImageType: kind}
	probe := fpdf.New("P", "mm", "A4", "")
	if info := probe.RegisterImageOptionsReader(name, opts, bytes.NewReader(img.Data)); !probe.Ok() || info.Width() <= 0 || info.Height() <= 0 {
		return [2]float64{}
	}
	info := d.pdf.RegisterImageOptionsReader(name, opts, bytes.NewReader(img.Data))
	w, h := maxW, maxW*info.Height()/info.Width()
	if h > maxH {
		w, h = maxH*info.Width()/info.Height(), maxH
	}
	return [2]float64{w, h}
}

func render(r *store.CaseReport, opts Options, pages int) (*fpdf.Fpdf, error) {
	w, c := wordsFor(opts.Locale), r.Case
	d := newDoc(page{letterhead: opts.Letterhead, title: w.Text("report.title") + " " + c.Reference,
		header: w.Text("report.title") + " · " + c.Reference, locale: opts.Locale, now: opts.Now, pages: pages})
	pdf := d.pdf

	d.font("B", 16, ink)
	pdf.MultiCell(0, 7.5, c.Title, "", "L", false)
	pdf.Ln(3)

	d.field(w.Text("report.reference"), c.Reference)
	d.field(w.Text("report.category"), w.categoryLabel(r.Category, opts.InstanceLocale))
	d.field(w.Text("report.status"), w.word("status", c.Status))
	if c.Outcome != nil {
		d.field(w.Text("report.outcome"), w.word("outcome", *c.Outcome))
	}
	if c.FactsDate != nil {
		d.field(w.Text("report.facts_date"), w.ISODate(*c.FactsDate))
	}
	if c.Place != "" {
		d.field(w.Text("report.place"), c.Place)
	}
	names := make([]string, len(r.Assignees))
	for i, p := range r.Assignees {
		names[i] = p.Name
	}
	d.field(w.Text("report.assignees"), orNone(strings.Join(names, ", "), w))
	d.field(w.Text("report.created"), w.Date(c.CreatedAt.In(d.loc)))
	d.field(w.Text("report.updated"), w.Date(c.UpdatedAt.In(d.loc)))

	d.section(w.Text("report.summary"))
	d.font("", 10, ink)
	pdf.MultiCell(0, line, orNone(c.Summary, w), "", "L", false)

	d.section(w.Text("report.timeline"))
	for _, h := range r.History {
		if text, ok := d.event(h); ok {
			d.dated(w.Date(h.At.In(d.loc)), text)
		}
	}

	d.section(w.Text("report.notes"))
	if len(r.Notes) == 0 {
		d.none()
	}
	for _, n := range r.Notes {
		d.font("B", 9, muted)
		pdf.MultiCell(0, line, w.DateTime(n.CreatedAt.In(d.loc))+" — "+n.AuthorName, "", "L", false)
		d.font("", 10, ink)
		pdf.MultiCell(0, line, n.Body, "", "L", false)
		pdf.Ln(2)
	}

	d.section(w.Text("report.deadlines"))
	if len(r.Deadlines) == 0 {
		d.none()
	}
	today := opts.Now.Format(time.DateOnly)
	for _, dl := range r.Deadlines {
		text := dl.Title
		switch {
		case dl.Done:
			text += " (" + w.Text("report.done") + ")"
		case dl.DueDate < today:
			text += " (" + w.Text("report.overdue") + ")"
		}
		d.dated(w.ISODate(dl.DueDate), text)
	}

	d.section(w.Text("report.attachments"))
	if len(r.Attachments) == 0 {
		d.none()
	}
	for _, a := range r.Attachments {
		d.font("", 10, ink)
		pdf.MultiCell(0, line, a.Filename+" — "+w.Fill("report.size", "n", strconv.FormatInt((a.Size+1023)/1024, 10))+
			" — "+w.Fill("report.added", "date", w.Date(a.CreatedAt.In(d.loc))), "", "L", false)
	}
	d.printStamp()
	if err := pdf.Error(); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return pdf, nil
}

// event words a history entry, and says whether the report prints it:
// collaborations stay out of the report, like the helpers themselves.
func (d *doc) event(h store.HistoryEntry) (string, bool) {
	w := d.w
	if !slices.Contains(printedEvents, h.Kind) {
		return "", false
	}
	fields := make([]string, len(h.Fields))
	for i, f := range h.Fields {
		fields[i] = w.word("report.field", f)
	}
	text := w.Fill("report.event."+h.Kind, "from", w.word("status", h.FromStatus), "to", w.word("status", h.ToStatus),
		"fields", strings.Join(fields, ", "))
	if h.Kind == "transition" && h.Comment != "" {
		text += " — " + h.Comment
	}
	return text, true
}

// header prints the letterhead and, on the right, the document's name on
// every page.
func (d *doc) header(lh Letterhead, right string) {
	pdf := d.pdf
	pdf.SetY(12)
	d.font("", 9, muted)
	rightWidth := pdf.GetStringWidth(right) + 2
	nameWidth := 210 - 2*margin - rightWidth
	if d.logo[0] > 0 {
		pdf.ImageOptions("logo", margin, 15-d.logo[1]/2, d.logo[0], d.logo[1], false, fpdf.ImageOptions{}, 0, "")
		pdf.SetX(margin + d.logo[0] + 3)
		nameWidth -= d.logo[0] + 3
	}
	d.font("B", 11, ink)
	pdf.CellFormat(nameWidth, 6, fit(pdf, lh.Name, nameWidth-4), "", 0, "L", false, 0, "")
	d.font("", 9, muted)
	pdf.CellFormat(0, 6, right, "", 1, "R", false, 0, "")
	d.rule(19.5)
	pdf.SetY(27)
}

// printStamp prints the unit's stamp at the end of the report, on the
// right, on a new page when this one has no room left.
func (d *doc) printStamp() {
	if d.stamp[0] == 0 {
		return
	}
	pdf := d.pdf
	_, pageHeight := pdf.GetPageSize()
	_, _, _, bottom := pdf.GetMargins()
	y := pdf.GetY() + 8
	if y+d.stamp[1] > pageHeight-bottom {
		pdf.AddPage()
		y = pdf.GetY()
	}
	pdf.ImageOptions("stamp", 210-margin-d.stamp[0], y, d.stamp[0], d.stamp[1], false, fpdf.ImageOptions{}, 0, "")
	pdf.SetY(y + d.stamp[1])
}

// footer prints when the report was made and "page / pages".
func (d *doc) footer(now time.Time, pages int) {
	pdf := d.pdf
	d.rule(297 - 16)
	pdf.SetY(-15)
	d.font("", 8, muted)
	pdf.CellFormat(140, 5, d.w.Fill("report.generated", "datetime", d.w.DateTime(now)), "", 0, "L", false, 0, "")
	pdf.CellFormat(0, 5, d.w.Fill("report.page", "page", strconv.Itoa(pdf.PageNo()), "pages", strconv.Itoa(pages)), "", 0, "R", false, 0, "")
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
	d.pdf.MultiCell(0, line, d.w.Text("report.none"), "", "L", false)
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

func orNone(s string, w words) string {
	if strings.TrimSpace(s) == "" {
		return w.Text("report.none")
	}
	return s
}
