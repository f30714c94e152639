package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"cloison/store/passwords"
)

// Account statuses.
const (
	StatusInvited      = "invited"
	StatusPending      = "pending"
	StatusActive       = "active"
	StatusLocked       = "locked"
	StatusBlocked      = "blocked"
	StatusDeregistered = "deregistered"
)

// Account is one person. The e-mail is unique, compared case-insensitively.
type Account struct {
	bun.BaseModel `bun:"table:accounts"`

	ID             string     `bun:"id,pk" json:"id"`
	Email          string     `bun:"email" json:"email"`
	EmailKey       string     `bun:"email_key" json:"-"`
	Name           string     `bun:"name" json:"name"`
	Role           string     `bun:"role" json:"role"`
	Status         string     `bun:"status" json:"status"`
	Locale         string     `bun:"locale" json:"locale"`
	PasswordHash   string     `bun:"password_hash" json:"-"`
	PledgeSignedAt *time.Time `bun:"pledge_signed_at" json:"pledge_signed_at,omitempty"`
	FailedLogins   int        `bun:"failed_logins" json:"-"`
	CreatedAt      time.Time  `bun:"created_at" json:"created_at"`
	UpdatedAt      time.Time  `bun:"updated_at" json:"updated_at"`

	// scope is what the account reaches in the request it authenticated
	// (see Authenticate, scopeOf); nil elsewhere.
	scope *Scope `bun:"-"`
}

// EmailKey is how e-mails are compared: trimmed and lower-cased.
func EmailKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// NewAccount is what creates an account: by setup, the command line,
// registration or an admin's invitation.
type NewAccount struct {
	Email    string `json:"email" validate:"required,max=254,email"`
	Name     string `json:"name" validate:"trimmed,max=100"`
	Password string `json:"password" validate:"password"`
	Role     string `json:"role" validate:"role"`
	Locale   string `json:"locale" validate:"omitempty,locale"`
	// UnitID is the unit an editor edits for (none from outside: the
	// command line and the seed set it); empty means the only unit.
	UnitID string `json:"-"`
}

// newID draws a row's id: a UUID of version 7, whose first 48 bits are the
// time in milliseconds and whose other 74 are random. Ids drawn in order
// sort in order, so a new row's entry lands at the end of every index keyed
// by an id (a case file's own, its grants', events' and audit entries',
// keyed by its id): with random ids (version 4) each create changed a page
// anywhere in eight indexes, most of a create's reads and of the pages its
// COMMIT wrote, and more of them with every case file added. The time an id
// tells is no more than its row's created_at; the random bits keep it
// unguessable.
func newID() string { return uuid.Must(uuid.NewV7()).String() }

// insertAccount writes a new account in tx; an e-mail already taken is a
// validation error on "email" with reason "taken".
func (s *Store) insertAccount(ctx context.Context, tx bun.IDB, n NewAccount, status, hash string) (*Account, error) {
	exists, err := tx.NewSelect().Model((*Account)(nil)).Where("email_key = ?", EmailKey(n.Email)).Exists(ctx)
	if err != nil {
		return nil, err
	}
	if exists {
		return nil, Invalid("email", "taken")
	}
	now := s.now()
	locale := n.Locale
	if locale == "" {
		locale = s.policy.DefaultLocale
	}
	a := &Account{
		ID: newID(), Email: strings.TrimSpace(n.Email), EmailKey: EmailKey(n.Email), Name: strings.TrimSpace(n.Name),
		Role: n.Role, Status: status, Locale: locale, PasswordHash: hash, CreatedAt: now, UpdatedAt: now,
	}
	if _, err := tx.NewInsert().Model(a).Exec(ctx); err != nil {
		return nil, fmt.Errorf("insert account: %w", err)
	}
	// An editor edits for a unit: the one named, or the only one.
	if n.Role == RoleEditor {
		if err := s.setEditorRole(ctx, tx, Actor{}, a.ID, RoleEditor, n.UnitID, ""); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// SetupNeeded tells whether the instance still has no superadmin.
func (s *Store) SetupNeeded(ctx context.Context) (bool, error) {
	exists, err := s.read.NewSelect().Model((*Account)(nil)).
		Where("role = ?", RoleSuperadmin).Where("status != ?", StatusDeregistered).Exists(ctx)
	return !exists, err
}

// CreateSuperadmin creates an active superadmin. With firstOnly, it fails with
// ErrConflict ("setup_done") when one already exists: that is the web setup,
// whose token must die with its first use. The command line passes false.
func (s *Store) CreateSuperadmin(ctx context.Context, h *passwords.Hasher, actor Actor, n NewAccount, firstOnly bool) (*Account, error) {
	n.Role = RoleSuperadmin
	return s.createActive(ctx, h, actor, n, firstOnly)
}

// CreateAccount creates an active account with any role and a password,
// bypassing registration and invitation. It has no HTTP route: it serves the
// command line (seed) and tests, which act as the operator of the machine.
func (s *Store) CreateAccount(ctx context.Context, h *passwords.Hasher, actor Actor, n NewAccount) (*Account, error) {
	return s.createActive(ctx, h, actor, n, false)
}

// SeedAccounts creates the accounts of a seeded instance (store/seed):
// active, all sharing one password hash that the caller computed once with
// the real hasher (hashing thousands of accounts one by one with Argon2id
// would take minutes), each checked and audited like CreateAccount's, as
// seeded. It refuses a database that holds data.
func (s *Store) SeedAccounts(ctx context.Context, actor Actor, accounts []NewAccount, passwordHash string) ([]*Account, error) {
	if passwordHash == "" {
		return nil, fmt.Errorf("seed: a password hash is required")
	}
	for i := range accounts {
		if err := check(&accounts[i]); err != nil {
			return nil, err
		}
	}
	out := make([]*Account, 0, len(accounts))
	err := s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if held, err := holdsData(ctx, tx); err != nil || held {
			return cmp.Or(err, errors.New("seed: the database already holds accounts or case files"))
		}
		for _, n := range accounts {
			a, err := s.insertAccount(ctx, tx, n, StatusActive, passwordHash)
			if err != nil {
				return err
			}
			if err := s.appendAudit(ctx, tx, actor, Audit{Action: "account.created", ObjectType: "account", ObjectID: a.ID,
				Details: map[string]any{"role": a.Role, "seed": true}}); err != nil {
				return err
			}
			out = append(out, a)
		}
		return nil
	})
	return out, err
}

func (s *Store) createActive(ctx context.Context, h *passwords.Hasher, actor Actor, n NewAccount, firstSuperadmin bool) (*Account, error) {
	if err := s.checkLocale(&n, n.Locale); err != nil {
		return nil, err
	}
	// Hash outside the transaction: the single writer must not wait on Argon2.
	hash, err := h.Hash(ctx, n.Password)
	if err != nil {
		return nil, err
	}
	var acc *Account
	err = s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if firstSuperadmin {
			exists, err := tx.NewSelect().Model((*Account)(nil)).
				Where("role = ?", RoleSuperadmin).Where("status != ?", StatusDeregistered).Exists(ctx)
			if err != nil {
				return err
			}
			if exists {
				return Coded(ErrConflict, "setup_done")
			}
		}
		a, err := s.insertAccount(ctx, tx, n, StatusActive, hash)
		if err != nil {
			return err
		}
		acc = a
		return s.appendAudit(ctx, tx, actor, Audit{Action: "account.created", ObjectType: "account", ObjectID: a.ID, Details: map[string]any{"role": a.Role}})
	})
	return acc, err
}

// accountByEmail loads the account with this e-mail (compared as EmailKey
// compares them), with any status, or nil when there is none.
func accountByEmail(ctx context.Context, db bun.IDB, email string) (*Account, error) {
	return accountWhere(ctx, db, "email_key", EmailKey(email))
}

// accountByID loads an account with any status, or ErrNotFound.
func accountByID(ctx context.Context, db bun.IDB, id string) (*Account, error) {
	a, err := accountWhere(ctx, db, "id", id)
	if a == nil && err == nil {
		return nil, ErrNotFound
	}
	return a, err
}

// accountWhere loads the account whose unique column holds v, or nil.
func accountWhere(ctx context.Context, db bun.IDB, column string, v any) (*Account, error) {
	a := new(Account)
	err := db.NewSelect().Model(a).Where("? = ?", bun.Ident(column), v).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return a, nil
}
