package server

import (
	"context"
	"crypto/sha256"
	"strings"
	"testing"

	"cloison/internal/testpg"
)

// setupToken issues a setup token as serve does at start.
func (e *testEnv) setupToken() string {
	e.t.Helper()
	tok, err := e.srv.IssueSetupToken(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// A setup token is a row of the database, hashed: on SQLite a new one
// replaces the last (one instance serves the file); on PostgreSQL every
// instance's works; the first superadmin ends them all.
func TestSetupTokensLiveInTheDatabase(t *testing.T) {
	e := newTestEnv(t)
	first, second := e.setupToken(), e.setupToken()
	for _, lines := range e.tableRows() {
		for _, l := range lines {
			if strings.Contains(l, first) || strings.Contains(l, second) {
				t.Fatalf("a setup token is stored in clear: %s", l)
			}
		}
	}
	req := map[string]any{"token": first, "email": "ada@example.org", "name": "Ada", "password": "correct horse battery"}
	resp, body := e.do("POST", "/api/setup", req)
	if testpg.OnPostgres() {
		if resp.StatusCode != 201 {
			t.Fatalf("on PostgreSQL an earlier instance's token: %d %s", resp.StatusCode, body)
		}
	} else {
		if resp.StatusCode != 403 {
			t.Fatalf("on SQLite the replaced token: %d %s", resp.StatusCode, body)
		}
		req["token"] = second
		if resp, body = e.do("POST", "/api/setup", req); resp.StatusCode != 201 {
			t.Fatalf("the new token: %d %s", resp.StatusCode, body)
		}
	}
	for _, tok := range []string{first, second} {
		sum := sha256.Sum256([]byte(tok))
		if ok, err := e.store.SetupTokenValid(context.Background(), sum[:]); err != nil || ok {
			t.Fatalf("a setup token outlived the first superadmin: %v %v", ok, err)
		}
	}
}

func TestSetupFlow(t *testing.T) {
	e := newTestEnv(t)
	_, body := e.do("GET", "/api/setup", nil)
	if !decode[map[string]bool](t, body)["needed"] {
		t.Fatalf("a fresh instance does not need setup: %s", body)
	}
	tok := e.setupToken()
	if link := e.srv.SetupLink(tok); link != "http://localhost:8080/setup#token="+tok {
		t.Fatalf("link %q", link)
	}
	good := map[string]any{"token": tok, "email": "Ada@Example.org", "name": "Ada", "password": "correct horse battery"}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for kk, vv := range good {
			m[kk] = vv
		}
		m[k] = v
		return m
	}

	// A wrong or missing token is refused before anything else is looked at.
	for _, req := range []map[string]any{with("token", "wrong"), with("token", ""), {"token": "wrong", "email": "x"}} {
		resp, body := e.do("POST", "/api/setup", req)
		if resp.StatusCode != 403 || decode[errResp](t, body).Error.Code != "invalid_setup_token" {
			t.Fatalf("bad token: %d %s", resp.StatusCode, body)
		}
	}
	// Invalid fields are named; the token survives them.
	for field, req := range map[string]map[string]any{
		"email":    with("email", "not-an-email"),
		"name":     with("name", "   "),
		"password": with("password", "short"),
	} {
		resp, body := e.do("POST", "/api/setup", req)
		er := decode[errResp](t, body)
		if resp.StatusCode != 422 || er.Error.Fields[field] == "" {
			t.Fatalf("invalid %s: %d %s", field, resp.StatusCode, body)
		}
	}
	resp, body := e.do("POST", "/api/setup", with("password", "azertyuiop123"))
	if resp.StatusCode != 422 || decode[errResp](t, body).Error.Fields["password"] != "common_password" {
		t.Fatalf("common password: %d %s", resp.StatusCode, body)
	}

	resp, body = e.do("POST", "/api/setup", good)
	if resp.StatusCode != 201 {
		t.Fatalf("setup: %d %s", resp.StatusCode, body)
	}
	user := decode[struct {
		User map[string]any `json:"user"`
	}](t, body).User
	if user["role"] != "superadmin" || user["status"] != "active" || user["email"] != "Ada@Example.org" || user["password_hash"] != nil {
		t.Fatalf("user %v", user)
	}

	// The token is dead, and setup is no longer needed.
	resp, body = e.do("POST", "/api/setup", with("email", "eve@example.org"))
	if resp.StatusCode != 403 {
		t.Fatalf("second use of the token: %d %s", resp.StatusCode, body)
	}
	_, body = e.do("GET", "/api/setup", nil)
	if decode[map[string]bool](t, body)["needed"] {
		t.Fatal("setup still needed")
	}
	// Even a fresh token cannot make a second superadmin through setup.
	resp, body = e.do("POST", "/api/setup", with("token", e.setupToken()))
	if resp.StatusCode != 409 || decode[errResp](t, body).Error.Code != "setup_done" {
		t.Fatalf("second setup: %d %s", resp.StatusCode, body)
	}

	// The audit log recorded it, and nothing secret reached the log.
	if v, err := e.store.VerifyAudit(t.Context()); err != nil || !v.OK || v.Entries != 1 {
		t.Fatalf("audit %+v %v", v, err)
	}
	for _, secret := range []string{tok, "correct horse battery", "Ada@Example.org"} {
		if strings.Contains(e.logs.String(), secret) {
			t.Fatalf("the log holds %q", secret)
		}
	}

	// Restarting on the same data directory keeps the account.
	e.store.Close()
	again := openTestEnv(t, e.cfg)
	_, body = again.do("GET", "/api/setup", nil)
	if decode[map[string]bool](t, body)["needed"] {
		t.Fatal("the superadmin did not survive a restart")
	}
}
