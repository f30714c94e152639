package store

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/uptrace/bun"
)

// Doors for the tests of package store_test, which fill their stores with
// store/seed (which package store may not import, since the seed imports
// it): what they compare lies inside.

// SearchOwn is searchOwn.
func (s *Store) SearchOwn(ctx context.Context, actor Actor, f CaseFilter, p Page, now time.Time) ([]CaseSummary, int64, bool, error) {
	sc, err := s.scopeOf(ctx, actor)
	if err != nil {
		return nil, 0, false, err
	}
	return s.searchOwn(ctx, actor.ID(), sc, f, p, now)
}

// ListByPredicate is listByPredicate.
func (s *Store) ListByPredicate(ctx context.Context, actor Actor, f CaseFilter, p Page, now time.Time) ([]CaseSummary, int64, error) {
	sc, err := s.scopeOf(ctx, actor)
	if err != nil {
		return nil, 0, err
	}
	return s.listByPredicate(ctx, actor.ID(), sc, f, p, now)
}

// ListFromGrants is listFromGrants.
func (s *Store) ListFromGrants(ctx context.Context, actor Actor, f CaseFilter, p Page, now time.Time) ([]CaseSummary, int64, error) {
	sc, err := s.scopeOf(ctx, actor)
	if err != nil {
		return nil, 0, err
	}
	return s.listFromGrants(ctx, actor.ID(), sc, f, p, now)
}

// ListForAdmin is listForAdmin.
func (s *Store) ListForAdmin(ctx context.Context, f CaseFilter, p Page) ([]CaseSummary, int64, error) {
	return s.listForAdmin(ctx, f, p)
}

// SetClock replaces the store's clock.
func (s *Store) SetClock(now func() time.Time) { s.now = now }

// SetComposer gives the store a composer of e-mails.
func (s *Store) SetComposer(c Composer) { s.composer = c }

// TestComposer renders predictable e-mails (see outboxTestComposer).
var TestComposer Composer = outboxTestComposer{}

// SetSearchOwnMax changes searchOwnMax until restore is called.
func SetSearchOwnMax(n int64) (restore func()) {
	was := searchOwnMax
	searchOwnMax = n
	return func() { searchOwnMax = was }
}

// OpenTestSession opens a session of an account directly, as Login does
// after the password, and returns its bearer token.
func (s *Store) OpenTestSession(ctx context.Context, accountID string) (string, error) {
	tok, hash := newSecret()
	now := s.now()
	err := s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewInsert().Model(&Session{ID: newID(), TokenHash: hash, AccountID: accountID, CreatedAt: now,
			LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}).Exec(ctx)
		return err
	})
	return tok, err
}

// LoadScope is loadScope: the scope read on its own, as for an actor made
// outside a request. It carries the stamp of writes of acc's session check,
// if any, so that comparing the two compares what they reach.
func (s *Store) LoadScope(ctx context.Context, acc *Account) (*Scope, error) {
	sc, err := s.loadScope(ctx, s.read, acc, s.now())
	if err == nil && acc.scope != nil {
		sc.changes = acc.scope.changes
	}
	return sc, err
}

// PeopleOf is peopleOf: a case file's people read by their own statement.
func (s *Store) PeopleOf(ctx context.Context, caseID string, withEmail bool) ([]Person, []Collaborator, error) {
	return s.peopleOf(ctx, s.read, caseID, withEmail)
}

// RowsOf is rowsOf: a query's rows, each row's columns joined, sorted.
func RowsOf(t *testing.T, db *sql.DB, q string) []string { return rowsOf(t, db, q) }

// PlannedStatements are the statements the store prepares, and the
// instance admin's page (built per request, and written otherwise on
// PostgreSQL) in every status and every order an index holds: in the
// others (creation date, title) any plan reads every case file to sort
// them.
func PlannedStatements() []string {
	qs := statements.Queries()
	for _, sort := range []string{"", "-updated", "updated", "reference"} {
		qs = append(qs, adminPage(false, sort), adminPage(true, sort))
	}
	return qs
}

// SessionCacheHits counts the session checks served from the cache (0 on
// PostgreSQL, which keeps none).
func (s *Store) SessionCacheHits() int64 { return s.sessions.served() }

// StampReads counts the reads of the session-changes stamp confirmHint
// made, and the session checks that asked for one (both 0 on SQLite).
func (s *Store) StampReads() (reads, asked int64) {
	if s.stamps == nil {
		return 0, 0
	}
	return s.stamps.reads.Load(), s.stamps.callers.Load()
}

// CreationUnitCacheHits counts the creates whose unit and category were
// served from the cache (0 on PostgreSQL).
func (s *Store) CreationUnitCacheHits() int64 { return s.creationUnits.served() }
