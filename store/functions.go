package store

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Function is an entry of the catalogue of functions a membership may hold
// (president, treasurer, secretary, referent…): a code memberships keep, and
// its labels. LabelDE may be empty (an entry saved before German labels
// existed, or by a client that gives none): a German reader then reads the
// English label, else the French one.
type Function struct {
	bun.BaseModel `bun:"table:functions,alias:fn"`

	Code      string    `bun:"code,pk" json:"code"`
	LabelFR   string    `bun:"label_fr" json:"label_fr"`
	LabelEN   string    `bun:"label_en" json:"label_en"`
	LabelDE   string    `bun:"label_de" json:"label_de"`
	Position  int       `bun:"position" json:"position"`
	Active    bool      `bun:"active" json:"active"`
	CreatedAt time.Time `bun:"created_at" json:"-"`
	UpdatedAt time.Time `bun:"updated_at" json:"-"`
}

// FunctionInput is one entry of the catalogue as the secretariat gives it.
// The German label is optional, so that clients written before it existed
// keep saving: left out, an entry keeps the German label it had (a new one
// has none); given empty (or blank), it has none. Without one, German
// readers get the English label.
type FunctionInput struct {
	Code    string  `json:"code"`
	LabelFR string  `json:"label_fr" validate:"trimmed,required,max=100,singleline"`
	LabelEN string  `json:"label_en" validate:"trimmed,required,max=100,singleline"`
	LabelDE *string `json:"label_de" validate:"omitnil,max=100,singleline"`
	Active  *bool   `json:"active"`
}

// maxCatalogue bounds the catalogue of functions.
const maxCatalogue = 200

// ListFunctions returns the catalogue, in its order: anyone logged in.
func (s *Store) ListFunctions(ctx context.Context, actor Actor) ([]Function, error) {
	if err := requireRole(actor, RoleReader); err != nil {
		return nil, err
	}
	out := []Function{}
	return out, s.read.NewSelect().Model(&out).OrderExpr("position, code").Scan(ctx)
}

// SaveFunctions replaces the catalogue with items, in their order (the
// secretariat and superadmins, with a reason). A function left out that a
// membership still holds is refused (409 function_in_use): deactivate it
// instead, and memberships keep it.
func (s *Store) SaveFunctions(ctx context.Context, actor Actor, items []FunctionInput, reason string) ([]Function, error) {
	sc, err := s.scopeOf(ctx, actor)
	if err != nil {
		return nil, err
	}
	if !sc.Secretariat && !sc.Superadmin {
		return nil, ErrForbidden
	}
	f := invalidFields{}
	if len(items) > maxCatalogue {
		f.set("items", "max_items=200")
	}
	var codes []string
	for i, it := range items {
		field := "items." + strconv.Itoa(i)
		if !functionPattern.MatchString(it.Code) {
			f.set(field+".code", "format")
		} else if slices.Contains(codes, it.Code) {
			f.set(field+".code", "duplicate")
		}
		codes = append(codes, it.Code)
		var ve *ValidationError
		if err := check(&items[i]); errors.As(err, &ve) {
			for k, v := range ve.Fields {
				f.set(field+"."+k, v)
			}
		} else if err != nil {
			return nil, err
		}
	}
	if err := f.add(checkReason(reason)); err != nil {
		return nil, err
	}
	if err := f.err(); err != nil {
		return nil, err
	}
	var out []Function
	err = s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var held []string
		if err := tx.NewRaw(`SELECT DISTINCT f.value FROM memberships AS m, json_each(m.functions) AS f`).Scan(ctx, &held); err != nil {
			return err
		}
		for _, h := range held {
			if !slices.Contains(codes, h) {
				return Coded(ErrConflict, "function_in_use")
			}
		}
		if _, err := tx.NewDelete().Model((*Function)(nil)).Where("code NOT IN (?)", bun.In(append(codes, ""))).Exec(ctx); err != nil {
			return err
		}
		now := s.now()
		for i, it := range items {
			active := it.Active == nil || *it.Active
			fn := &Function{Code: it.Code, LabelFR: strings.TrimSpace(it.LabelFR), LabelEN: strings.TrimSpace(it.LabelEN),
				Position: (i + 1) * 10, Active: active, CreatedAt: now, UpdatedAt: now}
			q := tx.NewInsert().Model(fn).On("CONFLICT (code) DO UPDATE").
				Set("label_fr = EXCLUDED.label_fr, label_en = EXCLUDED.label_en, position = EXCLUDED.position").
				Set("active = EXCLUDED.active, updated_at = EXCLUDED.updated_at")
			if it.LabelDE != nil {
				fn.LabelDE = strings.TrimSpace(*it.LabelDE)
				q = q.Set("label_de = EXCLUDED.label_de")
			}
			if _, err := q.Exec(ctx); err != nil {
				return err
			}
		}
		if err := s.appendAudit(ctx, tx, actor, Audit{Action: "functions.saved", ObjectType: "functions", Reason: reason,
			Details: map[string]any{"codes": codes}}); err != nil {
			return err
		}
		out = []Function{}
		return tx.NewSelect().Model(&out).OrderExpr("position, code").Scan(ctx)
	})
	return out, err
}

// knownFunctions refuses function codes the catalogue does not hold,
// naming field (where the form that gave them puts them).
func knownFunctions(ctx context.Context, db bun.IDB, field string, codes []string) error {
	codes = slices.Compact(slices.Sorted(slices.Values(codes)))
	if len(codes) == 0 {
		return nil
	}
	n, err := db.NewSelect().Model((*Function)(nil)).Where("code IN (?)", bun.In(codes)).Count(ctx)
	if err != nil {
		return err
	}
	if n != int64(len(codes)) {
		return Invalid(field, "unknown_function")
	}
	return nil
}
