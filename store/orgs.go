package store

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/uptrace/bun"
)

// Scope statuses, of organisations and units alike.
const (
	ScopeInvited = "invited"
	ScopeActive  = "active"
	ScopeClosed  = "closed"
)

// Organisation is a network member, a sponsoring body, a school board:
// what holds units.
type Organisation struct {
	bun.BaseModel `bun:"table:organisations,alias:o"`

	ID           string    `bun:"id,pk" json:"id"`
	Name         string    `bun:"name" json:"name"`
	Code         string    `bun:"code" json:"code"`
	Address      string    `bun:"address" json:"address"`
	ContactEmail string    `bun:"contact_email" json:"contact_email"`
	Status       string    `bun:"status" json:"status"`
	Central      bool      `bun:"centrally_managed" json:"centrally_managed"`
	CreatedAt    time.Time `bun:"created_at" json:"created_at"`
	UpdatedAt    time.Time `bun:"updated_at" json:"updated_at"`
}

// Unit is an association, an institution, an establishment: every case
// file belongs to exactly one, and units are as watertight from each other
// as one person's case files are from another's.
type Unit struct {
	bun.BaseModel `bun:"table:units,alias:u"`

	ID               string    `bun:"id,pk" json:"id"`
	OrgID            string    `bun:"org_id" json:"org_id"`
	Name             string    `bun:"name" json:"name"`
	Code             string    `bun:"code" json:"code"`
	ContactEmail     string    `bun:"contact_email" json:"contact_email"`
	Address          string    `bun:"address" json:"address"`
	Status           string    `bun:"status" json:"status"`
	ModuleHelpers    bool      `bun:"module_helpers" json:"-"`
	ModuleAttach     bool      `bun:"module_attachments" json:"-"`
	ModuleReminders  bool      `bun:"module_reminders" json:"-"`
	AcceptsTransfers bool      `bun:"accepts_transfers" json:"accepts_transfers"`
	LogoType         string    `bun:"logo_type" json:"-"`
	StampType        string    `bun:"stamp_type" json:"-"`
	CreatedAt        time.Time `bun:"created_at" json:"created_at"`
	UpdatedAt        time.Time `bun:"updated_at" json:"updated_at"`
}

// UnitRef is a unit as a case file shows it.
type UnitRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Code string `json:"code"`
}

// Modules are the parts of Cloison a unit switches on or off; a module that
// is off disappears from the interface and its endpoints answer 403
// module_disabled.
type Modules struct {
	Helpers     bool `json:"helpers"`
	Attachments bool `json:"attachments"`
	Reminders   bool `json:"reminders"`
}

// Modules are the unit's switches.
func (u *Unit) Modules() Modules {
	return Modules{Helpers: u.ModuleHelpers, Attachments: u.ModuleAttach, Reminders: u.ModuleReminders}
}

// errModuleDisabled refuses an action of a module the case file's unit
// switched off.
var errModuleDisabled = Coded(ErrForbidden, "module_disabled")

// NameFirstScope names the organisation and the unit that the migration to
// units made for an existing instance (or a new one) after the instance,
// once: they are created nameless, since the instance's name lives in its
// configuration, not in its database.
func (s *Store) NameFirstScope(ctx context.Context, name string) error {
	return s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		now := s.now()
		if _, err := tx.NewUpdate().Model((*Organisation)(nil)).Set("name = ?", name).Set("updated_at = ?", now).
			Where("name = ''").Exec(ctx); err != nil {
			return err
		}
		_, err := tx.NewUpdate().Model((*Unit)(nil)).Set("name = ?", name).Set("updated_at = ?", now).
			Where("name = ''").Exec(ctx)
		return err
	})
}

// activeUnits counts the active units: while there is one, the interface
// shows no unit anywhere.
func (s *Store) activeUnits(ctx context.Context, db bun.IDB) (int, error) {
	n, err := db.NewSelect().Model((*Unit)(nil)).Where("status = ?", ScopeActive).Count(ctx)
	return int(n), err
}

// ActiveUnits counts the active units (see activeUnits).
func (s *Store) ActiveUnits(ctx context.Context) (int, error) { return s.activeUnits(ctx, s.read) }

// onlyUnit is the instance's single active unit, or "" when there are
// several (or none).
func (s *Store) onlyUnit(ctx context.Context, db bun.IDB) (string, error) {
	var ids []string
	if err := db.NewSelect().Model((*Unit)(nil)).Column("id").Where("status = ?", ScopeActive).Limit(2).Scan(ctx, &ids); err != nil {
		return "", err
	}
	if len(ids) != 1 {
		return "", nil
	}
	return ids[0], nil
}

// unitByID reads one unit.
func unitByID(ctx context.Context, db bun.IDB, id string) (*Unit, error) {
	u := new(Unit)
	if err := db.NewSelect().Model(u).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err)
	}
	return u, nil
}

// creationUnit is the unit a case file is created in: the one asked for,
// if the scope may create there (it edits for or administers it; instance
// admins anywhere), or else the only one it may create in. A unit the
// scope may not create in is refused like one that does not exist.
func (s *Store) creationUnit(ctx context.Context, sc *Scope, asked string) (*Unit, error) {
	if !sc.reachesCases() {
		return nil, ErrForbidden
	}
	var candidates []string
	if !sc.All {
		for _, u := range append(append([]string{}, sc.EditorUnits...), sc.AdminScopeUnits...) {
			candidates = appendNew(candidates, u)
		}
		if len(candidates) == 0 {
			return nil, ErrForbidden // not a case manager anywhere
		}
	}
	if asked == "" {
		switch {
		case len(candidates) == 1:
			asked = candidates[0]
		case sc.All:
			only, err := s.onlyUnit(ctx, s.read)
			if err != nil {
				return nil, err
			}
			if only == "" {
				return nil, Invalid("unit_id", "required")
			}
			asked = only
		default:
			return nil, Invalid("unit_id", "required")
		}
	}
	if !sc.All && !slices.Contains(candidates, asked) {
		return nil, Invalid("unit_id", "unknown")
	}
	u, err := unitByID(ctx, s.read, asked)
	if errors.Is(err, ErrNotFound) || (err == nil && u.Status != ScopeActive) {
		return nil, Invalid("unit_id", "unknown")
	}
	return u, err
}

// AllUnits lists every unit, oldest first, for the command line (the seed);
// the API lists them through the directory.
func (s *Store) AllUnits(ctx context.Context) ([]Unit, error) {
	out := []Unit{}
	return out, s.read.NewSelect().Model(&out).OrderExpr("created_at, id").Scan(ctx)
}
