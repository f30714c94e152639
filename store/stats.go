package store

import "context"

// Analyze refreshes the planner's statistics (sqlite_stat1) after a bulk
// change such as a seed. It keeps no STAT4 samples: with samples, SQLite
// re-plans a prepared statement every time a new value is bound to a column
// they cover, so every request would parse and plan its SQL again (a profile
// of GET /api/cases/{id} at a million case files showed 37 % of the time in
// sqlite3Reprepare). The per-index averages of sqlite_stat1 are all the
// planner needs for Cloison's queries, whose shapes are fixed.
func (s *Store) Analyze(ctx context.Context) error {
	for _, q := range []string{
		"ANALYZE",
		"DELETE FROM sqlite_stat4",
		// Makes every connection reload the statistics, now without samples.
		"ANALYZE sqlite_schema",
	} {
		if _, err := s.write.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// dropStat4 removes samples an earlier Analyze (or an operator's ANALYZE)
// left, for the reason Analyze gives; it runs when the store is migrated.
func (s *Store) dropStat4(ctx context.Context) error {
	var n int
	if err := s.write.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema WHERE name = 'sqlite_stat4'").Scan(&n); err != nil || n == 0 {
		return err
	}
	if err := s.write.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_stat4").Scan(&n); err != nil || n == 0 {
		return err
	}
	for _, q := range []string{"DELETE FROM sqlite_stat4", "ANALYZE sqlite_schema"} {
		if _, err := s.write.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}
