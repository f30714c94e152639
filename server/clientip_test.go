package server

import (
	"encoding/json"
	"strconv"
	"sync"
	"testing"

	"cloison/server/config"
	"cloison/store"
)

// sessionIP logs in over a loopback socket with the given X-Forwarded-For
// headers and returns the client address the new session recorded.
func (e *testEnv) sessionIP(t *testing.T, email string, xff ...string) string {
	t.Helper()
	var headers []string
	for _, h := range xff {
		headers = append(headers, "X-Forwarded-For", h)
	}
	b, _ := json.Marshal(map[string]string{"email": email, "password": "a long enough passphrase"})
	resp, body := e.doSocket("POST", "/api/auth/login", "application/json", b, headers...)
	if resp.StatusCode != 200 {
		t.Fatalf("login: %d %s", resp.StatusCode, body)
	}
	login := decode[store.Login](t, body)
	_, body = e.do("GET", "/api/me/sessions", nil, auth(login.Token)...)
	for _, s := range decode[struct{ Items []store.Session }](t, body).Items {
		if s.Current {
			return s.ClientIP
		}
	}
	t.Fatalf("no current session in %s", body)
	return ""
}

// Behind a trusted proxy the client is the right-most address of
// X-Forwarded-For that is not a trusted proxy, and only a valid IP address;
// anything else, and any request that does not come from a trusted proxy,
// is the socket's address.
func TestClientAddressBehindTrustedProxy(t *testing.T) {
	e := newTestEnv(t, func(c *config.Config) { c.Server.TrustedProxies = []string{"127.0.0.1", "10.0.0.0/8"} })
	e.account(store.RoleEditor, "ed@example.org")
	for _, tc := range []struct {
		name string
		xff  []string
		want string
	}{
		{"no header", nil, "127.0.0.1"},
		{"one client", []string{"198.51.100.7"}, "198.51.100.7"},
		{"a client's own left part is ignored", []string{"203.0.113.9, 198.51.100.7"}, "198.51.100.7"},
		{"trusted inner proxies are skipped", []string{"198.51.100.7, 10.1.2.3 ,10.9.9.9"}, "198.51.100.7"},
		{"several headers are one list", []string{"203.0.113.9", "198.51.100.8"}, "198.51.100.8"},
		{"IPv6", []string{"2001:db8::7"}, "2001:db8::7"},
		{"IPv4 written as IPv6", []string{"::ffff:198.51.100.7"}, "198.51.100.7"},
		{"not an address", []string{"<script>"}, "127.0.0.1"},
		{"an address with a port", []string{"198.51.100.7:4000"}, "127.0.0.1"},
		{"garbage right of a client", []string{"198.51.100.7, not-an-ip"}, "127.0.0.1"},
		{"nothing but trusted proxies", []string{"10.0.0.1, 10.0.0.2"}, "127.0.0.1"},
		{"empty entries", []string{" , "}, "127.0.0.1"},
	} {
		if got := e.sessionIP(t, "ed@example.org", tc.xff...); got != tc.want {
			t.Errorf("%s: X-Forwarded-For %q gave %q, want %q", tc.name, tc.xff, got, tc.want)
		}
	}

	// Without trusted proxies, X-Forwarded-For is nobody's word.
	direct := newTestEnv(t)
	direct.account(store.RoleEditor, "ed@example.org")
	if got := direct.sessionIP(t, "ed@example.org", "198.51.100.7"); got != "127.0.0.1" {
		t.Errorf("untrusted X-Forwarded-For believed: %q", got)
	}
}

// Behind a proxy, the failures of one client count against that client
// whatever it writes in front of its address, and against no one else.
func TestThrottlingBehindTrustedProxy(t *testing.T) {
	e := newTestEnv(t, func(c *config.Config) { c.Server.TrustedProxies = []string{"0.0.0.0"} })
	login := func(i int, xff string) int {
		resp, _ := e.do("POST", "/api/auth/login", map[string]string{"email": "nobody@example.org", "password": "wrong password!!"},
			"X-Forwarded-For", xff)
		return resp.StatusCode
	}
	var wg sync.WaitGroup
	for i := range testRefuseAfter {
		wg.Go(func() {
			// Each failure claims another address in front of the real one.
			if got := login(i, "203.0.113."+strconv.Itoa(i%250)+", 198.51.100.7"); got != 401 {
				t.Errorf("failure %d: %d", i, got)
			}
		})
	}
	wg.Wait()
	if got := login(0, "192.0.2.1, 198.51.100.7"); got != 429 {
		t.Fatalf("after %d failures behind the proxy: %d, want 429", testRefuseAfter, got)
	}
	if got := login(0, "198.51.100.8"); got != 401 {
		t.Fatalf("another client behind the same proxy: %d, want 401", got)
	}
}
