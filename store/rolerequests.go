package store

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Role request statuses.
const (
	RequestPending  = "pending"
	RequestApproved = "approved"
	RequestRejected = "rejected"
)

// RoleRequest is a person's request for more rights, e.g. a newly registered
// reader asking to become a case manager (editor) once the board agreed.
type RoleRequest struct {
	bun.BaseModel `bun:"table:role_requests"`

	ID        string     `bun:"id,pk" json:"id"`
	AccountID string     `bun:"account_id" json:"account_id"`
	Role      string     `bun:"role" json:"role"`
	Message   string     `bun:"message" json:"message"`
	Status    string     `bun:"status" json:"status"`
	DecidedBy *string    `bun:"decided_by" json:"decided_by,omitempty"`
	DecidedAt *time.Time `bun:"decided_at" json:"decided_at,omitempty"`
	Reason    string     `bun:"reason" json:"reason"`
	CreatedAt time.Time  `bun:"created_at" json:"created_at"`
	// UnitID is the unit an editor asks to edit for; its admins decide.
	UnitID *string  `bun:"unit_id" json:"unit_id"`
	Unit   *UnitRef `bun:"-" json:"unit,omitempty"`

	Account *Account `bun:"rel:belongs-to,join:account_id=id" json:"account,omitempty"`
}

// NewRoleRequest is what a person sends to ask for a role.
type NewRoleRequest struct {
	Role    string `json:"role" validate:"oneof=editor admin"`
	Message string `json:"message" validate:"trimmed,max=2000"`
	// UnitID names the unit an editor asks to join (required when there
	// are several); the unit's admins decide.
	UnitID string `json:"unit_id"`
}

// RequestRole files the actor's request for a higher role. One request may
// be pending at a time.
func (s *Store) RequestRole(ctx context.Context, actor Actor, in NewRoleRequest) (*RoleRequest, error) {
	if err := requireRole(actor, RoleReader); err != nil {
		return nil, err
	}
	if actor.Account.IsAdmin() {
		return nil, ErrForbidden // admins have nothing to ask for
	}
	if err := check(&in); err != nil {
		return nil, err
	}
	rr := &RoleRequest{ID: newID(), AccountID: actor.ID(), Role: in.Role, Message: strings.TrimSpace(in.Message), Status: RequestPending, CreatedAt: s.now()}
	var audit Audit
	if in.Role == RoleEditor {
		unit, err := s.requestedUnit(ctx, in.UnitID)
		if err != nil {
			return nil, err
		}
		// An editor may ask to edit for another unit, not for one they
		// already edit for.
		if edits, err := s.editsIn(ctx, s.read, actor.Account, unit.ID); err != nil || edits {
			return nil, firstErr(err, Invalid("role", "not_higher"))
		}
		rr.UnitID, rr.Unit = &unit.ID, &UnitRef{ID: unit.ID, Name: unit.Name, Code: unit.Code}
		audit.OrgID, audit.UnitID = unit.OrgID, unit.ID
	} else if roleRank[in.Role] <= roleRank[actor.Account.Role] {
		return nil, Invalid("role", "not_higher")
	}
	err := s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		pending, err := tx.NewSelect().Model((*RoleRequest)(nil)).Where("account_id = ? AND status = ?", actor.ID(), RequestPending).Exists(ctx)
		if err != nil {
			return err
		}
		if pending {
			return Coded(ErrConflict, "request_pending")
		}
		if _, err := tx.NewInsert().Model(rr).Exec(ctx); err != nil {
			return err
		}
		audit.Action, audit.ObjectType, audit.ObjectID, audit.Details = "role_request.created", "role_request", rr.ID, map[string]any{"role": in.Role}
		return s.appendAudit(ctx, tx, actor, audit)
	})
	return rr, err
}

// MyRoleRequests lists the actor's own requests, newest first.
func (s *Store) MyRoleRequests(ctx context.Context, actor Actor) ([]RoleRequest, error) {
	out := []RoleRequest{}
	if err := s.read.NewSelect().Model(&out).Where("account_id = ?", actor.ID()).OrderExpr("created_at DESC").Scan(ctx); err != nil {
		return nil, err
	}
	return out, s.withUnits(ctx, out)
}

// requestedUnit is the active unit a request names, or the only one.
func (s *Store) requestedUnit(ctx context.Context, id string) (*Unit, error) {
	if id == "" {
		only, err := s.onlyUnit(ctx, s.read)
		if err != nil {
			return nil, err
		}
		if only == "" {
			return nil, Invalid("unit_id", "required")
		}
		id = only
	}
	u, err := unitByID(ctx, s.read, id)
	if err != nil || u.Status != ScopeActive {
		return nil, firstErr(ignoreNotFound(err), Invalid("unit_id", "unknown"))
	}
	return u, nil
}

// withUnits names the unit of each request.
func (s *Store) withUnits(ctx context.Context, rrs []RoleRequest) error {
	for i := range rrs {
		if rrs[i].UnitID == nil {
			continue
		}
		u, err := unitByID(ctx, s.read, *rrs[i].UnitID)
		if err != nil {
			return err
		}
		rrs[i].Unit = &UnitRef{ID: u.ID, Name: u.Name, Code: u.Code}
	}
	return nil
}

// decidable restricts a query over role_requests to those the scope
// decides: every one for instance admins, those naming one of their units
// for a unit's or an organisation's admins.
func decidable(q *bun.SelectQuery, sc *Scope) *bun.SelectQuery {
	if sc.All {
		return q
	}
	if len(sc.AdminScopeUnits) == 0 {
		return q.Where("0 = 1")
	}
	return q.Where("role_request.unit_id IN (?)", bun.In(sc.AdminScopeUnits))
}

// ListRoleRequests lists the requests an admin decides, pending first then
// newest: all of them for instance admins, those naming their units for
// the admins of units and organisations.
func (s *Store) ListRoleRequests(ctx context.Context, actor Actor, status string, p Page) ([]RoleRequest, int64, error) {
	if err := requireScopeAdmin(ctx, s, actor); err != nil {
		return nil, 0, err
	}
	sc, err := s.scopeOf(ctx, actor)
	if err != nil {
		return nil, 0, err
	}
	out := []RoleRequest{}
	q := decidable(s.read.NewSelect().Model(&out).Relation("Account"), sc)
	if status != "" {
		q = q.Where("role_request.status = ?", status)
	}
	n, err := q.OrderExpr("role_request.status = 'pending' DESC, role_request.created_at DESC").Limit(p.limit()).Offset(p.offset()).ScanAndCount(ctx)
	if err != nil {
		return nil, 0, err
	}
	return out, n, s.withUnits(ctx, out)
}

// DecideRoleRequest approves or rejects a pending request with a reason; the
// requester is told by e-mail. Approving an admin role is a superadmin's call.
func (s *Store) DecideRoleRequest(ctx context.Context, actor Actor, id string, approve bool, reason string) (*RoleRequest, error) {
	if err := requireScopeAdmin(ctx, s, actor); err != nil {
		return nil, err
	}
	if err := checkReason(reason); err != nil {
		return nil, err
	}
	sc, err := s.scopeOf(ctx, actor)
	if err != nil {
		return nil, err
	}
	rr := new(RoleRequest)
	err = s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		// A request another scope decides is one this admin cannot see.
		if err := decidable(tx.NewSelect().Model(rr).Relation("Account").Where("role_request.id = ?", id), sc).Scan(ctx); err != nil {
			return notFound(err)
		}
		if rr.Status != RequestPending {
			return Coded(ErrConflict, "already_decided")
		}
		if approve && !mayTouchRole(actor, rr.Role) {
			return Coded(ErrForbidden, "superadmin_only")
		}
		now, by := s.now(), actor.ID()
		rr.Status, rr.DecidedAt, rr.DecidedBy, rr.Reason = RequestRejected, &now, &by, strings.TrimSpace(reason)
		decision := "rejected"
		if approve {
			rr.Status, decision = RequestApproved, "approved"
			// Only ever raise the role: a request does not lower anyone.
			if roleRank[rr.Role] > roleRank[rr.Account.Role] {
				if _, err := tx.NewUpdate().Model((*Account)(nil)).Set("role = ?", rr.Role).Set("updated_at = ?", now).
					Where("id = ?", rr.AccountID).Exec(ctx); err != nil {
					return err
				}
			}
			if rr.Role == RoleEditor {
				unit := ""
				if rr.UnitID != nil {
					unit = *rr.UnitID
				}
				if err := s.setEditorRole(ctx, tx, actor, rr.AccountID, RoleEditor, unit, reason); err != nil {
					return err
				}
			}
		}
		if _, err := tx.NewUpdate().Model(rr).Column("status", "decided_at", "decided_by", "reason").WherePK().Exec(ctx); err != nil {
			return err
		}
		audit := Audit{Action: "role_request." + decision, ObjectType: "account", ObjectID: rr.AccountID,
			Reason: reason, Details: map[string]any{"role": rr.Role, "request": rr.ID}}
		if rr.UnitID != nil {
			u, err := unitByID(ctx, tx, *rr.UnitID)
			if err != nil {
				return err
			}
			audit.OrgID, audit.UnitID = u.OrgID, u.ID
		}
		if err := s.appendAudit(ctx, tx, actor, audit); err != nil {
			return err
		}
		return s.enqueue(ctx, tx, rr.Account.Email, rr.Account.Locale, "role_decision", map[string]string{
			"name": rr.Account.Name, "role": rr.Role, "decision": decision, "reason": rr.Reason})
	})
	return rr, err
}

// PendingRoleRequests counts pending requests, for the admin's navigation.
func (s *Store) PendingRoleRequests(ctx context.Context, actor Actor) (int64, error) {
	if err := requireScopeAdmin(ctx, s, actor); err != nil {
		return 0, err
	}
	sc, err := s.scopeOf(ctx, actor)
	if err != nil {
		return 0, err
	}
	n, err := decidable(s.read.NewSelect().Model((*RoleRequest)(nil)), sc).Where("status = ?", RequestPending).Count(ctx)
	return int64(n), err
}
