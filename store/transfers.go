package store

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"cloison/store/engine"
)

// A transfer moves a case file from one unit to another (DESIGN.md,
// "transfer"): an assignee or an admin of the origin proposes it with the
// person's recorded consent, the destination's admins see the request and
// nothing of the content, and accept or refuse it. Accepting moves the case
// file in one transaction with everything that hangs off it (history,
// notes, deadlines, attachments stay rows of the same case file: no byte of
// an attachment moves), and ends every grant the origin gave on it.

// Transfer statuses.
const (
	TransferPending   = "pending"
	TransferAccepted  = "accepted"
	TransferRefused   = "refused"
	TransferCancelled = "cancelled"
)

// TransferStatuses are the statuses of a transfer, for filters.
var TransferStatuses = []string{TransferPending, TransferAccepted, TransferRefused, TransferCancelled}

// Transfer is a transfer's row.
type Transfer struct {
	bun.BaseModel `bun:"table:transfers,alias:t"`

	ID                 string     `bun:"id,pk"`
	CaseID             *string    `bun:"case_id"`
	Reference          string     `bun:"reference"`
	CategoryID         string     `bun:"category_id"`
	FromUnitID         string     `bun:"from_unit_id"`
	ToUnitID           string     `bun:"to_unit_id"`
	RequesterID        string     `bun:"requester_id"`
	ConsentGivenBy     string     `bun:"consent_given_by"`
	ConsentGivenAt     time.Time  `bun:"consent_given_at"`
	ConsentCollectedBy string     `bun:"consent_collected_by"`
	Comment            string     `bun:"comment"`
	Status             string     `bun:"status"`
	DecidedBy          *string    `bun:"decided_by"`
	DecidedAt          *time.Time `bun:"decided_at"`
	Reason             string     `bun:"reason"`
	CreatedAt          time.Time  `bun:"created_at"`
}

// Consent is the person's consent to a transfer, as it was collected.
type Consent struct {
	// GivenBy is "person" or "guardian".
	GivenBy     string    `json:"given_by"`
	GivenAt     time.Time `json:"given_at"`
	CollectedBy string    `json:"collected_by"`
}

// TransferView is a transfer as the admins of either unit and its
// requester see it: what the destination must know to decide, and nothing
// of the case file's content.
type TransferView struct {
	ID string `json:"id"`
	// CaseID is the case file's id while it exists; before acceptance it
	// opens nothing for the destination.
	CaseID     *string    `json:"case_id"`
	Reference  string     `json:"reference"`
	CategoryID string     `json:"category_id"`
	From       UnitRef    `json:"from_unit"`
	To         UnitRef    `json:"to_unit"`
	Requester  string     `json:"requester"`
	Consent    Consent    `json:"consent"`
	Comment    string     `json:"comment"`
	Status     string     `json:"status"`
	Reason     string     `json:"reason,omitempty"`
	DecidedAt  *time.Time `json:"decided_at"`
	CreatedAt  time.Time  `json:"created_at"`
	// Direction is "out" when the caller acts for the origin (or asked
	// for it), "in" when they administer the destination.
	Direction string `json:"direction"`
}

// NewTransfer is a proposed transfer.
type NewTransfer struct {
	ToUnitCode string `json:"to_unit_code" validate:"required,max=32"`
	// Consent is checked on its own, its fields named "consent.…".
	Consent ConsentInput `json:"consent" validate:"-"`
	Comment string       `json:"comment" validate:"max=2000,multiline"`
}

// ConsentInput is the consent as a form gives it.
type ConsentInput struct {
	GivenBy     string `json:"given_by" validate:"required,oneof=person guardian"`
	GivenAt     string `json:"given_at" validate:"required"`
	CollectedBy string `json:"collected_by" validate:"trimmed,required,max=200,singleline"`
}

// errTransferTarget answers alike for a unit that does not exist and one
// that does not take transfers: no one learns another unit's settings by
// probing codes.
var errTransferTarget = Invalid("to_unit_code", "unavailable")

// transferColumns read a transfer with its units and requester, for views.
const transferColumns = `t.id, t.case_id, t.reference, t.category_id, t.from_unit_id, fu.name, fu.code,
	t.to_unit_id, tu.name, tu.code, coalesce(ra.name, ''), t.requester_id, fu.org_id, tu.org_id,
	t.consent_given_by, t.consent_given_at, t.consent_collected_by, t.comment, t.status, t.reason, t.decided_at, t.created_at`

// transferRow is a transfer with what the views need around it.
type transferRow struct {
	TransferView
	RequesterID string
	FromOrg     string
	ToOrg       string
}

func (s *Store) scanTransfers(ctx context.Context, q *bun.SelectQuery) ([]transferRow, error) {
	rows, err := q.TableExpr("transfers AS t").
		Join("JOIN units AS fu ON fu.id = t.from_unit_id").Join("JOIN units AS tu ON tu.id = t.to_unit_id").
		Join("LEFT JOIN accounts AS ra ON ra.id = t.requester_id").ColumnExpr(transferColumns).Rows(ctx)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []transferRow
	for rows.Next() {
		var r transferRow
		v := &r.TransferView
		if err := rows.Scan(&v.ID, &v.CaseID, &v.Reference, &v.CategoryID, &v.From.ID, &v.From.Name, &v.From.Code,
			&v.To.ID, &v.To.Name, &v.To.Code, &v.Requester, &r.RequesterID, &r.FromOrg, &r.ToOrg,
			&v.Consent.GivenBy, engine.ScanTime(&v.Consent.GivenAt), &v.Consent.CollectedBy, &v.Comment, &v.Status, &v.Reason,
			engine.ScanTimeOrNil(&v.DecidedAt), engine.ScanTime(&v.CreatedAt)); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// sideOf tells on which side of a transfer the scope stands: "in" for the
// destination's admins, "out" for the origin's admins and the requester,
// "" for anyone else (who learns nothing of it).
func (r *transferRow) sideOf(sc *Scope, accountID string) string {
	switch {
	case sc.AdminsUnit(r.ToOrg, r.To.ID):
		return "in"
	case sc.AdminsUnit(r.FromOrg, r.From.ID) || r.RequesterID == accountID:
		return "out"
	}
	return ""
}

// ProposeTransfer proposes moving a case file to the unit with the code
// in.ToUnitCode: its assignees and the admins of its unit may, while it is
// neither archived nor already on its way, when both units take transfers.
func (s *Store) ProposeTransfer(ctx context.Context, actor Actor, caseID string, in NewTransfer) (*TransferView, error) {
	var out *TransferView
	err := s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		c, rel, err := s.caseFor(ctx, tx, actor, caseID, true)
		if err != nil {
			return err
		}
		if c.Practice {
			return errPractice // never transferred
		}
		if !rel.Assignee && !rel.ScopeAdmin {
			return ErrForbidden
		}
		if !c.Modules.Transfers {
			return errModuleDisabled
		}
		f := invalidFields{}
		if err := f.add(check(&in)); err != nil {
			return err
		}
		var consent *ValidationError
		if err := check(&in.Consent); errors.As(err, &consent) {
			for k, v := range consent.Fields {
				f.set("consent."+k, v)
			}
		} else if err != nil {
			return err
		}
		givenAt, err := mandateTime("consent.given_at", in.Consent.GivenAt)
		if f.add(err) == nil && err == nil && givenAt.After(s.now()) {
			f.set("consent.given_at", "future")
		}
		var to Unit
		code := strings.ToUpper(strings.TrimSpace(in.ToUnitCode))
		if _, ok := f["to_unit_code"]; !ok {
			err := tx.NewSelect().Model(&to).Where("u.code = ?", code).Scan(ctx)
			if err != nil && !errors.Is(notFound(err), ErrNotFound) {
				return err
			}
			if err != nil || to.ID == c.UnitID || !to.AcceptsTransfers || to.Status != ScopeActive {
				_ = f.add(errTransferTarget)
			}
		}
		if err := f.err(); err != nil {
			return err
		}
		var from Unit
		if err := tx.NewSelect().Model(&from).Where("u.id = ?", c.UnitID).Scan(ctx); err != nil {
			return err
		}
		switch {
		case !from.AcceptsTransfers:
			return Coded(ErrConflict, "transfers_off")
		case c.Status == CaseArchived:
			return Coded(ErrConflict, "archived")
		}
		pending, err := tx.NewSelect().Model((*Transfer)(nil)).Where("case_id = ? AND status = ?", c.ID, TransferPending).Exists(ctx)
		if err != nil {
			return err
		}
		if pending {
			return Coded(ErrConflict, "transfer_pending")
		}
		now := s.now()
		t := &Transfer{ID: newID(), CaseID: &c.ID, Reference: c.Reference, CategoryID: c.CategoryID,
			FromUnitID: from.ID, ToUnitID: to.ID, RequesterID: actor.ID(),
			ConsentGivenBy: in.Consent.GivenBy, ConsentGivenAt: givenAt, ConsentCollectedBy: strings.TrimSpace(in.Consent.CollectedBy),
			Comment: strings.TrimSpace(in.Comment), Status: TransferPending, CreatedAt: now}
		if _, err := tx.NewInsert().Model(t).Exec(ctx); err != nil {
			return err
		}
		if err := s.caseEvent(ctx, tx, actor, c.ID, caseEvent{Kind: "transfer_proposed", Comment: to.Name}); err != nil {
			return err
		}
		details := map[string]any{"reference": c.Reference, "from": from.Code, "to": to.Code}
		if err := s.appendAudit(ctx, tx, actor, Audit{Action: "transfer.proposed", ObjectType: "transfer", ObjectID: t.ID,
			OrgID: from.OrgID, UnitID: from.ID, Details: details}); err != nil {
			return err
		}
		if err := s.appendAudit(ctx, tx, actor, Audit{Action: "transfer.received", ObjectType: "transfer", ObjectID: t.ID,
			OrgID: to.OrgID, UnitID: to.ID, Details: details}); err != nil {
			return err
		}
		if err := s.tellUnitAdmins(ctx, tx, to.ID, to.OrgID, "", "transfer_requested", map[string]string{
			"reference": c.Reference, "from": from.Name, "to": to.Name, "link": s.baseURL + "/transfers"}); err != nil {
			return err
		}
		out, err = s.transferView(ctx, tx, actor, t.ID)
		return err
	})
	return out, err
}

// transferView reads one transfer as the actor sees it; one they have no
// side in is ErrNotFound.
func (s *Store) transferView(ctx context.Context, db bun.IDB, actor Actor, id string) (*TransferView, error) {
	r, err := s.transferFor(ctx, db, actor, id)
	if err != nil {
		return nil, err
	}
	return &r.TransferView, nil
}

// transferFor reads one transfer the actor has a side in.
func (s *Store) transferFor(ctx context.Context, db bun.IDB, actor Actor, id string) (*transferRow, error) {
	sc, err := s.scopeOf(ctx, actor)
	if err != nil {
		return nil, err
	}
	if !sc.reachesCases() {
		return nil, ErrNotFound
	}
	rows, err := s.scanTransfers(ctx, db.NewSelect().Where("t.id = ?", id))
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, ErrNotFound
	}
	r := &rows[0]
	if r.Direction = r.sideOf(sc, actor.ID()); r.Direction == "" {
		return nil, ErrNotFound
	}
	return r, nil
}

// ListTransfers lists the transfers the actor has a side in, newest first:
// direction "in" those to units they administer, "out" those from units
// they administer or that they asked for, "" both; status filters.
func (s *Store) ListTransfers(ctx context.Context, actor Actor, direction, status string, p Page) ([]TransferView, int64, error) {
	sc, err := s.scopeOf(ctx, actor)
	if err != nil {
		return nil, 0, err
	}
	out := []TransferView{}
	if !sc.reachesCases() {
		return out, 0, nil
	}
	q := s.read.NewSelect()
	if !sc.All {
		in := func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.WhereOr("t.to_unit_id IN (?)", bun.In(append(sc.AdminScopeUnits, "")))
		}
		outside := func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.WhereOr("t.from_unit_id IN (?)", bun.In(append(sc.AdminScopeUnits, ""))).WhereOr("t.requester_id = ?", actor.ID())
		}
		q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			switch direction {
			case "in":
				return in(q)
			case "out":
				return outside(q)
			}
			return outside(in(q))
		})
	}
	// Instance admins stand on both sides: "in" and "out" give them every
	// transfer, seen from the side they asked for.
	if status != "" {
		q = q.Where("t.status = ?", status)
	}
	total, err := q.Clone().TableExpr("transfers AS t").Count(ctx)
	if err != nil {
		return nil, 0, err
	}
	rows, err := s.scanTransfers(ctx, q.OrderExpr("t.created_at DESC, t.id DESC").Limit(p.limit()).Offset(p.offset()))
	if err != nil {
		return nil, 0, err
	}
	for i := range rows {
		rows[i].Direction = rows[i].sideOf(sc, actor.ID())
		if direction != "" && sc.All {
			rows[i].Direction = direction
		}
		out = append(out, rows[i].TransferView)
	}
	return out, int64(total), nil
}

// decideTransfer runs a decision on a pending transfer: may says whether
// the actor's side may take it, act does it.
func (s *Store) decideTransfer(ctx context.Context, actor Actor, id string, may func(*transferRow, *Scope) bool,
	act func(context.Context, bun.Tx, *transferRow) error) (*TransferView, error) {
	var out *TransferView
	err := s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		r, err := s.transferFor(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		sc, err := s.scopeOf(ctx, actor)
		if err != nil {
			return err
		}
		if !may(r, sc) {
			return ErrForbidden
		}
		if r.Status != TransferPending {
			return Coded(ErrConflict, "already_decided")
		}
		if err := act(ctx, tx, r); err != nil {
			return err
		}
		out, err = s.transferView(ctx, tx, actor, id)
		return err
	})
	return out, err
}

// closeTransfer records a decision on a transfer.
func (s *Store) closeTransfer(ctx context.Context, tx bun.IDB, actor Actor, r *transferRow, status, reason string) error {
	_, err := tx.NewUpdate().Model((*Transfer)(nil)).Set("status = ?", status).Set("decided_by = ?", actor.ID()).
		Set("decided_at = ?", s.now()).Set("reason = ?", reason).Where("id = ? AND status = ?", r.ID, TransferPending).Exec(ctx)
	return err
}

// destination tells whether the scope administers the transfer's destination.
func destination(r *transferRow, sc *Scope) bool { return sc.AdminsUnit(r.ToOrg, r.To.ID) }

// AcceptTransfer moves the case file to the destination, in one
// transaction: its unit, a history entry, every grant of the origin ended
// (assignees, helpers, pending invitations), the admins' reasons to read it
// forgotten; the destination's admins are told to entrust it, the
// requester that it left.
func (s *Store) AcceptTransfer(ctx context.Context, actor Actor, id string) (*TransferView, error) {
	return s.decideTransfer(ctx, actor, id, destination, func(ctx context.Context, tx bun.Tx, r *transferRow) error {
		if r.CaseID == nil {
			return Coded(ErrConflict, "already_decided")
		}
		c := new(Case)
		if err := tx.NewSelect().Model(c).Where("c.id = ?", *r.CaseID).Scan(ctx); err != nil {
			return notFound(err)
		}
		if c.Status == CaseArchived {
			return Coded(ErrConflict, "archived")
		}
		now := s.now()
		if _, err := tx.NewUpdate().Model(c).Set("unit_id = ?", r.To.ID).Set("org_id = ?", r.ToOrg).
			Set("version = version + 1").Set("updated_at = ?", now).WherePK().Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.NewUpdate().Model((*Grant)(nil)).Set("revoked_at = ?", now).Set("revoked_why = 'transferred'").
			Set("token_hash = NULL").Where("case_id = ? AND revoked_at IS NULL", c.ID).Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.NewDelete().Table("admin_case_access").Where("case_id = ?", c.ID).Exec(ctx); err != nil {
			return err
		}
		if err := s.closeTransfer(ctx, tx, actor, r, TransferAccepted, ""); err != nil {
			return err
		}
		if err := s.caseEvent(ctx, tx, actor, c.ID, caseEvent{Kind: "transferred", Comment: r.From.Name + " → " + r.To.Name}); err != nil {
			return err
		}
		details := map[string]any{"reference": r.Reference, "from": r.From.Code, "to": r.To.Code}
		// The origin keeps a line (reference, destination, date), not the content.
		if err := s.appendAudit(ctx, tx, actor, Audit{Action: "transfer.left", ObjectType: "transfer", ObjectID: r.ID,
			OrgID: r.FromOrg, UnitID: r.From.ID, Details: details}); err != nil {
			return err
		}
		if err := s.appendAudit(ctx, tx, actor, Audit{Action: "transfer.accepted", ObjectType: "case", ObjectID: c.ID,
			OrgID: r.ToOrg, UnitID: r.To.ID, Details: details}); err != nil {
			return err
		}
		params := map[string]string{"reference": r.Reference, "from": r.From.Name, "to": r.To.Name}
		if err := s.tellUnitAdmins(ctx, tx, r.To.ID, r.ToOrg, actor.ID(), "transfer_arrived",
			withParam(params, "link", s.baseURL+"/cases/"+c.ID)); err != nil {
			return err
		}
		return s.tellRequester(ctx, tx, r, "transfer_accepted", withParam(params, "link", s.baseURL+"/transfers"))
	})
}

// RefuseTransfer refuses a transfer, with a reason the requester reads.
func (s *Store) RefuseTransfer(ctx context.Context, actor Actor, id, reason string) (*TransferView, error) {
	return s.decideTransfer(ctx, actor, id, destination, func(ctx context.Context, tx bun.Tx, r *transferRow) error {
		if err := checkReason(reason); err != nil {
			return err
		}
		reason = strings.TrimSpace(reason)
		if err := s.closeTransfer(ctx, tx, actor, r, TransferRefused, reason); err != nil {
			return err
		}
		if r.CaseID != nil {
			if err := s.caseEvent(ctx, tx, actor, *r.CaseID, caseEvent{Kind: "transfer_refused", Comment: r.To.Name}); err != nil {
				return err
			}
		}
		details := map[string]any{"reference": r.Reference, "from": r.From.Code, "to": r.To.Code}
		if err := s.appendAudit(ctx, tx, actor, Audit{Action: "transfer.refused", ObjectType: "transfer", ObjectID: r.ID,
			OrgID: r.ToOrg, UnitID: r.To.ID, Reason: reason, Details: details}); err != nil {
			return err
		}
		return s.tellRequester(ctx, tx, r, "transfer_refused", map[string]string{"reference": r.Reference, "from": r.From.Name,
			"to": r.To.Name, "reason": reason, "link": s.baseURL + "/transfers"})
	})
}

// CancelTransfer withdraws a pending transfer: its requester and the
// origin's admins may.
func (s *Store) CancelTransfer(ctx context.Context, actor Actor, id string) (*TransferView, error) {
	origin := func(r *transferRow, sc *Scope) bool {
		return r.RequesterID == actor.ID() || sc.AdminsUnit(r.FromOrg, r.From.ID)
	}
	return s.decideTransfer(ctx, actor, id, origin, func(ctx context.Context, tx bun.Tx, r *transferRow) error {
		if err := s.closeTransfer(ctx, tx, actor, r, TransferCancelled, ""); err != nil {
			return err
		}
		if r.CaseID != nil {
			if err := s.caseEvent(ctx, tx, actor, *r.CaseID, caseEvent{Kind: "transfer_cancelled", Comment: r.To.Name}); err != nil {
				return err
			}
		}
		return s.appendAudit(ctx, tx, actor, Audit{Action: "transfer.cancelled", ObjectType: "transfer", ObjectID: r.ID,
			OrgID: r.FromOrg, UnitID: r.From.ID, Details: map[string]any{"reference": r.Reference, "to": r.To.Code}})
	})
}

// withParam is params with one more.
func withParam(params map[string]string, k, v string) map[string]string {
	p := make(map[string]string, len(params)+1)
	for key, val := range params {
		p[key] = val
	}
	p[k] = v
	return p
}

// tellRequester e-mails a transfer's requester, while they may log in.
func (s *Store) tellRequester(ctx context.Context, tx bun.IDB, r *transferRow, kind string, params map[string]string) error {
	a, err := accountByID(ctx, tx, r.RequesterID)
	if err != nil || a.Status != StatusActive {
		return nil
	}
	return s.enqueue(ctx, tx, a.Email, a.Locale, kind, withParam(params, "name", a.Name))
}

// scopeAdmin is someone to tell about what happens in a scope.
type scopeAdmin struct {
	ID     string `bun:"id"`
	Email  string `bun:"email"`
	Name   string `bun:"name"`
	Locale string `bun:"locale"`
}

// liveAdminsOf reads the active accounts with a live admin membership of a
// unit (or, with unitID "", of an organisation) or of its organisation,
// but except.
func liveAdminsOf(ctx context.Context, tx bun.IDB, unitID, orgID, except string, now time.Time) ([]scopeAdmin, error) {
	var admins []scopeAdmin
	q := tx.NewSelect().TableExpr("memberships AS m").Join("JOIN accounts AS a ON a.id = m.account_id").
		ColumnExpr("DISTINCT a.id, a.email, a.name, a.locale").
		Where("m.role = ? AND a.status = ? AND a.id <> ? AND "+liveMembership, MemberAdmin, StatusActive, except, now, now)
	if unitID != "" {
		q = q.Where("(m.unit_id = ? OR m.org_id = ?)", unitID, orgID)
	} else {
		q = q.Where("m.org_id = ?", orgID)
	}
	return admins, q.OrderExpr("a.email").Scan(ctx, &admins)
}

// tellUnitAdmins e-mails the live admins of a unit and of its organisation.
func (s *Store) tellUnitAdmins(ctx context.Context, tx bun.IDB, unitID, orgID, except, kind string, params map[string]string) error {
	admins, err := liveAdminsOf(ctx, tx, unitID, orgID, except, s.now())
	if err != nil {
		return err
	}
	for _, a := range admins {
		if err := s.enqueue(ctx, tx, a.Email, a.Locale, kind, withParam(params, "name", a.Name)); err != nil {
			return err
		}
	}
	return nil
}
