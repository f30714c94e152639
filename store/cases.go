package store

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"cloison/store/engine"
)

// Case-file statuses (lifecycle in DESIGN.md).
const (
	CaseDraft      = "draft"
	CaseOpen       = "open"
	CasePending    = "pending"
	CaseLitigation = "litigation"
	CaseClosed     = "closed"
	CaseArchived   = "archived"
)

// CaseStatuses lists every status, in lifecycle order.
var CaseStatuses = []string{CaseDraft, CaseOpen, CasePending, CaseLitigation, CaseClosed, CaseArchived}

// Outcomes of a closed case file.
var Outcomes = []string{"obtained", "partial", "rejected", "abandoned"}

// transitions lists, for each status, where it may go.
var transitions = map[string][]string{
	CaseDraft:      {CaseOpen},
	CaseOpen:       {CasePending, CaseLitigation, CaseClosed},
	CasePending:    {CaseOpen, CaseLitigation, CaseClosed},
	CaseLitigation: {CaseClosed},
	CaseClosed:     {CaseOpen, CaseArchived},
	CaseArchived:   {CaseClosed},
}

// Case is one case file. It is pseudonymous: nothing in it names the person
// concerned.
type Case struct {
	bun.BaseModel `bun:"table:cases,alias:c"`

	ID         string    `bun:"id,pk" json:"id"`
	Reference  string    `bun:"reference" json:"reference"`
	Title      string    `bun:"title" json:"title"`
	CategoryID string    `bun:"category_id" json:"category_id"`
	Summary    string    `bun:"summary" json:"summary"`
	FactsDate  *string   `bun:"facts_date" json:"facts_date"`
	Place      string    `bun:"place" json:"place"`
	Status     string    `bun:"status" json:"status"`
	Outcome    *string   `bun:"outcome" json:"outcome"`
	CreatorID  string    `bun:"creator_id" json:"creator_id"`
	Version    int64     `bun:"version" json:"version"`
	CreatedAt  time.Time `bun:"created_at" json:"created_at"`
	UpdatedAt  time.Time `bun:"updated_at" json:"updated_at"`
	// UnitID is the unit the case file belongs to, OrgID that unit's
	// organisation (a unit never changes organisation).
	UnitID string `bun:"unit_id" json:"-"`
	OrgID  string `bun:"org_id" json:"-"`
	// Unit and Modules are read with the case file, from its unit.
	Unit    UnitRef `bun:"-" json:"unit"`
	Modules Modules `bun:"-" json:"modules"`
	// Practice marks a practice case file: its author's alone (see
	// CreateCase), never entrusted, shared, transferred or inspected.
	Practice bool `bun:"practice" json:"practice"`
}

// Person is an account as shown on a case file.
type Person struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email,omitempty"`
}

// CaseDetail is a case file as its page shows it.
type CaseDetail struct {
	*Case
	Assignees     []Person       `json:"assignees"`
	Collaborators []Collaborator `json:"collaborators"`
	Permissions   Permissions    `json:"permissions"`
	// Warnings flags free text that looks like personal data (field: reason).
	Warnings map[string]string `json:"warnings,omitempty"`
}

// Permissions tell the SPA what the caller may do, so it shows only that.
// The store checks every one of them again on each action.
type Permissions struct {
	Edit        bool     `json:"edit"`
	Transitions []string `json:"transitions"`
	Delete      bool     `json:"delete"`
	Assign      bool     `json:"assign"`
	Invite      bool     `json:"invite"`
	Report      bool     `json:"report"`
	// Transfer: the caller may propose moving it to another unit.
	Transfer bool `json:"transfer"`
	// Relation is assignee, support, trainee, mentee, inspector, admin or
	// practice (the author of a practice case file).
	Relation string `json:"relation"`
}

// allowedTransitions lists the targets the relation may move c to.
func allowedTransitions(c *Case, rel Relation) []string {
	out := []string{}
	if !rel.manager() {
		return out
	}
	for _, to := range transitions[c.Status] {
		switch {
		case c.Status == CaseClosed && to == CaseArchived && !(rel.Admin || rel.Superadmin):
		case c.Status == CaseArchived && !rel.Superadmin:
		default:
			out = append(out, to)
		}
	}
	return out
}

func (s *Store) permissions(c *Case, rel Relation, actor Actor) Permissions {
	p := Permissions{
		Edit:        rel.writer() && c.Status != CaseArchived,
		Transitions: allowedTransitions(c, rel),
		Delete:      rel.Admin || rel.Superadmin || rel.Practice || (c.Status == CaseDraft && c.CreatorID == actor.ID() && rel.Assignee),
		Assign:      rel.ScopeAdmin && !c.Practice,
		Invite:      rel.manager() && CollaborationOpen(c.Status) && c.Modules.Helpers && !c.Practice,
		Report:      rel.manager(),
		// Transfer: whether the unit takes part is its own business, told
		// when proposing (409 transfers_off).
		Transfer: (rel.Assignee || rel.ScopeAdmin) && c.Modules.Transfers && c.Status != CaseArchived && !c.Practice,
	}
	switch {
	case rel.Practice:
		p.Relation = "practice"
	case rel.Assignee:
		p.Relation = GrantAssignee
	case rel.Helper != "":
		p.Relation = rel.Helper
	case rel.Inspector:
		p.Relation = "inspector"
	default:
		p.Relation = "admin"
	}
	return p
}

// CollaborationOpen tells whether helpers may be invited in this status.
func CollaborationOpen(status string) bool {
	switch status {
	case CaseDraft, CaseOpen, CasePending, CaseLitigation:
		return true
	}
	return false
}

// referenceAlphabet is Crockford's base 32: no I, L, O or U to misread.
const referenceAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// NewReference draws a human reference such as R-2026-7K3QX: random, so it
// says nothing of how many case files exist. The unique index on references
// refuses one already taken: draw again.
func NewReference(year int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "R-%d-", year)
	for i := 0; i < 5; i++ {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(referenceAlphabet))))
		if err != nil {
			panic("store: no randomness: " + err.Error())
		}
		b.WriteByte(referenceAlphabet[n.Int64()])
	}
	return b.String()
}

// NewCase is what creates a case file.
type NewCase struct {
	Title      string  `json:"title" validate:"trimmed,max=200"`
	CategoryID string  `json:"category_id" validate:"required"`
	Summary    string  `json:"summary" validate:"max=20000"`
	FactsDate  *string `json:"facts_date" validate:"omitempty,datetime=2006-01-02"`
	Place      string  `json:"place" validate:"max=200"`
	// UnitID is the unit the case file belongs to: required when the
	// creator may create in several (for a practice file, see practiceUnit).
	UnitID string `json:"unit_id"`
	// Practice asks for a practice case file (see CreateCase).
	Practice bool `json:"practice"`
}

// CreateCase creates a draft case file entrusted to its creator, in a unit
// they edit for or administer.
//
// With Practice, it creates a practice case file instead, which anyone who
// helps on a case file or edits for a unit may (practiceUnit says where):
// its author reaches it through a trainee's grant of their own and manages
// it as an assignee would; no one else reaches it, admins included (they
// may only delete it, DeletePractice), and it is never counted for them.
// Its reference starts with P- instead of R-, so that every list shows it
// as one from the columns it already reads.
func (s *Store) CreateCase(ctx context.Context, actor Actor, in NewCase) (*CaseDetail, error) {
	if err := requireRole(actor, RoleReader); err != nil {
		return nil, err
	}
	sc, err := s.scopeOf(ctx, actor)
	if err != nil {
		return nil, err
	}
	var unit *Unit
	var categoryActive bool
	if in.Practice {
		unit, categoryActive, err = s.practiceUnit(ctx, sc, actor.ID(), in.UnitID, in.CategoryID)
	} else {
		unit, categoryActive, err = s.creationUnit(ctx, sc, in.UnitID, in.CategoryID)
	}
	if err != nil {
		return nil, err
	}
	if err := check(&in); err != nil {
		return nil, err
	}
	if !categoryActive {
		return nil, Invalid("category_id", "unknown")
	}
	texts := map[string]string{"title": in.Title, "summary": in.Summary, "place": in.Place}
	if err := storableText(texts); err != nil {
		return nil, err
	}
	warnings, err := s.screen(texts)
	if err != nil {
		return nil, err
	}
	now := s.now()
	c := &Case{ID: newID(), Title: strings.TrimSpace(in.Title), CategoryID: in.CategoryID, Summary: in.Summary,
		FactsDate: in.FactsDate, Place: strings.TrimSpace(in.Place), Status: CaseDraft, CreatorID: actor.ID(),
		Version: 1, CreatedAt: now, UpdatedAt: now, UnitID: unit.ID, OrgID: unit.OrgID,
		Unit: UnitRef{ID: unit.ID, Name: unit.Name, Code: unit.Code}, Modules: unit.Modules(), Practice: in.Practice}
	kind := GrantAssignee
	if c.Practice {
		kind = GrantTrainee
	}
	drawCaseReference(c)
	// Everything a create writes waits for the end of its batch (see
	// createdCase), made here, on the caller's goroutine, and not on the
	// writer's.
	created := &createdCase{c: c, grantID: newID(), kind: kind, event: s.eventRow(actor, c.ID, caseEvent{Kind: "created", ToStatus: CaseDraft}),
		entry: s.newCaseEntry(c)}
	err = s.db.InTxAtEnd(ctx, func(ctx context.Context, tx bun.Tx) error {
		for _, move := range newCaseMoves(c) {
			if err := s.count(ctx, tx, move); err != nil {
				return err
			}
		}
		if err := s.db.AtBatchEnd(ctx, tx, s.createdAtBatchEnd, created); err != nil {
			return err
		}
		if err := s.count(ctx, tx, newGrantCount{actor.ID(), kind, c.UnitID}); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, actor, Audit{Action: "case.created", ObjectType: "case", ObjectID: c.ID, OrgID: c.auditOrg(), UnitID: c.auditUnit()})
	})
	if err != nil {
		return nil, err
	}
	rel := Relation{Assignee: true, ScopeAdmin: sc.AdminsUnit(c.OrgID, c.UnitID), Superadmin: sc.Superadmin}
	if c.Practice {
		rel = relationOf(sc, c, []string{kind})
	}
	return &CaseDetail{Case: c, Assignees: []Person{{ID: actor.ID(), Name: actor.Account.Name}}, Collaborators: []Collaborator{},
		Permissions: s.permissions(c, rel, actor), Warnings: warnings}, nil
}

// storableText refuses, by field, text that PostgreSQL cannot store: not
// UTF-8, or holding NUL. The HTTP gate refuses both before, but a create is
// written at its batch's end with the batch's others (createdCase), where
// one refused row would fail them all; the store's other callers get the
// same answer as a request.
func storableText(fields map[string]string) error {
	bad := map[string]string{}
	for name, text := range fields {
		switch {
		case !utf8.ValidString(text):
			bad[name] = "invalid_utf8"
		case strings.IndexByte(text, 0) >= 0:
			bad[name] = "control_character"
		}
	}
	if len(bad) > 0 {
		return &ValidationError{Fields: bad}
	}
	return nil
}

// drawReference is NewReference; a test replaces it to make references clash.
var drawReference = NewReference

// drawCaseReference gives c a reference drawn at random, P- for a practice
// file.
func drawCaseReference(c *Case) {
	c.Reference = drawReference(c.CreatedAt.Year())
	if c.Practice {
		c.Reference = practicePrefix + strings.TrimPrefix(c.Reference, "R-")
	}
}

// caseBulk writes new case files. The reference's UNIQUE index is the test
// that it is free: a clash writes nothing (ON CONFLICT, so that the
// transaction goes on on either engine; a failed statement would end
// PostgreSQL's) and insertCases draws again. The category was found active
// by the read that found the unit (activeUnitToCreateIn), outside the
// write lock: a category deactivated in between still takes the case file,
// as it keeps those it had; categories are never deleted.
var caseBulk = statements.Bulk(engine.BulkInsert{Head: `INSERT INTO cases (id, reference, title, category_id, summary, facts_date, place,
	status, outcome, creator_id, version, created_at, updated_at, unit_id, org_id, practice) VALUES `,
	Row: `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, Tail: ` ON CONFLICT (reference) DO NOTHING`})

// insertCases writes new case files, many to a statement, drawing again the
// reference of any that another case file holds (one chance in millions per
// create, but certain over enough of them) until each has its own.
func (s *Store) insertCases(ctx context.Context, tx bun.Tx, created []*createdCase) error {
	pending := slices.Clone(created) // created stays whole for the writes after
	for attempt := 1; ; attempt++ {
		rows := make([][]any, len(pending))
		for i, n := range pending {
			c := n.c
			rows[i] = []any{c.ID, c.Reference, c.Title, c.CategoryID, c.Summary, c.FactsDate, c.Place,
				c.Status, c.Outcome, c.CreatorID, c.Version, c.CreatedAt, c.UpdatedAt, c.UnitID, c.OrgID, c.Practice}
		}
		written, err := s.db.InsertRowsCounted(ctx, tx, caseBulk, rows)
		if err != nil {
			return fmt.Errorf("insert cases: %w", err)
		}
		if written == int64(len(rows)) {
			return nil
		}
		if attempt == 20 {
			return fmt.Errorf("no free case reference after %d draws", attempt)
		}
		ids := make([]string, len(pending))
		for i, n := range pending {
			ids[i] = n.c.ID
		}
		var found []string
		if err := tx.NewSelect().Table("cases").Column("id").Where("id IN (?)", bun.In(ids)).Scan(ctx, &found); err != nil {
			return fmt.Errorf("insert cases: %w", err)
		}
		pending = slices.DeleteFunc(pending, func(n *createdCase) bool { return slices.Contains(found, n.c.ID) })
		for _, n := range pending {
			drawCaseReference(n.c)
		}
	}
}

// The counters the lists' totals read, each changed by a sum at the end of
// a batch of writes (moveCounts): the per-status counters of an admin's
// totals, and for a new case file its unit's and its unit and category's
// (scope admins' and inspectors' totals) and its creator's grant total (an
// editor's). Triggers counted the last three on every insert, a PL/pgSQL
// call each on PostgreSQL (about 30 to 45 µs of its time each, about a
// sixth of its time in a create, under the write lock); a batch now changes each counter
// once. Changes and deletions still move them by trigger (migration 068).
var (
	sqlCountBy = statements.Write("UPDATE case_counts SET n = n + ? WHERE status = ?")
	// The other three take a batch's counters in one statement each: the
	// rows of one statement are distinct counters (moveCounts sums them
	// first), which PostgreSQL requires of an upsert, and come in a stable
	// order, so that two batches lock the rows they share in the same
	// order. On PostgreSQL a batch of creates by ten people made some ten
	// round trips under the write lock, now three.
	unitCountBulk = statements.Bulk(engine.BulkInsert{Head: `INSERT INTO unit_case_counts (unit_id, status, n) VALUES `,
		Row: `(?, ?, ?)`, Tail: ` ON CONFLICT (unit_id, status) DO UPDATE SET n = unit_case_counts.n + excluded.n`})
	unitCategoryCountBulk = statements.Bulk(engine.BulkInsert{Head: `INSERT INTO unit_category_counts (unit_id, category_id, status, n) VALUES `,
		Row: `(?, ?, ?, ?)`, Tail: ` ON CONFLICT (unit_id, category_id, status) DO UPDATE SET n = unit_category_counts.n + excluded.n`})
	grantTotalBulk = statements.Bulk(engine.BulkInsert{Head: `INSERT INTO grant_totals (account_id, kind, unit_id, n) VALUES `,
		Row: `(?, ?, ?, ?)`, Tail: ` ON CONFLICT (account_id, kind, unit_id) DO UPDATE SET n = grant_totals.n + excluded.n`})
)

// The moves moveCounts sums.
type (
	// countMove is one case file leaving the per-status counter of from
	// and joining that of to ("" for none).
	countMove struct{ from, to string }
	// newCaseCount is a new case file joining its unit's counters, and its
	// unit and category's, under its status.
	newCaseCount struct{ unit, category, status string }
	// newGrantCount is a new live grant joining its account's total of
	// grants of its kind in its unit.
	newGrantCount struct{ account, kind, unit string }
)

// count records a move for the end of tx's batch of writes, where the moves
// of all its requests are summed and each counter changed once (one round
// trip fewer per create under PostgreSQL's write lock, and one row less
// written again and again); outside a batch it applies it at once. Nothing
// reads the counters inside a write transaction.
func (s *Store) count(ctx context.Context, tx bun.Tx, move any) error {
	return s.db.AtBatchEnd(ctx, tx, s.countsAtBatchEnd, move)
}

// countCase moves case file c between the per-status counters ("" for
// none). Practice files are counted nowhere: an admin's totals leave them
// out.
func (s *Store) countCase(ctx context.Context, tx bun.Tx, c *Case, from, to string) error {
	if from == to || c.Practice {
		return nil
	}
	return s.count(ctx, tx, countMove{from, to})
}

// newCaseMoves are what a new case file adds to the counters: nothing for a
// practice file.
func newCaseMoves(c *Case) []any {
	if c.Practice {
		return nil
	}
	return []any{countMove{"", c.Status}, newCaseCount{c.UnitID, c.CategoryID, c.Status}}
}

// CountNewCases counts case files a bulk load wrote in tx (see
// engine.Bulk.InTx) as creating them one by one would have. (Their grants,
// written without the case files' columns, are counted by the triggers that
// copy those columns to them.)
func (s *Store) CountNewCases(ctx context.Context, tx bun.Tx, cases []Case) error {
	var moves []any
	for i := range cases {
		moves = append(moves, newCaseMoves(&cases[i])...)
	}
	return s.moveCounts(ctx, tx, moves)
}

// newCountsAtBatchEnd is the batch's end that moves the counters (see
// count): counters of case files and grants, which no session check reads.
func (s *Store) newCountsAtBatchEnd() *engine.BatchWrite {
	return &engine.BatchWrite{LeavesSessions: true, Run: func(ctx context.Context, tx bun.Tx, moves []any) error {
		return s.moveCounts(ctx, tx, moves)
	}}
}

// counterKey is one counter's row in moveCounts.
type counterKey struct{ a, b, c string }

func (k counterKey) compare(o counterKey) int {
	return cmp.Or(strings.Compare(k.a, o.a), strings.Compare(k.b, o.b), strings.Compare(k.c, o.c))
}

// moveCounts applies moves (the values above) to the counters, each
// counter once, in a stable order (not the maps', which changes from one
// run to the next).
func (s *Store) moveCounts(ctx context.Context, tx bun.Tx, moves []any) error {
	by := map[string]int{}
	units, categories, grants := map[counterKey]int{}, map[counterKey]int{}, map[counterKey]int{}
	for _, v := range moves {
		switch m := v.(type) {
		case countMove:
			if m.from != "" {
				by[m.from]--
			}
			if m.to != "" {
				by[m.to]++
			}
		case newCaseCount:
			units[counterKey{m.unit, m.status, ""}]++
			categories[counterKey{m.unit, m.category, m.status}]++
		case newGrantCount:
			grants[counterKey{m.account, m.kind, m.unit}]++
		default:
			return fmt.Errorf("moveCounts: %T", v)
		}
	}
	for _, status := range slices.Sorted(maps.Keys(by)) {
		if n := by[status]; n != 0 {
			if err := s.db.Exec(ctx, tx, sqlCountBy, n, status); err != nil {
				return err
			}
		}
	}
	for _, set := range []struct {
		counts map[counterKey]int
		bulk   engine.BulkInsert
		row    func(k counterKey, n int) []any
	}{
		{units, unitCountBulk, func(k counterKey, n int) []any { return []any{k.a, k.b, n} }},
		{categories, unitCategoryCountBulk, func(k counterKey, n int) []any { return []any{k.a, k.b, k.c, n} }},
		{grants, grantTotalBulk, func(k counterKey, n int) []any { return []any{k.a, k.b, k.c, n} }},
	} {
		keys := slices.SortedFunc(maps.Keys(set.counts), counterKey.compare)
		rows := make([][]any, len(keys))
		for i, k := range keys {
			rows[i] = set.row(k, set.counts[k])
		}
		if err := s.db.InsertRows(ctx, tx, set.bulk, rows); err != nil {
			return err
		}
	}
	return nil
}

var sqlInsertGrant = statements.Write(`INSERT INTO grants (id, case_id, account_id, kind, major, starts_at, ends_at, revoked_at,
	revoked_why, granted_by, invited_email, token_hash, token_expires, created_at)
	VALUES (?, ?, ?, ?, FALSE, ?, NULL, NULL, '', ?, '', NULL, NULL, ?)`)

// creatorGrantBulk writes the grants of new case files' creators, with the
// case file's list columns, which the case file's insert has just set:
// written without them, a grant is written a second time by
// grants_case_columns_on_insert (every index of grants changed twice, and
// its totals counted by an update), which was a third of a create's own
// statements in a profile.
var (
	creatorGrantBulk = statements.Bulk(engine.BulkInsert{Head: `INSERT INTO grants (id, case_id, account_id, kind, major, starts_at, ends_at,
	revoked_at, revoked_why, granted_by, invited_email, token_hash, token_expires, created_at,
	case_reference, case_title, case_category_id, case_status, case_outcome, case_version, case_created_at,
	case_updated_at, case_unit_id, case_rowid) VALUES `, Row: `(?, ?, ?, ?, FALSE, ?, NULL, NULL, '', ?, '', NULL, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ` +
		caseRowidOf + `)`})
	// caseRowidOf is a new grant's case_rowid: its case file's rowid, read
	// where the batch has just written it (the last page of the index of
	// ids, which are made in time order); PostgreSQL has none (migration
	// 070), and binds the same argument for nothing.
	caseRowidOf           = pgAlso(`(SELECT rowid FROM cases WHERE id = ?)`, `(CASE WHEN ?::text IS NULL THEN NULL END)::bigint`)
	sqlInsertCreatorGrant = statements.Write(creatorGrantBulk.One())
)

// createdCase is what a create leaves for the end of its batch: the case
// file, its creator's grant, its first event and its search entry, written
// there with those of the batch's other new case files, each table's rows
// in one statement (createdAtBatchEnd). On PostgreSQL each statement a
// create ran was a round trip under the write lock, the protocol's work on
// both sides about as dear as the row's: with the grant and the event at
// the batch's end, creates at 32 connections went from about 1,040 to 1,240
// a second on one seeded database, CPU per create from about 1,260 µs to
// 1,030; with the case file too, and no savepoint (InTxAtEnd), see README.
// None of it can fail on its own, which a batch's end must not: the case
// file's category, unit, organisation and creator exist (none is ever
// deleted), its reference is drawn again when taken (insertCases), its id
// is new, its text passed the request's checks, and no other request knows
// its id before COMMIT.
type createdCase struct {
	c             *Case
	grantID, kind string
	event         []any
	entry         any
}

// grantRow is the arguments of the creator's grant (creatorGrantBulk's row),
// made once the reference is final.
func (n *createdCase) grantRow() []any {
	c := n.c
	return []any{n.grantID, c.ID, c.CreatorID, n.kind, c.CreatedAt, c.CreatorID, c.CreatedAt,
		c.Reference, c.Title, c.CategoryID, c.Status, c.Outcome, c.Version, c.CreatedAt, c.UpdatedAt, c.UnitID, c.ID}
}

// newCreatedAtBatchEnd is the batch's end that writes the batch's new case
// files (see createdCase): their rows, then their search entries (which
// read them), grants and first events, one by one through the prepared
// statements when there is one, many to a statement when there are more.
// Those are rows no session check reads (the case files, their search
// entries, grants and events, and the inspectors' rows their insert's
// trigger adds): a session kept on SQLite outlives a stream of creates.
func (s *Store) newCreatedAtBatchEnd() *engine.BatchWrite {
	return &engine.BatchWrite{Concurrent: true, LeavesSessions: true, Run: func(ctx context.Context, tx bun.Tx, values []any) error {
		created := make([]*createdCase, len(values))
		entries := make([]any, len(values))
		for i, v := range values {
			created[i] = v.(*createdCase)
			entries[i] = created[i].entry
		}
		if err := s.insertCases(ctx, tx, created); err != nil {
			return err
		}
		if err := s.db.RunBatchWrite(ctx, tx, indexNewCases, entries); err != nil {
			return err
		}
		if len(created) == 1 {
			if err := s.db.Exec(ctx, tx, sqlInsertCreatorGrant, created[0].grantRow()...); err != nil {
				return err
			}
			return s.db.Exec(ctx, tx, sqlInsertEvent, created[0].event...)
		}
		grants, events := make([][]any, len(created)), make([][]any, len(created))
		for i, n := range created {
			grants[i], events[i] = n.grantRow(), n.event
		}
		if err := s.db.InsertRows(ctx, tx, creatorGrantBulk, grants); err != nil {
			return err
		}
		return s.db.InsertRows(ctx, tx, eventBulk, events)
	}}
}

// addGrant entrusts a case file to an account from now on.
func (s *Store) addGrant(ctx context.Context, tx bun.IDB, caseID, accountID, kind, by string, now time.Time) error {
	return s.db.Exec(ctx, tx, sqlInsertGrant, newID(), caseID, accountID, kind, now, by, now)
}

// touchCase marks a case file changed by a sub-resource (note, deadline,
// attachment) without changing its version, so that adding a note never
// makes someone else's form stale.
func (s *Store) touchCase(ctx context.Context, tx bun.IDB, id string) error {
	_, err := tx.NewUpdate().Model((*Case)(nil)).Set("updated_at = ?", s.now()).Where("id = ?", id).Exec(ctx)
	return err
}

// GetCase returns one visible case file with its people and the caller's permissions.
func (s *Store) GetCase(ctx context.Context, actor Actor, id string) (*CaseDetail, error) {
	c, rel, people, err := s.caseRead(ctx, s.read, actor, id, false, true)
	if err != nil {
		return nil, err
	}
	return s.detailOf(actor, c, rel, func() ([]Person, []Collaborator, error) {
		return peopleFromJSON(people, rel.manager())
	})
}

func (s *Store) detail(ctx context.Context, db bun.IDB, actor Actor, c *Case, rel Relation) (*CaseDetail, error) {
	return s.detailOf(actor, c, rel, func() ([]Person, []Collaborator, error) {
		return s.peopleOf(ctx, db, c.ID, rel.manager())
	})
}

// detailOf builds a case file's page, its people read by people.
func (s *Store) detailOf(actor Actor, c *Case, rel Relation, people func() ([]Person, []Collaborator, error)) (*CaseDetail, error) {
	d := &CaseDetail{Case: c, Permissions: s.permissions(c, rel, actor)}
	if c.Practice {
		// Its author, who alone reaches it, is its one case manager; their
		// grant is not a helper's to show or revoke.
		d.Assignees, d.Collaborators = []Person{{ID: actor.ID(), Name: actor.Account.Name}}, []Collaborator{}
		return d, nil
	}
	var err error
	d.Assignees, d.Collaborators, err = people()
	if err != nil {
		return nil, err
	}
	return d, nil
}

// CaseChange is a change to a case file's descriptive fields.
type CaseChange struct {
	Title      *string `json:"title" validate:"omitempty,trimmed,max=200"`
	CategoryID *string `json:"category_id" validate:"omitempty,min=1"`
	Summary    *string `json:"summary" validate:"omitempty,max=20000"`
	FactsDate  *string `json:"facts_date" validate:"omitempty,datetime=2006-01-02|eq="`
	Place      *string `json:"place" validate:"omitempty,max=200"`
}

// requireVersion checks If-Match: the version must be given and current.
// It runs after the visibility check, so an invisible case file is a 404
// whatever the If-Match says.
func requireVersion(c *Case, ifMatch *int64) error {
	if ifMatch == nil {
		return ErrVersionRequired
	}
	if *ifMatch != c.Version {
		return ErrStale
	}
	return nil
}

// UpdateCase changes descriptive fields of a case file at version ifMatch.
// Assignees, helpers and admins may; an archived case file is read-only.
func (s *Store) UpdateCase(ctx context.Context, actor Actor, id string, ifMatch *int64, ch CaseChange) (*CaseDetail, error) {
	var out *CaseDetail
	var warnings map[string]string
	err := s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		// Visibility first, then the kind of action, the version, and only
		// then the content: an invisible case file is a 404 whatever is sent.
		c, rel, err := s.caseFor(ctx, tx, actor, id, false)
		if err != nil {
			return err
		}
		if !rel.writer() {
			return ErrForbidden
		}
		if err := requireVersion(c, ifMatch); err != nil {
			return err
		}
		if c.Status == CaseArchived {
			return Coded(ErrConflict, "archived")
		}
		if err := check(&ch); err != nil {
			return err
		}
		screened := map[string]string{}
		for k, v := range map[string]*string{"title": ch.Title, "summary": ch.Summary, "place": ch.Place} {
			if v != nil {
				screened[k] = *v
			}
		}
		if warnings, err = s.screen(screened); err != nil {
			return err
		}
		var fields []string
		if ch.Title != nil && strings.TrimSpace(*ch.Title) != c.Title {
			c.Title, fields = strings.TrimSpace(*ch.Title), append(fields, "title")
		}
		if ch.CategoryID != nil && *ch.CategoryID != c.CategoryID {
			if err := checkCategory(ctx, tx, *ch.CategoryID); err != nil {
				return err
			}
			c.CategoryID, fields = *ch.CategoryID, append(fields, "category_id")
		}
		if ch.Summary != nil && *ch.Summary != c.Summary {
			c.Summary, fields = *ch.Summary, append(fields, "summary")
		}
		if ch.FactsDate != nil {
			var fd *string
			if *ch.FactsDate != "" {
				fd = ch.FactsDate
			}
			if (fd == nil) != (c.FactsDate == nil) || (fd != nil && *fd != *c.FactsDate) {
				c.FactsDate, fields = fd, append(fields, "facts_date")
			}
		}
		if ch.Place != nil && strings.TrimSpace(*ch.Place) != c.Place {
			c.Place, fields = strings.TrimSpace(*ch.Place), append(fields, "place")
		}
		if len(fields) > 0 {
			c.Version++
			c.UpdatedAt = s.now()
			if _, err := tx.NewUpdate().Model(c).Column("title", "category_id", "summary", "facts_date", "place", "version", "updated_at").WherePK().Exec(ctx); err != nil {
				return err
			}
			if err := reindexCase(ctx, tx, c); err != nil {
				return err
			}
			if err := s.caseEvent(ctx, tx, actor, c.ID, caseEvent{Kind: "updated", Fields: fields}); err != nil {
				return err
			}
			if err := s.appendAudit(ctx, tx, actor, Audit{Action: "case.updated", ObjectType: "case", ObjectID: c.ID, OrgID: c.auditOrg(), UnitID: c.auditUnit(), Details: map[string]any{"fields": fields}}); err != nil {
				return err
			}
		}
		out, err = s.detail(ctx, tx, actor, c, rel)
		return err
	})
	if out != nil {
		out.Warnings = warnings
	}
	return out, err
}

// Transition is a move in a case file's lifecycle.
type Transition struct {
	To      string  `json:"to" validate:"required"`
	Outcome *string `json:"outcome"`
	Comment string  `json:"comment" validate:"max=2000"`
}

// TransitionCase moves a case file along its lifecycle at version ifMatch.
// Only assignees and admins may; archiving is an admin's, restoring a
// superadmin's; closing needs an outcome. Closing or archiving ends the
// helpers' access: reopening does not bring it back.
func (s *Store) TransitionCase(ctx context.Context, actor Actor, id string, ifMatch *int64, tr Transition) (*CaseDetail, error) {
	var out *CaseDetail
	err := s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		c, rel, err := s.caseFor(ctx, tx, actor, id, false)
		if err != nil {
			return err
		}
		if !rel.manager() {
			return ErrForbidden
		}
		if err := requireVersion(c, ifMatch); err != nil {
			return err
		}
		if err := check(&tr); err != nil {
			return err
		}
		allowed := false
		for _, to := range allowedTransitions(c, rel) {
			allowed = allowed || to == tr.To
		}
		if !allowed {
			for _, to := range transitions[c.Status] {
				if to == tr.To {
					return ErrForbidden // a real transition, but not the caller's to make
				}
			}
			return Coded(ErrConflict, "invalid_transition")
		}
		switch {
		case tr.To == CaseClosed && c.Status != CaseArchived:
			if tr.Outcome == nil || !slices.Contains(Outcomes, *tr.Outcome) {
				return Invalid("outcome", "required")
			}
			c.Outcome = tr.Outcome
		case tr.Outcome != nil:
			return Invalid("outcome", "only_when_closing")
		case tr.To == CaseOpen:
			c.Outcome = nil
		}
		from := c.Status
		c.Status, c.Version, c.UpdatedAt = tr.To, c.Version+1, s.now()
		if _, err := tx.NewUpdate().Model(c).Column("status", "outcome", "version", "updated_at").WherePK().Exec(ctx); err != nil {
			return err
		}
		if err := s.countCase(ctx, tx, c, from, c.Status); err != nil {
			return err
		}
		if (c.Status == CaseClosed || c.Status == CaseArchived) && !c.Practice {
			// (A practice file's only grant is its author's.)
			if err := s.endHelpers(ctx, tx, actor, c, "case_"+c.Status); err != nil {
				return err
			}
		}
		if err := s.caseEvent(ctx, tx, actor, c.ID, caseEvent{Kind: "transition", FromStatus: from, ToStatus: c.Status, Comment: strings.TrimSpace(tr.Comment)}); err != nil {
			return err
		}
		if err := s.appendAudit(ctx, tx, actor, Audit{Action: "case.transition", ObjectType: "case", ObjectID: c.ID, OrgID: c.auditOrg(), UnitID: c.auditUnit(),
			Details: map[string]any{"from": from, "to": c.Status}}); err != nil {
			return err
		}
		out, err = s.detail(ctx, tx, actor, c, rel)
		return err
	})
	return out, err
}

// DeleteCase deletes a case file: its creator may delete it while it is a
// draft; an admin may delete any, with a reason, practice files of their
// units included (which they cannot read); the author of a practice file
// may delete it at any time.
func (s *Store) DeleteCase(ctx context.Context, actor Actor, id, reason string) error {
	var files []string
	err := s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		c, rel, err := s.caseFor(ctx, tx, actor, id, true)
		if errors.Is(err, ErrNotFound) {
			// A practice file is no one's to read but its author's; its
			// unit's admins may still delete it, with a reason.
			if c, err = s.practiceForAdmin(ctx, tx, actor, id); err == nil {
				rel = Relation{ScopeAdmin: true}
			}
		}
		if err != nil {
			return err
		}
		switch {
		case rel.Practice:
		case rel.ScopeAdmin:
			if err := checkReason(reason); err != nil {
				return err
			}
		case rel.Assignee && c.CreatorID == actor.ID() && c.Status == CaseDraft:
		case rel.Assignee && c.CreatorID == actor.ID():
			return Coded(ErrConflict, "not_draft")
		default:
			return ErrForbidden
		}
		if err := tx.NewSelect().Table("attachments").Column("storage_name").Where("case_id = ?", c.ID).Scan(ctx, &files); err != nil {
			return err
		}
		if err := unindexCase(ctx, tx, c.ID); err != nil {
			return err
		}
		if _, err := tx.NewDelete().Model(c).WherePK().Exec(ctx); err != nil {
			return err
		}
		if err := s.countCase(ctx, tx, c, c.Status, ""); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, actor, Audit{Action: "case.deleted", ObjectType: "case", ObjectID: c.ID, OrgID: c.OrgID, UnitID: c.UnitID, Reason: reason,
			Details: map[string]any{"reference": c.Reference, "status": c.Status}})
	})
	if err == nil {
		s.removeBlobs(files)
	}
	return err
}
