package store

import (
	"context"
	"slices"
)

// An inspector's list (issue 13, "Scale"): with the predicate's form, the
// inspector part of the rule is a condition on every case file
// (inspectCond), which no index serves: at 100,000 case files a page cost
// a thousand times an editor's. Merging one range of cases per open pair
// still cost about twice an editor's list at a million. The case files open
// to each inspector are instead rows of their own (inspector_cases,
// migration 63), keyed by account and date and carrying the list's columns,
// kept by triggers in the same transaction as every change: a page is one
// range of that key, read in its order, and the total one seek of
// inspector_counts, as an editor's list is one range of grants_list.

// inspectorColumns are caseSummaryColumns on inspector_cases (alias i);
// times come as text (see engine.ScanTime).
const inspectorColumns = `i.case_id, i.reference, i.title, i.category_id, i.status, i.outcome, i.version,
	+i.created_at AS created_at, +i.updated_at AS updated_at, i.unit_id`

// inspectorWhere is an inspector's rows narrowed by the list's filters, each
// bound twice ("" for none): the account, then the status, the unit and the
// category.
const inspectorWhere = `i.account_id = ? AND (? = '' OR i.status = ?) AND (? = '' OR i.unit_id = ?) AND (? = '' OR i.category_id = ?)`

// sqlInspectorPage is a page of an inspector's list, newest first; then the
// limit and the offset.
var sqlInspectorPage = statements.Read(`SELECT ` + inspectorColumns + ` FROM inspector_cases AS i WHERE ` + inspectorWhere +
	` ORDER BY i.updated_at DESC, i.case_id DESC LIMIT ? OFFSET ?`)

// sqlInspectorTotal is whether the account holds any grant not revoked
// (then its list is not an inspector's alone) and its total from the
// counters, in one status or all: its arguments the account, the status
// twice and the account.
var sqlInspectorTotal = statements.Read(`SELECT
	EXISTS (SELECT 1 FROM grants AS g INDEXED BY grants_list WHERE g.account_id = ? AND g.revoked_at IS NULL),
	(SELECT coalesce(sum(k.n), 0) FROM inspector_counts AS k WHERE k.account_id = ? AND (? = '' OR k.status = ?))`)

// sqlInspectorCount is the same with a unit or a category asked for,
// counted over the inspector's rows: its arguments the account, then
// inspectorWhere's.
var sqlInspectorCount = statements.Read(`SELECT
	EXISTS (SELECT 1 FROM grants AS g INDEXED BY grants_list WHERE g.account_id = ? AND g.revoked_at IS NULL),
	(SELECT count(*) FROM inspector_cases AS i WHERE ` + inspectorWhere + `)`)

// listForInspector serves, newest first, the list of a referent inspector
// who is nothing else (no unit administered, no grant): their rows of
// inspector_cases, narrowed by the status, unit and category asked for. ok
// is false when the list is not of that kind (a search, another order, the
// practice filter, an inspector who also works on case files): the
// predicate serves it then.
func (s *Store) listForInspector(ctx context.Context, accountID string, sc *Scope, f CaseFilter, p Page) (items []CaseSummary, total int64, ok bool, err error) {
	if len(sc.Inspect) == 0 || sc.AdminsAny() || f.Q != "" || f.Assignee != "" || f.Practice != nil || !f.byDate() {
		return nil, 0, false, nil
	}
	if !slices.ContainsFunc(sc.Inspect, func(pair InspectPair) bool {
		return (f.Unit == "" || pair.Unit == f.Unit) && (f.Category == "" || pair.Category == f.Category)
	}) {
		// A unit or category not open to them: nothing, which the
		// predicate says without reading a row.
		return nil, 0, false, nil
	}
	var granted bool
	where := []any{accountID, f.Status, f.Status, f.Unit, f.Unit, f.Category, f.Category}
	if f.Unit == "" && f.Category == "" {
		err = s.db.QueryRow(ctx, s.read, sqlInspectorTotal, []any{accountID, accountID, f.Status, f.Status}, &granted, &total)
	} else {
		err = s.db.QueryRow(ctx, s.read, sqlInspectorCount, append([]any{accountID}, where...), &granted, &total)
	}
	if err != nil || granted {
		return nil, 0, false, err
	}
	if total <= int64(p.offset()) {
		return []CaseSummary{}, total, true, nil
	}
	items, err = p.scanSummaries(s.db.Query(ctx, s.read, sqlInspectorPage, append(where, p.limit(), p.offset())...))
	return items, total, true, err
}
