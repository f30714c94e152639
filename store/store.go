// Package store owns Cloison's data: the bun models, the embedded
// migrations, every query, and the business rules that decide who may do
// what, next to the data, so that the HTTP API, the command line and the
// tests all get the same answers. No query touches case files without the
// acting account: visibility is one predicate (visibility.go).
//
// Below it, store/engine runs the database (the writer and the read pool,
// group commit, the prepared hot statements, bulk loading) and knows
// nothing of case files; the store declares each hot statement next to the
// code that runs it. store/search holds the rules of full-text search that
// need no database. Beside it, store/seed fills an empty instance through
// the store's public surface.
//
// It must never import the server (the store knows nothing of HTTP) nor
// store/seed.
package store

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/uptrace/bun"

	"cloison/store/engine"
)

// DatabaseFile is the name of the SQLite file inside the data directory.
const DatabaseFile = "cloison.db"

// Store is the handle on one Cloison database, through the engine under it
// (store/engine): a pool of readers, a single writer, write transactions
// grouped several to a COMMIT, and the hot statements prepared once.
type Store struct {
	db *engine.DB
	// sqlite is the engine's driver, for what only SQLite does (backup);
	// nil on PostgreSQL.
	sqlite *engine.SQLite
	// postgres is the engine's driver on PostgreSQL (LostSettings); nil
	// on SQLite.
	postgres *engine.Postgres
	// pg tells the store it runs on PostgreSQL, for the few queries the
	// two engines write differently (see dialect.go).
	pg bool
	// read is the engine's read pool, which most reads go through.
	read     *bun.DB
	dir      string
	now      func() time.Time
	composer Composer
	// mailDomain is the right-hand side of the Message-IDs the outbox makes.
	mailDomain string
	// baseURL starts every link written into an e-mail.
	baseURL string
	policy  Policy
	// key encrypts attachments at rest (AES-256-GCM).
	key []byte
	// auditAtBatchEnd appends the audit entries a batch of writes left
	// (see appendAudit).
	auditAtBatchEnd *engine.BatchWrite
	// countsAtBatchEnd moves the counters of case files and grants once
	// per batch (see count).
	countsAtBatchEnd *engine.BatchWrite
	// createdAtBatchEnd writes a batch's new case files, their grants,
	// first events and search entries (see createdCase).
	createdAtBatchEnd *engine.BatchWrite
	// sessions keeps session checks between requests on SQLite; nil on
	// PostgreSQL (see keptReads).
	sessions *keptReads[sessionRead]
	// creationUnits keeps the unit a case file is created in, per unit and
	// active category: on SQLite as sessions keeps its reads, on PostgreSQL
	// under the stamp of writes the request's session check read (see
	// activeUnitToCreateIn).
	creationUnits *keptReads[Unit]
	// hints keeps, on PostgreSQL alone, each token's last session check as
	// a guess for confirmHint and GetCaseByHint (nil on SQLite, where
	// sessions keeps it).
	hints *keptReads[sessionRead]
	// stamps shares, on PostgreSQL, the reads of the stamp confirmHint
	// checks a hint against among the requests that wait for one at the
	// same time (see sharedRead).
	stamps *sharedRead[string]
}

// ErrPageMemoryTooLate is SharePageMemory's answer once this process has
// opened an SQLite database.
var ErrPageMemoryTooLate = engine.ErrPageMemoryTooLate

// SharePageMemory gives the SQLite connections of this process one slab of
// page memory sized for the default read pool, and says how many pages and
// bytes it holds (see engine.SharePageMemory): about half the memory the pages took
// otherwise. Only the server calls it, before it opens its store; the
// commands that load many rows (seed) keep SQLite's own allocation, whose
// caches a large transaction may grow without bound.
func SharePageMemory() (pages, bytes int, err error) {
	return engine.SharePageMemory(engine.DefaultReaders())
}

// statements are the store's hot statements, each declared next to the
// code that runs it and registered there (statements.Read, statements.Write);
// the engine prepares them when the store opens and after it migrates.
var statements engine.Statements

// Policy holds the account rules an instance can tune.
type Policy struct {
	// SessionIdle ends a session after this long without a request.
	SessionIdle time.Duration
	// SessionLifetime ends a session this long after login, whatever happens.
	SessionLifetime time.Duration
	// RegistrationClosed stops newcomers registering without an invitation.
	RegistrationClosed bool
	// LoginDelayBase is the first delay added to a login answer once an
	// account or an address has failed SlowAfter times; it doubles with each
	// further failure, up to LoginDelayMax.
	LoginDelayBase time.Duration
	LoginDelayMax  time.Duration
	// LoginRefuseAfter failures from one address within a quarter of an
	// hour get ErrThrottled at once, without checking anything.
	LoginRefuseAfter int
	// RefusePersonalData turns the warning about personal data (e-mail
	// addresses, phone numbers, social security numbers, IBANs) in a case
	// file's free text into a refusal.
	RefusePersonalData bool
	// AttachmentMaxBytes bounds one attachment.
	AttachmentMaxBytes int64
	// Locales are the languages an account may choose (the server's
	// catalogues; none means any well-formed code); DefaultLocale is an
	// account's when it chose none.
	Locales       []string
	DefaultLocale string
}

// DefaultPolicy is what Open uses for the zero fields of Options.Policy.
var DefaultPolicy = Policy{
	SessionIdle: 30 * time.Minute, SessionLifetime: 12 * time.Hour,
	LoginDelayBase: 500 * time.Millisecond, LoginDelayMax: 8 * time.Second, LoginRefuseAfter: 100,
	AttachmentMaxBytes: 20 << 20,
	DefaultLocale:      "fr",
}

// Options configures Open.
type Options struct {
	// Dir is the data directory; it is created (mode 0700) when missing.
	// On SQLite it holds the database; on PostgreSQL, the attachments'
	// key and files.
	Dir string
	// DatabaseURL is empty for the SQLite database in Dir, or a
	// postgres:// URL (any form pgx accepts) for PostgreSQL.
	DatabaseURL string
	// Lanes is how many batches of writes run side by side on PostgreSQL
	// (0: one); SQLite ignores it.
	Lanes int
	// ReadConns caps the read pool; 0 picks a size from the number of CPUs.
	ReadConns int
	// Now replaces the clock in tests; nil means time.Now.
	Now func() time.Time
	// Composer renders e-mails when they are written to the outbox; nil
	// means e-mails cannot be enqueued (commands that send none).
	Composer Composer
	// BaseURL is the public address links in e-mails start with.
	BaseURL string
	// Policy sets the account rules; zero fields take DefaultPolicy's values.
	Policy Policy
	// AttachmentKey is the base64 AES-256 key for attachments; empty reads
	// (or creates, mode 0600) the key file in the data directory.
	AttachmentKey string
}

// Open opens (and creates if needed) the database in opts.Dir. It does not
// migrate; call Migrate.
func Open(ctx context.Context, opts Options) (*Store, error) {
	if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("store: data directory: %w", err)
	}
	path := filepath.Join(opts.Dir, DatabaseFile)

	key, err := loadKey(opts.Dir, opts.AttachmentKey)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}

	var driver engine.Driver
	var sqlite *engine.SQLite
	var postgres *engine.Postgres
	if opts.DatabaseURL != "" {
		postgres = &engine.Postgres{URL: opts.DatabaseURL, Rewrite: pgRewrite, LaneCount: opts.Lanes}
		driver = *postgres
	} else {
		sqlite = &engine.SQLite{Path: path}
		driver = *sqlite
	}
	db, err := engine.Open(ctx, driver, engine.Options{ReadConns: opts.ReadConns, Statements: &statements})
	if err != nil {
		return nil, err
	}

	now := opts.Now
	if now == nil {
		now = time.Now
	}
	s := &Store{
		db:         db,
		sqlite:     sqlite,
		postgres:   postgres,
		pg:         sqlite == nil,
		read:       db.Reader(),
		dir:        opts.Dir,
		now:        func() time.Time { return now().UTC().Truncate(time.Millisecond) },
		composer:   opts.Composer,
		baseURL:    opts.BaseURL,
		mailDomain: mailDomain(opts.BaseURL),
		policy:     withDefaults(opts.Policy),
		key:        key,
	}
	s.auditAtBatchEnd, s.countsAtBatchEnd = s.newAuditAtBatchEnd(), s.newCountsAtBatchEnd()
	s.createdAtBatchEnd = s.newCreatedAtBatchEnd()
	if !s.pg {
		s.sessions = newKeptReads[sessionRead]()
	} else {
		s.hints = newKeptReads[sessionRead]()
		s.stamps = newSharedRead[string]()
	}
	s.creationUnits = newKeptReads[Unit]()
	return s, nil
}

// Close stops the engine: writes still queued fail with ErrClosed, the
// batch under way commits, and both pools close.
func (s *Store) Close() error { return s.db.Close() }

// ErrClosed is the error of a write asked of a store that is closing or closed.
var ErrClosed = engine.ErrClosed

// TxPanic is what a caller of InTx panics with when its fn panicked (see
// engine.TxPanic).
type TxPanic = engine.TxPanic

// InTx runs fn in a write transaction: every write fn makes either fully
// happens or not at all, and InTx returns only once it is durable. See
// engine.DB.InTx for how concurrent calls share a transaction and what fn
// must not do.
func (s *Store) InTx(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error {
	return s.db.InTx(ctx, fn)
}

// within runs fn in outer when it is given (an operation applied as a
// step of a larger one, such as a change request, commits or fails with
// it) and in a transaction of its own otherwise.
func (s *Store) within(ctx context.Context, outer *bun.Tx, fn func(ctx context.Context, tx bun.Tx) error) error {
	if outer != nil {
		return fn(ctx, *outer)
	}
	return s.InTx(ctx, fn)
}

// Engine is the database engine under the store, for what works below the
// domain: a bulk load (store/seed). The server never needs it.
func (s *Store) Engine() *engine.DB { return s.db }

// Dir is the data directory the store lives in.
func (s *Store) Dir() string { return s.dir }

// Now is the store's clock, in UTC with millisecond precision like the rows it writes.
func (s *Store) Now() time.Time { return s.now() }

// Pragmas reports the effective settings of a read and of the write connection,
// so the operator can check at start-up that the DSN did what it says.
func (s *Store) Pragmas(ctx context.Context) (map[string]string, error) {
	if s.sqlite == nil {
		return map[string]string{}, nil
	}
	return s.sqlite.Pragmas(ctx, s.db)
}

// LostSettings names, on PostgreSQL, the session settings Cloison asks for
// at each connection's start that its connections do not have (a
// connection pooler drops them), each as the statement that sets it on the
// database instead; none on SQLite.
func (s *Store) LostSettings(ctx context.Context) ([]string, error) {
	if s.postgres == nil {
		return nil, nil
	}
	return s.postgres.LostSettings(ctx, s.db)
}

// HoldsData tells whether the database already holds real data: any account
// or any case file. The seed refuses to run then.
func (s *Store) HoldsData(ctx context.Context) (bool, error) { return holdsData(ctx, s.read) }

func holdsData(ctx context.Context, db bun.IDB) (bool, error) {
	for _, table := range []string{"accounts", "cases"} {
		ok, err := db.NewSelect().Table(table).Limit(1).Exists(ctx)
		if err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

// mailDomain is the host of baseURL, or "cloison.invalid" without one.
func mailDomain(baseURL string) string {
	if u, err := url.Parse(baseURL); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return "cloison.invalid"
}

func withDefaults(p Policy) Policy {
	d := DefaultPolicy
	if p.SessionIdle > 0 {
		d.SessionIdle = p.SessionIdle
	}
	if p.SessionLifetime > 0 {
		d.SessionLifetime = p.SessionLifetime
	}
	if p.LoginDelayBase > 0 {
		d.LoginDelayBase = p.LoginDelayBase
	}
	if p.LoginDelayMax > 0 {
		d.LoginDelayMax = p.LoginDelayMax
	}
	if p.LoginRefuseAfter > 0 {
		d.LoginRefuseAfter = p.LoginRefuseAfter
	}
	d.RegistrationClosed = p.RegistrationClosed
	d.RefusePersonalData = p.RefusePersonalData
	if p.AttachmentMaxBytes > 0 {
		d.AttachmentMaxBytes = p.AttachmentMaxBytes
	}
	if len(p.Locales) > 0 {
		d.Locales = p.Locales
	}
	if p.DefaultLocale != "" {
		d.DefaultLocale = p.DefaultLocale
	}
	return d
}
