package store

import (
	"context"
	"time"
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
