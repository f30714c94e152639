package store

import (
	"context"
	"slices"
	"time"

	"github.com/uptrace/bun"
)

// Membership is an account (or, while invited, an e-mail address) in one
// scope (an organisation or a unit), with a role, functions and a mandate
// from ValidFrom until ValidUntil. Outside its dates it grants nothing, from
// that very second; it is never deleted: ending it sets ValidUntil.
type Membership struct {
	bun.BaseModel `bun:"table:memberships,alias:m"`

	ID           string     `bun:"id,pk" json:"id"`
	AccountID    *string    `bun:"account_id" json:"account_id"`
	OrgID        *string    `bun:"org_id" json:"-"`
	UnitID       *string    `bun:"unit_id" json:"-"`
	Role         string     `bun:"role" json:"role"`
	Functions    []string   `bun:"functions" json:"functions"`
	ValidFrom    time.Time  `bun:"valid_from" json:"valid_from"`
	ValidUntil   *time.Time `bun:"valid_until" json:"valid_until"`
	InvitedEmail string     `bun:"invited_email" json:"-"`
	TokenHash    []byte     `bun:"token_hash" json:"-"`
	TokenExpires *time.Time `bun:"token_expires" json:"-"`
	InvitedBy    *string    `bun:"invited_by" json:"-"`
	ExternalID   *string    `bun:"external_id" json:"-"`
	// NotifiedEndingAt and NotifiedEndedAt record the mandate's e-mails,
	// each sent once.
	NotifiedEndingAt *time.Time `bun:"notified_ending_at" json:"-"`
	NotifiedEndedAt  *time.Time `bun:"notified_ended_at" json:"-"`
	CreatedAt        time.Time  `bun:"created_at" json:"created_at"`
	UpdatedAt        time.Time  `bun:"updated_at" json:"updated_at"`
}

// Live tells whether the membership grants anything at now.
func (m *Membership) Live(now time.Time) bool {
	return m.AccountID != nil && !now.Before(m.ValidFrom) && (m.ValidUntil == nil || now.Before(*m.ValidUntil))
}

// liveMembership is the condition on memberships (alias m) that they grant
// something at the bound time (given twice).
const liveMembership = `+m.valid_from <= ? AND (m.valid_until IS NULL OR +m.valid_until > ?)`

// addEditorMembership makes account an editor of unit from now on, unless
// it already is; it records it in the audit log.
func (s *Store) addEditorMembership(ctx context.Context, tx bun.IDB, actor Actor, accountID, unitID, reason string) error {
	now := s.now()
	exists, err := tx.NewSelect().Model((*Membership)(nil)).
		Where("m.account_id = ? AND m.unit_id = ? AND m.role = ? AND "+liveMembership, accountID, unitID, MemberEditor, now, now).Exists(ctx)
	if err != nil || exists {
		return err
	}
	unit, err := unitByID(ctx, tx, unitID)
	if err != nil {
		return err
	}
	m := &Membership{ID: newID(), AccountID: &accountID, UnitID: &unitID, Role: MemberEditor, Functions: []string{},
		ValidFrom: now, CreatedAt: now, UpdatedAt: now}
	by := actor.ID()
	if by != "" {
		m.InvitedBy = &by
	}
	if _, err := tx.NewInsert().Model(m).Exec(ctx); err != nil {
		return err
	}
	return s.appendAudit(ctx, tx, actor, Audit{Action: "membership.created", ObjectType: "membership", ObjectID: m.ID,
		Reason: reason, OrgID: unit.OrgID, UnitID: unitID,
		Details: map[string]any{"account": accountID, "role": MemberEditor}})
}

// endEditorMemberships ends, now, every live editor membership of account
// (all units), each recorded in the audit log: the account loses the case
// files entrusted to it at once.
func (s *Store) endEditorMemberships(ctx context.Context, tx bun.IDB, actor Actor, accountID, reason string) error {
	now := s.now()
	var live []struct {
		ID     string `bun:"id"`
		UnitID string `bun:"unit_id"`
		OrgID  string `bun:"org_id"`
	}
	if err := tx.NewSelect().TableExpr("memberships AS m").Join("JOIN units AS u ON u.id = m.unit_id").
		ColumnExpr("m.id, m.unit_id, u.org_id").
		Where("m.account_id = ? AND m.role = ? AND "+liveMembership, accountID, MemberEditor, now, now).Scan(ctx, &live); err != nil {
		return err
	}
	for _, m := range live {
		if _, err := tx.NewUpdate().Model((*Membership)(nil)).Set("valid_until = ?", now).Set("updated_at = ?", now).
			Where("id = ?", m.ID).Exec(ctx); err != nil {
			return err
		}
		if err := s.appendAudit(ctx, tx, actor, Audit{Action: "membership.ended", ObjectType: "membership", ObjectID: m.ID,
			Reason: reason, OrgID: m.OrgID, UnitID: m.UnitID, Details: map[string]any{"account": accountID}}); err != nil {
			return err
		}
	}
	return nil
}

// setEditorRole keeps the instance role editor and the editor memberships
// the same thing: becoming an editor gives an editor membership of unitID
// (or, left empty, of the only unit; with several, unitID is required),
// becoming a reader ends them all. Other roles keep their memberships.
func (s *Store) setEditorRole(ctx context.Context, tx bun.IDB, actor Actor, accountID, role, unitID, reason string) error {
	switch role {
	case RoleEditor:
		if unitID == "" {
			only, err := s.onlyUnit(ctx, tx)
			if err != nil {
				return err
			}
			if only == "" {
				return Invalid("unit_id", "required")
			}
			unitID = only
		}
		u, err := unitByID(ctx, tx, unitID)
		if err != nil || u.Status != ScopeActive {
			return firstErr(ignoreNotFound(err), Invalid("unit_id", "unknown"))
		}
		return s.addEditorMembership(ctx, tx, actor, accountID, unitID, reason)
	case RoleReader:
		return s.endEditorMemberships(ctx, tx, actor, accountID, reason)
	}
	return nil
}

// ignoreNotFound is err unless it is ErrNotFound.
func ignoreNotFound(err error) error {
	if err == ErrNotFound {
		return nil
	}
	return err
}

// sqlEditorAnywhere tells whether an account edits for any unit now.
var sqlEditorAnywhere = statements.Read(`SELECT count(*) FROM memberships AS m INDEXED BY memberships_account
	WHERE m.account_id = ? AND m.role = 'editor' AND ` + liveMembership)

// withEffectiveRole gives acc, read from the database, the role its
// memberships make it (see Scope.effectiveRole), for what shows accounts.
func (s *Store) withEffectiveRole(ctx context.Context, db bun.IDB, acc *Account) (*Account, error) {
	if acc == nil || (acc.Role != RoleReader && acc.Role != RoleEditor) {
		return acc, nil
	}
	now := s.now()
	var n int
	if err := s.db.QueryRow(ctx, db, sqlEditorAnywhere, []any{acc.ID, now, now}, &n); err != nil {
		return nil, err
	}
	acc.Role = RoleReader
	if n > 0 {
		acc.Role = RoleEditor
	}
	return acc, nil
}

// ScopeUnit is a unit as a person's own account shows it: what they may do there.
type ScopeUnit struct {
	ID    string `json:"id" bun:"id"`
	Name  string `json:"name" bun:"name"`
	Code  string `json:"code" bun:"code"`
	OrgID string `json:"org_id" bun:"org_id"`
	// Admin: they administer it (directly or through its organisation);
	// Editor: they create case files there.
	Admin  bool `json:"admin" bun:"-"`
	Editor bool `json:"editor" bun:"-"`
}

// ScopeOrg is an organisation as a person's own account shows it.
type ScopeOrg struct {
	ID    string `json:"id" bun:"id"`
	Name  string `json:"name" bun:"name"`
	Code  string `json:"code" bun:"code"`
	Admin bool   `json:"admin" bun:"-"`
}

// MyScopes are the units and organisations a person's live memberships
// reach, for the interface to offer what they may do there.
type MyScopes struct {
	Units []ScopeUnit `json:"units"`
	Orgs  []ScopeOrg  `json:"orgs"`
}

// ScopesOf lists what the actor's live memberships reach, by name.
func (s *Store) ScopesOf(ctx context.Context, actor Actor) (*MyScopes, error) {
	sc, err := s.scopeOf(ctx, actor)
	if err != nil {
		return nil, err
	}
	out := &MyScopes{Units: []ScopeUnit{}, Orgs: []ScopeOrg{}}
	var unitIDs []string
	for _, u := range append(append([]string{}, sc.EditorUnits...), sc.AdminScopeUnits...) {
		unitIDs = appendNew(unitIDs, u)
	}
	if len(unitIDs) > 0 {
		if err := s.read.NewSelect().Model((*Unit)(nil)).Column("id", "name", "code", "org_id").
			Where("id IN (?)", bun.In(unitIDs)).OrderExpr("name, id").Scan(ctx, &out.Units); err != nil {
			return nil, err
		}
	}
	for i := range out.Units {
		u := &out.Units[i]
		u.Admin = slices.Contains(sc.AdminScopeUnits, u.ID)
		u.Editor = slices.Contains(sc.EditorUnits, u.ID)
	}
	var orgIDs []string
	for _, o := range append(append([]string{}, sc.MemberOrgs...), sc.AdminOrgs...) {
		orgIDs = appendNew(orgIDs, o)
	}
	if len(orgIDs) > 0 {
		if err := s.read.NewSelect().Model((*Organisation)(nil)).Column("id", "name", "code").
			Where("id IN (?)", bun.In(orgIDs)).OrderExpr("name, id").Scan(ctx, &out.Orgs); err != nil {
			return nil, err
		}
	}
	for i := range out.Orgs {
		out.Orgs[i].Admin = slices.Contains(sc.AdminOrgs, out.Orgs[i].ID)
	}
	return out, nil
}
