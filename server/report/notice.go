package report

import (
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"
)

// Notice is the information notice a case manager hands over or sends to
// the person a case file concerns: who keeps the file and how to reach
// them, its reference, and the instance's privacy policy, in the person's
// language. It prints nothing of the case file's content.
type Notice struct {
	// Letterhead is the unit keeping the case file (its logo, no stamp).
	Letterhead   Letterhead
	Reference    string
	ContactEmail string
	Address      string
	// Policy is the instance's privacy policy in Locale.
	Policy string
	Locale string
	Now    time.Time
}

// noticeTexts are the notice's own texts (the "notice.*" keys).
var noticeTexts = []string{"title", "intro", "keeper", "contact", "address", "reference", "policy", "header"}

// RenderNotice writes the notice n as a PDF.
func RenderNotice(n Notice) ([]byte, error) {
	return twoPasses(func(pages int) (*fpdf.Fpdf, error) { return renderNotice(n, pages) })
}

func renderNotice(n Notice, pages int) (*fpdf.Fpdf, error) {
	w := wordsFor(n.Locale)
	// A notice carries the unit's logo, never its stamp: it certifies nothing.
	d := newDoc(page{letterhead: Letterhead{Name: n.Letterhead.Name, Logo: n.Letterhead.Logo}, title: w.Text("notice.title") + " " + n.Reference,
		header: w.Text("notice.header") + " · " + n.Reference, locale: n.Locale, now: n.Now, pages: pages})
	pdf := d.pdf

	d.font("B", 16, ink)
	pdf.MultiCell(0, 7.5, w.Text("notice.title"), "", "L", false)
	pdf.Ln(2)
	d.font("", 10, ink)
	pdf.MultiCell(0, line, w.Fill("notice.intro", "name", n.Letterhead.Name), "", "L", false)
	pdf.Ln(3)
	d.field(w.Text("notice.keeper"), n.Letterhead.Name)
	if n.ContactEmail != "" {
		d.field(w.Text("notice.contact"), n.ContactEmail)
	}
	if strings.TrimSpace(n.Address) != "" {
		d.field(w.Text("notice.address"), n.Address)
	}
	d.field(w.Text("notice.reference"), n.Reference)

	d.section(w.Text("notice.policy"))
	d.font("", 9.5, ink)
	for _, para := range strings.Split(strings.TrimSpace(n.Policy), "\n") {
		if strings.TrimSpace(para) == "" {
			pdf.Ln(1.5)
			continue
		}
		pdf.MultiCell(0, 4.8, para, "", "L", false)
	}
	return pdf, pdf.Error()
}
