package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/uptrace/bun"
)

// collaborationInviteTTL is how long a helper's invitation link stays valid.
const collaborationInviteTTL = 14 * 24 * time.Hour

// NewCollaboration is an invitation of a helper on one case file.
type NewCollaboration struct {
	Email string `json:"email" validate:"required,max=254,email"`
	Kind  string `json:"kind" validate:"oneof=support trainee mentee"`
	Major bool   `json:"major"`
	// Until is the last day of the collaboration (YYYY-MM-DD), if any.
	Until *string `json:"until" validate:"omitempty,datetime=2006-01-02"`
}

// endOfDay turns a YYYY-MM-DD "until" into the instant access ends: the
// end of that day, UTC.
func endOfDay(day *string) (*time.Time, error) {
	if day == nil || *day == "" {
		return nil, nil
	}
	d, err := time.Parse("2006-01-02", *day)
	if err != nil {
		return nil, Invalid("until", "datetime=2006-01-02")
	}
	end := d.Add(24 * time.Hour)
	return &end, nil
}

// helperEnd is when a helper's access given until day (a date) ends: at
// the end of that day; nil for no end. A day already over is refused (422
// until: past), so that no change ends a collaboration by surprise.
func (s *Store) helperEnd(day *string) (*time.Time, error) {
	ends, err := endOfDay(day)
	if err != nil {
		return nil, err
	}
	if ends != nil && !ends.After(s.now()) {
		return nil, Invalid("until", "past")
	}
	return ends, nil
}

// managed loads a case file the actor manages (assignee or admin), in a
// unit whose helpers are switched on.
func (s *Store) managed(ctx context.Context, tx bun.IDB, actor Actor, caseID string) (*Case, error) {
	c, rel, err := s.caseFor(ctx, tx, actor, caseID, false)
	if err != nil {
		return nil, err
	}
	if c.Practice {
		return nil, errPractice // shared with no one
	}
	if !rel.manager() {
		return nil, ErrForbidden
	}
	if !c.Modules.Helpers {
		return nil, errModuleDisabled
	}
	return c, nil
}

// InviteCollaborator invites a helper by e-mail on a case file. An active
// account with that e-mail starts helping at once and is notified; anyone
// else gets an invitation link (14 days) to register or log in with that
// e-mail. The e-mails name only the case file's reference and the inviter.
func (s *Store) InviteCollaborator(ctx context.Context, actor Actor, caseID string, in NewCollaboration) (*Collaborator, error) {
	var out *Collaborator
	err := s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		c, err := s.managed(ctx, tx, actor, caseID)
		if err != nil {
			return err
		}
		if err := check(&in); err != nil {
			return err
		}
		ends, err := s.helperEnd(in.Until)
		if err != nil {
			return err
		}
		now := s.now()
		if !CollaborationOpen(c.Status) {
			return Coded(ErrConflict, "case_not_open")
		}
		key := EmailKey(in.Email)
		var helper *Account
		acc := new(Account)
		switch err := tx.NewSelect().Model(acc).Where("email_key = ?", key).Scan(ctx); {
		case err == nil && acc.Status == StatusActive:
			helper = acc
		case err != nil && !errors.Is(err, sql.ErrNoRows):
			return err
		}
		// One live grant per person and case file.
		q := tx.NewSelect().Model((*Grant)(nil)).Where("case_id = ? AND revoked_at IS NULL AND (ends_at IS NULL OR ends_at > ?)", c.ID, now)
		if helper != nil {
			q = q.Where("(account_id = ? OR invited_email = ?)", helper.ID, key)
		} else {
			q = q.Where("invited_email = ?", key)
		}
		if exists, err := q.Exists(ctx); err != nil || exists {
			if err != nil {
				return err
			}
			return Coded(ErrConflict, "already_collaborator")
		}
		if helper != nil {
			if err := s.clearEndedGrants(ctx, tx, c.ID, helper.ID); err != nil {
				return err
			}
		}
		g := &Grant{ID: newID(), CaseID: c.ID, Kind: in.Kind, Major: in.Major, StartsAt: now, EndsAt: ends,
			GrantedBy: ptr(actor.ID()), InvitedEmail: key, CreatedAt: now}
		params := map[string]string{"inviter": actor.Account.Name, "reference": c.Reference, "kind": in.Kind}
		locale := actor.Account.Locale
		kind := "collab_invitation"
		var link *oneTimeLink
		if helper != nil {
			g.AccountID = &helper.ID
			params["name"], params["link"], locale, kind = helper.Name, s.baseURL+"/cases/"+c.ID, helper.Locale, "collab_added"
		} else {
			// The invitation is valid 14 days from now; its token is minted
			// when the e-mail leaves.
			exp := now.Add(collaborationInviteTTL)
			g.TokenExpires = &exp
			link = &oneTimeLink{path: "/invitation", purpose: purposeCollaboration, subject: g.ID}
		}
		if _, err := tx.NewInsert().Model(g).Exec(ctx); err != nil {
			return err
		}
		if err := s.enqueueLink(ctx, tx, in.Email, locale, kind, params, link); err != nil {
			return err
		}
		if err := s.caseEvent(ctx, tx, actor, c.ID, caseEvent{Kind: "collaborator_invited", Comment: in.Kind}); err != nil {
			return err
		}
		if err := s.appendAudit(ctx, tx, actor, Audit{Action: "collaboration.invited", ObjectType: "grant", ObjectID: g.ID,
			OrgID: c.OrgID, UnitID: c.UnitID, Details: map[string]any{"case": c.ID, "kind": in.Kind, "major": in.Major, "immediate": helper != nil}}); err != nil {
			return err
		}
		out, err = s.collaborator(ctx, tx, c.ID, g.ID)
		return err
	})
	return out, err
}

// collaborator is the helper of grant id on a case file, as its managers
// see it.
func (s *Store) collaborator(ctx context.Context, tx bun.IDB, caseID, id string) (*Collaborator, error) {
	list, err := s.collaboratorsOf(ctx, tx, caseID, true)
	for i := range list {
		if list[i].ID == id {
			return &list[i], err
		}
	}
	return nil, err
}

func ptr[T any](v T) *T { return &v }

// collaborationByToken finds a live, unaccepted helper invitation.
func (s *Store) collaborationByToken(ctx context.Context, db bun.IDB, tok string) (*Grant, *Case, error) {
	if tok == "" {
		return nil, nil, errInvalidToken
	}
	g := new(Grant)
	err := db.NewSelect().Model(g).Where("token_hash = ?", hashSecret(tok)).Scan(ctx)
	if err != nil {
		return nil, nil, errInvalidToken
	}
	now := s.now()
	if g.AccountID != nil || g.RevokedAt != nil || g.TokenExpires == nil || !now.Before(*g.TokenExpires) ||
		(g.EndsAt != nil && !now.Before(*g.EndsAt)) {
		return nil, nil, errInvalidToken
	}
	c := new(Case)
	if err := db.NewSelect().Model(c).Where("c.id = ?", g.CaseID).Scan(ctx); err != nil || !CollaborationOpen(c.Status) {
		return nil, nil, errInvalidToken
	}
	return g, c, nil
}

// inspectCollaboration describes a helper invitation: the invited e-mail,
// the case file's reference and who invited, nothing else.
func (s *Store) inspectCollaboration(ctx context.Context, tok string) (*InvitationInfo, error) {
	g, c, err := s.collaborationByToken(ctx, s.read, tok)
	if err != nil {
		return nil, err
	}
	var inviter string
	if g.GrantedBy != nil {
		if a, err := accountByID(ctx, s.read, *g.GrantedBy); err == nil {
			inviter = a.Name
		}
	}
	return &InvitationInfo{Kind: "collaboration", Email: g.InvitedEmail, Inviter: inviter, Reference: c.Reference, CollaborationKind: g.Kind}, nil
}

// bindCollaboration gives an invitation's grant to acc, whose e-mail must be
// the invited one; it returns the case file's id.
func (s *Store) bindCollaboration(ctx context.Context, tx bun.IDB, actor Actor, acc *Account, tok string) (string, error) {
	g, c, err := s.collaborationByToken(ctx, tx, tok)
	if err != nil {
		return "", err
	}
	if g.InvitedEmail != acc.EmailKey {
		return "", Coded(ErrForbidden, "email_mismatch")
	}
	now := s.now()
	// One live grant per person and case file: someone entrusted with the
	// case file (or already helping) since they were invited keeps what
	// they have, and the invitation is used up.
	if err := s.clearEndedGrants(ctx, tx, c.ID, acc.ID); err != nil {
		return "", err
	}
	held, err := tx.NewSelect().Model((*Grant)(nil)).Where("case_id = ? AND account_id = ? AND revoked_at IS NULL", c.ID, acc.ID).Exists(ctx)
	if err != nil {
		return "", err
	}
	if held {
		_, err := tx.NewUpdate().Model(g).Set("revoked_at = ?", now).Set("revoked_why = 'superseded'").Set("token_hash = NULL").
			WherePK().Exec(ctx)
		return c.ID, err
	}
	if _, err := tx.NewUpdate().Model(g).Set("account_id = ?", acc.ID).Set("token_hash = NULL").Set("starts_at = ?", now).
		WherePK().Exec(ctx); err != nil {
		return "", err
	}
	actor.Account = acc
	if err := s.caseEvent(ctx, tx, actor, c.ID, caseEvent{Kind: "collaborator_joined", Comment: g.Kind}); err != nil {
		return "", err
	}
	return c.ID, s.appendAudit(ctx, tx, actor, Audit{Action: "collaboration.accepted", ObjectType: "grant", ObjectID: g.ID,
		OrgID: c.OrgID, UnitID: c.UnitID, Details: map[string]any{"case": c.ID}})
}

// AcceptCollaboration binds a helper invitation to the logged-in actor if
// their e-mail is the invited one, and returns the case file's id.
func (s *Store) AcceptCollaboration(ctx context.Context, actor Actor, tok string) (string, error) {
	if err := requireRole(actor, RoleReader); err != nil {
		return "", err
	}
	var caseID string
	err := s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		caseID, err = s.bindCollaboration(ctx, tx, actor, actor.Account, tok)
		return err
	})
	return caseID, err
}

// CollaborationChange changes a helper's major flag or end date.
type CollaborationChange struct {
	Major *bool `json:"major"`
	// Until is the last day of access: a date, or null to remove the end
	// date; absent, it stays.
	Until ClearableDate `json:"until"`
}

// ClearableDate is an optional date field that null clears: absent (Set
// false) leaves it, null (Set, Day nil) removes it, a string sets it.
type ClearableDate struct {
	Set bool
	Day *string
}

// UnmarshalJSON runs only when the field is present, null included.
func (d *ClearableDate) UnmarshalJSON(b []byte) error {
	d.Set, d.Day = true, nil
	if string(b) == "null" {
		return nil
	}
	return json.Unmarshal(b, &d.Day)
}

// UpdateCollaborator changes a helper's collaboration (managers only).
func (s *Store) UpdateCollaborator(ctx context.Context, actor Actor, caseID, id string, ch CollaborationChange) (*Collaborator, error) {
	var out *Collaborator
	err := s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		c, err := s.managed(ctx, tx, actor, caseID)
		if err != nil {
			return err
		}
		if err := check(&ch); err != nil {
			return err
		}
		g, err := s.liveHelperGrant(ctx, tx, c.ID, id)
		if err != nil {
			return err
		}
		q := tx.NewUpdate().Model(g).WherePK()
		if ch.Major != nil {
			q = q.Set("major = ?", *ch.Major)
		}
		if ch.Until.Set {
			if ch.Until.Day != nil && *ch.Until.Day == "" {
				return Invalid("until", "datetime=2006-01-02")
			}
			ends, err := s.helperEnd(ch.Until.Day)
			if err != nil {
				return err
			}
			q = q.Set("ends_at = ?", ends)
		}
		if ch.Major != nil || ch.Until.Set {
			if _, err := q.Exec(ctx); err != nil {
				return err
			}
			if err := s.appendAudit(ctx, tx, actor, Audit{Action: "collaboration.updated", ObjectType: "grant", ObjectID: g.ID,
				OrgID: c.OrgID, UnitID: c.UnitID, Details: map[string]any{"case": c.ID}}); err != nil {
				return err
			}
		}
		out, err = s.collaborator(ctx, tx, c.ID, g.ID)
		return err
	})
	return out, err
}

func (s *Store) liveHelperGrant(ctx context.Context, tx bun.IDB, caseID, id string) (*Grant, error) {
	g := new(Grant)
	err := tx.NewSelect().Model(g).Where("id = ? AND case_id = ? AND kind != ? AND revoked_at IS NULL", id, caseID, GrantAssignee).Scan(ctx)
	if err != nil {
		return nil, ErrNotFound
	}
	return g, nil
}

// RevokeCollaborator ends a helper's access at once (managers only).
func (s *Store) RevokeCollaborator(ctx context.Context, actor Actor, caseID, id string) error {
	return s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		c, err := s.managed(ctx, tx, actor, caseID)
		if err != nil {
			return err
		}
		g, err := s.liveHelperGrant(ctx, tx, c.ID, id)
		if err != nil {
			return err
		}
		if _, err := tx.NewUpdate().Model(g).Set("revoked_at = ?", s.now()).Set("revoked_why = 'revoked'").Set("token_hash = NULL").
			WherePK().Exec(ctx); err != nil {
			return err
		}
		if err := s.caseEvent(ctx, tx, actor, c.ID, caseEvent{Kind: "collaborator_revoked", Comment: g.Kind}); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, actor, Audit{Action: "collaboration.revoked", ObjectType: "grant", ObjectID: g.ID,
			OrgID: c.OrgID, UnitID: c.UnitID, Details: map[string]any{"case": c.ID}})
	})
}

// ExpireCollaborations closes, and audits, the helper grants whose end date
// has passed (access already ends at that instant through the visibility
// predicate; this records it). It returns how many it closed.
func (s *Store) ExpireCollaborations(ctx context.Context) (int, error) {
	n := 0
	err := s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		now := s.now()
		var ended []struct {
			ID     string `bun:"id"`
			CaseID string `bun:"case_id"`
			OrgID  string `bun:"org_id"`
			UnitID string `bun:"unit_id"`
		}
		if err := tx.NewSelect().TableExpr("grants AS g").Join("JOIN cases AS c ON c.id = g.case_id").
			ColumnExpr("g.id, g.case_id, c.org_id, c.unit_id").
			Where("g.kind != ? AND g.revoked_at IS NULL AND g.ends_at IS NOT NULL AND g.ends_at <= ?", GrantAssignee, now).Scan(ctx, &ended); err != nil {
			return err
		}
		for _, g := range ended {
			if _, err := tx.NewUpdate().Model((*Grant)(nil)).Set("revoked_at = ?", now).Set("revoked_why = 'expired'").Set("token_hash = NULL").
				Where("id = ?", g.ID).Exec(ctx); err != nil {
				return err
			}
			if err := s.appendAudit(ctx, tx, Actor{ClientIP: "system"}, Audit{Action: "collaboration.expired", ObjectType: "grant", ObjectID: g.ID,
				OrgID: g.OrgID, UnitID: g.UnitID, Details: map[string]any{"case": g.CaseID}}); err != nil {
				return err
			}
		}
		n = len(ended)
		return nil
	})
	return n, err
}
