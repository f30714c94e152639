package store

import (
	"context"
	"slices"
	"strings"

	"github.com/uptrace/bun"
)

// The texts an instance writes in its own words, one per language: the
// confidentiality pledge newcomers sign and the privacy policy that tells
// the people the association helps who keeps what about them, for how long
// and how to exercise their rights. They live in the settings table, under
// "text.<kind>.<locale>"; a language without its own text reads the
// built-in one (the server's catalogues), which the store does not know.
const (
	TextPledge  = "pledge"
	TextPrivacy = "privacy"
)

// InstanceTextKinds are the instance's texts.
var InstanceTextKinds = []string{TextPledge, TextPrivacy}

// maxInstanceText bounds one text: a policy is a few pages at most.
const maxInstanceText = 20000

func instanceTextKey(kind, locale string) string { return "text." + kind + "." + locale }

// InstanceTexts returns the instance's own texts of kind by language; a
// language absent from the map has none (the built-in text applies). Anyone,
// logged in or not, may read them: they are shown before registering.
func (s *Store) InstanceTexts(ctx context.Context, kind string) (map[string]string, error) {
	var rows []struct {
		Key   string `bun:"key"`
		Value string `bun:"value"`
	}
	prefix := instanceTextKey(kind, "")
	if err := s.read.NewSelect().Table("settings").Column("key", "value").
		Where("key >= ? AND key < ?", prefix, prefix+"\uffff").Scan(ctx, &rows); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, r := range rows {
		out[strings.TrimPrefix(r.Key, prefix)] = r.Value
	}
	return out, nil
}

// SaveInstanceTexts replaces the instance's texts of kind for the languages
// given (superadmins and instance admins, with a reason that lands in the
// audit log). An empty text returns its language to the built-in one;
// languages not given stay as they are.
func (s *Store) SaveInstanceTexts(ctx context.Context, actor Actor, kind string, texts map[string]string, reason string) (map[string]string, error) {
	if err := requireRole(actor, RoleAdmin); err != nil {
		return nil, err
	}
	if !slices.Contains(InstanceTextKinds, kind) {
		return nil, ErrNotFound
	}
	f := invalidFields{}
	locales := make([]string, 0, len(texts))
	for loc, text := range texts {
		field := "texts." + loc
		switch {
		case !localeCode.MatchString(loc) || len(s.policy.Locales) > 0 && !slices.Contains(s.policy.Locales, loc):
			f.set(field, "locale")
		case len([]rune(text)) > maxInstanceText:
			f.set(field, "max=20000")
		case !plainText(text, true):
			f.set(field, "multiline")
		}
		locales = append(locales, loc)
	}
	if err := f.add(checkReason(reason)); err != nil {
		return nil, err
	}
	if err := f.err(); err != nil {
		return nil, err
	}
	slices.Sort(locales)
	err := s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		for _, loc := range locales {
			text := strings.TrimSpace(texts[loc])
			var err error
			if text == "" {
				_, err = tx.NewDelete().Table("settings").Where("key = ?", instanceTextKey(kind, loc)).Exec(ctx)
			} else {
				_, err = tx.NewRaw("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
					instanceTextKey(kind, loc), text).Exec(ctx)
			}
			if err != nil {
				return err
			}
		}
		return s.appendAudit(ctx, tx, actor, Audit{Action: "instance.text_saved", ObjectType: "instance", ObjectID: kind,
			Reason: reason, Details: map[string]any{"text": kind, "locales": locales}})
	})
	if err != nil {
		return nil, err
	}
	return s.InstanceTexts(ctx, kind)
}

// NoticeKeeper is who keeps a case file, as the privacy notice handed to
// the person it concerns names them: its unit's name and contact.
type NoticeKeeper struct {
	Reference    string
	Name         string
	ContactEmail string
	Address      string
	Logo         []byte
	LogoType     string
}

// NoticeKeeper reads who keeps a case file, for anyone who may read it (a
// case file one may not see is ErrNotFound, like one that does not exist).
func (s *Store) NoticeKeeper(ctx context.Context, actor Actor, id string) (*NoticeKeeper, error) {
	c, _, err := s.caseFor(ctx, s.read, actor, id, false)
	if err != nil {
		return nil, err
	}
	k := &NoticeKeeper{Reference: c.Reference}
	err = s.read.NewSelect().Model((*Unit)(nil)).Column("name", "contact_email", "address", "logo", "logo_type").
		Where("id = ?", c.UnitID).Scan(ctx, &k.Name, &k.ContactEmail, &k.Address, &k.Logo, &k.LogoType)
	return k, notFound(err)
}
