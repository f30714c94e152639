package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"cloison/store/engine"
)

// This file fills an empty data directory with synthetic case files for
// demonstrations and benchmarks, a million of them in a few minutes. The
// rows are those the API's statements write (same columns, same constants,
// times in the same text form, the audit chain hashed the same way), many
// rows to a statement; the database's triggers, foreign keys and unique
// indexes complete and check them as they do a request's. So the indexes,
// the full-text entries, the per-status counters, the grants and the columns
// their triggers keep, the histories and the audit chain are exactly what
// real use would have left.

// SeedDomain is the domain of every seeded account's e-mail address: .invalid
// can never deliver, so a seeded instance cannot e-mail anyone by mistake.
const SeedDomain = "seed.invalid"

// SeedHelper is a helper's grant on a seeded case file.
type SeedHelper struct {
	Account *Account
	Kind    string // GrantSupport, GrantTrainee or GrantMentee
}

// SeedDeadline is a deadline on a seeded case file.
type SeedDeadline struct {
	Title   string
	DueDate string // YYYY-MM-DD
	Done    bool
}

// SeedCase is one synthetic case file and everything hanging off it.
type SeedCase struct {
	// Case holds the descriptive fields, status, outcome and dates; the id,
	// reference, creator and version are filled in by seedRowsOf.
	Case Case
	// Assignees are the editors it is entrusted to; the first one created it.
	Assignees []*Account
	Helpers   []SeedHelper
	Notes     []string
	Deadlines []SeedDeadline
}

// HoldsData tells whether the database already holds real data: any account
// or any case file. The seed refuses to run then.
func (s *Store) HoldsData(ctx context.Context) (bool, error) {
	for _, table := range []string{"accounts", "cases"} {
		ok, err := s.read.NewSelect().Table(table).Limit(1).Exists(ctx)
		if err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

// SeedAccounts creates active accounts that all share one password hash
// (computed once by the caller with the real hasher: hashing thousands of
// accounts one by one with Argon2id would take minutes), each audited like
// CreateAccount does. It refuses to run on a database that holds data.
func (s *Store) SeedAccounts(ctx context.Context, actor Actor, accounts []NewAccount, passwordHash string) ([]*Account, error) {
	if passwordHash == "" {
		return nil, fmt.Errorf("seed: a password hash is required")
	}
	for i := range accounts {
		if err := check(&accounts[i]); err != nil {
			return nil, err
		}
	}
	out := make([]*Account, 0, len(accounts))
	err := s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		for _, table := range []string{"accounts", "cases"} {
			if ok, err := tx.NewSelect().Table(table).Limit(1).Exists(ctx); err != nil {
				return err
			} else if ok {
				return fmt.Errorf("seed: the database already holds %s", table)
			}
		}
		for _, n := range accounts {
			a, err := s.insertAccount(ctx, tx, n, StatusActive, passwordHash)
			if err != nil {
				return err
			}
			if err := s.appendAudit(ctx, tx, actor, Audit{Action: "account.created", ObjectType: "account", ObjectID: a.ID,
				Details: map[string]any{"role": a.Role, "seed": true}}); err != nil {
				return err
			}
			out = append(out, a)
		}
		return nil
	})
	return out, err
}

// seedRows is a batch of case files as the rows they leave, with their ids
// drawn and their times written as text: all the work that needs no
// database, so that Seed does it for the next batch while the single writer
// stores this one.
type seedRows struct {
	cases [][]any // a case row's columns, as insertCase writes them; [1] is the reference
	years []int   // each reference's year, to draw another one when it is taken
	// counts is how many case files of each status the batch adds.
	counts                           map[string]int64
	grants, events, notes, deadlines [][]any
	// search is each case file's id and the notes column of its full-text
	// entry: what AddNote's appends would have made, each note preceded by
	// a line feed, oldest first.
	search []SearchEntry
	// audits lack their id, time and hashes, which chain them to the log.
	audits []AuditEntry
}

// seedDetails is the details of every seeded case file's audit entry.
const seedDetails = `{"seed":true}`

// seedRowsOf checks a batch and turns it into rows. It fills in each case
// file's id, reference, creator and version (and, when missing, status and
// update time) as real creation would.
func seedRowsOf(actor Actor, batch []SeedCase) (*seedRows, error) {
	r := &seedRows{counts: map[string]int64{}}
	for i := range batch {
		sc := &batch[i]
		if len(sc.Assignees) == 0 {
			return nil, fmt.Errorf("seed case %d of batch: a case file needs an assignee", i)
		}
		creator := sc.Assignees[0]
		c := &sc.Case
		c.ID, c.CreatorID, c.Version = newID(), creator.ID, 1
		if c.Status == "" {
			c.Status = CaseDraft
		}
		if c.Status != CaseDraft {
			c.Version = 2 // one transition out of draft
		}
		if c.UpdatedAt.IsZero() {
			c.UpdatedAt = c.CreatedAt
		}
		c.Reference = newReference(c.CreatedAt.Year())
		r.cases = append(r.cases, engine.BindArgs([]any{c.ID, c.Reference, c.Title, c.CategoryID, c.Summary, c.FactsDate, c.Place,
			c.Status, c.Outcome, c.CreatorID, c.Version, c.CreatedAt, c.UpdatedAt}))
		r.years = append(r.years, c.CreatedAt.Year())
		r.counts[c.Status]++
		created := engine.BindArgs([]any{c.CreatedAt})[0]
		for _, a := range sc.Assignees {
			r.grants = append(r.grants, []any{newID(), c.ID, a.ID, GrantAssignee, created, creator.ID, created})
		}
		for _, h := range sc.Helpers {
			if !contains(helperKinds, h.Kind) {
				return nil, fmt.Errorf("seed case %d of batch: helper kind %q", i, h.Kind)
			}
			r.grants = append(r.grants, []any{newID(), c.ID, h.Account.ID, h.Kind, created, creator.ID, created})
		}
		r.events = append(r.events, []any{c.ID, created, creator.ID, "created", "", CaseDraft, "", ""})
		if c.Status != CaseDraft {
			r.events = append(r.events, engine.BindArgs([]any{c.ID, c.UpdatedAt, creator.ID, "transition", CaseDraft, c.Status, "", ""}))
		}
		var notes strings.Builder
		for j, body := range sc.Notes {
			// Notes fall between creation and the last change, in order.
			at := c.CreatedAt.Add(time.Duration(j+1) * c.UpdatedAt.Sub(c.CreatedAt) / time.Duration(len(sc.Notes)+1))
			r.notes = append(r.notes, engine.BindArgs([]any{newID(), c.ID, creator.ID, body, at}))
			notes.WriteByte('\n')
			notes.WriteString(body)
		}
		r.search = append(r.search, SearchEntry{CaseID: c.ID, Notes: notes.String()})
		for _, d := range sc.Deadlines {
			r.deadlines = append(r.deadlines, engine.BindArgs([]any{newID(), c.ID, d.Title, d.DueDate, d.Done, creator.ID, c.CreatedAt, c.UpdatedAt}))
		}
		r.audits = append(r.audits, AuditEntry{ActorID: creator.ID, Action: "case.created", ObjectType: "case", ObjectID: c.ID,
			ClientIP: actor.ClientIP, Details: seedDetails})
	}
	return r, nil
}

// The seed's tables, with the columns the API's own statements write
// (sqlInsertNewCase, sqlInsertGrant, sqlInsertEvent, sqlInsertNote, sqlInsertAudit).
var (
	seedCasesTable = engine.BulkInsert{Head: `INSERT INTO cases (id, reference, title, category_id, summary, facts_date, place,
		status, outcome, creator_id, version, created_at, updated_at) VALUES `, Row: "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"}
	seedGrantsTable = engine.BulkInsert{Head: `INSERT INTO grants (id, case_id, account_id, kind, major, starts_at, ends_at, revoked_at,
		revoked_why, granted_by, invited_email, token_hash, token_expires, created_at) VALUES `,
		Row: "(?, ?, ?, ?, 0, ?, NULL, NULL, '', ?, '', NULL, NULL, ?)"}
	seedEventsTable = engine.BulkInsert{Head: `INSERT INTO case_events (case_id, at, actor_id, kind, from_status, to_status, comment, fields) VALUES `,
		Row: "(?, ?, ?, ?, ?, ?, ?, ?)"}
	seedNotesTable     = engine.BulkInsert{Head: `INSERT INTO notes (id, case_id, author_id, body, created_at) VALUES `, Row: "(?, ?, ?, ?, ?)"}
	seedDeadlinesTable = engine.BulkInsert{Head: `INSERT INTO deadlines (id, case_id, title, due_date, done, created_by, created_at, updated_at) VALUES `,
		Row: "(?, ?, ?, ?, ?, ?, ?, ?)"}
	seedAuditTable = engine.BulkInsert{Head: `INSERT INTO audit_entries (id, at, actor_id, action, object_type, object_id, reason,
		client_ip, details, prev_hash, hash) VALUES `, Row: "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"}
)

// writeSeedRows stores a batch in one write transaction: case files first
// (the grants' triggers copy their columns), then what hangs off them and
// the full-text entries, the counters and the audit entries.
//
// The transaction is the bulk load's (see engine.Bulk.InTx).
func (s *Store) writeSeedRows(ctx context.Context, bulk *engine.Bulk, r *seedRows) error {
	return bulk.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := freeReferences(ctx, tx, r); err != nil {
			return err
		}
		for _, w := range []struct {
			table engine.BulkInsert
			rows  [][]any
		}{{seedCasesTable, r.cases}, {seedGrantsTable, r.grants}, {seedEventsTable, r.events},
			{seedNotesTable, r.notes}, {seedDeadlinesTable, r.deadlines}} {
			if err := s.db.InsertRows(ctx, tx, w.table, w.rows); err != nil {
				return fmt.Errorf("seed: %w", err)
			}
		}
		if err := s.IndexCases(ctx, tx, r.search); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
		for _, status := range CaseStatuses {
			if n := r.counts[status]; n > 0 {
				if _, err := tx.Tx.ExecContext(ctx, "UPDATE case_counts SET n = n + ? WHERE status = ?", n, status); err != nil {
					return err
				}
			}
		}
		return s.appendSeedAudits(ctx, tx, r.audits)
	})
}

// seedReferencesPerQuery is how many references one look-up checks.
const seedReferencesPerQuery = 500

// freeReferences draws again each reference of the batch that another case
// file of the batch or of the database already holds (the unique index would
// refuse it), as insertCase does one case file at a time: five random
// characters per year make a few hundred such draws in a million case files.
func freeReferences(ctx context.Context, tx bun.Tx, r *seedRows) error {
	owner := make(map[string]int, len(r.cases)) // reference → case file in the batch
	check := make([]int, len(r.cases))
	for i := range check {
		check[i] = i
	}
	st, err := tx.Tx.PrepareContext(ctx, "SELECT reference FROM cases WHERE reference IN (?"+
		strings.Repeat(", ?", seedReferencesPerQuery-1)+")")
	if err != nil {
		return err
	}
	defer st.Close()
	args := make([]any, seedReferencesPerQuery)
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
			n := min(len(ask), seedReferencesPerQuery)
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
			r.cases[i][1] = newReference(r.years[i])
		}
		check = redraw
	}
	return nil
}

// appendSeedAudits chains a batch's audit entries to the log as appendAudit
// does one at a time, reading the last entry once instead of once per entry.
func (s *Store) appendSeedAudits(ctx context.Context, tx bun.Tx, entries []AuditEntry) error {
	var lastID int64
	prev := genesisHash
	err := s.db.QueryRow(ctx, tx, sqlLastAudit, nil, &lastID, &prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("audit: last entry: %w", err)
	}
	at := s.now()
	rows := make([][]any, len(entries))
	for i := range entries {
		e := &entries[i]
		e.ID, e.At, e.PrevHash = lastID+int64(i)+1, at, prev
		e.Hash = entryDigest(e)
		prev = e.Hash
		rows[i] = engine.BindArgs([]any{e.ID, e.At, e.ActorID, e.Action, e.ObjectType, e.ObjectID, e.Reason, e.ClientIP, e.Details, e.PrevHash, e.Hash})
	}
	if err := s.db.InsertRows(ctx, tx, seedAuditTable, rows); err != nil {
		return fmt.Errorf("audit: insert: %w", err)
	}
	return nil
}

// SeedOptions sizes a seeded instance.
type SeedOptions struct {
	Cases   int
	Editors int
	Admins  int
	Helpers int
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

// SeedReport says what Seed wrote.
type SeedReport struct {
	Editors, Admins, Helpers, Cases int
}

// Seed fills an empty database with opts.Editors editors, opts.Admins admins,
// opts.Helpers helpers (readers invited as helpers on some case files) and
// opts.Cases case files of synthetic French data, every account with the
// same password hash. Accounts are editorN@seed.invalid, adminN@… and
// helperN@…, numbered from 1.
//
// It refuses a database that holds any account or case file. For speed, and
// only because the database is empty to begin with (a crash loses nothing),
// it is a bulk load (engine.Bulk): the writer runs with settings only an
// empty database affords (synchronous=OFF, a large page cache) and the
// secondary indexes of the tables it fills are built after the rows are in;
// before Seed returns, even on an error or an interruption, the indexes are
// back, created by the migrations' own statements, and the settings are the
// instance's again. Only a crash of the process during a seed leaves a
// database to throw away: delete the data directory and seed again.
func (s *Store) Seed(ctx context.Context, opts SeedOptions, passwordHash string) (SeedReport, error) {
	var rep SeedReport
	if opts.Cases < 0 || opts.Editors < 1 || opts.Admins < 0 || opts.Helpers < 0 {
		return rep, fmt.Errorf("seed: need at least one editor and no negative count")
	}
	if held, err := s.HoldsData(ctx); err != nil {
		return rep, err
	} else if held {
		return rep, fmt.Errorf("seed: the data directory already holds accounts or case files; seed only an empty one")
	}
	bulk, err := s.db.BeginBulk(ctx, seedTables)
	if err != nil {
		return rep, err
	}
	defer bulk.Close()

	op := Actor{ClientIP: "seed"}
	var news []NewAccount
	add := func(prefix, role string, n int) {
		for i := 1; i <= n; i++ {
			news = append(news, NewAccount{Email: fmt.Sprintf("%s%d@%s", prefix, i, SeedDomain),
				Name: seedName(i, prefix), Password: "unused-seed-password", Role: role, Locale: "fr"})
		}
	}
	add("editor", RoleEditor, opts.Editors)
	add("admin", RoleAdmin, opts.Admins)
	add("helper", RoleReader, opts.Helpers)
	accs, err := s.SeedAccounts(ctx, op, news, passwordHash)
	if err != nil {
		return rep, err
	}
	editors, helpers := accs[:opts.Editors], accs[opts.Editors+opts.Admins:]
	rep.Editors, rep.Admins, rep.Helpers = opts.Editors, opts.Admins, opts.Helpers

	batchSize := opts.BatchSize
	if batchSize <= 0 {
		batchSize = 10000
	}
	// Drawing texts, ids and references and writing the rows overlap: one
	// goroutine makes the batches while the single writer stores the
	// previous one (on two cores it keeps the writer busy).
	gen := newSeedGen(opts.Random, s.now(), editors, helpers)
	type made struct {
		rows *seedRows
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
			b := make([]SeedCase, n)
			for i := range b {
				b[i] = gen.next()
			}
			rows, err := seedRowsOf(op, b)
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
		if err := s.writeSeedRows(ctx, bulk, b.rows); err != nil {
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
	// The indexes, and fresh statistics so that the planner knows the
	// tables' real shapes.
	if err := bulk.Finish(ctx); err != nil {
		return rep, err
	}
	return rep, nil
}

// seedTables are the tables Seed fills in bulk.
var seedTables = []string{"cases", "grants", "case_events", "notes", "deadlines", "audit_entries"}

// seedGen draws synthetic case files. Its random source is not for secrets:
// it only makes texts and spreads, reproducibly.
type seedGen struct {
	r       *rand.Rand
	now     time.Time
	editors []*Account
	helpers []*Account
	cats    []string
}

func newSeedGen(seed uint64, now time.Time, editors, helpers []*Account) *seedGen {
	return &seedGen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), now: now, editors: editors, helpers: helpers,
		cats: []string{"accouchement", "grossesse", "post-partum", "consentement", "violences", "nouveau-ne",
			"dossier-medical", "refus-soins", "facturation", "autre"}}
}

func (g *seedGen) pick(list []string) string { return list[g.r.IntN(len(list))] }

// seedStatus spreads statuses roughly as a long-running association's would.
func (g *seedGen) status() (string, *string) {
	switch p := g.r.IntN(100); {
	case p < 6:
		return CaseDraft, nil
	case p < 36:
		return CaseOpen, nil
	case p < 54:
		return CasePending, nil
	case p < 64:
		return CaseLitigation, nil
	case p < 94:
		o := g.pick(Outcomes)
		return CaseClosed, &o
	default:
		o := g.pick(Outcomes)
		return CaseArchived, &o
	}
}

func (g *seedGen) next() SeedCase {
	// Created over the last six years, changed some time after.
	created := g.now.Add(-time.Duration(g.r.Int64N(int64(6 * 365 * 24 * time.Hour)))).Truncate(time.Millisecond)
	updated := created.Add(time.Duration(g.r.Int64N(int64(g.now.Sub(created)) + 1))).Truncate(time.Millisecond)
	status, outcome := g.status()
	facts := created.Add(-time.Duration(g.r.IntN(400)) * 24 * time.Hour).Format("2006-01-02")
	place := g.pick(seedPlaces)
	sc := SeedCase{Case: Case{
		Title:      g.title(place),
		CategoryID: g.pick(g.cats),
		Summary:    g.summary(place),
		FactsDate:  &facts,
		Place:      place,
		Status:     status,
		Outcome:    outcome,
		CreatedAt:  created,
		UpdatedAt:  updated,
	}}
	// Entrusted to one editor mostly, sometimes two or three.
	n := 1
	switch p := g.r.IntN(100); {
	case p >= 97:
		n = 3
	case p >= 85:
		n = 2
	}
	// n distinct editors, drawn one by one: a permutation of all of them
	// per case file cost more than the rest of the generator with
	// thousands of editors.
	for n = min(n, len(g.editors)); len(sc.Assignees) < n; {
		if e := g.editors[g.r.IntN(len(g.editors))]; !slices.Contains(sc.Assignees, e) {
			sc.Assignees = append(sc.Assignees, e)
		}
	}
	// Helpers only on case files still open to them (closing ends their access).
	if len(g.helpers) > 0 && collaborationOpen(status) && g.r.IntN(100) < 8 {
		sc.Helpers = append(sc.Helpers, SeedHelper{Account: g.helpers[g.r.IntN(len(g.helpers))], Kind: g.pick(helperKinds)})
	}
	for range g.r.IntN(3) {
		sc.Notes = append(sc.Notes, g.pick(seedNotes))
	}
	if g.r.IntN(100) < 40 {
		// Open deadlines lie beyond the reminder window, so that starting a
		// seeded instance does not queue thousands of reminders.
		d := SeedDeadline{Title: g.pick(seedDeadlines)}
		if status == CaseClosed || status == CaseArchived || g.r.IntN(2) == 0 {
			d.Done = true
			d.DueDate = updated.Add(-time.Duration(g.r.IntN(60)) * 24 * time.Hour).Format("2006-01-02")
		} else {
			d.DueDate = g.now.Add(time.Duration(10+g.r.IntN(170)) * 24 * time.Hour).Format("2006-01-02")
		}
		sc.Deadlines = append(sc.Deadlines, d)
	}
	return sc
}

func (g *seedGen) title(place string) string {
	t := g.pick(seedTitles)
	if g.r.IntN(3) == 0 {
		t += " – " + place
	}
	return t
}

func (g *seedGen) summary(place string) string {
	var b strings.Builder
	b.WriteString(strings.ReplaceAll(g.pick(seedOpenings), "{lieu}", place))
	for range 1 + g.r.IntN(3) {
		b.WriteByte(' ')
		b.WriteString(g.pick(seedSentences))
	}
	return b.String()
}

// seedName gives seeded accounts plausible, clearly fictitious names.
func seedName(i int, prefix string) string {
	first := seedFirstNames[(i-1)%len(seedFirstNames)]
	last := seedLastNames[((i-1)/len(seedFirstNames))%len(seedLastNames)]
	return fmt.Sprintf("%s %s (%s %d)", first, last, prefix, i)
}

var seedFirstNames = []string{"Camille", "Dominique", "Claude", "Sacha", "Alix", "Morgane", "Yannick", "Maxime",
	"Andréa", "Charlie", "Lou", "Noa", "Élise", "Romane", "Gaël", "Anaïs", "Hélène", "Bastien", "Inès", "Théo"}

var seedLastNames = []string{"Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
	"Leroy", "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier"}

var seedPlaces = []string{"Lyon", "Marseille", "Toulouse", "Nantes", "Lille", "Rennes", "Strasbourg", "Bordeaux",
	"Montpellier", "Grenoble", "Dijon", "Angers", "Brest", "Limoges", "Clermont-Ferrand", "Rouen", "Metz", "Tours",
	"Amiens", "Besançon", "Poitiers", "Perpignan", "Nîmes", "Caen", "Orléans", "Mulhouse", "Pau", "Ajaccio"}

var seedTitles = []string{
	"Césarienne en urgence sans explication",
	"Épisiotomie pratiquée sans consentement",
	"Refus de péridurale malgré la demande",
	"Séparation prolongée avec le nouveau-né",
	"Demande d’accès au dossier médical restée sans réponse",
	"Propos humiliants pendant le travail",
	"Dépassement d’honoraires non annoncé",
	"Suivi de grossesse interrompu",
	"Hémorragie de la délivrance mal prise en charge",
	"Sortie de maternité précipitée",
	"Refus de rendez-vous pour motif discriminatoire",
	"Expression abdominale pendant l’accouchement",
	"Information insuffisante sur un déclenchement",
	"Douleurs post-partum ignorées",
	"Facturation d’une chambre particulière non demandée",
	"Examen gynécologique brutal",
	"Transfert du nouveau-né sans information des parents",
	"Compte rendu d’accouchement incomplet",
	"Allaitement : pression et remarques déplacées",
	"Retard de diagnostic d’une infection",
}

var seedOpenings = []string{
	"La personne accompagnée a accouché à la maternité de {lieu}.",
	"Les faits se sont déroulés dans une clinique de {lieu}.",
	"Suivi de grossesse assuré en cabinet libéral à {lieu}.",
	"Hospitalisation au centre hospitalier de {lieu}.",
	"Premier contact par la permanence téléphonique de {lieu}.",
}

var seedSentences = []string{
	"Elle indique ne pas avoir été informée des gestes pratiqués.",
	"Le consentement n’a pas été recueilli avant l’intervention.",
	"Le compte rendu remis à la sortie ne mentionne pas l’incident.",
	"Une demande écrite d’accès au dossier médical a été envoyée.",
	"L’équipe soignante a minimisé la douleur exprimée.",
	"Le conjoint a été tenu à l’écart sans explication.",
	"Une médiation avec l’établissement est envisagée.",
	"Une réclamation a été adressée à la commission des usagers.",
	"Les séquelles physiques et psychologiques sont importantes.",
	"Un certificat médical a été établi par le médecin traitant.",
	"La facture reçue comporte des dépassements non expliqués.",
	"Elle souhaite obtenir des excuses et une explication écrite.",
	"Un courrier recommandé est resté sans réponse depuis deux mois.",
	"Le nouveau-né a été transféré en néonatologie pendant la nuit.",
	"Plusieurs témoignages concordants ont été recueillis.",
}

var seedNotes = []string{
	"Appel avec la personne : elle confirme vouloir poursuivre la démarche.",
	"Courrier de réclamation envoyé à la direction de l’établissement.",
	"Réponse de l’établissement reçue, jugée insuffisante.",
	"Rendez-vous fixé avec la médiatrice de la commission des usagers.",
	"Pièces reçues : compte rendu opératoire et lettre de sortie.",
	"Relance envoyée pour obtenir le dossier médical complet.",
	"Point d’étape avec la bénévole référente.",
	"Saisine du conciliateur envisagée si pas de réponse sous un mois.",
	"Avocate contactée pour avis sur un recours contentieux.",
	"La personne souhaite faire une pause dans les démarches.",
}

var seedDeadlines = []string{
	"Délai de réponse de l’établissement",
	"Relance de la demande de dossier médical",
	"Date limite de saisine de la commission",
	"Rendez-vous de médiation",
	"Délai de recours contentieux",
	"Audience",
}
