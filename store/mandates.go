package store

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// A membership grants nothing outside its mandate, from that very second:
// the scope loaded at each request checks the dates (scope.go), no job
// does. The job here only tells people: 30 days before a mandate ends, and
// when it has ended, the person and the scope's admins get an e-mail, each
// once (memberships.notified_ending_at, notified_ended_at).

// mandateNotice is how long before its end a mandate's end is announced.
const mandateNotice = 30 * 24 * time.Hour

// mandateRow is a membership whose end is to be announced, with who holds it.
type mandateRow struct {
	ID         string    `bun:"id"`
	AccountID  string    `bun:"account_id"`
	Role       string    `bun:"role"`
	OrgID      string    `bun:"org_id"`
	UnitID     string    `bun:"unit_id"`
	ValidUntil time.Time `bun:"valid_until"`
	Email      string    `bun:"email"`
	Name       string    `bun:"name"`
	Locale     string    `bun:"locale"`
	Status     string    `bun:"status"`
	ScopeName  string    `bun:"scope_name"`
}

// NotifyMandates e-mails, once each, the holders of mandates ending within
// 30 days (membership_ending) and of mandates that have ended
// (membership_ended), and the admins of their scopes; and makes active the
// invited organisations and units whose first administrator's mandate has
// begun. It runs with the daily chores and reports how many e-mails it
// queued.
func (s *Store) NotifyMandates(ctx context.Context) (int, error) {
	sent := 0
	err := s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		now := s.now()
		for _, notice := range []struct {
			kind, column, cond string
			args               []any
		}{
			{"membership_ending", "notified_ending_at", "m.notified_ending_at IS NULL AND m.valid_until > ? AND m.valid_until <= ?",
				[]any{now, now.Add(mandateNotice)}},
			{"membership_ended", "notified_ended_at", "m.notified_ended_at IS NULL AND m.valid_until <= ?", []any{now}},
		} {
			var rows []mandateRow
			if err := tx.NewSelect().TableExpr("memberships AS m").
				Join("JOIN accounts AS a ON a.id = m.account_id").
				Join("LEFT JOIN units AS u ON u.id = m.unit_id").
				Join("LEFT JOIN organisations AS o ON o.id = coalesce(m.org_id, u.org_id)").
				ColumnExpr("m.id, m.account_id, m.role, coalesce(m.org_id, u.org_id) AS org_id, coalesce(m.unit_id, '') AS unit_id").
				ColumnExpr("m.valid_until, a.email, a.name, a.locale, a.status, coalesce(u.name, o.name) AS scope_name").
				Where("m.valid_until IS NOT NULL AND m.account_id IS NOT NULL").Where(notice.cond, notice.args...).
				OrderExpr("m.valid_until, m.id").Scan(ctx, &rows); err != nil {
				return err
			}
			for _, r := range rows {
				n, err := s.announceMandate(ctx, tx, notice.kind, r)
				if err != nil {
					return err
				}
				sent += n
				if _, err := tx.NewUpdate().Model((*Membership)(nil)).Set("? = ?", bun.Ident(notice.column), now).
					Where("id = ?", r.ID).Exec(ctx); err != nil {
					return err
				}
			}
		}
		return s.activateAdministered(ctx, tx)
	})
	return sent, err
}

// announceMandate e-mails the holder of a mandate (if they may still log
// in) and the live admins of its scope about its end.
func (s *Store) announceMandate(ctx context.Context, tx bun.IDB, kind string, r mandateRow) (int, error) {
	params := map[string]string{"scope": r.ScopeName, "role": r.Role, "date": r.ValidUntil.Format(time.DateOnly), "link": s.baseURL + "/"}
	sent := 0
	if r.Status == StatusActive {
		params["name"] = r.Name
		if err := s.enqueue(ctx, tx, r.Email, r.Locale, kind, params); err != nil {
			return 0, err
		}
		sent++
	}
	admins, err := liveAdminsOf(ctx, tx, r.UnitID, r.OrgID, r.AccountID, s.now())
	if err != nil {
		return 0, err
	}
	for _, a := range admins {
		p := map[string]string{"name": a.Name, "holder": r.Name}
		for k, v := range params {
			if k != "name" {
				p[k] = v
			}
		}
		if err := s.enqueue(ctx, tx, a.Email, a.Locale, kind, p); err != nil {
			return 0, err
		}
		sent++
	}
	return sent, nil
}

// activateAdministered makes active the invited organisations and units
// where an administrator's mandate has begun since they were invited.
func (s *Store) activateAdministered(ctx context.Context, tx bun.IDB) error {
	now := s.now()
	for _, scope := range []struct{ typ, table, column string }{
		{ScopeTypeOrg, "organisations", "org_id"}, {ScopeTypeUnit, "units", "unit_id"},
	} {
		var ids []string
		if err := tx.NewSelect().TableExpr("? AS x", bun.Ident(scope.table)).Column("x.id").Where("x.status = ?", ScopeInvited).
			Where("EXISTS (SELECT 1 FROM memberships AS m WHERE m.? = x.id AND m.role = ? AND m.account_id IS NOT NULL AND "+liveMembership+")",
				bun.Ident(scope.column), MemberAdmin, now, now).Scan(ctx, &ids); err != nil {
			return err
		}
		for _, id := range ids {
			t, err := loadScopeRef(ctx, tx, scope.typ, id)
			if err != nil {
				return err
			}
			if err := s.markActive(ctx, tx, t); err != nil {
				return err
			}
		}
	}
	return nil
}
