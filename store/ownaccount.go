package store

import (
	"context"
	"strings"

	"github.com/uptrace/bun"

	"cloison/store/passwords"
)

// A person's own account: their profile, changing their password, and
// resetting a forgotten one.

// ForgotPassword sends a reset link if an active or locked account has this
// e-mail, and does nothing visible otherwise.
func (s *Store) ForgotPassword(ctx context.Context, actor Actor, email string) error {
	acc, err := accountByEmail(ctx, s.read, email)
	if err != nil || acc == nil || (acc.Status != StatusActive && acc.Status != StatusLocked) {
		return err
	}
	return s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return s.enqueueLink(ctx, tx, acc.Email, acc.Locale, "reset", map[string]string{"name": acc.Name},
			&oneTimeLink{path: "/reset", purpose: purposeReset, subject: acc.ID, ttl: resetTTL})
	})
}

// ResetPassword sets a new password through a reset link: it also lifts a
// lock, ends every session of the account, and tells its owner.
func (s *Store) ResetPassword(ctx context.Context, h *passwords.Hasher, actor Actor, tok, password string) error {
	if r := passwords.Check(password); r != "" {
		return Invalid("password", r)
	}
	if _, err := s.peekToken(ctx, s.read, tok, purposeReset); err != nil {
		return err
	}
	hash, err := h.Hash(ctx, password)
	if err != nil {
		return err
	}
	return s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		acc, err := s.useToken(ctx, tx, tok, purposeReset)
		if err != nil {
			return err
		}
		if acc.Status != StatusActive && acc.Status != StatusLocked {
			return errInvalidToken
		}
		if _, err := tx.NewUpdate().Model(acc).Set("password_hash = ?", hash).Set("status = ?", StatusActive).
			Set("failed_logins = 0").Set("updated_at = ?", s.now()).WherePK().Exec(ctx); err != nil {
			return err
		}
		return s.passwordChanged(ctx, tx, actor, acc, "")
	})
}

// passwordChanged ends the account's other sessions, audits and notifies.
func (s *Store) passwordChanged(ctx context.Context, tx bun.IDB, actor Actor, acc *Account, keepSession string) error {
	if err := s.endSessions(ctx, tx, acc.ID, keepSession); err != nil {
		return err
	}
	if actor.Account == nil {
		actor.Account = acc
	}
	if err := s.appendAudit(ctx, tx, actor, Audit{Action: "account.password_changed", ObjectType: "account", ObjectID: acc.ID}); err != nil {
		return err
	}
	return s.enqueue(ctx, tx, acc.Email, acc.Locale, "password_changed", map[string]string{"name": acc.Name})
}

// ChangePassword changes the actor's own password after checking the current
// one; the actor's other sessions end.
func (s *Store) ChangePassword(ctx context.Context, h *passwords.Hasher, actor Actor, current, next string) error {
	if r := passwords.Check(next); r != "" {
		return Invalid("new_password", r)
	}
	ok, err := h.Verify(ctx, actor.Account.PasswordHash, current)
	if err != nil {
		return err
	}
	if !ok {
		return Invalid("current_password", "wrong")
	}
	hash, err := h.Hash(ctx, next)
	if err != nil {
		return err
	}
	return s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewUpdate().Model((*Account)(nil)).Set("password_hash = ?", hash).Set("updated_at = ?", s.now()).
			Where("id = ?", actor.ID()).Exec(ctx); err != nil {
			return err
		}
		return s.passwordChanged(ctx, tx, actor, actor.Account, actor.SessionID)
	})
}

// ProfileChange is what a person may change of their own account.
type ProfileChange struct {
	Name   *string `json:"name" validate:"omitempty,trimmed,max=100"`
	Locale *string `json:"locale" validate:"omitempty,locale"`
}

// UpdateProfile changes the actor's own name or language.
func (s *Store) UpdateProfile(ctx context.Context, actor Actor, p ProfileChange) (*Account, error) {
	locale := ""
	if p.Locale != nil {
		locale = *p.Locale
	}
	if err := s.checkLocale(&p, locale); err != nil {
		return nil, err
	}
	var acc *Account
	err := s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewUpdate().Model((*Account)(nil)).Set("updated_at = ?", s.now()).Where("id = ?", actor.ID())
		if p.Name != nil {
			q = q.Set("name = ?", strings.TrimSpace(*p.Name))
		}
		if p.Locale != nil {
			q = q.Set("locale = ?", *p.Locale)
		}
		if _, err := q.Exec(ctx); err != nil {
			return err
		}
		var err error
		acc, err = accountByID(ctx, tx, actor.ID())
		return err
	})
	return acc, err
}
