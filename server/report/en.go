package report

import "cloison/store"

// english is the report in English.
var english = words{
	Title:       "Case-file report",
	Reference:   "Reference",
	Category:    "Category",
	Status:      "Status",
	Outcome:     "Outcome",
	FactsDate:   "Date of the facts",
	Place:       "Place, establishment",
	Assignees:   "Case managers",
	Created:     "Created on",
	Updated:     "Updated on",
	Summary:     "Summary",
	Timeline:    "Timeline",
	Notes:       "Notes",
	Deadlines:   "Deadlines",
	Attachments: "Attachments",
	None:        "None",
	Done:        "done",
	Overdue:     "overdue",
	Generated:   "Generated on {datetime} — confidential",
	Page:        "{page} / {pages}",
	Date:        "{day} {month} {year}",
	DayOne:      "1",
	Months: [12]string{"January", "February", "March", "April", "May", "June",
		"July", "August", "September", "October", "November", "December"},
	DateTime: "{date} at {time}",
	Size:     "{n} KB",
	Added:    "added on {date}",
	Statuses: map[string]string{
		store.CaseDraft: "Draft", store.CaseOpen: "Open", store.CasePending: "Amicable steps",
		store.CaseLitigation: "Litigation", store.CaseClosed: "Closed", store.CaseArchived: "Archived",
	},
	Outcomes: map[string]string{
		"obtained": "Obtained", "partial": "Partly obtained", "rejected": "Rejected", "abandoned": "Abandoned",
	},
	Events: map[string]string{
		"created":    "Case file created",
		"transition": "Status: {from} → {to}",
		"updated":    "Changed: {fields}",
		"assignees":  "Case managers changed",
	},
	Fields: map[string]string{
		"title": "title", "category_id": "category", "summary": "summary", "facts_date": "date of the facts", "place": "place",
	},
	CategoryLabel: func(c store.Category) string { return c.LabelEN },
}
