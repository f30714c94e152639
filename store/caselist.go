package store

import (
	"context"
	"encoding/json"
	"strings"
	"time"
	"unicode"

	"github.com/uptrace/bun"
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

// ftsQuery turns what a person typed into an FTS5 query: each word a quoted
// prefix term, all of them required. Operators typed by the person are text.
func ftsQuery(q string) string {
	words := strings.FieldsFunc(q, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	terms := make([]string, 0, len(words))
	for _, w := range words {
		terms = append(terms, `"`+w+`"*`)
	}
	return strings.Join(terms, " ")
}

func (f CaseFilter) validate() error {
	if _, ok := CaseSorts[f.Sort]; !ok {
		return Invalid("sort", "oneof=-updated updated -created created reference title")
	}
	if f.Status != "" && !contains(CaseStatuses, f.Status) {
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
	if !actor.Account.IsAdmin() && f.Q == "" && f.Status == "" && f.Category == "" && f.Assignee == "" && (f.Sort == "" || f.Sort == "-updated") {
		return s.listByGrantDate(ctx, actor, p, now)
	}
	return s.listByPredicate(ctx, actor, f, p, now)
}

// caseSummaryColumns are what a list shows of a case file.
const caseSummaryColumns = "c.id, c.reference, c.title, c.category_id, c.status, c.outcome, c.version, c.created_at, c.updated_at"

// listByGrantDate serves the commonest list, a person's whole list newest
// first with its total, from their live grants alone: the same condition as
// the visibility predicate (liveGrant), read from the index that carries
// each case file's date (grants_by_date), so a page is one index range and
// the total a count over it, whatever the number of case files. One live
// grant per person and case file (see InviteCollaborator, SetAssignees)
// keeps a case file from counting twice.
func (s *Store) listByGrantDate(ctx context.Context, actor Actor, p Page, now time.Time) ([]CaseSummary, int64, error) {
	items := []CaseSummary{}
	if actor.Account.Status != StatusActive {
		return items, 0, nil
	}
	args := liveGrantArgs(actor.Account, now)
	pageQ, countQ := sqlGrantPageReader, sqlGrantCountReader
	if RoleAtLeast(actor.Account.Role, RoleEditor) {
		pageQ, countQ = sqlGrantPageEditor, sqlGrantCountEditor
	}
	var ids []string
	if err := s.queryAll(ctx, s.read, &ids, pageQ, append(args, p.limit(), p.offset())...); err != nil {
		return nil, 0, err
	}
	if len(ids) > 0 {
		list, _ := json.Marshal(ids)
		if err := s.queryAll(ctx, s.read, &items, sqlCasesByIDs, string(list)); err != nil {
			return nil, 0, err
		}
	}
	var total int64
	err := s.queryOne(ctx, s.read, &total, countQ, args...)
	return items, total, err
}

// The statements of listByGrantDate, prepared once.
var (
	sqlGrantPageEditor  = `SELECT g.case_id FROM grants AS g WHERE ` + liveGrantWith(editorGrantKinds) + ` ORDER BY g.case_updated_at DESC, g.case_id DESC LIMIT ? OFFSET ?`
	sqlGrantPageReader  = `SELECT g.case_id FROM grants AS g WHERE ` + liveGrantWith(readerGrantKinds) + ` ORDER BY g.case_updated_at DESC, g.case_id DESC LIMIT ? OFFSET ?`
	sqlGrantCountEditor = `SELECT count(*) FROM grants AS g WHERE ` + liveGrantWith(editorGrantKinds)
	sqlGrantCountReader = `SELECT count(*) FROM grants AS g WHERE ` + liveGrantWith(readerGrantKinds)
	sqlCasesByIDs       = `SELECT ` + caseSummaryColumns + ` FROM cases AS c WHERE c.id IN (SELECT value FROM json_each(?)) ORDER BY c.updated_at DESC, c.id DESC`
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
		if terms := ftsQuery(f.Q); terms != "" {
			q = q.Where("c.rowid IN (SELECT rowid FROM case_search WHERE case_search MATCH ?)", terms)
		} else if strings.TrimSpace(f.Q) != "" {
			q = q.Where("0 = 1") // only punctuation: nothing matches
		}
		return q
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
	items := []CaseSummary{}
	err := s.read.NewSelect().TableExpr("cases AS c").ColumnExpr(caseSummaryColumns).
		Where("c.rowid IN (?)", page).OrderExpr(CaseSorts[f.Sort]).Scan(ctx, &items)
	if err != nil {
		return nil, 0, err
	}
	total, err := s.countCases(ctx, actor, f, build)
	return items, total, err
}

// countCases counts visible matches. An admin's unfiltered (or status-only)
// total comes from the counters kept in the write transactions, not from a
// scan of every case file.
func (s *Store) countCases(ctx context.Context, actor Actor, f CaseFilter, build func(*bun.SelectQuery) *bun.SelectQuery) (int64, error) {
	if actor.Account.IsAdmin() && f.Q == "" && f.Category == "" && f.Assignee == "" {
		q := s.read.NewSelect().Table("case_counts").ColumnExpr("coalesce(sum(n), 0)")
		if f.Status != "" {
			q = q.Where("status = ?", f.Status)
		}
		var n int64
		return n, q.Scan(ctx, &n)
	}
	return build(s.read.NewSelect().TableExpr("cases AS c")).Count(ctx)
}

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
