package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestTwoInstancesBehindNginx runs deploy/nginx.conf, the configuration the
// README gives, in front of two real instances on one PostgreSQL database:
// the setup link one prints works on the other, the instances' security headers (the CSP first) come through untouched,
// an instance sees the client's own address through the proxy and believes
// no X-Forwarded-For from anyone else, a session made through the proxy
// works on either instance, and the service goes on when one instance is
// killed.
func TestTwoInstancesBehindNginx(t *testing.T) {
	nginx, err := exec.LookPath("nginx")
	if err != nil {
		if _, err = os.Stat("/usr/sbin/nginx"); err != nil {
			t.Skip("nginx is not installed (make test installs Debian's nginx-light)")
		}
		nginx = "/usr/sbin/nginx"
	}
	cl := newCluster(t, "CLOISON_SERVER_TRUSTED_PROXIES=127.0.0.1")
	instances := cl.startTogether(t, nil, nil)
	proxy := startNginx(t, nginx, instances[0].base, instances[1].base)

	// A client on another loopback address than the proxy's, so that the
	// instances can tell the two apart.
	api := apiClient{t: t, http: &http.Client{Transport: &http.Transport{DialContext: (&net.Dialer{
		LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}}).DialContext}}}
	call := api.call

	// The setup link the first instance printed creates the first
	// superadmin through the second.
	if resp, body := call("POST", instances[1].base+"/api/setup", "", map[string]string{"token": setupToken(t, instances[0].stdout),
		"email": "sa@example.org", "name": "SA", "password": "a long enough passphrase"}); resp.StatusCode != 201 {
		t.Fatalf("setup through the other instance: %d %s", resp.StatusCode, body)
	}

	// The page's headers are the instance's own, through the proxy.
	direct, _ := call("GET", instances[0].base+"/", "", nil)
	through, _ := call("GET", proxy+"/", "", nil)
	for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy"} {
		if direct.Header.Get(h) == "" || through.Header.Get(h) != direct.Header.Get(h) {
			t.Errorf("%s: %q through the proxy, %q from the instance", h, through.Header.Get(h), direct.Header.Get(h))
		}
	}

	// The client's address as the instances record it: through the proxy,
	// the client's own, whatever X-Forwarded-For it forged; straight to an
	// instance, its socket's, the forged header not believed.
	login := func(base string) string {
		t.Helper()
		return api.login(base, "sa@example.org", "a long enough passphrase", "X-Forwarded-For", "203.0.113.9")
	}
	clientIP := func(base, token string) string {
		t.Helper()
		resp, body := call("GET", base+"/api/me/sessions", token, nil)
		var out struct {
			Items []struct {
				ClientIP string `json:"client_ip"`
				Current  bool
			}
		}
		if resp.StatusCode != 200 || json.Unmarshal(body, &out) != nil {
			t.Fatalf("sessions through %s: %d %s", base, resp.StatusCode, body)
		}
		for _, s := range out.Items {
			if s.Current {
				return s.ClientIP
			}
		}
		t.Fatalf("no current session in %s", body)
		return ""
	}
	token := login(proxy)
	if ip := clientIP(proxy, token); ip != "127.0.0.2" {
		t.Errorf("through the proxy the session's address is %q, want the client's 127.0.0.2", ip)
	}
	if ip := clientIP(proxy, login(instances[1].base)); ip != "127.0.0.2" {
		t.Errorf("straight to an instance the session's address is %q, want the socket's 127.0.0.2", ip)
	}

	// The session made through the proxy works on each instance.
	for i, p := range instances {
		if resp, body := call("GET", p.base+"/api/me", token, nil); resp.StatusCode != 200 {
			t.Errorf("instance %d: %d %s", i, resp.StatusCode, body)
		}
	}

	// One instance killed: the proxy sends every request to the other.
	if err := instances[0].cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-instances[0].exited
	for i := range 6 {
		if resp, body := call("GET", proxy+"/api/me", token, nil); resp.StatusCode != 200 {
			t.Fatalf("request %d with an instance down: %d %s", i, resp.StatusCode, body)
		}
	}
}

// startNginx runs nginx with deploy/nginx.conf, its upstreams the two
// instances' addresses and its listening address a free port of loopback,
// and returns its base URL.
func startNginx(t *testing.T, nginx, a, b string) string {
	t.Helper()
	conf, err := os.ReadFile(filepath.Join("deploy", "nginx.conf"))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	site := strings.NewReplacer("127.0.0.1:8081", strings.TrimPrefix(a, "http://"), "127.0.0.1:8082", strings.TrimPrefix(b, "http://"),
		"listen 80;", "listen "+addr+";").Replace(string(conf))
	if site == string(conf) || !strings.Contains(site, "listen "+addr) {
		t.Fatal("deploy/nginx.conf no longer has the addresses the test replaces")
	}
	dir := t.TempDir()
	user := ""
	if os.Geteuid() == 0 {
		user = "user root;" // the workers write request bodies into dir
	}
	main := fmt.Sprintf(`%s
daemon off;
worker_processes 1;
pid %[2]s/nginx.pid;
error_log %[2]s/error.log;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path %[2]s/body;
	proxy_temp_path %[2]s/proxy;
	fastcgi_temp_path %[2]s/fastcgi;
	uwsgi_temp_path %[2]s/uwsgi;
	scgi_temp_path %[2]s/scgi;
	include %[2]s/site.conf;
}
`, user, dir)
	for name, text := range map[string]string{"site.conf": site, "nginx.conf": main} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(nginx, "-p", dir, "-c", filepath.Join(dir, "nginx.conf"))
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	// SIGTERM: the master stops its workers with it (killed, it would
	// leave them listening).
	t.Cleanup(func() { _ = cmd.Process.Signal(syscall.SIGTERM); <-exited })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return "http://" + addr
		}
		select {
		case <-exited:
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("nginx stopped: %s %s", stderr.String(), log)
		case <-ctx.Done():
			t.Fatal("nginx did not listen")
		case <-time.After(20 * time.Millisecond):
		}
	}
}
