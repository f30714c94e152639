package store

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Change requests (DESIGN.md, "change request"): in a centrally managed
// organisation, its members and admins ask the secretariat to add a member,
// end or change a membership, or change the record. The details are checked
// when the request is filed as the change itself would check them; applying
// makes the change exactly as if the secretariat had made it, in the same
// transaction as the request's status, or changes nothing.

// Change request kinds.
const (
	ChangeAddMember    = "add_member"
	ChangeEndMember    = "end_member"
	ChangeUpdateMember = "update_member"
	ChangeUpdateRecord = "update_record"
)

// ChangeKinds are the kinds of change request.
var ChangeKinds = []string{ChangeAddMember, ChangeEndMember, ChangeUpdateMember, ChangeUpdateRecord}

// ChangeDetails are a change request's details; which fields count depends
// on its kind.
type ChangeDetails struct {
	// add_member: the unit (of the organisation) or, empty, the
	// organisation itself, and the membership to give.
	UnitID     string   `json:"unit_id,omitempty"`
	Email      string   `json:"email,omitempty"`
	Name       string   `json:"name,omitempty"`
	Role       *string  `json:"role,omitempty"`
	Functions  []string `json:"functions,omitempty"`
	ValidFrom  *string  `json:"valid_from,omitempty"`
	ValidUntil *string  `json:"valid_until,omitempty"`
	// end_member, update_member: the membership.
	MembershipID string `json:"membership_id,omitempty"`
	// update_record: the organisation's record as it should read.
	Record *RecordChange `json:"record,omitempty"`
}

// RecordChange is what an update_record request changes in the record;
// absent fields stay.
type RecordChange struct {
	Name         *string `json:"name,omitempty" validate:"omitnil,trimmed,min=1,max=200,singleline"`
	Address      *string `json:"address,omitempty" validate:"omitnil,max=500,multiline"`
	ContactEmail *string `json:"contact_email,omitempty" validate:"omitnil,max=254,email"`
}

// NewChangeRequest is a change request as it is filed.
type NewChangeRequest struct {
	Kind    string        `json:"kind" validate:"required,oneof=add_member end_member update_member update_record"`
	Details ChangeDetails `json:"details" validate:"-"`
	Message string        `json:"message" validate:"max=2000,multiline"`
}

// ChangeRequest is a filed change request.
type ChangeRequest struct {
	ID          string        `bun:"id" json:"id"`
	OrgID       string        `bun:"org_id" json:"org_id"`
	OrgName     string        `bun:"org_name" json:"org_name"`
	RequesterID string        `bun:"requester_id" json:"requester_id"`
	Requester   string        `bun:"requester" json:"requester"`
	Kind        string        `bun:"kind" json:"kind"`
	DetailsJS   string        `bun:"details" json:"-"`
	Details     ChangeDetails `bun:"-" json:"details"`
	Message     string        `bun:"message" json:"message"`
	Status      string        `bun:"status" json:"status"`
	Reason      string        `bun:"reason" json:"reason,omitempty"`
	DecidedAt   *time.Time    `bun:"decided_at" json:"decided_at"`
	CreatedAt   time.Time     `bun:"created_at" json:"created_at"`
}

// Change request statuses.
const (
	ChangePending  = "pending"
	ChangeApplied  = "applied"
	ChangeRejected = "rejected"
)

var (
	errNotCentral   = Coded(ErrConflict, "not_centrally_managed")
	errRequestStale = Coded(ErrConflict, "request_stale")
)

// checkDetails checks a request's details as its change would check them,
// field names prefixed with "details.".
func (s *Store) checkDetails(ctx context.Context, db bun.IDB, org *scopeRef, kind string, d ChangeDetails) error {
	f := invalidFields{}
	prefixed := func(err error) error {
		var ve *ValidationError
		if errors.As(err, &ve) {
			for k, v := range ve.Fields {
				f.set("details."+k, v)
			}
			return nil
		}
		return err
	}
	membershipOfOrg := func() error {
		if d.MembershipID == "" {
			f.set("details.membership_id", "required")
			return nil
		}
		m := new(Membership)
		if err := db.NewSelect().Model(m).Where("m.id = ?", d.MembershipID).Scan(ctx); err != nil {
			f.set("details.membership_id", "unknown")
			return nil
		}
		t, err := m.scopeRef(ctx, db)
		if err != nil {
			return err
		}
		if t.OrgID != org.OrgID {
			f.set("details.membership_id", "unknown")
		} else if m.status(s.now()) == MembershipEnded {
			f.set("details.membership_id", "ended")
		}
		return nil
	}
	var err error
	switch kind {
	case ChangeAddMember:
		scopeType := ScopeTypeOrg
		if d.UnitID != "" {
			scopeType = ScopeTypeUnit
			if t, e := loadScopeRef(ctx, db, ScopeTypeUnit, d.UnitID); e != nil || t.OrgID != org.OrgID {
				f.set("details.unit_id", "unknown")
			}
		}
		role := ""
		if d.Role != nil {
			role = *d.Role
		}
		fns, fnErr := checkFunctions(d.Functions)
		if fnErr == nil {
			fnErr = knownFunctions(ctx, db, "functions", fns)
		}
		_, _, dateErr := s.mandate(d.ValidFrom, d.ValidUntil, s.now(), nil)
		in := NewMembership{Email: d.Email, Name: d.Name, Role: role}
		for _, e := range []error{check(&in), checkRole(scopeType, role), fnErr, dateErr} {
			if err = prefixed(e); err != nil {
				return err
			}
		}
	case ChangeEndMember:
		err = membershipOfOrg()
	case ChangeUpdateMember:
		if err = membershipOfOrg(); err != nil {
			return err
		}
		if d.Role != nil {
			err = prefixed(checkRole(ScopeTypeUnit, *d.Role))
		}
		if err == nil && d.Functions != nil {
			fns, fnErr := checkFunctions(d.Functions)
			if fnErr == nil {
				fnErr = knownFunctions(ctx, db, "functions", fns)
			}
			err = prefixed(fnErr)
		}
	case ChangeUpdateRecord:
		if d.Record == nil || (d.Record.Name == nil && d.Record.Address == nil && d.Record.ContactEmail == nil) {
			f.set("details.record", "required")
			break
		}
		var ve *ValidationError
		if e := check(d.Record); errors.As(e, &ve) {
			for k, v := range ve.Fields {
				f.set("details.record."+k, v)
			}
		} else {
			err = e
		}
	}
	if err != nil {
		return err
	}
	return f.err()
}

// FileChangeRequest files a change request for a centrally managed
// organisation: its live members and admins may. One they may not know of
// is a 404; one they know of without belonging to it, a 403.
func (s *Store) FileChangeRequest(ctx context.Context, actor Actor, orgID string, in NewChangeRequest) (*ChangeRequest, error) {
	sc, err := s.actingScope(ctx, actor)
	if err != nil {
		return nil, err
	}
	var out *ChangeRequest
	err = s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		org, err := loadScopeRef(ctx, tx, ScopeTypeOrg, orgID)
		if err != nil {
			return err
		}
		if !org.seenBy(sc) {
			return ErrNotFound
		}
		if !slices.Contains(sc.MemberOrgs, org.OrgID) {
			return ErrForbidden
		}
		if !org.Central {
			return errNotCentral
		}
		if err := check(&in); err != nil {
			return err
		}
		if err := s.checkDetails(ctx, tx, org, in.Kind, in.Details); err != nil {
			return err
		}
		js, _ := json.Marshal(in.Details)
		id := newID()
		if _, err := tx.NewRaw(`INSERT INTO change_requests (id, org_id, requester_id, kind, details, message, status, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id, org.OrgID, actor.ID(), in.Kind, string(js), strings.TrimSpace(in.Message),
			ChangePending, s.now()).Exec(ctx); err != nil {
			return err
		}
		if err := s.appendAudit(ctx, tx, actor, Audit{Action: "change_request.filed", ObjectType: "change_request", ObjectID: id,
			OrgID: org.OrgID, Details: map[string]any{"kind": in.Kind}}); err != nil {
			return err
		}
		out, err = s.changeRequest(ctx, tx, id)
		return err
	})
	return out, err
}

func (s *Store) changeRequests(ctx context.Context, q *bun.SelectQuery) ([]ChangeRequest, error) {
	out := []ChangeRequest{}
	err := q.Join("JOIN organisations AS o ON o.id = cr.org_id").Join("LEFT JOIN accounts AS a ON a.id = cr.requester_id").
		ColumnExpr("cr.id, cr.org_id, o.name AS org_name, cr.requester_id, coalesce(a.name, '') AS requester, cr.kind, cr.details").
		ColumnExpr("cr.message, cr.status, cr.reason, cr.decided_at, cr.created_at").Scan(ctx, &out)
	for i := range out {
		_ = json.Unmarshal([]byte(out[i].DetailsJS), &out[i].Details)
	}
	return out, err
}

func (s *Store) changeRequest(ctx context.Context, db bun.IDB, id string) (*ChangeRequest, error) {
	rs, err := s.changeRequests(ctx, db.NewSelect().TableExpr("change_requests AS cr").Where("cr.id = ?", id))
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, ErrNotFound
	}
	return &rs[0], nil
}

// ListChangeRequests lists change requests, pending first, then newest
// first: the secretariat and superadmins every one, anyone else their own.
func (s *Store) ListChangeRequests(ctx context.Context, actor Actor, status string, p Page) ([]ChangeRequest, int64, error) {
	sc, err := s.scopeOf(ctx, actor)
	if err != nil {
		return nil, 0, err
	}
	q := s.read.NewSelect().TableExpr("change_requests AS cr")
	if !sc.Secretariat && !sc.Superadmin {
		q = q.Where("cr.requester_id = ?", actor.ID())
	}
	if status != "" {
		q = q.Where("cr.status = ?", status)
	}
	total, err := q.Count(ctx)
	if err != nil {
		return nil, 0, err
	}
	items, err := s.changeRequests(ctx, q.OrderExpr("cr.status = 'pending' DESC, cr.created_at DESC, cr.id").Limit(p.limit()).Offset(p.offset()))
	return items, int64(total), err
}

// DecideChangeRequest applies or rejects a pending change request, with a
// reason: the secretariat and superadmins. Applying makes the change as
// the decider, in the same transaction; a change that no longer applies
// (the member already left, the address is taken) changes nothing and
// answers 409 request_stale naming why. The requester is told by e-mail.
func (s *Store) DecideChangeRequest(ctx context.Context, actor Actor, id string, apply bool, reason string) (*ChangeRequest, error) {
	sc, err := s.scopeOf(ctx, actor)
	if err != nil {
		return nil, err
	}
	if !sc.Secretariat && !sc.Superadmin {
		return nil, ErrForbidden
	}
	if err := checkReason(reason); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	var out *ChangeRequest
	err = s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		cr, err := s.changeRequest(ctx, tx, id)
		if err != nil {
			return err
		}
		if cr.Status != ChangePending {
			return Coded(ErrConflict, "already_decided")
		}
		status, kind := ChangeRejected, "change_request_rejected"
		if apply {
			status, kind = ChangeApplied, "change_request_applied"
			if err := s.applyChange(ctx, &tx, actor, cr, reason); err != nil {
				var ce *CodedError
				var ve *ValidationError
				if errors.Is(err, ErrNotFound) || errors.As(err, &ve) || (errors.As(err, &ce) && ce.Kind == ErrConflict) {
					return errRequestStale
				}
				return err
			}
		}
		if _, err := tx.NewRaw(`UPDATE change_requests SET status = ?, reason = ?, decided_by = ?, decided_at = ? WHERE id = ?`,
			status, reason, actor.ID(), s.now(), cr.ID).Exec(ctx); err != nil {
			return err
		}
		if err := s.appendAudit(ctx, tx, actor, Audit{Action: "change_request." + status, ObjectType: "change_request", ObjectID: cr.ID,
			OrgID: cr.OrgID, Reason: reason, Details: map[string]any{"kind": cr.Kind}}); err != nil {
			return err
		}
		if a, err := accountByID(ctx, tx, cr.RequesterID); err == nil && a.Status == StatusActive {
			if err := s.enqueue(ctx, tx, a.Email, a.Locale, kind, map[string]string{"name": a.Name, "scope": cr.OrgName,
				"change": cr.Kind, "reason": reason, "link": s.baseURL + "/"}); err != nil {
				return err
			}
		}
		out, err = s.changeRequest(ctx, tx, cr.ID)
		return err
	})
	return out, err
}

// applyChange makes a request's change as actor, in tx.
func (s *Store) applyChange(ctx context.Context, tx *bun.Tx, actor Actor, cr *ChangeRequest, reason string) error {
	d := cr.Details
	var err error
	switch cr.Kind {
	case ChangeAddMember:
		scopeType, scopeID := ScopeTypeOrg, cr.OrgID
		if d.UnitID != "" {
			scopeType, scopeID = ScopeTypeUnit, d.UnitID
		}
		role := ""
		if d.Role != nil {
			role = *d.Role
		}
		_, err = s.addMember(ctx, tx, actor, scopeType, scopeID, NewMembership{Email: d.Email, Name: d.Name, Role: role,
			Functions: d.Functions, ValidFrom: d.ValidFrom, ValidUntil: d.ValidUntil, Reason: reason})
	case ChangeEndMember:
		err = s.endMembership(ctx, tx, actor, d.MembershipID, reason)
	case ChangeUpdateMember:
		ch := MembershipChange{Role: d.Role, ValidFrom: d.ValidFrom, ValidUntil: d.ValidUntil, Reason: reason}
		if d.Functions != nil {
			ch.Functions = &d.Functions
		}
		_, err = s.updateMembership(ctx, tx, actor, d.MembershipID, ch)
	case ChangeUpdateRecord:
		r := d.Record
		if r == nil {
			return errRequestStale
		}
		_, err = s.updateOrg(ctx, tx, actor, cr.OrgID, OrgChange{Name: r.Name, Address: r.Address, ContactEmail: r.ContactEmail, Reason: reason})
	}
	return err
}
