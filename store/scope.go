package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Membership roles: what a membership lets its holder do in its scope.
const (
	// MemberAdmin administers the scope: in a unit, what an instance admin
	// does inside it; in an organisation, the same in each of its units,
	// plus the organisation's record.
	MemberAdmin = "admin"
	// MemberEditor creates case files in a unit and works on those
	// entrusted to them (units only).
	MemberEditor = "editor"
	// MemberMember holds functions, sees the organisation's record and no
	// case file.
	MemberMember = "member"
)

// MemberRoles are the roles a membership may have.
var MemberRoles = []string{MemberAdmin, MemberEditor, MemberMember}

// Scope is what an account may reach, expanded once per request from its
// instance role and its live memberships (those whose dates hold at that
// moment): every form of the visibility predicate (visibility.go) is
// derived from it, so that a list, a total, a search, the home page and a
// single case file all answer the same question the same way.
type Scope struct {
	// Active is false for an account that may not act (not active): it
	// reaches nothing.
	Active bool
	// All is set for instance admins and superadmins: every case file.
	All bool
	// Superadmin may restore archived case files.
	Superadmin bool
	// Secretariat keeps organisations, units and memberships, and sees no
	// case file.
	Secretariat bool
	// AdminOrgs are the organisations the account administers.
	AdminOrgs []string
	// AdminUnits are the units it administers directly, outside AdminOrgs.
	AdminUnits []string
	// AdminScopeUnits are every unit it administers, directly or through
	// an organisation.
	AdminScopeUnits []string
	// EditorUnits are the units it edits for: its assignments there count.
	EditorUnits []string
	// MemberOrgs are the organisations it holds any live membership of
	// (directly or through one of their units).
	MemberOrgs []string
	// Inspect are the (unit, category) pairs open to the account as a
	// referent inspector: it reads, never writes, their case files but
	// drafts.
	Inspect []InspectPair
	// anyUnitAssignee makes every assignment count wherever it is: instance
	// admins may be entrusted with a case file in any unit.
	anyUnitAssignee bool
	// changes is the stamp of writes (PostgreSQL, migrations 071 and 072)
	// that the session check this scope comes from read with it: the scope,
	// and anything else read after it in the request, is as new as that
	// stamp at least. "" on SQLite, and when the scope was not made by a
	// session check.
	changes string
}

// InspectPair is a unit's category open to a referent inspector.
type InspectPair struct {
	Unit     string `json:"unit_id"`
	Category string `json:"category_id"`
}

// inspectSet is Inspect as one bound argument: ",unit|category," for each
// pair, so that instr finds ",<unit>|<category>," exactly when it is open.
func (sc *Scope) inspectSet() string {
	if len(sc.Inspect) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteByte(',')
	for _, p := range sc.Inspect {
		b.WriteString(p.Unit + "|" + p.Category + ",")
	}
	return b.String()
}

// inspects tells whether the category of the unit is open to the scope.
func (sc *Scope) inspects(unit, category string) bool {
	return slices.Contains(sc.Inspect, InspectPair{Unit: unit, Category: category})
}

// reachesCases tells whether the scope may reach any case file at all: an
// account that may not act reaches none, and the secretariat never does.
func (sc *Scope) reachesCases() bool { return sc.Active && !sc.Secretariat }

// AdminsAny tells whether the scope administers at least one unit.
func (sc *Scope) AdminsAny() bool {
	return sc.All || len(sc.AdminOrgs) > 0 || len(sc.AdminUnits) > 0
}

// AdminsUnit tells whether the scope administers the unit of organisation org.
func (sc *Scope) AdminsUnit(org, unit string) bool {
	return sc.All || slices.Contains(sc.AdminOrgs, org) || slices.Contains(sc.AdminUnits, unit)
}

// AdminsOrg tells whether the scope administers organisation org.
func (sc *Scope) AdminsOrg(org string) bool {
	return sc.All || slices.Contains(sc.AdminOrgs, org)
}

// EditsIn tells whether the scope may create and be entrusted with case
// files in unit.
func (sc *Scope) EditsIn(unit string) bool {
	return sc.anyUnitAssignee || slices.Contains(sc.EditorUnits, unit)
}

// editorSet is EditorUnits as one bound argument (see liveGrantCond): unit
// ids have a fixed length and no comma, so instr finds one exactly when it
// is in the list. "*" stands for every unit.
func (sc *Scope) editorSet() string {
	if sc.anyUnitAssignee {
		return "*"
	}
	return strings.Join(sc.EditorUnits, ",")
}

// adminUnitSet is AdminScopeUnits as one bound argument.
func (sc *Scope) adminUnitSet() string { return strings.Join(sc.AdminScopeUnits, ",") }

// own is the same person seen through their own grants alone, as their home
// page counts "their" case files: what they administer is left out.
func (sc *Scope) own() *Scope {
	o := &Scope{Active: sc.Active, Superadmin: sc.Superadmin, EditorUnits: sc.EditorUnits,
		MemberOrgs: sc.MemberOrgs, anyUnitAssignee: sc.anyUnitAssignee}
	return o
}

// effectiveRole is the account's instance role as its memberships make it:
// a reader or an editor is an editor exactly while they edit for a unit.
func (sc *Scope) effectiveRole(stored string) string {
	if stored != RoleReader && stored != RoleEditor {
		return stored
	}
	if len(sc.EditorUnits) > 0 {
		return RoleEditor
	}
	return RoleReader
}

// scopeColumns are two expressions that read, for the account whose id is
// the expression %[1]s, everything its scope is expanded from, each as one
// text so that the session check reads it in its own statement
// (sqlAuthenticate) instead of a second one on every request:
//
//   - its live memberships (those whose dates hold at the bound moment,
//     bound twice), ';' between them, each "role|org|unit|unit's
//     organisation|units", the last, for an organisation's admin, its units
//     joined by ',';
//   - the (unit, category) pairs open to it as a referent inspector in units
//     that are active with the module on, ';' between them, each
//     "unit|category".
//
// Ids hold neither '|' nor ';' nor ','. What the texts hold is read by
// scopeFrom.
const scopeColumns = `(SELECT group_concat(m.role || '|' || coalesce(m.org_id, '') || '|' || coalesce(m.unit_id, '') || '|' ||
		coalesce(u.org_id, '') || '|' || CASE WHEN m.role = 'admin' AND m.org_id IS NOT NULL
			THEN (SELECT coalesce(group_concat(x.id), '') FROM units AS x WHERE x.org_id = m.org_id) ELSE '' END, ';')
		FROM memberships AS m INDEXED BY memberships_account LEFT JOIN units AS u ON u.id = m.unit_id
		WHERE m.account_id = %[1]s AND +m.valid_from <= ? AND (m.valid_until IS NULL OR +m.valid_until > ?)),
	(SELECT group_concat(ui.unit_id || '|' || ui.category_id, ';') FROM category_inspectors AS ci
		JOIN unit_inspection AS ui ON ui.category_id = ci.category_id
		JOIN units AS iu ON iu.id = ui.unit_id AND iu.module_inspectors AND iu.status = 'active'
		WHERE ci.account_id = %[1]s)`

// On PostgreSQL the scope texts are joined by its own string_agg, with the
// same result (NULLs skipped, NULL for no row): migration 065's
// group_concat, an aggregate over a function written in SQL, has that
// function planned again in every statement that runs it, and every request
// reads its scope.
var (
	_ = pgAlso("(SELECT group_concat(m.role || ", "(SELECT string_agg(m.role || ")
	_ = pgAlso("coalesce(group_concat(x.id), '')", "coalesce(string_agg(x.id, ','), '')")
	_ = pgAlso("(SELECT group_concat(ui.unit_id || ", "(SELECT string_agg(ui.unit_id || ")
)

// sqlScope reads an account's scope texts (scopeColumns) for an actor made
// outside a request (the command line, tests); a request's comes with its
// session (sqlAuthenticate).
var sqlScope = statements.Read(`SELECT ` + fmt.Sprintf(scopeColumns, "?"))

// loadScope expands acc's scope at now.
func (s *Store) loadScope(ctx context.Context, db bun.IDB, acc *Account, now time.Time) (*Scope, error) {
	if acc == nil || acc.Status != StatusActive {
		return &Scope{}, nil
	}
	var members, inspects sql.NullString
	if err := s.db.QueryRow(ctx, db, sqlScope, []any{acc.ID, now, now, acc.ID}, &members, &inspects); err != nil {
		return nil, err
	}
	return scopeFrom(acc, members.String, inspects.String), nil
}

// scopeFrom expands the scope of acc, with its stored role and status, from
// the texts scopeColumns read.
func scopeFrom(acc *Account, members, inspects string) *Scope {
	sc := &Scope{}
	if acc.Status != StatusActive {
		return sc
	}
	sc.Active = true
	switch acc.Role {
	case RoleAdmin, RoleSuperadmin:
		sc.All, sc.anyUnitAssignee = true, true
		sc.Superadmin = acc.Role == RoleSuperadmin
	case RoleSecretariat:
		sc.Secretariat = true
	}
	// The secretariat sees no case file, even named inspector.
	for rest := inspects; rest != "" && !sc.Secretariat; {
		var pair string
		pair, rest, _ = strings.Cut(rest, ";")
		unit, category, _ := strings.Cut(pair, "|")
		sc.Inspect = append(sc.Inspect, InspectPair{Unit: unit, Category: category})
	}
	var orgUnits []string
	for rest := members; rest != ""; {
		var m string
		m, rest, _ = strings.Cut(rest, ";")
		role, m, _ := strings.Cut(m, "|")
		org, m, _ := strings.Cut(m, "|")
		unit, m, _ := strings.Cut(m, "|")
		unitOrg, units, _ := strings.Cut(m, "|")
		if org == "" {
			org = unitOrg
		}
		sc.MemberOrgs = appendNew(sc.MemberOrgs, org)
		switch {
		case role == MemberAdmin && unit == "":
			sc.AdminOrgs = appendNew(sc.AdminOrgs, org)
			if units != "" {
				orgUnits = append(orgUnits, strings.Split(units, ",")...)
			}
		case role == MemberAdmin:
			sc.AdminUnits = appendNew(sc.AdminUnits, unit)
		case role == MemberEditor:
			sc.EditorUnits = appendNew(sc.EditorUnits, unit)
		}
	}
	// A unit administered through its organisation is not listed again.
	sc.AdminUnits = slices.DeleteFunc(sc.AdminUnits, func(u string) bool { return slices.Contains(orgUnits, u) })
	for _, u := range append(orgUnits, sc.AdminUnits...) {
		sc.AdminScopeUnits = appendNew(sc.AdminScopeUnits, u)
	}
	slices.SortFunc(sc.Inspect, func(a, b InspectPair) int {
		return cmp.Or(strings.Compare(a.Unit, b.Unit), strings.Compare(a.Category, b.Category))
	})
	slices.Sort(sc.AdminOrgs)
	slices.Sort(sc.AdminUnits)
	slices.Sort(sc.AdminScopeUnits)
	slices.Sort(sc.EditorUnits)
	return sc
}

func appendNew(list []string, v string) []string {
	if v == "" || slices.Contains(list, v) {
		return list
	}
	return append(list, v)
}

// scopeOf is the actor's scope: the one expanded for this request when the
// session was authenticated, or expanded now for an actor made elsewhere
// (the command line, tests). It is never empty by accident: without an
// expanded scope it reads the memberships again.
func (s *Store) scopeOf(ctx context.Context, actor Actor) (*Scope, error) {
	if actor.Account == nil {
		return &Scope{}, nil
	}
	if sc := actor.Account.scope; sc != nil {
		return sc, nil
	}
	return s.loadScope(ctx, s.read, actor.Account, s.now())
}

// ScopeOf is the actor's scope, for the server to shape what it shows
// (never to decide who sees a case file: the store does).
func (s *Store) ScopeOf(ctx context.Context, actor Actor) (*Scope, error) {
	return s.scopeOf(ctx, actor)
}

// sqlEditsIn tells whether an account holds a live editor membership of a unit.
var sqlEditsIn = statements.Read(`SELECT count(*) FROM memberships INDEXED BY memberships_account
	WHERE account_id = ? AND unit_id = ? AND role = 'editor' AND +valid_from <= ? AND (valid_until IS NULL OR +valid_until > ?)`)

// editsIn tells whether acc may be entrusted with a case file of unit now:
// an instance admin anywhere, anyone else while they edit for that unit.
func (s *Store) editsIn(ctx context.Context, db bun.IDB, acc *Account, unit string) (bool, error) {
	if acc.IsAdmin() {
		return true, nil
	}
	now := s.now()
	var n int
	err := s.db.QueryRow(ctx, db, sqlEditsIn, []any{acc.ID, unit, now, now}, &n)
	return n > 0, err
}

// firstErr is err when there is one, else otherwise.
func firstErr(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}
