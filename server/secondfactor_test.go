package server

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"cloison/internal/testpg"
	"cloison/server/config"
	"cloison/store"
)

// enrol gives the account behind tok a second factor through the API and
// returns its secret and recovery codes.
func (e *testEnv) enrol(tok string) (string, []string) {
	e.t.Helper()
	resp, body := e.do("POST", "/api/me/second-factor", nil, auth(tok)...)
	if resp.StatusCode != 201 {
		e.t.Fatalf("start: %d %s", resp.StatusCode, body)
	}
	en := decode[store.Enrolment](e.t, body)
	if !strings.HasPrefix(en.URI, "otpauth://totp/") || !strings.Contains(en.URI, "secret="+en.Secret) {
		e.t.Fatalf("enrolment: %+v", en)
	}
	resp, body = e.do("POST", "/api/me/second-factor/confirm", map[string]string{"code": totpNow(e.t, en.Secret)}, auth(tok)...)
	if resp.StatusCode != 200 {
		e.t.Fatalf("confirm: %d %s", resp.StatusCode, body)
	}
	codes := decode[struct {
		RecoveryCodes []string `json:"recovery_codes"`
	}](e.t, body).RecoveryCodes
	return en.Secret, codes
}

// totpNow is the code an authenticator app shows now for secret; a code
// works once, so this waits for the next step when asked for a second one.
func totpNow(t testing.TB, secret string) string {
	t.Helper()
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// totpNext is the code of the next 30-second step, which the server takes
// too (a clock a little off), and which no code before has used.
func totpNext(t testing.TB, secret string) string {
	t.Helper()
	code, err := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// The second factor: enrolment with a QR code drawn by the binary, login
// whose every failure answers the same, codes that work once, recovery
// codes, throttling and locking like passwords.
func TestSecondFactorEnrolmentAndLogin(t *testing.T) {
	e := newTestEnv(t)
	ed, tok := e.account(store.RoleEditor, "ed@example.org")
	const password = "a long enough passphrase"

	resp, body := e.do("GET", "/api/me/second-factor", nil, auth(tok)...)
	if st := decode[store.SecondFactorStatus](t, body); resp.StatusCode != 200 || st.Enrolled || st.Pending || st.Required {
		t.Fatalf("status before: %d %s", resp.StatusCode, body)
	}
	if resp, _ := e.do("GET", "/api/me/second-factor/qr.png", nil, auth(tok)...); resp.StatusCode != 404 {
		t.Fatalf("QR code without an enrolment: %d", resp.StatusCode)
	}
	resp, body = e.do("POST", "/api/me/second-factor", nil, auth(tok)...)
	secret := decode[store.Enrolment](t, body).Secret
	if resp.StatusCode != 201 || len(secret) < 32 {
		t.Fatalf("start: %d %s", resp.StatusCode, body)
	}
	resp, body = e.do("GET", "/api/me/second-factor/qr.png", nil, auth(tok)...)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("QR code: %d %v", resp.StatusCode, resp.Header)
	}
	if img, err := png.Decode(bytes.NewReader(body)); err != nil || img.Bounds().Dx() != qrSize {
		t.Fatalf("QR code is not a %d-pixel PNG: %v", qrSize, err)
	}
	// Pending, logging in still needs the password alone.
	e.login("ed@example.org", password)
	resp, body = e.do("POST", "/api/me/second-factor/confirm", map[string]string{"code": "000000"}, auth(tok)...)
	if resp.StatusCode != 422 || decode[errResp](t, body).Error.Fields["code"] != "wrong_code" {
		t.Fatalf("a wrong first code: %d %s", resp.StatusCode, body)
	}
	resp, body = e.do("POST", "/api/me/second-factor/confirm", map[string]string{"code": totpNow(t, secret)}, auth(tok)...)
	codes := decode[struct {
		RecoveryCodes []string `json:"recovery_codes"`
	}](t, body).RecoveryCodes
	if resp.StatusCode != 200 || len(codes) != 10 {
		t.Fatalf("confirm: %d %s", resp.StatusCode, body)
	}
	_, body = e.do("GET", "/api/me/second-factor", nil, auth(tok)...)
	if st := decode[store.SecondFactorStatus](t, body); !st.Enrolled || st.RecoveryCodesLeft != 10 {
		t.Fatalf("status after: %s", body)
	}
	if resp, body := e.do("POST", "/api/me/second-factor", nil, auth(tok)...); resp.StatusCode != 409 || decode[errResp](t, body).Error.Code != "second_factor_enrolled" {
		t.Fatalf("a second enrolment: %d %s", resp.StatusCode, body)
	}

	// Every failure answers the same bytes: unknown account, wrong password,
	// and for this account a missing, wrong, or already used code.
	login := func(email, pw, code string) (int, string) {
		resp, body := e.do("POST", "/api/auth/login", map[string]string{"email": email, "password": pw, "code": code})
		return resp.StatusCode, string(body)
	}
	_, unknown := login("nobody@example.org", password, "")
	first := totpNext(t, secret)
	for _, tc := range []struct{ name, pw, code string }{
		{"wrong password", "wrong password!!", ""},
		{"wrong password, right code", "wrong password!!", first},
		{"missing code", password, ""},
		{"wrong code", password, "123456"},
		{"a recovery code's look, not one", password, "aaaa-bbbb-cccc-dddd"},
	} {
		if status, body := login("ed@example.org", tc.pw, tc.code); status != 401 || body != unknown {
			t.Errorf("%s: %d %s, want the unknown account's %s", tc.name, status, body, unknown)
		}
	}
	if status, body := login("ed@example.org", password, first); status != 200 {
		t.Fatalf("the right code: %d %s", status, body)
	}
	if status, body := login("ed@example.org", password, first); status != 401 || body != unknown {
		t.Fatalf("the same code twice: %d %s", status, body)
	}
	if status, body := login("ed@example.org", password, strings.ToUpper(codes[0])); status != 200 {
		t.Fatalf("a recovery code: %d %s", status, body)
	}
	if status, body := login("ed@example.org", password, codes[0]); status != 401 || body != unknown {
		t.Fatalf("a recovery code twice: %d %s", status, body)
	}
	_, body = e.do("GET", "/api/me/second-factor", nil, auth(tok)...)
	if st := decode[store.SecondFactorStatus](t, body); st.RecoveryCodesLeft != 9 {
		t.Fatalf("after one recovery code: %s", body)
	}

	// Wrong codes lock the account like wrong passwords: ten in a row.
	for range 10 {
		login("ed@example.org", password, "999999")
	}
	if status, _ := login("ed@example.org", password, codes[1]); status != 401 {
		t.Fatalf("ten wrong codes did not lock the account: %d", status)
	}
	acc, err := e.store.GetAccount(context.Background(), e.superActor(), ed.ID)
	if err != nil || acc.Status != store.StatusLocked {
		t.Fatalf("after ten wrong codes: %+v %v", acc, err)
	}
}

// When the instance requires it, an administrator who has not enrolled a
// second factor logs in to a session that opens only the enrolment; an
// editor is not held. An administrator resets someone's lost second factor
// with a reason, audited; an administrator's is a superadmin's to reset.
func TestSecondFactorRequiredAndReset(t *testing.T) {
	e := newTestEnv(t, func(c *config.Config) { c.Instance.RequireSecondFactor = true })
	_, adminTok := e.account(store.RoleAdmin, "admin@example.org")
	ed, edTok := e.account(store.RoleEditor, "ed@example.org")
	if resp, _ := e.do("GET", "/api/cases", nil, auth(edTok)...); resp.StatusCode != 200 {
		t.Fatalf("an editor held: %d", resp.StatusCode)
	}
	for _, p := range []string{"/api/users", "/api/cases", "/api/audit", "/api/me/sessions"} {
		if resp, body := e.do("GET", p, nil, auth(adminTok)...); resp.StatusCode != 403 || decode[errResp](t, body).Error.Code != "second_factor_required" {
			t.Errorf("%s before enrolling: %d %s", p, resp.StatusCode, body)
		}
	}
	// A case file's page asked twice by a secretariat member who has not
	// enrolled: on PostgreSQL the second goes through the token's kept
	// session check (store.SessionHint), and must be held all the same.
	_, secTok := e.account(store.RoleSecretariat, "sec@example.org")
	for i := range 2 {
		if resp, body := e.do("GET", "/api/cases/0193a4b2-0000-7000-8000-000000000000", nil, auth(secTok)...); resp.StatusCode != 403 ||
			decode[errResp](t, body).Error.Code != "second_factor_required" {
			t.Errorf("a case file’s page, request %d before enrolling: %d %s", i+1, resp.StatusCode, body)
		}
	}
	resp, body := e.do("GET", "/api/me/second-factor", nil, auth(adminTok)...)
	if st := decode[store.SecondFactorStatus](t, body); resp.StatusCode != 200 || !st.Required || st.Enrolled {
		t.Fatalf("status: %d %s", resp.StatusCode, body)
	}
	if resp, _ := e.do("GET", "/api/me", nil, auth(adminTok)...); resp.StatusCode != 200 {
		t.Fatalf("GET /api/me: %d", resp.StatusCode)
	}
	adminSecret, _ := e.enrol(adminTok)
	if resp, _ := e.do("GET", "/api/users", nil, auth(adminTok)...); resp.StatusCode != 200 {
		t.Fatalf("after enrolling: %d", resp.StatusCode)
	}
	if resp, body := e.do("DELETE", "/api/me/second-factor", map[string]string{"password": "a long enough passphrase"}, auth(adminTok)...); resp.StatusCode != 403 ||
		decode[errResp](t, body).Error.Code != "second_factor_required" {
		t.Fatalf("removing a required second factor: %d %s", resp.StatusCode, body)
	}

	// The editor enrols, loses the phone; the administrator resets it.
	e.enrol(edTok)
	reset := "/api/users/" + ed.ID + "/second-factor/reset"
	if resp, body := e.do("POST", reset, map[string]string{"reason": "court"}, auth(adminTok)...); resp.StatusCode != 422 || decode[errResp](t, body).Error.Fields["reason"] == "" {
		t.Fatalf("reset without a real reason: %d %s", resp.StatusCode, body)
	}
	why := "Téléphone perdu, identité vérifiée en personne"
	if resp, body := e.do("POST", reset, map[string]string{"reason": why}, auth(adminTok)...); resp.StatusCode != 204 {
		t.Fatalf("reset: %d %s", resp.StatusCode, body)
	}
	if resp, _ := e.do("GET", "/api/me", nil, auth(edTok)...); resp.StatusCode != 401 {
		t.Fatalf("the reset left the editor's session: %d", resp.StatusCode)
	}
	e.login("ed@example.org", "a long enough passphrase") // the password alone again
	_, body = e.do("GET", "/api/audit?action=account.second_factor_reset", nil, auth(adminTok)...)
	if !strings.Contains(string(body), why) || !strings.Contains(string(body), ed.ID) {
		t.Fatalf("the reset is not in the audit log with its reason: %s", body)
	}
	// An administrator's second factor is a superadmin's to reset.
	_, otherTok := e.account(store.RoleAdmin, "other-admin@example.org")
	e.enrol(otherTok)
	admin := e.actorOf(adminTok).Account
	if resp, body := e.do("POST", "/api/users/"+admin.ID+"/second-factor/reset", map[string]string{"reason": why}, auth(otherTok)...); resp.StatusCode != 403 ||
		decode[errResp](t, body).Error.Code != "superadmin_only" {
		t.Fatalf("an admin resetting an admin's: %d %s", resp.StatusCode, body)
	}

	// The secret is nowhere in clear at rest; a backup carries the key
	// beside it, without which the secrets do not open.
	files := e.atRest("second-factor")
	for name, b := range files {
		if bytes.Contains(b, []byte(adminSecret)) {
			t.Errorf("the TOTP secret is in clear in %s", name)
		}
	}
	if testpg.OnPostgres() {
		return // the database is copied by pg_dump; the key stays in the data directory
	}
	backup := filepath.Join(t.TempDir(), "copy.db")
	res, err := e.store.Backup(context.Background(), backup)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(res.AttachmentsDir, store.KeyFile)); err != nil {
		t.Fatalf("the backup lacks the key that opens the second factors: %v", err)
	}
}
