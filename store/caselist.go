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

// CaseFilter narrows a list of case files.
type CaseFilter struct {
	Q        string
	Status   string
	Category string
	// Assignee is an account id, or "me".
	Assignee string
	Sort     string
}

// CaseSorts are the accepted sort keys; "-" means newest or last first.
var CaseSorts = map[string]string{
	"":          "c.updated_at DESC, c.id DESC",
	"-updated":  "c.updated_at DESC, c.id DESC",
	"updated":   "c.updated_at ASC, c.id ASC",
	"-created":  "c.created_at DESC, c.id DESC",
	"created":   "c.created_at ASC, c.id ASC",
	"reference": "c.reference ASC",
	"title":     "c.title COLLATE NOCASE ASC, c.id",
}

// CaseSummary is a case file as a list shows it.
type CaseSummary struct {
	ID         string    `bun:"id" json:"id"`
	Reference  string    `bun:"reference" json:"reference"`
	Title      string    `bun:"title" json:"title"`
	CategoryID string    `bun:"category_id" json:"category_id"`
	Status     string    `bun:"status" json:"status"`
	Outcome    *string   `bun:"outcome" json:"outcome"`
	Version    int64     `bun:"version" json:"version"`
	CreatedAt  time.Time `bun:"created_at" json:"created_at"`
	UpdatedAt  time.Time `bun:"updated_at" json:"updated_at"`
}

func (f CaseFilter) validate() error {
	if _, ok := CaseSorts[f.Sort]; !ok {
		return Invalid("sort", "oneof=-updated updated -created created reference title")
	}
	if f.Status != "" && !slices.Contains(CaseStatuses, f.Status) {
		return Invalid("status", "oneof="+strings.Join(CaseStatuses, " "))
	}
	return nil
}

// ListCases lists the case files the actor may see, filtered and sorted, with
// the total of visible matches: nothing invisible counts, even in the total.
func (s *Store) ListCases(ctx context.Context, actor Actor, f CaseFilter, p Page) ([]CaseSummary, int64, error) {
	if err := requireRole(actor, RoleReader); err != nil {
		return nil, 0, err
	}
	if err := f.validate(); err != nil {
		return nil, 0, err
	}
	now := s.now()
	switch {
	case f.Assignee != "":
	case f.Q != "" && !actor.Account.IsAdmin():
		if items, total, ok, err := s.searchOwn(ctx, actor, f, p, now); ok || err != nil {
			return items, total, err
		}
	case f.Q != "":
	case !actor.Account.IsAdmin():
		return s.listFromGrants(ctx, actor, f, p, now)
	case f.Category == "":
		return s.listForAdmin(ctx, f, p)
	}
	return s.listByPredicate(ctx, actor, f, p, now)
}

// caseSummaryColumns are what a list shows of a case file, in the order
// scanSummaries reads them; times come as text (see engine.ScanTime).
const caseSummaryColumns = "c.id, c.reference, c.title, c.category_id, c.status, c.outcome, c.version, +c.created_at, +c.updated_at"

// scanSummaries reads a list's rows by hand: bun's reflection showed in the
// profile of the commonest request.
func scanSummaries(rows *sql.Rows, err error) ([]CaseSummary, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	items := []CaseSummary{}
	for rows.Next() {
		var it CaseSummary
		if err := rows.Scan(&it.ID, &it.Reference, &it.Title, &it.CategoryID, &it.Status, &it.Outcome,
			&it.Version, engine.ScanTime(&it.CreatedAt), engine.ScanTime(&it.UpdatedAt)); err != nil {
			return nil, err
		}
		items = append(items, it)
	}
	return items, rows.Close()
}

// grantSummaryColumns are the same, as each grant carries them (migration
// 7); grantSorts are CaseSorts on them.
// Times come as text (see engine.ScanTime).
const grantSummaryColumns = "g.case_id, g.case_reference, g.case_title, g.case_category_id, g.case_status, g.case_outcome, g.case_version, +g.case_created_at, +g.case_updated_at"

var grantSorts = map[string]string{
	"":          "g.case_updated_at DESC, g.case_id DESC",
	"-updated":  "g.case_updated_at DESC, g.case_id DESC",
	"updated":   "g.case_updated_at ASC, g.case_id ASC",
	"-created":  "g.case_created_at DESC, g.case_id DESC",
	"created":   "g.case_created_at ASC, g.case_id ASC",
	"reference": "g.case_reference ASC",
	"title":     "g.case_title COLLATE NOCASE ASC, g.case_id",
}

// listFromGrants serves the lists of anyone but an admin, unless they
// search or filter by assignee: from the person's live grants alone, the
// same condition as the visibility predicate (liveGrant), read from the
// index that carries each case file's list columns in date order
// (grants_list). A page is one index range, whatever the number of case
// files; the unfiltered total comes from grantTotal's counters, a filtered
// one from a count over the same range. One live grant per person and case
// file (see InviteCollaborator, SetAssignees) keeps a case file from
// counting twice.
func (s *Store) listFromGrants(ctx context.Context, actor Actor, f CaseFilter, p Page, now time.Time) ([]CaseSummary, int64, error) {
	if actor.Account.Status != StatusActive {
		return []CaseSummary{}, 0, nil
	}
	kinds := grantKindsOf(actor.Account)
	where, args := liveGrantWith(kinds), liveGrantArgs(actor.Account, now)
	if f.Status != "" {
		where, args = where+" AND g.case_status = ?", append(args, f.Status)
	}
	if f.Category != "" {
		where, args = where+" AND g.case_category_id = ?", append(args, f.Category)
	}
	items, err := scanSummaries(s.db.Query(ctx, s.read, grantPage(where, f.Sort), append(args, p.limit(), p.offset())...))
	if err != nil {
		return nil, 0, err
	}
	var total int64
	if f.Status == "" && f.Category == "" {
		total, err = s.grantTotal(ctx, actor.Account, kinds, now)
	} else {
		err = s.db.QueryRow(ctx, s.read, `SELECT count(*) FROM grants AS g INDEXED BY grants_list WHERE `+where, args, &total)
	}
	return items, total, err
}

// grantPage is listFromGrants' page statement.
func grantPage(where, sort string) string {
	return `SELECT ` + grantSummaryColumns + ` FROM grants AS g INDEXED BY grants_list WHERE ` + where +
		` ORDER BY ` + grantSorts[sort] + ` LIMIT ? OFFSET ?`
}

// grantKindsOf are the kinds of grant that show the account a case file.
func grantKindsOf(acc *Account) string {
	if RoleAtLeast(acc.Role, RoleEditor) {
		return editorGrantKinds
	}
	return readerGrantKinds
}

// grantTotal counts the case files an account sees through its grants:
// those without an end from the counters kept by triggers (grant_totals),
// plus those with an end date still to come, from their own small index.
func (s *Store) grantTotal(ctx context.Context, acc *Account, kinds string, now time.Time) (int64, error) {
	var n int64
	err := s.db.QueryRow(ctx, s.read, grantTotalQuery(kinds), []any{acc.ID, acc.ID, now, now}, &n)
	return n, err
}

func grantTotalQuery(kinds string) string {
	return `SELECT (SELECT coalesce(sum(n), 0) FROM grant_totals WHERE account_id = ? AND kind IN (` + kinds + `))
		+ (SELECT count(*) FROM grants AS g INDEXED BY grants_bounded WHERE g.account_id = ? AND g.revoked_at IS NULL
			AND g.ends_at IS NOT NULL AND g.kind IN (` + kinds + `) AND +g.starts_at <= ? AND +g.ends_at > ?)`
}

// The hot statements of listFromGrants, prepared once: a person's whole
// list, newest first, and its total.
var (
	_ = statements.Read(grantPage(liveGrantWith(editorGrantKinds), ""))
	_ = statements.Read(grantPage(liveGrantWith(readerGrantKinds), ""))
	_ = statements.Read(grantTotalQuery(editorGrantKinds))
	_ = statements.Read(grantTotalQuery(readerGrantKinds))
)

// listByPredicate serves every other list: filters, search, other orders,
// and admins.
func (s *Store) listByPredicate(ctx context.Context, actor Actor, f CaseFilter, p Page, now time.Time) ([]CaseSummary, int64, error) {
	build := func(q *bun.SelectQuery) *bun.SelectQuery {
		q = visibleCases(q, actor, now)
		if f.Status != "" {
			q = q.Where("c.status = ?", f.Status)
		}
		if f.Category != "" {
			q = q.Where("c.category_id = ?", f.Category)
		}
		if f.Assignee != "" {
			who := f.Assignee
			if who == "me" {
				who = actor.ID()
			}
			q = q.Where("c.id IN (SELECT case_id FROM grants WHERE account_id = ? AND kind = ? AND revoked_at IS NULL)", who, GrantAssignee)
		}
		return matchingCases(q, f.Q)
	}
	// The page is chosen on the narrow index entries (the visible rowids in
	// sort order) and only then are its rows read: an editor's 500 visible
	// case files are sorted without reading 500 wide rows.
	// For anyone but an admin the visible set is small and found by id, and
	// SQLite would otherwise look the ids up in the unique index and read
	// each row for its date; admins' pages come from the date index.
	table := "cases AS c"
	if !actor.Account.IsAdmin() {
		table = "cases AS c INDEXED BY cases_id_updated"
	}
	page := build(s.read.NewSelect().TableExpr(table).ColumnExpr("c.rowid")).
		OrderExpr(CaseSorts[f.Sort]).Limit(p.limit()).Offset(p.offset())
	items, err := scanSummaries(s.read.NewSelect().TableExpr("cases AS c").ColumnExpr(caseSummaryColumns).
		Where("c.rowid IN (?)", page).OrderExpr(CaseSorts[f.Sort]).Rows(ctx))
	if err != nil {
		return nil, 0, err
	}
	total, err := build(s.read.NewSelect().TableExpr("cases AS c")).Count(ctx)
	return items, total, err
}

// listForAdmin serves an admin's list of every case file, or of those in
// one status, in fixed statements (the commonest prepared): the page's
// rowids from the date index, then their rows, and the total from the
// counters kept in the write transactions.
func (s *Store) listForAdmin(ctx context.Context, f CaseFilter, p Page) ([]CaseSummary, int64, error) {
	page, count, args := sqlAdminPage, sqlAdminTotal, []any{}
	if f.Status != "" {
		page, count, args = sqlAdminPageStatus, sqlAdminTotalStatus, []any{f.Status}
	}
	if f.Sort != "" && f.Sort != "-updated" {
		page = adminPage(f.Status != "", f.Sort)
	}
	items, err := scanSummaries(s.db.Query(ctx, s.read, page, append(args, p.limit(), p.offset())...))
	if err != nil {
		return nil, 0, err
	}
	var total int64
	err = s.db.QueryRow(ctx, s.read, count, args, &total)
	return items, total, err
}

func adminPage(byStatus bool, sort string) string {
	where := ""
	if byStatus {
		where = "WHERE c.status = ? "
	}
	return `SELECT ` + caseSummaryColumns + ` FROM cases AS c WHERE c.rowid IN (SELECT c.rowid FROM cases AS c ` + where +
		`ORDER BY ` + CaseSorts[sort] + ` LIMIT ? OFFSET ?) ORDER BY ` + CaseSorts[sort]
}

// The statements of listForAdmin, prepared once.
var (
	sqlAdminPage        = statements.Read(adminPage(false, ""))
	sqlAdminPageStatus  = statements.Read(adminPage(true, ""))
	sqlAdminTotal       = statements.Read(`SELECT coalesce(sum(n), 0) FROM case_counts`)
	sqlAdminTotalStatus = statements.Read(`SELECT coalesce(sum(n), 0) FROM case_counts WHERE status = ?`)
)

// StatusCounts counts the actor's visible case files by status.
func (s *Store) StatusCounts(ctx context.Context, actor Actor) (map[string]int64, error) {
	if err := requireRole(actor, RoleReader); err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for _, st := range CaseStatuses {
		out[st] = 0
	}
	var rows []struct {
		Status string `bun:"status"`
		N      int64  `bun:"n"`
	}
	var err error
	if actor.Account.IsAdmin() {
		err = s.read.NewSelect().Table("case_counts").Column("status", "n").Scan(ctx, &rows)
	} else {
		err = visibleCases(s.read.NewSelect().TableExpr("cases AS c").ColumnExpr("c.status, count(*) AS n"), actor, s.now()).
			GroupExpr("c.status").Scan(ctx, &rows)
	}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out, err
}
