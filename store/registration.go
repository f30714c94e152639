package store

import (
	"context"
	"errors"
	"strings"

	"github.com/uptrace/bun"

	"cloison/store/passwords"
)

// Registration is what a newcomer sends.
type Registration struct {
	Email    string `json:"email" validate:"required,max=254,email"`
	Name     string `json:"name" validate:"trimmed,max=100"`
	Password string `json:"password" validate:"password"`
	// Pledge is the confidentiality pledge; registering means signing it.
	Pledge bool   `json:"pledge" validate:"eq=true"`
	Locale string `json:"locale" validate:"omitempty,locale"`
	// Invitation is a token from an invitation e-mail (an admin's, a
	// helper's or a membership's). When it was sent to the same e-mail, the
	// account is active at once with what it grants.
	Invitation string `json:"invitation"`
}

// Registered says what a registration led to, without revealing whether the
// e-mail was already taken: Active only when a matching invitation was used.
type Registered struct {
	Active bool
}

// Register records a newcomer. The outcome visible to the caller is the same
// whether or not the e-mail is taken: the owner of a taken address gets an
// e-mail saying so instead of an activation link.
func (s *Store) Register(ctx context.Context, h *passwords.Hasher, actor Actor, r Registration) (Registered, error) {
	if r.Locale == "" {
		r.Locale = s.policy.DefaultLocale
	}
	if err := s.checkLocale(&r, r.Locale); err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) && ve.Fields["pledge"] != "" {
			ve.Fields["pledge"] = "required"
		}
		return Registered{}, err
	}
	// Hashing happens for every registration, taken e-mail or not, so that
	// both take the same time; and outside the transaction, so that the
	// single writer never waits on Argon2.
	hash, err := h.Hash(ctx, r.Password)
	if err != nil {
		return Registered{}, err
	}
	var out Registered
	err = s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if r.Invitation != "" {
			done, err := s.acceptAccountInvitation(ctx, tx, actor, r, hash)
			if err == nil && !done {
				done, err = s.registerCollaborator(ctx, tx, actor, r, hash)
			}
			if err == nil && !done {
				done, err = s.registerMember(ctx, tx, actor, r, hash)
			}
			if err != nil || done {
				out.Active = done
				return err
			}
		}
		if s.policy.RegistrationClosed {
			return Coded(ErrForbidden, "registration_closed")
		}
		existing, err := accountByEmail(ctx, tx, r.Email)
		switch {
		case err != nil:
			return err
		case existing == nil:
		case existing.Status == StatusPending:
			// Never activated: send a fresh link, keep what was registered.
			return s.sendActivation(ctx, tx, existing)
		default:
			return s.enqueue(ctx, tx, existing.Email, existing.Locale, "already_registered", map[string]string{
				"name": existing.Name, "login_link": s.baseURL + "/login", "reset_link": s.baseURL + "/forgot"})
		}
		acc, err := s.insertAccount(ctx, tx, NewAccount{Email: r.Email, Name: r.Name, Role: RoleReader, Locale: r.Locale}, StatusPending, hash)
		if err != nil {
			return err
		}
		if _, err := tx.NewUpdate().Model(acc).Set("pledge_signed_at = ?", acc.CreatedAt).WherePK().Exec(ctx); err != nil {
			return err
		}
		if err := s.appendAudit(ctx, tx, actor, Audit{Action: "account.registered", ObjectType: "account", ObjectID: acc.ID}); err != nil {
			return err
		}
		return s.sendActivation(ctx, tx, acc)
	})
	return out, err
}

func (s *Store) sendActivation(ctx context.Context, tx bun.IDB, acc *Account) error {
	return s.enqueueLink(ctx, tx, acc.Email, acc.Locale, "activation", map[string]string{"name": acc.Name},
		&oneTimeLink{path: "/activate", purpose: purposeActivate, subject: acc.ID, ttl: activateTTL})
}

// acceptAccountInvitation completes an admin's invitation when the
// registration uses the invited e-mail. It reports false, and changes
// nothing, when the token is not an account invitation for this e-mail: the
// registration then goes on as a plain one.
func (s *Store) acceptAccountInvitation(ctx context.Context, tx bun.IDB, actor Actor, r Registration, hash string) (bool, error) {
	t, err := s.peekToken(ctx, tx, r.Invitation, purposeInvite)
	if err != nil {
		return false, nil
	}
	acc, err := accountByID(ctx, tx, t.AccountID)
	if err != nil || acc.Status != StatusInvited || acc.EmailKey != EmailKey(r.Email) {
		return false, err
	}
	if _, err := s.useToken(ctx, tx, r.Invitation, purposeInvite); err != nil {
		return false, err
	}
	now := s.now()
	_, err = tx.NewUpdate().Model(acc).
		Set("name = ?", strings.TrimSpace(r.Name)).Set("password_hash = ?", hash).Set("status = ?", StatusActive).
		Set("locale = ?", r.Locale).Set("pledge_signed_at = ?", now).Set("updated_at = ?", now).WherePK().Exec(ctx)
	if err != nil {
		return false, err
	}
	actor.Account = acc
	return true, s.appendAudit(ctx, tx, actor, Audit{Action: "account.invitation_accepted", ObjectType: "account", ObjectID: acc.ID})
}

// registerCollaborator registers a helper invited on a case file with the
// invited e-mail: the account is active at once, as a reader helping on that
// case file. It reports false, changing nothing, for any other token or e-mail.
func (s *Store) registerCollaborator(ctx context.Context, tx bun.IDB, actor Actor, r Registration, hash string) (bool, error) {
	g, _, err := s.collaborationByToken(ctx, tx, r.Invitation)
	if err != nil || g.InvitedEmail != EmailKey(r.Email) {
		return false, nil
	}
	return s.registerInvitee(ctx, tx, actor, r, hash, "collaboration", func(actor Actor, acc *Account) error {
		_, err := s.bindCollaboration(ctx, tx, actor, acc, r.Invitation)
		return err
	})
}

// registerInvitee registers someone with the e-mail an invitation of kind
// was sent to: the account is active at once, a reader, and bind gives it
// what the invitation grants. It reports false, changing nothing, when the
// e-mail already has an account: its owner logs in and accepts instead.
func (s *Store) registerInvitee(ctx context.Context, tx bun.IDB, actor Actor, r Registration, hash, kind string,
	bind func(Actor, *Account) error) (bool, error) {
	if taken, err := tx.NewSelect().Model((*Account)(nil)).Where("email_key = ?", EmailKey(r.Email)).Exists(ctx); err != nil || taken {
		return false, err
	}
	acc, err := s.insertAccount(ctx, tx, NewAccount{Email: r.Email, Name: r.Name, Role: RoleReader, Locale: r.Locale}, StatusActive, hash)
	if err != nil {
		return false, err
	}
	if _, err := tx.NewUpdate().Model(acc).Set("pledge_signed_at = ?", acc.CreatedAt).WherePK().Exec(ctx); err != nil {
		return false, err
	}
	actor.Account = acc
	if err := s.appendAudit(ctx, tx, actor, Audit{Action: "account.registered", ObjectType: "account", ObjectID: acc.ID,
		Details: map[string]any{"by_invitation": kind}}); err != nil {
		return false, err
	}
	return true, bind(actor, acc)
}

// Activate confirms a registration's e-mail: the account becomes active
// with the role it has (reader, for a newcomer). It returns the address,
// which the login page then fills in (the link's holder received it there).
func (s *Store) Activate(ctx context.Context, actor Actor, tok string) (string, error) {
	var email string
	err := s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		acc, err := s.useToken(ctx, tx, tok, purposeActivate)
		if err != nil {
			return err
		}
		if acc.Status != StatusPending {
			return errInvalidToken
		}
		if _, err := tx.NewUpdate().Model(acc).Set("status = ?", StatusActive).Set("updated_at = ?", s.now()).WherePK().Exec(ctx); err != nil {
			return err
		}
		actor.Account, email = acc, acc.Email
		return s.appendAudit(ctx, tx, actor, Audit{Action: "account.activated", ObjectType: "account", ObjectID: acc.ID})
	})
	return email, err
}

// InvitationInfo is what an invitation link may show before it is used: the
// invited e-mail and who invited, nothing more.
type InvitationInfo struct {
	// Kind is "account" (an admin's invitation), "collaboration" (a
	// helper's invitation on one case file) or "membership" (of an
	// organisation or a unit).
	Kind  string `json:"kind"`
	Email string `json:"email"`
	// Role is the account's role (account) or the membership's (membership).
	Role    string `json:"role,omitempty"`
	Inviter string `json:"inviter"`
	// Reference and CollaborationKind describe a helper's invitation.
	Reference         string `json:"reference,omitempty"`
	CollaborationKind string `json:"collaboration_kind,omitempty"`
	// ScopeType ("org" or "unit") and ScopeName describe a membership's.
	ScopeType string `json:"scope_type,omitempty"`
	ScopeName string `json:"scope_name,omitempty"`
}

// InspectInvitation describes a valid invitation token of either kind.
func (s *Store) InspectInvitation(ctx context.Context, tok string) (*InvitationInfo, error) {
	t, err := s.peekToken(ctx, s.read, tok, purposeInvite)
	if err != nil {
		return s.inspectHelperOrMember(ctx, tok)
	}
	acc, err := accountByID(ctx, s.read, t.AccountID)
	if err != nil || acc.Status != StatusInvited {
		return nil, errInvalidToken
	}
	var inviter string
	_ = s.read.NewSelect().Table("audit_entries").ColumnExpr("a.name").
		Join("JOIN accounts AS a ON a.id = audit_entries.actor_id").
		Where("audit_entries.action = ? AND audit_entries.object_id = ?", "account.invited", acc.ID).
		OrderExpr("audit_entries.id DESC").Limit(1).Scan(ctx, &inviter)
	return &InvitationInfo{Kind: "account", Email: acc.Email, Role: acc.Role, Inviter: inviter}, nil
}
