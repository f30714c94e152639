package store

import (
	"context"
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
	err := s.read.NewSelect().TableExpr("cases AS c").
		ColumnExpr("c.id, c.reference, c.title, c.category_id, c.status, c.outcome, c.version, c.created_at, c.updated_at").
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
