package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

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
	sqlAdminPage, sqlAdminPageStatus, sqlAdminTotal, sqlAdminTotalStatus,
	sqlSearchOwnEditor, sqlSearchOwnReader,
}

// sqlAuthenticate reads the session behind a token with its account; its
// times come as text (see timeText).
const sqlAuthenticate = `SELECT s.id, s.account_id, +s.created_at, +s.last_seen_at, +s.expires_at,
	a.id, a.email, a.email_key, a.name, a.role, a.status, a.locale, a.password_hash,
	+a.pledge_signed_at, a.failed_logins, +a.created_at, +a.updated_at
	FROM sessions AS s JOIN accounts AS a ON a.id = s.account_id WHERE s.token_hash = ?`

// timeText scans a time selected as +column: the unary plus takes away the
// column's declared type, so the driver hands the text over instead of
// trying its list of layouts (the first of which never fits what the store
// writes), which was a sixth of the cost of a list. It is parsed here with
// the one layout the store writes.
type timeText struct{ t *time.Time }

// Scan implements sql.Scanner.
func (x timeText) Scan(src any) error {
	t, ok, err := parseTimeValue(src)
	if err != nil || !ok {
		return err
	}
	*x.t = t
	return nil
}

// timeTextOrNil is timeText for a column that may be NULL.
type timeTextOrNil struct{ t **time.Time }

// Scan implements sql.Scanner.
func (x timeTextOrNil) Scan(src any) error {
	t, ok, err := parseTimeValue(src)
	if err != nil {
		return err
	}
	*x.t = nil
	if ok {
		*x.t = &t
	}
	return nil
}

func parseTimeValue(src any) (time.Time, bool, error) {
	var text string
	switch v := src.(type) {
	case nil:
		return time.Time{}, false, nil
	case time.Time:
		return v.UTC(), true, nil
	case string:
		text = v
	case []byte:
		text = string(v)
	default:
		return time.Time{}, false, fmt.Errorf("store: a time read as %T", src)
	}
	if t, ok := parseUTCText(text); ok {
		return t, true, nil
	}
	t, err := time.Parse(sqlTime, text)
	if err != nil {
		if t, err = time.Parse(time.RFC3339Nano, text); err != nil {
			return time.Time{}, false, fmt.Errorf("store: a time read as %q", text)
		}
	}
	return t.UTC(), true, nil
}

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

// firstRow runs a read and moves to its first row; no row is
// sql.ErrNoRows. The caller closes the rows.
func (s *Store) firstRow(ctx context.Context, db bun.IDB, query string, args []any) (*sql.Rows, error) {
	rows, err := s.query(ctx, db, query, args...)
	if err != nil {
		return nil, err
	}
	if !rows.Next() {
		err := rows.Err()
		rows.Close()
		if err == nil {
			err = sql.ErrNoRows
		}
		return nil, err
	}
	return rows, nil
}

// queryOne scans the first row into dest (a model, a struct or a value);
// no row is sql.ErrNoRows.
func (s *Store) queryOne(ctx context.Context, db bun.IDB, dest any, query string, args ...any) error {
	rows, err := s.firstRow(ctx, db, query, args)
	if err != nil {
		return err
	}
	defer rows.Close()
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
	rows, err := s.firstRow(ctx, db, query, args)
	if err != nil {
		return err
	}
	defer rows.Close()
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

// parseUTCText reads the layout the store writes its UTC times in,
// "2006-01-02 15:04:05.999+00:00" (any number of fractional digits), by
// position: a list reads two times per row, and time.Parse showed in its
// profile. Anything else is left to time.Parse (ok false).
func parseUTCText(s string) (time.Time, bool) {
	n := len(s)
	if n < 25 || s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' || s[16] != ':' || s[n-6:] != "+00:00" {
		return time.Time{}, false
	}
	num := func(from, to int) (int, bool) {
		v := 0
		for i := from; i < to; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	year, ok1 := num(0, 4)
	month, ok2 := num(5, 7)
	day, ok3 := num(8, 10)
	hour, ok4 := num(11, 13)
	minute, ok5 := num(14, 16)
	sec, ok6 := num(17, 19)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || month < 1 || month > 12 || day < 1 || day > 31 ||
		hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	nsec := 0
	if rest := s[19 : n-6]; rest != "" {
		if rest[0] != '.' || len(rest) < 2 || len(rest) > 10 {
			return time.Time{}, false
		}
		frac, ok := num(20, n-6)
		if !ok {
			return time.Time{}, false
		}
		for i := len(rest) - 1; i < 9; i++ {
			frac *= 10
		}
		nsec = frac
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	if t.Day() != day { // 31 February and the like
		return time.Time{}, false
	}
	return t, true
}
