package server

import (
	"strings"
	"testing"
	"time"

	"cloison/server/config"
	"cloison/server/mail"
	"cloison/store"
)

// The superadmin's test e-mail answers what the SMTP server (a real one on
// loopback) said: its acceptance, then its refusal of a recipient.
func TestTestEmailThroughTheAPI(t *testing.T) {
	e := newTestEnv(t)
	_, super := e.account(store.RoleSuperadmin, "root@example.org")

	resp, body := e.do("POST", "/api/outbox/test", nil, auth(super)...)
	got := decode[mail.TestResult](t, body)
	if resp.StatusCode != 200 || !got.OK || got.Delivery != "smtp" || got.Reply == "" || got.Server != e.smtp.Addr() {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if msgs := e.smtp.WaitFor(t, "root@example.org", 1, waitMail); !strings.Contains(msgs[0].Subject, "E-mail de test") {
		t.Errorf("subject %q", msgs[0].Subject)
	}

	e.smtp.RejectRcpt(func(addr string) bool { return strings.HasPrefix(addr, "ghost@") })
	resp, body = e.do("POST", "/api/outbox/test", map[string]string{"to": "ghost@example.org"}, auth(super)...)
	got = decode[mail.TestResult](t, body)
	if resp.StatusCode != 200 || got.OK || got.Stage != "send" || got.Code != 550 || !strings.Contains(got.Reply, "No such mailbox here") {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}

	resp, body = e.do("POST", "/api/outbox/test", map[string]string{"to": "not an address"}, auth(super)...)
	if resp.StatusCode != 422 || decode[errResp](t, body).Error.Fields["to"] != "email" {
		t.Errorf("bad address: %d %s", resp.StatusCode, body)
	}
}

// Without an SMTP host, e-mails are printed to the log: /api/config says
// so, the outbox calls them "printed", not "sent", and the test e-mail
// says where it went.
func TestWithoutSMTPEmailsArePrinted(t *testing.T) {
	cfg, err := config.Load("", nil, config.Flags{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	e := openTestEnv(t, cfg, withoutSMTP)
	if c := decode[map[string]any](t, second(e.do("GET", "/api/config", nil))); c["email_delivery"] != "log" {
		t.Errorf("config: %v", c)
	}
	_, super := e.account(store.RoleSuperadmin, "root@example.org")
	resp, body := e.do("POST", "/api/users", map[string]string{"email": "new@example.org", "name": "New", "role": "editor",
		"reason": "Accord du bureau du 3 mars"}, auth(super)...)
	if resp.StatusCode != 201 {
		t.Fatalf("invite: %d %s\n%s", resp.StatusCode, body, e.logs.String())
	}
	deadline := time.Now().Add(waitMail)
	for {
		_, body = e.do("GET", "/api/outbox?status=printed", nil, auth(super)...)
		page := decode[struct {
			Items []store.OutboxMessage `json:"items"`
			Total int                   `json:"total"`
		}](t, body)
		// The page and its total are two reads: the sender may mark the
		// e-mail printed between them, so the page is checked, not only
		// the total.
		if page.Total == 1 && len(page.Items) == 1 && page.Items[0].Status == "printed" && page.Items[0].SentAt != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("never printed: %s", body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, body := e.do("GET", "/api/outbox?status=sent", nil, auth(super)...); !strings.Contains(string(body), `"total":0`) {
		t.Errorf("a printed e-mail counts as sent: %s", body)
	}
	if !strings.Contains(e.logs.String(), "/invitation#token=") {
		t.Errorf("the invitation's link is not in the log")
	}
	resp, body = e.do("POST", "/api/outbox/test", nil, auth(super)...)
	if got := decode[mail.TestResult](t, body); resp.StatusCode != 200 || got != (mail.TestResult{Delivery: "log", OK: true}) {
		t.Errorf("test e-mail: %d %s", resp.StatusCode, body)
	}
}

func second[A, B any](_ A, b B) B { return b }
