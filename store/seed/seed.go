// Package seed fills an empty data directory with synthetic case files for
// demonstrations and benchmarks, a million of them in a few minutes (the
// `cloison seed` command; make bench seeds through it).
//
// The rows are those the API's statements write (same columns, same
// constants, times in the same text form, the audit chain hashed the same
// way), many rows to a statement; the database's triggers, foreign keys and
// unique indexes complete and check them as they do a request's. So the
// indexes, the full-text entries, the per-status counters, the grants and
// the columns their triggers keep, the histories and the audit chain are
// exactly what real use would have left.
//
// It uses only the store's public surface (accounts, references, the audit
// chain and the search index are the store's to write) and, for speed, the
// engine's bulk path (engine.Bulk, engine.BulkInsert); it must never reach
// into the store's insides, and the store must never import it.
package seed

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"cloison/store"
	"cloison/store/engine"
)

// Domain is the domain of every seeded account's e-mail address: .invalid
// can never deliver, so a seeded instance cannot e-mail anyone by mistake.
const Domain = "seed.invalid"

// Options sizes a seeded instance.
type Options struct {
	Cases   int
	Editors int
	Admins  int
	Helpers int
	// Orgs and Units are how many organisations and units hold the case
	// files (0 counts as 1). With one of each, the instance's first, the
	// seed is an association's; with more, a network's (see scopes.go):
	// the editors are spread over the units, each unit and organisation
	// has an admin, and Editors must be at least Units, Units at least Orgs.
	Orgs  int
	Units int
	// Random seeds the generator: the same value gives the same texts,
	// statuses and assignments (ids and references stay random).
	Random uint64
	// BatchSize is how many case files share one write transaction (0:
	// 10,000). Each commit writes every page the batch changed, and the
	// random ids of the primary keys spread a batch over all their pages:
	// the larger the batch, the fewer times each page is written.
	BatchSize int
	// Progress, if set, is called after each batch with the case files written so far.
	Progress func(done int)
}

// Report says what Run wrote.
type Report struct {
	Editors, Admins, Helpers, Cases int
	// Orgs and Units count the organisations and units the case files are
	// in; UnitAdmins and OrgAdmins the admins seeded for them.
	Orgs, Units, UnitAdmins, OrgAdmins int
	// Inspectors counts the referent inspectors seeded over a network
	// (inspectorN@…, see writeInspection).
	Inspectors int
}

// tables are the tables Run fills in bulk.
var tables = []string{"cases", "grants", "case_events", "notes", "deadlines", "audit_entries"}

// Run fills the empty database of st with opts.Editors editors, opts.Admins
// admins, opts.Helpers helpers (readers invited as helpers on some case
// files) and opts.Cases case files of synthetic French data, every account
// with the same password hash. Accounts are editorN@seed.invalid, adminN@…
// and helperN@…, numbered from 1. Over several units, unit N's admin is
// unitadminN@… and organisation N's orgadminN@… (readers whose admin
// membership is all they hold); editor N edits for unit (N-1) mod Units + 1;
// inspector1@… is the referent inspector of every category, and
// InspectedPairs (unit, category) pairs are open to them.
//
// It refuses a database that holds any account or case file. For speed, and
// only because the database is empty to begin with (a crash loses nothing),
// it is a bulk load (engine.Bulk): the writer runs with settings only an
// empty database affords (synchronous=OFF, a large page cache) and the
// secondary indexes of the tables it fills are built after the rows are in;
// before Run returns, even on an error or an interruption, the indexes are
// back, created by the migrations' own statements, and the settings are the
// instance's again. Only a crash of the process during a seed leaves a
// database to throw away: delete the data directory and seed again.
func Run(ctx context.Context, st *store.Store, opts Options, passwordHash string) (Report, error) {
	var rep Report
	orgs, units := max(opts.Orgs, 1), max(opts.Units, 1)
	if opts.Cases < 0 || opts.Editors < 1 || opts.Admins < 0 || opts.Helpers < 0 || opts.Orgs < 0 || opts.Units < 0 {
		return rep, fmt.Errorf("seed: need at least one editor and no negative count")
	}
	if units < orgs || opts.Editors < units {
		return rep, fmt.Errorf("seed: need at least one unit per organisation and one editor per unit (%d organisations, %d units, %d editors)",
			orgs, units, opts.Editors)
	}
	if held, err := st.HoldsData(ctx); err != nil {
		return rep, err
	} else if held {
		return rep, fmt.Errorf("seed: the data directory already holds accounts or case files; seed only an empty one")
	}
	existing, err := st.AllUnits(ctx)
	if err != nil {
		return rep, err
	}
	if len(existing) != 1 {
		return rep, fmt.Errorf("seed: the data directory holds %d units, not the first one alone; seed only an empty one", len(existing))
	}
	bulk, err := st.Engine().BeginBulk(ctx, tables)
	if err != nil {
		return rep, err
	}
	defer bulk.Close()

	op := store.Actor{ClientIP: "seed"}
	network := orgs > 1 || units > 1
	plan := scopes{orgs: []string{existing[0].OrgID}, units: existing}
	if network {
		plan = planScopes(existing[0], orgs, units)
		if err := writeScopes(ctx, st, bulk, op, plan); err != nil {
			return rep, err
		}
		rep.UnitAdmins, rep.OrgAdmins = units, orgs
	}
	var news []store.NewAccount
	add := func(prefix, role string, n int, unit func(i int) string) {
		for i := 1; i <= n; i++ {
			news = append(news, store.NewAccount{Email: fmt.Sprintf("%s%d@%s", prefix, i, Domain),
				Name: personName(i, prefix), Password: "unused-seed-password", Role: role, Locale: "fr", UnitID: unit(i)})
		}
	}
	none := func(int) string { return "" }
	// Editor i edits for unit (i-1) mod units + 1: the store gives an
	// editor the membership of the unit it is created for ("": the only one).
	add("editor", store.RoleEditor, opts.Editors, func(i int) string {
		if !network {
			return ""
		}
		return plan.units[(i-1)%units].ID
	})
	add("admin", store.RoleAdmin, opts.Admins, none)
	add("helper", store.RoleReader, opts.Helpers, none)
	add("unitadmin", store.RoleReader, rep.UnitAdmins, none)
	add("orgadmin", store.RoleReader, rep.OrgAdmins, none)
	if network {
		rep.Inspectors = 1
	}
	add("inspector", store.RoleReader, rep.Inspectors, none)
	accs, err := st.SeedAccounts(ctx, op, news, passwordHash)
	if err != nil {
		return rep, err
	}
	inspectors := accs[len(accs)-rep.Inspectors:]
	accs = accs[:len(accs)-rep.Inspectors]
	editors, accs := accs[:opts.Editors], accs[opts.Editors+opts.Admins:]
	helpers, accs := accs[:opts.Helpers], accs[opts.Helpers:]
	var admins []adminMembership
	for i, a := range accs[:rep.UnitAdmins] {
		admins = append(admins, adminMembership{Account: a, Org: plan.units[i].OrgID, Unit: plan.units[i].ID})
	}
	for i, a := range accs[rep.UnitAdmins:] {
		admins = append(admins, adminMembership{Account: a, Org: plan.orgs[i]})
	}
	if len(admins) > 0 {
		if err := writeAdmins(ctx, st, bulk, op, admins); err != nil {
			return rep, err
		}
	}
	staffed := make([]staffedUnit, units)
	for i, e := range editors {
		staffed[i%units].editors = append(staffed[i%units].editors, e)
	}
	for i := range staffed {
		staffed[i].unit = plan.units[i]
	}
	rep.Editors, rep.Admins, rep.Helpers, rep.Orgs, rep.Units = opts.Editors, opts.Admins, opts.Helpers, orgs, units

	batchSize := opts.BatchSize
	if batchSize <= 0 {
		batchSize = 10000
	}
	// Drawing texts, ids and references and writing the rows overlap: one
	// goroutine makes the batches while the single writer stores the
	// previous one (on two cores it keeps the writer busy).
	// The case files take the instance's own categories: a new instance's
	// set (migration 31), whatever it is.
	var cats []string
	if err := st.Engine().Reader().NewSelect().Table("categories").Column("id").Where("active").
		OrderExpr("position, id").Scan(ctx, &cats); err != nil {
		return rep, err
	}
	if len(cats) == 0 {
		return rep, errors.New("seed: the instance has no active category")
	}
	if len(inspectors) > 0 {
		if err := writeInspection(ctx, st, bulk, inspectors[0], plan.units, cats); err != nil {
			return rep, err
		}
	}
	gen := newGenerator(opts.Random, st.Now(), staffed, helpers, cats)
	type made struct {
		rows *batchRows
		n    int
		err  error
	}
	batches := make(chan made, 1)
	gctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		defer close(batches)
		for done := 0; done < opts.Cases; {
			n := min(batchSize, opts.Cases-done)
			b := make([]caseFile, n)
			for i := range b {
				b[i] = gen.next()
			}
			rows, err := rowsOf(op, b)
			select {
			case batches <- made{rows, n, err}:
			case <-gctx.Done():
				return
			}
			if err != nil {
				return
			}
			done += n
		}
	}()
	for b := range batches {
		if b.err != nil {
			return rep, b.err
		}
		if err := write(ctx, st, bulk, b.rows); err != nil {
			return rep, err
		}
		rep.Cases += b.n
		if opts.Progress != nil {
			opts.Progress(rep.Cases)
		}
	}
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	// The full-text index merged, then the indexes, and fresh statistics
	// so that the planner knows the tables' real shapes.
	if err := bulk.InTx(ctx, st.MergeSearchIndex); err != nil {
		return rep, err
	}
	if err := bulk.Finish(ctx); err != nil {
		return rep, err
	}
	return rep, nil
}

// helper is a helper's grant on a seeded case file.
type helper struct {
	Account *store.Account
	Kind    string // store.GrantSupport, GrantTrainee or GrantMentee
}

// deadline is a deadline on a seeded case file.
type deadline struct {
	Title   string
	DueDate string // YYYY-MM-DD
	Done    bool
}

// caseFile is one synthetic case file and everything hanging off it.
type caseFile struct {
	// Case holds the descriptive fields, status, outcome and dates; the id,
	// reference, creator and version are filled in by rowsOf.
	Case store.Case
	// Assignees are the editors it is entrusted to; the first one created it.
	Assignees []*store.Account
	Helpers   []helper
	Notes     []string
	Deadlines []deadline
}

// batchRows is a batch of case files as the rows they leave, with their ids
// drawn and their times written as text: all the work that needs no
// database, so that Run does it for the next batch while the single writer
// stores this one.
type batchRows struct {
	cases [][]any // a case row's columns, as the store's insert writes them; [1] is the reference
	years []int   // each reference's year, to draw another one when it is taken
	// counted are the batch's case files as the counters count them.
	counted                          []store.Case
	grants, events, notes, deadlines [][]any
	// search is each case file's id and the notes column of its full-text
	// entry: what AddNote's appends would have made.
	search []store.SearchEntry
	// audits lack their id, time and hashes, which chain them to the log.
	audits []store.AuditEntry
}

// details is the details of every seeded case file's audit entry.
const details = `{"seed":true}`

// rowsOf checks a batch and turns it into rows. It fills in each case
// file's id, reference, creator and version (and, when missing, status and
// update time) as real creation would.
func rowsOf(actor store.Actor, batch []caseFile) (*batchRows, error) {
	r := &batchRows{}
	for i := range batch {
		sc := &batch[i]
		if len(sc.Assignees) == 0 {
			return nil, fmt.Errorf("seed case %d of batch: a case file needs an assignee", i)
		}
		creator := sc.Assignees[0]
		c := &sc.Case
		c.ID, c.CreatorID, c.Version = uuid.NewString(), creator.ID, 1
		if c.Status == "" {
			c.Status = store.CaseDraft
		}
		if c.Status != store.CaseDraft {
			c.Version = 2 // one transition out of draft
		}
		if c.UpdatedAt.IsZero() {
			c.UpdatedAt = c.CreatedAt
		}
		c.Reference = store.NewReference(c.CreatedAt.Year())
		r.cases = append(r.cases, engine.BindArgs([]any{c.ID, c.Reference, c.Title, c.CategoryID, c.Summary, c.FactsDate, c.Place,
			c.Status, c.Outcome, c.CreatorID, c.Version, c.CreatedAt, c.UpdatedAt, c.UnitID, c.OrgID}))
		r.years = append(r.years, c.CreatedAt.Year())
		r.counted = append(r.counted, *c)
		created := engine.BindArgs([]any{c.CreatedAt})[0]
		for _, a := range sc.Assignees {
			r.grants = append(r.grants, []any{uuid.NewString(), c.ID, a.ID, store.GrantAssignee, created, creator.ID, created})
		}
		for _, h := range sc.Helpers {
			if !slices.Contains(store.HelperKinds, h.Kind) {
				return nil, fmt.Errorf("seed case %d of batch: helper kind %q", i, h.Kind)
			}
			r.grants = append(r.grants, []any{uuid.NewString(), c.ID, h.Account.ID, h.Kind, created, creator.ID, created})
		}
		r.events = append(r.events, []any{c.ID, created, creator.ID, "created", "", store.CaseDraft, "", ""})
		if c.Status != store.CaseDraft {
			r.events = append(r.events, engine.BindArgs([]any{c.ID, c.UpdatedAt, creator.ID, "transition", store.CaseDraft, c.Status, "", ""}))
		}
		var notes strings.Builder
		for j, body := range sc.Notes {
			// Notes fall between creation and the last change, in order.
			at := c.CreatedAt.Add(time.Duration(j+1) * c.UpdatedAt.Sub(c.CreatedAt) / time.Duration(len(sc.Notes)+1))
			r.notes = append(r.notes, engine.BindArgs([]any{uuid.NewString(), c.ID, creator.ID, body, at}))
			notes.WriteByte('\n')
			notes.WriteString(body)
		}
		r.search = append(r.search, store.SearchEntry{CaseID: c.ID, Notes: notes.String()})
		for _, d := range sc.Deadlines {
			r.deadlines = append(r.deadlines, engine.BindArgs([]any{uuid.NewString(), c.ID, d.Title, d.DueDate, d.Done, creator.ID, c.CreatedAt, c.UpdatedAt}))
		}
		r.audits = append(r.audits, store.AuditEntry{ActorID: creator.ID, Action: "case.created", ObjectType: "case", ObjectID: c.ID,
			ClientIP: actor.ClientIP, Details: details})
	}
	return r, nil
}

// The seed's statements, with the columns and constants the store's own
// statements write (a new case file, a grant, an event, a note; a deadline
// as bun writes it).
var (
	casesInsert = engine.BulkInsert{Head: `INSERT INTO cases (id, reference, title, category_id, summary, facts_date, place,
		status, outcome, creator_id, version, created_at, updated_at, unit_id, org_id) VALUES `, Row: "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"}
	grantsInsert = engine.BulkInsert{Head: `INSERT INTO grants (id, case_id, account_id, kind, major, starts_at, ends_at, revoked_at,
		revoked_why, granted_by, invited_email, token_hash, token_expires, created_at) VALUES `,
		Row: "(?, ?, ?, ?, FALSE, ?, NULL, NULL, '', ?, '', NULL, NULL, ?)"}
	eventsInsert = engine.BulkInsert{Head: `INSERT INTO case_events (case_id, at, actor_id, kind, from_status, to_status, comment, fields) VALUES `,
		Row: "(?, ?, ?, ?, ?, ?, ?, ?)"}
	notesInsert     = engine.BulkInsert{Head: `INSERT INTO notes (id, case_id, author_id, body, created_at) VALUES `, Row: "(?, ?, ?, ?, ?)"}
	deadlinesInsert = engine.BulkInsert{Head: `INSERT INTO deadlines (id, case_id, title, due_date, done, created_by, created_at, updated_at) VALUES `,
		Row: "(?, ?, ?, ?, ?, ?, ?, ?)"}
)

// write stores a batch in one transaction of the bulk load: case files
// first (the grants' triggers copy their columns), then what hangs off them
// and the full-text entries, the counters and the audit entries.
func write(ctx context.Context, st *store.Store, bulk *engine.Bulk, r *batchRows) error {
	db := st.Engine()
	return bulk.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := freeReferences(ctx, db, tx, r); err != nil {
			return err
		}
		for _, w := range []struct {
			ins  engine.BulkInsert
			rows [][]any
		}{{casesInsert, r.cases}, {grantsInsert, r.grants}, {eventsInsert, r.events},
			{notesInsert, r.notes}, {deadlinesInsert, r.deadlines}} {
			if err := db.InsertRows(ctx, tx, w.ins, w.rows); err != nil {
				return fmt.Errorf("seed: %w", err)
			}
		}
		if err := st.IndexCases(ctx, tx, r.search); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
		if err := st.CountNewCases(ctx, tx, r.counted); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
		return st.AppendAuditEntries(ctx, tx, r.audits)
	})
}

// referencesPerQuery is how many references one look-up checks.
const referencesPerQuery = 500

// freeReferences draws again each reference of the batch that another case
// file of the batch or of the database already holds (the unique index would
// refuse it), as the store's create does one case file at a time: five
// random characters per year make a few hundred such draws in a million
// case files.
func freeReferences(ctx context.Context, db *engine.DB, tx bun.Tx, r *batchRows) error {
	owner := make(map[string]int, len(r.cases)) // reference → case file in the batch
	check := make([]int, len(r.cases))
	for i := range check {
		check[i] = i
	}
	st, err := tx.Tx.PrepareContext(ctx, db.Placeholders("SELECT reference FROM cases WHERE reference IN (?"+
		strings.Repeat(", ?", referencesPerQuery-1)+")"))
	if err != nil {
		return err
	}
	defer st.Close()
	args := make([]any, referencesPerQuery)
	for attempt := 0; len(check) > 0; attempt++ {
		if attempt > 20 {
			return fmt.Errorf("seed: no free case reference after %d draws", attempt)
		}
		var redraw, ask []int
		for _, i := range check {
			ref := r.cases[i][1].(string)
			if _, dup := owner[ref]; dup {
				redraw = append(redraw, i)
				continue
			}
			owner[ref] = i
			ask = append(ask, i)
		}
		for len(ask) > 0 {
			n := min(len(ask), referencesPerQuery)
			for j := range args {
				args[j] = nil // IN (NULL) matches nothing
				if j < n {
					args[j] = r.cases[ask[j]][1]
				}
			}
			rows, err := st.QueryContext(ctx, args...)
			if err != nil {
				return err
			}
			for rows.Next() {
				var ref string
				if err := rows.Scan(&ref); err != nil {
					rows.Close()
					return err
				}
				redraw = append(redraw, owner[ref])
				delete(owner, ref)
			}
			if err := rows.Close(); err != nil {
				return err
			}
			ask = ask[n:]
		}
		for _, i := range redraw {
			r.cases[i][1] = store.NewReference(r.years[i])
		}
		check = redraw
	}
	return nil
}
