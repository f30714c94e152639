package store

import (
	"context"
	"strings"

	"github.com/uptrace/bun"
)

// AccountFilter narrows the list of accounts.
type AccountFilter struct {
	Q      string
	Role   string
	Status string
}

// ListAccounts lists accounts for an admin, matching q in name or e-mail.
func (s *Store) ListAccounts(ctx context.Context, actor Actor, f AccountFilter, p Page) ([]Account, int64, error) {
	if err := requireRole(actor, RoleAdmin); err != nil {
		return nil, 0, err
	}
	var out []Account
	q := s.read.NewSelect().Model(&out)
	if f.Q != "" {
		like := "%" + escapeLike(strings.ToLower(strings.TrimSpace(f.Q))) + "%"
		q = q.Where("(email_key LIKE ? ESCAPE '\\' OR lower(name) LIKE ? ESCAPE '\\')", like, like)
	}
	now := s.now()
	switch f.Role {
	case "":
	case RoleReader, RoleEditor:
		// A reader or an editor is what their memberships make them.
		editing := "EXISTS (SELECT 1 FROM memberships AS m WHERE m.account_id = account.id AND m.role = 'editor' AND " + liveMembership + ")"
		if f.Role == RoleReader {
			editing = "NOT " + editing
		}
		q = q.Where("role IN (?, ?) AND "+editing, RoleReader, RoleEditor, now, now)
	default:
		q = q.Where("role = ?", f.Role)
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	n, err := q.OrderExpr("lower(name), email_key").Limit(p.limit()).Offset(p.offset()).ScanAndCount(ctx)
	if err != nil {
		return nil, 0, err
	}
	for i := range out {
		if _, err := s.withEffectiveRole(ctx, s.read, &out[i]); err != nil {
			return nil, 0, err
		}
	}
	return out, n, nil
}

// GetAccount returns one account to an admin.
func (s *Store) GetAccount(ctx context.Context, actor Actor, id string) (*Account, error) {
	if err := requireRole(actor, RoleAdmin); err != nil {
		return nil, err
	}
	acc, err := accountByID(ctx, s.read, id)
	if err != nil {
		return nil, err
	}
	return s.withEffectiveRole(ctx, s.read, acc)
}

// Invitation is an admin's invitation of a new person.
type Invitation struct {
	Email  string `json:"email" validate:"required,max=254,email"`
	Name   string `json:"name" validate:"trimmed,max=100"`
	Role   string `json:"role" validate:"role"`
	Reason string `json:"reason"`
	Locale string `json:"locale" validate:"omitempty,locale"`
	// UnitID is the unit an editor edits for: required when there are several.
	UnitID string `json:"unit_id"`
}

// mayTouchRole tells whether the actor may give or take away role: admin,
// superadmin and secretariat are a superadmin's to grant and remove. The
// secretariat reads every organisation's members and writes to all of them,
// which no instance admin may do: an admin who could name one would give
// someone rights they do not hold themselves.
func mayTouchRole(actor Actor, role string) bool {
	return (role != RoleSecretariat && !RoleAtLeast(role, RoleAdmin)) || RoleAtLeast(actor.Account.Role, RoleSuperadmin)
}

// InviteAccount creates an invited account and e-mails its owner a link to set
// a name and password.
func (s *Store) InviteAccount(ctx context.Context, actor Actor, in Invitation) (*Account, error) {
	if err := requireRole(actor, RoleAdmin); err != nil {
		return nil, err
	}
	if in.Locale == "" {
		in.Locale = actor.Account.Locale
	}
	if err := s.checkLocale(&in, in.Locale); err != nil {
		return nil, err
	}
	if err := checkReason(in.Reason); err != nil {
		return nil, err
	}
	if !mayTouchRole(actor, in.Role) {
		return nil, Coded(ErrForbidden, "superadmin_only")
	}
	var acc *Account
	err := s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		acc, err = s.insertAccount(ctx, tx, NewAccount{Email: in.Email, Name: in.Name, Role: in.Role, Locale: in.Locale, UnitID: in.UnitID}, StatusInvited, "")
		if err != nil {
			return err
		}
		if err := s.appendAudit(ctx, tx, actor, Audit{Action: "account.invited", ObjectType: "account", ObjectID: acc.ID,
			Reason: in.Reason, Details: map[string]any{"role": in.Role}}); err != nil {
			return err
		}
		return s.enqueueLink(ctx, tx, acc.Email, acc.Locale, "invitation", map[string]string{
			"name": acc.Name, "inviter": actor.Account.Name, "role": acc.Role},
			&oneTimeLink{path: "/invitation", purpose: purposeInvite, subject: acc.ID, ttl: inviteTTL})
	})
	return acc, err
}

// AccountChange is an admin's change to an account.
type AccountChange struct {
	Role   *string `json:"role" validate:"omitempty,role"`
	Name   *string `json:"name" validate:"omitempty,trimmed,max=100"`
	Reason string  `json:"reason"`
	// UnitID is the unit a new editor edits for: required when there are several.
	UnitID string `json:"unit_id"`
}

// activeSuperadmins counts the superadmins who can still act.
func activeSuperadmins(ctx context.Context, tx bun.IDB) (int64, error) {
	return tx.NewSelect().Model((*Account)(nil)).Where("role = ? AND status = ?", RoleSuperadmin, StatusActive).Count(ctx)
}

// guardLastSuperadmin refuses a change that would leave no active superadmin.
func guardLastSuperadmin(ctx context.Context, tx bun.IDB, target *Account) error {
	if target.Role != RoleSuperadmin || target.Status != StatusActive {
		return nil
	}
	n, err := activeSuperadmins(ctx, tx)
	if err != nil {
		return err
	}
	if n <= 1 {
		return Coded(ErrConflict, "last_superadmin")
	}
	return nil
}

// UpdateAccount changes an account's role or name, with a reason. Lowering a
// role ends the account's sessions so the lower rights apply at once.
func (s *Store) UpdateAccount(ctx context.Context, actor Actor, id string, ch AccountChange) (*Account, error) {
	if err := requireRole(actor, RoleAdmin); err != nil {
		return nil, err
	}
	if err := check(&ch); err != nil {
		return nil, err
	}
	if err := checkReason(ch.Reason); err != nil {
		return nil, err
	}
	return s.changeAccount(ctx, id, func(ctx context.Context, tx bun.Tx, target *Account) error {
		if _, err := s.withEffectiveRole(ctx, tx, target); err != nil {
			return err
		}
		details := map[string]any{}
		q := tx.NewUpdate().Model(target).Set("updated_at = ?", s.now()).WherePK()
		if ch.Role != nil && *ch.Role != target.Role {
			if !mayTouchRole(actor, target.Role) || !mayTouchRole(actor, *ch.Role) {
				return Coded(ErrForbidden, "superadmin_only")
			}
			if *ch.Role != RoleSuperadmin {
				if err := guardLastSuperadmin(ctx, tx, target); err != nil {
					return err
				}
			}
			details["role_from"], details["role_to"] = target.Role, *ch.Role
			q = q.Set("role = ?", *ch.Role)
			if err := s.setEditorRole(ctx, tx, actor, target.ID, *ch.Role, ch.UnitID, ch.Reason); err != nil {
				return err
			}
			if roleRank[*ch.Role] < roleRank[target.Role] {
				if err := s.endSessions(ctx, tx, target.ID, ""); err != nil {
					return err
				}
			}
		}
		if ch.Name != nil && strings.TrimSpace(*ch.Name) != target.Name {
			details["name_changed"] = true
			q = q.Set("name = ?", strings.TrimSpace(*ch.Name))
		}
		if len(details) == 0 {
			return nil // nothing changes, nothing to record
		}
		if _, err := q.Exec(ctx); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, actor, Audit{Action: "account.updated", ObjectType: "account", ObjectID: id, Reason: ch.Reason, Details: details})
	})
}

// changeAccount runs change on the account id, which it loads, in a write
// transaction, and returns the account as it then is.
func (s *Store) changeAccount(ctx context.Context, id string, change func(ctx context.Context, tx bun.Tx, target *Account) error) (*Account, error) {
	var acc *Account
	err := s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		target, err := accountByID(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := change(ctx, tx, target); err != nil {
			return err
		}
		if acc, err = accountByID(ctx, tx, id); err != nil {
			return err
		}
		_, err = s.withEffectiveRole(ctx, tx, acc)
		return err
	})
	return acc, err
}

// SetAccountStatus blocks, unblocks or deregisters an account, with a reason.
// Blocking and deregistering end every session of the account; unblocking
// also lifts a lock. Nobody blocks or deregisters themselves, an admin only a
// superadmin may touch, nor the last active superadmin.
func (s *Store) SetAccountStatus(ctx context.Context, actor Actor, id, action, reason string) (*Account, error) {
	if err := requireRole(actor, RoleAdmin); err != nil {
		return nil, err
	}
	if err := checkReason(reason); err != nil {
		return nil, err
	}
	return s.changeAccount(ctx, id, func(ctx context.Context, tx bun.Tx, target *Account) error {
		if !mayTouchRole(actor, target.Role) {
			return Coded(ErrForbidden, "superadmin_only")
		}
		var status string
		switch action {
		case "block", "deregister":
			if target.ID == actor.ID() {
				return Coded(ErrConflict, "self")
			}
			if target.Status == StatusDeregistered {
				return Coded(ErrConflict, "deregistered")
			}
			if err := guardLastSuperadmin(ctx, tx, target); err != nil {
				return err
			}
			if err := s.endSessions(ctx, tx, target.ID, ""); err != nil {
				return err
			}
			status = StatusBlocked
			if action == "deregister" {
				status = StatusDeregistered
			}
		case "unblock":
			if target.Status != StatusBlocked && target.Status != StatusLocked {
				return Coded(ErrConflict, "not_blocked")
			}
			status = StatusActive
			if target.PasswordHash == "" {
				status = StatusInvited
			}
		default:
			return Invalid("action", "oneof=block unblock deregister")
		}
		_, err := tx.NewUpdate().Model(target).Set("status = ?", status).Set("failed_logins = 0").Set("updated_at = ?", s.now()).WherePK().Exec(ctx)
		if err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, actor, Audit{Action: "account." + action, ObjectType: "account", ObjectID: id, Reason: reason,
			Details: map[string]any{"status_from": target.Status, "status_to": status}})
	})
}
