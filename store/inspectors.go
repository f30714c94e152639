package store

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Referent inspectors (DESIGN.md, "inspector access"): the secretariat or a
// superadmin names the inspectors of each category; a unit's admins open or
// close each category of the unit to them, which e-mails each one and lands
// in the audit log. What is open is read at each request (Scope.Inspect):
// an inspector reads, never writes, the unit's case files of the open
// categories but drafts, and every read is recorded for the unit's admins.

// Inspector is a referent inspector as the admins see them.
type Inspector struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

// CategoryInspectors lists a category's referent inspectors: admins (of
// the instance or of any unit), the secretariat and superadmins may.
func (s *Store) CategoryInspectors(ctx context.Context, actor Actor, categoryID string) ([]Inspector, error) {
	sc, err := s.scopeOf(ctx, actor)
	if err != nil {
		return nil, err
	}
	if !sc.AdminsAny() && !sc.Secretariat {
		return nil, ErrForbidden
	}
	if err := categoryExists(ctx, s.read, categoryID); err != nil {
		return nil, err
	}
	return inspectorsOf(ctx, s.read, categoryID)
}

func categoryExists(ctx context.Context, db bun.IDB, id string) error {
	ok, err := db.NewSelect().Model((*Category)(nil)).Where("id = ?", id).Exists(ctx)
	if err == nil && !ok {
		err = ErrNotFound
	}
	return err
}

func inspectorsOf(ctx context.Context, db bun.IDB, categoryID string) ([]Inspector, error) {
	out := []Inspector{}
	err := db.NewSelect().TableExpr("category_inspectors AS ci").Join("JOIN accounts AS a ON a.id = ci.account_id").
		ColumnExpr("a.id, a.name, a.email").Where("ci.category_id = ?", categoryID).OrderExpr("a.name, a.id").Scan(ctx, &out)
	return out, err
}

// SetCategoryInspectors names a category's referent inspectors (the
// secretariat and superadmins): active accounts, at most 50. Those who
// leave lose at once what the category opened to them.
func (s *Store) SetCategoryInspectors(ctx context.Context, actor Actor, categoryID string, accountIDs []string, reason string) ([]Inspector, error) {
	sc, err := s.scopeOf(ctx, actor)
	if err != nil {
		return nil, err
	}
	if !sc.Secretariat && !sc.Superadmin {
		return nil, ErrForbidden
	}
	ids := slices.Compact(slices.Sorted(slices.Values(accountIDs)))
	if len(ids) > 50 {
		return nil, Invalid("account_ids", "max=50")
	}
	if err := checkReason(reason); err != nil {
		return nil, err
	}
	var out []Inspector
	err = s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := categoryExists(ctx, tx, categoryID); err != nil {
			return err
		}
		if len(ids) > 0 {
			n, err := tx.NewSelect().Model((*Account)(nil)).Where("id IN (?) AND status = ?", bun.In(ids), StatusActive).Count(ctx)
			if err != nil {
				return err
			}
			if n != int64(len(ids)) {
				return Invalid("account_ids", "unknown_account")
			}
		}
		if _, err := tx.NewDelete().Table("category_inspectors").Where("category_id = ?", categoryID).Exec(ctx); err != nil {
			return err
		}
		now := s.now()
		for _, id := range ids {
			if _, err := tx.NewRaw(`INSERT INTO category_inspectors (account_id, category_id, named_at) VALUES (?, ?, ?)`,
				id, categoryID, now).Exec(ctx); err != nil {
				return err
			}
		}
		if err := s.appendAudit(ctx, tx, actor, Audit{Action: "category.inspectors", ObjectType: "category", ObjectID: categoryID,
			Reason: reason, Details: map[string]any{"account_ids": ids}}); err != nil {
			return err
		}
		out, err = inspectorsOf(ctx, tx, categoryID)
		return err
	})
	return out, err
}

// CategoryInspection is, for one category of a unit, its referents and
// whether the unit opened it to them.
type CategoryInspection struct {
	CategoryID string `json:"category_id"`
	// Labels is the category's label by language, as a category has it.
	Labels     map[string]string `bun:"labels,type:json" json:"labels"`
	Open       bool              `json:"open"`
	OpenedAt   *time.Time        `json:"opened_at"`
	Inspectors []Inspector       `json:"inspectors"`
}

// inspectedUnit reads a unit whose inspection the actor keeps: its admins
// (of the unit, its organisation, the instance). One they may not know of
// is ErrNotFound; one they see without administering it, ErrForbidden.
func (s *Store) inspectedUnit(ctx context.Context, db bun.IDB, actor Actor, unitID string) (*scopeRef, error) {
	sc, err := s.actingScope(ctx, actor)
	if err != nil {
		return nil, err
	}
	t, err := loadScopeRef(ctx, db, ScopeTypeUnit, unitID)
	if err != nil {
		return nil, err
	}
	switch {
	case !t.seenBy(sc):
		return nil, ErrNotFound
	case !sc.AdminsUnit(t.OrgID, t.ID):
		return nil, ErrForbidden
	}
	return t, nil
}

// UnitInspection lists, per active category, its referents and whether the
// unit opened it to them.
func (s *Store) UnitInspection(ctx context.Context, actor Actor, unitID string) ([]CategoryInspection, error) {
	if _, err := s.inspectedUnit(ctx, s.read, actor, unitID); err != nil {
		return nil, err
	}
	return s.unitInspection(ctx, s.read, unitID)
}

func (s *Store) unitInspection(ctx context.Context, db bun.IDB, unitID string) ([]CategoryInspection, error) {
	out := []CategoryInspection{}
	if err := db.NewSelect().TableExpr("categories AS k").
		Join("LEFT JOIN unit_inspection AS ui ON ui.category_id = k.id AND ui.unit_id = ?", unitID).
		ColumnExpr("k.id AS category_id, k.labels, ui.opened_at IS NOT NULL AS open, ui.opened_at").
		Where("k.active OR ui.opened_at IS NOT NULL").OrderExpr("k.position, k.id").Scan(ctx, &out); err != nil {
		return nil, err
	}
	for i := range out {
		ins, err := inspectorsOf(ctx, db, out[i].CategoryID)
		if err != nil {
			return nil, err
		}
		out[i].Inspectors = ins
	}
	return out, nil
}

// SetUnitInspection opens or closes a category of a unit to its referent
// inspectors, with a reason: the unit's admins. Each referent is told by
// e-mail, in their language; it takes effect at their next request.
// Setting what already is changes nothing and tells no one.
func (s *Store) SetUnitInspection(ctx context.Context, actor Actor, unitID, categoryID string, open bool, reason string) (*CategoryInspection, error) {
	if err := checkReason(reason); err != nil {
		return nil, err
	}
	var out *CategoryInspection
	err := s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		t, err := s.inspectedUnit(ctx, tx, actor, unitID)
		if err != nil {
			return err
		}
		if err := categoryExists(ctx, tx, categoryID); err != nil {
			return err
		}
		var res interface{ RowsAffected() (int64, error) }
		if open {
			res, err = tx.NewRaw(`INSERT INTO unit_inspection (unit_id, category_id, opened_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
				unitID, categoryID, s.now()).Exec(ctx)
		} else {
			res, err = tx.NewDelete().Table("unit_inspection").Where("unit_id = ? AND category_id = ?", unitID, categoryID).Exec(ctx)
		}
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			action, kind := "inspection.opened", "inspection_opened"
			if !open {
				action, kind = "inspection.closed", "inspection_closed"
			}
			if err := s.appendAudit(ctx, tx, actor, Audit{Action: action, ObjectType: "unit", ObjectID: unitID, Reason: strings.TrimSpace(reason),
				OrgID: t.OrgID, UnitID: unitID, Details: map[string]any{"category": categoryID}}); err != nil {
				return err
			}
			var cat Category
			if err := tx.NewSelect().Model(&cat).Where("id = ?", categoryID).Scan(ctx); err != nil {
				return err
			}
			var inspectors []struct {
				Email, Name, Locale, Status string
			}
			if err := tx.NewSelect().TableExpr("category_inspectors AS ci").Join("JOIN accounts AS a ON a.id = ci.account_id").
				ColumnExpr("a.email, a.name, a.locale, a.status").Where("ci.category_id = ?", categoryID).Scan(ctx, &inspectors); err != nil {
				return err
			}
			for _, in := range inspectors {
				if in.Status != StatusActive {
					continue
				}
				// In the inspector's language, as their e-mail is written.
				label := cat.Label(in.Locale)
				if err := s.enqueue(ctx, tx, in.Email, in.Locale, kind, map[string]string{"name": in.Name, "scope": t.Name,
					"category": label, "link": s.baseURL + "/"}); err != nil {
					return err
				}
			}
		}
		all, err := s.unitInspection(ctx, tx, unitID)
		if err != nil {
			return err
		}
		for i := range all {
			if all[i].CategoryID == categoryID {
				out = &all[i]
			}
		}
		if out == nil {
			out = &CategoryInspection{CategoryID: categoryID, Open: open, Inspectors: []Inspector{}}
		}
		return nil
	})
	return out, err
}

// InspectionRead is one read of a case file by an inspector.
type InspectionRead struct {
	At          time.Time `json:"at"`
	InspectorID string    `json:"inspector_id"`
	Inspector   string    `json:"inspector"`
	CaseID      *string   `json:"case_id"`
	Reference   string    `json:"reference"`
}

// InspectionReads lists, newest first, who read which of the unit's case
// files as an inspector, and when: the unit's admins.
func (s *Store) InspectionReads(ctx context.Context, actor Actor, unitID string, p Page) ([]InspectionRead, int64, error) {
	if _, err := s.inspectedUnit(ctx, s.read, actor, unitID); err != nil {
		return nil, 0, err
	}
	out := []InspectionRead{}
	q := s.read.NewSelect().TableExpr("inspection_reads AS r").Where("r.unit_id = ?", unitID)
	total, err := q.Count(ctx)
	if err != nil {
		return nil, 0, err
	}
	err = q.Join("LEFT JOIN accounts AS a ON a.id = r.account_id").
		ColumnExpr("r.at, r.account_id AS inspector_id, coalesce(a.name, '') AS inspector, r.case_id, r.reference").
		OrderExpr("r.id DESC").Limit(p.limit()).Offset(p.offset()).Scan(ctx, &out)
	return out, int64(total), err
}

// inspectionReadGap is how long one line of the read log covers an
// inspector's reads of one case file: a page reads it several times.
const inspectionReadGap = 10 * time.Minute

// The read log's statements: whether a line already covers this read, and
// the line (written only if none does, in the same statement, should two
// reads race).
var (
	sqlInspectionCovered = statements.Read(`SELECT count(*) FROM inspection_reads INDEXED BY inspection_reads_account_case
		WHERE account_id = ? AND case_id = ? AND at > ?`)
	sqlInspectionRecord = statements.Write(`INSERT INTO inspection_reads (unit_id, case_id, reference, account_id, what, at)
		SELECT ?, ?, ?, ?, 'case', ? WHERE NOT EXISTS (SELECT 1 FROM inspection_reads INDEXED BY inspection_reads_account_case
			WHERE account_id = ? AND case_id = ? AND at > ?)`)
)

// recordInspection records that an inspector read a case file, before the
// case file is answered. A page reads a case file several times and a line
// covers ten minutes: those reads are answered from the read pool alone.
// Otherwise the line goes through the store's writer (group commit: one
// fsync for the writes waiting together), and a read whose line could not
// be written fails: no read by an inspector goes unrecorded.
func (s *Store) recordInspection(ctx context.Context, actor Actor, c *Case) error {
	now := s.now()
	since := now.Add(-inspectionReadGap)
	var covered int
	if err := s.db.QueryRow(ctx, s.read, sqlInspectionCovered, []any{actor.ID(), c.ID, since}, &covered); err != nil {
		return err
	}
	if covered > 0 {
		return nil
	}
	return s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return s.db.Exec(ctx, tx, sqlInspectionRecord, c.UnitID, c.ID, c.Reference, actor.ID(), now, actor.ID(), c.ID, since)
	})
}
