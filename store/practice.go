package store

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"cloison/store/engine"
)

// Practice case files (DESIGN.md, "practice case file"): a helper's case
// files of their own, to practise on. CreateCase makes them; the visibility
// rule (visibility.go) shows them to their author alone; the counters and
// the admins' ranges leave them out (migration 60); collaborations,
// assignments, transfers and inspectors refuse them (errPractice).

// practicePrefix starts a practice file's reference instead of "R-": the
// lists read the reference already (grants carry it), so every list shows
// a practice file as one without reading anything more.
const practicePrefix = "P-"

// IsPracticeReference tells whether a reference is a practice file's.
func IsPracticeReference(ref string) bool { return strings.HasPrefix(ref, practicePrefix) }

// errPractice refuses what a practice file never is: entrusted, shared,
// transferred.
var errPractice = Coded(ErrConflict, "practice")

// sqlHelpedUnits are the units of the case files an account helps on now,
// practice files left out (their author's grant is a trainee's too).
var sqlHelpedUnits = statements.Read(`SELECT DISTINCT c.unit_id FROM grants AS g INDEXED BY grants_list
	JOIN cases AS c ON c.id = g.case_id
	WHERE g.account_id = ? AND g.revoked_at IS NULL AND g.kind <> 'assignee'
	AND +g.starts_at <= ? AND (g.ends_at IS NULL OR +g.ends_at > ?) AND NOT c.practice
	ORDER BY c.unit_id`)

// practiceUnit is the unit a practice file of the account is created in.
// Who may: a person who edits for a unit or helps on a live case file, and
// administers nothing (an admin sees every case file of their units: a
// practice file there would be theirs to see and not to see). Where: the
// unit asked for among those; without one, the first unit they edit for,
// else the unit of a case file they help on. Anyone else is refused like a
// reader asking to create a case file (403). It also tells whether
// category is active (see activeUnitToCreateIn).
func (s *Store) practiceUnit(ctx context.Context, sc *Scope, accountID, asked, category string) (*Unit, bool, error) {
	if !sc.reachesCases() || sc.All || sc.AdminsAny() {
		return nil, false, ErrForbidden
	}
	candidates := slices.Clone(sc.EditorUnits)
	now := s.now()
	rows, err := s.db.Query(ctx, s.read, sqlHelpedUnits, accountID, now, now)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			return nil, false, err
		}
		candidates = appendNew(candidates, u)
	}
	if err := rows.Close(); err != nil {
		return nil, false, err
	}
	if len(candidates) == 0 {
		return nil, false, ErrForbidden
	}
	if asked == "" {
		asked = candidates[0]
	}
	if !slices.Contains(candidates, asked) {
		return nil, false, Invalid("unit_id", "unknown")
	}
	return s.activeUnitToCreateIn(ctx, sc, asked, category)
}

// MayPractise tells whether the actor may create practice case files, for
// the SPA to offer it (CreateCase decides again).
func (s *Store) MayPractise(ctx context.Context, actor Actor) (bool, error) {
	if actor.Account == nil {
		return false, nil
	}
	sc, err := s.scopeOf(ctx, actor)
	if err != nil {
		return false, err
	}
	_, _, err = s.practiceUnit(ctx, sc, actor.ID(), "", "")
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, ErrForbidden), errors.As(err, new(*ValidationError)):
		return false, nil
	}
	return false, err
}

// sqlPracticeForAdmin reads a practice file for one who may delete it
// without seeing it: its unit's or organisation's admins, instance admins.
var sqlPracticeForAdmin = statements.Read(`SELECT ` + caseColumns + `, NULL, 0
	FROM cases AS c JOIN units AS u ON u.id = c.unit_id WHERE c.id = ? AND c.practice`)

// practiceForAdmin is the practice file id for an admin of its unit who may
// delete it (with a reason), or ErrNotFound: no one else learns it exists.
func (s *Store) practiceForAdmin(ctx context.Context, db bun.IDB, actor Actor, id string) (*Case, error) {
	sc, err := s.scopeOf(ctx, actor)
	if err != nil {
		return nil, err
	}
	if !sc.Active || !sc.AdminsAny() {
		return nil, ErrNotFound
	}
	found, err := s.readCase(ctx, db, sqlPracticeForAdmin, false, id)
	if err != nil {
		return nil, err
	}
	c := found.c
	if c == nil || !sc.AdminsUnit(c.OrgID, c.UnitID) {
		return nil, ErrNotFound
	}
	return c, nil
}

// PracticeRef is a practice file as an instance admin sees it on its
// author's account: enough to delete it, nothing of its content.
type PracticeRef struct {
	ID        string    `json:"id"`
	Reference string    `json:"reference"`
	UnitID    string    `json:"unit_id"`
	CreatedAt time.Time `json:"created_at"`
}

var sqlPracticeOf = statements.Read(`SELECT c.id, c.reference, c.unit_id, +c.created_at FROM grants AS g INDEXED BY grants_list
	JOIN cases AS c ON c.id = g.case_id
	WHERE g.account_id = ? AND g.revoked_at IS NULL AND g.kind = 'trainee' AND c.practice
	ORDER BY c.created_at, c.id LIMIT 200`)

// PracticeCasesOf lists an account's practice files for an instance admin
// (their account's page), who may then delete one with a reason: the only
// place an admin learns of them.
func (s *Store) PracticeCasesOf(ctx context.Context, actor Actor, accountID string) ([]PracticeRef, error) {
	if err := requireRole(actor, RoleAdmin); err != nil {
		return nil, err
	}
	out := []PracticeRef{}
	rows, err := s.db.Query(ctx, s.read, sqlPracticeOf, accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var p PracticeRef
		if err := rows.Scan(&p.ID, &p.Reference, &p.UnitID, engine.ScanTime(&p.CreatedAt)); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Close()
}

// practiceFilter is the list filter's practice=true|false as SQL on cases
// (alias c), or "" when not asked.
func practiceFilter(f CaseFilter) (string, []any) {
	if f.Practice == nil {
		return "", nil
	}
	return "c.practice = ?", []any{*f.Practice}
}

// auditOrg and auditUnit are the scope a case file's audit entries are
// filed under, whose admins read them: its organisation and unit, but none
// for a practice file, which its unit's admins may not know of (instance
// admins read every entry). An admin's deletion of one is filed under its
// unit: that is their intervention.
func (c *Case) auditOrg() string {
	if c.Practice {
		return ""
	}
	return c.OrgID
}

func (c *Case) auditUnit() string {
	if c.Practice {
		return ""
	}
	return c.UnitID
}
