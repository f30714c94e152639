package store

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"cloison/store/search"
)

// Category is a kind of case file, from a list the admins manage. Its
// label is in every language the instance speaks, by language code.
type Category struct {
	bun.BaseModel `bun:"table:categories"`

	ID        string            `bun:"id,pk" json:"id"`
	Labels    map[string]string `bun:"labels,type:json" json:"labels"`
	Active    bool              `bun:"active" json:"active"`
	Position  int               `bun:"position" json:"position"`
	CreatedAt time.Time         `bun:"created_at" json:"created_at"`
	UpdatedAt time.Time         `bun:"updated_at" json:"updated_at"`
}

// Label is the category's label in the first of locales it has one in,
// else in French, else in any language (the first by code), else its id.
func (c Category) Label(locales ...string) string {
	for _, l := range append(locales, "fr") {
		if s := c.Labels[l]; s != "" {
			return s
		}
	}
	for _, l := range slices.Sorted(maps.Keys(c.Labels)) {
		if s := c.Labels[l]; s != "" {
			return s
		}
	}
	return c.ID
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
	q := s.read.NewSelect().Model(&out).OrderExpr("position, id")
	if !actor.Account.IsAdmin() {
		q = q.Where("active")
	}
	return out, q.Scan(ctx)
}

// CategoryInput creates or changes a category. Labels are by language
// code; on a change, a language given replaces its label and "" removes it
// (but the instance's default language always keeps one).
type CategoryInput struct {
	ID       string            `json:"id" validate:"omitempty,max=40,alphanum|contains=-"`
	Labels   map[string]string `json:"labels"`
	Active   *bool             `json:"active"`
	Position *int              `json:"position"`
}

// SaveCategory creates a category (id empty or new) or changes one (admins).
// A label another category already has in the same language, whatever its
// capitals and accents, is refused (422 on labels.<language>).
func (s *Store) SaveCategory(ctx context.Context, actor Actor, in CategoryInput, create bool) (*Category, error) {
	if err := requireRole(actor, RoleAdmin); err != nil {
		return nil, err
	}
	if err := s.checkCategoryInput(&in); err != nil {
		return nil, err
	}
	c := new(Category)
	err := s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		now := s.now()
		if create {
			if in.ID == "" {
				in.ID = newID()
			}
			*c = Category{ID: strings.ToLower(in.ID), Labels: map[string]string{}, Active: true, CreatedAt: now, UpdatedAt: now}
			if exists, err := tx.NewSelect().Model((*Category)(nil)).Where("id = ?", c.ID).Exists(ctx); err != nil || exists {
				if err != nil {
					return err
				}
				return Invalid("id", "taken")
			}
		} else if err := tx.NewSelect().Model(c).Where("id = ?", in.ID).Scan(ctx); err != nil {
			return ErrNotFound
		}
		if c.Labels == nil {
			c.Labels = map[string]string{}
		}
		for l, label := range in.Labels {
			if label = strings.TrimSpace(label); label == "" {
				delete(c.Labels, l)
			} else {
				c.Labels[l] = label
			}
		}
		if c.Labels[s.policy.DefaultLocale] == "" {
			return Invalid("labels."+s.policy.DefaultLocale, "required")
		}
		if err := s.uniqueLabels(ctx, tx, c, in.Labels); err != nil {
			return err
		}
		if in.Active != nil {
			c.Active = *in.Active
		}
		if in.Position != nil {
			c.Position = *in.Position
		}
		c.UpdatedAt = now
		if create {
			if _, err := tx.NewInsert().Model(c).Exec(ctx); err != nil {
				return err
			}
		} else if _, err := tx.NewUpdate().Model(c).WherePK().Exec(ctx); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, actor, Audit{Action: "category.saved", ObjectType: "category", ObjectID: c.ID})
	})
	return c, err
}

// checkCategoryInput validates the form of an input: known languages,
// labels of at most 100 characters.
func (s *Store) checkCategoryInput(in *CategoryInput) error {
	if err := check(in); err != nil {
		return err
	}
	for _, l := range slices.Sorted(maps.Keys(in.Labels)) {
		switch {
		case !localeCode.MatchString(l) || len(s.policy.Locales) > 0 && !slices.Contains(s.policy.Locales, l):
			return Invalid("labels."+l, "locale")
		case utf8.RuneCountInString(strings.TrimSpace(in.Labels[l])) > 100:
			return Invalid("labels."+l, "max=100")
		}
	}
	return nil
}

// labelKey is how labels compare: without capitals, accents or punctuation,
// as the search folds words ("Santé, soins" is "sante soins").
func labelKey(label string) string { return strings.Join(search.Terms(label), " ") }

// uniqueLabels refuses a label of c, among those just given, that another
// category has in the same language.
func (s *Store) uniqueLabels(ctx context.Context, tx bun.IDB, c *Category, given map[string]string) error {
	var others []Category
	if err := tx.NewSelect().Model(&others).Column("id", "labels").Where("id != ?", c.ID).Scan(ctx); err != nil {
		return err
	}
	for _, l := range slices.Sorted(maps.Keys(given)) {
		key := labelKey(c.Labels[l])
		if key == "" {
			continue
		}
		for _, o := range others {
			if labelKey(o.Labels[l]) == key {
				return Invalid("labels."+l, "label_taken")
			}
		}
	}
	return nil
}

// AddCategories adds, in one go, the categories of a preset (named by key,
// for the audit log) that the instance lacks: those whose id or whose label
// in some language it already has are left out. It returns those added.
func (s *Store) AddCategories(ctx context.Context, actor Actor, key string, in []CategoryInput) ([]Category, error) {
	if err := requireRole(actor, RoleAdmin); err != nil {
		return nil, err
	}
	for i := range in {
		if err := s.checkCategoryInput(&in[i]); err != nil {
			return nil, err
		}
	}
	added := []Category{}
	err := s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var existing []Category
		if err := tx.NewSelect().Model(&existing).Scan(ctx); err != nil {
			return err
		}
		taken := map[string]bool{}
		position := 0
		for _, c := range existing {
			taken["id:"+c.ID] = true
			for l, label := range c.Labels {
				taken[l+":"+labelKey(label)] = true
			}
			position = max(position, c.Position)
		}
		now := s.now()
		var ids []string
	next:
		for _, ci := range in {
			c := Category{ID: strings.ToLower(ci.ID), Labels: map[string]string{}, Active: true, CreatedAt: now, UpdatedAt: now}
			for l, label := range ci.Labels {
				if label = strings.TrimSpace(label); label != "" {
					c.Labels[l] = label
				}
			}
			if taken["id:"+c.ID] || c.Labels[s.policy.DefaultLocale] == "" {
				continue
			}
			for l, label := range c.Labels {
				if taken[l+":"+labelKey(label)] {
					continue next
				}
			}
			position += 10
			c.Position = position
			if _, err := tx.NewInsert().Model(&c).Exec(ctx); err != nil {
				return err
			}
			taken["id:"+c.ID] = true
			for l, label := range c.Labels {
				taken[l+":"+labelKey(label)] = true
			}
			added = append(added, c)
			ids = append(ids, c.ID)
		}
		if len(ids) == 0 {
			return nil
		}
		return s.appendAudit(ctx, tx, actor, Audit{Action: "category.preset_added", ObjectType: "category_preset", ObjectID: key,
			Details: map[string]any{"categories": ids}})
	})
	return added, err
}
