package server

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"cloison/internal/testpg"
	"cloison/store"
)

// tokenCandidate matches what a one-time token looks like (32 random bytes
// in URL-safe base64: 43 characters), standing alone, and whatever follows
// "#token=" in a link.
var (
	tokenCandidate = regexp.MustCompile(`(?:^|[^A-Za-z0-9_-])([A-Za-z0-9_-]{43})(?:[^A-Za-z0-9_-]|$)`)
	tokenInLink    = regexp.MustCompile(`#token=([^"'\s<>&]+)`)
)

// tokenCandidates lists every string of b that could be a one-time token.
func tokenCandidates(b []byte) map[string]bool {
	out := map[string]bool{}
	for _, re := range []*regexp.Regexp{tokenCandidate, tokenInLink} {
		for _, m := range re.FindAllSubmatch(b, -1) {
			out[string(m[1])] = true
		}
	}
	return out
}

// tokenWorks tries tok against every endpoint that takes an e-mailed token.
func (e *testEnv) tokenWorks(tok string) string {
	e.t.Helper()
	for _, call := range []struct {
		path string
		body map[string]string
	}{
		{"/api/invitations/inspect", map[string]string{"token": tok}},
		{"/api/auth/activate", map[string]string{"token": tok}},
		{"/api/auth/password/reset", map[string]string{"token": tok, "password": "un tout nouveau mot de passe"}},
	} {
		if resp, _ := e.do("POST", call.path, call.body); resp.StatusCode == 200 {
			return call.path
		}
	}
	return ""
}

// atRest is every byte an attacker holding the data directory or a backup
// reads: the database file, its WAL, and a backup made as `cloison backup`
// makes it.
func (e *testEnv) atRest(name string) map[string][]byte {
	e.t.Helper()
	out := map[string][]byte{}
	if testpg.OnPostgres() {
		// What someone with the database in hand reads, or pg_dump copies:
		// every row of every table, text and bytes as stored.
		for table, lines := range e.tableRows() {
			out["table "+table] = []byte(strings.Join(lines, "\n"))
		}
		return out
	}
	for _, f := range []string{store.DatabaseFile, store.DatabaseFile + "-wal"} {
		b, err := os.ReadFile(filepath.Join(e.cfg.Data.Dir, f))
		if err != nil && !os.IsNotExist(err) {
			e.t.Fatal(err)
		}
		out[f] = b
	}
	backup := filepath.Join(e.t.TempDir(), name+".db")
	if _, err := e.store.Backup(context.Background(), backup); err != nil {
		e.t.Fatal(err)
	}
	b, err := os.ReadFile(backup)
	if err != nil {
		e.t.Fatal(err)
	}
	out["backup"] = b
	return out
}

// TestNoUsableTokenAtRest: the e-mails that carry a one-time link
// (activation, an administrator's invitation, a password reset, a helper's
// invitation) leave no token that works in the database file, its WAL or a
// backup, neither while they wait to be sent nor once they are; the ones
// they deliver do work.
func TestNoUsableTokenAtRest(t *testing.T) {
	e := newTestEnv(t)
	super := e.superActor()
	_, adminTok := e.account(store.RoleAdmin, "admin@example.org")
	_, edTok := e.account(store.RoleEditor, "ed@example.org")
	f := e.newCase(e.actorOf(edTok), store.CaseOpen)

	// The mail server refuses for now: the e-mails stay unsent.
	e.smtp.DeferRcpt(func(string) bool { return true })
	recipients := map[string]string{
		"newcomer@example.org": "/activate", "invited@example.org": "/invitation",
		"ed@example.org": "/reset", "helper@example.org": "/invitation",
	}
	for _, call := range []struct {
		path string
		body any
		tok  string
	}{
		{"/api/auth/register", map[string]any{"email": "newcomer@example.org", "name": "Nina", "password": "un mot de passe solide", "pledge": true}, ""},
		{"/api/users", map[string]any{"email": "invited@example.org", "name": "Ivo", "role": "editor", "reason": "Accord du bureau du 3 mars"}, adminTok},
		{"/api/auth/password/forgot", map[string]any{"email": "ed@example.org"}, ""},
		{"/api/cases/" + f.id + "/collaborators", map[string]any{"email": "helper@example.org", "kind": "support"}, edTok},
	} {
		var headers []string
		if call.tok != "" {
			headers = auth(call.tok)
		}
		if resp, body := e.do("POST", call.path, call.body, headers...); resp.StatusCode >= 300 {
			t.Fatalf("%s: %d %s", call.path, resp.StatusCode, body)
		}
	}
	// Each has been tried at least once, so that a token was minted for it.
	deadline := time.Now().Add(waitMail)
	for to := range recipients {
		for e.smtp.RcptAttempts(to) == 0 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
	}

	check := func(when string) {
		t.Helper()
		tried, worked := 0, 0
		for file, b := range e.atRest(when) {
			for c := range tokenCandidates(b) {
				tried++
				if path := e.tokenWorks(c); path != "" {
					worked++
					t.Errorf("%s: a token found in %s works at %s", when, file, path)
				}
			}
		}
		t.Logf("%s: %d candidate strings tried, %d worked", when, tried, worked)
	}
	check("unsent")

	// The mail server takes them now.
	e.smtp.DeferRcpt(nil)
	failed, _, err := e.store.ListOutbox(context.Background(), super, store.OutboxFailed, store.Page{Page: 1, PerPage: 50})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range failed {
		if err := e.store.RetryOutbox(context.Background(), super, m.ID); err != nil {
			t.Fatal(err)
		}
	}
	e.srv.mailKick()
	delivered := map[string]string{}
	for to, path := range recipients {
		n := len(e.smtp.To(to))
		if n == 0 {
			n = 1
		}
		delivered[to] = e.tokenOf(to, n, path)
	}
	e.settleOutbox()
	check("sent")

	// The very tokens the e-mails delivered are nowhere at rest.
	for file, b := range e.atRest("delivered") {
		for to, tok := range delivered {
			if strings.Contains(string(b), tok) {
				t.Errorf("the token e-mailed to %s is in %s", to, file)
			}
		}
	}

	// What the e-mails delivered does work: the check above could find one.
	for to, tok := range delivered {
		if len(tokenCandidates([]byte("#token="+tok))) == 0 {
			t.Fatalf("the token sent to %s is not a candidate", to)
		}
		if to == "ed@example.org" {
			continue // a reset token works once: used below
		}
		if e.tokenWorks(tok) == "" {
			t.Errorf("the token e-mailed to %s does not work", to)
		}
	}
	if e.tokenWorks(delivered["ed@example.org"]) != "/api/auth/password/reset" {
		t.Error("the e-mailed reset link does not work")
	}
}
