package store

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Messages (DESIGN.md, "message"): a scope admin or the secretariat writes
// to the members of chosen organisations and units, filtered by role and
// function, live mandates only. The preview gives a count; sending puts
// one e-mail per recipient in the outbox (no one sees another address),
// records the message with its audience and lands in the audit log.

// Audience chooses a message's recipients. Empty lists do not narrow: no
// organisation and no unit means every scope the sender may write to.
type Audience struct {
	OrgIDs    []string `json:"org_ids"`
	UnitIDs   []string `json:"unit_ids"`
	Roles     []string `json:"roles"`
	Functions []string `json:"functions"`
}

// NewMessage is a message to send.
type NewMessage struct {
	Subject  string   `json:"subject" validate:"trimmed,required,max=200,singleline"`
	Body     string   `json:"body" validate:"trimmed,required,max=20000,multiline"`
	Audience Audience `json:"audience" validate:"-"`
}

// SentMessage is a message as the "messages sent" list shows it.
type SentMessage struct {
	ID         string    `bun:"id" json:"id"`
	Sender     string    `bun:"sender" json:"sender"`
	Subject    string    `bun:"subject" json:"subject"`
	Body       string    `bun:"body" json:"body"`
	Audience   Audience  `bun:"-" json:"audience"`
	AudienceJS string    `bun:"audience" json:"-"`
	Recipients int       `bun:"recipients" json:"recipients"`
	CreatedAt  time.Time `bun:"created_at" json:"created_at"`
}

// recipient is someone a message goes to.
type recipient struct {
	Email  string `bun:"email"`
	Name   string `bun:"name"`
	Locale string `bun:"locale"`
}

// maxAudienceItems bounds each list of an audience.
const maxAudienceItems = 200

// audienceScopes checks an audience against what the sender may write to
// and returns the organisations and units it covers: the secretariat and
// superadmins any, scope admins those they administer (one they do not is
// a 403; one that does not exist, a 422 naming it).
func (s *Store) audienceScopes(ctx context.Context, db bun.IDB, sc *Scope, a Audience) (orgs, units []string, err error) {
	f := invalidFields{}
	for field, list := range map[string][]string{"audience.org_ids": a.OrgIDs, "audience.unit_ids": a.UnitIDs,
		"audience.roles": a.Roles, "audience.functions": a.Functions} {
		if len(list) > maxAudienceItems {
			f.set(field, "max_items=200")
		}
	}
	for _, r := range a.Roles {
		if !slices.Contains(MemberRoles, r) {
			f.set("audience.roles", "oneof=admin editor member")
		}
	}
	if err := f.add(knownFunctions(ctx, db, "audience.functions", a.Functions)); err != nil {
		return nil, nil, err
	}
	everything := sc.Secretariat || sc.Superadmin
	for _, id := range a.OrgIDs {
		t, err := loadScopeRef(ctx, db, ScopeTypeOrg, id)
		switch {
		case err != nil:
			f.set("audience.org_ids", "unknown")
		case !everything && !sc.AdminsOrg(t.OrgID):
			return nil, nil, ErrForbidden
		}
	}
	for _, id := range a.UnitIDs {
		t, err := loadScopeRef(ctx, db, ScopeTypeUnit, id)
		switch {
		case err != nil:
			f.set("audience.unit_ids", "unknown")
		case !everything && !sc.AdminsUnit(t.OrgID, t.ID):
			return nil, nil, ErrForbidden
		}
	}
	if err := f.err(); err != nil {
		return nil, nil, err
	}
	orgs, units = a.OrgIDs, a.UnitIDs
	if len(orgs) == 0 && len(units) == 0 && !everything {
		orgs, units = sc.AdminOrgs, sc.AdminUnits
	}
	return orgs, units, nil
}

// recipients reads the active accounts with a live membership the
// audience matches, each once, by e-mail. With everything set and no
// scope named, every organisation counts.
func (s *Store) recipients(ctx context.Context, db bun.IDB, orgs, units []string, everything bool, a Audience) ([]recipient, error) {
	now := s.now()
	q := db.NewSelect().TableExpr("memberships AS m").Join("JOIN accounts AS a ON a.id = m.account_id").
		ColumnExpr("a.email, min(a.name) AS name, min(a.locale) AS locale").
		Where("a.status = ? AND "+liveMembership, StatusActive, now, now)
	if len(orgs) > 0 || len(units) > 0 || !everything {
		q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			q = q.Where("0 = 1")
			if len(orgs) > 0 {
				q = q.WhereOr("m.org_id IN (?)", bun.In(orgs)).
					WhereOr("m.unit_id IN (SELECT id FROM units WHERE org_id IN (?))", bun.In(orgs))
			}
			if len(units) > 0 {
				q = q.WhereOr("m.unit_id IN (?)", bun.In(units))
			}
			return q
		})
	}
	if len(a.Roles) > 0 {
		q = q.Where("m.role IN (?)", bun.In(a.Roles))
	}
	if len(a.Functions) > 0 {
		q = q.Where("EXISTS (SELECT 1 FROM json_each(m.functions) AS f WHERE f.value IN (?))", bun.In(a.Functions))
	}
	var out []recipient
	err := q.GroupExpr("a.email").OrderExpr("a.email").Scan(ctx, &out)
	return out, err
}

// messageScope checks what the sender is and may write.
func (s *Store) messageScope(ctx context.Context, actor Actor, in *NewMessage) (*Scope, error) {
	sc, err := s.scopeOf(ctx, actor)
	if err != nil {
		return nil, err
	}
	if !sc.Secretariat && !sc.Superadmin && len(sc.AdminOrgs) == 0 && len(sc.AdminUnits) == 0 {
		return nil, ErrForbidden
	}
	if in == nil {
		return sc, nil
	}
	return sc, check(in)
}

// PreviewMessage counts the recipients a message would have. Only its
// audience counts: the composer shows the count while the subject and the
// body are still being written, so they are not checked here (sending
// checks them).
func (s *Store) PreviewMessage(ctx context.Context, actor Actor, in NewMessage) (int, error) {
	sc, err := s.messageScope(ctx, actor, nil)
	if err != nil {
		return 0, err
	}
	orgs, units, err := s.audienceScopes(ctx, s.read, sc, in.Audience)
	if err != nil {
		return 0, err
	}
	rs, err := s.recipients(ctx, s.read, orgs, units, sc.Secretariat || sc.Superadmin, in.Audience)
	return len(rs), err
}

// SendMessage sends a message: one e-mail per recipient through the
// outbox, in one transaction with the message's record and its audit entry.
func (s *Store) SendMessage(ctx context.Context, actor Actor, in NewMessage) (*SentMessage, error) {
	sc, err := s.messageScope(ctx, actor, &in)
	if err != nil {
		return nil, err
	}
	var out *SentMessage
	err = s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		orgs, units, err := s.audienceScopes(ctx, tx, sc, in.Audience)
		if err != nil {
			return err
		}
		rs, err := s.recipients(ctx, tx, orgs, units, sc.Secretariat || sc.Superadmin, in.Audience)
		if err != nil {
			return err
		}
		subject, body := strings.TrimSpace(in.Subject), strings.TrimSpace(in.Body)
		sender := actor.Account.Name
		for _, r := range rs {
			if err := s.enqueue(ctx, tx, r.Email, r.Locale, "message", map[string]string{"name": r.Name, "sender": sender,
				"subject": subject, "body": body}); err != nil {
				return err
			}
		}
		aud, _ := json.Marshal(in.Audience)
		out = &SentMessage{ID: newID(), Sender: sender, Subject: subject, Body: body, Audience: in.Audience,
			AudienceJS: string(aud), Recipients: len(rs), CreatedAt: s.now()}
		if _, err := tx.NewRaw(`INSERT INTO messages (id, sender_id, subject, body, audience, recipients, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, out.ID, actor.ID(), subject, body, out.AudienceJS, len(rs), out.CreatedAt).Exec(ctx); err != nil {
			return err
		}
		for _, o := range orgs {
			if _, err := tx.NewRaw(`INSERT INTO message_scopes (message_id, org_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, out.ID, o).Exec(ctx); err != nil {
				return err
			}
		}
		for _, u := range units {
			if _, err := tx.NewRaw(`INSERT INTO message_scopes (message_id, unit_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, out.ID, u).Exec(ctx); err != nil {
				return err
			}
		}
		entry := Audit{Action: "message.sent", ObjectType: "message", ObjectID: out.ID,
			Details: map[string]any{"subject": subject, "audience": in.Audience, "recipients": len(rs)}}
		switch {
		case len(orgs) == 1 && len(units) == 0:
			entry.OrgID = orgs[0]
		case len(units) == 1 && len(orgs) == 0:
			t, err := loadScopeRef(ctx, tx, ScopeTypeUnit, units[0])
			if err != nil {
				return err
			}
			entry.OrgID, entry.UnitID = t.OrgID, t.ID
		}
		return s.appendAudit(ctx, tx, actor, entry)
	})
	return out, err
}

// ListMessages lists, newest first, the messages the actor sent and, for
// scope admins, those sent to the scopes they administer; the secretariat
// and superadmins see every message.
func (s *Store) ListMessages(ctx context.Context, actor Actor, p Page) ([]SentMessage, int64, error) {
	sc, err := s.scopeOf(ctx, actor)
	if err != nil {
		return nil, 0, err
	}
	if !sc.Secretariat && !sc.Superadmin && len(sc.AdminOrgs) == 0 && len(sc.AdminUnits) == 0 {
		return nil, 0, ErrForbidden
	}
	q := s.read.NewSelect().TableExpr("messages AS msg")
	if !sc.Secretariat && !sc.Superadmin {
		q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("msg.sender_id = ?", actor.ID()).
				WhereOr("msg.id IN (SELECT message_id FROM message_scopes WHERE org_id IN (?))", bun.In(append(sc.AdminOrgs, "-"))).
				WhereOr("msg.id IN (SELECT message_id FROM message_scopes WHERE unit_id IN (?))", bun.In(append(sc.AdminScopeUnits, "-")))
		})
	}
	total, err := q.Count(ctx)
	if err != nil {
		return nil, 0, err
	}
	out := []SentMessage{}
	err = q.Join("LEFT JOIN accounts AS a ON a.id = msg.sender_id").
		ColumnExpr("msg.id, coalesce(a.name, '') AS sender, msg.subject, msg.body, msg.audience, msg.recipients, msg.created_at").
		OrderExpr("msg.created_at DESC, msg.id DESC").Limit(p.limit()).Offset(p.offset()).Scan(ctx, &out)
	for i := range out {
		_ = json.Unmarshal([]byte(out[i].AudienceJS), &out[i].Audience)
	}
	return out, int64(total), err
}
