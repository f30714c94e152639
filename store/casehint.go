package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// A case file by id in one round trip on PostgreSQL.
//
// Every request checks its session (sqlAuthenticate), and a case file's page
// is then one more statement (caseRead). On SQLite the session check is
// kept between requests (keptReads); on PostgreSQL, where other instances
// write too, it cannot be, and each statement is a round trip whose
// protocol, wake-ups and executor cost both processes about as much as the
// statement's work: with the session check alone taken away, a get by id
// cost half as much CPU (README, "Where a PostgreSQL get by id goes").
//
// So on PostgreSQL each instance remembers, per token, the last session
// check it made (a hint), and a get by id runs one statement that reads the
// case file through the grant part of the rule, whose arguments (the account
// and what it edits for) come from the hint, and beside it the stamp of the
// last write that changes what a session check reads (sessionChanges, set to
// a new random value by PostgreSQL's triggers, migration 071). The hint was
// read with the stamp, in the same statement as its session check: the same
// stamp now means no such write was committed in between, on any instance,
// and the hint is what a session check would read now but for what depends
// on the hour, which is checked here as every session check checks it (the
// session's expiry and idle time, the account's memberships' next start or
// end). Another stamp drops what the statement read, and the request goes
// the usual way (ErrHintStale), which makes a new hint. The stamp and the
// case file are read in one statement, on one snapshot: a logout, a block or
// an ended membership on any instance is seen as surely as by the usual two
// statements. Reading the session, the account and its scope again in the
// statement instead, as it did first, cost it about a third of its time.

// SessionHint is what the last session check of a token on this instance
// read: a guess at the caller, checked by GetCaseByHint.
type SessionHint struct {
	hash []byte
	read sessionRead
	// until is the next moment one of the account's memberships starts or
	// ends, as read with it (zero: none).
	until time.Time
	// scope is what read expands to (scopeFrom), at the moment HintFor ran.
	scope *Scope
}

// Account is the account the hint guesses, with the role a session check
// would give it, for what is decided before the check (whether a second
// factor is due); nothing visible rests on it.
func (h *SessionHint) Account() *Account {
	acc := h.read.acc
	acc.Role = h.scope.effectiveRole(acc.Role)
	return &acc
}

// ErrHintStale is GetCaseByHint's answer when the hint may no longer be what
// a session check reads (or reads no live session): the caller checks the
// session and reads the case file the usual way.
var ErrHintStale = errors.New("store: session hint stale")

// HintFor gives the hint kept for a token, or nil (always on SQLite, whose
// session checks are kept outright).
func (s *Store) HintFor(tok string) *SessionHint {
	if s.hints == nil || tok == "" {
		return nil
	}
	hash := hashSecret(tok)
	read, until, ok := s.hints.hint(string(hash))
	if !ok {
		return nil
	}
	return &SessionHint{hash: hash, read: read, until: until, scope: scopeFrom(&read.acc, read.members, read.inspects)}
}

// sqlCaseByHint is the stamp of the last write that changes what a session
// check reads and, beside it, the case file's page through the grant part of the
// rule for the account and scope a hint gives (sqlCaseForGrants), empty when
// it finds none.
var sqlCaseByHint = statements.PostgresRead(`SELECT ` + sessionChanges + `, x.* FROM (SELECT 1) AS one
	LEFT JOIN LATERAL (` + sqlCaseForGrants.people + `) AS x ON TRUE`)

// GetCaseByHint is GetCase for the holder of the hint's token, with the
// hint confirmed in the same statement: the account and session it
// confirmed, and the case file's page or GetCase's error. ErrHintStale means
// the hint was not confirmed, and nothing else was decided.
func (s *Store) GetCaseByHint(ctx context.Context, h *SessionHint, clientIP, id string) (*CaseDetail, *Account, *Session, error) {
	guess, sc := h.read, h.scope
	now := s.now()
	if !sc.Active || sc.All || (!h.until.IsZero() && !now.Before(h.until)) {
		// Instance admins read through another form (sqlCaseForAll); a
		// membership that started or ended since changes the scope.
		return nil, nil, nil, ErrHintStale
	}
	args := append([]any{now, id}, liveGrantArgs(guess.acc.ID, sc, now)...)
	rows, err := s.db.Query(ctx, s.read, sqlCaseByHint, args...)
	if err != nil {
		return nil, nil, nil, err
	}
	var changes sql.NullString
	found, _, err := scanCaseRows(rows, true, []any{&changes}, orNull)
	if err != nil {
		return nil, nil, nil, err
	}
	if changes.String != guess.changes {
		// Something a session check reads was written since the hint:
		// the grant part was read for a scope that may be gone.
		return nil, nil, nil, ErrHintStale
	}
	admitted, checked, err := s.admitRead(ctx, string(h.hash), now, h.until, guess)
	if err != nil {
		if errors.Is(err, ErrUnauthenticated) {
			// Expired, idle or no longer active: the usual way says so.
			err = ErrHintStale
		}
		return nil, nil, nil, err
	}
	actor := Actor{Account: admitted, ClientIP: clientIP, SessionID: checked.ID}
	c, rel, people, err := s.caseReadAfter(ctx, s.read, actor, id, false, true, &found)
	if err != nil {
		return nil, admitted, checked, err
	}
	d, err := s.detailOf(actor, c, rel, func() ([]Person, []Collaborator, error) {
		return peopleFromJSON(people, rel.manager())
	})
	return d, admitted, checked, err
}

// orNull wraps a scan destination of caseFields and readCase so that a NULL
// (the LEFT JOIN's empty side) leaves it as it is.
func orNull(dest any) any {
	switch d := dest.(type) {
	case sql.Scanner:
		return scanUnlessNull{d}
	case *string:
		return nullable[string]{d}
	case **string:
		return nullable[*string]{d}
	case *int64:
		return nullable[int64]{d}
	case *int:
		return nullable[int]{d}
	case *bool:
		return nullable[bool]{d}
	}
	panic(fmt.Sprintf("store: orNull: no case for %T", dest))
}

type scanUnlessNull struct{ sql.Scanner }

// Scan implements sql.Scanner.
func (x scanUnlessNull) Scan(src any) error {
	if src == nil {
		return nil
	}
	return x.Scanner.Scan(src)
}

type nullable[T any] struct{ p *T }

// Scan implements sql.Scanner, converting as database/sql does.
func (x nullable[T]) Scan(src any) error {
	if src == nil {
		return nil
	}
	var v sql.Null[T]
	if err := v.Scan(src); err != nil {
		return err
	}
	*x.p = v.V
	return nil
}
