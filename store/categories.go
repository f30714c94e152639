package store

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Category is a kind of case file, from a list the admins manage.
type Category struct {
	bun.BaseModel `bun:"table:categories"`

	ID        string    `bun:"id,pk" json:"id"`
	LabelFR   string    `bun:"label_fr" json:"label_fr"`
	LabelEN   string    `bun:"label_en" json:"label_en"`
	Active    bool      `bun:"active" json:"active"`
	Position  int       `bun:"position" json:"position"`
	CreatedAt time.Time `bun:"created_at" json:"created_at"`
	UpdatedAt time.Time `bun:"updated_at" json:"updated_at"`
}

// checkCategory refuses an unknown or retired category.
func checkCategory(ctx context.Context, db bun.IDB, id string) error {
	ok, err := db.NewSelect().Model((*Category)(nil)).Where("id = ? AND active", id).Exists(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return Invalid("category_id", "unknown")
	}
	return nil
}

// ListCategories lists categories in order; retired ones only for admins.
func (s *Store) ListCategories(ctx context.Context, actor Actor) ([]Category, error) {
	if err := requireRole(actor, RoleReader); err != nil {
		return nil, err
	}
	out := []Category{}
	q := s.read.NewSelect().Model(&out).OrderExpr("position, label_fr")
	if !actor.Account.IsAdmin() {
		q = q.Where("active")
	}
	return out, q.Scan(ctx)
}

// CategoryInput creates or changes a category.
type CategoryInput struct {
	ID       string  `json:"id" validate:"omitempty,max=40,alphanum|contains=-"`
	LabelFR  *string `json:"label_fr" validate:"omitempty,trimmed,max=100"`
	LabelEN  *string `json:"label_en" validate:"omitempty,trimmed,max=100"`
	Active   *bool   `json:"active"`
	Position *int    `json:"position"`
}

// SaveCategory creates a category (id empty or new) or changes one (admins).
func (s *Store) SaveCategory(ctx context.Context, actor Actor, in CategoryInput, create bool) (*Category, error) {
	if err := requireRole(actor, RoleAdmin); err != nil {
		return nil, err
	}
	if err := check(&in); err != nil {
		return nil, err
	}
	c := new(Category)
	err := s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		now := s.now()
		if create {
			if in.LabelFR == nil || in.LabelEN == nil {
				fields := map[string]string{}
				if in.LabelFR == nil {
					fields["label_fr"] = "required"
				}
				if in.LabelEN == nil {
					fields["label_en"] = "required"
				}
				return &ValidationError{Fields: fields}
			}
			if in.ID == "" {
				in.ID = newID()
			}
			*c = Category{ID: strings.ToLower(in.ID), LabelFR: strings.TrimSpace(*in.LabelFR), LabelEN: strings.TrimSpace(*in.LabelEN),
				Active: true, CreatedAt: now, UpdatedAt: now}
			if in.Position != nil {
				c.Position = *in.Position
			}
			if exists, err := tx.NewSelect().Model((*Category)(nil)).Where("id = ?", c.ID).Exists(ctx); err != nil || exists {
				if err != nil {
					return err
				}
				return Invalid("id", "taken")
			}
			if _, err := tx.NewInsert().Model(c).Exec(ctx); err != nil {
				return err
			}
		} else {
			if err := tx.NewSelect().Model(c).Where("id = ?", in.ID).Scan(ctx); err != nil {
				return ErrNotFound
			}
			if in.LabelFR != nil {
				c.LabelFR = strings.TrimSpace(*in.LabelFR)
			}
			if in.LabelEN != nil {
				c.LabelEN = strings.TrimSpace(*in.LabelEN)
			}
			if in.Active != nil {
				c.Active = *in.Active
			}
			if in.Position != nil {
				c.Position = *in.Position
			}
			c.UpdatedAt = now
			if _, err := tx.NewUpdate().Model(c).WherePK().Exec(ctx); err != nil {
				return err
			}
		}
		return s.appendAudit(ctx, tx, actor, Audit{Action: "category.saved", ObjectType: "category", ObjectID: c.ID})
	})
	return c, err
}
