package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"cloison/store/engine"
	"cloison/store/passwords"
)

// Session is one login. Only the SHA-256 of its bearer token is stored.
type Session struct {
	bun.BaseModel `bun:"table:sessions"`

	ID         string    `bun:"id,pk" json:"id"`
	TokenHash  []byte    `bun:"token_hash" json:"-"`
	AccountID  string    `bun:"account_id" json:"-"`
	CreatedAt  time.Time `bun:"created_at" json:"created_at"`
	LastSeenAt time.Time `bun:"last_seen_at" json:"last_seen_at"`
	ExpiresAt  time.Time `bun:"expires_at" json:"expires_at"`
	ClientIP   string    `bun:"client_ip" json:"client_ip"`
	UserAgent  string    `bun:"user_agent" json:"user_agent"`
	// Current is set when listing: the session the request came with.
	Current bool `bun:"-" json:"current"`

	Account *Account `bun:"rel:belongs-to,join:account_id=id" json:"-"`
}

// Throttling thresholds for logins.
const (
	// slowAfter failures (of an account or from an address) start delaying answers.
	slowAfter = 5
	// lockAfter consecutive failures lock the account.
	lockAfter = 10
	// failureWindow is how long an address's failures count (see
	// Policy.LoginRefuseAfter).
	failureWindow = 15 * time.Minute
	// touchEvery bounds how often a session's last_seen_at is written, so that
	// reads stay reads; the idle timeout is precise to this much.
	touchEvery = time.Minute
)

// Login is a successful login.
type Login struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	User      *Account  `json:"user"`
}

// Login checks credentials and opens a session. Every failure, whatever its
// cause (unknown e-mail, wrong password, account not active, and for an
// account with a second factor a missing, wrong or already used code), is
// the same ErrInvalidCredentials and costs the same Argon2 work; after
// repeated failures answers slow down, and ten in a row lock the account.
// code is the second factor's: a TOTP code or an unused recovery code.
func (s *Store) Login(ctx context.Context, h *passwords.Hasher, email, password, code, clientIP, userAgent string) (*Login, error) {
	acc, err := accountByEmail(ctx, s.read, email)
	if err != nil {
		return nil, err
	}

	ipFailures, err := s.ipFailures(ctx, clientIP)
	if err != nil {
		return nil, err
	}
	if ipFailures >= s.policy.LoginRefuseAfter {
		return nil, ErrThrottled
	}
	failures := ipFailures
	if acc != nil && acc.FailedLogins > failures {
		failures = acc.FailedLogins
	}
	if err := s.slowDown(ctx, failures); err != nil {
		return nil, err
	}

	hash := ""
	if acc != nil {
		hash = acc.PasswordHash
	}
	ok, err := h.Verify(ctx, hash, password)
	if err != nil {
		return nil, err
	}
	if !ok || acc == nil || acc.Status != StatusActive {
		if ferr := s.recordFailure(ctx, acc, clientIP, ok); ferr != nil {
			return nil, ferr
		}
		return nil, ErrInvalidCredentials
	}

	tok, tokHash := newSecret()
	now := s.now()
	sess := &Session{ID: newID(), TokenHash: tokHash, AccountID: acc.ID, CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(s.policy.SessionLifetime), ClientIP: clientIP, UserAgent: truncate(userAgent, 200)}
	err = s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		how, err := s.passSecondFactor(ctx, tx, acc.ID, code)
		if err != nil {
			return err
		}
		if _, err := tx.NewInsert().Model(sess).Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.NewUpdate().Model((*Account)(nil)).Set("failed_logins = 0").Where("id = ?", acc.ID).Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.NewDelete().Table("login_failures").Where("client_ip = ?", clientIP).Exec(ctx); err != nil {
			return err
		}
		var details map[string]any
		if how != "" {
			details = map[string]any{"second_factor": how}
		}
		return s.appendAudit(ctx, tx, Actor{Account: acc, ClientIP: clientIP, SessionID: sess.ID},
			Audit{Action: "session.login", ObjectType: "account", ObjectID: acc.ID, Details: details})
	})
	if errors.Is(err, ErrInvalidCredentials) {
		// The password was right, the second factor not: a failure like any
		// other, counted against the account too.
		if ferr := s.recordFailure(ctx, acc, clientIP, false); ferr != nil {
			return nil, ferr
		}
		return nil, ErrInvalidCredentials
	}
	if err != nil {
		return nil, err
	}
	acc.FailedLogins = 0
	return &Login{Token: tok, ExpiresAt: sess.ExpiresAt, User: acc}, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// slowDown waits LoginDelayBase × 2^(failures−slowAfter), capped, once
// failures reach slowAfter.
func (s *Store) slowDown(ctx context.Context, failures int) error {
	if failures < slowAfter {
		return nil
	}
	d := s.policy.LoginDelayBase
	for i := slowAfter; i < failures && d < s.policy.LoginDelayMax; i++ {
		d *= 2
	}
	d = min(d, s.policy.LoginDelayMax)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Store) ipFailures(ctx context.Context, clientIP string) (int, error) {
	var row struct {
		Failures int       `bun:"failures"`
		LastAt   time.Time `bun:"last_at"`
	}
	err := s.read.NewSelect().Table("login_failures").Column("failures", "last_at").Where("client_ip = ?", clientIP).Scan(ctx, &row)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && s.now().Sub(row.LastAt) > failureWindow) {
		return 0, nil
	}
	return row.Failures, err
}

// recordFailure counts a failed login for the address and, for an existing
// account whose password was wrong, for the account, locking it (and telling
// its owner by e-mail) at lockAfter consecutive failures.
func (s *Store) recordFailure(ctx context.Context, acc *Account, clientIP string, passwordOK bool) error {
	return s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		now := s.now()
		_, err := tx.NewRaw(`INSERT INTO login_failures (client_ip, failures, last_at) VALUES (?, 1, ?)
			ON CONFLICT (client_ip) DO UPDATE SET
			failures = CASE WHEN login_failures.last_at < ? THEN 1 ELSE login_failures.failures + 1 END, last_at = excluded.last_at`,
			clientIP, now, now.Add(-failureWindow)).Exec(ctx)
		if err != nil || acc == nil || passwordOK {
			return err
		}
		var n int
		err = tx.NewRaw(`UPDATE accounts SET failed_logins = failed_logins + 1 WHERE id = ? RETURNING failed_logins`, acc.ID).Scan(ctx, &n)
		if err != nil {
			return err
		}
		if n != lockAfter || acc.Status != StatusActive {
			return nil
		}
		if _, err := tx.NewUpdate().Model((*Account)(nil)).Set("status = ?", StatusLocked).Set("updated_at = ?", now).Where("id = ?", acc.ID).Exec(ctx); err != nil {
			return err
		}
		if err := s.endSessions(ctx, tx, acc.ID, ""); err != nil {
			return err
		}
		if err := s.appendAudit(ctx, tx, Actor{ClientIP: clientIP}, Audit{Action: "account.locked", ObjectType: "account", ObjectID: acc.ID}); err != nil {
			return err
		}
		return s.enqueue(ctx, tx, acc.Email, acc.Locale, "account_locked", map[string]string{
			"name": acc.Name, "reset_link": s.baseURL + "/forgot"})
	})
}

// sqlAuthenticate reads the session behind a token with its account and
// what the account's scope is expanded from (scopeColumns, at the bound
// moment), in one statement: the session check and the scope are read on
// every request, and each statement costs more than its seeks. Its times
// come as text (see engine.ScanTime).
//
// It also reads the next moment one of the account's memberships starts or
// ends, until which the scope read holds (see keptReads and SessionHint),
// and on PostgreSQL the stamp of the last write that changes what it reads
// (sessionChanges; SQLite's is NULL).
var sqlAuthenticate = statements.Read(`SELECT ` + authColumns + ` ` + authFrom + ` WHERE s.token_hash = ?`)

// authColumns and authFrom are sqlAuthenticate's, which sqlCaseByHint
// reads too; authFields are where a scan puts them.
const authFrom = `FROM sessions AS s JOIN accounts AS a ON a.id = s.account_id`

var authColumns = `s.id, s.account_id, +s.created_at, +s.last_seen_at, +s.expires_at,
	a.id, a.email, a.email_key, a.name, a.role, a.status, a.locale, a.password_hash,
	+a.pledge_signed_at, a.failed_logins, +a.created_at, +a.updated_at, ` + fmt.Sprintf(scopeColumns, "s.account_id") + `,
	(SELECT min(CASE WHEN +m.valid_from > ? THEN +m.valid_from ELSE +m.valid_until END)
		FROM memberships AS m INDEXED BY memberships_account
		WHERE m.account_id = s.account_id AND (+m.valid_from > ? OR +m.valid_until > ?)), ` + sessionChanges

// sessionChanges reads, on PostgreSQL, the stamp of the last write that
// changes what a session check reads (migration 071, and SessionHint): NULL
// before the first, and on SQLite, which counts its own commits instead.
var sessionChanges = pgAlso(`NULL AS session_changes`, `(SELECT value FROM settings WHERE key = 'session_changes')`)

func authFields(sess *Session, acc *Account, members, inspects, changes *sql.NullString, until **time.Time) []any {
	return []any{&sess.ID, &sess.AccountID, engine.ScanTime(&sess.CreatedAt), engine.ScanTime(&sess.LastSeenAt), engine.ScanTime(&sess.ExpiresAt),
		&acc.ID, &acc.Email, &acc.EmailKey, &acc.Name, &acc.Role, &acc.Status, &acc.Locale, &acc.PasswordHash,
		engine.ScanTimeOrNil(&acc.PledgeSignedAt), &acc.FailedLogins, engine.ScanTime(&acc.CreatedAt), engine.ScanTime(&acc.UpdatedAt),
		members, inspects, engine.ScanTimeOrNil(until), changes}
}

// sessionRead is one session check as sqlAuthenticate read it, as kept on
// SQLite (see keptReads).
type sessionRead struct {
	sess              Session
	acc               Account
	members, inspects string
	// changes is sessionChanges as read with it (PostgreSQL; "" before the
	// first such write, and on SQLite).
	changes string
}

// Authenticate resolves a bearer token to its active account and session.
// Anything else (unknown, expired, idle too long, account no longer active)
// is ErrUnauthenticated.
func (s *Store) Authenticate(ctx context.Context, tok string) (*Account, *Session, error) {
	if tok == "" {
		return nil, nil, ErrUnauthenticated
	}
	// This runs on every request: one prepared lookup by unique key, its
	// row scanned by hand (bun's reflection cost more than the lookup),
	// or on SQLite what the last one read while nothing has been written
	// since (see keptReads), or on PostgreSQL what the last one read while
	// nothing it reads has been written since (confirmHint).
	// What the account reaches is expanded once, here, for the whole
	// request: its memberships' dates are checked against this moment.
	now := s.now()
	hash := hashSecret(tok)
	key := string(hash)
	// Read before the statement: an entry kept with it holds every write
	// counted so far (see engine.DB.Commits).
	commits := s.db.Commits()
	var until time.Time
	read, ok := s.sessions.get(key, commits, now)
	hinted := false
	if !ok {
		var err error
		if read, until, ok, err = s.confirmHint(ctx, key, now); err != nil {
			return nil, nil, err
		}
		hinted = ok
	}
	if !ok {
		var err error
		if read, until, err = s.readSessionCheck(ctx, hash, commits, now); err != nil {
			return nil, nil, err
		}
	}
	acc, sess, err := s.admitRead(ctx, key, now, until, read)
	if hinted && errors.Is(err, ErrUnauthenticated) {
		// The guess's last activity may be older than the session's:
		// another instance writes it without changing the stamp. Idle by
		// the guess is not idle until the session check itself says so.
		if read, until, err = s.readSessionCheck(ctx, hash, commits, now); err != nil {
			return nil, nil, err
		}
		return s.admitRead(ctx, key, now, until, read)
	}
	return acc, sess, err
}

// readSessionCheck reads the session check of the token whose hash is
// given (sqlAuthenticate) at now, and keeps it (on SQLite while the
// engine's count of COMMITs stands at commits, on PostgreSQL as the token's
// guess): what it read, and the next moment one of the account's
// memberships starts or ends (zero: none). No such session is
// ErrUnauthenticated.
func (s *Store) readSessionCheck(ctx context.Context, hash []byte, commits uint64, now time.Time) (sessionRead, time.Time, error) {
	var m, in, changes sql.NullString
	var next *time.Time
	var sess Session
	var acc Account
	args := []any{now, now, now, now, now, hash}
	err := s.db.QueryRow(ctx, s.read, sqlAuthenticate, args, authFields(&sess, &acc, &m, &in, &changes, &next)...)
	if errors.Is(err, sql.ErrNoRows) {
		return sessionRead{}, time.Time{}, ErrUnauthenticated
	}
	if err != nil {
		return sessionRead{}, time.Time{}, err
	}
	var until time.Time
	if next != nil {
		until = *next
	}
	read := sessionRead{sess: sess, acc: acc, members: m.String, inspects: in.String, changes: changes.String}
	key := string(hash)
	s.sessions.put(key, commits, now, until, read)
	s.hints.put(key, commits, now, until, read)
	return read, until, nil
}

// admitRead is admit on a copy of read, the token's last session check
// (until, its next membership start or end), which stays as it was read:
// when admit writes the session's last activity, the token's hint (on
// PostgreSQL) takes it, or the next request confirmed by the hint would
// write it again. SQLite's kept check goes with the write.
func (s *Store) admitRead(ctx context.Context, key string, now, until time.Time, read sessionRead) (*Account, *Session, error) {
	sess, acc := read.sess, read.acc
	admitted, checked, err := s.admit(ctx, now, &sess, &acc, read.members, read.inspects)
	if err != nil {
		return nil, nil, err
	}
	admitted.scope.changes = read.changes
	if !checked.LastSeenAt.Equal(read.sess.LastSeenAt) {
		read.sess.LastSeenAt = checked.LastSeenAt
		// A hint is never checked against the engine's count (keptReads.hint).
		s.hints.put(key, 0, now, until, read)
	}
	return admitted, checked, nil
}

// sqlSessionChanges reads the stamp of the last write that changes what a
// session check reads (PostgreSQL, migration 071).
var sqlSessionChanges = statements.PostgresRead(`SELECT ` + sessionChanges)

// confirmHint gives, on PostgreSQL, the token's last session check on this
// instance when nothing it read has been written since, on any instance:
// the stamp it was read with is the stamp now (see SessionHint), and none
// of the account's memberships has started or ended since. It is one
// statement of one row by key where the session check is five B-tree reads
// and two aggregates, on every request; the check's snapshot is as old as
// the stamp's, as the session check's own would be. Not confirmed (or on
// SQLite), the caller reads the session check itself.
func (s *Store) confirmHint(ctx context.Context, key string, now time.Time) (sessionRead, time.Time, bool, error) {
	read, until, ok := s.hints.hint(key)
	if !ok || (!until.IsZero() && !now.Before(until)) {
		return sessionRead{}, time.Time{}, false, nil
	}
	// Requests confirming their hints at the same moment share one read
	// of the stamp, made after each of them asked (sharedRead).
	changes, err := s.stamps.get(ctx, func(ctx context.Context) (string, error) {
		var changes sql.NullString
		err := s.db.QueryRow(ctx, s.read, sqlSessionChanges, nil, &changes)
		return changes.String, err
	})
	if err != nil {
		return sessionRead{}, time.Time{}, false, err
	}
	if changes != read.changes {
		return sessionRead{}, time.Time{}, false, nil
	}
	return read, until, true, nil
}

// admit finishes a session check from what sqlAuthenticate read at now: the
// session must not have expired or been idle too long, and its account
// must be active; what the account reaches is expanded once, for the whole
// request, and the session's last activity is written when it is older
// than touchEvery.
func (s *Store) admit(ctx context.Context, now time.Time, sess *Session, acc *Account, members, inspects string) (*Account, *Session, error) {
	if !now.Before(sess.ExpiresAt) || now.Sub(sess.LastSeenAt) >= s.policy.SessionIdle {
		return nil, nil, ErrUnauthenticated
	}
	sess.Account = acc
	if acc.Status != StatusActive {
		return nil, nil, ErrUnauthenticated
	}
	sc := scopeFrom(acc, members, inspects)
	acc.scope = sc
	acc.Role = sc.effectiveRole(acc.Role)
	if now.Sub(sess.LastSeenAt) >= touchEvery {
		err := s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.NewUpdate().Model(sess).Set("last_seen_at = ?", now).WherePK().Exec(ctx)
			return err
		})
		if err != nil {
			return nil, nil, err
		}
		sess.LastSeenAt = now
	}
	return acc, sess, nil
}

// endSessions deletes every session of an account except keep (the caller's own).
func (s *Store) endSessions(ctx context.Context, tx bun.IDB, accountID, keep string) error {
	q := tx.NewDelete().Model((*Session)(nil)).Where("account_id = ?", accountID)
	if keep != "" {
		q = q.Where("id != ?", keep)
	}
	_, err := q.Exec(ctx)
	return err
}

// Logout ends the actor's current session at once.
func (s *Store) Logout(ctx context.Context, actor Actor) error {
	return s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewDelete().Model((*Session)(nil)).Where("id = ?", actor.SessionID).Exec(ctx); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, actor, Audit{Action: "session.logout", ObjectType: "account", ObjectID: actor.ID()})
	})
}

// ListSessions lists the actor's own live sessions, newest first.
func (s *Store) ListSessions(ctx context.Context, actor Actor) ([]Session, error) {
	out := []Session{}
	now := s.now()
	err := s.read.NewSelect().Model(&out).Where("account_id = ?", actor.ID()).
		Where("expires_at > ?", now).Where("last_seen_at > ?", now.Add(-s.policy.SessionIdle)).
		OrderExpr("created_at DESC").Scan(ctx)
	for i := range out {
		out[i].Current = out[i].ID == actor.SessionID
	}
	return out, err
}

// EndSession ends one of the actor's own sessions; another's is not found.
func (s *Store) EndSession(ctx context.Context, actor Actor, id string) error {
	return s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewDelete().Model((*Session)(nil)).Where("id = ? AND account_id = ?", id, actor.ID()).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return s.appendAudit(ctx, tx, actor, Audit{Action: "session.ended", ObjectType: "account", ObjectID: actor.ID()})
	})
}
