package store

import (
	"context"
	"strings"
)

// An inspector's list (issue 13, "Scale"): with the predicate's form, the
// inspector part of the rule is a condition on every case file
// (inspectCond), which no index serves: at 100,000 case files a page cost
// a thousand times an editor's. Each open (unit, category) pair is instead
// one range of cases_unit_category_updated, whose entries carry the status
// and the practice flag (migration 60): drafts and practice files are
// skipped on the entry, the page's rowids are taken from the ranges merged
// in date order, and only the page's fifty rows are read; the total adds up the
// pairs' counters (unit_category_counts, which count no practice file).

// inspectorTotal is, for an account and pairs open pairs, whether the
// account holds any grant not revoked (then its list is not an inspector's
// alone), and the sum of the pairs' counters, drafts left out, in one status
// or all: each pair one scalar subquery, one seek of unit_category_counts'
// key. Its arguments: the account, then each pair's unit and category and
// the status twice ("" for all).
func inspectorTotal(pairs int) string {
	sums := make([]string, pairs)
	for i := range sums {
		sums[i] = `(SELECT coalesce(sum(k.n), 0) FROM unit_category_counts AS k
			WHERE k.unit_id = ? AND k.category_id = ? AND k.status <> 'draft' AND (? = '' OR k.status = ?))`
	}
	return `SELECT EXISTS (SELECT 1 FROM grants AS g INDEXED BY grants_list WHERE g.account_id = ? AND g.revoked_at IS NULL), ` +
		strings.Join(sums, " + ")
}

// inspectorPage is the page statement for pairs open pairs, in one status
// or all: each pair is one arm of a compound whose ORDER BY SQLite serves
// by merging the arms, each read in its index's order as far as the page
// needs and no further (a page costs its offset plus its length in entries,
// whatever the pairs hold); the page's rows are then read by rowid. Its
// arguments: each pair's unit and category (and the status), then the
// limit and offset. Those two are bound through scalar subqueries: bound
// as plain values, SQLite pushes them down into the compound's arms and so
// prepares the whole statement again each time they are bound, a parse
// that cost three times the page's reads.
func inspectorPage(pairs int, byStatus bool) string {
	arm := `SELECT c.rowid AS r, c.updated_at AS u, c.id AS i FROM cases AS c INDEXED BY cases_unit_category_updated
		WHERE c.unit_id = ? AND c.category_id = ? AND c.status <> 'draft' AND NOT c.practice`
	if byStatus {
		arm += ` AND c.status = ?`
	}
	arms := make([]string, pairs)
	for i := range arms {
		arms[i] = arm
	}
	return `SELECT ` + caseSummaryColumns + ` FROM (` + strings.Join(arms, " UNION ALL ") +
		` ORDER BY 2 DESC, 3 DESC LIMIT (SELECT ?) OFFSET (SELECT ?)) AS p
		CROSS JOIN cases AS c ON c.rowid = p.r ORDER BY p.u DESC, p.i DESC`
}

// preparedInspectorPairs is how many pairs an inspector's statements are
// prepared for: the scale's twenty, with room; more pairs run the same
// texts unprepared.
const preparedInspectorPairs = 24

func init() {
	for n := 1; n <= preparedInspectorPairs; n++ {
		statements.Read(inspectorPage(n, false))
		statements.Read(inspectorPage(n, true))
		statements.Read(inspectorTotal(n))
	}
}

// listForInspector serves, newest first, the list of a referent inspector
// who is nothing else (no unit administered, no grant): the pairs open to
// them, narrowed by the unit and category asked for. ok is false when the
// list is not of that kind (a search, another order, the practice filter, a
// unit or category not open to them, an inspector who also works on case
// files): the predicate serves it then.
func (s *Store) listForInspector(ctx context.Context, accountID string, sc *Scope, f CaseFilter, p Page) (items []CaseSummary, total int64, ok bool, err error) {
	if sc.AdminsAny() || f.Q != "" || f.Assignee != "" || f.Practice != nil || !f.byDate() {
		return nil, 0, false, nil
	}
	pairs := make([][2]string, 0, len(sc.Inspect))
	for _, pair := range sc.Inspect {
		if (f.Unit == "" || pair.Unit == f.Unit) && (f.Category == "" || pair.Category == f.Category) {
			pairs = append(pairs, [2]string{pair.Unit, pair.Category})
		}
	}
	if len(pairs) == 0 {
		return nil, 0, false, nil // a unit or category not open to them: the predicate says what else they see
	}
	args := make([]any, 0, 4*len(pairs)+1)
	args = append(args, accountID)
	for _, pair := range pairs {
		args = append(args, pair[0], pair[1], f.Status, f.Status)
	}
	var granted bool
	if err := s.db.QueryRow(ctx, s.read, inspectorTotal(len(pairs)), args, &granted, &total); err != nil {
		return nil, 0, false, err
	}
	if granted {
		return nil, 0, false, nil
	}
	if total <= int64(p.offset()) {
		return []CaseSummary{}, total, true, nil
	}
	args = args[:0]
	for _, pair := range pairs {
		if args = append(args, pair[0], pair[1]); f.Status != "" {
			args = append(args, f.Status)
		}
	}
	items, err = scanSummaries(s.db.Query(ctx, s.read, inspectorPage(len(pairs), f.Status != ""), append(args, p.limit(), p.offset())...))
	return items, total, true, err
}
