// Package store owns Cloison's data: the bun models, the embedded migrations,
// every query, the visibility predicate for case files and the transaction helpers.
// Business rules that decide who may do what live here, next to the data, so the
// HTTP API, the command line and the tests all get the same answers.
// It must never import the server: the store knows nothing of HTTP.
package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// DatabaseFile is the name of the SQLite file inside the data directory.
const DatabaseFile = "cloison.db"

// Store is the handle on one Cloison database. Reads go through a pool of
// connections; writes go through a single connection so that SQLite never has
// two writers waiting on each other, and every write transaction starts with
// BEGIN IMMEDIATE so it takes the write lock before reading what it will change.
type Store struct {
	read  *bun.DB
	write *bun.DB
	// gc runs every InTx on the writer, several to a transaction.
	gc *committer
	// wstmts are the hot write statements, prepared on the writer at Open
	// and again after Migrate (the tables may not exist before).
	wstmts atomic.Pointer[stmtCache]
	// rreads and wreads are the hot reads, prepared on the read pool and on
	// the writer (see prepared_reads.go).
	rreads   atomic.Pointer[stmtCache]
	wreads   atomic.Pointer[stmtCache]
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
}

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
	// RefusePersonalData turns the warning about e-mail addresses and phone
	// numbers in a case file's free text into a refusal.
	RefusePersonalData bool
	// AttachmentMaxBytes bounds one attachment.
	AttachmentMaxBytes int64
}

// DefaultPolicy is what Open uses for the zero fields of Options.Policy.
var DefaultPolicy = Policy{
	SessionIdle: 30 * time.Minute, SessionLifetime: 12 * time.Hour,
	LoginDelayBase: 500 * time.Millisecond, LoginDelayMax: 8 * time.Second, LoginRefuseAfter: 100,
	AttachmentMaxBytes: 20 << 20,
}

// Options configures Open.
type Options struct {
	// Dir is the data directory; it is created (mode 0700) when missing.
	Dir string
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

// dsn builds a connection string whose pragmas apply to every pooled
// connection: busy_timeout first so that nothing else fails with SQLITE_BUSY,
// then WAL, FULL synchronous (case files are precious) and foreign keys.
func dsn(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Add("_time_format", "sqlite")
	if readOnly {
		q.Add("_pragma", "query_only(ON)")
	} else {
		q.Set("_txlock", "immediate")
		// Group commit wraps each request in a savepoint; the pages it must
		// keep to undo one request (the sub-journal) are held in memory
		// instead of spilling to a temporary file past 64 KiB.
		q.Add("_pragma", "temp_store(MEMORY)")
		// The writer copies the WAL into the database file inside a COMMIT
		// once the WAL passes this many pages (SQLite's default is 1000).
		// Checkpoints were 15 % of the writer's time in a profile of
		// creates; rarer ones copy each often-written page (index tails,
		// counters, the audit chain's end) once for many commits.
		q.Add("_pragma", "wal_autocheckpoint(8000)")
	}
	return "file:" + path + "?" + q.Encode()
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

	// The writer is opened first so that WAL mode is set on the file before any
	// reader (which is query_only and cannot change the journal mode) connects.
	wsql, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	wsql.SetMaxOpenConns(1)
	wsql.SetMaxIdleConns(1)
	wsql.SetConnMaxLifetime(0)
	if err := wsql.PingContext(ctx); err != nil {
		wsql.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}

	rsql, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		wsql.Close()
		return nil, fmt.Errorf("store: open: %w", err)
	}
	n := opts.ReadConns
	if n <= 0 {
		n = max(4, 2*runtime.NumCPU())
	}
	rsql.SetMaxOpenConns(n)
	rsql.SetMaxIdleConns(n)
	rsql.SetConnMaxLifetime(0)

	now := opts.Now
	if now == nil {
		now = time.Now
	}
	st := &Store{
		read:       bun.NewDB(rsql, sqlitedialect.New()),
		write:      bun.NewDB(wsql, sqlitedialect.New()),
		dir:        opts.Dir,
		now:        func() time.Time { return now().UTC().Truncate(time.Millisecond) },
		composer:   opts.Composer,
		baseURL:    opts.BaseURL,
		mailDomain: mailDomain(opts.BaseURL),
		policy:     withDefaults(opts.Policy),
		key:        key,
	}
	st.wstmts.Store(prepareAll(ctx, wsql, preparedWrites))
	st.rreads.Store(&stmtCache{})
	st.wreads.Store(&stmtCache{})
	st.reprepare(ctx)
	if st.gc, err = startCommitter(ctx, st.write); err != nil {
		st.wstmts.Load().close()
		st.rreads.Load().close()
		st.wreads.Load().close()
		rsql.Close()
		wsql.Close()
		return nil, err
	}
	return st, nil
}

// Close stops the committer (writes still queued fail with ErrClosed, the
// batch under way commits) and closes both pools.
func (s *Store) Close() error {
	s.gc.close()
	s.wstmts.Load().close()
	s.rreads.Load().close()
	s.wreads.Load().close()
	rerr := s.read.Close()
	werr := s.write.Close()
	if werr != nil {
		return werr
	}
	return rerr
}

// Dir is the data directory the store lives in.
func (s *Store) Dir() string { return s.dir }

// Now is the store's clock, in UTC with millisecond precision like the rows it writes.
func (s *Store) Now() time.Time { return s.now() }

// Pragmas reports the effective settings of a read and of the write connection,
// so the operator can check at start-up that the DSN did what it says.
func (s *Store) Pragmas(ctx context.Context) (map[string]string, error) {
	out := map[string]string{}
	for _, conn := range []struct {
		prefix string
		db     *bun.DB
	}{{"write.", s.write}, {"read.", s.read}} {
		for _, p := range []string{"busy_timeout", "journal_mode", "synchronous", "foreign_keys", "query_only"} {
			var v string
			if err := conn.db.QueryRowContext(ctx, "PRAGMA "+p).Scan(&v); err != nil {
				return nil, fmt.Errorf("store: pragma %s: %w", p, err)
			}
			out[conn.prefix+p] = v
		}
	}
	return out, nil
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
	return d
}
