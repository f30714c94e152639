package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/uptrace/bun"
)

// Copies kept for speed, checked against what they copy.
//
// Several tables and columns hold what could be read from other rows, so
// that a list or a total reads one index range instead of counting: the
// per-status counters (case_counts, of the whole instance, and
// unit_case_counts and unit_category_counts, per unit), the totals of a
// person's grants (grant_totals), the list columns each grant carries of its
// case file (grants.case_*), the full-text index's copy of each case
// file's title and summary (case_search), and the rows of the case files open to each
// referent inspector (inspector_cases) with their counters
// (inspector_counts). Triggers and the writer's batch end
// keep them, in the same transaction as each change. CheckCopies is how an
// operator (`cloison doctor`) or a test learns that they still agree, after
// a restore, a hand edit of the database or a bug: each query counts the
// rows where the copy and the rows it copies disagree, both ways round.

// CopyCheck is one kept copy and how many of its rows disagree with what it
// copies (0: it agrees).
type CopyCheck struct {
	Name  string
	Wrong int64
}

// keptCopy is one copy: its name, the query counting its rows that
// disagree with what they copy, and the statements that make it again
// from those rows. Their text is both engines' but for the markers
// copyQuery fills in.
type keptCopy struct {
	name, check string
	rebuild     []string
	// always: rebuilt whenever any copy is, not only when it disagrees
	// (the counters, which a rebuilt row copy may have moved).
	always bool
}

// counter is a counter copy: table holds n for each of keys, ruled gives
// the same from the rows it counts (its columns named as table's, n last).
// A counter at 0 and no row are the same count.
func counter(table, keys, ruled string) keptCopy {
	return keptCopy{name: table, always: true,
		check: `SELECT count(*) FROM (` + ruled + `) AS r FULL JOIN (SELECT * FROM ` + table + ` WHERE n <> 0) AS k
			USING (` + keys + `) WHERE k.n IS DISTINCT FROM r.n`,
		rebuild: []string{`DELETE FROM ` + table, `INSERT INTO ` + table + ` (` + keys + `, n) ` + ruled}}
}

const (
	// grantColumnsDiffer is true of a grant (g) whose copy of its case
	// file's (c) list columns differs from them.
	grantColumnsDiffer = `(g.case_reference IS DISTINCT FROM c.reference OR g.case_title IS DISTINCT FROM c.title
		OR g.case_category_id IS DISTINCT FROM c.category_id OR g.case_status IS DISTINCT FROM c.status
		OR g.case_outcome IS DISTINCT FROM c.outcome OR g.case_version IS DISTINCT FROM c.version
		OR g.case_created_at IS DISTINCT FROM c.created_at OR g.case_updated_at IS DISTINCT FROM c.updated_at
		OR g.case_unit_id IS DISTINCT FROM c.unit_id{rowid check})`
	// inspectorRowsRuled are the rows inspector_cases should hold: each
	// case file out of draft, not for practice, of a (unit, category)
	// open to a referent inspector, once per inspector.
	inspectorRowsRuled = `SELECT r.account_id, c.id AS case_id, c.updated_at, c.status, c.unit_id, c.category_id,
			c.reference, c.title, c.outcome, c.version, c.created_at
		FROM inspector_referents AS r JOIN cases AS c ON c.unit_id = r.unit_id AND c.category_id = r.category_id
		WHERE c.status <> 'draft' AND NOT c.practice`
	// searchEntryDiffers is true of a search entry (s) whose title or
	// summary differs from its case file's (c).
	searchEntryDiffers = `(s.title IS DISTINCT FROM c.title OR s.summary IS DISTINCT FROM c.summary)`
)

// keptCopies are every copy, in the order a repair makes them again: the
// grants' columns first (their unit moves grant_totals through its
// triggers), then the inspectors' rows (which move their counters
// likewise) and the search entries, then every counter from scratch, so
// that each counts what the rebuilt rows say.
//
// The search entries (case_search) are keyed by the case file's rowid on
// SQLite and by its id on PostgreSQL ({entry} and {case}). The notes an
// entry also holds are every note joined in order, which a check cannot
// tell from a harmless reordering of notes written in the same
// millisecond: only a missing entry gets them again, from the notes table
// ({notes of c}). On PostgreSQL the entry's words follow its text (its
// trigger).
var keptCopies = []keptCopy{
	{name: "grants' case columns",
		check: `SELECT count(*) FROM grants AS g JOIN cases AS c ON c.id = g.case_id WHERE ` + grantColumnsDiffer,
		rebuild: []string{`UPDATE grants SET (case_reference, case_title, case_category_id, case_status, case_outcome,
				case_version, case_created_at, case_updated_at, case_unit_id{rowid column}) =
			(SELECT reference, title, category_id, status, outcome, version, created_at, updated_at, unit_id{rowid value}
				FROM cases WHERE id = grants.case_id)
			WHERE id IN (SELECT g.id FROM grants AS g JOIN cases AS c ON c.id = g.case_id WHERE ` + grantColumnsDiffer + `)`}},
	{name: "inspector_cases",
		check: `SELECT count(*) FROM (` + inspectorRowsRuled + `) AS w FULL JOIN inspector_cases AS k USING (account_id, case_id)
			WHERE k.updated_at IS DISTINCT FROM w.updated_at OR k.status IS DISTINCT FROM w.status
				OR k.unit_id IS DISTINCT FROM w.unit_id OR k.category_id IS DISTINCT FROM w.category_id
				OR k.reference IS DISTINCT FROM w.reference OR k.title IS DISTINCT FROM w.title
				OR k.outcome IS DISTINCT FROM w.outcome OR k.version IS DISTINCT FROM w.version
				OR k.created_at IS DISTINCT FROM w.created_at`,
		rebuild: []string{`DELETE FROM inspector_cases`,
			`INSERT INTO inspector_cases (account_id, case_id, updated_at, status, unit_id, category_id, reference, title,
				outcome, version, created_at) ` + inspectorRowsRuled}},
	{name: "case_search",
		check: `SELECT (SELECT count(*) FROM cases AS c LEFT JOIN case_search AS s ON s.{entry} = c.{case}
				WHERE s.{entry} IS NULL OR ` + searchEntryDiffers + `)
			+ (SELECT count(*) FROM case_search AS s WHERE NOT EXISTS (SELECT 1 FROM cases AS c WHERE c.{case} = s.{entry}))`,
		rebuild: []string{`DELETE FROM case_search WHERE {entry} NOT IN (SELECT {case} FROM cases)`,
			`UPDATE case_search SET title = (SELECT title FROM cases WHERE {case} = case_search.{entry}),
				summary = (SELECT summary FROM cases WHERE {case} = case_search.{entry})
			WHERE {entry} IN (SELECT c.{case} FROM cases AS c JOIN case_search AS s ON s.{entry} = c.{case} WHERE ` + searchEntryDiffers + `)`,
			`INSERT INTO case_search ({entry}, title, summary, notes) SELECT c.{case}, c.title, c.summary, coalesce({notes of c}, '')
			FROM cases AS c WHERE c.{case} NOT IN (SELECT {entry} FROM case_search)`}},
	// The instance's per-status counters keep a row for every status,
	// which the writer moves with UPDATE: they are counted again in place.
	{name: "case_counts", always: true,
		check: counter("case_counts", "status", casesByStatus).check,
		rebuild: []string{`UPDATE case_counts SET n = coalesce((SELECT r.n FROM (` + casesByStatus + `) AS r WHERE r.status = case_counts.status), 0)`,
			`INSERT INTO case_counts (status, n) SELECT status, n FROM (` + casesByStatus + `) AS r WHERE status NOT IN (SELECT status FROM case_counts)`}},
	counter("unit_case_counts", "unit_id, status", `SELECT unit_id, status, count(*) AS n FROM cases WHERE NOT practice GROUP BY unit_id, status`),
	counter("unit_category_counts", "unit_id, category_id, status", `SELECT unit_id, category_id, status, count(*) AS n FROM cases
		WHERE NOT practice GROUP BY unit_id, category_id, status`),
	counter("grant_totals", "account_id, kind, unit_id", `SELECT account_id, kind, case_unit_id AS unit_id, count(*) AS n FROM grants
		WHERE account_id IS NOT NULL AND revoked_at IS NULL AND ends_at IS NULL AND case_unit_id IS NOT NULL
		GROUP BY account_id, kind, case_unit_id`),
	counter("inspector_counts", "account_id, status", `SELECT account_id, status, count(*) AS n FROM inspector_cases GROUP BY account_id, status`),
}

// casesByStatus is what case_counts counts.
const casesByStatus = `SELECT status, count(*) AS n FROM cases WHERE NOT practice GROUP BY status`

// copyQuery is a query of keptCopies for the store's engine (copyMarkers).
func (s *Store) copyQuery(q string) string { return copyMarkers[s.pg].Replace(q) }

// copyMarkers fill keptCopies' markers, by whether the engine is
// PostgreSQL: on SQLite with the grants' copy of their case file's rowid
// (migration 070) and the search entries keyed by rowid; on PostgreSQL,
// which has no rowid, without the one and by id for the other; each with
// its engine's way of joining a case file's notes.
var copyMarkers = map[bool]*strings.Replacer{
	false: strings.NewReplacer("{rowid check}", " OR g.case_rowid IS DISTINCT FROM c.rowid",
		"{rowid column}", ", case_rowid", "{rowid value}", ", rowid", "{entry}", "rowid", "{case}", "rowid",
		"{notes of c}", `(SELECT group_concat(char(10) || n.body, '') FROM (SELECT body FROM notes WHERE case_id = c.id ORDER BY created_at, id) AS n)`),
	true: strings.NewReplacer("{rowid check}", "", "{rowid column}", "", "{rowid value}", "",
		"{entry}", "case_id", "{case}", "id",
		"{notes of c}", `(SELECT string_agg(chr(10) || n.body, '' ORDER BY n.created_at, n.id) FROM notes AS n WHERE n.case_id = c.id)`),
}

// CheckCopies compares every copy the store keeps for speed with the rows
// it copies, on one snapshot, and says how many rows of each disagree. It
// reads every case file and grant: an operator's command, not a request's.
func (s *Store) CheckCopies(ctx context.Context) ([]CopyCheck, error) {
	// On PostgreSQL each statement of a READ COMMITTED transaction reads a
	// snapshot of its own; SQLite's read transaction keeps its first.
	var opts *sql.TxOptions
	if s.pg {
		opts = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	tx, err := s.read.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	out := make([]CopyCheck, 0, len(keptCopies))
	for _, c := range keptCopies {
		var wrong int64
		if err := tx.QueryRowContext(ctx, s.copyQuery(c.check)).Scan(&wrong); err != nil {
			return nil, fmt.Errorf("store: checking %s: %w", c.name, err)
		}
		out = append(out, CopyCheck{Name: c.name, Wrong: wrong})
	}
	return out, nil
}

// RepairCopies rebuilds, in one write transaction and keptCopies' order,
// every copy CheckCopies finds in disagreement and, once anything is,
// every counter; it answers what it found before. Nothing a person wrote
// changes: only the copies, from the rows they copy.
func (s *Store) RepairCopies(ctx context.Context) ([]CopyCheck, error) {
	// found is in keptCopies' order.
	found, err := s.CheckCopies(ctx)
	if err != nil || !slices.ContainsFunc(found, func(c CopyCheck) bool { return c.Wrong != 0 }) {
		return found, err
	}
	err = s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		for i, c := range keptCopies {
			if !c.always && found[i].Wrong == 0 {
				continue
			}
			for _, q := range c.rebuild {
				if _, err := tx.ExecContext(ctx, s.copyQuery(q)); err != nil {
					return fmt.Errorf("store: rebuilding %s: %w", c.name, err)
				}
			}
		}
		return nil
	})
	return found, err
}
