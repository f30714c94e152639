package store

import "context"

// CaseReport is everything the case-file report prints. It holds no helper
// and no "major" flag: collaboration is shown on the case file, never in the
// report.
type CaseReport struct {
	Case        *Case
	Category    Category
	Assignees   []Person
	Notes       []Note
	Deadlines   []Deadline
	Attachments []Attachment
	History     []HistoryEntry
	// Letterhead is the case file's unit: its name, logo and stamp.
	Letterhead Letterhead
}

// Report gathers a case file's report: for its assignees and admins only;
// helpers get ErrForbidden.
func (s *Store) Report(ctx context.Context, actor Actor, id string) (*CaseReport, error) {
	c, rel, err := s.caseFor(ctx, s.read, actor, id, false)
	if err != nil {
		return nil, err
	}
	if !rel.manager() {
		return nil, ErrForbidden
	}
	r := &CaseReport{Case: c}
	if err := s.read.NewSelect().Model(&r.Category).Where("id = ?", c.CategoryID).Scan(ctx); err != nil {
		return nil, err
	}
	if r.Assignees, err = s.assigneesOf(ctx, s.read, c.ID); err != nil {
		return nil, err
	}
	// The case file passed the predicate once, above; its parts follow from it.
	if r.Notes, err = s.notesOf(ctx, c); err != nil {
		return nil, err
	}
	if r.Deadlines, err = s.deadlinesOf(ctx, c); err != nil {
		return nil, err
	}
	if r.Attachments, err = s.attachmentsOf(ctx, c); err != nil {
		return nil, err
	}
	if r.History, err = s.historyOf(ctx, c); err != nil {
		return nil, err
	}
	if r.Letterhead, err = s.letterhead(ctx, s.read, c.UnitID); err != nil {
		return nil, err
	}
	return r, nil
}
