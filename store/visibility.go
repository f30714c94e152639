package store

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"cloison/store/engine"
)

// Grant kinds. An assignee is a case manager the case file is entrusted to;
// the others are helpers invited on one case file.
const (
	GrantAssignee = "assignee"
	GrantSupport  = "support"
	GrantTrainee  = "trainee"
	GrantMentee   = "mentee"
)

// HelperKinds are the kinds of a helper's grant.
var HelperKinds = []string{GrantSupport, GrantTrainee, GrantMentee}

// THE visibility rule. A case file c is visible to an active account a
// exactly when (DESIGN.md, "Organisations, units and memberships"):
//
//	a is an instance admin or superadmin
//	∨ a administers c's unit, or c's unit's organisation
//	∨ a holds a live assignee grant on c and edits for c's unit
//	∨ a holds a live helper grant on c
//	∨ c's unit opened c's category to a as referent inspector, and c is not a draft
//
// and, whatever the above, a practice case file is visible through its
// author's own grant alone (no other grant on it can exist): every form
// but the grant part leaves practice files out.
//
// Every form below is derived from one value, the actor's Scope, expanded
// once per request (scope.go): the condition on the cases table for any
// query (visibleCases), the one-case read (caseFor), the lists and their
// totals (caselist.go), the search over one's own case files (search.go),
// the home page (overview.go) and the reminders (timeline.go). A case file
// the actor may not see answers exactly like one that does not exist.

// liveGrantCond is the grant part of the rule, on grants (alias g): a live
// grant of the account, and if it is an assignment, in a unit the account
// edits for (its scope's editorSet, bound as one argument, twice: "*" is
// every unit). Its arguments are liveGrantArgs'. The dates are compared
// with their affinity removed (+): both sides are texts in one format, and
// with the columns' NUMERIC affinity SQLite tried to read the bound time as
// a number again on every row, a third of the cost of counting a person's
// grants.
const liveGrantCond = `g.account_id = ? AND g.revoked_at IS NULL
		AND +g.starts_at <= ? AND (g.ends_at IS NULL OR +g.ends_at > ?)
		AND (g.kind <> 'assignee' OR ? = '*' OR instr(?, g.case_unit_id) > 0)`

// liveGrantArgs are liveGrantCond's arguments, in order.
func liveGrantArgs(accountID string, sc *Scope, now time.Time) []any {
	set := sc.editorSet()
	return []any{accountID, now, now, set, set}
}

// visibleCases restricts a query over the cases table (alias c) to the
// case files the scope reaches. Without an active account nothing is.
func visibleCases(q *bun.SelectQuery, sc *Scope, accountID string, now time.Time) *bun.SelectQuery {
	switch {
	case !sc.Active:
		return q.Where("0 = 1")
	case sc.All:
		// An instance admin creates no practice file (practiceUnit), so
		// their own grants add nothing to every case file but practice ones.
		return q.Where("NOT c.practice")
	}
	return q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
		if len(sc.AdminOrgs) > 0 {
			q = q.WhereOr("(c.org_id IN (?) AND NOT c.practice)", bun.In(sc.AdminOrgs))
		}
		if len(sc.AdminUnits) > 0 {
			q = q.WhereOr("(c.unit_id IN (?) AND NOT c.practice)", bun.In(sc.AdminUnits))
		}
		if len(sc.Inspect) > 0 {
			q = q.WhereOr(inspectCond, sc.inspectSet())
		}
		return q.WhereOr(`c.id IN (SELECT g.case_id FROM grants AS g WHERE `+liveGrantCond+`)`, liveGrantArgs(accountID, sc, now)...)
	})
}

// inspectCond is the inspector part of the rule, on cases (alias c), its
// argument the scope's inspectSet.
const inspectCond = `(c.status <> 'draft' AND NOT c.practice AND instr(?, ',' || c.unit_id || '|' || c.category_id || ',') > 0)`

// The one-case forms of the rule, for caseFor. A case file the actor may
// not see costs what one that does not exist costs: the same index seeks,
// whose entries say no before any case file is read. Each form is prepared
// twice: as it is, and with the case file's people (peopleColumn) for its
// page (GetCase), which reads them only once the case file was found.
var (
	// sqlCaseForAll is an instance admin's: the case file by id, with the
	// kinds of the admin's own live grants on it (an admin may be entrusted
	// with a case file in any unit) and whether they gave this session a
	// reason to read it.
	sqlCaseForAll = newCaseForm(`(SELECT `+pgAlso("group_concat(g.kind) FROM grants AS g WHERE", "string_agg(g.kind, ',') FROM grants AS g WHERE")+` g.case_id = c.id AND `+liveGrantCond+`),
		(SELECT count(*) FROM admin_case_access AS x WHERE x.session_id = ? AND x.case_id = c.id)`,
		`FROM cases AS c JOIN units AS u ON u.id = c.unit_id WHERE c.id = ?`)
	// (A practice file found by sqlCaseForAll without the admin's own grant
	// on it is turned away by caseFor, like one that does not exist.)
	// sqlCaseForGrants reads the account's live grants on the case file
	// first, by (case, account), and the case file only through one: CROSS
	// JOIN keeps SQLite from reading the case file first, which would make
	// a case file one may not see cost more than one that does not exist.
	// On SQLite the case file is read by the rowid the grant's index
	// entry carries (migration 075), its id compared on the row. (The
	// fragment starts before "c.rowid", whose own rewrite would win.)
	sqlCaseForGrants = newCaseForm(`g.kind, 0`,
		`FROM grants AS g INDEXED BY grants_case_account CROSS JOIN cases `+
			pgAlso(`AS c ON c.rowid = g.case_rowid AND c.id = g.case_id`, `AS c ON c.id = g.case_id`)+`
		CROSS JOIN units AS u ON u.id = c.unit_id
		WHERE g.case_id = ? AND `+liveGrantCond)
	// sqlCaseForScopeAdmin is, for someone who administers units, a case
	// file of those units they hold no grant on: the scope is checked on the
	// index entry (cases_id_scope), so that a case file of another unit is
	// never read.
	sqlCaseForScopeAdmin = newCaseForm(`NULL,
		(SELECT count(*) FROM admin_case_access AS x WHERE x.session_id = ? AND x.case_id = c.id)`,
		`FROM cases AS c INDEXED BY cases_id_scope JOIN units AS u ON u.id = c.unit_id
		WHERE c.id = ? AND (instr(?, c.org_id) > 0 OR instr(?, c.unit_id) > 0) AND NOT c.practice`)
	// sqlCaseForInspector is, for a referent inspector, a case file of a
	// (unit, category) open to them, drafts excepted.
	sqlCaseForInspector = newCaseForm(`NULL, 0`,
		`FROM cases AS c JOIN units AS u ON u.id = c.unit_id WHERE c.id = ? AND `+inspectCond)
	// sqlAdminReason tells whether this session gave a reason to read the case file.
	sqlAdminReason = statements.Read(`SELECT count(*) FROM admin_case_access WHERE session_id = ? AND case_id = ?`)
)

// caseForm is one one-case form of the rule: SELECT caseColumns, then the
// kinds of the actor's grants and the count of their reasons, then (people
// only) peopleColumn, then its FROM and WHERE.
type caseForm struct{ plain, people string }

func newCaseForm(columns, from string) caseForm {
	return caseForm{
		plain:  statements.Read(`SELECT ` + caseColumns + `, ` + columns + ` ` + from),
		people: statements.Read(`SELECT ` + caseColumns + `, ` + columns + `, ` + peopleColumn + ` ` + from),
	}
}

// peopleColumn is, as one JSON array, a case file's (alias c) case
// managers, live helpers and pending invitations (sqlPeople's rows, read
// by peopleFromJSON, which puts them in sqlPeople's order: an ORDER BY in
// the aggregate built and dropped a temporary B-tree on every read); its
// argument is the moment. A practice file's are not read: its page shows
// its author alone, and an instance admin's read, which finds it and turns
// it away, does no more than before.
// In the case file's own statement it saves a statement, and with it a read
// transaction, on every case file's page.
const peopleColumn = `CASE WHEN c.practice THEN NULL ELSE (SELECT json_group_array(json_object('id', p.id, 'account_id', p.account_id,
		'name', coalesce(pa.name, ''), 'email', coalesce(pa.email, p.invited_email), 'kind', p.kind,
		'major', p.major, 'ends_at', +p.ends_at, 'created_at', +p.created_at))
	FROM grants AS p LEFT JOIN accounts AS pa ON pa.id = p.account_id
	WHERE p.case_id = c.id AND p.revoked_at IS NULL AND (p.ends_at IS NULL OR +p.ends_at > ?)) END`

// caseColumns are a case file's columns with its unit's, in caseFields'
// order; times come as text (see engine.ScanTime).
const caseColumns = `c.id, c.reference, c.title, c.category_id, c.summary, c.facts_date, c.place,
	c.status, c.outcome, c.creator_id, c.version, +c.created_at, +c.updated_at,
	c.unit_id, c.org_id, u.name, u.code, u.module_helpers, u.module_attachments, u.module_reminders, u.module_transfers,
	u.module_inspectors, c.practice`

// caseFields are where a scan puts caseColumns.
func caseFields(c *Case) []any {
	return []any{&c.ID, &c.Reference, &c.Title, &c.CategoryID, &c.Summary, &c.FactsDate, &c.Place,
		&c.Status, &c.Outcome, &c.CreatorID, &c.Version, engine.ScanTime(&c.CreatedAt), engine.ScanTime(&c.UpdatedAt),
		&c.UnitID, &c.OrgID, &c.Unit.Name, &c.Unit.Code, &c.Modules.Helpers, &c.Modules.Attachments, &c.Modules.Reminders, &c.Modules.Transfers,
		&c.Modules.Inspectors, &c.Practice}
}

// Relation is what the actor is to one case file.
type Relation struct {
	Assignee bool
	// Helper is the kind of the actor's live collaboration, or "".
	Helper string
	// ScopeAdmin is set for those who administer the case file's unit
	// (instance admins included): they entrust it and may delete it.
	ScopeAdmin bool
	// Admin is ScopeAdmin for those who are not its assignees: they read
	// it with a reason.
	Admin bool
	// Superadmin can restore archived case files.
	Superadmin bool
	// Inspector is set for a referent inspector who reads it and is
	// nothing else to it: they read, never write.
	Inspector bool
	// Practice is set for the author of a practice case file (the only
	// one who reaches it): they manage it as an assignee manages theirs,
	// but it is entrusted, shared and transferred to no one.
	Practice bool
}

// caseFor loads one case file through the visibility rule, with the actor's
// relation to it. A case file the actor may not see is ErrNotFound, exactly
// like one that does not exist. An admin who is not an assignee must have
// given a reason for this case file in this session (OpenCaseAsAdmin)
// unless adminReason is set, which the operations carrying their own reason do.
func (s *Store) caseFor(ctx context.Context, db bun.IDB, actor Actor, id string, adminReason bool) (*Case, Relation, error) {
	c, rel, _, err := s.caseRead(ctx, db, actor, id, adminReason, false)
	return c, rel, err
}

// caseRead is caseFor, with, when people is set, the case file's people as
// peopleColumn gives them (GetCase).
func (s *Store) caseRead(ctx context.Context, db bun.IDB, actor Actor, id string, adminReason, people bool) (*Case, Relation, string, error) {
	return s.caseReadAfter(ctx, db, actor, id, adminReason, people, nil)
}

// caseReadAfter is caseRead, the grant part of the rule (sqlCaseForGrants)
// already read into byGrants when it is not nil (GetCaseByHint).
func (s *Store) caseReadAfter(ctx context.Context, db bun.IDB, actor Actor, id string, adminReason, people bool, byGrants *caseRow) (*Case, Relation, string, error) {
	sc, err := s.scopeOf(ctx, actor)
	if err != nil {
		return nil, Relation{}, "", err
	}
	if !sc.Active {
		return nil, Relation{}, "", ErrNotFound
	}
	now := s.now()
	// run runs one form: the arguments of its columns, then the moment
	// when people are read, then those of its FROM and WHERE.
	var found caseRow
	run := func(form caseForm, columnArgs []any, whereArgs ...any) error {
		query, args := form.plain, columnArgs
		if people {
			query, args = form.people, append(args, now)
		}
		found, err = s.readCase(ctx, db, query, people, append(args, whereArgs...)...)
		return err
	}
	grantArgs := liveGrantArgs(actor.ID(), sc, now)
	switch {
	case sc.All:
		err = run(sqlCaseForAll, append(grantArgs, actor.SessionID), id)
	case byGrants != nil:
		found = *byGrants
	default:
		err = run(sqlCaseForGrants, nil, append([]any{id}, grantArgs...)...)
	}
	if !sc.All {
		if err == nil && found.c == nil && len(sc.AdminScopeUnits) > 0 {
			err = run(sqlCaseForScopeAdmin, []any{actor.SessionID}, id, strings.Join(sc.AdminOrgs, ","), sc.adminUnitSet())
		}
		if err == nil && found.c == nil && len(sc.Inspect) > 0 {
			err = run(sqlCaseForInspector, nil, id, sc.inspectSet())
		}
	}
	if err != nil {
		return nil, Relation{}, "", err
	}
	c, kinds, reasons := found.c, found.kinds, found.reasons
	if c == nil || (c.Practice && !slices.ContainsFunc(kinds, func(k string) bool { return k != "" })) {
		// A practice file is its author's alone: an instance admin's read
		// by id finds it, and turns it away here.
		return nil, Relation{}, "", ErrNotFound
	}
	rel := relationOf(sc, c, kinds)
	if rel.Inspector && db == s.read {
		// Every read by an inspector is recorded for the unit's admins,
		// through the writer (recordInspection); their writes, which run in
		// a transaction, are refused anyway.
		if err := s.recordInspection(ctx, actor, c); err != nil {
			return nil, Relation{}, "", err
		}
	}
	if rel.Admin && !adminReason && reasons == 0 {
		// A helper who also administers the unit: their grant's row did not
		// say whether they gave a reason.
		if err := s.db.QueryRow(ctx, db, sqlAdminReason, []any{actor.SessionID, c.ID}, &reasons); err != nil {
			return nil, Relation{}, "", err
		}
		if reasons == 0 {
			return nil, rel, "", Coded(ErrForbidden, "reason_required")
		}
	}
	return c, rel, found.people, nil
}

// caseRow is what a one-case form found: nothing (c nil), or the case file
// with the kinds of the actor's grants on it, the count of their reasons to
// read it, and its people when they were asked for.
type caseRow struct {
	c       *Case
	kinds   []string
	reasons int
	people  string
}

// readCase runs one of the one-case forms (with peopleColumn last when
// people is set).
func (s *Store) readCase(ctx context.Context, db bun.IDB, query string, people bool, args ...any) (caseRow, error) {
	rows, err := s.db.Query(ctx, db, query, args...)
	if err != nil {
		return caseRow{}, err
	}
	out, _, err := scanCaseRows(rows, people, nil, nil)
	return out, err
}

// scanCaseRows reads a one-case form's rows (caseForm's columns) and closes
// them: before each row's case columns come those lead scans into, and each
// case column's destination goes through wrap when it is not nil. A row
// whose case file has no id (a LEFT JOIN's empty side, see GetCaseByHint)
// is counted and left out.
func scanCaseRows(rows *sql.Rows, people bool, lead []any, wrap func(any) any) (caseRow, int, error) {
	defer rows.Close()
	var out caseRow
	n := 0
	for rows.Next() {
		n++
		row := new(Case)
		var k, p sql.NullString
		// Room for lead, caseFields (23) and the form's last three.
		dest := make([]any, 0, len(lead)+26)
		dest = append(append(append(dest, lead...), caseFields(row)...), &k, &out.reasons)
		if people {
			dest = append(dest, &p)
		}
		if wrap != nil {
			for i := len(lead); i < len(dest); i++ {
				dest[i] = wrap(dest[i])
			}
		}
		if err := rows.Scan(dest...); err != nil {
			return caseRow{}, n, err
		}
		if row.ID == "" {
			continue
		}
		if out.c == nil {
			out.c, out.people = row, p.String
		}
		out.kinds = append(out.kinds, strings.Split(k.String, ",")...)
	}
	if err := rows.Close(); err != nil {
		return caseRow{}, n, err
	}
	if out.c != nil {
		out.c.Unit.ID = out.c.UnitID
	}
	return out, n, nil
}

// relationOf makes the relation from the kinds of the account's live
// grants on one case file (already restricted to those that count).
func relationOf(sc *Scope, c *Case, kinds []string) Relation {
	var rel Relation
	for _, k := range kinds {
		switch k {
		case "":
		case GrantAssignee:
			rel.Assignee = true
		default:
			rel.Helper = k
		}
	}
	if c.Practice {
		// Only the author's grant reaches a practice file (caseFor): they
		// are its manager, and no one administers it.
		return Relation{Helper: rel.Helper, Practice: true}
	}
	rel.ScopeAdmin = sc.AdminsUnit(c.OrgID, c.UnitID)
	rel.Admin = rel.ScopeAdmin && !rel.Assignee
	rel.Superadmin = sc.Superadmin
	rel.Inspector = !rel.Assignee && rel.Helper == "" && !rel.ScopeAdmin && sc.inspects(c.UnitID, c.CategoryID) && c.Status != CaseDraft
	return rel
}

// manager tells whether the relation may act for the case manager:
// transition, invite, delete attachments, produce the report.
func (r Relation) manager() bool { return r.Assignee || r.Admin || r.Superadmin || r.Practice }

// writer tells whether the relation may enter data: managers and helpers.
func (r Relation) writer() bool { return r.manager() || r.Helper != "" }

// OpenCaseAsAdmin records an admin's reason for reading a case file that is
// not entrusted to them, once per case file and session, in the audit log.
// Instance admins and the admins of the case file's unit or organisation may.
func (s *Store) OpenCaseAsAdmin(ctx context.Context, actor Actor, id, reason string) error {
	if err := requireScopeAdmin(ctx, s, actor); err != nil {
		return err
	}
	if err := checkReason(reason); err != nil {
		return err
	}
	return s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		c, rel, err := s.caseFor(ctx, tx, actor, id, true)
		if err != nil {
			return err
		}
		if !rel.Admin {
			if rel.Assignee {
				return nil // entrusted: no reason needed
			}
			return ErrForbidden // a helper who administers nothing here
		}
		res, err := tx.NewRaw(`INSERT INTO admin_case_access (session_id, case_id, reason, at) VALUES (?, ?, ?, ?)
			ON CONFLICT DO NOTHING`, actor.SessionID, c.ID, reason, s.now()).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return s.appendAudit(ctx, tx, actor, Audit{Action: "case.admin_read", ObjectType: "case", ObjectID: c.ID, Reason: reason,
			OrgID: c.OrgID, UnitID: c.UnitID})
	})
}

// requireScopeAdmin refuses (403) an actor who administers no unit at all:
// the kind of action is not theirs, whatever the case file.
func requireScopeAdmin(ctx context.Context, s *Store, actor Actor) error {
	if actor.Account == nil {
		return ErrUnauthenticated
	}
	sc, err := s.scopeOf(ctx, actor)
	if err != nil {
		return err
	}
	if !sc.AdminsAny() {
		return ErrForbidden
	}
	return nil
}

// CaseVersion returns the current version of a visible case file, for the
// SPA to learn, while a form is open, that someone else saved meanwhile.
func (s *Store) CaseVersion(ctx context.Context, actor Actor, id string) (int64, error) {
	c, _, err := s.caseFor(ctx, s.read, actor, id, false)
	if err != nil {
		return 0, err
	}
	return c.Version, nil
}

// ofVisibleCase reads, with read, what hangs off a case file the actor may
// see; one they may not see is ErrNotFound, as one that does not exist.
func ofVisibleCase[T any](ctx context.Context, s *Store, actor Actor, caseID string, read func(context.Context, *Case) (T, error)) (T, error) {
	c, _, err := s.caseFor(ctx, s.read, actor, caseID, false)
	if err != nil {
		var none T
		return none, err
	}
	return read(ctx, c)
}

// writable loads a case file the actor may enter data on: assignees,
// helpers and admins, and not archived.
func (s *Store) writable(ctx context.Context, tx bun.IDB, actor Actor, caseID string) (*Case, Relation, error) {
	c, rel, err := s.caseFor(ctx, tx, actor, caseID, false)
	if err != nil {
		return nil, rel, err
	}
	if !rel.writer() {
		return nil, rel, ErrForbidden
	}
	if c.Status == CaseArchived {
		return nil, rel, Coded(ErrConflict, "archived")
	}
	return c, rel, nil
}
