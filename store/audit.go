package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"cloison/store/engine"
)

// AuditEntry is one append-only record of a change or an admin intervention.
// Each entry's Hash covers its own fields and the previous entry's hash, so
// altering or removing a row breaks the chain from there on.
type AuditEntry struct {
	bun.BaseModel `bun:"table:audit_entries"`

	ID         int64     `bun:"id,pk,autoincrement" json:"id"`
	At         time.Time `bun:"at" json:"at"`
	ActorID    string    `bun:"actor_id" json:"actor_id"`
	Action     string    `bun:"action" json:"action"`
	ObjectType string    `bun:"object_type" json:"object_type"`
	ObjectID   string    `bun:"object_id" json:"object_id"`
	Reason     string    `bun:"reason" json:"reason"`
	ClientIP   string    `bun:"client_ip" json:"client_ip"`
	Details    string    `bun:"details" json:"details,omitempty"`
	PrevHash   string    `bun:"prev_hash" json:"-"`
	Hash       string    `bun:"hash" json:"-"`
}

// genesisHash is the prev_hash of the first entry.
const genesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// Audit describes an entry to append; the store fills in time, actor and hashes.
type Audit struct {
	Action     string
	ObjectType string
	ObjectID   string
	Reason     string
	Details    map[string]any
}

// entryDigest is the canonical content hashed for an entry. Field order is
// fixed by the struct, so the digest does not depend on map ordering.
func entryDigest(e *AuditEntry) string {
	canon, _ := json.Marshal(struct {
		ID         int64  `json:"id"`
		At         string `json:"at"`
		ActorID    string `json:"actor_id"`
		Action     string `json:"action"`
		ObjectType string `json:"object_type"`
		ObjectID   string `json:"object_id"`
		Reason     string `json:"reason"`
		ClientIP   string `json:"client_ip"`
		Details    string `json:"details"`
	}{e.ID, e.At.UTC().Format(time.RFC3339Nano), e.ActorID, e.Action, e.ObjectType, e.ObjectID, e.Reason, e.ClientIP, e.Details})
	sum := sha256.Sum256(append([]byte(e.PrevHash+"\n"), canon...))
	return hex.EncodeToString(sum[:])
}

// The end of the chain, and new links: one at a time in the hot path, many
// to a statement in a bulk load.
var (
	sqlLastAudit = statements.Write("SELECT id, hash FROM audit_entries ORDER BY id DESC LIMIT 1")
	auditBulk    = engine.BulkInsert{Head: `INSERT INTO audit_entries (id, at, actor_id, action, object_type, object_id, reason,
		client_ip, details, prev_hash, hash) VALUES `, Row: "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"}
	sqlInsertAudit = statements.Write(auditBulk.One())
)

// auditTail reads the end of the chain in tx: the last entry's id and hash,
// or 0 and genesisHash when the log is empty.
func (s *Store) auditTail(ctx context.Context, tx bun.IDB) (id int64, hash string, err error) {
	err = s.db.QueryRow(ctx, tx, sqlLastAudit, nil, &id, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, genesisHash, nil
	}
	if err != nil {
		return 0, "", fmt.Errorf("audit: last entry: %w", err)
	}
	return id, hash, nil
}

// link gives e, which follows the entry (prevID, prev), its id, its link
// and its hash, and returns its columns in auditBulk's order.
func (e *AuditEntry) link(prevID int64, prev string) []any {
	e.ID, e.PrevHash = prevID+1, prev
	e.Hash = entryDigest(e)
	return []any{e.ID, e.At, e.ActorID, e.Action, e.ObjectType, e.ObjectID, e.Reason, e.ClientIP, e.Details, e.PrevHash, e.Hash}
}

// appendAudit writes one entry inside tx, chained to the last one. It must run in
// the write transaction of the change it records, so both land or neither.
func (s *Store) appendAudit(ctx context.Context, tx bun.IDB, actor Actor, a Audit) error {
	lastID, lastHash, err := s.auditTail(ctx, tx)
	if err != nil {
		return err
	}
	var details string
	if len(a.Details) > 0 {
		b, err := json.Marshal(a.Details)
		if err != nil {
			return fmt.Errorf("audit: details: %w", err)
		}
		details = string(b)
	}
	e := &AuditEntry{At: s.now(), ActorID: actor.ID(), Action: a.Action,
		ObjectType: a.ObjectType, ObjectID: a.ObjectID, Reason: a.Reason,
		ClientIP: actor.ClientIP, Details: details}
	if err := s.db.Exec(ctx, tx, sqlInsertAudit, e.link(lastID, lastHash)...); err != nil {
		return fmt.Errorf("audit: insert: %w", err)
	}
	return nil
}

// AppendAuditEntries chains entries, in order, to the end of the audit log
// as appendAudit does one at a time (reading the end once), and writes them
// many to a statement, in tx: a transaction of a bulk load (see
// engine.Bulk.InTx), whose entries say what the load wrote. It fills in
// each entry's id, time and hashes.
func (s *Store) AppendAuditEntries(ctx context.Context, tx bun.Tx, entries []AuditEntry) error {
	lastID, prev, err := s.auditTail(ctx, tx)
	if err != nil {
		return err
	}
	at := s.now()
	rows := make([][]any, len(entries))
	for i := range entries {
		e := &entries[i]
		e.At = at
		rows[i] = e.link(lastID+int64(i), prev)
		prev = e.Hash
	}
	if err := s.db.InsertRows(ctx, tx, auditBulk, rows); err != nil {
		return fmt.Errorf("audit: insert: %w", err)
	}
	return nil
}

// AuditVerification is the result of walking the chain.
type AuditVerification struct {
	OK      bool  `json:"ok"`
	Entries int64 `json:"entries"`
	// BrokenAt is the id of the first entry whose hash or link does not match.
	BrokenAt int64  `json:"broken_at,omitempty"`
	Problem  string `json:"problem,omitempty"`
}

// VerifyAudit recomputes every hash in order and reports the first break.
func (s *Store) VerifyAudit(ctx context.Context) (AuditVerification, error) {
	rows, err := s.read.NewSelect().Model((*AuditEntry)(nil)).OrderExpr("id ASC").Rows(ctx)
	if err != nil {
		return AuditVerification{}, err
	}
	defer rows.Close()
	prev, expectID, n := genesisHash, int64(1), int64(0)
	for rows.Next() {
		var e AuditEntry
		if err := s.read.ScanRow(ctx, rows, &e); err != nil {
			return AuditVerification{}, err
		}
		n++
		switch {
		case e.ID != expectID:
			return AuditVerification{Entries: n, BrokenAt: e.ID, Problem: "entry " + strconv.FormatInt(expectID, 10) + " is missing"}, nil
		case e.PrevHash != prev:
			return AuditVerification{Entries: n, BrokenAt: e.ID, Problem: "link to the previous entry does not match"}, nil
		case entryDigest(&e) != e.Hash:
			return AuditVerification{Entries: n, BrokenAt: e.ID, Problem: "content does not match its hash"}, nil
		}
		prev, expectID = e.Hash, e.ID+1
	}
	if err := rows.Err(); err != nil {
		return AuditVerification{}, err
	}
	return AuditVerification{OK: true, Entries: n}, nil
}

// AuditFilter narrows the audit log: by acting account id, action (exact, or
// a prefix ending in "." such as "account."), object id, and a time range.
type AuditFilter struct {
	Actor  string
	Action string
	Object string
	Since  *time.Time
	Until  *time.Time
}

// ListAudit returns audit entries to an admin, newest first.
func (s *Store) ListAudit(ctx context.Context, actor Actor, f AuditFilter, p Page) ([]AuditEntry, int64, error) {
	if err := requireRole(actor, RoleAdmin); err != nil {
		return nil, 0, err
	}
	var out []AuditEntry
	q := s.read.NewSelect().Model(&out)
	if f.Actor != "" {
		q = q.Where("actor_id = ?", f.Actor)
	}
	switch {
	case strings.HasSuffix(f.Action, "."):
		q = q.Where("action LIKE ? ESCAPE '\\'", escapeLike(f.Action)+"%")
	case f.Action != "":
		q = q.Where("action = ?", f.Action)
	}
	if f.Object != "" {
		q = q.Where("object_id = ?", f.Object)
	}
	if f.Since != nil {
		q = q.Where("at >= ?", f.Since.UTC())
	}
	if f.Until != nil {
		q = q.Where("at < ?", f.Until.UTC())
	}
	n, err := q.OrderExpr("id DESC").Limit(p.limit()).Offset(p.offset()).ScanAndCount(ctx)
	return out, n, err
}

// VerifyAuditAs is VerifyAudit for the API: a superadmin's check.
func (s *Store) VerifyAuditAs(ctx context.Context, actor Actor) (AuditVerification, error) {
	if err := requireRole(actor, RoleSuperadmin); err != nil {
		return AuditVerification{}, err
	}
	return s.VerifyAudit(ctx)
}
