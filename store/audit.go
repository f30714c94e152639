package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
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
	// OrgID and UnitID are the scope the entry belongs to ("" for the
	// instance): a scope's admins read its entries, no others.
	OrgID    string `bun:"org_id" json:"org_id,omitempty"`
	UnitID   string `bun:"unit_id" json:"unit_id,omitempty"`
	PrevHash string `bun:"prev_hash" json:"-"`
	Hash     string `bun:"hash" json:"-"`

	// What the entry names, in words, for the person reading the log; set
	// by ListAudit, never stored nor hashed. ActorName is the acting
	// account's name ("" for no one or the system); ObjectLabel the
	// object's name (an account), reference (a case file, a helper's
	// access: its case file's), name (an organisation, a unit) or id (a
	// category); Names the names and references of the accounts and case
	// files its details name, and of its organisation and unit, by id.
	ActorName   string            `bun:"-" json:"actor_name"`
	ObjectLabel string            `bun:"-" json:"object_label"`
	Names       map[string]string `bun:"-" json:"names"`
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
	// OrgID and UnitID place the entry in a scope (see AuditEntry).
	OrgID  string
	UnitID string
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
		// Entries written before scopes existed have none: omitted when
		// empty, their digests are what they were.
		OrgID  string `json:"org_id,omitempty"`
		UnitID string `json:"unit_id,omitempty"`
	}{e.ID, e.At.UTC().Format(time.RFC3339Nano), e.ActorID, e.Action, e.ObjectType, e.ObjectID, e.Reason, e.ClientIP, e.Details,
		e.OrgID, e.UnitID})
	sum := sha256.Sum256(append([]byte(e.PrevHash+"\n"), canon...))
	return hex.EncodeToString(sum[:])
}

// The end of the chain, and new links: one at a time in the hot path, many
// to a statement in a bulk load.
var (
	sqlLastAudit = statements.Write("SELECT id, hash FROM audit_entries ORDER BY id DESC LIMIT 1")
	auditBulk    = statements.Bulk(engine.BulkInsert{Head: `INSERT INTO audit_entries (id, at, actor_id, action, object_type, object_id, reason,
		client_ip, details, org_id, unit_id, prev_hash, hash) VALUES `, Row: "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"})
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
	return []any{e.ID, e.At, e.ActorID, e.Action, e.ObjectType, e.ObjectID, e.Reason, e.ClientIP, e.Details,
		e.OrgID, e.UnitID, e.PrevHash, e.Hash}
}

// appendAudit appends one entry to the chain in tx. It must run in the
// write transaction of the change it records, so both land or neither.
// Inside a batch of writes (InTx) the entry waits for the batch's end
// (auditAtBatchEnd), where the chain's end is read once and every entry the
// batch's successful requests left is linked and written, in the order they
// were appended: reading the end and writing the entry were two round trips
// per write under PostgreSQL's write lock. Nothing reads the log inside a
// write transaction. Elsewhere (tx not InTx's) it is written now.
func (s *Store) appendAudit(ctx context.Context, tx bun.IDB, actor Actor, a Audit) error {
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
		ClientIP: actor.ClientIP, Details: details, OrgID: a.OrgID, UnitID: a.UnitID}
	if t, ok := tx.(bun.Tx); ok {
		return s.db.AtBatchEnd(ctx, t, s.auditAtBatchEnd, e)
	}
	return s.chainAudit(ctx, tx, []*AuditEntry{e})
}

// newAuditAtBatchEnd is the batch's end that appends the entries its
// requests left (see appendAudit). It writes audit entries alone, which no
// session check reads.
func (s *Store) newAuditAtBatchEnd() *engine.BatchWrite {
	return &engine.BatchWrite{LeavesSessions: true, Run: func(ctx context.Context, tx bun.Tx, values []any) error {
		entries := make([]*AuditEntry, len(values))
		for i, v := range values {
			entries[i] = v.(*AuditEntry)
		}
		return s.chainAudit(ctx, tx, entries)
	}}
}

// chainAudit links entries, in order, to the end of the chain in tx and
// writes them: one through the prepared statement, more many to a
// statement.
func (s *Store) chainAudit(ctx context.Context, tx bun.IDB, entries []*AuditEntry) error {
	lastID, prev, err := s.auditTail(ctx, tx)
	if err != nil {
		return err
	}
	rows := make([][]any, len(entries))
	for i, e := range entries {
		rows[i] = e.link(lastID+int64(i), prev)
		prev = e.Hash
	}
	if t, ok := tx.(bun.Tx); ok && len(rows) > 1 {
		err = s.db.InsertRows(ctx, t, auditBulk, rows)
	} else {
		for _, r := range rows {
			if err = s.db.Exec(ctx, tx, sqlInsertAudit, r...); err != nil {
				break
			}
		}
	}
	if err != nil {
		return fmt.Errorf("audit: insert: %w", err)
	}
	return nil
}

// AppendAuditEntries chains entries, in order, to the end of the audit log
// as appendAudit does, and writes them many to a statement, in tx: a
// transaction of a bulk load (see engine.Bulk.InTx), whose entries say what
// the load wrote. It fills in each entry's id, time and hashes.
func (s *Store) AppendAuditEntries(ctx context.Context, tx bun.Tx, entries []AuditEntry) error {
	at := s.now()
	ptrs := make([]*AuditEntry, len(entries))
	for i := range entries {
		entries[i].At = at
		ptrs[i] = &entries[i]
	}
	return s.chainAudit(ctx, tx, ptrs)
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
	return verifyAuditChain(ctx, s.read, s.read)
}

// verifyAuditChain walks the chain as read through db (a transaction not yet
// committed, for migrate-data), its rows scanned by scanner's models.
func verifyAuditChain(ctx context.Context, db bun.IDB, scanner *bun.DB) (AuditVerification, error) {
	rows, err := db.NewSelect().Model((*AuditEntry)(nil)).OrderExpr("id ASC").Rows(ctx)
	if err != nil {
		return AuditVerification{}, err
	}
	defer rows.Close()
	prev, expectID, n := genesisHash, int64(1), int64(0)
	for rows.Next() {
		var e AuditEntry
		if err := scanner.ScanRow(ctx, rows, &e); err != nil {
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
// With ObjectType "case", Object also finds the entries about its helpers.
type AuditFilter struct {
	Actor      string
	Action     string
	Object     string
	ObjectType string
	Since      *time.Time
	Until      *time.Time
}

// ListAudit returns audit entries to an admin, newest first: every entry to
// instance admins, and to the admins of organisations and units the entries
// of their scopes, no others.
func (s *Store) ListAudit(ctx context.Context, actor Actor, f AuditFilter, p Page) ([]AuditEntry, int64, error) {
	if err := requireScopeAdmin(ctx, s, actor); err != nil {
		return nil, 0, err
	}
	sc, err := s.scopeOf(ctx, actor)
	if err != nil {
		return nil, 0, err
	}
	out := []AuditEntry{}
	q := s.read.NewSelect().Model(&out)
	if !sc.All {
		q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			if len(sc.AdminOrgs) > 0 {
				q = q.WhereOr("org_id IN (?)", bun.In(sc.AdminOrgs))
			}
			if len(sc.AdminUnits) > 0 {
				q = q.WhereOr("unit_id IN (?)", bun.In(sc.AdminUnits))
			}
			return q
		})
	}
	if f.Actor != "" {
		q = q.Where("actor_id = ?", f.Actor)
	}
	switch {
	case strings.HasSuffix(f.Action, "."):
		q = q.Where("action LIKE ? ESCAPE '\\'", escapeLike(f.Action)+"%")
	case f.Action != "":
		q = q.Where("action = ?", f.Action)
	}
	switch {
	case f.Object != "" && f.ObjectType == "case":
		q = q.Where("(object_type = 'case' AND object_id = ?) OR (object_type = 'grant' AND json_extract(details, '$.case') = ?)", f.Object, f.Object)
	case f.Object != "" && f.ObjectType != "":
		q = q.Where("object_type = ? AND object_id = ?", f.ObjectType, f.Object)
	case f.Object != "":
		q = q.Where("object_id = ?", f.Object)
	}
	if f.Since != nil {
		q = q.Where("at >= ?", f.Since.UTC())
	}
	if f.Until != nil {
		q = q.Where("at < ?", f.Until.UTC())
	}
	n, err := q.OrderExpr("id DESC").Limit(p.limit()).Offset(p.offset()).ScanAndCount(ctx)
	if err != nil {
		return nil, 0, err
	}
	return out, n, s.nameAudit(ctx, out)
}

// nameAudit puts names on a page of entries: one read per kind of thing
// named (accounts, case files, organisations, units). A case file deleted
// since is named by the reference its deletion recorded.
func (s *Store) nameAudit(ctx context.Context, entries []AuditEntry) error {
	accounts, cases := map[string]string{}, map[string]string{}
	orgs, units := map[string]string{}, map[string]string{}
	details := make([]map[string]any, len(entries))
	for i, e := range entries {
		if e.ActorID != "" {
			accounts[e.ActorID] = ""
		}
		_ = json.Unmarshal([]byte(e.Details), &details[i])
		switch e.ObjectType {
		case "account":
			accounts[e.ObjectID] = ""
		case "case":
			cases[e.ObjectID] = ""
		case "organisation":
			orgs[e.ObjectID] = ""
		case "unit":
			units[e.ObjectID] = ""
		}
		if e.OrgID != "" {
			orgs[e.OrgID] = ""
		}
		if e.UnitID != "" {
			units[e.UnitID] = ""
		}
		for _, id := range auditIDs(details[i], "added", "removed") {
			accounts[id] = ""
		}
		if id, ok := details[i]["account"].(string); ok {
			accounts[id] = ""
		}
		if id, ok := details[i]["case"].(string); ok {
			cases[id] = ""
		}
	}
	for _, l := range []struct {
		table, column string
		labels        map[string]string
	}{{"accounts", "name", accounts}, {"cases", "reference", cases}, {"organisations", "name", orgs}, {"units", "name", units}} {
		if err := s.fillLabels(ctx, l.table, l.column, l.labels); err != nil {
			return fmt.Errorf("audit: %s: %w", l.table, err)
		}
	}
	for i := range entries {
		e, d := &entries[i], details[i]
		e.ActorName = accounts[e.ActorID]
		e.Names = map[string]string{}
		switch e.ObjectType {
		case "account":
			e.ObjectLabel = accounts[e.ObjectID]
		case "case":
			e.ObjectLabel = cases[e.ObjectID]
			if ref, ok := d["reference"].(string); ok && e.ObjectLabel == "" {
				e.ObjectLabel = ref
			}
		case "grant":
			if id, ok := d["case"].(string); ok {
				e.ObjectLabel = cases[id]
			}
		case "category":
			e.ObjectLabel = e.ObjectID
		case "organisation":
			e.ObjectLabel = orgs[e.ObjectID]
		case "unit":
			e.ObjectLabel = units[e.ObjectID]
		}
		for _, id := range auditIDs(d, "added", "removed") {
			e.Names[id] = accounts[id]
		}
		if id, ok := d["account"].(string); ok {
			e.Names[id] = accounts[id]
		}
		if e.OrgID != "" {
			e.Names[e.OrgID] = orgs[e.OrgID]
		}
		if e.UnitID != "" {
			e.Names[e.UnitID] = units[e.UnitID]
		}
		if id, ok := d["case"].(string); ok {
			e.Names[id] = cases[id]
		}
	}
	return nil
}

// fillLabels reads column of the rows of table whose ids are the keys of
// labels into their values; ids found nowhere keep "".
func (s *Store) fillLabels(ctx context.Context, table, column string, labels map[string]string) error {
	if len(labels) == 0 {
		return nil
	}
	var rows []struct {
		ID    string `bun:"id"`
		Label string `bun:"label"`
	}
	if err := s.read.NewSelect().Table(table).Column("id").ColumnExpr("? AS label", bun.Ident(column)).
		Where("id IN (?)", bun.In(slices.Collect(maps.Keys(labels)))).Scan(ctx, &rows); err != nil {
		return err
	}
	for _, r := range rows {
		labels[r.ID] = r.Label
	}
	return nil
}

// auditIDs are the ids listed under keys in an entry's details.
func auditIDs(details map[string]any, keys ...string) []string {
	var out []string
	for _, k := range keys {
		list, _ := details[k].([]any)
		for _, v := range list {
			if id, ok := v.(string); ok {
				out = append(out, id)
			}
		}
	}
	return out
}

// VerifyAuditAs is VerifyAudit for the API: a superadmin's check.
func (s *Store) VerifyAuditAs(ctx context.Context, actor Actor) (AuditVerification, error) {
	if err := requireRole(actor, RoleSuperadmin); err != nil {
		return AuditVerification{}, err
	}
	return s.VerifyAudit(ctx)
}
