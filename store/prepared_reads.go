package store

import (
	"context"
	"database/sql"

	"github.com/uptrace/bun"
)

// The hot reads — the session behind every request, the case file behind
// every case-file route and its people, a person's list — are fixed texts
// prepared once, on the read pool and on the writer (for the write
// transactions that read a case file first): a profile of GET /api/cases/{id}
// showed SQLite parsing the SQL bun writes afresh for each query as the
// largest cost of a request.
var preparedReads = []string{
	sqlAuthenticate,
	sqlCaseForAdmin, sqlCaseForEditor, sqlCaseForReader,
	sqlPeople,
	sqlGrantPageEditor, sqlGrantPageReader, sqlGrantTotalEditor, sqlGrantTotalReader,
}

// sqlAuthenticate reads the session behind a token with its account.
const sqlAuthenticate = `SELECT s.id, s.account_id, s.created_at, s.last_seen_at, s.expires_at,
	a.id, a.email, a.email_key, a.name, a.role, a.status, a.locale, a.password_hash,
	a.pledge_signed_at, a.failed_logins, a.created_at, a.updated_at
	FROM sessions AS s JOIN accounts AS a ON a.id = s.account_id WHERE s.token_hash = ?`

// query runs a read with placeholders: through the statement prepared for
// the read pool, or bound to db's write transaction, or (not prepared)
// through bun.
func (s *Store) query(ctx context.Context, db bun.IDB, query string, args ...any) (*sql.Rows, error) {
	args = bindArgs(args)
	switch d := db.(type) {
	case bun.Tx:
		if st := s.wreads.Load().m[query]; st != nil {
			return d.Tx.StmtContext(ctx, st).QueryContext(ctx, args...)
		}
	case *bun.DB:
		if d == s.read {
			if st := s.rreads.Load().m[query]; st != nil {
				return st.QueryContext(ctx, args...)
			}
		}
	}
	return db.QueryContext(ctx, query, args...)
}

// queryOne scans the first row into dest (a model, a struct or a value);
// no row is sql.ErrNoRows.
func (s *Store) queryOne(ctx context.Context, db bun.IDB, dest any, query string, args ...any) error {
	rows, err := s.query(ctx, db, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := s.read.ScanRow(ctx, rows, dest); err != nil {
		return err
	}
	for rows.Next() {
	}
	return rows.Err()
}

// queryRow scans the first row into dest by hand, like database/sql's
// Scan: for the hottest reads, where bun's reflection showed in profiles.
// No row is sql.ErrNoRows.
func (s *Store) queryRow(ctx context.Context, db bun.IDB, query string, args []any, dest ...any) error {
	rows, err := s.query(ctx, db, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	return rows.Close()
}

// queryAll scans every row into dest, a pointer to a slice.
func (s *Store) queryAll(ctx context.Context, db bun.IDB, dest any, query string, args ...any) error {
	rows, err := s.query(ctx, db, query, args...)
	if err != nil {
		return err
	}
	return s.read.ScanRows(ctx, rows, dest)
}

// reprepare refreshes the prepared reads, after migrations created the
// tables they read.
func (s *Store) reprepare(ctx context.Context) {
	s.rreads.Swap(prepareAll(ctx, s.read.DB, preparedReads)).close()
	s.wreads.Swap(prepareAll(ctx, s.write.DB, preparedReads)).close()
}
