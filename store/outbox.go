package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Composer renders one e-mail of a kind, in a locale, from its parameters.
// It is given to the store (see Options) so that e-mails are rendered and
// written in the same transaction as the change that causes them, while the
// templates live outside the store.
type Composer interface {
	Compose(kind, locale string, params map[string]string) (Message, error)
}

// Message is a rendered e-mail: multipart text and HTML.
type Message struct {
	Subject string
	Text    string
	HTML    string
}

// Outbox statuses.
const (
	// OutboxQueued: waiting for its first or next attempt.
	OutboxQueued = "queued"
	// OutboxSent: the SMTP server accepted it.
	OutboxSent = "sent"
	// OutboxPrinted: no SMTP server is configured, so it was printed to the
	// log instead of sent. Stored as "sent" on the "log" channel; the API
	// and the filter call it "printed".
	OutboxPrinted = "printed"
	// OutboxFailed: refused for good, or out of attempts; a superadmin may requeue it.
	OutboxFailed = "failed"
)

// MaxLastErrorLen bounds the error text kept on an outbox row: enough to
// diagnose, not enough for a misbehaving server to bloat the database.
const MaxLastErrorLen = 500

// OutboxMessage is one e-mail in the outbox. Its MessageID never changes, so
// a message sent again after an ambiguous failure is recognisable as the same.
// The bodies are never part of the JSON: the list is for diagnosis, and the
// bodies carry one-time links.
type OutboxMessage struct {
	bun.BaseModel `bun:"table:outbox"`

	ID            string     `bun:"id,pk" json:"id"`
	MessageID     string     `bun:"message_id" json:"message_id"`
	To            string     `bun:"to_addr" json:"to"`
	Subject       string     `bun:"subject" json:"subject"`
	TextBody      string     `bun:"text_body" json:"-"`
	HTMLBody      string     `bun:"html_body" json:"-"`
	Kind          string     `bun:"kind" json:"kind"`
	Status        string     `bun:"status" json:"status"`
	Attempts      int        `bun:"attempts" json:"attempts"`
	LastError     string     `bun:"last_error" json:"last_error"`
	NextAttemptAt time.Time  `bun:"next_attempt_at" json:"next_attempt_at"`
	CreatedAt     time.Time  `bun:"created_at" json:"created_at"`
	SentAt        *time.Time `bun:"sent_at" json:"sent_at"`
	// Channel is where it went: "smtp" or "log" (see OutboxPrinted).
	Channel string `bun:"channel" json:"-"`
	// The one-time link the bodies carry, without its token: the bodies hold
	// LinkPlaceholder where the token goes, minted at each attempt.
	LinkPlaceholder string `bun:"link_placeholder" json:"-"`
	LinkPurpose     string `bun:"link_purpose" json:"-"`
	LinkSubject     string `bun:"link_subject" json:"-"`
	LinkTTLSeconds  int64  `bun:"link_ttl_seconds" json:"-"`
}

// enqueue renders an e-mail and writes it to the outbox inside tx, so that the
// e-mail exists if and only if the change that causes it is committed. The
// caller should kick the sender after its transaction commits.
func (s *Store) enqueue(ctx context.Context, tx bun.IDB, to, locale, kind string, params map[string]string) error {
	return s.enqueueLink(ctx, tx, to, locale, kind, params, nil)
}

// enqueueLink is enqueue for an e-mail that carries a one-time link in its
// "link" parameter: what is written holds a placeholder instead of the
// token, which is minted only when the message is claimed for an attempt.
func (s *Store) enqueueLink(ctx context.Context, tx bun.IDB, to, locale, kind string, params map[string]string, link *oneTimeLink) error {
	var placeholder string
	if link != nil {
		placeholder = linkPlaceholder()
		params["link"] = s.link(link.path, placeholder)
	}
	if s.composer == nil {
		return fmt.Errorf("outbox: %s e-mail: no composer configured", kind)
	}
	to = strings.TrimSpace(to)
	if to == "" {
		return fmt.Errorf("outbox: %s e-mail: no recipient", kind)
	}
	msg, err := s.composer.Compose(kind, locale, params)
	if err != nil {
		return fmt.Errorf("outbox: render %s e-mail: %w", kind, err)
	}
	id := newID()
	now := s.now()
	m := &OutboxMessage{
		ID: id,
		// The outbox id is already a UUID: reusing it keeps the Message-ID
		// unique and lets an operator match a bounce to a row.
		MessageID: "<" + id + "@" + s.mailDomain + ">",
		To:        to, Subject: msg.Subject, TextBody: msg.Text, HTMLBody: msg.HTML,
		Kind: kind, Status: OutboxQueued, NextAttemptAt: now, CreatedAt: now, Channel: "smtp",
	}
	if link != nil {
		m.LinkPlaceholder, m.LinkPurpose, m.LinkSubject, m.LinkTTLSeconds = placeholder, link.purpose, link.subject, int64(link.ttl/time.Second)
	}
	if err := s.db.Exec(ctx, tx, sqlInsertOutbox, m.ID, m.MessageID, m.To, m.Subject, m.TextBody, m.HTMLBody, m.Kind, m.Status,
		m.NextAttemptAt, m.CreatedAt, m.Channel, m.LinkPlaceholder, m.LinkPurpose, m.LinkSubject, m.LinkTTLSeconds); err != nil {
		return fmt.Errorf("outbox: insert %s e-mail: %w", kind, err)
	}
	return nil
}

// sqlInsertOutbox writes one e-mail, prepared once: some transactions
// enqueue thousands (an import's invitations).
var sqlInsertOutbox = statements.Write(`INSERT INTO outbox (id, message_id, to_addr, subject, text_body, html_body, kind, status,
	next_attempt_at, created_at, channel, link_placeholder, link_purpose, link_subject, link_ttl_seconds)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)

// ClaimOutbox returns up to limit messages that are due (queued, with
// next_attempt_at reached), oldest first, bodies included, and pushes their
// next attempt lease into the future in the same transaction. Until the
// sender records the outcome, or the lease runs out after a crash, no other
// claim returns them, so a message is never handed out twice for one attempt.
//
// A message with a one-time link gets its token here, in the same
// transaction: its hash is stored, the token is in the returned bodies only,
// and the previous attempt's token dies. No usable link is ever written.
func (s *Store) ClaimOutbox(ctx context.Context, limit int, lease time.Duration) ([]OutboxMessage, error) {
	if limit <= 0 {
		limit = 1
	}
	now := s.now()
	// A cheap look on the read pool first: the poller runs every few seconds
	// and must not take the write lock when there is nothing to send.
	due, err := s.read.NewSelect().Model((*OutboxMessage)(nil)).
		Where("status = ?", OutboxQueued).Where("next_attempt_at <= ?", now).Exists(ctx)
	if err != nil {
		return nil, fmt.Errorf("outbox: look for due messages: %w", err)
	}
	if !due {
		return nil, nil
	}
	var claimed []OutboxMessage
	err = s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		now := s.now()
		q := tx.NewSelect().Model(&claimed).
			Where("status = ?", OutboxQueued).Where("next_attempt_at <= ?", now).
			OrderExpr("next_attempt_at ASC, created_at ASC, id ASC").Limit(int64(limit))
		if s.pg {
			// Several instances' senders: the write lock already runs
			// their claims one after the other (engine.Postgres), and the
			// rows another transaction holds are skipped rather than
			// waited for, should that ever change.
			q = q.For("UPDATE SKIP LOCKED")
		}
		if err := q.Scan(ctx); err != nil {
			return fmt.Errorf("outbox: select due messages: %w", err)
		}
		if len(claimed) == 0 {
			return nil
		}
		ids := make([]string, len(claimed))
		for i := range claimed {
			ids[i] = claimed[i].ID
		}
		if _, err := tx.NewUpdate().Model((*OutboxMessage)(nil)).
			Set("next_attempt_at = ?", now.Add(lease)).
			Where("id IN (?)", bun.In(ids)).Where("status = ?", OutboxQueued).
			Exec(ctx); err != nil {
			return fmt.Errorf("outbox: lease due messages: %w", err)
		}
		for i := range claimed {
			if err := s.mintLink(ctx, tx, &claimed[i]); err != nil {
				return fmt.Errorf("outbox: mint the link of %s: %w", claimed[i].ID, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return claimed, nil
}

// NextOutboxAttempt tells when the earliest queued message is due, so the
// sender can sleep exactly until then; ok is false when nothing is queued.
func (s *Store) NextOutboxAttempt(ctx context.Context) (at time.Time, ok bool, err error) {
	var m OutboxMessage
	err = s.read.NewSelect().Model(&m).Column("next_attempt_at").
		Where("status = ?", OutboxQueued).OrderExpr("next_attempt_at ASC").Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("outbox: next attempt: %w", err)
	}
	return m.NextAttemptAt, true, nil
}

// MarkOutboxSent records that the SMTP server took the message.
func (s *Store) MarkOutboxSent(ctx context.Context, id string) error {
	return s.markOutboxDone(ctx, id, "smtp")
}

// MarkOutboxPrinted records that the message was printed to the log
// because no SMTP server is configured: it left the outbox, unsent.
func (s *Store) MarkOutboxPrinted(ctx context.Context, id string) error {
	return s.markOutboxDone(ctx, id, "log")
}

func (s *Store) markOutboxDone(ctx context.Context, id, channel string) error {
	return s.settleOutbox(ctx, id, func(q *bun.UpdateQuery, now time.Time) *bun.UpdateQuery {
		return q.Set("status = ?", OutboxSent).Set("channel = ?", channel).Set("sent_at = ?", now).
			Set("attempts = attempts + 1").Set("last_error = ''")
	})
}

// MarkOutboxRetry records a temporary failure: one more attempt, the error,
// and when to try again (the sender computes the backoff).
func (s *Store) MarkOutboxRetry(ctx context.Context, id, lastErr string, next time.Time) error {
	return s.settleOutbox(ctx, id, func(q *bun.UpdateQuery, _ time.Time) *bun.UpdateQuery {
		return q.Set("attempts = attempts + 1").Set("last_error = ?", truncateError(lastErr)).
			Set("next_attempt_at = ?", next.UTC().Truncate(time.Millisecond))
	})
}

// MarkOutboxFailed records a permanent failure (or the last allowed attempt):
// the message stays in the outbox, visible to the superadmin, until requeued.
func (s *Store) MarkOutboxFailed(ctx context.Context, id, lastErr string) error {
	return s.settleOutbox(ctx, id, func(q *bun.UpdateQuery, _ time.Time) *bun.UpdateQuery {
		return q.Set("status = ?", OutboxFailed).Set("attempts = attempts + 1").Set("last_error = ?", truncateError(lastErr))
	})
}

// settleOutbox applies the outcome of one attempt to a queued message. Only
// a queued message can be settled: the outcome of an attempt never overrides
// a state that something else has decided meanwhile.
func (s *Store) settleOutbox(ctx context.Context, id string, set func(*bun.UpdateQuery, time.Time) *bun.UpdateQuery) error {
	return s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewUpdate().Model((*OutboxMessage)(nil)).Where("id = ?", id).Where("status = ?", OutboxQueued)
		res, err := set(q, s.now()).Exec(ctx)
		if err != nil {
			return fmt.Errorf("outbox: update %s: %w", id, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("outbox: update %s: %w", id, err)
		} else if n == 0 {
			return fmt.Errorf("outbox: no queued message %s: %w", id, ErrNotFound)
		}
		return nil
	})
}

// truncateError keeps at most MaxLastErrorLen characters, never cutting a
// character in two.
func truncateError(s string) string {
	if len(s) <= MaxLastErrorLen {
		return s
	}
	r := []rune(s)
	if len(r) <= MaxLastErrorLen {
		return s
	}
	return string(r[:MaxLastErrorLen])
}

// ListOutbox returns one page of the outbox, newest first, without bodies,
// and the total for the status filter ("" for every status).
// Its contents (addresses, errors) are technical: for superadmins only.
func (s *Store) ListOutbox(ctx context.Context, actor Actor, status string, p Page) ([]OutboxMessage, int64, error) {
	if err := requireRole(actor, RoleSuperadmin); err != nil {
		return nil, 0, err
	}
	items := []OutboxMessage{}
	q := s.read.NewSelect().Model(&items).ExcludeColumn("text_body", "html_body")
	switch status {
	case "":
	case OutboxQueued, OutboxFailed:
		q = q.Where("status = ?", status)
	case OutboxSent:
		q = q.Where("status = ? AND channel = 'smtp'", OutboxSent)
	case OutboxPrinted:
		q = q.Where("status = ? AND channel = 'log'", OutboxSent)
	default:
		return nil, 0, Invalid("status", "oneof=queued sent printed failed")
	}
	total, err := q.OrderExpr("created_at DESC, id DESC").Limit(p.limit()).Offset(p.offset()).ScanAndCount(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("outbox: list: %w", err)
	}
	for i := range items {
		if items[i].Status == OutboxSent && items[i].Channel == "log" {
			items[i].Status = OutboxPrinted
		}
	}
	return items, total, nil
}

// RetryOutbox requeues a failed message for an immediate attempt, with a
// fresh budget of attempts; the intervention lands in the audit log.
func (s *Store) RetryOutbox(ctx context.Context, actor Actor, id string) error {
	if err := requireRole(actor, RoleSuperadmin); err != nil {
		return err
	}
	return s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var m OutboxMessage
		err := tx.NewSelect().Model(&m).Column("id", "status", "attempts").Where("id = ?", id).Scan(ctx)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("outbox: load %s: %w", id, err)
		}
		if m.Status != OutboxFailed {
			return Coded(ErrConflict, "not_failed")
		}
		// last_error is kept so the superadmin still sees why it had failed
		// until the next attempt says otherwise.
		if _, err := tx.NewUpdate().Model((*OutboxMessage)(nil)).
			Set("status = ?", OutboxQueued).Set("attempts = 0").Set("next_attempt_at = ?", s.now()).
			Where("id = ?", id).Exec(ctx); err != nil {
			return fmt.Errorf("outbox: requeue %s: %w", id, err)
		}
		// The details hold no address: the audit log is kept for ever.
		return s.appendAudit(ctx, tx, actor, Audit{
			Action: "outbox.retry", ObjectType: "outbox", ObjectID: id,
			Details: map[string]any{"attempts": m.Attempts},
		})
	})
}
