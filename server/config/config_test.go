package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDefaultsAreValidAndDeriveBaseURL(t *testing.T) {
	cfg, err := Load("", nil, Flags{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Server.Addr != "127.0.0.1:8080" || cfg.Server.BaseURL != "http://localhost:8080" || cfg.Data.Dir != "./data" {
		t.Fatalf("defaults: %+v", cfg.Server)
	}
	if cfg.SMTP.TLS != TLSStartTLS || cfg.Session.IdleTimeout.Std() != 30*time.Minute || cfg.Session.AbsoluteLifetime.Std() != 12*time.Hour {
		t.Fatalf("defaults: %+v %+v", cfg.SMTP, cfg.Session)
	}
	if !cfg.Instance.RegistrationOpen || cfg.Instance.DefaultLocale != "fr" {
		t.Fatalf("defaults: %+v", cfg.Instance)
	}
	cfg, err = Load("", nil, Flags{Addr: "0.0.0.0:9000"})
	if err != nil || cfg.Server.BaseURL != "http://localhost:9000" {
		t.Fatalf("derived base url %q, %v", cfg.Server.BaseURL, err)
	}
}

// The example file shipped to operators must load and say exactly the defaults.
func TestExampleFileMatchesDefaults(t *testing.T) {
	cfg, err := Load("../../config.example.toml", nil, Flags{})
	if err != nil {
		t.Fatal(err)
	}
	def, _ := Load("", nil, Flags{})
	if got, want := strings.ReplaceAll(stringOf(cfg), " ", ""), strings.ReplaceAll(stringOf(def), " ", ""); got != want {
		t.Fatalf("config.example.toml differs from the defaults:\n%s\n%s", got, want)
	}
}

func stringOf(c Config) string {
	text := func(d Duration) string { b, _ := d.MarshalText(); return string(b) }
	return strings.Join([]string{c.Server.Addr, c.Server.BaseURL, strings.Join(c.Server.TrustedProxies, ","), c.Data.Dir, c.Database.URL,
		c.SMTP.Host, c.SMTP.From, c.SMTP.TLS, text(c.SMTP.Timeout), text(c.SMTP.PollInterval), text(c.SMTP.Lease),
		text(c.Session.IdleTimeout), c.Instance.Name, c.Log.Level, c.Log.Format}, "|")
}

func TestFileThenEnvThenFlags(t *testing.T) {
	p := writeFile(t, `
[server]
addr = "127.0.0.1:7000"
base_url = "https://dossiers.example.org/"
trusted_proxies = ["127.0.0.1", "10.0.0.0/8"]
memory_limit_mb = 200
[smtp]
host = "mail.example.org"
port = 465
tls = "implicit"
password = "s3cret"
[session]
idle_timeout = "15m"
[instance]
registration_open = false
`)
	env := []string{"CLOISON_SMTP_HOST=relay.example.org", "CLOISON_SESSION_ABSOLUTE_LIFETIME=2h", "CLOISON_INSTANCE_NAME=Asso",
		"CLOISON_SERVER_MEMORY_LIMIT_MB=96", "CLOISON_SMTP_POLL_INTERVAL=250ms", "CLOISON_SMTP_LEASE=45s", "PATH=/bin"}
	cfg, err := Load(p, env, Flags{DataDir: "/srv/cloison"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Server.BaseURL != "https://dossiers.example.org" {
		t.Errorf("base_url keeps no trailing slash: %q", cfg.Server.BaseURL)
	}
	if cfg.SMTP.Host != "relay.example.org" || cfg.SMTP.Port != 465 || cfg.SMTP.TLS != TLSImplicit ||
		cfg.SMTP.PollInterval.Std() != 250*time.Millisecond || cfg.SMTP.Lease.Std() != 45*time.Second {
		t.Errorf("smtp: %+v", cfg.SMTP)
	}
	if cfg.Session.IdleTimeout.Std() != 15*time.Minute || cfg.Session.AbsoluteLifetime.Std() != 2*time.Hour {
		t.Errorf("session: %+v", cfg.Session)
	}
	if cfg.Instance.RegistrationOpen || cfg.Instance.Name != "Asso" || cfg.Data.Dir != "/srv/cloison" {
		t.Errorf("instance/data: %+v %+v", cfg.Instance, cfg.Data)
	}
	if len(cfg.Server.TrustedProxies) != 2 || cfg.Server.MemoryLimitMB != 96 {
		t.Errorf("proxies, memory limit: %v %d", cfg.Server.TrustedProxies, cfg.Server.MemoryLimitMB)
	}
	if r := cfg.Redacted(); r.SMTP.Password != "REDACTED" || cfg.SMTP.Password != "s3cret" {
		t.Errorf("redaction: %q / %q", r.SMTP.Password, cfg.SMTP.Password)
	}
}

// database.url is empty for SQLite or a PostgreSQL URL, from the file or
// the environment; a bad one is refused without quoting it (it may hold a
// password), and the redacted configuration hides its password.
// database.lanes is 0 (one) unless set.
func TestDatabaseURL(t *testing.T) {
	cfg, err := Load("", nil, Flags{})
	if err != nil || cfg.Database.URL != "" || cfg.Database.IsPostgres() {
		t.Fatalf("default: %+v %v", cfg.Database, err)
	}
	p := writeFile(t, "[database]\nurl = \"postgresql://cloison@db.example.org/cloison?sslmode=verify-full\"\n")
	if cfg, err = Load(p, nil, Flags{}); err != nil || !cfg.Database.IsPostgres() {
		t.Fatalf("from the file: %+v %v", cfg.Database, err)
	}
	const secret = "postgres://cloison:s3cret@db.example.org:5433/cloison"
	if cfg, err = Load(p, []string{"CLOISON_DATABASE_URL=" + secret}, Flags{}); err != nil || cfg.Database.URL != secret {
		t.Fatalf("from the environment: %+v %v", cfg.Database, err)
	}
	if r := cfg.Redacted().Database.URL; r != "postgres://cloison:REDACTED@db.example.org:5433/cloison" || cfg.Database.URL != secret {
		t.Errorf("redaction: %q / %q", r, cfg.Database.URL)
	}
	if cfg.Database.Lanes != 0 {
		t.Errorf("lanes by default: %d, want 0 (one)", cfg.Database.Lanes)
	}
	if cfg, err = Load(p, []string{"CLOISON_DATABASE_LANES=3"}, Flags{}); err != nil || cfg.Database.Lanes != 3 {
		t.Errorf("lanes from the environment: %+v %v", cfg.Database, err)
	}
	_, err = Load("", []string{"CLOISON_DATABASE_URL=mysql://cloison:s3cret@db/cloison"}, Flags{})
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("a wrong URL: %v", err)
	}
}

// Every invalid setting stops the start with a message naming its key.
func TestInvalidSettingsNameTheKey(t *testing.T) {
	cases := []struct {
		name, file string
		env        []string
		key        string
	}{
		{"unknown key", "[smtp]\nhots = \"x\"\n", nil, "smtp.hots"},
		{"unknown section", "[smpt]\nhost = \"x\"\n", nil, "smpt"},
		{"wrong type", "[smtp]\nport = \"abc\"\n", nil, "smtp.port"},
		{"bad tls", "[smtp]\ntls = \"ssl\"\n", nil, "smtp.tls"},
		{"tls env", "", []string{"CLOISON_SMTP_TLS=plain"}, "smtp.tls"},
		{"port range", "[smtp]\nport = 70000\n", nil, "smtp.port"},
		{"port env", "", []string{"CLOISON_SMTP_PORT=many"}, "smtp.port"},
		{"poll too often", "", []string{"CLOISON_SMTP_POLL_INTERVAL=1ms"}, "smtp.poll_interval"},
		{"lease within the timeout", "[smtp]\ntimeout = \"30s\"\nlease = \"20s\"\n", nil, "smtp.lease"},
		{"bad from", "[smtp]\nfrom = \"not an address\"\n", nil, "smtp.from"},
		{"bad addr", "[server]\naddr = \"8080\"\n", nil, "server.addr"},
		{"bad base url", "[server]\nbase_url = \"dossiers.example.org\"\n", nil, "server.base_url"},
		{"bad proxy", "[server]\ntrusted_proxies = [\"proxy.local\"]\n", nil, "server.trusted_proxies"},
		{"memory limit too small", "[server]\nmemory_limit_mb = 8\n", nil, "server.memory_limit_mb"},
		{"memory limit env", "", []string{"CLOISON_SERVER_MEMORY_LIMIT_MB=lots"}, "server.memory_limit_mb"},
		{"bad duration", "[session]\nidle_timeout = \"30 minutes\"\n", nil, "session.idle_timeout"},
		{"lifetime below idle", "[session]\nidle_timeout = \"2h\"\nabsolute_lifetime = \"1h\"\n", nil, "session.absolute_lifetime"},
		{"bad bool env", "", []string{"CLOISON_INSTANCE_REGISTRATION_OPEN=maybe"}, "instance.registration_open"},
		{"bad locale", "[instance]\ndefault_locale = \"it\"\n", nil, "instance.default_locale"},
		{"bad level", "[log]\nlevel = \"loud\"\n", nil, "log.level"},
		{"bad size", "[attachments]\nmax_size_mb = 0\n", nil, "attachments.max_size_mb"},
		{"database not postgres", "[database]\nurl = \"mysql://db/cloison\"\n", nil, "database.url"},
		{"database url env", "", []string{"CLOISON_DATABASE_URL=db.example.org"}, "database.url"},
		{"database not named", "", []string{"CLOISON_DATABASE_URL=postgres://db.example.org"}, "database.url"},
		{"negative lanes", "[database]\nlanes = -1\n", nil, "database.lanes"},
		{"too many lanes", "", []string{"CLOISON_DATABASE_LANES=65"}, "database.lanes"},
		{"lanes not a number", "", []string{"CLOISON_DATABASE_LANES=two"}, "database.lanes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := ""
			if tc.file != "" {
				path = writeFile(t, tc.file)
			}
			_, err := Load(path, tc.env, Flags{})
			if err == nil {
				t.Fatal("invalid configuration accepted")
			}
			if !strings.Contains(err.Error(), tc.key) {
				t.Fatalf("error %q does not name %s", err, tc.key)
			}
		})
	}
}
