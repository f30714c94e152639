package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-json"

	"github.com/uptrace/bun"

	"cloison/store/engine"
)

// Grant is a row of grants: an account's right on one case file, from
// StartsAt until EndsAt unless revoked. A helper's invitation not yet
// accepted is a grant without an account, holding the invited e-mail and
// the hash of the invitation token.
type Grant struct {
	bun.BaseModel `bun:"table:grants,alias:g"`

	ID           string     `bun:"id,pk"`
	CaseID       string     `bun:"case_id"`
	AccountID    *string    `bun:"account_id"`
	Kind         string     `bun:"kind"`
	Major        bool       `bun:"major"`
	StartsAt     time.Time  `bun:"starts_at"`
	EndsAt       *time.Time `bun:"ends_at"`
	RevokedAt    *time.Time `bun:"revoked_at"`
	RevokedWhy   string     `bun:"revoked_why"`
	GrantedBy    *string    `bun:"granted_by"`
	InvitedEmail string     `bun:"invited_email"`
	TokenHash    []byte     `bun:"token_hash"`
	TokenExpires *time.Time `bun:"token_expires"`
	CreatedAt    time.Time  `bun:"created_at"`
}

// Collaborator is a helper as shown on a case file.
type Collaborator struct {
	ID        string  `json:"id" bun:"id"`
	AccountID *string `json:"account_id" bun:"account_id"`
	Name      string  `json:"name" bun:"name"`
	// Email is shown to managers only: helpers do not see each other's.
	Email  string     `json:"email,omitempty" bun:"email"`
	Kind   string     `json:"kind" bun:"kind"`
	Major  bool       `json:"major" bun:"major"`
	EndsAt *time.Time `json:"-" bun:"ends_at"`
	// Until is the last day of the collaboration (YYYY-MM-DD), if it has one.
	Until *string `json:"until" bun:"-"`
	// Status is active, or invited while the invitation is not accepted.
	Status    string    `json:"status" bun:"-"`
	CreatedAt time.Time `json:"created_at" bun:"created_at"`
}

// sqlPeople lists a case file's case managers, live helpers and pending
// invitations, in the order they came (then by id, as peopleFromJSON); times come as text (see engine.ScanTime).
var sqlPeople = statements.Read(`SELECT g.id, g.account_id, coalesce(a.name, ''), coalesce(a.email, g.invited_email),
	g.kind, g.major, +g.ends_at, +g.created_at
	FROM grants AS g LEFT JOIN accounts AS a ON a.id = g.account_id
	WHERE g.case_id = ? AND g.revoked_at IS NULL AND (g.ends_at IS NULL OR +g.ends_at > ?)
	ORDER BY g.created_at, g.id`)

// peopleOf lists the case managers and the live helpers of a case file in
// one read; withEmail shows the helpers' e-mail addresses (to its managers
// only).
func (s *Store) peopleOf(ctx context.Context, db bun.IDB, caseID string, withEmail bool) ([]Person, []Collaborator, error) {
	var ps people
	rows, err := s.db.Query(ctx, db, sqlPeople, caseID, s.now())
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var h Collaborator
		if err := rows.Scan(&h.ID, &h.AccountID, &h.Name, &h.Email, &h.Kind, &h.Major, engine.ScanTimeOrNil(&h.EndsAt), engine.ScanTime(&h.CreatedAt)); err != nil {
			return nil, nil, err
		}
		ps.add(h, withEmail)
	}
	return ps.assignees(), ps.helpers(), rows.Err()
}

// people sorts a case file's grants, in order, into case managers and
// helpers as its page shows them.
type people struct {
	managers []Person
	others   []Collaborator
}

func (ps *people) add(h Collaborator, withEmail bool) {
	if h.Kind == GrantAssignee {
		if h.AccountID != nil {
			ps.managers = append(ps.managers, Person{ID: *h.AccountID, Name: h.Name})
		}
		return
	}
	if h.EndsAt != nil {
		// Access ends at the start of the day after the last one.
		h.Until = ptr(h.EndsAt.Add(-time.Nanosecond).Format("2006-01-02"))
	}
	h.Status = "active"
	if h.AccountID == nil {
		h.Status = "invited"
	}
	if !withEmail {
		h.Email = ""
	}
	ps.others = append(ps.others, h)
}

// assignees and helpers are never nil: the page shows empty lists as [].
func (ps *people) assignees() []Person {
	if ps.managers == nil {
		return []Person{}
	}
	return ps.managers
}

func (ps *people) helpers() []Collaborator {
	if ps.others == nil {
		return []Collaborator{}
	}
	return ps.others
}

// personRow is one element of peopleColumn's array: sqlPeople's row, its
// times as the store writes them.
type personRow struct {
	ID        string   `json:"id"`
	AccountID *string  `json:"account_id"`
	Name      string   `json:"name"`
	Email     string   `json:"email"`
	Kind      string   `json:"kind"`
	Major     jsonFlag `json:"major"`
	EndsAt    *string  `json:"ends_at"`
	CreatedAt string   `json:"created_at"`
}

// jsonFlag is a boolean column in peopleColumn's array: PostgreSQL's
// json_build_object writes true or false, SQLite's json_object the
// column's 1 or 0 (json() around it, to make it true or false, was a
// sixtieth of a get by id).
type jsonFlag bool

// UnmarshalJSON reads true, false, 1 or 0.
func (f *jsonFlag) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case "true", "1":
		*f = true
	case "false", "0":
		*f = false
	default:
		return fmt.Errorf("store: not a flag: %.20q", b)
	}
	return nil
}

// peopleFromJSON reads peopleColumn's array as peopleOf reads sqlPeople's rows.
func peopleFromJSON(text string, withEmail bool) ([]Person, []Collaborator, error) {
	var rows []personRow
	if err := json.Unmarshal([]byte(text), &rows); err != nil {
		return nil, nil, fmt.Errorf("store: people of a case file: %w", err)
	}
	slices.SortFunc(rows, func(a, b personRow) int {
		return cmp.Or(strings.Compare(a.CreatedAt, b.CreatedAt), strings.Compare(a.ID, b.ID))
	})
	var ps people
	for _, r := range rows {
		h := Collaborator{ID: r.ID, AccountID: r.AccountID, Name: r.Name, Email: r.Email, Kind: r.Kind, Major: bool(r.Major)}
		if err := engine.ScanTime(&h.CreatedAt).Scan(r.CreatedAt); err != nil {
			return nil, nil, err
		}
		if r.EndsAt != nil {
			if err := engine.ScanTimeOrNil(&h.EndsAt).Scan(*r.EndsAt); err != nil {
				return nil, nil, err
			}
		}
		ps.add(h, withEmail)
	}
	return ps.assignees(), ps.helpers(), nil
}

// collaboratorsOf lists the live helpers of a case file; withEmail shows
// their e-mail addresses (to its managers only).
func (s *Store) collaboratorsOf(ctx context.Context, db bun.IDB, caseID string, withEmail bool) ([]Collaborator, error) {
	_, helpers, err := s.peopleOf(ctx, db, caseID, withEmail)
	return helpers, err
}

// assigneesOf lists a case file's case managers.
func (s *Store) assigneesOf(ctx context.Context, db bun.IDB, caseID string) ([]Person, error) {
	assignees, _, err := s.peopleOf(ctx, db, caseID, false)
	return assignees, err
}

// endHelpers revokes every live helper grant of a case file (when it is
// closed or archived), each audited.
func (s *Store) endHelpers(ctx context.Context, tx bun.IDB, actor Actor, c *Case, why string) error {
	var ids []string
	if err := tx.NewSelect().Model((*Grant)(nil)).Column("id").
		Where("case_id = ? AND kind != ? AND revoked_at IS NULL", c.ID, GrantAssignee).Scan(ctx, &ids); err != nil {
		return err
	}
	for _, id := range ids {
		if _, err := tx.NewUpdate().Model((*Grant)(nil)).Set("revoked_at = ?", s.now()).Set("revoked_why = ?", why).
			Where("id = ?", id).Exec(ctx); err != nil {
			return err
		}
		if err := s.appendAudit(ctx, tx, actor, Audit{Action: "collaboration.ended", ObjectType: "grant", ObjectID: id,
			OrgID: c.OrgID, UnitID: c.UnitID, Details: map[string]any{"case": c.ID, "why": why}}); err != nil {
			return err
		}
	}
	return nil
}

// clearEndedGrants revokes the grants of account on a case file whose end
// date has passed but that the expiry job has not closed yet: a live
// (case, account) grant is unique in the schema, and an ended one would
// otherwise stand in the way of a new one.
func (s *Store) clearEndedGrants(ctx context.Context, tx bun.IDB, caseID, accountID string) error {
	now := s.now()
	_, err := tx.NewUpdate().Model((*Grant)(nil)).Set("revoked_at = ?", now).Set("revoked_why = 'expired'").Set("token_hash = NULL").
		Where("case_id = ? AND account_id = ? AND revoked_at IS NULL AND ends_at IS NOT NULL AND ends_at <= ?", caseID, accountID, now).Exec(ctx)
	return err
}

// AssigneesChange is an admin's new list of assignees for a case file.
type AssigneesChange struct {
	UserIDs []string `json:"user_ids" validate:"min=1,max=20,dive,required"`
	Reason  string   `json:"reason"`
}

// SetAssignees entrusts a case file to exactly these editors of its unit
// (the unit's admins and instance admins, with a reason, at version ifMatch). New assignees get an e-mail.
func (s *Store) SetAssignees(ctx context.Context, actor Actor, id string, ifMatch *int64, ch AssigneesChange) (*CaseDetail, error) {
	if err := requireScopeAdmin(ctx, s, actor); err != nil {
		return nil, err
	}
	var out *CaseDetail
	err := s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		c, rel, err := s.caseFor(ctx, tx, actor, id, true)
		if err != nil {
			return err
		}
		if c.Practice {
			return errPractice // entrusted to no one
		}
		if !rel.ScopeAdmin {
			return ErrForbidden
		}
		if err := check(&ch); err != nil {
			return err
		}
		if err := checkReason(ch.Reason); err != nil {
			return err
		}
		if err := requireVersion(c, ifMatch); err != nil {
			return err
		}
		want := map[string]*Account{}
		for _, uid := range ch.UserIDs {
			acc, err := accountByID(ctx, tx, uid)
			if err != nil || acc.Status != StatusActive {
				return Invalid("user_ids", "not_editor")
			}
			// Case managers edit for the case file's unit; instance admins
			// may be entrusted with a case file anywhere.
			if edits, err := s.editsIn(ctx, tx, acc, c.UnitID); err != nil || !edits {
				return firstErr(err, Invalid("user_ids", "not_editor"))
			}
			want[uid] = acc
		}
		current, err := s.assigneesOf(ctx, tx, c.ID)
		if err != nil {
			return err
		}
		now := s.now()
		var added, removed []string
		for _, p := range current {
			if want[p.ID] != nil {
				delete(want, p.ID)
				continue
			}
			removed = append(removed, p.ID)
			if _, err := tx.NewUpdate().Model((*Grant)(nil)).Set("revoked_at = ?", now).Set("revoked_why = ?", "unassigned").
				Where("case_id = ? AND account_id = ? AND kind = ? AND revoked_at IS NULL", c.ID, p.ID, GrantAssignee).Exec(ctx); err != nil {
				return err
			}
		}
		for _, uid := range ch.UserIDs {
			acc := want[uid]
			if acc == nil {
				continue
			}
			delete(want, uid)
			added = append(added, uid)
			// Entrusting supersedes helping: one live grant per person and case file.
			if _, err := tx.NewUpdate().Model((*Grant)(nil)).Set("revoked_at = ?", now).Set("revoked_why = 'assigned'").
				Where("case_id = ? AND account_id = ? AND kind != ? AND revoked_at IS NULL", c.ID, uid, GrantAssignee).Exec(ctx); err != nil {
				return err
			}
			if err := s.clearEndedGrants(ctx, tx, c.ID, uid); err != nil {
				return err
			}
			if err := s.addGrant(ctx, tx, c.ID, uid, GrantAssignee, actor.ID(), now); err != nil {
				return err
			}
			if err := s.enqueue(ctx, tx, acc.Email, acc.Locale, "case_assigned", map[string]string{
				"name": acc.Name, "reference": c.Reference, "link": s.baseURL + "/cases/" + c.ID}); err != nil {
				return err
			}
		}
		c.Version, c.UpdatedAt = c.Version+1, now
		if _, err := tx.NewUpdate().Model(c).Column("version", "updated_at").WherePK().Exec(ctx); err != nil {
			return err
		}
		if err := s.caseEvent(ctx, tx, actor, c.ID, caseEvent{Kind: "assignees", Comment: ch.Reason}); err != nil {
			return err
		}
		if err := s.appendAudit(ctx, tx, actor, Audit{Action: "case.assignees", ObjectType: "case", ObjectID: c.ID, OrgID: c.OrgID, UnitID: c.UnitID, Reason: ch.Reason,
			Details: map[string]any{"added": added, "removed": removed}}); err != nil {
			return err
		}
		// The actor may have just entrusted the case file to themselves.
		c, rel, err = s.caseFor(ctx, tx, actor, c.ID, true)
		if err != nil {
			return err
		}
		out, err = s.detail(ctx, tx, actor, c, rel)
		return err
	})
	return out, err
}

// ListCollaborators lists the helpers of a visible case file; their e-mail
// addresses only for its managers.
func (s *Store) ListCollaborators(ctx context.Context, actor Actor, caseID string) ([]Collaborator, error) {
	c, rel, err := s.caseFor(ctx, s.read, actor, caseID, false)
	if err != nil || !c.Modules.Helpers {
		return nil, firstErr(err, errModuleDisabled)
	}
	return s.collaboratorsOf(ctx, s.read, c.ID, rel.manager())
}
