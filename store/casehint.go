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
// session check afresh together with the case file through the grant part
// of the rule, whose arguments (the account and what it edits for) come
// from the hint. The hint is never an answer: the statement's own session
// check must show the same session, account, role, status and scope as the
// hint, or what it read is dropped and the request goes the usual way
// (ErrHintStale). Both parts are read in one statement, on one snapshot, so
// a logout, a block or an ended membership on any instance is seen as
// surely as by the usual two statements.

// SessionHint is what the last session check of a token on this instance
// read: a guess at the caller, checked by GetCaseByHint.
type SessionHint struct {
	hash []byte
	read sessionRead
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

// ErrHintStale is GetCaseByHint's answer when its session check does not
// show what the hint guessed (or shows no live session): the caller checks
// the session and reads the case file the usual way.
var ErrHintStale = errors.New("store: session hint stale")

// HintFor gives the hint kept for a token, or nil (always on SQLite, whose
// session checks are kept outright).
func (s *Store) HintFor(tok string) *SessionHint {
	if s.hints == nil || tok == "" {
		return nil
	}
	hash := hashSecret(tok)
	read, ok := s.hints.hint(string(hash))
	if !ok {
		return nil
	}
	return &SessionHint{hash: hash, read: read, scope: scopeFrom(&read.acc, read.members, read.inspects)}
}

// sqlCaseByHint is sqlAuthenticate's session check and, beside it, the
// case file's page through the grant part of the rule for the account and
// scope a hint gives (sqlCaseForGrants), empty when it finds none.
var sqlCaseByHint = statements.PostgresRead(`SELECT ` + authColumns + `, x.* ` + authFrom + `
	LEFT JOIN LATERAL (` + sqlCaseForGrants.people + `) AS x ON TRUE WHERE s.token_hash = ?`)

// GetCaseByHint is GetCase for the holder of the hint's token, with the
// session checked in the same statement: the account and session it
// checked, and the case file's page or GetCase's error. ErrHintStale means
// the session check did not confirm the hint, and nothing else was decided.
func (s *Store) GetCaseByHint(ctx context.Context, h *SessionHint, clientIP, id string) (*CaseDetail, *Account, *Session, error) {
	guess, sc := h.read, h.scope
	if !sc.Active || sc.All {
		// Instance admins read through another form (sqlCaseForAll).
		return nil, nil, nil, ErrHintStale
	}
	now := s.now()
	args := append([]any{now, now, now, id}, liveGrantArgs(guess.acc.ID, sc, now)...)
	rows, err := s.db.Query(ctx, s.read, sqlCaseByHint, append(args, h.hash)...)
	if err != nil {
		return nil, nil, nil, err
	}
	sess, acc := new(Session), new(Account)
	var m, in sql.NullString
	var until *time.Time
	found, n, err := scanCaseRows(rows, true, authFields(sess, acc, &m, &in, &until), orNull)
	if err != nil {
		return nil, nil, nil, err
	}
	if n == 0 || sess.ID != guess.sess.ID || acc.ID != guess.acc.ID || acc.Role != guess.acc.Role ||
		acc.Status != guess.acc.Status || m.String != guess.members || in.String != guess.inspects {
		// No such session any more, or not the one guessed: the grant part
		// was read for someone else's scope.
		return nil, nil, nil, ErrHintStale
	}
	members, inspects := m.String, in.String
	s.hints.put(string(h.hash), 0, now, time.Time{}, sessionRead{sess: *sess, acc: *acc, members: members, inspects: inspects})
	if acc, sess, err = s.admit(ctx, now, sess, acc, members, inspects); err != nil {
		if errors.Is(err, ErrUnauthenticated) {
			// Expired, idle or no longer active: the usual way says so.
			err = ErrHintStale
		}
		return nil, nil, nil, err
	}
	actor := Actor{Account: acc, ClientIP: clientIP, SessionID: sess.ID}
	c, rel, people, err := s.caseReadAfter(ctx, s.read, actor, id, false, true, &found)
	if err != nil {
		return nil, acc, sess, err
	}
	d, err := s.detailOf(actor, c, rel, func() ([]Person, []Collaborator, error) {
		return peopleFromJSON(people, rel.manager())
	})
	return d, acc, sess, err
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
