package store

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
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
	// Unit is a unit's id: only its case files.
	Unit string
	// Practice, when set, keeps only practice files (true) or only the
	// others (false).
	Practice *bool
	Sort     string
}

// titleOrder sorts titles as people read them, letters and accents
// without case ("École" among the E's), the same on both engines (see
// engine.NoCaseUCA).
const titleOrder = "COLLATE " + engine.NoCaseUCA

// CaseSorts are the accepted sort keys; "-" means newest or last first.
var CaseSorts = map[string]string{
	"":          "c.updated_at DESC, c.id DESC",
	"-updated":  "c.updated_at DESC, c.id DESC",
	"updated":   "c.updated_at ASC, c.id ASC",
	"-created":  "c.created_at DESC, c.id DESC",
	"created":   "c.created_at ASC, c.id ASC",
	"reference": "c.reference ASC",
	"title":     "c.title " + titleOrder + " ASC, c.id",
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
	UnitID     string    `bun:"unit_id" json:"unit_id"`
	// Practice marks a practice file (known from its reference).
	Practice bool `bun:"-" json:"practice"`
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

// byDate tells whether the list is in its default order, newest first.
func (f CaseFilter) byDate() bool { return f.Sort == "" || f.Sort == "-updated" }

// ListCases lists the case files the actor may see, filtered and sorted, with
// the total of visible matches: nothing invisible counts, even in the total.
// Each kind of scope reads its own index range (see DESIGN.md): an
// instance admin's the date index, a unit's or an organisation's admin that
// scope's, anyone else their grants'; what no range serves (a search by an
// admin, another order) goes through the predicate as a condition.
func (s *Store) ListCases(ctx context.Context, actor Actor, f CaseFilter, p Page) ([]CaseSummary, int64, error) {
	if err := requireRole(actor, RoleReader); err != nil {
		return nil, 0, err
	}
	if err := f.validate(); err != nil {
		return nil, 0, err
	}
	sc, err := s.scopeOf(ctx, actor)
	if err != nil {
		return nil, 0, err
	}
	now := s.now()
	switch {
	case !sc.reachesCases():
		return []CaseSummary{}, 0, nil
	case f.Assignee != "":
	case sc.All:
		if f.Q == "" && f.Category == "" && f.Unit == "" && f.Practice == nil {
			return s.listForAdmin(ctx, f, p)
		}
	case len(sc.Inspect) > 0:
		// A referent inspector's list: one range of their own rows when they
		// are nothing else; otherwise the predicate, with their grants and
		// what they administer as one condition.
		if items, total, ok, err := s.listForInspector(ctx, actor.ID(), sc, f, p); ok || err != nil {
			return items, total, err
		}
	case !sc.AdminsAny():
		if f.Q == "" {
			return s.listFromGrants(ctx, actor.ID(), sc, f, p, now)
		}
		// A whole reference goes through the predicate, which finds it by
		// its column; the words' index does not hold it as one word.
		if isReference(f.Q) {
			break
		}
		if items, total, ok, err := s.searchOwn(ctx, actor.ID(), sc, f, p, now); ok || err != nil {
			return items, total, err
		}
	case f.Q == "" && f.Category == "" && f.Practice == nil && f.byDate():
		return s.listForScopeAdmin(ctx, actor.ID(), sc, f, p, now)
	}
	return s.listByPredicate(ctx, actor.ID(), sc, f, p, now)
}

// caseSummaryColumns are what a list shows of a case file, in the order
// scanSummaries reads them; times come as text (see engine.ScanTime).
const caseSummaryColumns = `c.id, c.reference, c.title, c.category_id, c.status, c.outcome, c.version,
	+c.created_at AS created_at, +c.updated_at AS updated_at, c.unit_id`

// scanSummaries reads a page p of a list's rows by hand: bun's reflection
// showed in the profile of the commonest request.
func (p Page) scanSummaries(rows *sql.Rows, err error) ([]CaseSummary, error) {
	return p.scanSummariesAfter(rows, err, nil)
}

// scanSummariesAfter is scanSummaries for rows whose first column is the
// list's total, the same in every row (see grantPageWithTotal), read into
// total.
func (p Page) scanSummariesAfter(rows *sql.Rows, err error, total *int64) ([]CaseSummary, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	// Room for a whole page at once: grown one row at a time, the slice
	// was copied seven times over for a page of fifty, 4 % of an editor's
	// list in its CPU profile.
	items := make([]CaseSummary, 0, min(p.limit(), maxPerPage))
	// One row is scanned into it, then copied into items: the list of
	// destinations is made once for the page, not for every row.
	var it CaseSummary
	dest := summaryDest(&it)
	if total != nil {
		dest = append([]any{total}, dest...)
	}
	for rows.Next() {
		it = CaseSummary{} // nothing of the row before, whatever a NULL leaves
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		it.Practice = IsPracticeReference(it.Reference)
		items = append(items, it)
	}
	return items, rows.Close()
}

// summaryDest are where a scan puts caseSummaryColumns (or
// grantSummaryColumns) in it.
func summaryDest(it *CaseSummary) []any {
	return []any{&it.ID, &it.Reference, &it.Title, &it.CategoryID, &it.Status, &it.Outcome,
		&it.Version, engine.ScanTime(&it.CreatedAt), engine.ScanTime(&it.UpdatedAt), &it.UnitID}
}

// grantSummaryColumns are the same, as each grant carries them (migrations
// 7 and 10); grantSorts are CaseSorts on them.
// Times come as text (see engine.ScanTime).
const grantSummaryColumns = `g.case_id AS id, g.case_reference, g.case_title, g.case_category_id, g.case_status,
	g.case_outcome, g.case_version, +g.case_created_at AS created_at, +g.case_updated_at AS updated_at, g.case_unit_id`

var grantSorts = map[string]string{
	"":          "g.case_updated_at DESC, g.case_id DESC",
	"-updated":  "g.case_updated_at DESC, g.case_id DESC",
	"updated":   "g.case_updated_at ASC, g.case_id ASC",
	"-created":  "g.case_created_at DESC, g.case_id DESC",
	"created":   "g.case_created_at ASC, g.case_id ASC",
	"reference": "g.case_reference ASC",
	"title":     "g.case_title " + titleOrder + " ASC, g.case_id",
}

// grantWhere is the rule's grant part with the list's filters, on grants
// (alias g), leaving out the grants on case files of the units in except
// (those the actor administers, which their own ranges list).
func grantWhere(accountID string, sc *Scope, f CaseFilter, except string, now time.Time) (string, []any) {
	where, args := liveGrantCond+` AND instr(?, g.case_unit_id) = 0`, append(liveGrantArgs(accountID, sc, now), except)
	if f.Status != "" {
		where, args = where+" AND g.case_status = ?", append(args, f.Status)
	}
	if f.Category != "" {
		where, args = where+" AND g.case_category_id = ?", append(args, f.Category)
	}
	if f.Unit != "" {
		where, args = where+" AND g.case_unit_id = ?", append(args, f.Unit)
	}
	if f.Practice != nil {
		// A practice file is known on the grant by its reference.
		op := "NOT LIKE"
		if *f.Practice {
			op = "LIKE"
		}
		where, args = where+" AND g.case_reference "+op+" ?", append(args, practicePrefix+"%")
	}
	return where, args
}

// listFromGrants serves the lists of anyone who administers nothing, unless
// they search or filter by assignee: from the person's live grants alone
// (the rule's grant part), read from the index that carries each case
// file's list columns in date order (grants_list). A page is one index
// range, whatever the number of case files; the unfiltered total comes from
// grantTotal's counters, a filtered one from a count over the same range.
// One live grant per person and case file (a unique index) keeps a case
// file from counting twice.
func (s *Store) listFromGrants(ctx context.Context, accountID string, sc *Scope, f CaseFilter, p Page, now time.Time) ([]CaseSummary, int64, error) {
	where, args := grantWhere(accountID, sc, f, "", now)
	total, totalArgs := `SELECT count(*) FROM grants AS g INDEXED BY grants_list WHERE `+where, args
	if f.Status == "" && f.Category == "" && f.Unit == "" && f.Practice == nil {
		total, totalArgs = sqlGrantTotal, grantTotalArgs(accountID, sc, "", now)
	}
	var n int64
	rows, err := s.db.Query(ctx, s.read, grantPageWithTotal(total, where, f.Sort),
		slices.Concat(totalArgs, args, []any{p.limit(), p.offset()})...)
	items, err := p.scanSummariesAfter(rows, err, &n)
	if err != nil || len(items) > 0 {
		return items, n, err
	}
	// No row, so no total with it: read it alone.
	err = s.db.QueryRow(ctx, s.read, total, totalArgs, &n)
	return items, n, err
}

// grantPage is listFromGrants' page statement.
func grantPage(where, sort string) string {
	return `SELECT ` + grantSummaryColumns + ` FROM grants AS g INDEXED BY grants_list WHERE ` + where +
		` ORDER BY ` + grantSorts[sort] + ` LIMIT ? OFFSET ?`
}

// grantPageWithTotal is grantPage with the statement total, whose value
// leads every row: one statement where there were two, for the commonest
// request there is. The total depends on nothing of the row, so each engine
// computes it once (SQLite once, PostgreSQL as an InitPlan); on PostgreSQL
// every statement saved is a round trip to the server.
func grantPageWithTotal(total, where, sort string) string {
	return `SELECT (` + total + `), ` + strings.TrimPrefix(grantPage(where, sort), `SELECT `)
}

// grantTotal counts the case files an account sees through its grants,
// outside the units in except: those without an end from the counters kept
// by triggers (grant_totals, per account, kind and unit), plus those with
// an end date still to come, from their own small index.
func (s *Store) grantTotal(ctx context.Context, accountID string, sc *Scope, except string, now time.Time) (int64, error) {
	var n int64
	err := s.db.QueryRow(ctx, s.read, sqlGrantTotal, grantTotalArgs(accountID, sc, except, now), &n)
	return n, err
}

// grantTotalArgs are sqlGrantTotal's arguments.
func grantTotalArgs(accountID string, sc *Scope, except string, now time.Time) []any {
	set := sc.editorSet()
	return []any{accountID, set, set, except, accountID, now, now, set, set, except}
}

var sqlGrantTotal = statements.Read(`SELECT
	(SELECT coalesce(sum(n), 0) FROM grant_totals WHERE account_id = ?
		AND (kind <> 'assignee' OR ? = '*' OR instr(?, unit_id) > 0) AND instr(?, unit_id) = 0)
	+ (SELECT count(*) FROM grants AS g INDEXED BY grants_bounded WHERE g.account_id = ? AND g.revoked_at IS NULL
		AND g.ends_at IS NOT NULL AND +g.starts_at <= ? AND +g.ends_at > ?
		AND (g.kind <> 'assignee' OR ? = '*' OR instr(?, g.case_unit_id) > 0) AND instr(?, g.case_unit_id) = 0)`)

// unfilteredGrants is grantWhere without filters: a person's whole list.
var unfilteredGrants, _ = grantWhere("", &Scope{}, CaseFilter{}, "", time.Time{})

// A person's whole list, newest first, with its total, prepared once.
var _ = statements.Read(grantPageWithTotal(sqlGrantTotal, unfilteredGrants, ""))

// listForScopeAdmin serves, newest first, the lists of those who
// administer units but not the whole instance: each organisation they
// administer is one range of cases_org_updated, each unit one of
// cases_unit_updated, their grants outside those one of grants_list. With
// one range (the commonest: the admin of one unit or one organisation) the
// page is read straight from it; with several, each gives its first
// offset+limit entries and the page is taken from their merge. The total
// adds the units' counters (unit_case_counts) and the grants outside.
func (s *Store) listForScopeAdmin(ctx context.Context, accountID string, sc *Scope, f CaseFilter, p Page, now time.Time) ([]CaseSummary, int64, error) {
	type rng struct {
		page, total string
		args        []any
	}
	var ranges []rng
	statusArgs := []any{}
	if f.Status != "" {
		statusArgs = []any{f.Status}
	}
	scopeRange := func(s scopeIndex, id string) rng {
		page, total := s.statements(f.Status != "")
		return rng{page: page, total: total, args: append([]any{id}, statusArgs...)}
	}
	switch {
	case f.Unit != "" && slices.Contains(sc.AdminScopeUnits, f.Unit):
		ranges = append(ranges, scopeRange(unitRange, f.Unit))
	case f.Unit != "":
	default:
		for _, org := range sc.AdminOrgs {
			ranges = append(ranges, scopeRange(orgRange, org))
		}
		for _, unit := range sc.AdminUnits {
			ranges = append(ranges, scopeRange(unitRange, unit))
		}
	}
	var total int64
	for _, r := range ranges {
		var n int64
		if err := s.db.QueryRow(ctx, s.read, r.total, r.args, &n); err != nil {
			return nil, 0, err
		}
		total += n
	}
	// The grants outside the administered units, unless the unit asked for is one of those.
	if f.Unit == "" || !slices.Contains(sc.AdminScopeUnits, f.Unit) {
		except := sc.adminUnitSet()
		where, args := grantWhere(accountID, sc, f, except, now)
		var n int64
		var err error
		if f.Status == "" && f.Unit == "" {
			n, err = s.grantTotal(ctx, accountID, sc, except, now)
		} else {
			err = s.db.QueryRow(ctx, s.read, `SELECT count(*) FROM grants AS g INDEXED BY grants_list WHERE `+where, args, &n)
		}
		if err != nil {
			return nil, 0, err
		}
		if n > 0 {
			ranges = append(ranges, rng{page: `SELECT ` + grantSummaryColumns + ` FROM grants AS g INDEXED BY grants_list WHERE ` + where +
				` ORDER BY g.case_updated_at DESC, g.case_id DESC`, args: args})
			total += n
		}
	}
	switch len(ranges) {
	case 0:
		return []CaseSummary{}, total, nil
	case 1:
		r := ranges[0]
		items, err := p.scanSummaries(s.db.Query(ctx, s.read, r.page+` LIMIT ? OFFSET ?`, append(r.args, p.limit(), p.offset())...))
		return items, total, err
	}
	parts := make([]string, len(ranges))
	var args []any
	for i, r := range ranges {
		parts[i] = `SELECT * FROM (` + r.page + ` LIMIT ?) AS r` + strconv.Itoa(i)
		args = append(append(args, r.args...), p.offset()+p.limit())
	}
	items, err := p.scanSummaries(s.db.Query(ctx, s.read, strings.Join(parts, " UNION ALL ")+
		` ORDER BY updated_at DESC, id DESC LIMIT ? OFFSET ?`, append(args, p.limit(), p.offset())...))
	return items, total, err
}

// scopeIndex is how one administered scope's case files are read: a range
// of its date index, and its total from the units' counters.
type scopeIndex struct {
	index, column, counted string
}

var (
	unitRange = scopeIndex{"cases_unit_updated", "unit_id", "unit_id = ?"}
	orgRange  = scopeIndex{"cases_org_updated", "org_id", "unit_id IN (SELECT id FROM units WHERE org_id = ?)"}
)

// statements are the scope's page (newest first, without its LIMIT) and
// total, of the case files in one status or all.
func (x scopeIndex) statements(byStatus bool) (page, total string) {
	status := ""
	if byStatus {
		status = " AND status = ?"
	}
	return `SELECT ` + caseSummaryColumns + ` FROM cases AS c INDEXED BY ` + x.index + ` WHERE c.` + x.column + ` = ?` + status +
			` AND NOT c.practice ORDER BY c.updated_at DESC, c.id DESC`,
		`SELECT coalesce(sum(n), 0) FROM unit_case_counts WHERE ` + x.counted + status
}

// The commonest scope admins' lists, prepared once: the admin of one unit,
// of one organisation, with and without a status.
func init() {
	for _, x := range []scopeIndex{unitRange, orgRange} {
		for _, byStatus := range []bool{false, true} {
			page, total := x.statements(byStatus)
			statements.Read(page + ` LIMIT ? OFFSET ?`)
			statements.Read(total)
		}
	}
}

// listByPredicate serves every other list: filters, search, other orders,
// several kinds of scope at once.
func (s *Store) listByPredicate(ctx context.Context, accountID string, sc *Scope, f CaseFilter, p Page, now time.Time) ([]CaseSummary, int64, error) {
	build := func(q *bun.SelectQuery) *bun.SelectQuery {
		q = visibleCases(q, sc, accountID, now)
		if f.Status != "" {
			q = q.Where("c.status = ?", f.Status)
		}
		if f.Category != "" {
			q = q.Where("c.category_id = ?", f.Category)
		}
		if f.Unit != "" {
			q = q.Where("c.unit_id = ?", f.Unit)
		}
		if cond, args := practiceFilter(f); cond != "" {
			q = q.Where(cond, args...)
		}
		if f.Assignee != "" {
			who := f.Assignee
			if who == "me" {
				who = accountID
			}
			q = q.Where("c.id IN (SELECT case_id FROM grants WHERE account_id = ? AND kind = ? AND revoked_at IS NULL)", who, GrantAssignee)
		}
		return s.matchingCases(q, f.Q)
	}
	// The page is chosen on the narrow index entries (the visible rowids in
	// sort order) and only then are its rows read: an editor's 500 visible
	// case files are sorted without reading 500 wide rows.
	// For someone who administers nothing the visible set is small and found
	// by id, and SQLite would otherwise look the ids up in the unique index
	// and read each row for its date; admins' pages come from the date index.
	table := "cases AS c"
	if !sc.AdminsAny() {
		table = "cases AS c INDEXED BY cases_id_scope"
	}
	page := build(s.read.NewSelect().TableExpr(table).ColumnExpr("c.rowid")).
		OrderExpr(CaseSorts[f.Sort]).Limit(p.limit()).Offset(p.offset())
	items, err := p.scanSummaries(s.read.NewSelect().TableExpr("cases AS c").ColumnExpr(caseSummaryColumns).
		Where("c.rowid IN (?)", page).OrderExpr(CaseSorts[f.Sort]).Rows(ctx))
	if err != nil {
		return nil, 0, err
	}
	total, err := build(s.read.NewSelect().TableExpr("cases AS c")).Count(ctx)
	return items, total, err
}

// listForAdmin serves an instance admin's list of every case file, or of
// those in one status, in fixed statements (the commonest prepared): the
// page's rowids from the date index, then their rows, and the total from
// the counters kept in the write transactions.
func (s *Store) listForAdmin(ctx context.Context, f CaseFilter, p Page) ([]CaseSummary, int64, error) {
	page, count, args := sqlAdminPage, sqlAdminTotal, []any{}
	if f.Status != "" {
		page, count, args = sqlAdminPageStatus, sqlAdminTotalStatus, []any{f.Status}
	}
	if !f.byDate() {
		page = adminPage(f.Status != "", f.Sort)
	}
	items, err := p.scanSummaries(s.db.Query(ctx, s.read, page, append(args, p.limit(), p.offset())...))
	if err != nil {
		return nil, 0, err
	}
	var total int64
	err = s.db.QueryRow(ctx, s.read, count, args, &total)
	return items, total, err
}

// adminPage is listForAdmin's page statement. Newest first (the default),
// the page's rowids and keys come from one range of the date index, in its
// order, and the outer query keeps that order by sorting on those keys,
// which SQLite reads as already sorted: the rows are then read by rowid
// and nothing is sorted again (with "rowid IN (…) ORDER BY" it sorted the
// fifty rows in a temporary B-tree). Other orders choose the page's rowids
// alone and sort its rows again. On PostgreSQL both read the rows by key
// (adminPageHead).
func adminPage(byStatus bool, sort string) string {
	// Practice files are left out on the index entry (migration 60).
	where := "WHERE NOT c.practice "
	if byStatus {
		where = "WHERE c.status = ? AND NOT c.practice "
	}
	if sort == "" || sort == "-updated" {
		return `SELECT ` + caseSummaryColumns + ` ` + adminPageHead + where +
			`ORDER BY c.updated_at DESC, c.id DESC LIMIT ? OFFSET ?` + adminPageByDateEnd
	}
	return `SELECT ` + caseSummaryColumns + ` ` + adminPageOtherHead + where +
		`ORDER BY ` + CaseSorts[sort] + ` LIMIT ? OFFSET ?` + adminPageEnd + CaseSorts[sort]
}

// The admin's page on PostgreSQL: its ids are chosen by the same subquery,
// then its rows read by key through "c.id = ANY(ARRAY(…))". PostgreSQL
// plans it once, without the arguments (force_generic_plan, see
// engine.Postgres), and so takes LIMIT ? for a tenth of the table: joined
// to the cases table, that tenth made it hash the whole table, 52 ms for
// fifty rows at 100,000 case files. An array is taken for ten elements,
// so the rows are read by key whatever the arguments. (The date form's end
// is declared before the other, which starts at the same place: at one
// place, the fragment declared first wins.)
var (
	adminPageHead = pgAlso(`FROM (SELECT c.rowid AS r, c.updated_at AS u, c.id AS i FROM cases AS c `,
		`FROM cases AS c WHERE c.id = ANY(ARRAY(SELECT c.id FROM cases AS c `)
	adminPageOtherHead = pgAlso(`FROM (SELECT c.rowid AS r FROM cases AS c `,
		`FROM cases AS c WHERE c.id = ANY(ARRAY(SELECT c.id FROM cases AS c `)
	adminPageByDateEnd = pgAlso(`) AS p CROSS JOIN cases AS c ON c.rowid = p.r ORDER BY p.u DESC, p.i DESC`,
		`)) ORDER BY c.updated_at DESC, c.id DESC`)
	adminPageEnd = pgAlso(`) AS p CROSS JOIN cases AS c ON c.rowid = p.r ORDER BY `, `)) ORDER BY `)
)

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
	sc, err := s.scopeOf(ctx, actor)
	if err != nil {
		return nil, err
	}
	return s.statusCounts(ctx, actor.ID(), sc)
}

func (s *Store) statusCounts(ctx context.Context, accountID string, sc *Scope) (map[string]int64, error) {
	out := map[string]int64{}
	for _, st := range CaseStatuses {
		out[st] = 0
	}
	var rows []struct {
		Status string `bun:"status"`
		N      int64  `bun:"n"`
	}
	var err error
	switch {
	case !sc.reachesCases():
	case sc.All:
		err = s.read.NewSelect().Table("case_counts").Column("status", "n").Scan(ctx, &rows)
	default:
		err = visibleCases(s.read.NewSelect().TableExpr("cases AS c").ColumnExpr("c.status, count(*) AS n"), sc, accountID, s.now()).
			GroupExpr("c.status").Scan(ctx, &rows)
	}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out, err
}
