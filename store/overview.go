package store

import (
	"context"

	"github.com/uptrace/bun"
)

// UpcomingDeadline is a deadline on the home page, with its case file.
type UpcomingDeadline struct {
	ID        string `bun:"id" json:"id"`
	CaseID    string `bun:"case_id" json:"case_id"`
	Reference string `bun:"reference" json:"reference"`
	CaseTitle string `bun:"case_title" json:"case_title"`
	Title     string `bun:"title" json:"title"`
	DueDate   string `bun:"due_date" json:"due_date"`
}

// HelpedCase is a case file the actor helps on, with its case managers.
type HelpedCase struct {
	CaseSummary
	Kind      string   `json:"kind"`
	Assignees []string `json:"assignees"`
}

// Overview is what a person's home page shows: their case files by status,
// their next deadlines, and the case files they help on.
type Overview struct {
	Counts    map[string]int64   `json:"counts"`
	Deadlines []UpcomingDeadline `json:"deadlines"`
	Helping   []HelpedCase       `json:"helping"`
	// Inspection is, for a referent inspector, what is open to them, by
	// unit and category, with counts per status.
	Inspection []InspectedGroup `json:"inspection"`
}

// InspectedGroup is one (unit, category) open to an inspector, with the
// case files they may read there by status.
type InspectedGroup struct {
	Unit       UnitRef          `json:"unit"`
	CategoryID string           `json:"category_id"`
	Counts     map[string]int64 `json:"counts"`
}

// Overview gathers the home page of the actor. For everyone, admins
// included, "their" case files are those entrusted to them or they help on
// (their scope's own part: what they administer is left out).
func (s *Store) Overview(ctx context.Context, actor Actor) (*Overview, error) {
	if err := requireRole(actor, RoleReader); err != nil {
		return nil, err
	}
	sc, err := s.scopeOf(ctx, actor)
	if err != nil {
		return nil, err
	}
	own := sc.own()
	counts, err := s.statusCounts(ctx, actor.ID(), own)
	if err != nil {
		return nil, err
	}
	ov := &Overview{Counts: counts, Deadlines: []UpcomingDeadline{}, Helping: []HelpedCase{}, Inspection: []InspectedGroup{}}
	if ov.Inspection, err = s.inspected(ctx, sc); err != nil {
		return nil, err
	}
	now := s.now()
	err = visibleCases(s.read.NewSelect().TableExpr("deadlines AS d").Join("JOIN cases AS c ON c.id = d.case_id").
		ColumnExpr("d.id, d.case_id, c.reference, c.title AS case_title, d.title, d.due_date"), own, actor.ID(), now).
		Where("NOT d.done AND c.status NOT IN (?, ?)", CaseClosed, CaseArchived).
		OrderExpr("d.due_date, d.id").Limit(20).Scan(ctx, &ov.Deadlines)
	if err != nil {
		return nil, err
	}
	// The case files the actor helps on: the visible ones (the one rule)
	// where their own grant is a helper's.
	var helped []struct {
		CaseSummary
		Kind string `bun:"kind"`
	}
	err = visibleCases(s.read.NewSelect().TableExpr("cases AS c").
		Join("JOIN grants AS g ON g.case_id = c.id AND g.account_id = ? AND g.kind IN (?) AND g.revoked_at IS NULL", actor.ID(), bun.In(HelperKinds)).
		ColumnExpr("c.id, c.reference, c.title, c.category_id, c.status, c.outcome, c.version, c.created_at, c.updated_at, c.unit_id, g.kind"), own, actor.ID(), now).
		OrderExpr("c.updated_at DESC").Limit(100).Scan(ctx, &helped)
	if err != nil || len(helped) == 0 {
		return ov, err
	}
	// Their case managers, in one query rather than one per case file.
	ids := make([]string, len(helped))
	for i, h := range helped {
		ids[i] = h.ID
	}
	var managers []struct {
		CaseID string `bun:"case_id"`
		Name   string `bun:"name"`
	}
	err = s.read.NewSelect().TableExpr("grants AS g").Join("JOIN accounts AS a ON a.id = g.account_id").
		ColumnExpr("g.case_id, a.name").Where("g.case_id IN (?) AND g.kind = ? AND g.revoked_at IS NULL", bun.In(ids), GrantAssignee).
		OrderExpr("g.created_at").Scan(ctx, &managers)
	if err != nil {
		return nil, err
	}
	names := map[string][]string{}
	for _, m := range managers {
		names[m.CaseID] = append(names[m.CaseID], m.Name)
	}
	for _, h := range helped {
		h.Practice = IsPracticeReference(h.Reference)
		if h.Practice {
			// Its author's own practice file: they help no one on it.
			h.Kind = "practice"
		}
		ov.Helping = append(ov.Helping, HelpedCase{CaseSummary: h.CaseSummary, Kind: h.Kind, Assignees: append([]string{}, names[h.ID]...)})
	}
	return ov, nil
}

// inspected counts, per (unit, category) open to the scope as an inspector,
// the case files there by status, drafts and practice files left out: each
// pair's counters (unit_category_counts).
func (s *Store) inspected(ctx context.Context, sc *Scope) ([]InspectedGroup, error) {
	out := []InspectedGroup{}
	for _, p := range sc.Inspect {
		var rows []struct {
			Status string `bun:"status"`
			N      int64  `bun:"n"`
		}
		if err := s.read.NewSelect().TableExpr("unit_category_counts AS k").ColumnExpr("k.status, k.n").
			Where("k.unit_id = ? AND k.category_id = ? AND k.status <> ? AND k.n > 0", p.Unit, p.Category, CaseDraft).
			Scan(ctx, &rows); err != nil {
			return nil, err
		}
		g := InspectedGroup{Unit: UnitRef{ID: p.Unit}, CategoryID: p.Category, Counts: map[string]int64{}}
		for _, r := range rows {
			g.Counts[r.Status] = r.N
		}
		if err := s.read.NewSelect().TableExpr("units AS u").ColumnExpr("u.name, u.code").Where("u.id = ?", p.Unit).
			Scan(ctx, &g.Unit.Name, &g.Unit.Code); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, nil
}
