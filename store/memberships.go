package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strings"
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

// Membership statuses, as the API shows them (computed, never stored).
const (
	// MembershipInvited: an invitation bound to an e-mail, not yet accepted.
	MembershipInvited = "invited"
	// MembershipActive: live now.
	MembershipActive = "active"
	// MembershipUpcoming: accepted, its mandate not begun.
	MembershipUpcoming = "upcoming"
	// MembershipEnded: its mandate is over (or the invitation was revoked).
	MembershipEnded = "ended"
)

// membershipInviteTTL is how long a membership invitation link stays valid.
const membershipInviteTTL = 14 * 24 * time.Hour

// Limits of a membership's functions: short codes of the catalogue
// (functions.go), at most maxFunctions.
const maxFunctions = 20

var functionPattern = regexp.MustCompile(`^[a-z0-9_-]{1,40}$`)

// Errors of the membership API.
var (
	errAlreadyMember = Coded(ErrConflict, "already_member")
	errAlreadyEnded  = Coded(ErrConflict, "already_ended")
	errNotInvited    = Coded(ErrConflict, "not_invited")
	errScopeClosed   = Coded(ErrConflict, "scope_closed")
)

// MembershipView is a membership as the API shows it. Email is only for the
// scope's keepers (and the holder); a pending invitation has no account
// yet, and its name is empty.
type MembershipView struct {
	ID        string  `json:"id"`
	AccountID *string `json:"account_id"`
	Email     string  `json:"email,omitempty"`
	Name      string  `json:"name"`
	ScopeType string  `json:"scope_type"`
	ScopeID   string  `json:"scope_id"`
	ScopeName string  `json:"scope_name"`
	// OrgID is the scope's organisation (itself, for an organisation).
	OrgID               string     `json:"org_id"`
	Role                string     `json:"role"`
	Functions           []string   `json:"functions"`
	ValidFrom           time.Time  `json:"valid_from"`
	ValidUntil          *time.Time `json:"valid_until"`
	Status              string     `json:"status"`
	InvitationExpiresAt *time.Time `json:"invitation_expires_at,omitempty"`
	CreatedAt           time.Time  `json:"created_at"`
	UpdatedAt           time.Time  `json:"updated_at"`
}

// status is what the membership is at now.
func (m *Membership) status(now time.Time) string {
	switch {
	case m.ValidUntil != nil && !now.Before(*m.ValidUntil):
		return MembershipEnded
	case m.AccountID == nil:
		return MembershipInvited
	case now.Before(m.ValidFrom):
		return MembershipUpcoming
	}
	return MembershipActive
}

// scopeRef is the membership's scope, read.
func (m *Membership) scopeRef(ctx context.Context, db bun.IDB) (*scopeRef, error) {
	if m.UnitID != nil {
		return loadScopeRef(ctx, db, ScopeTypeUnit, *m.UnitID)
	}
	return loadScopeRef(ctx, db, ScopeTypeOrg, *m.OrgID)
}

// membershipRow is a membership with what its view names.
type membershipRow struct {
	Membership   `bun:",extend"`
	AccountName  string `bun:"account_name"`
	AccountEmail string `bun:"account_email"`
	ScopeName    string `bun:"scope_name"`
	ScopeOrgID   string `bun:"scope_org_id"`
}

// view shows the row, with the e-mail or without.
func (r *membershipRow) view(now time.Time, withEmail bool) MembershipView {
	v := MembershipView{ID: r.ID, AccountID: r.AccountID, Name: r.AccountName, ScopeName: r.ScopeName, OrgID: r.ScopeOrgID,
		Role: r.Role, Functions: r.Functions, ValidFrom: r.ValidFrom, ValidUntil: r.ValidUntil, Status: r.status(now),
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	if v.Functions == nil {
		v.Functions = []string{}
	}
	v.ScopeType, v.ScopeID = ScopeTypeOrg, r.ScopeOrgID
	if r.UnitID != nil {
		v.ScopeType, v.ScopeID = ScopeTypeUnit, *r.UnitID
	}
	if v.Status == MembershipInvited {
		v.InvitationExpiresAt = r.TokenExpires
	}
	if withEmail {
		v.Email = r.AccountEmail
		if v.Email == "" {
			v.Email = r.InvitedEmail
		}
	}
	return v
}

// selectMemberships starts a query of membership rows with their names.
func selectMemberships(db bun.IDB, rows *[]membershipRow) *bun.SelectQuery {
	return db.NewSelect().Model(rows).
		ColumnExpr("m.*").
		ColumnExpr("coalesce(a.name, '') AS account_name, coalesce(a.email, '') AS account_email").
		ColumnExpr("coalesce(o.name, u.name) AS scope_name, coalesce(m.org_id, u.org_id) AS scope_org_id").
		Join("LEFT JOIN accounts AS a ON a.id = m.account_id").
		Join("LEFT JOIN organisations AS o ON o.id = m.org_id").
		Join("LEFT JOIN units AS u ON u.id = m.unit_id")
}

// membershipStatusCond narrows memberships (alias m) to a status at now;
// "current" is every status but ended, "" every status.
func membershipStatusCond(q *bun.SelectQuery, status string, now time.Time) (*bun.SelectQuery, error) {
	const notEnded = "(m.valid_until IS NULL OR m.valid_until > ?)"
	switch status {
	case "":
		return q, nil
	case "current":
		return q.Where(notEnded, now), nil
	case MembershipInvited:
		return q.Where("m.account_id IS NULL AND "+notEnded, now), nil
	case MembershipActive:
		return q.Where("m.account_id IS NOT NULL AND m.valid_from <= ? AND "+notEnded, now, now), nil
	case MembershipUpcoming:
		return q.Where("m.account_id IS NOT NULL AND m.valid_from > ? AND "+notEnded, now, now), nil
	case MembershipEnded:
		return q.Where("m.valid_until IS NOT NULL AND m.valid_until <= ?", now), nil
	}
	return nil, Invalid("status", "oneof=invited active upcoming ended current")
}

// members lists a scope's memberships as sc sees them: everything, with
// e-mails, to its keepers; its active members, without e-mails, to the
// organisation's other members. status narrows (see membershipStatusCond).
func (s *Store) members(ctx context.Context, db bun.IDB, sc *Scope, t *scopeRef, status string, p Page) ([]MembershipView, int64, error) {
	keeper := t.keptBy(sc)
	now := s.now()
	var rows []membershipRow
	q := selectMemberships(db, &rows)
	if t.Type == ScopeTypeOrg {
		q = q.Where("m.org_id = ?", t.ID)
	} else {
		q = q.Where("m.unit_id = ?", t.ID)
	}
	q, err := membershipStatusCond(q, status, now)
	if err != nil {
		return nil, 0, err
	}
	if !keeper {
		q, _ = membershipStatusCond(q, MembershipActive, now)
	}
	n, err := q.OrderExpr("lower(coalesce(a.name, m.invited_email)), m.id").Limit(p.limit()).Offset(p.offset()).ScanAndCount(ctx)
	if err != nil {
		return nil, 0, err
	}
	out := make([]MembershipView, len(rows))
	for i := range rows {
		out[i] = rows[i].view(now, keeper)
	}
	return out, int64(n), nil
}

// ListMembers lists the memberships of an organisation (scopeType "org")
// or a unit ("unit"): for the scope's keepers (its admins, its
// organisation's, the secretariat, instance admins), with e-mails, every
// status; an organisation's live members read its active members without
// e-mails. Anyone who may not know the scope gets ErrNotFound, anyone else
// ErrForbidden.
func (s *Store) ListMembers(ctx context.Context, actor Actor, scopeType, id, status string, p Page) ([]MembershipView, int64, error) {
	sc, err := s.actingScope(ctx, actor)
	if err != nil {
		return nil, 0, err
	}
	t, err := loadScopeRef(ctx, s.read, scopeType, id)
	switch {
	case err != nil:
		return nil, 0, err
	case !t.seenBy(sc):
		return nil, 0, ErrNotFound
	case !t.keptBy(sc) && (t.Type != ScopeTypeOrg || !slices.Contains(sc.MemberOrgs, t.OrgID)):
		return nil, 0, ErrForbidden
	}
	return s.members(ctx, s.read, sc, t, status, p)
}

// membershipView reads one membership as a keeper (withEmail) or its
// holder sees it.
func (s *Store) membershipView(ctx context.Context, db bun.IDB, id string, withEmail bool) (*MembershipView, error) {
	var rows []membershipRow
	if err := selectMemberships(db, &rows).Where("m.id = ?", id).Scan(ctx); err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, ErrNotFound
	}
	v := rows[0].view(s.now(), withEmail)
	return &v, nil
}

// MyMemberships lists the actor's own memberships, live and ended, newest
// mandate first.
func (s *Store) MyMemberships(ctx context.Context, actor Actor) ([]MembershipView, error) {
	if _, err := s.actingScope(ctx, actor); err != nil {
		return nil, err
	}
	var rows []membershipRow
	if err := selectMemberships(s.read, &rows).Where("m.account_id = ?", actor.ID()).OrderExpr("m.valid_from DESC, m.id").Scan(ctx); err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]MembershipView, len(rows))
	for i := range rows {
		out[i] = rows[i].view(now, true)
	}
	return out, nil
}

// mayAppointIn tells whether sc may give some membership in the scope:
// ErrForbidden when it may give none, centrally_managed when only the
// secretariat may.
func mayAppointIn(sc *Scope, t *scopeRef) error {
	switch {
	case sc.Secretariat:
		return nil
	case !sc.All && !slices.Contains(sc.AdminOrgs, t.OrgID) && !(t.Type == ScopeTypeUnit && slices.Contains(sc.AdminScopeUnits, t.UnitID)):
		return ErrForbidden
	case t.Central:
		return errCentrallyManaged
	}
	return nil
}

// mayAppoint tells whether sc may give, change or end a membership of role
// in the scope: the secretariat, superadmins and instance admins any; an
// organisation's admins any in the organisation and its units; a unit's
// admins its editors and members. Never, but for the secretariat, in a
// centrally managed organisation.
func mayAppoint(sc *Scope, t *scopeRef, role string) error {
	if err := mayAppointIn(sc, t); err != nil {
		return err
	}
	if sc.Secretariat || sc.All || slices.Contains(sc.AdminOrgs, t.OrgID) || role == MemberEditor || role == MemberMember {
		return nil
	}
	return ErrForbidden
}

// rolesOf are the roles a membership of a scope type may have.
func rolesOf(scopeType string) []string {
	if scopeType == ScopeTypeOrg {
		return []string{MemberAdmin, MemberMember}
	}
	return MemberRoles
}

// checkRole checks a membership's role for its scope.
func checkRole(scopeType, role string) error {
	if !slices.Contains(rolesOf(scopeType), role) {
		return Invalid("role", "oneof="+strings.Join(rolesOf(scopeType), " "))
	}
	return nil
}

// checkFunctions checks and de-duplicates function codes, in their order.
func checkFunctions(fs []string) ([]string, error) {
	out := []string{}
	for _, f := range fs {
		if !functionPattern.MatchString(f) {
			return nil, Invalid("functions", "format")
		}
		out = appendNew(out, f)
	}
	if len(out) > maxFunctions {
		return nil, Invalid("functions", "max=20")
	}
	return out, nil
}

// mandateTime reads a mandate date: an RFC 3339 time, or a day
// (YYYY-MM-DD) meaning its first instant, UTC.
func mandateTime(field, v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.UTC().Truncate(time.Millisecond), nil
	}
	if d, err := time.Parse(time.DateOnly, v); err == nil {
		return d, nil
	}
	return time.Time{}, Invalid(field, "datetime")
}

// appointment is a membership to give.
type appointment struct {
	Email, Name, Role string
	Functions         []string
	From              time.Time
	Until             *time.Time
	// ExternalID is the identifier an import knows the membership by.
	ExternalID string
}

// appoint gives a membership of the scope t to the person with that
// e-mail: at once, with an e-mail saying so, to an active account; to
// anyone else as an invitation bound to the e-mail (a link valid 14 days).
// It refuses a second membership of the same role in the same scope while
// the first is not over, audits, and makes the scope active when an
// administrator is there.
func (s *Store) appoint(ctx context.Context, tx bun.IDB, actor Actor, t *scopeRef, in appointment, reason string) (*Membership, error) {
	now := s.now()
	key := EmailKey(in.Email)
	acc, err := accountByEmail(ctx, tx, key)
	if err != nil {
		return nil, err
	}
	if acc != nil && acc.Status != StatusActive {
		acc = nil // not able to log in: they accept the invitation once they are
	}
	if err := s.refuseDuplicate(ctx, tx, t, in.Role, acc, key, ""); err != nil {
		return nil, err
	}
	m := &Membership{ID: newID(), Role: in.Role, Functions: in.Functions, ValidFrom: in.From, ValidUntil: in.Until,
		CreatedAt: now, UpdatedAt: now}
	if in.ExternalID != "" {
		m.ExternalID = &in.ExternalID
	}
	if t.Type == ScopeTypeOrg {
		m.OrgID = &t.ID
	} else {
		m.UnitID = &t.ID
	}
	if by := actor.ID(); by != "" {
		m.InvitedBy = &by
	}
	params := map[string]string{"inviter": actorName(actor), "scope": t.Name, "role": in.Role, "name": in.Name}
	to, locale, kind := in.Email, actorLocale(actor), "membership_invited"
	if acc != nil {
		m.AccountID = &acc.ID
		to, locale, kind = acc.Email, acc.Locale, "membership_added"
		params["name"], params["link"] = acc.Name, s.baseURL+"/"
	} else {
		tok, hash := newSecret()
		exp := now.Add(membershipInviteTTL)
		m.InvitedEmail, m.TokenHash, m.TokenExpires = key, hash, &exp
		params["link"] = s.link("/invitation", tok)
		if t.Type == ScopeTypeOrg && t.Status == ScopeInvited && in.Role == MemberAdmin {
			kind = "org_invitation" // the invitation to cooperate
		}
	}
	if err := s.insertMembership(ctx, tx, m); err != nil {
		return nil, err
	}
	if err := s.enqueue(ctx, tx, to, locale, kind, params); err != nil {
		return nil, err
	}
	details := map[string]any{"role": in.Role, "functions": in.Functions, "immediate": acc != nil}
	if acc != nil {
		details["account"] = acc.ID
	}
	if err := s.appendAudit(ctx, tx, actor, t.audit(Audit{Action: "membership.created", ObjectType: "membership", ObjectID: m.ID,
		Reason: reason, Details: details})); err != nil {
		return nil, err
	}
	return m, s.activateScope(ctx, tx, t, m)
}

// sqlInsertMembership writes one membership, prepared once: an import
// gives thousands in one transaction.
var sqlInsertMembership = statements.Write(`INSERT INTO memberships (id, account_id, org_id, unit_id, role, functions,
	valid_from, valid_until, invited_email, token_hash, token_expires, invited_by, external_id, created_at, updated_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)

// insertMembership writes a new membership m.
func (s *Store) insertMembership(ctx context.Context, tx bun.IDB, m *Membership) error {
	var token any // NULL, not an empty blob: token_hash is unique
	if len(m.TokenHash) > 0 {
		token = m.TokenHash
	}
	return s.db.Exec(ctx, tx, sqlInsertMembership, m.ID, m.AccountID, m.OrgID, m.UnitID, m.Role, functionsJSON(m.Functions),
		m.ValidFrom, m.ValidUntil, m.InvitedEmail, token, m.TokenExpires, m.InvitedBy, m.ExternalID, m.CreatedAt, m.UpdatedAt)
}

// actorName and actorLocale are who invites, as an e-mail names them.
func actorName(actor Actor) string {
	if actor.Account == nil {
		return "Cloison"
	}
	return actor.Account.Name
}

func actorLocale(actor Actor) string {
	if actor.Account == nil {
		return ""
	}
	return actor.Account.Locale
}

// refuseDuplicate refuses a membership of role in t for the account (or,
// without one, the invited e-mail key) while another one of the same role
// is not over; except is the membership being changed.
func (s *Store) refuseDuplicate(ctx context.Context, tx bun.IDB, t *scopeRef, role string, acc *Account, key, except string) error {
	held := func(who int, args ...any) (bool, error) {
		in := 0
		if t.Type == ScopeTypeUnit {
			in = 1
		}
		q := sqlHeldIn[in][who]
		var one int
		err := s.db.QueryRow(ctx, tx, q, append(args, role, except, s.now(), t.ID), &one)
		if errors.Is(err, sql.ErrNoRows) {
			return false, nil
		}
		return err == nil, err
	}
	if acc != nil {
		key = acc.EmailKey
		if exists, err := held(heldByAccount, acc.ID); err != nil || exists {
			return firstErr(err, errAlreadyMember)
		}
	}
	exists, err := held(heldByInvitation, key)
	if err != nil || exists {
		return firstErr(err, errAlreadyMember)
	}
	return nil
}

// The statements of refuseDuplicate: an account's memberships and the
// invitations to an address are looked up apart, each on its own index
// (memberships_account, memberships_invited), never by scanning a scope's
// thousands of members (an import gives thousands in one transaction),
// in an organisation ([0]) or a unit ([1]).
const (
	heldByAccount = iota
	heldByInvitation
)

var sqlHeldIn = func() (out [2][2]string) {
	for i, column := range []string{"org_id", "unit_id"} {
		for who, cond := range []string{"m.account_id = ?", "m.account_id IS NULL AND m.invited_email = ?"} {
			out[i][who] = statements.Write(`SELECT 1 FROM memberships AS m WHERE ` + cond + ` AND m.role = ? AND m.id <> ?
				AND (m.valid_until IS NULL OR m.valid_until > ?) AND m.` + column + ` = ? LIMIT 1`)
		}
	}
	return out
}()

// activateScope makes an invited organisation or unit active once m, an
// administrator's membership of it, is live.
func (s *Store) activateScope(ctx context.Context, tx bun.IDB, t *scopeRef, m *Membership) error {
	if t.Status != ScopeInvited || m.Role != MemberAdmin || !m.Live(s.now()) {
		return nil
	}
	return s.markActive(ctx, tx, t)
}

// markActive makes an invited organisation or unit active.
func (s *Store) markActive(ctx context.Context, tx bun.IDB, t *scopeRef) error {
	var model any = (*Organisation)(nil)
	if t.Type == ScopeTypeUnit {
		model = (*Unit)(nil)
	}
	if _, err := tx.NewUpdate().Model(model).Set("status = ?", ScopeActive).Set("updated_at = ?", s.now()).
		Where("id = ? AND status = ?", t.ID, ScopeInvited).Exec(ctx); err != nil {
		return err
	}
	t.Status = ScopeActive
	return s.appendAudit(ctx, tx, Actor{ClientIP: "system"}, t.audit(Audit{Action: t.Type + ".activated", ObjectType: scopeObject(t.Type), ObjectID: t.ID}))
}

// scopeObject is the audit log's object type of a scope type.
func scopeObject(scopeType string) string {
	if scopeType == ScopeTypeOrg {
		return "organisation"
	}
	return "unit"
}

// NewMembership gives someone a membership of an organisation or a unit.
type NewMembership struct {
	Email     string   `json:"email" validate:"required,max=254,email"`
	Name      string   `json:"name" validate:"max=100,singleline"`
	Role      string   `json:"role"`
	Functions []string `json:"functions"`
	// ValidFrom defaults to now; ValidUntil, when given, must follow it
	// and be in the future. RFC 3339 times, or days (YYYY-MM-DD, from their
	// first instant, UTC).
	ValidFrom  *string `json:"valid_from"`
	ValidUntil *string `json:"valid_until"`
	Reason     string  `json:"reason" validate:"max=2000,multiline"`
	// ExternalID is set by an import, never by the API's body.
	ExternalID string `json:"-"`
}

// mandate reads and checks a mandate's dates: from defaults to now, until
// must follow from and, when changed, now.
func (s *Store) mandate(fromIn, untilIn *string, from time.Time, until *time.Time) (time.Time, *time.Time, error) {
	f := invalidFields{}
	if fromIn != nil {
		t, err := mandateTime("valid_from", *fromIn)
		if f.add(err) == nil && err == nil {
			from = t
		}
	}
	if untilIn != nil {
		until = nil
		if *untilIn != "" {
			t, err := mandateTime("valid_until", *untilIn)
			switch {
			case err != nil:
				_ = f.add(err)
			case !t.After(s.now()):
				f.set("valid_until", "past")
			default:
				until = &t
			}
		}
	}
	if until != nil && !until.After(from) {
		f.set("valid_until", "after_valid_from")
	}
	return from, until, f.err()
}

// AddMember gives a membership of an organisation (scopeType "org") or a
// unit ("unit") to the person with an e-mail (see appoint). Who may give
// which role: see mayAppoint.
func (s *Store) AddMember(ctx context.Context, actor Actor, scopeType, id string, in NewMembership) (*MembershipView, error) {
	return s.addMember(ctx, nil, actor, scopeType, id, in)
}

// addMember is AddMember, in outer when it is given.
func (s *Store) addMember(ctx context.Context, outer *bun.Tx, actor Actor, scopeType, id string, in NewMembership) (*MembershipView, error) {
	sc, err := s.actingScope(ctx, actor)
	if err != nil {
		return nil, err
	}
	var out *MembershipView
	err = s.within(ctx, outer, func(ctx context.Context, tx bun.Tx) error {
		t, err := loadScopeRef(ctx, tx, scopeType, id)
		if err != nil {
			return err
		}
		if !t.seenBy(sc) {
			return ErrNotFound
		}
		if err := mayAppointIn(sc, t); err != nil {
			return err
		}
		a, err := s.checkNewMembership(ctx, tx, scopeType, in)
		if err != nil {
			return err
		}
		if err := mayAppoint(sc, t, in.Role); err != nil {
			return err
		}
		if t.Status == ScopeClosed {
			return errScopeClosed
		}
		m, err := s.appoint(ctx, tx, actor, t, a, in.Reason)
		if err != nil {
			return err
		}
		out, err = s.membershipView(ctx, tx, m.ID, true)
		return err
	})
	return out, err
}

// checkNewMembership checks a membership to give in a scope of scopeType,
// as AddMember and each line of an import check it: the fields, the role
// for the scope, functions of the catalogue, the mandate's dates.
func (s *Store) checkNewMembership(ctx context.Context, db bun.IDB, scopeType string, in NewMembership) (appointment, error) {
	functions, fnErr := checkFunctions(in.Functions)
	if fnErr == nil {
		fnErr = knownFunctions(ctx, db, "functions", functions)
	}
	from, until, dateErr := s.mandate(in.ValidFrom, in.ValidUntil, s.now(), nil)
	if err := checkInput(&in, in.Reason, checkRole(scopeType, in.Role), fnErr, dateErr); err != nil {
		return appointment{}, err
	}
	return appointment{Email: in.Email, Name: strings.TrimSpace(in.Name), Role: in.Role, Functions: functions,
		From: from, Until: until, ExternalID: in.ExternalID}, nil
}

// managedMembership loads a membership and its scope for a change by sc:
// ErrNotFound for one sc may not know of (neither its holder, nor its
// scope's keeper, nor a member of its organisation), then mayAppoint's
// answer for its current role.
func (s *Store) managedMembership(ctx context.Context, tx bun.IDB, sc *Scope, actor Actor, id string) (*Membership, *scopeRef, error) {
	m := new(Membership)
	if err := tx.NewSelect().Model(m).Where("m.id = ?", id).Scan(ctx); err != nil {
		return nil, nil, notFound(err)
	}
	t, err := m.scopeRef(ctx, tx)
	if err != nil {
		return nil, nil, err
	}
	own := m.AccountID != nil && *m.AccountID == actor.ID()
	if !own && !t.keptBy(sc) && !(t.Type == ScopeTypeOrg && slices.Contains(sc.MemberOrgs, t.OrgID)) {
		return nil, nil, ErrNotFound
	}
	if err := mayAppoint(sc, t, m.Role); err != nil {
		return nil, nil, err
	}
	if m.status(s.now()) == MembershipEnded {
		return nil, nil, errAlreadyEnded
	}
	return m, t, nil
}

// onMembership runs fn, in a write transaction, on a membership the actor
// may manage (see managedMembership).
func (s *Store) onMembership(ctx context.Context, outer *bun.Tx, actor Actor, id string,
	fn func(ctx context.Context, tx bun.Tx, sc *Scope, m *Membership, t *scopeRef) error) error {
	sc, err := s.actingScope(ctx, actor)
	if err != nil {
		return err
	}
	return s.within(ctx, outer, func(ctx context.Context, tx bun.Tx) error {
		m, t, err := s.managedMembership(ctx, tx, sc, actor, id)
		if err != nil {
			return err
		}
		return fn(ctx, tx, sc, m, t)
	})
}

// MembershipChange changes a membership; absent fields stay.
type MembershipChange struct {
	Role      *string   `json:"role"`
	Functions *[]string `json:"functions"`
	ValidFrom *string   `json:"valid_from"`
	// ValidUntil: a date, or "" for no end.
	ValidUntil *string `json:"valid_until"`
	Reason     string  `json:"reason" validate:"max=2000,multiline"`
}

// UpdateMembership changes a membership's role, functions or dates, with
// a reason, as its scope's keepers may (see mayAppoint, for the role it has
// and the one it gets).
func (s *Store) UpdateMembership(ctx context.Context, actor Actor, id string, ch MembershipChange) (*MembershipView, error) {
	return s.updateMembership(ctx, nil, actor, id, ch)
}

// updateMembership is UpdateMembership, in outer when it is given.
func (s *Store) updateMembership(ctx context.Context, outer *bun.Tx, actor Actor, id string, ch MembershipChange) (*MembershipView, error) {
	var out *MembershipView
	err := s.onMembership(ctx, outer, actor, id, func(ctx context.Context, tx bun.Tx, sc *Scope, m *Membership, t *scopeRef) error {
		role, functions, from, until, err := s.checkMembershipChange(ctx, tx, t.Type, m, ch)
		if err != nil {
			return err
		}
		if err := mayAppoint(sc, t, role); err != nil {
			return err
		}
		if role != m.Role {
			var acc *Account
			if m.AccountID != nil {
				var err error
				if acc, err = accountByID(ctx, tx, *m.AccountID); err != nil {
					return err
				}
			}
			if err := s.refuseDuplicate(ctx, tx, t, role, acc, m.InvitedEmail, m.ID); err != nil {
				return err
			}
		}
		q := tx.NewUpdate().Model(m).WherePK().Set("role = ?", role).Set("functions = ?", functionsJSON(functions)).
			Set("valid_from = ?", from).Set("valid_until = ?", until).Set("updated_at = ?", s.now())
		if !sameTime(until, m.ValidUntil) {
			q = q.Set("notified_ending_at = NULL") // the new end is announced again
		}
		if _, err := q.Exec(ctx); err != nil {
			return err
		}
		details := map[string]any{"role": role, "functions": functions, "valid_from": from, "valid_until": until}
		if err := s.appendAudit(ctx, tx, actor, t.audit(Audit{Action: "membership.updated", ObjectType: "membership", ObjectID: m.ID,
			Reason: ch.Reason, Details: details})); err != nil {
			return err
		}
		m.Role, m.ValidFrom, m.ValidUntil = role, from, until
		if err := s.activateScope(ctx, tx, t, m); err != nil {
			return err
		}
		out, err = s.membershipView(ctx, tx, m.ID, t.keptBy(sc))
		return err
	})
	return out, err
}

// checkMembershipChange checks a change of m, a membership of a scope of
// scopeType, as UpdateMembership and each line of an import check it, and
// gives what m becomes.
func (s *Store) checkMembershipChange(ctx context.Context, db bun.IDB, scopeType string, m *Membership, ch MembershipChange) (
	role string, functions []string, from time.Time, until *time.Time, err error) {
	role, functions = m.Role, m.Functions
	var roleErr, fnErr error
	if ch.Role != nil {
		role, roleErr = *ch.Role, checkRole(scopeType, *ch.Role)
	}
	if ch.Functions != nil {
		functions, fnErr = checkFunctions(*ch.Functions)
		if fnErr == nil {
			fnErr = knownFunctions(ctx, db, "functions", functions)
		}
	}
	from, until, dateErr := s.mandate(ch.ValidFrom, ch.ValidUntil, m.ValidFrom, m.ValidUntil)
	err = checkInput(&ch, ch.Reason, roleErr, fnErr, dateErr)
	return role, functions, from, until, err
}

// functionsJSON is a functions list as the column stores it.
func functionsJSON(fs []string) string {
	if fs == nil {
		fs = []string{}
	}
	b, _ := json.Marshal(fs)
	return string(b)
}

func sameTime(a, b *time.Time) bool {
	return (a == nil) == (b == nil) && (a == nil || a.Equal(*b))
}

// EndMembership ends a membership now (valid_until = now; it is never
// deleted), with a reason: its holder loses what it granted from this
// second. A pending invitation is revoked: its link dies.
func (s *Store) EndMembership(ctx context.Context, actor Actor, id, reason string) error {
	return s.endMembership(ctx, nil, actor, id, reason)
}

// endMembership is EndMembership, in outer when it is given.
func (s *Store) endMembership(ctx context.Context, outer *bun.Tx, actor Actor, id, reason string) error {
	return s.onMembership(ctx, outer, actor, id, func(ctx context.Context, tx bun.Tx, _ *Scope, m *Membership, t *scopeRef) error {
		if err := checkInput(&struct {
			Reason string `json:"reason" validate:"max=2000,multiline"`
		}{reason}, reason); err != nil {
			return err
		}
		action := "membership.ended"
		if m.AccountID == nil {
			action = "membership.revoked"
		}
		if _, err := tx.NewUpdate().Model(m).WherePK().Set("valid_until = ?", s.now()).Set("token_hash = NULL").
			Set("updated_at = ?", s.now()).Exec(ctx); err != nil {
			return err
		}
		details := map[string]any{"role": m.Role}
		if m.AccountID != nil {
			details["account"] = *m.AccountID
		}
		return s.appendAudit(ctx, tx, actor, t.audit(Audit{Action: action, ObjectType: "membership", ObjectID: m.ID,
			Reason: reason, Details: details}))
	})
}

// ResendInvitation sends a pending membership invitation again with a new
// link (valid 14 days); the old link dies.
func (s *Store) ResendInvitation(ctx context.Context, actor Actor, id string) (*MembershipView, error) {
	var out *MembershipView
	err := s.onMembership(ctx, nil, actor, id, func(ctx context.Context, tx bun.Tx, sc *Scope, m *Membership, t *scopeRef) error {
		if m.AccountID != nil {
			return errNotInvited
		}
		now := s.now()
		tok, hash := newSecret()
		exp := now.Add(membershipInviteTTL)
		if _, err := tx.NewUpdate().Model(m).WherePK().Set("token_hash = ?", hash).Set("token_expires = ?", exp).
			Set("updated_at = ?", now).Exec(ctx); err != nil {
			return err
		}
		kind := "membership_invited"
		if t.Type == ScopeTypeOrg && t.Status == ScopeInvited && m.Role == MemberAdmin {
			kind = "org_invitation"
		}
		if err := s.enqueue(ctx, tx, m.InvitedEmail, actorLocale(actor), kind, map[string]string{"inviter": actorName(actor),
			"scope": t.Name, "role": m.Role, "link": s.link("/invitation", tok)}); err != nil {
			return err
		}
		if err := s.appendAudit(ctx, tx, actor, t.audit(Audit{Action: "membership.invitation_resent", ObjectType: "membership",
			ObjectID: m.ID})); err != nil {
			return err
		}
		var err error
		out, err = s.membershipView(ctx, tx, m.ID, true)
		return err
	})
	return out, err
}

// membershipByToken finds a live, unaccepted membership invitation.
func (s *Store) membershipByToken(ctx context.Context, db bun.IDB, tok string) (*Membership, *scopeRef, error) {
	if tok == "" {
		return nil, nil, errInvalidToken
	}
	m := new(Membership)
	if err := db.NewSelect().Model(m).Where("m.token_hash = ?", hashSecret(tok)).Scan(ctx); err != nil {
		return nil, nil, firstErr(ignoreNoRows(err), errInvalidToken)
	}
	now := s.now()
	if m.AccountID != nil || m.TokenExpires == nil || !now.Before(*m.TokenExpires) || m.status(now) == MembershipEnded {
		return nil, nil, errInvalidToken
	}
	t, err := m.scopeRef(ctx, db)
	if err != nil || t.Status == ScopeClosed {
		return nil, nil, firstErr(ignoreNotFound(err), errInvalidToken)
	}
	return m, t, nil
}

// ignoreNoRows is err unless it says no row was found.
func ignoreNoRows(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	return err
}

// inspectMembership describes a membership invitation: the invited e-mail,
// the scope, the role and who invited.
func (s *Store) inspectMembership(ctx context.Context, tok string) (*InvitationInfo, error) {
	m, t, err := s.membershipByToken(ctx, s.read, tok)
	if err != nil {
		return nil, err
	}
	var inviter string
	if m.InvitedBy != nil {
		if a, err := accountByID(ctx, s.read, *m.InvitedBy); err == nil {
			inviter = a.Name
		}
	}
	return &InvitationInfo{Kind: "membership", Email: m.InvitedEmail, Role: m.Role, Inviter: inviter,
		ScopeType: t.Type, ScopeName: t.Name}, nil
}

// inspectHelperOrMember describes a helper's or a membership invitation.
func (s *Store) inspectHelperOrMember(ctx context.Context, tok string) (*InvitationInfo, error) {
	info, err := s.inspectCollaboration(ctx, tok)
	if !errors.Is(err, errInvalidToken) {
		return info, err
	}
	return s.inspectMembership(ctx, tok)
}

// bindMembership gives a membership invitation to acc, whose e-mail must be
// the invited one. Someone who already holds that role there since keeps
// what they have, and the invitation is used up.
func (s *Store) bindMembership(ctx context.Context, tx bun.IDB, actor Actor, acc *Account, tok string) (string, error) {
	m, t, err := s.membershipByToken(ctx, tx, tok)
	if err != nil {
		return "", err
	}
	if m.InvitedEmail != acc.EmailKey {
		return "", Coded(ErrForbidden, "email_mismatch")
	}
	now := s.now()
	actor.Account = acc
	if err := s.refuseDuplicate(ctx, tx, t, m.Role, acc, "", m.ID); errors.Is(err, errAlreadyMember) {
		_, err := tx.NewUpdate().Model(m).WherePK().Set("valid_until = ?", now).Set("token_hash = NULL").Set("updated_at = ?", now).Exec(ctx)
		return m.ID, err
	} else if err != nil {
		return "", err
	}
	if _, err := tx.NewUpdate().Model(m).WherePK().Set("account_id = ?", acc.ID).Set("token_hash = NULL").Set("token_expires = NULL").
		Set("updated_at = ?", now).Exec(ctx); err != nil {
		return "", err
	}
	m.AccountID = &acc.ID
	if err := s.appendAudit(ctx, tx, actor, t.audit(Audit{Action: "membership.accepted", ObjectType: "membership", ObjectID: m.ID,
		Details: map[string]any{"account": acc.ID, "role": m.Role}})); err != nil {
		return "", err
	}
	return m.ID, s.activateScope(ctx, tx, t, m)
}

// AcceptedInvitation is what accepting an invitation led to: a case file to
// help on, or a membership.
type AcceptedInvitation struct {
	// Kind is "collaboration" or "membership".
	Kind       string          `json:"kind"`
	CaseID     string          `json:"case_id,omitempty"`
	Membership *MembershipView `json:"membership,omitempty"`
}

// AcceptInvitation binds a helper's or a membership invitation to the
// logged-in actor if their e-mail is the invited one.
func (s *Store) AcceptInvitation(ctx context.Context, actor Actor, tok string) (*AcceptedInvitation, error) {
	if err := requireRole(actor, RoleReader); err != nil {
		return nil, err
	}
	var out *AcceptedInvitation
	err := s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, _, err := s.collaborationByToken(ctx, tx, tok); err == nil {
			caseID, err := s.bindCollaboration(ctx, tx, actor, actor.Account, tok)
			out = &AcceptedInvitation{Kind: "collaboration", CaseID: caseID}
			return err
		}
		id, err := s.bindMembership(ctx, tx, actor, actor.Account, tok)
		if err != nil {
			return err
		}
		v, err := s.membershipView(ctx, tx, id, true)
		out = &AcceptedInvitation{Kind: "membership", Membership: v}
		return err
	})
	return out, err
}

// registerMember registers someone invited to a membership with the
// invited e-mail: the account is active at once, a reader holding the
// membership. It reports false, changing nothing, for any other token or
// e-mail (the registration goes on as a plain one, the invitation stays
// pending).
func (s *Store) registerMember(ctx context.Context, tx bun.IDB, actor Actor, r Registration, hash string) (bool, error) {
	m, _, err := s.membershipByToken(ctx, tx, r.Invitation)
	if err != nil || m.InvitedEmail != EmailKey(r.Email) {
		return false, nil
	}
	return s.registerInvitee(ctx, tx, actor, r, hash, "membership", func(actor Actor, acc *Account) error {
		_, err := s.bindMembership(ctx, tx, actor, acc, r.Invitation)
		return err
	})
}
