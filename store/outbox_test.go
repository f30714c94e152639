package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"
)

// outboxTestComposer renders a predictable e-mail; the real templates are tested in
// server/mail.
type outboxTestComposer struct{}

func (outboxTestComposer) Compose(kind, locale string, params map[string]string) (Message, error) {
	if kind == "unknown" {
		return Message{}, errors.New("unknown kind")
	}
	return Message{
		Subject: "[Test] " + kind + " " + locale,
		Text:    "text " + params["link"],
		HTML:    "<p>html " + params["link"] + "</p>",
	}, nil
}

// outboxClock is a settable clock, so that due times can be crossed without sleeping.
type outboxClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *outboxClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *outboxClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newOutboxStore(t *testing.T) (*Store, *outboxClock) {
	t.Helper()
	ctx := context.Background()
	clock := &outboxClock{t: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
	st, err := Open(ctx, testOptions(t, Options{Dir: migratedDir(t), Now: clock.Now, Composer: outboxTestComposer{}, BaseURL: "https://cloison.example.org"}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return st, clock
}

func enqueueTestMail(t *testing.T, st *Store, to, kind string) {
	t.Helper()
	err := st.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		return st.enqueue(ctx, tx, to, "fr", kind, map[string]string{"link": "https://cloison.example.org/activate#token=abc"})
	})
	if err != nil {
		t.Fatal(err)
	}
}

func outboxRow(t *testing.T, st *Store, id string) OutboxMessage {
	t.Helper()
	var m OutboxMessage
	if err := st.read.NewSelect().Model(&m).Where("id = ?", id).Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	return m
}

func allOutbox(t *testing.T, st *Store) []OutboxMessage {
	t.Helper()
	var ms []OutboxMessage
	if err := st.read.NewSelect().Model(&ms).OrderExpr("created_at, id").Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	return ms
}

var outboxSuperadmin = Actor{Account: &Account{ID: "sa", Role: RoleSuperadmin}}

func TestEnqueueWritesARenderedMessageInTheCallersTransaction(t *testing.T) {
	st, clock := newOutboxStore(t)
	ctx := context.Background()

	// A change that rolls back takes its e-mail with it.
	boom := errors.New("boom")
	err := st.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := st.enqueue(ctx, tx, "a@example.org", "fr", "activation", nil); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	if n := len(allOutbox(t, st)); n != 0 {
		t.Fatalf("%d messages survived a rollback", n)
	}

	enqueueTestMail(t, st, " b@example.org ", "activation")
	ms := allOutbox(t, st)
	if len(ms) != 1 {
		t.Fatalf("%d messages, want 1", len(ms))
	}
	m := ms[0]
	if !regexp.MustCompile(`^<[0-9a-f-]{36}@cloison\.example\.org>$`).MatchString(m.MessageID) || !strings.Contains(m.MessageID, m.ID) {
		t.Errorf("message_id = %q (id %q)", m.MessageID, m.ID)
	}
	if m.To != "b@example.org" || m.Subject != "[Test] activation fr" || m.Kind != "activation" ||
		m.TextBody != "text https://cloison.example.org/activate#token=abc" || !strings.HasPrefix(m.HTMLBody, "<p>html") {
		t.Errorf("row = %+v", m)
	}
	if m.Status != OutboxQueued || m.Attempts != 0 || m.SentAt != nil || m.LastError != "" {
		t.Errorf("state = %s/%d/%v/%q", m.Status, m.Attempts, m.SentAt, m.LastError)
	}
	if !m.NextAttemptAt.Equal(clock.Now()) || !m.CreatedAt.Equal(clock.Now()) {
		t.Errorf("times = %v %v, want %v", m.NextAttemptAt, m.CreatedAt, clock.Now())
	}
}

func TestEnqueueFailsWithoutComposerRecipientOrKnownKind(t *testing.T) {
	ctx := context.Background()
	bare := newTestStore(t) // no composer
	err := bare.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return bare.enqueue(ctx, tx, "a@example.org", "fr", "activation", nil)
	})
	if err == nil {
		t.Error("enqueue without a composer succeeded")
	}

	st, _ := newOutboxStore(t)
	for _, c := range []struct{ to, kind string }{{"  ", "activation"}, {"a@example.org", "unknown"}} {
		err := st.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			return st.enqueue(ctx, tx, c.to, "fr", c.kind, nil)
		})
		if err == nil {
			t.Errorf("enqueue(%q, %q) succeeded", c.to, c.kind)
		}
	}
	if n := len(allOutbox(t, st)); n != 0 {
		t.Fatalf("%d messages written by failed enqueues", n)
	}
}

func TestClaimOutboxHandsOutEachDueMessageOnce(t *testing.T) {
	st, clock := newOutboxStore(t)
	ctx := context.Background()
	for i := range 3 {
		enqueueTestMail(t, st, fmt.Sprintf("u%d@example.org", i), "activation")
		clock.Advance(time.Second)
	}

	got, err := st.ClaimOutbox(ctx, 2, time.Minute)
	if err != nil || len(got) != 2 {
		t.Fatalf("claim = %d messages, %v", len(got), err)
	}
	if got[0].To != "u0@example.org" || got[1].To != "u1@example.org" {
		t.Errorf("claimed %s, %s: want oldest first", got[0].To, got[1].To)
	}
	if got[0].TextBody == "" || got[0].HTMLBody == "" {
		t.Error("claimed messages lack their bodies")
	}

	// Leased messages are not handed out again while the attempt runs.
	again, err := st.ClaimOutbox(ctx, 10, time.Minute)
	if err != nil || len(again) != 1 || again[0].To != "u2@example.org" {
		t.Fatalf("second claim = %+v, %v", again, err)
	}
	if none, err := st.ClaimOutbox(ctx, 10, time.Minute); err != nil || len(none) != 0 {
		t.Fatalf("third claim = %d messages, %v", len(none), err)
	}

	// Settle: one sent, one to retry later, one failed.
	if err := st.MarkOutboxSent(ctx, got[0].ID); err != nil {
		t.Fatal(err)
	}
	next := clock.Now().Add(10 * time.Second)
	if err := st.MarkOutboxRetry(ctx, got[1].ID, "421 try later", next); err != nil {
		t.Fatal(err)
	}
	if err := st.MarkOutboxFailed(ctx, again[0].ID, "550 no such user"); err != nil {
		t.Fatal(err)
	}

	sent := outboxRow(t, st, got[0].ID)
	if sent.Status != OutboxSent || sent.SentAt == nil || !sent.SentAt.Equal(clock.Now()) || sent.Attempts != 1 {
		t.Errorf("sent row = %+v", sent)
	}
	retry := outboxRow(t, st, got[1].ID)
	if retry.Status != OutboxQueued || retry.Attempts != 1 || retry.LastError != "421 try later" || !retry.NextAttemptAt.Equal(next) {
		t.Errorf("retry row = %+v", retry)
	}
	failed := outboxRow(t, st, again[0].ID)
	if failed.Status != OutboxFailed || failed.Attempts != 1 || failed.LastError != "550 no such user" {
		t.Errorf("failed row = %+v", failed)
	}

	at, ok, err := st.NextOutboxAttempt(ctx)
	if err != nil || !ok || !at.Equal(next) {
		t.Errorf("next attempt = %v %v %v, want %v", at, ok, err, next)
	}

	// The retry is not due before its time, and is after.
	if early, _ := st.ClaimOutbox(ctx, 10, time.Minute); len(early) != 0 {
		t.Fatalf("claimed %d messages before they were due", len(early))
	}
	clock.Advance(10 * time.Second)
	late, err := st.ClaimOutbox(ctx, 10, time.Minute)
	if err != nil || len(late) != 1 || late[0].ID != got[1].ID || late[0].Attempts != 1 {
		t.Fatalf("claim after backoff = %+v, %v", late, err)
	}

	// A settled message cannot be settled again.
	if err := st.MarkOutboxSent(ctx, got[0].ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("second MarkOutboxSent = %v, want ErrNotFound", err)
	}
	if err := st.MarkOutboxRetry(ctx, again[0].ID, "x", clock.Now()); !errors.Is(err, ErrNotFound) {
		t.Errorf("MarkOutboxRetry on a failed message = %v, want ErrNotFound", err)
	}
}

func TestClaimOutboxLeaseRunsOutAfterACrash(t *testing.T) {
	st, clock := newOutboxStore(t)
	ctx := context.Background()
	enqueueTestMail(t, st, "a@example.org", "reset")
	if got, _ := st.ClaimOutbox(ctx, 1, time.Minute); len(got) != 1 {
		t.Fatal("nothing claimed")
	}
	// The sender died without settling: the message comes back after the lease.
	clock.Advance(time.Minute)
	got, err := st.ClaimOutbox(ctx, 1, time.Minute)
	if err != nil || len(got) != 1 {
		t.Fatalf("claim after the lease = %d, %v", len(got), err)
	}
}

func TestOutboxLastErrorIsTruncated(t *testing.T) {
	st, _ := newOutboxStore(t)
	ctx := context.Background()
	enqueueTestMail(t, st, "a@example.org", "reset")
	got, _ := st.ClaimOutbox(ctx, 1, time.Minute)
	long := strings.Repeat("é", 800)
	if err := st.MarkOutboxFailed(ctx, got[0].ID, long); err != nil {
		t.Fatal(err)
	}
	m := outboxRow(t, st, got[0].ID)
	if n := len([]rune(m.LastError)); n != MaxLastErrorLen || m.LastError != strings.Repeat("é", MaxLastErrorLen) {
		t.Errorf("last_error has %d characters, want %d whole ones", n, MaxLastErrorLen)
	}
}

func TestOutboxIsForSuperadminsOnly(t *testing.T) {
	st, _ := newOutboxStore(t)
	ctx := context.Background()
	for _, c := range []struct {
		actor Actor
		want  error
	}{
		{Actor{}, ErrUnauthenticated},
		{Actor{Account: &Account{ID: "r", Role: RoleReader}}, ErrForbidden},
		{Actor{Account: &Account{ID: "e", Role: RoleEditor}}, ErrForbidden},
		{Actor{Account: &Account{ID: "a", Role: RoleAdmin}}, ErrForbidden},
	} {
		if _, _, err := st.ListOutbox(ctx, c.actor, "", Page{Page: 1, PerPage: 50}); !errors.Is(err, c.want) {
			t.Errorf("ListOutbox as %+v = %v, want %v", c.actor.Account, err, c.want)
		}
		if err := st.RetryOutbox(ctx, c.actor, "x"); !errors.Is(err, c.want) {
			t.Errorf("RetryOutbox as %+v = %v, want %v", c.actor.Account, err, c.want)
		}
	}
}

func TestListOutboxFiltersPagesAndHidesBodies(t *testing.T) {
	st, clock := newOutboxStore(t)
	ctx := context.Background()
	for i := range 5 {
		enqueueTestMail(t, st, fmt.Sprintf("u%d@example.org", i), "activation")
		clock.Advance(time.Second)
	}
	claimed, _ := st.ClaimOutbox(ctx, 2, time.Minute)
	if err := st.MarkOutboxFailed(ctx, claimed[0].ID, "550"); err != nil {
		t.Fatal(err)
	}
	if err := st.MarkOutboxSent(ctx, claimed[1].ID); err != nil {
		t.Fatal(err)
	}

	items, total, err := st.ListOutbox(ctx, outboxSuperadmin, "", Page{Page: 1, PerPage: 2})
	if err != nil || total != 5 || len(items) != 2 {
		t.Fatalf("page 1 = %d items of %d, %v", len(items), total, err)
	}
	if items[0].To != "u4@example.org" || items[1].To != "u3@example.org" {
		t.Errorf("page 1 = %s, %s: want newest first", items[0].To, items[1].To)
	}
	items, _, _ = st.ListOutbox(ctx, outboxSuperadmin, "", Page{Page: 3, PerPage: 2})
	if len(items) != 1 || items[0].To != "u0@example.org" {
		t.Errorf("page 3 = %+v", items)
	}

	for status, want := range map[string]int{OutboxQueued: 3, OutboxSent: 1, OutboxFailed: 1} {
		items, total, err := st.ListOutbox(ctx, outboxSuperadmin, status, Page{Page: 1, PerPage: 50})
		if err != nil || total != int64(want) || len(items) != want {
			t.Errorf("status %s: %d items of %d, %v; want %d", status, len(items), total, err, want)
		}
		for _, m := range items {
			if m.Status != status {
				t.Errorf("status %s: got a %s message", status, m.Status)
			}
		}
	}
	var verr *ValidationError
	if _, _, err := st.ListOutbox(ctx, outboxSuperadmin, "bogus", Page{Page: 1, PerPage: 50}); !errors.As(err, &verr) || verr.Fields["status"] == "" {
		t.Errorf("bogus status = %v, want a validation error on status", err)
	}

	items, _, _ = st.ListOutbox(ctx, outboxSuperadmin, OutboxFailed, Page{Page: 1, PerPage: 50})
	if items[0].TextBody != "" || items[0].HTMLBody != "" {
		t.Error("the list loads the bodies")
	}
	raw, _ := json.Marshal(items[0])
	var fields map[string]any
	if err := json.Unmarshal(raw, &fields); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "message_id", "to", "subject", "kind", "status", "attempts", "last_error", "next_attempt_at", "created_at", "sent_at"} {
		if _, ok := fields[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, raw)
		}
	}
	if len(fields) != 11 {
		t.Errorf("JSON has unexpected fields: %s", raw)
	}
}

func TestRetryOutboxRequeuesOnlyFailedMessagesAndAudits(t *testing.T) {
	st, clock := newOutboxStore(t)
	ctx := context.Background()
	enqueueTestMail(t, st, "a@example.org", "activation")
	enqueueTestMail(t, st, "b@example.org", "activation")
	claimed, _ := st.ClaimOutbox(ctx, 2, time.Minute)
	if err := st.MarkOutboxFailed(ctx, claimed[0].ID, "550 no such user"); err != nil {
		t.Fatal(err)
	}

	if err := st.RetryOutbox(ctx, outboxSuperadmin, "nonexistent"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown id = %v, want ErrNotFound", err)
	}
	var coded *CodedError
	if err := st.RetryOutbox(ctx, outboxSuperadmin, claimed[1].ID); !errors.As(err, &coded) || coded.Code != "not_failed" || !errors.Is(err, ErrConflict) {
		t.Errorf("queued message = %v, want conflict not_failed", err)
	}

	clock.Advance(time.Hour)
	if err := st.RetryOutbox(ctx, outboxSuperadmin, claimed[0].ID); err != nil {
		t.Fatal(err)
	}
	m := outboxRow(t, st, claimed[0].ID)
	if m.Status != OutboxQueued || m.Attempts != 0 || !m.NextAttemptAt.Equal(clock.Now()) || m.MessageID != claimed[0].MessageID {
		t.Errorf("requeued row = %+v", m)
	}
	due, err := st.ClaimOutbox(ctx, 10, time.Minute)
	if err != nil || len(due) != 2 {
		t.Errorf("after retry %d messages are due (%v), want 2", len(due), err)
	}

	var entries []AuditEntry
	if err := st.read.NewSelect().Model(&entries).Where("action = ?", "outbox.retry").Scan(ctx); err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].ObjectType != "outbox" || entries[0].ObjectID != claimed[0].ID || entries[0].ActorID != "sa" {
		t.Errorf("audit = %+v", entries)
	}
	if strings.Contains(entries[0].Details, "@") {
		t.Errorf("audit details hold an address: %s", entries[0].Details)
	}
	if v, err := st.VerifyAudit(ctx); err != nil || !v.OK {
		t.Errorf("audit chain = %+v, %v", v, err)
	}
}

// A message with a one-time link is written with a placeholder; each claim
// mints its token, stores only the hash, puts the token in the returned
// bodies alone, and kills the previous attempt's token.
func TestClaimMintsTheLinkAndARetryKillsThePreviousOne(t *testing.T) {
	st, clock := newOutboxStore(t)
	ctx := context.Background()
	admin, err := st.CreateAccount(ctx, testHasher, Actor{}, NewAccount{Email: "admin@example.org", Name: "Admin", Password: "a long enough passphrase", Role: RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.InviteAccount(ctx, Actor{Account: admin}, Invitation{Email: "ivo@example.org", Name: "Ivo", Role: RoleEditor, Reason: "Accord du bureau du 3 mars"}); err != nil {
		t.Fatal(err)
	}
	stored := allOutbox(t, st)
	if len(stored) != 1 || stored[0].LinkPurpose != purposeInvite || !strings.Contains(stored[0].TextBody, "#token="+stored[0].LinkPlaceholder) {
		t.Fatalf("written: %+v", stored)
	}
	token := regexp.MustCompile(`#token=([A-Za-z0-9_-]+)`)
	claim := func() string {
		t.Helper()
		got, err := st.ClaimOutbox(ctx, 10, time.Minute)
		if err != nil || len(got) != 1 {
			t.Fatalf("claim: %v %v", got, err)
		}
		m := token.FindStringSubmatch(got[0].TextBody)
		if m == nil || m[1] == got[0].LinkPlaceholder || !strings.Contains(got[0].HTMLBody, m[1]) {
			t.Fatalf("claimed bodies without a minted token: %q / %q", got[0].TextBody, got[0].HTMLBody)
		}
		return m[1]
	}
	first := claim()
	if _, err := st.InspectInvitation(ctx, first); err != nil {
		t.Fatalf("the first attempt's token: %v", err)
	}
	if row := outboxRow(t, st, stored[0].ID); strings.Contains(row.TextBody+row.HTMLBody, first) {
		t.Fatal("the minted token was written to the outbox")
	}
	// The attempt's lease runs out (the sender died): the next claim mints
	// another token, and the first one dies.
	clock.Advance(2 * time.Minute)
	second := claim()
	if second == first {
		t.Fatal("the same token twice")
	}
	if _, err := st.InspectInvitation(ctx, first); err == nil {
		t.Fatal("the previous attempt's token still works")
	}
	if _, err := st.InspectInvitation(ctx, second); err != nil {
		t.Fatalf("the second attempt's token: %v", err)
	}
}
