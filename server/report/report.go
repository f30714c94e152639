// Package report renders a case file's report as a PDF, in French or
// English. It prints what the store gathered and nothing else: no helper,
// no "major" collaboration flag.
package report

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"cloison/store"
)

// labels are the report's words, French first.
var labels = map[string][2]string{
	"title":       {"Rapport de dossier", "Case-file report"},
	"reference":   {"Référence", "Reference"},
	"category":    {"Catégorie", "Category"},
	"status":      {"Statut", "Status"},
	"outcome":     {"Issue", "Outcome"},
	"facts_date":  {"Date des faits", "Date of the facts"},
	"place":       {"Lieu, établissement", "Place, establishment"},
	"assignees":   {"Gestionnaires", "Case managers"},
	"created":     {"Créé le", "Created on"},
	"updated":     {"Mis à jour le", "Updated on"},
	"summary":     {"Résumé", "Summary"},
	"timeline":    {"Chronologie", "Timeline"},
	"notes":       {"Notes", "Notes"},
	"deadlines":   {"Échéances", "Deadlines"},
	"attachments": {"Pièces jointes", "Attachments"},
	"none":        {"Aucune", "None"},
	"done":        {"faite", "done"},
	"generated":   {"Document généré le %s — confidentiel", "Generated on %s — confidential"},
	"draft":       {"Ébauche", "Draft"},
	"open":        {"Ouvert", "Open"},
	"pending":     {"Démarche amiable", "Amicable steps"},
	"litigation":  {"Contentieux", "Litigation"},
	"closed":      {"Clos", "Closed"},
	"archived":    {"Archivé", "Archived"},
	"obtained":    {"Obtenu", "Obtained"},
	"partial":     {"Partiellement obtenu", "Partly obtained"},
	"rejected":    {"Rejeté", "Rejected"},
	"abandoned":   {"Abandonné", "Abandoned"},
	"created_ev":  {"Création", "Created"},
	"transition":  {"Changement de statut", "Status change"},
}

func label(key, locale string) string {
	l, ok := labels[key]
	if !ok {
		return key
	}
	if locale == "en" {
		return l[1]
	}
	return l[0]
}

// Render writes the report of r in locale ("fr" or "en") at time now.
func Render(r *store.CaseReport, locale string, now time.Time) ([]byte, error) {
	pdf := fpdf.New("P", "mm", "A4", "")
	// The core fonts speak Windows-1252, which covers French; the translator
	// maps UTF-8 text onto it.
	tr := pdf.UnicodeTranslatorFromDescriptor("")
	L := func(k string) string { return tr(label(k, locale)) }
	dateFmt := "02/01/2006"
	if locale == "en" {
		dateFmt = "2006-01-02"
	}
	c := r.Case
	pdf.SetTitle(tr(label("title", locale)+" "+c.Reference), false)
	pdf.SetCreator("Cloison", false)
	pdf.SetFooterFunc(func() {
		pdf.SetY(-15)
		pdf.SetFont("Helvetica", "I", 8)
		pdf.CellFormat(0, 10, tr(fmt.Sprintf(label("generated", locale), now.Format(dateFmt+" 15:04")))+fmt.Sprintf("  %d", pdf.PageNo()), "", 0, "C", false, 0, "")
	})
	pdf.AddPage()

	pdf.SetFont("Helvetica", "B", 16)
	pdf.MultiCell(0, 8, tr(c.Title), "", "L", false)
	pdf.SetFont("Helvetica", "", 10)
	pdf.CellFormat(0, 6, L("title")+" — "+c.Reference, "", 1, "L", false, 0, "")
	pdf.Ln(3)

	field := func(name, value string) {
		pdf.SetFont("Helvetica", "B", 10)
		pdf.CellFormat(50, 6, L(name), "", 0, "L", false, 0, "")
		pdf.SetFont("Helvetica", "", 10)
		pdf.MultiCell(0, 6, tr(value), "", "L", false)
	}
	category := r.Category.LabelFR
	if locale == "en" {
		category = r.Category.LabelEN
	}
	field("reference", c.Reference)
	field("category", category)
	field("status", label(c.Status, locale))
	if c.Outcome != nil {
		field("outcome", label(*c.Outcome, locale))
	}
	if c.FactsDate != nil {
		if d, err := time.Parse("2006-01-02", *c.FactsDate); err == nil {
			field("facts_date", d.Format(dateFmt))
		}
	}
	if c.Place != "" {
		field("place", c.Place)
	}
	names := make([]string, len(r.Assignees))
	for i, p := range r.Assignees {
		names[i] = p.Name
	}
	field("assignees", strings.Join(names, ", "))
	field("created", c.CreatedAt.Format(dateFmt))
	field("updated", c.UpdatedAt.Format(dateFmt))

	section := func(name string) {
		pdf.Ln(4)
		pdf.SetFont("Helvetica", "B", 12)
		pdf.CellFormat(0, 8, L(name), "B", 1, "L", false, 0, "")
		pdf.SetFont("Helvetica", "", 10)
		pdf.Ln(1)
	}
	section("summary")
	pdf.MultiCell(0, 5, tr(orNone(c.Summary, locale)), "", "L", false)

	section("timeline")
	for _, h := range r.History {
		if h.Kind != "transition" && h.Kind != "created" {
			continue
		}
		line := h.At.Format(dateFmt) + "  "
		if h.Kind == "created" {
			line += label("created_ev", locale)
		} else {
			line += label(h.FromStatus, locale) + " → " + label(h.ToStatus, locale)
		}
		if h.Comment != "" {
			line += " — " + h.Comment
		}
		pdf.MultiCell(0, 5, tr(line), "", "L", false)
	}

	section("notes")
	if len(r.Notes) == 0 {
		pdf.MultiCell(0, 5, L("none"), "", "L", false)
	}
	for _, n := range r.Notes {
		pdf.SetFont("Helvetica", "B", 9)
		pdf.MultiCell(0, 5, tr(n.CreatedAt.Format(dateFmt+" 15:04")+" — "+n.AuthorName), "", "L", false)
		pdf.SetFont("Helvetica", "", 10)
		pdf.MultiCell(0, 5, tr(n.Body), "", "L", false)
		pdf.Ln(1)
	}

	section("deadlines")
	if len(r.Deadlines) == 0 {
		pdf.MultiCell(0, 5, L("none"), "", "L", false)
	}
	for _, d := range r.Deadlines {
		due := d.DueDate
		if t, err := time.Parse("2006-01-02", d.DueDate); err == nil {
			due = t.Format(dateFmt)
		}
		line := due + "  " + d.Title
		if d.Done {
			line += " (" + label("done", locale) + ")"
		}
		pdf.MultiCell(0, 5, tr(line), "", "L", false)
	}

	section("attachments")
	if len(r.Attachments) == 0 {
		pdf.MultiCell(0, 5, L("none"), "", "L", false)
	}
	for _, a := range r.Attachments {
		pdf.MultiCell(0, 5, tr(fmt.Sprintf("%s (%s, %d Ko) — %s", a.Filename, a.MediaType, (a.Size+1023)/1024, a.CreatedAt.Format(dateFmt))), "", "L", false)
	}

	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return buf.Bytes(), nil
}

func orNone(s, locale string) string {
	if strings.TrimSpace(s) == "" {
		return label("none", locale)
	}
	return s
}
