package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/uptrace/bun"
)

// bun writes every argument into the SQL text, so SQLite parses and plans
// each statement anew: on the hot write path (creating a case file, its
// grant, event and audit entry) parsing cost more than executing. The
// statements below are prepared once with real placeholders and reused.

// stmtCache holds statements prepared on the writer when the store opens,
// keyed by their text. They must be prepared then: the writer has a single
// connection, which a transaction holds while it runs.
type stmtCache struct {
	m map[string]*sql.Stmt
}

// Hot write statements. Each is prepared on the writer at Open.
const (
	sqlCountDown   = "UPDATE case_counts SET n = n - 1 WHERE status = ?"
	sqlCountUp     = "UPDATE case_counts SET n = n + 1 WHERE status = ?"
	sqlInsertGrant = `INSERT INTO grants (id, case_id, account_id, kind, major, starts_at, ends_at, revoked_at,
		revoked_why, granted_by, invited_email, token_hash, token_expires, created_at)
		VALUES (?, ?, ?, ?, 0, ?, NULL, NULL, '', ?, '', NULL, NULL, ?)`
	sqlInsertEvent = `INSERT INTO case_events (case_id, at, actor_id, kind, from_status, to_status, comment, fields)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
	sqlInsertNote  = `INSERT INTO notes (id, case_id, author_id, body, created_at) VALUES (?, ?, ?, ?, ?)`
	sqlNoteSearch  = `UPDATE case_search SET notes = notes || char(10) || ? WHERE rowid = (SELECT rowid FROM cases WHERE id = ?)`
	sqlLastAudit   = "SELECT id, hash FROM audit_entries ORDER BY id DESC LIMIT 1"
	sqlInsertAudit = `INSERT INTO audit_entries (id, at, actor_id, action, object_type, object_id, reason,
		client_ip, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
)

var preparedWrites = []string{sqlInsertNewCase, sqlCountDown, sqlCountUp,
	sqlInsertGrant, sqlInsertEvent, sqlInsertNote, sqlNoteSearch, sqlLastAudit, sqlInsertAudit}

// prepareAll prepares queries on db. A statement that fails to prepare (a
// database not yet migrated) is left out: its callers then go through bun,
// exactly as before.
func prepareAll(ctx context.Context, db *sql.DB, queries []string) *stmtCache {
	c := &stmtCache{m: map[string]*sql.Stmt{}}
	for _, q := range queries {
		if st, err := db.PrepareContext(ctx, q); err == nil {
			c.m[q] = st
		}
	}
	return c
}

func (c *stmtCache) close() {
	if c == nil {
		return
	}
	for _, st := range c.m {
		st.Close()
	}
}

// sqlTime is how bun writes a time into SQL; prepared arguments use the
// same text so that stored times compare and sort alike whichever way they
// were written.
const sqlTime = "2006-01-02 15:04:05.999999-07:00"

// bindArgs turns times into bun's text form.
func bindArgs(args []any) []any {
	for i, a := range args {
		switch v := a.(type) {
		case time.Time:
			args[i] = v.UTC().Format(sqlTime)
		case *time.Time:
			if v == nil {
				args[i] = nil
			} else {
				args[i] = v.UTC().Format(sqlTime)
			}
		}
	}
	return args
}

// txStmt returns the cached statement bound to db's transaction, or nil when
// db is not a write transaction (the caller then lets bun run the query).
func (s *Store) txStmt(ctx context.Context, db bun.IDB, query string) (*sql.Stmt, error) {
	tx, ok := db.(bun.Tx)
	if !ok {
		return nil, nil
	}
	st := s.wstmts.Load().m[query]
	if st == nil {
		return nil, nil
	}
	return tx.Tx.StmtContext(ctx, st), nil
}

// execPrepared runs a write statement with placeholders in db's transaction.
func (s *Store) execPrepared(ctx context.Context, db bun.IDB, query string, args ...any) error {
	st, err := s.txStmt(ctx, db, query)
	if err != nil {
		return err
	}
	if st == nil {
		_, err = db.NewRaw(query, args...).Exec(ctx)
		return err
	}
	_, err = st.ExecContext(ctx, bindArgs(args)...)
	return err
}

// queryRowPrepared reads one row with placeholders in db's transaction.
func (s *Store) queryRowPrepared(ctx context.Context, db bun.IDB, query string, args []any, dest ...any) error {
	st, err := s.txStmt(ctx, db, query)
	if err != nil {
		return err
	}
	if st == nil {
		return db.QueryRowContext(ctx, query, args...).Scan(dest...)
	}
	return st.QueryRowContext(ctx, bindArgs(args)...).Scan(dest...)
}
