package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"
)

// Grant kinds. An assignee is a case manager the case file is entrusted to;
// the others are helpers invited on one case file.
const (
	GrantAssignee = "assignee"
	GrantSupport  = "support"
	GrantTrainee  = "trainee"
	GrantMentee   = "mentee"
)

var helperKinds = []string{GrantSupport, GrantTrainee, GrantMentee}

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
	return `g.account_id = ? AND g.revoked_at IS NULL AND g.kind IN (` + kinds + `)
		AND g.starts_at <= ? AND (g.ends_at IS NULL OR g.ends_at > ?)`
}

// liveGrantArgs are liveGrant's arguments, in order.
func liveGrantArgs(acc *Account, now time.Time) []any {
	return []any{acc.ID, now, now}
}

// The one-case form of the predicate, for caseFor: the same condition,
// correlated on the case file's id so that SQLite checks that case file's
// grants instead of first listing every case file the account may see.
// Admins see every case file.
var (
	sqlCaseForAdmin  = `SELECT c.* FROM cases AS c WHERE c.id = ?`
	sqlCaseForEditor = `SELECT c.* FROM cases AS c WHERE c.id = ? AND EXISTS (SELECT 1 FROM grants AS g WHERE g.case_id = c.id AND ` + liveGrantWith(editorGrantKinds) + `)`
	sqlCaseForReader = `SELECT c.* FROM cases AS c WHERE c.id = ? AND EXISTS (SELECT 1 FROM grants AS g WHERE g.case_id = c.id AND ` + liveGrantWith(readerGrantKinds) + `)`
	sqlRelation      = `SELECT kind FROM grants WHERE case_id = ? AND account_id = ? AND revoked_at IS NULL
		AND starts_at <= ? AND (ends_at IS NULL OR ends_at > ?)`
	sqlAdminAccess = `SELECT count(*) FROM admin_case_access WHERE session_id = ? AND case_id = ?`
)

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
	query, args := sqlCaseForAdmin, []any{id}
	if !acc.IsAdmin() {
		query = sqlCaseForReader
		if RoleAtLeast(acc.Role, RoleEditor) {
			query = sqlCaseForEditor
		}
		args = append(args, liveGrantArgs(acc, now)...)
	}
	c := new(Case)
	err := s.queryOne(ctx, db, c, query, args...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, Relation{}, ErrNotFound
	}
	if err != nil {
		return nil, Relation{}, err
	}
	rel, err := s.relationTo(ctx, db, actor, c.ID, now)
	if err != nil {
		return nil, rel, err
	}
	if rel.Admin && !adminReason {
		var n int
		if err := s.queryOne(ctx, db, &n, sqlAdminAccess, actor.SessionID, c.ID); err != nil {
			return nil, rel, err
		}
		if n == 0 {
			return nil, rel, Coded(ErrForbidden, "reason_required")
		}
	}
	return c, rel, nil
}

// relationTo reads the actor's live grants on one case file.
func (s *Store) relationTo(ctx context.Context, db bun.IDB, actor Actor, caseID string, now time.Time) (Relation, error) {
	var kinds []string
	if err := s.queryAll(ctx, db, &kinds, sqlRelation, caseID, actor.ID(), now, now); err != nil {
		return Relation{}, err
	}
	var rel Relation
	for _, k := range kinds {
		if k == GrantAssignee {
			rel.Assignee = RoleAtLeast(actor.Account.Role, RoleEditor)
		} else {
			rel.Helper = k
		}
	}
	rel.Admin = actor.Account.IsAdmin() && !rel.Assignee
	rel.Superadmin = RoleAtLeast(actor.Account.Role, RoleSuperadmin)
	return rel, nil
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
