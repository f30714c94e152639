package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// This file fills an empty data directory with synthetic case files for
// demonstrations and benchmarks. Everything goes through the same helpers as
// the API (insertCase, addGrant, caseEventAt, insertNote, appendAudit), so the
// indexes, the full-text entries, the per-status counters, the grants, the
// histories and the audit chain are exactly what real use would have left.

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
	// reference, creator and version are filled in by SeedCases.
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

// SeedCases writes a batch of synthetic case files in one write transaction.
// Each case file is created by its first assignee (its history and audit
// entry name them, with actor's client address), then entrusted to the other
// assignees, given its helpers, notes, deadlines and, unless it is a draft,
// the transition that brought it to its status.
func (s *Store) SeedCases(ctx context.Context, actor Actor, batch []SeedCase) error {
	return s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var last int64
		if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(rowid), 0) FROM cases").Scan(&last); err != nil {
			return err
		}
		for i := range batch {
			if err := s.seedCase(ctx, tx, actor, &batch[i]); err != nil {
				return fmt.Errorf("seed case %d of batch: %w", i, err)
			}
		}
		// One full-text statement for the whole batch: FTS5 writes a segment
		// per statement, so indexing case by case costs several times more.
		// The notes column holds what AddNote's appends would have made:
		// each note preceded by a line feed, oldest first.
		return s.execPrepared(ctx, tx, sqlSeedCaseSearch, last)
	})
}

// sqlSeedCaseSearch indexes the case files written after a rowid, with their notes.
const sqlSeedCaseSearch = `INSERT INTO case_search (rowid, title, summary, notes)
	SELECT c.rowid, c.title, c.summary, coalesce((SELECT group_concat(char(10) || n.body, '' ORDER BY n.created_at, n.rowid)
		FROM notes AS n WHERE n.case_id = c.id), '')
	FROM cases AS c WHERE c.rowid > ?`

func (s *Store) seedCase(ctx context.Context, tx bun.IDB, actor Actor, sc *SeedCase) error {
	if len(sc.Assignees) == 0 {
		return fmt.Errorf("a case file needs an assignee")
	}
	creator := sc.Assignees[0]
	by := Actor{Account: creator, ClientIP: actor.ClientIP}
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
	if err := s.insertCaseRow(ctx, tx, c); err != nil {
		return err
	}
	for _, a := range sc.Assignees {
		if err := s.addGrant(ctx, tx, c.ID, a.ID, GrantAssignee, creator.ID, c.CreatedAt); err != nil {
			return err
		}
	}
	for _, h := range sc.Helpers {
		if !contains(helperKinds, h.Kind) {
			return fmt.Errorf("helper kind %q", h.Kind)
		}
		if err := s.addGrant(ctx, tx, c.ID, h.Account.ID, h.Kind, creator.ID, c.CreatedAt); err != nil {
			return err
		}
	}
	if err := s.caseEventAt(ctx, tx, by, c.ID, c.CreatedAt, caseEvent{Kind: "created", ToStatus: CaseDraft}); err != nil {
		return err
	}
	if c.Status != CaseDraft {
		if err := s.caseEventAt(ctx, tx, by, c.ID, c.UpdatedAt, caseEvent{Kind: "transition", FromStatus: CaseDraft, ToStatus: c.Status}); err != nil {
			return err
		}
	}
	for i, body := range sc.Notes {
		// Notes fall between creation and the last change, in order.
		at := c.CreatedAt.Add(time.Duration(i+1) * c.UpdatedAt.Sub(c.CreatedAt) / time.Duration(len(sc.Notes)+1))
		if err := s.execPrepared(ctx, tx, sqlInsertNote, newID(), c.ID, creator.ID, body, at); err != nil {
			return err
		}
	}
	for _, d := range sc.Deadlines {
		if err := s.execPrepared(ctx, tx, sqlSeedDeadline, newID(), c.ID, d.Title, d.DueDate, d.Done,
			creator.ID, c.CreatedAt, c.UpdatedAt); err != nil {
			return err
		}
	}
	return s.appendAudit(ctx, tx, by, Audit{Action: "case.created", ObjectType: "case", ObjectID: c.ID,
		Details: map[string]any{"seed": true}})
}

const sqlSeedDeadline = `INSERT INTO deadlines (id, case_id, title, due_date, done, created_by, created_at, updated_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?)`

// SeedOptions sizes a seeded instance.
type SeedOptions struct {
	Cases   int
	Editors int
	Admins  int
	Helpers int
	// Random seeds the generator: the same value gives the same texts,
	// statuses and assignments (ids and references stay random).
	Random uint64
	// BatchSize is how many case files share one write transaction (0: 2000).
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
// the write connection runs with synchronous=OFF and a large page cache
// while seeding; both are set back to the instance's values (FULL, default
// cache) before Seed returns.
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
	if _, err := s.write.ExecContext(ctx, "PRAGMA synchronous = OFF"); err != nil {
		return rep, err
	}
	if _, err := s.write.ExecContext(ctx, "PRAGMA cache_size = -262144"); err != nil { // 256 MiB
		return rep, err
	}
	defer func() {
		// Back to the DSN's durability before anything else uses the connection.
		_, _ = s.write.ExecContext(context.WithoutCancel(ctx), "PRAGMA synchronous = FULL")
		_, _ = s.write.ExecContext(context.WithoutCancel(ctx), "PRAGMA cache_size = -2000")
		_, _ = s.write.ExecContext(context.WithoutCancel(ctx), "PRAGMA wal_checkpoint(TRUNCATE)")
	}()

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
		batchSize = 2000
	}
	// Generating text and writing rows overlap: one goroutine makes batches
	// while the single writer stores the previous one.
	gen := newSeedGen(opts.Random, s.now(), editors, helpers)
	batches := make(chan []SeedCase, 2)
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
			select {
			case batches <- b:
			case <-gctx.Done():
				return
			}
			done += n
		}
	}()
	for b := range batches {
		if err := s.SeedCases(ctx, op, b); err != nil {
			return rep, err
		}
		rep.Cases += len(b)
		if opts.Progress != nil {
			opts.Progress(rep.Cases)
		}
	}
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	// Fresh statistics so that the planner knows the tables' real shapes.
	if err := s.Analyze(ctx); err != nil {
		return rep, err
	}
	return rep, nil
}

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
	n = min(n, len(g.editors))
	for _, i := range g.r.Perm(len(g.editors))[:n] {
		sc.Assignees = append(sc.Assignees, g.editors[i])
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
