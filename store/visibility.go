package store

import (
	"context"
	"database/sql"
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

// visibleCases is THE visibility predicate: it restricts a query over the
// cases table (alias c) to the case files actor may know exist. Every query
// that touches case files, their notes, deadlines, attachments, history or
// report goes through it (directly, or through caseFor). Admins see every
// case file; anyone else sees those they hold a live grant on: as an
// assignee (editors and above only, so a demoted editor loses them), or as a
// helper. Without an account nothing is visible. caseFor uses its
// one-case form, visibleCase, which shares the grant condition (liveGrant).
func visibleCases(q *bun.SelectQuery, actor Actor, now time.Time) *bun.SelectQuery {
	acc := actor.Account
	switch {
	case acc == nil || acc.Status != StatusActive:
		return q.Where("0 = 1")
	case acc.IsAdmin():
		return q
	}
	return q.Where(`c.id IN (SELECT g.case_id FROM grants AS g WHERE `+liveGrant(acc)+`)`, liveGrantArgs(acc, now)...)
}

// Grant kinds as SQL text: package constants, never input, so that the
// statements built from them are fixed texts that can be prepared once.
const (
	editorGrantKinds = `'assignee', 'support', 'trainee', 'mentee'`
	readerGrantKinds = `'support', 'trainee', 'mentee'`
)

// liveGrant is the condition on grants (alias g) every form of the
// predicate shares: a live grant of the account, of a kind its role may
// hold (a reader's assignments, left from a demotion, do not count).
func liveGrant(acc *Account) string {
	kinds := readerGrantKinds
	if RoleAtLeast(acc.Role, RoleEditor) {
		kinds = editorGrantKinds
	}
	return liveGrantWith(kinds)
}

func liveGrantWith(kinds string) string {
	// The dates are compared with their affinity removed (+): both sides
	// are texts in one format, and with the columns' NUMERIC affinity
	// SQLite tried to read the bound time as a number again on every row,
	// a third of the cost of counting a person's grants.
	return `g.account_id = ? AND g.revoked_at IS NULL AND g.kind IN (` + kinds + `)
		AND +g.starts_at <= ? AND (g.ends_at IS NULL OR +g.ends_at > ?)`
}

// liveGrantArgs are liveGrant's arguments, in order.
func liveGrantArgs(acc *Account, now time.Time) []any {
	return []any{acc.ID, now, now}
}

// The one-case form of the predicate, for caseFor: the same condition on
// that case file's grants, whose kinds make the actor's relation to it, and
// the case file read only when there is one. A case file the actor may not
// see costs the same seek into grants whether or not it exists. Admins see
// every case file; their grants and this session's reason come with it.
var (
	sqlCaseForAdmin = statements.Read(`SELECT ` + caseColumns + `,
		(SELECT group_concat(g.kind) FROM grants AS g WHERE g.case_id = c.id AND ` + liveGrantWith(editorGrantKinds) + `),
		(SELECT count(*) FROM admin_case_access AS x WHERE x.session_id = ? AND x.case_id = c.id)
		FROM cases AS c WHERE c.id = ?`)
	sqlCaseForEditor = statements.Read(caseForGrants(editorGrantKinds))
	sqlCaseForReader = statements.Read(caseForGrants(readerGrantKinds))
)

// caseForGrants is the one-case form for anyone but an admin: a row per
// live grant of the account on the case file (one, but for a demoted
// editor's leftovers), each with the case file. The grants are read first,
// by (case, account), and the case file only through one: CROSS JOIN keeps
// SQLite from reading the case file first, which would make a case file one
// may not see cost more than one that does not exist.
func caseForGrants(kinds string) string {
	return `SELECT ` + caseColumns + `, g.kind, 0
		FROM grants AS g INDEXED BY grants_case_account CROSS JOIN cases AS c ON c.id = g.case_id
		WHERE g.case_id = ? AND ` + liveGrantWith(kinds)
}

// caseColumns are a case file's columns, in caseFields' order; times
// come as text (see engine.ScanTime).
const caseColumns = `c.id, c.reference, c.title, c.category_id, c.summary, c.facts_date, c.place,
	c.status, c.outcome, c.creator_id, c.version, +c.created_at, +c.updated_at`

// caseFields are where a scan puts caseColumns.
func caseFields(c *Case) []any {
	return []any{&c.ID, &c.Reference, &c.Title, &c.CategoryID, &c.Summary, &c.FactsDate, &c.Place,
		&c.Status, &c.Outcome, &c.CreatorID, &c.Version, engine.ScanTime(&c.CreatedAt), engine.ScanTime(&c.UpdatedAt)}
}

// Relation is what the actor is to one case file.
type Relation struct {
	Assignee bool
	// Helper is the kind of the actor's live collaboration, or "".
	Helper string
	// Admin is set for admins who are not assignees.
	Admin bool
	// Superadmin can restore archived case files.
	Superadmin bool
}

// caseFor loads one case file through the visibility predicate, with the
// actor's relation to it. A case file the actor may not see is ErrNotFound,
// exactly like one that does not exist. An admin who is not an assignee must
// have given a reason for this case file in this session (OpenCaseAsAdmin)
// unless adminReason is set, which the operations carrying their own reason do.
func (s *Store) caseFor(ctx context.Context, db bun.IDB, actor Actor, id string, adminReason bool) (*Case, Relation, error) {
	now := s.now()
	acc := actor.Account
	if acc == nil || acc.Status != StatusActive {
		return nil, Relation{}, ErrNotFound
	}
	query, args := sqlCaseForAdmin, append(liveGrantArgs(acc, now), actor.SessionID, id)
	if !acc.IsAdmin() {
		query = sqlCaseForReader
		if RoleAtLeast(acc.Role, RoleEditor) {
			query = sqlCaseForEditor
		}
		args = append([]any{id}, liveGrantArgs(acc, now)...)
	}
	rows, err := s.db.Query(ctx, db, query, args...)
	if err != nil {
		return nil, Relation{}, err
	}
	defer rows.Close()
	var c *Case
	var kinds []string
	var reasons int
	for rows.Next() {
		row := new(Case)
		var k sql.NullString
		if err := rows.Scan(append(caseFields(row), &k, &reasons)...); err != nil {
			return nil, Relation{}, err
		}
		if c == nil {
			c = row
		}
		kinds = append(kinds, strings.Split(k.String, ",")...)
	}
	if err := rows.Close(); err != nil {
		return nil, Relation{}, err
	}
	if c == nil {
		return nil, Relation{}, ErrNotFound
	}
	rel := relationOf(acc, kinds)
	if rel.Admin && !adminReason && reasons == 0 {
		return nil, rel, Coded(ErrForbidden, "reason_required")
	}
	return c, rel, nil
}

// relationOf makes the relation from the kinds of the account's live grants
// on one case file.
func relationOf(acc *Account, kinds []string) Relation {
	var rel Relation
	for _, k := range kinds {
		switch k {
		case "":
		case GrantAssignee:
			rel.Assignee = RoleAtLeast(acc.Role, RoleEditor)
		default:
			rel.Helper = k
		}
	}
	rel.Admin = acc.IsAdmin() && !rel.Assignee
	rel.Superadmin = RoleAtLeast(acc.Role, RoleSuperadmin)
	return rel
}

// manager tells whether the relation may act for the case manager:
// transition, invite, delete attachments, produce the report.
func (r Relation) manager() bool { return r.Assignee || r.Admin || r.Superadmin }

// writer tells whether the relation may enter data: managers and helpers.
func (r Relation) writer() bool { return r.manager() || r.Helper != "" }

// OpenCaseAsAdmin records an admin's reason for reading a case file that is
// not entrusted to them, once per case file and session, in the audit log.
func (s *Store) OpenCaseAsAdmin(ctx context.Context, actor Actor, id, reason string) error {
	if err := requireRole(actor, RoleAdmin); err != nil {
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
			return nil // entrusted: no reason needed
		}
		res, err := tx.NewRaw(`INSERT INTO admin_case_access (session_id, case_id, reason, at) VALUES (?, ?, ?, ?)
			ON CONFLICT DO NOTHING`, actor.SessionID, c.ID, reason, s.now()).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return s.appendAudit(ctx, tx, actor, Audit{Action: "case.admin_read", ObjectType: "case", ObjectID: c.ID, Reason: reason})
	})
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
