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

	Account *Account `bun:"rel:belongs-to,join:account_id=id" json:"account,omitempty"`
}

// NewRoleRequest is what a person sends to ask for a role.
type NewRoleRequest struct {
	Role    string `json:"role" validate:"oneof=editor admin"`
	Message string `json:"message" validate:"trimmed,max=2000"`
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
	if roleRank[in.Role] <= roleRank[actor.Account.Role] {
		return nil, Invalid("role", "not_higher")
	}
	rr := &RoleRequest{ID: newID(), AccountID: actor.ID(), Role: in.Role, Message: strings.TrimSpace(in.Message), Status: RequestPending, CreatedAt: s.now()}
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
		return s.appendAudit(ctx, tx, actor, Audit{Action: "role_request.created", ObjectType: "role_request", ObjectID: rr.ID, Details: map[string]any{"role": in.Role}})
	})
	return rr, err
}

// MyRoleRequests lists the actor's own requests, newest first.
func (s *Store) MyRoleRequests(ctx context.Context, actor Actor) ([]RoleRequest, error) {
	out := []RoleRequest{}
	err := s.read.NewSelect().Model(&out).Where("account_id = ?", actor.ID()).OrderExpr("created_at DESC").Scan(ctx)
	return out, err
}

// ListRoleRequests lists requests for admins, pending first then newest.
func (s *Store) ListRoleRequests(ctx context.Context, actor Actor, status string, p Page) ([]RoleRequest, int64, error) {
	if err := requireRole(actor, RoleAdmin); err != nil {
		return nil, 0, err
	}
	var out []RoleRequest
	q := s.read.NewSelect().Model(&out).Relation("Account")
	if status != "" {
		q = q.Where("role_request.status = ?", status)
	}
	n, err := q.OrderExpr("role_request.status = 'pending' DESC, role_request.created_at DESC").Limit(p.limit()).Offset(p.offset()).ScanAndCount(ctx)
	return out, n, err
}

// DecideRoleRequest approves or rejects a pending request with a reason; the
// requester is told by e-mail. Approving an admin role is a superadmin's call.
func (s *Store) DecideRoleRequest(ctx context.Context, actor Actor, id string, approve bool, reason string) (*RoleRequest, error) {
	if err := requireRole(actor, RoleAdmin); err != nil {
		return nil, err
	}
	if err := checkReason(reason); err != nil {
		return nil, err
	}
	rr := new(RoleRequest)
	err := s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().Model(rr).Relation("Account").Where("role_request.id = ?", id).Scan(ctx); err != nil {
			return ErrNotFound
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
		}
		if _, err := tx.NewUpdate().Model(rr).Column("status", "decided_at", "decided_by", "reason").WherePK().Exec(ctx); err != nil {
			return err
		}
		if err := s.appendAudit(ctx, tx, actor, Audit{Action: "role_request." + decision, ObjectType: "account", ObjectID: rr.AccountID,
			Reason: reason, Details: map[string]any{"role": rr.Role, "request": rr.ID}}); err != nil {
			return err
		}
		return s.enqueue(ctx, tx, rr.Account.Email, rr.Account.Locale, "role_decision", map[string]string{
			"name": rr.Account.Name, "role": rr.Role, "decision": decision, "reason": rr.Reason})
	})
	return rr, err
}

// PendingRoleRequests counts pending requests, for the admin's navigation.
func (s *Store) PendingRoleRequests(ctx context.Context, actor Actor) (int64, error) {
	if err := requireRole(actor, RoleAdmin); err != nil {
		return 0, err
	}
	return s.read.NewSelect().Model((*RoleRequest)(nil)).Where("status = ?", RequestPending).Count(ctx)
}
