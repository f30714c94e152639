package store

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"slices"
	"strings"
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
	ModuleTransfers  bool      `bun:"module_transfers" json:"-"`
	ModuleInspectors bool      `bun:"module_inspectors" json:"-"`
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
	// Transfers lets the unit's case files be proposed to other units (and
	// shows the unit's transfers); receiving them is accepts_transfers.
	Transfers bool `json:"transfers"`
	// Inspectors lets the unit open categories to referent inspectors.
	Inspectors bool `json:"inspectors"`
}

// Modules are the unit's switches.
func (u *Unit) Modules() Modules {
	return Modules{Helpers: u.ModuleHelpers, Attachments: u.ModuleAttach, Reminders: u.ModuleReminders, Transfers: u.ModuleTransfers,
		Inspectors: u.ModuleInspectors}
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
// scope may not create in is refused like one that does not exist. It also
// tells whether category is active (see activeUnitToCreateIn).
func (s *Store) creationUnit(ctx context.Context, sc *Scope, asked, category string) (*Unit, bool, error) {
	if !sc.reachesCases() {
		return nil, false, ErrForbidden
	}
	var candidates []string
	if !sc.All {
		for _, u := range append(append([]string{}, sc.EditorUnits...), sc.AdminScopeUnits...) {
			candidates = appendNew(candidates, u)
		}
		if len(candidates) == 0 {
			return nil, false, ErrForbidden // not a case manager anywhere
		}
	}
	if asked == "" {
		switch {
		case len(candidates) == 1:
			asked = candidates[0]
		case sc.All:
			only, err := s.onlyUnit(ctx, s.read)
			if err != nil {
				return nil, false, err
			}
			if only == "" {
				return nil, false, Invalid("unit_id", "required")
			}
			asked = only
		default:
			return nil, false, Invalid("unit_id", "required")
		}
	}
	if !sc.All && !slices.Contains(candidates, asked) {
		return nil, false, Invalid("unit_id", "unknown")
	}
	return s.activeUnitToCreateIn(ctx, sc, asked, category)
}

// sqlUnitToCreateIn reads what a new case file takes from its unit, and
// whether its category takes new case files, in one prepared statement:
// through bun, parsing the query and scanning the whole unit was a sixth of
// a create in a profile.
var sqlUnitToCreateIn = statements.Read(`SELECT org_id, name, code, status, module_helpers, module_attachments,
	module_reminders, module_transfers, module_inspectors,
	coalesce((SELECT active FROM categories WHERE id = ?), FALSE) FROM units WHERE id = ?`)

// activeUnitToCreateIn is unit id with what a new case file takes from it
// (its organisation, name, code and modules), and whether category is an
// active category ("" for none asked); a unit that does not exist or is not
// active is refused as unknown. Creates come in streams, so the read is
// kept: on SQLite while nothing is written but case files (see keptReads);
// on PostgreSQL under the stamp of writes that sc's session check read
// (migrations 071 and 072 stamp every write to units and categories), so
// that a request whose session check read the same stamp finds it without
// a statement. A read kept so is at least as new as its stamp: it was made
// after the stamp was read.
func (s *Store) activeUnitToCreateIn(ctx context.Context, sc *Scope, id, category string) (*Unit, bool, error) {
	now := s.now()
	key := id + "\x00" + category
	// Read before the statement (see engine.DB.Commits).
	commits := s.db.Commits()
	// On PostgreSQL without a stamp (a scope not made by a session check)
	// nothing is kept. Only units found with an active category are kept
	// (below).
	stamped := s.pg && sc.changes != ""
	keep := stamped || !s.pg
	switch {
	case stamped:
		key += "\x00" + sc.changes
		if u, ok := s.creationUnits.keyed(key); ok {
			return &u, true, nil
		}
	case keep:
		if u, ok := s.creationUnits.get(key, commits, now); ok {
			return &u, true, nil
		}
	}
	u := &Unit{ID: id}
	var active bool
	err := s.db.QueryRow(ctx, s.read, sqlUnitToCreateIn, []any{category, id}, &u.OrgID, &u.Name, &u.Code, &u.Status,
		&u.ModuleHelpers, &u.ModuleAttach, &u.ModuleReminders, &u.ModuleTransfers, &u.ModuleInspectors, &active)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && u.Status != ScopeActive) {
		return nil, false, Invalid("unit_id", "unknown")
	}
	if err != nil {
		return nil, false, err
	}
	if active && keep {
		// Only what a create goes on with is kept: the key holds the
		// category as sent, and a refusal kept could fill the cache with
		// whatever anyone sends.
		s.creationUnits.put(key, commits, now, time.Time{}, *u)
	}
	return u, active, nil
}

// AllUnits lists every unit, oldest first, for the command line (the seed);
// the API lists them through the directory.
func (s *Store) AllUnits(ctx context.Context) ([]Unit, error) {
	out := []Unit{}
	return out, s.read.NewSelect().Model(&out).OrderExpr("created_at, id").Scan(ctx)
}

// Scope types: what a membership, a members list or an audit entry is about.
const (
	ScopeTypeOrg  = "org"
	ScopeTypeUnit = "unit"
)

// errCentrallyManaged refuses a change to a centrally managed
// organisation's record, units or memberships to anyone but the secretariat.
var errCentrallyManaged = Coded(ErrForbidden, "centrally_managed")

// codePattern is what an organisation's or a unit's code looks like once
// upper-cased: an external identifier (a UAI, a registry number).
var codePattern = regexp.MustCompile(`^[A-Z0-9][A-Z0-9._-]{1,31}$`)

// normCode upper-cases a code and checks it.
func normCode(code string) (string, error) {
	c := strings.ToUpper(strings.TrimSpace(code))
	switch {
	case c == "":
		return "", Invalid("code", "required")
	case !codePattern.MatchString(c):
		return "", Invalid("code", "format")
	}
	return c, nil
}

// codeTaken tells whether another row of model's table (organisations or
// units) already has code.
func codeTaken(ctx context.Context, db bun.IDB, model any, code, except string) error {
	taken, err := db.NewSelect().Model(model).Where("code = ? AND id <> ?", code, except).Exists(ctx)
	if err != nil {
		return err
	}
	if taken {
		return Invalid("code", "taken")
	}
	return nil
}

// scopeRef is an organisation or a unit as the rules about them need it.
type scopeRef struct {
	Type    string // ScopeTypeOrg or ScopeTypeUnit
	ID      string
	OrgID   string
	UnitID  string // "" for an organisation
	Name    string
	OrgName string
	Status  string
	Central bool
}

// loadScopeRef reads an organisation or a unit, or ErrNotFound.
func loadScopeRef(ctx context.Context, db bun.IDB, typ, id string) (*scopeRef, error) {
	t := &scopeRef{Type: typ, ID: id}
	var err error
	switch typ {
	case ScopeTypeOrg:
		err = db.NewSelect().TableExpr("organisations AS o").ColumnExpr("o.id, o.name, o.status, o.centrally_managed").
			Where("o.id = ?", id).Scan(ctx, &t.OrgID, &t.Name, &t.Status, &t.Central)
		t.OrgName = t.Name
	case ScopeTypeUnit:
		err = db.NewSelect().TableExpr("units AS u").Join("JOIN organisations AS o ON o.id = u.org_id").
			ColumnExpr("u.id, u.org_id, u.name, o.name, u.status, o.centrally_managed").
			Where("u.id = ?", id).Scan(ctx, &t.UnitID, &t.OrgID, &t.Name, &t.OrgName, &t.Status, &t.Central)
	default:
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, notFound(err)
	}
	return t, nil
}

// seenBy tells whether sc may know that the scope exists: an organisation
// to its live members, the secretariat and instance admins; a unit also to
// anyone while it is active (it is in the directory). Anyone else gets the
// 404 of a scope that does not exist.
func (t *scopeRef) seenBy(sc *Scope) bool {
	if sc.All || sc.Secretariat || slices.Contains(sc.MemberOrgs, t.OrgID) {
		return true
	}
	return t.Type == ScopeTypeUnit && (t.Status == ScopeActive || slices.Contains(sc.AdminScopeUnits, t.UnitID))
}

// keptBy tells whether sc keeps the scope: reads all of it (settings,
// members with their e-mails) and, unless it is centrally managed, changes
// it. The secretariat, instance admins, the organisation's admins, and a
// unit's own admins.
func (t *scopeRef) keptBy(sc *Scope) bool {
	return sc.Secretariat || sc.AdminsOrg(t.OrgID) || (t.Type == ScopeTypeUnit && slices.Contains(sc.AdminScopeUnits, t.UnitID))
}

// unkept is the answer to sc for what the scope's keepers do: ErrNotFound
// when sc may not know of it, ErrForbidden when sc does not keep it, nil
// when it does.
func (t *scopeRef) unkept(sc *Scope) error {
	switch {
	case !t.seenBy(sc):
		return ErrNotFound
	case !t.keptBy(sc):
		return ErrForbidden
	}
	return nil
}

// writableBy is unkept, then, unless sc is the secretariat,
// centrally_managed for a centrally managed organisation's scope.
func (t *scopeRef) writableBy(sc *Scope) error {
	if err := t.unkept(sc); err != nil {
		return err
	}
	if t.Central && !sc.Secretariat {
		return errCentrallyManaged
	}
	return nil
}

// keptScope reads a scope for sc to act on as its keeper (see unkept).
func keptScope(ctx context.Context, db bun.IDB, sc *Scope, typ, id string) (*scopeRef, error) {
	t, err := loadScopeRef(ctx, db, typ, id)
	if err != nil {
		return nil, err
	}
	return t, t.unkept(sc)
}

// optionalCode is a changed code, upper-cased and checked, or "" when it
// does not change.
func optionalCode(code *string) (string, error) {
	if code == nil {
		return "", nil
	}
	return normCode(*code)
}

// scopeUpdate gathers what a change of an organisation or a unit sets.
type scopeUpdate struct {
	q      *bun.UpdateQuery
	fields []string
}

func newScopeUpdate(tx bun.IDB, model any, id string) *scopeUpdate {
	return &scopeUpdate{q: tx.NewUpdate().Model(model).Where("id = ?", id)}
}

// set sets column to v.
func (u *scopeUpdate) set(column string, v any) {
	u.q = u.q.Set("? = ?", bun.Ident(column), v)
	u.fields = append(u.fields, column)
}

// setTexts sets, trimmed, each text column given.
func (u *scopeUpdate) setTexts(columns map[string]*string) {
	for column, v := range columns {
		if v != nil {
			u.set(column, strings.TrimSpace(*v))
		}
	}
}

// setCode sets the code, unless another one of model's table has it.
func (u *scopeUpdate) setCode(ctx context.Context, tx bun.IDB, model any, code, id string) error {
	if code == "" {
		return nil
	}
	if err := codeTaken(ctx, tx, model, code, id); err != nil {
		return err
	}
	u.set("code", code)
	return nil
}

// applyScopeUpdate writes a change of the scope t, if there is one, and
// audits it in the scope with its reason and the names of what changed.
func (s *Store) applyScopeUpdate(ctx context.Context, tx bun.IDB, actor Actor, t *scopeRef, u *scopeUpdate, reason string) error {
	if len(u.fields) == 0 {
		return nil
	}
	slices.Sort(u.fields)
	if _, err := u.q.Set("updated_at = ?", s.now()).Exec(ctx); err != nil {
		return err
	}
	return s.appendAudit(ctx, tx, actor, t.audit(Audit{Action: t.Type + ".updated", ObjectType: scopeObject(t.Type), ObjectID: t.ID,
		Reason: reason, Details: map[string]any{"fields": u.fields}}))
}

// audit places an audit entry in the scope.
func (t *scopeRef) audit(a Audit) Audit {
	a.OrgID, a.UnitID = t.OrgID, t.UnitID
	return a
}

// actingScope is the scope of a logged-in actor, ErrUnauthenticated without one.
func (s *Store) actingScope(ctx context.Context, actor Actor) (*Scope, error) {
	if actor.Account == nil {
		return nil, ErrUnauthenticated
	}
	return s.scopeOf(ctx, actor)
}

// OrgRef names an organisation beside what belongs to it.
type OrgRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// UnitEntry is a unit as the directory shows it to anyone logged in: what
// they pick from when asking to join one.
type UnitEntry struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Code         string `json:"code"`
	Organisation OrgRef `json:"organisation"`
}

// UnitSettings is the rest of a unit, for those who keep it.
type UnitSettings struct {
	OrgID            string    `json:"org_id"`
	ContactEmail     string    `json:"contact_email"`
	Address          string    `json:"address"`
	Status           string    `json:"status"`
	Modules          Modules   `json:"modules"`
	AcceptsTransfers bool      `json:"accepts_transfers"`
	HasLogo          bool      `json:"has_logo"`
	HasStamp         bool      `json:"has_stamp"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

// UnitView is a unit as one caller sees it: its directory entry, and its
// settings when the caller keeps it (nil, and absent from the JSON,
// otherwise).
type UnitView struct {
	UnitEntry
	*UnitSettings
}

// unitView shows u to sc.
func unitView(u *Unit, orgName string, sc *Scope) UnitView {
	v := UnitView{UnitEntry: UnitEntry{ID: u.ID, Name: u.Name, Code: u.Code, Organisation: OrgRef{ID: u.OrgID, Name: orgName}}}
	t := scopeRef{Type: ScopeTypeUnit, ID: u.ID, OrgID: u.OrgID, UnitID: u.ID}
	if t.keptBy(sc) {
		v.UnitSettings = &UnitSettings{OrgID: u.OrgID, ContactEmail: u.ContactEmail, Address: u.Address, Status: u.Status,
			Modules: u.Modules(), AcceptsTransfers: u.AcceptsTransfers, HasLogo: u.LogoType != "", HasStamp: u.StampType != "",
			CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
	}
	return v
}

// unitViews shows the units of an organisation to sc, by name.
func unitViews(ctx context.Context, db bun.IDB, org *Organisation, sc *Scope) ([]UnitView, error) {
	var units []Unit
	if err := db.NewSelect().Model(&units).Where("u.org_id = ?", org.ID).OrderExpr("lower(u.name), u.id").Scan(ctx); err != nil {
		return nil, err
	}
	out := make([]UnitView, len(units))
	for i := range units {
		out[i] = unitView(&units[i], org.Name, sc)
	}
	return out, nil
}

// OrgDetail is an organisation's record as GET /api/orgs/{id} shows it:
// with its units and its current members (the first maxRecordMembers; the
// members list has them all).
type OrgDetail struct {
	*Organisation
	Units   []UnitView       `json:"units"`
	Members []MembershipView `json:"members"`
}

// maxRecordMembers bounds the members an organisation's record carries.
const maxRecordMembers = 200

// ListOrgs lists organisations by name: all of them to the secretariat and
// instance admins, to anyone else those they hold a live membership of.
// q matches part of the name or the code.
func (s *Store) ListOrgs(ctx context.Context, actor Actor, q string, p Page) ([]Organisation, int64, error) {
	sc, err := s.actingScope(ctx, actor)
	if err != nil {
		return nil, 0, err
	}
	out := []Organisation{}
	query := s.read.NewSelect().Model(&out)
	if !sc.All && !sc.Secretariat {
		if len(sc.MemberOrgs) == 0 {
			return out, 0, nil
		}
		query = query.Where("o.id IN (?)", bun.In(sc.MemberOrgs))
	}
	query = whereNameOrCode(query, "o", q)
	n, err := query.OrderExpr("lower(o.name), o.id").Limit(p.limit()).Offset(p.offset()).ScanAndCount(ctx)
	return out, int64(n), err
}

// whereNameOrCode narrows a list of organisations or units (alias) to
// those whose name or code holds q.
func whereNameOrCode(query *bun.SelectQuery, alias, q string) *bun.SelectQuery {
	q = strings.TrimSpace(q)
	if q == "" {
		return query
	}
	like := "%" + escapeLike(strings.ToLower(q)) + "%"
	return query.Where("(lower(?.name) LIKE ? ESCAPE '\\' OR lower(?.code) LIKE ? ESCAPE '\\')",
		bun.Ident(alias), like, bun.Ident(alias), like)
}

// NewOrganisation registers an organisation with its first administrator.
type NewOrganisation struct {
	Name         string `json:"name" validate:"trimmed,max=200,singleline"`
	Code         string `json:"code"`
	Address      string `json:"address" validate:"max=500,multiline"`
	ContactEmail string `json:"contact_email" validate:"omitempty,max=254,email"`
	// AdminEmail receives the invitation to cooperate (or, with an active
	// account, the membership at once).
	AdminEmail string `json:"admin_email" validate:"required,max=254,email"`
	AdminName  string `json:"admin_name" validate:"max=100,singleline"`
	Central    bool   `json:"centrally_managed"`
	Reason     string `json:"reason" validate:"max=2000,multiline"`
}

// checkInput validates v's tags and its reason, and adds what more gathers
// (codes, dates...), all reported at once.
func checkInput(v any, reason string, more ...error) error {
	f := invalidFields{}
	if err := f.add(check(v)); err != nil {
		return err
	}
	for _, e := range append(more, checkReason(reason)) {
		if err := f.add(e); err != nil {
			return err
		}
	}
	return f.err()
}

// CreateOrg registers an organisation (the secretariat and superadmins):
// status invited, its administrator invited by e-mail (an "invitation to
// cooperate"); it turns active once an administrator holds a live
// membership, at once when admin_email belongs to an active account.
func (s *Store) CreateOrg(ctx context.Context, actor Actor, in NewOrganisation) (*OrgDetail, error) {
	sc, err := s.actingScope(ctx, actor)
	if err != nil {
		return nil, err
	}
	if !sc.Secretariat && !sc.Superadmin {
		return nil, ErrForbidden
	}
	code, codeErr := normCode(in.Code)
	if err := checkInput(&in, in.Reason, codeErr); err != nil {
		return nil, err
	}
	var out *OrgDetail
	err = s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := codeTaken(ctx, tx, (*Organisation)(nil), code, ""); err != nil {
			return err
		}
		now := s.now()
		o := &Organisation{ID: newID(), Name: strings.TrimSpace(in.Name), Code: code, Address: strings.TrimSpace(in.Address),
			ContactEmail: strings.TrimSpace(in.ContactEmail), Status: ScopeInvited, Central: in.Central, CreatedAt: now, UpdatedAt: now}
		if _, err := tx.NewInsert().Model(o).Exec(ctx); err != nil {
			return err
		}
		t := &scopeRef{Type: ScopeTypeOrg, ID: o.ID, OrgID: o.ID, Name: o.Name, OrgName: o.Name, Status: o.Status, Central: o.Central}
		if err := s.appendAudit(ctx, tx, actor, t.audit(Audit{Action: "org.created", ObjectType: "organisation", ObjectID: o.ID,
			Reason: in.Reason, Details: map[string]any{"code": code, "centrally_managed": in.Central}})); err != nil {
			return err
		}
		if _, err := s.appoint(ctx, tx, actor, t, appointment{Email: in.AdminEmail, Name: in.AdminName, Role: MemberAdmin,
			Functions: []string{}, From: now}, in.Reason); err != nil {
			return err
		}
		out, err = s.orgDetail(ctx, tx, sc, o.ID)
		return err
	})
	return out, err
}

// orgDetail reads an organisation's record as sc sees it.
func (s *Store) orgDetail(ctx context.Context, db bun.IDB, sc *Scope, id string) (*OrgDetail, error) {
	o := new(Organisation)
	if err := db.NewSelect().Model(o).Where("o.id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err)
	}
	units, err := unitViews(ctx, db, o, sc)
	if err != nil {
		return nil, err
	}
	t := &scopeRef{Type: ScopeTypeOrg, ID: o.ID, OrgID: o.ID}
	members, _, err := s.members(ctx, db, sc, t, "current", Page{Page: 1, PerPage: maxRecordMembers})
	if err != nil {
		return nil, err
	}
	return &OrgDetail{Organisation: o, Units: units, Members: members}, nil
}

// GetOrg reads an organisation's record: for its live members (members
// see its current members without their e-mails), its admins, the
// secretariat and instance admins; anyone else gets ErrNotFound.
func (s *Store) GetOrg(ctx context.Context, actor Actor, id string) (*OrgDetail, error) {
	sc, err := s.actingScope(ctx, actor)
	if err != nil {
		return nil, err
	}
	t, err := loadScopeRef(ctx, s.read, ScopeTypeOrg, id)
	if err != nil || !t.seenBy(sc) {
		return nil, firstErr(err, ErrNotFound)
	}
	return s.orgDetail(ctx, s.read, sc, id)
}

// OrgChange changes an organisation's record; absent fields stay.
type OrgChange struct {
	Name         *string `json:"name" validate:"omitnil,trimmed,max=200,singleline"`
	Code         *string `json:"code"`
	Address      *string `json:"address" validate:"omitnil,max=500,multiline"`
	ContactEmail *string `json:"contact_email" validate:"omitnil,omitempty,max=254,email"`
	// Status and Central are the secretariat's and superadmins'.
	Status  *string `json:"status" validate:"omitnil,oneof=active closed"`
	Central *bool   `json:"centrally_managed"`
	Reason  string  `json:"reason" validate:"max=2000,multiline"`
}

// UpdateOrg changes an organisation's record: its admins (and instance
// admins) unless it is centrally managed, the secretariat always. Its
// status and whether it is centrally managed are for the secretariat and
// superadmins.
func (s *Store) UpdateOrg(ctx context.Context, actor Actor, id string, ch OrgChange) (*OrgDetail, error) {
	return s.updateOrg(ctx, nil, actor, id, ch)
}

// updateOrg is UpdateOrg, in outer when it is given.
func (s *Store) updateOrg(ctx context.Context, outer *bun.Tx, actor Actor, id string, ch OrgChange) (*OrgDetail, error) {
	sc, err := s.actingScope(ctx, actor)
	if err != nil {
		return nil, err
	}
	var out *OrgDetail
	err = s.within(ctx, outer, func(ctx context.Context, tx bun.Tx) error {
		t, err := loadScopeRef(ctx, tx, ScopeTypeOrg, id)
		if err != nil {
			return err
		}
		if err := t.writableBy(sc); err != nil {
			return err
		}
		if (ch.Status != nil || ch.Central != nil) && !sc.Secretariat && !sc.Superadmin {
			return ErrForbidden
		}
		code, codeErr := optionalCode(ch.Code)
		if err := checkInput(&ch, ch.Reason, codeErr); err != nil {
			return err
		}
		upd := newScopeUpdate(tx, (*Organisation)(nil), id)
		if err := upd.setCode(ctx, tx, (*Organisation)(nil), code, id); err != nil {
			return err
		}
		upd.setTexts(map[string]*string{"name": ch.Name, "address": ch.Address, "contact_email": ch.ContactEmail, "status": ch.Status})
		if ch.Central != nil {
			upd.set("centrally_managed", *ch.Central)
		}
		if err := s.applyScopeUpdate(ctx, tx, actor, t, upd, ch.Reason); err != nil {
			return err
		}
		out, err = s.orgDetail(ctx, tx, sc, id)
		return err
	})
	return out, err
}

// NewUnit creates a unit in an organisation.
type NewUnit struct {
	Name         string `json:"name" validate:"trimmed,max=200,singleline"`
	Code         string `json:"code"`
	ContactEmail string `json:"contact_email" validate:"required,max=254,email"`
	Address      string `json:"address" validate:"max=500,multiline"`
	// AdminEmail, when given, is invited as the unit's administrator; the
	// unit stays invited until an administrator holds a live membership.
	AdminEmail string `json:"admin_email" validate:"omitempty,max=254,email"`
	AdminName  string `json:"admin_name" validate:"max=100,singleline"`
	Reason     string `json:"reason" validate:"max=2000,multiline"`
}

// CreateUnit creates a unit in organisation orgID: its admins (and
// instance admins) unless it is centrally managed, the secretariat always.
func (s *Store) CreateUnit(ctx context.Context, actor Actor, orgID string, in NewUnit) (*UnitView, error) {
	sc, err := s.actingScope(ctx, actor)
	if err != nil {
		return nil, err
	}
	var out *UnitView
	err = s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		org, err := loadScopeRef(ctx, tx, ScopeTypeOrg, orgID)
		if err != nil {
			return err
		}
		if err := org.writableBy(sc); err != nil {
			return err
		}
		if org.Status == ScopeClosed {
			return errScopeClosed
		}
		code, codeErr := normCode(in.Code)
		if err := checkInput(&in, in.Reason, codeErr); err != nil {
			return err
		}
		if err := codeTaken(ctx, tx, (*Unit)(nil), code, ""); err != nil {
			return err
		}
		now := s.now()
		u := &Unit{ID: newID(), OrgID: orgID, Name: strings.TrimSpace(in.Name), Code: code, ContactEmail: strings.TrimSpace(in.ContactEmail),
			Address: strings.TrimSpace(in.Address), Status: ScopeActive, ModuleHelpers: true, ModuleAttach: true, ModuleReminders: true, ModuleTransfers: true, ModuleInspectors: true,
			CreatedAt: now, UpdatedAt: now}
		if in.AdminEmail != "" {
			u.Status = ScopeInvited // until its administrator is there
		}
		if _, err := tx.NewInsert().Model(u).Exec(ctx); err != nil {
			return err
		}
		t := &scopeRef{Type: ScopeTypeUnit, ID: u.ID, OrgID: orgID, UnitID: u.ID, Name: u.Name, OrgName: org.Name, Status: u.Status, Central: org.Central}
		if err := s.appendAudit(ctx, tx, actor, t.audit(Audit{Action: "unit.created", ObjectType: "unit", ObjectID: u.ID,
			Reason: in.Reason, Details: map[string]any{"code": code}})); err != nil {
			return err
		}
		if in.AdminEmail != "" {
			if _, err := s.appoint(ctx, tx, actor, t, appointment{Email: in.AdminEmail, Name: in.AdminName, Role: MemberAdmin,
				Functions: []string{}, From: now}, in.Reason); err != nil {
				return err
			}
		}
		out, err = s.unitViewByID(ctx, tx, sc, u.ID)
		return err
	})
	return out, err
}

// unitViewByID reads a unit as sc sees it.
func (s *Store) unitViewByID(ctx context.Context, db bun.IDB, sc *Scope, id string) (*UnitView, error) {
	u, err := unitByID(ctx, db, id)
	if err != nil {
		return nil, err
	}
	var orgName string
	if err := db.NewSelect().Model((*Organisation)(nil)).Column("name").Where("id = ?", u.OrgID).Scan(ctx, &orgName); err != nil {
		return nil, err
	}
	v := unitView(u, orgName, sc)
	return &v, nil
}

// UnitDirectory lists the active units by name, with their organisation,
// to anyone logged in: what they may pick when asking to join one. q
// matches part of the name or the code; org narrows to one organisation.
func (s *Store) UnitDirectory(ctx context.Context, actor Actor, q, org string, p Page) ([]UnitEntry, int64, error) {
	if _, err := s.actingScope(ctx, actor); err != nil {
		return nil, 0, err
	}
	var rows []struct {
		ID      string `bun:"id"`
		Name    string `bun:"name"`
		Code    string `bun:"code"`
		OrgID   string `bun:"org_id"`
		OrgName string `bun:"org_name"`
	}
	query := s.read.NewSelect().TableExpr("units AS u").Join("JOIN organisations AS o ON o.id = u.org_id").
		ColumnExpr("u.id, u.name, u.code, o.id AS org_id, o.name AS org_name").Where("u.status = ?", ScopeActive)
	if org != "" {
		query = query.Where("u.org_id = ?", org)
	}
	query = whereNameOrCode(query, "u", q)
	n, err := query.OrderExpr("lower(u.name), u.id").Limit(p.limit()).Offset(p.offset()).ScanAndCount(ctx, &rows)
	out := make([]UnitEntry, len(rows))
	for i, r := range rows {
		out[i] = UnitEntry{ID: r.ID, Name: r.Name, Code: r.Code, Organisation: OrgRef{ID: r.OrgID, Name: r.OrgName}}
	}
	return out, int64(n), err
}

// GetUnit reads a unit: its directory entry for anyone logged in while it
// is active, all of it for those who keep it (its admins, its
// organisation's, the secretariat and instance admins).
func (s *Store) GetUnit(ctx context.Context, actor Actor, id string) (*UnitView, error) {
	sc, err := s.actingScope(ctx, actor)
	if err != nil {
		return nil, err
	}
	t, err := loadScopeRef(ctx, s.read, ScopeTypeUnit, id)
	if err != nil || !t.seenBy(sc) {
		return nil, firstErr(err, ErrNotFound)
	}
	return s.unitViewByID(ctx, s.read, sc, id)
}

// ModulesChange switches a unit's modules; absent ones stay.
type ModulesChange struct {
	Helpers     *bool `json:"helpers"`
	Attachments *bool `json:"attachments"`
	Reminders   *bool `json:"reminders"`
	Transfers   *bool `json:"transfers"`
	Inspectors  *bool `json:"inspectors"`
}

// UnitChange changes a unit's settings; absent fields stay.
type UnitChange struct {
	Name         *string `json:"name" validate:"omitnil,trimmed,max=200,singleline"`
	Code         *string `json:"code"`
	ContactEmail *string `json:"contact_email" validate:"omitnil,max=254,email"`
	Address      *string `json:"address" validate:"omitnil,max=500,multiline"`
	// Status is the organisation's admins' and the secretariat's.
	Status           *string        `json:"status" validate:"omitnil,oneof=active closed"`
	Modules          *ModulesChange `json:"modules"`
	AcceptsTransfers *bool          `json:"accepts_transfers"`
	Reason           string         `json:"reason" validate:"max=2000,multiline"`
}

// record tells whether the change touches the unit's record (what a
// centrally managed organisation leaves to the secretariat) rather than
// its settings.
func (ch *UnitChange) record() bool {
	return ch.Name != nil || ch.Code != nil || ch.ContactEmail != nil || ch.Address != nil || ch.Status != nil
}

// UpdateUnit changes a unit, with a reason: its admins, its organisation's
// admins, instance admins and the secretariat. In a centrally managed
// organisation its record (name, code, contact, address, status) is the
// secretariat's alone; its settings (modules, transfers) stay its admins'.
func (s *Store) UpdateUnit(ctx context.Context, actor Actor, id string, ch UnitChange) (*UnitView, error) {
	sc, err := s.actingScope(ctx, actor)
	if err != nil {
		return nil, err
	}
	var out *UnitView
	err = s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		t, err := keptScope(ctx, tx, sc, ScopeTypeUnit, id)
		switch {
		case err != nil:
			return err
		case ch.record() && t.Central && !sc.Secretariat:
			return errCentrallyManaged
		case ch.Status != nil && !sc.Secretariat && !sc.AdminsOrg(t.OrgID):
			return ErrForbidden
		}
		code, codeErr := optionalCode(ch.Code)
		if err := checkInput(&ch, ch.Reason, codeErr); err != nil {
			return err
		}
		upd := newScopeUpdate(tx, (*Unit)(nil), id)
		if err := upd.setCode(ctx, tx, (*Unit)(nil), code, id); err != nil {
			return err
		}
		upd.setTexts(map[string]*string{"name": ch.Name, "contact_email": ch.ContactEmail, "address": ch.Address, "status": ch.Status})
		if m := ch.Modules; m != nil {
			for column, v := range map[string]*bool{"module_helpers": m.Helpers, "module_attachments": m.Attachments,
				"module_reminders": m.Reminders, "module_transfers": m.Transfers, "module_inspectors": m.Inspectors} {
				if v != nil {
					upd.set(column, *v)
				}
			}
		}
		if ch.AcceptsTransfers != nil {
			upd.set("accepts_transfers", *ch.AcceptsTransfers)
		}
		if err := s.applyScopeUpdate(ctx, tx, actor, t, upd, ch.Reason); err != nil {
			return err
		}
		out, err = s.unitViewByID(ctx, tx, sc, id)
		return err
	})
	return out, err
}
