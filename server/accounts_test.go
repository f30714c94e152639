package server

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"cloison/internal/testpg"
	"cloison/server/config"
	"cloison/server/mail/mailtest"
	"cloison/store"
)

const waitMail = 5 * time.Second

// tokenOf returns the token of the first link to path in the last e-mail to addr.
func (e *testEnv) tokenOf(to string, n int, path string) string {
	e.t.Helper()
	msgs := e.smtp.WaitFor(e.t, to, n, waitMail)
	link := mailtest.Link(e.t, msgs[n-1], path+"#token=")
	if !strings.HasPrefix(link, e.cfg.Server.BaseURL+path+"#token=") {
		e.t.Fatalf("link %q does not start with the configured base URL", link)
	}
	return link[strings.Index(link, "#token=")+len("#token="):]
}

// account creates an active account with a role and returns it with a session token.
func (e *testEnv) account(role, email string) (*store.Account, string) {
	e.t.Helper()
	acc, err := e.store.CreateAccount(context.Background(), testHasher, store.Actor{ClientIP: "test"},
		store.NewAccount{Email: email, Name: strings.Split(email, "@")[0], Password: "a long enough passphrase", Role: role})
	if err != nil {
		e.t.Fatal(err)
	}
	return acc, e.login(email, "a long enough passphrase")
}

func (e *testEnv) login(email, password string) string {
	e.t.Helper()
	resp, body := e.do("POST", "/api/auth/login", map[string]string{"email": email, "password": password})
	if resp.StatusCode != 200 {
		e.t.Fatalf("login %s: %d %s", email, resp.StatusCode, body)
	}
	return decode[store.Login](e.t, body).Token
}

func auth(tok string) []string { return []string{"Authorization", "Bearer " + tok} }

// Journey 1 and 2: register, activate through the e-mailed link, log in as a
// reader, ask for the editor role, get it approved by an admin, with e-mails.
func TestRegistrationActivationAndRoleRequest(t *testing.T) {
	e := newTestEnv(t)
	_, adminTok := e.account(store.RoleAdmin, "admin@example.org")

	reg := map[string]any{"email": "Nina@Example.org", "name": "Nina", "password": "un mot de passe solide", "pledge": true, "locale": "fr"}
	resp, first := e.do("POST", "/api/auth/register", reg)
	if resp.StatusCode != 202 {
		t.Fatalf("register: %d %s", resp.StatusCode, first)
	}
	// Not active before the e-mail is confirmed.
	if resp, _ := e.do("POST", "/api/auth/login", map[string]string{"email": "nina@example.org", "password": "un mot de passe solide"}); resp.StatusCode != 401 {
		t.Fatalf("pending account logged in: %d", resp.StatusCode)
	}
	tok := e.tokenOf("Nina@Example.org", 1, "/activate")
	msg := e.smtp.Messages()[0]
	if !strings.Contains(msg.Subject, "Cloison") || msg.HTML == "" || msg.Text == "" || msg.MessageID == "" {
		t.Fatalf("activation e-mail: %+v", msg)
	}
	// The answer gives the address, which the login page fills in.
	if resp, body := e.do("POST", "/api/auth/activate", map[string]string{"token": tok}); resp.StatusCode != 200 ||
		decode[map[string]string](t, body)["email"] != "Nina@Example.org" {
		t.Fatalf("activate: %d %s", resp.StatusCode, body)
	}
	if resp, body := e.do("POST", "/api/auth/activate", map[string]string{"token": tok}); resp.StatusCode != 422 || decode[errResp](t, body).Error.Fields["token"] != "invalid" {
		t.Fatalf("second activation: %d %s", resp.StatusCode, body)
	}

	// Registering again with the taken address answers the same; its owner is told.
	resp, again := e.do("POST", "/api/auth/register", map[string]any{"email": "nina@EXAMPLE.org", "name": "Mallory", "password": "another passphrase!", "pledge": true})
	if resp.StatusCode != 202 || string(again) != string(first) {
		t.Fatalf("taken e-mail answers differently: %d %s vs %s", resp.StatusCode, again, first)
	}
	if m := e.smtp.WaitFor(t, "Nina@Example.org", 2, waitMail)[1]; mailtest.Link(t, m, "/forgot") == "" {
		t.Fatalf("already-registered e-mail: %+v", m)
	}

	nina := e.login("nina@example.org", "un mot de passe solide")
	_, body := e.do("GET", "/api/me", nil, auth(nina)...)
	me := decode[map[string]any](t, body)
	if me["role"] != "reader" || me["status"] != "active" || me["locale"] != "fr" || me["password_hash"] != nil {
		t.Fatalf("me: %s", body)
	}

	// Role request.
	resp, body = e.do("POST", "/api/me/role-requests", map[string]string{"role": "editor", "message": "Accréditée par le CA du 12 novembre"}, auth(nina)...)
	if resp.StatusCode != 201 {
		t.Fatalf("role request: %d %s", resp.StatusCode, body)
	}
	rr := decode[store.RoleRequest](t, body)
	if resp, body := e.do("POST", "/api/me/role-requests", map[string]string{"role": "editor", "message": "encore"}, auth(nina)...); resp.StatusCode != 409 {
		t.Fatalf("second pending request: %d %s", resp.StatusCode, body)
	}
	_, body = e.do("GET", "/api/role-requests?status=pending", nil, auth(adminTok)...)
	if l := decode[listBody[store.RoleRequest]](t, body); l.Total != 1 || l.Items[0].Account.Email != "Nina@Example.org" {
		t.Fatalf("pending requests: %s", body)
	}
	if resp, body := e.do("POST", "/api/role-requests/"+rr.ID+"/approve", map[string]string{"reason": "CA"}, auth(adminTok)...); resp.StatusCode != 422 || decode[errResp](t, body).Error.Fields["reason"] == "" {
		t.Fatalf("short reason: %d %s", resp.StatusCode, body)
	}
	if resp, body := e.do("POST", "/api/role-requests/"+rr.ID+"/approve", map[string]string{"reason": "Accord du CA du 12/11/2026"}, auth(adminTok)...); resp.StatusCode != 200 {
		t.Fatalf("approve: %d %s", resp.StatusCode, body)
	}
	if resp, _ := e.do("POST", "/api/role-requests/"+rr.ID+"/reject", map[string]string{"reason": "Accord du CA du 12/11/2026"}, auth(adminTok)...); resp.StatusCode != 409 {
		t.Fatalf("deciding twice: %d", resp.StatusCode)
	}
	decision := e.smtp.WaitFor(t, "Nina@Example.org", 3, waitMail)[2]
	if !strings.Contains(decision.Text, "Accord du CA du 12/11/2026") {
		t.Fatalf("decision e-mail lacks the reason: %s", decision.Text)
	}
	_, body = e.do("GET", "/api/me", nil, auth(nina)...)
	if decode[map[string]any](t, body)["role"] != "editor" {
		t.Fatalf("role after approval: %s", body)
	}
	_, body = e.do("GET", "/api/me/role-requests", nil, auth(nina)...)
	if l := decode[listBody[store.RoleRequest]](t, body); len(l.Items) != 1 || l.Items[0].Status != "approved" {
		t.Fatalf("my requests: %s", body)
	}

	// The audit log holds the journey, and its chain verifies.
	_, body = e.do("GET", "/api/audit?action=role_request.", nil, auth(adminTok)...)
	if l := decode[listBody[store.AuditEntry]](t, body); l.Total != 2 || l.Items[0].Action != "role_request.approved" || l.Items[0].Reason != "Accord du CA du 12/11/2026" {
		t.Fatalf("audit: %s", body)
	}
	if v, err := e.store.VerifyAudit(context.Background()); err != nil || !v.OK {
		t.Fatalf("audit chain: %+v %v", v, err)
	}
}

func TestRegistrationValidationAndClosedRegistration(t *testing.T) {
	e := newTestEnv(t)
	resp, body := e.do("POST", "/api/auth/register", map[string]any{"email": "bad", "name": "", "password": "short", "pledge": false})
	er := decode[errResp](t, body)
	if resp.StatusCode != 422 || er.Error.Fields["email"] != "email" || er.Error.Fields["name"] != "required" ||
		er.Error.Fields["password"] != "min=10" || er.Error.Fields["pledge"] != "required" {
		t.Fatalf("validation: %d %s", resp.StatusCode, body)
	}
	if resp, body := e.doRaw("POST", "/api/auth/register", "application/json", []byte(`{"email": `)); resp.StatusCode != 400 {
		t.Fatalf("malformed body: %d %s", resp.StatusCode, body)
	}
	if resp, body := e.do("POST", "/api/auth/register", "not an object"); resp.StatusCode != 422 || decode[errResp](t, body).Error.Fields["body"] != "type" {
		t.Fatalf("a body that is not an object: %d %s", resp.StatusCode, body)
	}
	closed := newTestEnv(t, func(c *config.Config) { c.Instance.RegistrationOpen = false })
	resp, body = closed.do("POST", "/api/auth/register", map[string]any{"email": "a@example.org", "name": "A", "password": "un mot de passe solide", "pledge": true})
	if resp.StatusCode != 403 || decode[errResp](t, body).Error.Code != "registration_closed" {
		t.Fatalf("closed registration: %d %s", resp.StatusCode, body)
	}
}

// A superadmin invites the secretariat: the invitation names its role in words
// (the e-mail once failed to render a role outside the ranks).
func TestSecretariatInvitation(t *testing.T) {
	e := newTestEnv(t)
	_, tok := e.account(store.RoleSuperadmin, "root@example.org")
	inv := map[string]any{"email": "sec@example.org", "name": "Sec", "role": "secretariat", "locale": "fr", "reason": "Secrétariat du réseau nommé par le CA"}
	if resp, body := e.do("POST", "/api/users", inv, auth(tok)...); resp.StatusCode != 201 {
		t.Fatalf("invite the secretariat: %d %s", resp.StatusCode, body)
	}
	if m := mailAbout(t, e, "sec@example.org", "secrétariat"); m.Text == "" {
		t.Errorf("the invitation does not name the role: %s", m.Text)
	}
}

// Journey 3: an admin invites a person, who sets a name and password through
// the link and arrives with the role; another e-mail gets a plain reader.
func TestAdminInvitation(t *testing.T) {
	e := newTestEnv(t)
	admin, adminTok := e.account(store.RoleAdmin, "admin@example.org")
	inv := map[string]any{"email": "paul@example.org", "name": "Paul", "role": "editor", "reason": "Accréditation votée par le CA"}
	resp, body := e.do("POST", "/api/users", inv, auth(adminTok)...)
	if resp.StatusCode != 201 || decode[store.Account](t, body).Status != "invited" {
		t.Fatalf("invite: %d %s", resp.StatusCode, body)
	}
	if resp, body := e.do("POST", "/api/users", inv, auth(adminTok)...); resp.StatusCode != 422 || decode[errResp](t, body).Error.Fields["email"] != "taken" {
		t.Fatalf("invite twice: %d %s", resp.StatusCode, body)
	}
	tok := e.tokenOf("paul@example.org", 1, "/invitation")
	_, body = e.do("POST", "/api/invitations/inspect", map[string]string{"token": tok})
	if info := decode[store.InvitationInfo](t, body); info.Email != "paul@example.org" || info.Role != "editor" || info.Inviter != admin.Name {
		t.Fatalf("inspect: %s", body)
	}

	// Registering with another address and the invitation gives a plain reader.
	resp, body = e.do("POST", "/api/auth/register", map[string]any{"email": "eve@example.org", "name": "Eve", "password": "un mot de passe solide", "pledge": true, "invitation": tok})
	if resp.StatusCode != 202 || decode[map[string]string](t, body)["status"] != "pending" {
		t.Fatalf("other e-mail: %d %s", resp.StatusCode, body)
	}
	eveTok := e.tokenOf("eve@example.org", 1, "/activate")
	e.do("POST", "/api/auth/activate", map[string]string{"token": eveTok})
	_, body = e.do("GET", "/api/me", nil, auth(e.login("eve@example.org", "un mot de passe solide"))...)
	if decode[store.Account](t, body).Role != "reader" {
		t.Fatalf("eve got more than a reader: %s", body)
	}

	resp, body = e.do("POST", "/api/auth/register", map[string]any{"email": "Paul@example.org", "name": "Paul Martin", "password": "un mot de passe solide", "pledge": true, "invitation": tok})
	if resp.StatusCode != 202 || decode[map[string]string](t, body)["status"] != "active" {
		t.Fatalf("accept invitation: %d %s", resp.StatusCode, body)
	}
	_, body = e.do("GET", "/api/me", nil, auth(e.login("paul@example.org", "un mot de passe solide"))...)
	if me := decode[store.Account](t, body); me.Role != "editor" || me.Name != "Paul Martin" || me.PledgeSignedAt == nil {
		t.Fatalf("invited account: %s", body)
	}
	if resp, _ := e.do("POST", "/api/invitations/inspect", map[string]string{"token": tok}); resp.StatusCode != 422 {
		t.Fatalf("a used invitation still inspects: %d", resp.StatusCode)
	}
}

// Journey 4: sessions are bearer tokens that die at logout, when idle, and at
// their absolute lifetime; people list and end their own.
func TestSessions(t *testing.T) {
	e := newTestEnv(t)
	_, tok := e.account(store.RoleEditor, "ed@example.org")
	other := e.login("ed@example.org", "a long enough passphrase")
	_, body := e.do("GET", "/api/me/sessions", nil, auth(tok)...)
	sessions := decode[struct{ Items []store.Session }](t, body).Items
	if len(sessions) != 2 {
		t.Fatalf("sessions: %s", body)
	}
	var otherID string
	for _, s := range sessions {
		if !s.Current {
			otherID = s.ID
		}
	}
	if resp, _ := e.do("DELETE", "/api/me/sessions/"+otherID, nil, auth(tok)...); resp.StatusCode != 204 {
		t.Fatalf("end session: %d", resp.StatusCode)
	}
	if resp, _ := e.do("GET", "/api/me", nil, auth(other)...); resp.StatusCode != 401 {
		t.Fatalf("ended session still works: %d", resp.StatusCode)
	}
	// Someone else's session is not found.
	_, strangerTok := e.account(store.RoleEditor, "stranger@example.org")
	_, body = e.do("GET", "/api/me/sessions", nil, auth(strangerTok)...)
	strangerSession := decode[struct{ Items []store.Session }](t, body).Items[0].ID
	if resp, _ := e.do("DELETE", "/api/me/sessions/"+strangerSession, nil, auth(tok)...); resp.StatusCode != 404 {
		t.Fatalf("ended another's session: %d", resp.StatusCode)
	}
	if resp, _ := e.do("POST", "/api/auth/logout", nil, auth(tok)...); resp.StatusCode != 204 {
		t.Fatalf("logout: %d", resp.StatusCode)
	}
	if resp, _ := e.do("GET", "/api/me", nil, auth(tok)...); resp.StatusCode != 401 {
		t.Fatalf("token alive after logout: %d", resp.StatusCode)
	}

	// Idle timeout (30 min) and absolute lifetime (12 h).
	tok = e.login("ed@example.org", "a long enough passphrase")
	e.clock.advance(29 * time.Minute)
	if resp, _ := e.do("GET", "/api/me", nil, auth(tok)...); resp.StatusCode != 200 {
		t.Fatalf("session died before the idle timeout: %d", resp.StatusCode)
	}
	e.clock.advance(31 * time.Minute)
	if resp, _ := e.do("GET", "/api/me", nil, auth(tok)...); resp.StatusCode != 401 {
		t.Fatalf("idle session still works: %d", resp.StatusCode)
	}
	tok = e.login("ed@example.org", "a long enough passphrase")
	for i := 0; i < 25; i++ { // 25 × 29 min of activity > 12 h
		e.clock.advance(29 * time.Minute)
		resp, _ := e.do("GET", "/api/me", nil, auth(tok)...)
		if resp.StatusCode == 401 {
			if i < 24 {
				t.Fatalf("session ended after %d min", (i+1)*29)
			}
			return
		}
	}
	t.Fatal("session outlived its absolute lifetime")
}

// Tokens are accepted from the Authorization header only.
func TestTokenOnlyFromHeader(t *testing.T) {
	e := newTestEnv(t)
	_, tok := e.account(store.RoleEditor, "ed@example.org")
	for _, req := range [][]string{
		{"GET", "/api/me?token=" + tok},
		{"GET", "/api/me?access_token=" + tok},
	} {
		if resp, _ := e.do(req[0], req[1], nil); resp.StatusCode != 401 {
			t.Fatalf("%s accepted a token from the query", req[1])
		}
	}
	if resp, _ := e.do("GET", "/api/me", nil, "Cookie", "token="+tok); resp.StatusCode != 401 {
		t.Fatal("accepted a token from a cookie")
	}
	if resp, _ := e.do("GET", "/api/me", nil, "Authorization", "Bearer nope"); resp.StatusCode != 401 {
		t.Fatal("accepted a bad token")
	}
	if strings.Contains(e.logs.String(), tok) {
		t.Fatal("a token reached the log")
	}
}

// Journey 5: failures slow down, ten in a row lock the account (its owner is
// told), and every failure cause answers the same 401.
func TestThrottlingAndLock(t *testing.T) {
	e := newTestEnv(t)
	_, adminTok := e.account(store.RoleAdmin, "admin@example.org")
	victim, _ := e.account(store.RoleEditor, "victim@example.org")
	wrong := map[string]string{"email": "victim@example.org", "password": "wrong password!!"}
	unknown := map[string]string{"email": "nobody@example.org", "password": "wrong password!!"}
	_, unknownBody := e.do("POST", "/api/auth/login", unknown)
	for i := 1; i <= 10; i++ {
		resp, body := e.do("POST", "/api/auth/login", wrong)
		if resp.StatusCode != 401 || string(body) != string(unknownBody) {
			t.Fatalf("failure %d: %d %s (unknown e-mail gave %s)", i, resp.StatusCode, body, unknownBody)
		}
	}
	acc, _ := e.store.GetAccount(context.Background(), store.Actor{Account: &store.Account{Role: store.RoleAdmin}}, victim.ID)
	if acc.Status != store.StatusLocked {
		t.Fatalf("status after 10 failures: %s", acc.Status)
	}
	locked := e.smtp.WaitFor(t, "victim@example.org", 1, waitMail)[0]
	if mailtest.Link(t, locked, "/forgot") == "" {
		t.Fatalf("lock e-mail: %s", locked.Text)
	}
	resp, body := e.do("POST", "/api/auth/login", map[string]string{"email": "victim@example.org", "password": "a long enough passphrase"})
	if resp.StatusCode != 401 || string(body) != string(unknownBody) {
		t.Fatalf("locked account with the right password: %d %s", resp.StatusCode, body)
	}
	if resp, body := e.do("POST", "/api/users/"+victim.ID+"/unblock", map[string]string{"reason": "Débloqué à sa demande par téléphone"}, auth(adminTok)...); resp.StatusCode != 200 {
		t.Fatalf("unlock: %d %s", resp.StatusCode, body)
	}
	e.login("victim@example.org", "a long enough passphrase")

	// From one address, past the refusal threshold, answers are 429 at once.
	for i := 0; i < testRefuseAfter; i++ {
		e.do("POST", "/api/auth/login", unknown)
	}
	if resp, body := e.do("POST", "/api/auth/login", unknown); resp.StatusCode != 429 {
		t.Fatalf("no throttling after %d failures: %d %s", testRefuseAfter, resp.StatusCode, body)
	}
}

// Journey 6: password reset, always 202, single use, 30 minutes, ends sessions.
func TestPasswordReset(t *testing.T) {
	e := newTestEnv(t)
	_, tok := e.account(store.RoleEditor, "ed@example.org")
	_, body := e.do("POST", "/api/auth/password/forgot", map[string]string{"email": "nobody@example.org"})
	resp, known := e.do("POST", "/api/auth/password/forgot", map[string]string{"email": "ED@example.org"})
	if resp.StatusCode != 202 || string(body) != string(known) {
		t.Fatalf("forgot: %d %s vs %s", resp.StatusCode, known, body)
	}
	reset := e.tokenOf("ed@example.org", 1, "/reset")
	if resp, body := e.do("POST", "/api/auth/password/reset", map[string]string{"token": reset, "password": "short"}); resp.StatusCode != 422 || decode[errResp](t, body).Error.Fields["password"] != "min=10" {
		t.Fatalf("weak new password: %d %s", resp.StatusCode, body)
	}
	if resp, body := e.do("POST", "/api/auth/password/reset", map[string]string{"token": reset, "password": "a brand new passphrase"}); resp.StatusCode != 200 {
		t.Fatalf("reset: %d %s", resp.StatusCode, body)
	}
	if resp, _ := e.do("GET", "/api/me", nil, auth(tok)...); resp.StatusCode != 401 {
		t.Fatal("a session survived the reset")
	}
	if resp, _ := e.do("POST", "/api/auth/password/reset", map[string]string{"token": reset, "password": "yet another passphrase"}); resp.StatusCode != 422 {
		t.Fatal("a reset link worked twice")
	}
	if m := e.smtp.WaitFor(t, "ed@example.org", 2, waitMail)[1]; m.Text == "" {
		t.Fatal("no password-changed notice")
	}
	e.login("ed@example.org", "a brand new passphrase")

	e.do("POST", "/api/auth/password/forgot", map[string]string{"email": "ed@example.org"})
	late := e.tokenOf("ed@example.org", 3, "/reset")
	e.clock.advance(31 * time.Minute)
	if resp, _ := e.do("POST", "/api/auth/password/reset", map[string]string{"token": late, "password": "yet another passphrase"}); resp.StatusCode != 422 {
		t.Fatal("an expired reset link worked")
	}
}

func TestChangeOwnPasswordAndProfile(t *testing.T) {
	e := newTestEnv(t)
	_, tok := e.account(store.RoleEditor, "ed@example.org")
	other := e.login("ed@example.org", "a long enough passphrase")
	if resp, body := e.do("POST", "/api/me/password", map[string]string{"current_password": "wrong one here", "new_password": "a brand new passphrase"}, auth(tok)...); resp.StatusCode != 422 || decode[errResp](t, body).Error.Fields["current_password"] != "wrong" {
		t.Fatalf("wrong current password: %d %s", resp.StatusCode, body)
	}
	if resp, body := e.do("POST", "/api/me/password", map[string]string{"current_password": "a long enough passphrase", "new_password": "a brand new passphrase"}, auth(tok)...); resp.StatusCode != 200 {
		t.Fatalf("change: %d %s", resp.StatusCode, body)
	}
	if resp, _ := e.do("GET", "/api/me", nil, auth(tok)...); resp.StatusCode != 200 {
		t.Fatal("the current session ended")
	}
	if resp, _ := e.do("GET", "/api/me", nil, auth(other)...); resp.StatusCode != 401 {
		t.Fatal("another session survived the change")
	}
	resp, body := e.do("PATCH", "/api/me", map[string]string{"name": "Édith", "locale": "en"}, auth(tok)...)
	if me := decode[store.Account](t, body); resp.StatusCode != 200 || me.Name != "Édith" || me.Locale != "en" {
		t.Fatalf("profile: %d %s", resp.StatusCode, body)
	}
	if resp, body := e.do("PATCH", "/api/me", map[string]string{"locale": "de"}, auth(tok)...); resp.StatusCode != 200 || decode[store.Account](t, body).Locale != "de" {
		t.Fatalf("German: %d %s", resp.StatusCode, body)
	}
	if resp, body := e.do("PATCH", "/api/me", map[string]string{"locale": "it"}, auth(tok)...); resp.StatusCode != 422 || decode[errResp](t, body).Error.Fields["locale"] == "" {
		t.Fatalf("bad locale: %d %s", resp.StatusCode, body)
	}
}

// Journey 7: admins change roles, block, unblock and deregister, with reasons;
// only a superadmin touches admins; the last superadmin stays.
func TestAccountAdministrationRules(t *testing.T) {
	e := newTestEnv(t)
	sa, saTok := e.account(store.RoleSuperadmin, "sa@example.org")
	admin, adminTok := e.account(store.RoleAdmin, "admin@example.org")
	ed, edTok := e.account(store.RoleEditor, "ed@example.org")
	sec, _ := e.account(store.RoleSecretariat, "sec@example.org")
	reason := map[string]any{"reason": "Décision du CA du 20/11"}
	with := func(k string, v any) map[string]any { return map[string]any{"reason": reason["reason"], k: v} }

	cases := []struct {
		name, tok, method, path string
		body                    any
		status                  int
		code                    string
	}{
		{"admin cannot make an admin", adminTok, "PATCH", "/api/users/" + ed.ID, with("role", "admin"), 403, "superadmin_only"},
		{"admin cannot demote an admin", adminTok, "PATCH", "/api/users/" + admin.ID, with("role", "editor"), 403, "superadmin_only"},
		{"admin cannot block the superadmin", adminTok, "POST", "/api/users/" + sa.ID + "/block", reason, 403, "superadmin_only"},
		{"admin cannot name the secretariat", adminTok, "PATCH", "/api/users/" + ed.ID, with("role", "secretariat"), 403, "superadmin_only"},
		{"admin cannot touch the secretariat", adminTok, "PATCH", "/api/users/" + sec.ID, with("role", "reader"), 403, "superadmin_only"},
		{"admin cannot invite the secretariat", adminTok, "POST", "/api/users", map[string]any{"email": "y@example.org", "name": "Y", "role": "secretariat", "reason": reason["reason"]}, 403, "superadmin_only"},
		{"admin cannot invite an admin", adminTok, "POST", "/api/users", map[string]any{"email": "x@example.org", "name": "X", "role": "admin", "reason": reason["reason"]}, 403, "superadmin_only"},
		{"reason is required", adminTok, "POST", "/api/users/" + ed.ID + "/block", map[string]any{"reason": ""}, 422, "validation_failed"},
		{"last superadmin cannot be demoted", saTok, "PATCH", "/api/users/" + sa.ID, with("role", "admin"), 409, "last_superadmin"},
		{"nobody blocks themselves", saTok, "POST", "/api/users/" + sa.ID + "/block", reason, 409, "self"},
		{"unblocking an active account", adminTok, "POST", "/api/users/" + ed.ID + "/unblock", reason, 409, "not_blocked"},
		{"bad role", saTok, "PATCH", "/api/users/" + ed.ID, with("role", "king"), 422, "validation_failed"},
		{"unknown account", adminTok, "GET", "/api/users/00000000-0000-4000-8000-000000000000", nil, 404, "not_found"},
	}
	for _, tc := range cases {
		resp, body := e.do(tc.method, tc.path, tc.body, auth(tc.tok)...)
		if resp.StatusCode != tc.status || decode[errResp](t, body).Error.Code != tc.code {
			t.Errorf("%s: %d %s, want %d %s", tc.name, resp.StatusCode, body, tc.status, tc.code)
		}
	}

	// Lowering a role ends the account's sessions.
	if resp, body := e.do("PATCH", "/api/users/"+ed.ID, with("role", "reader"), auth(adminTok)...); resp.StatusCode != 200 || decode[store.Account](t, body).Role != "reader" {
		t.Fatalf("demote: %d %s", resp.StatusCode, body)
	}
	if resp, _ := e.do("GET", "/api/me", nil, auth(edTok)...); resp.StatusCode != 401 {
		t.Fatal("a session kept the higher role")
	}
	// Blocking ends sessions; the same credentials then fail like any other.
	edTok = e.login("ed@example.org", "a long enough passphrase")
	if resp, body := e.do("POST", "/api/users/"+ed.ID+"/block", reason, auth(adminTok)...); resp.StatusCode != 200 || decode[store.Account](t, body).Status != "blocked" {
		t.Fatalf("block: %d %s", resp.StatusCode, body)
	}
	if resp, _ := e.do("GET", "/api/me", nil, auth(edTok)...); resp.StatusCode != 401 {
		t.Fatal("a blocked account's session still works")
	}
	if resp, _ := e.do("POST", "/api/auth/login", map[string]string{"email": "ed@example.org", "password": "a long enough passphrase"}); resp.StatusCode != 401 {
		t.Fatal("a blocked account logged in")
	}
	e.do("POST", "/api/users/"+ed.ID+"/unblock", reason, auth(adminTok)...)
	e.login("ed@example.org", "a long enough passphrase")
	// Deregistration keeps the account for history but it can no longer log in.
	if resp, body := e.do("DELETE", "/api/users/"+ed.ID, reason, auth(adminTok)...); resp.StatusCode != 204 {
		t.Fatalf("deregister: %d %s", resp.StatusCode, body)
	}
	_, body := e.do("GET", "/api/users/"+ed.ID, nil, auth(adminTok)...)
	if decode[store.Account](t, body).Status != "deregistered" {
		t.Fatalf("deregistered: %s", body)
	}
	if resp, _ := e.do("POST", "/api/auth/login", map[string]string{"email": "ed@example.org", "password": "a long enough passphrase"}); resp.StatusCode != 401 {
		t.Fatal("a deregistered account logged in")
	}
	// A superadmin can make a second superadmin, after which the first may step down.
	if resp, body := e.do("PATCH", "/api/users/"+admin.ID, with("role", "superadmin"), auth(saTok)...); resp.StatusCode != 200 {
		t.Fatalf("promote: %d %s", resp.StatusCode, body)
	}
	if resp, body := e.do("PATCH", "/api/users/"+sa.ID, with("role", "admin"), auth(saTok)...); resp.StatusCode != 200 {
		t.Fatalf("step down: %d %s", resp.StatusCode, body)
	}
	// Search.
	_, body = e.do("GET", "/api/users?q=ADMIN&per_page=1", nil, auth(adminTok)...)
	if l := decode[listBody[store.Account]](t, body); l.Total != 1 || len(l.Items) != 1 || l.PerPage != 1 {
		t.Fatalf("search: %s", body)
	}
	if resp, _ := e.do("GET", "/api/users?per_page=500", nil, auth(adminTok)...); resp.StatusCode != 422 {
		t.Fatal("per_page above 200 accepted")
	}
	// Every intervention is in the audit log with its reason.
	_, body = e.do("GET", "/api/audit?object="+ed.ID, nil, auth(adminTok)...)
	entries := decode[listBody[store.AuditEntry]](t, body).Items
	var actions []string
	for _, en := range entries {
		if en.Reason == "" && strings.HasPrefix(en.Action, "account.") && en.Action != "account.created" {
			t.Errorf("%s without a reason", en.Action)
		}
		actions = append(actions, en.Action)
	}
	want := "account.deregister,session.login,account.unblock,account.block,session.login,account.updated,session.login,account.created"
	if got := strings.Join(actions, ","); got != want {
		t.Fatalf("audit of ed: %s", got)
	}
}

// The audit chain verifies through the API and the CLI's store call, and a
// row altered in the database breaks it visibly.
func TestAuditChainDetectsTampering(t *testing.T) {
	e := newTestEnv(t)
	_, saTok := e.account(store.RoleSuperadmin, "sa@example.org")
	for i := 0; i < 5; i++ {
		e.account(store.RoleEditor, fmt.Sprintf("ed%d@example.org", i))
	}
	_, body := e.do("GET", "/api/audit/verify", nil, auth(saTok)...)
	// Six accounts created, five editors' memberships of the unit, six logins.
	if v := decode[store.AuditVerification](t, body); !v.OK || v.Entries != 17 {
		t.Fatalf("verify: %s", body)
	}
	// Someone with the database file in hand: the triggers refuse edits...
	db := e.rawDB()
	defer db.Close()
	if _, err := db.Exec("UPDATE audit_entries SET reason = 'x' WHERE id = 3"); err == nil {
		t.Fatal("an audit entry was updated")
	}
	// ...so a tamperer drops them first; the chain still tells.
	drop := "DROP TRIGGER audit_entries_no_update"
	if testpg.OnPostgres() {
		drop += " ON audit_entries"
	}
	for _, q := range []string{drop, "UPDATE audit_entries SET actor_id = 'someone-else' WHERE id = 3"} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	_, body = e.do("GET", "/api/audit/verify", nil, auth(saTok)...)
	if v := decode[store.AuditVerification](t, body); v.OK || v.BrokenAt != 3 {
		t.Fatalf("tampering not detected: %s", body)
	}
}
