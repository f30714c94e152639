package report

import "cloison/store"

// french is the report in French, the default.
var french = words{
	Title:       "Rapport de dossier",
	Reference:   "Référence",
	Category:    "Catégorie",
	Status:      "Statut",
	Outcome:     "Issue",
	FactsDate:   "Date des faits",
	Place:       "Lieu, établissement",
	Assignees:   "Gestionnaires",
	Created:     "Créé le",
	Updated:     "Mis à jour le",
	Summary:     "Résumé",
	Timeline:    "Chronologie",
	Notes:       "Notes",
	Deadlines:   "Échéances",
	Attachments: "Pièces jointes",
	None:        "Aucune",
	Done:        "faite",
	Overdue:     "dépassée",
	Generated:   "Document généré le {datetime} — confidentiel",
	Page:        "{page} / {pages}",
	Date:        "{day} {month} {year}",
	DayOne:      "1er",
	Months: [12]string{"janvier", "février", "mars", "avril", "mai", "juin",
		"juillet", "août", "septembre", "octobre", "novembre", "décembre"},
	DateTime: "{date} à {time}",
	Size:     "{n} Ko",
	Added:    "ajoutée le {date}",
	Statuses: map[string]string{
		store.CaseDraft: "Ébauche", store.CaseOpen: "Ouvert", store.CasePending: "Démarche amiable",
		store.CaseLitigation: "Contentieux", store.CaseClosed: "Clos", store.CaseArchived: "Archivé",
	},
	Outcomes: map[string]string{
		"obtained": "Obtenu", "partial": "Partiellement obtenu", "rejected": "Rejeté", "abandoned": "Abandonné",
	},
	Events: map[string]string{
		"created":    "Dossier créé",
		"transition": "Statut : {from} → {to}",
		"updated":    "Modifié : {fields}",
		"assignees":  "Gestionnaires du dossier changés",
	},
	Fields: map[string]string{
		"title": "titre", "category_id": "catégorie", "summary": "résumé", "facts_date": "date des faits", "place": "lieu",
	},
	CategoryLabel: func(c store.Category) string { return c.LabelFR },
}
