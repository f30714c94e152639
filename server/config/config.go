// Package config owns Cloison's settings: a typed struct with defaults in code,
// loaded from a TOML file, then overridden by CLOISON_<SECTION>_<KEY> environment
// variables, then validated once with messages that name the offending key.
// It never reads settings from a request: every value here comes from the operator.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"

	"cloison/server/i18n"
)

// Duration is a time.Duration written as "30m" or "12h" in TOML and in the environment.
type Duration time.Duration

// UnmarshalText parses a Go duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("not a duration like \"30m\" or \"12h\": %q", string(b))
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes the duration back in the form it is read.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// Std returns the standard library duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }

// Config is every setting of an instance. The toml tags are also the names of
// the environment variables: section "smtp", key "host" is CLOISON_SMTP_HOST.
type Config struct {
	Server      Server      `toml:"server"`
	Data        Data        `toml:"data"`
	Database    Database    `toml:"database"`
	SMTP        SMTP        `toml:"smtp"`
	Session     Session     `toml:"session"`
	Instance    Instance    `toml:"instance"`
	Log         Log         `toml:"log"`
	Attachments Attachments `toml:"attachments"`
}

// Server is where Cloison listens and how it is reached from outside.
type Server struct {
	Addr string `toml:"addr"`
	// BaseURL starts every link in e-mails; it is never derived from the Host header,
	// which a client controls.
	BaseURL string `toml:"base_url"`
	// TrustedProxies lists the reverse proxies (IPs or CIDRs) whose
	// X-Forwarded-For and X-Forwarded-Proto are believed.
	TrustedProxies []string `toml:"trusted_proxies"`
	// MemoryLimitMB is the soft limit, in MiB, on the memory the Go runtime
	// holds: nearing it, the garbage collector runs sooner. 0 sizes it from
	// the password hashes that may run at once (see main.go), unless the
	// GOMEMLIMIT environment variable sets one.
	MemoryLimitMB int `toml:"memory_limit_mb"`
}

// TrustedProxyPrefixes returns TrustedProxies as ranges, a single address
// as a range of one. Validate has refused anything else.
func (s Server) TrustedProxyPrefixes() []netip.Prefix {
	out := make([]netip.Prefix, 0, len(s.TrustedProxies))
	for _, p := range s.TrustedProxies {
		if pfx, err := netip.ParsePrefix(p); err == nil {
			out = append(out, pfx.Masked())
		} else if a, err := netip.ParseAddr(p); err == nil {
			a = a.Unmap()
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
		}
	}
	return out
}

// MinMemoryLimitMB is the smallest memory limit accepted: below it the
// garbage collector would run all the time.
const MinMemoryLimitMB = 32

// MaxLanes is the most lanes database.lanes accepts: each holds a
// connection to PostgreSQL while its batch runs.
const MaxLanes = 64

// Data is where the database, the attachments and the keys live.
type Data struct {
	Dir string `toml:"dir"`
}

// Database says which database engine holds the instance's data.
type Database struct {
	// URL is empty for the embedded SQLite database in data.dir (the
	// default), or a PostgreSQL server's postgres://user:password@host/db
	// URL.
	URL string `toml:"url"`
	// Lanes is, on PostgreSQL, how many batches of writes run side by side
	// in this instance (0: one; see engine.Postgres.Lanes). SQLite has one
	// writer and no lanes.
	Lanes int `toml:"lanes"`
}

// IsPostgres tells whether the URL names a PostgreSQL database.
func (d Database) IsPostgres() bool { return d.URL != "" }

// SMTP is the outgoing mail server. An empty Host prints e-mails to the log.
type SMTP struct {
	Host     string `toml:"host"`
	Port     int    `toml:"port"`
	Username string `toml:"username"`
	Password string `toml:"password"`
	From     string `toml:"from"`
	// TLS is implicit, starttls or none; none must be chosen explicitly and is
	// never a fallback when TLS fails.
	TLS string `toml:"tls"`
	// Timeout bounds one delivery attempt.
	Timeout Duration `toml:"timeout"`
	// PollInterval is how often the sender looks at the outbox when nothing
	// wakes it: its own instance wakes it for what it queues, so this is
	// how soon it sends what another instance queued (or a retry).
	PollInterval Duration `toml:"poll_interval"`
	// Lease is how long a message one instance's sender has taken stays its
	// own: if that instance dies mid-send, another sends the message once
	// the lease has run out. 0: Timeout plus a minute. It must exceed
	// Timeout, or a slow attempt could be taken over while it still runs.
	Lease Duration `toml:"lease"`
}

// Session bounds how long a login lasts.
type Session struct {
	IdleTimeout      Duration `toml:"idle_timeout"`
	AbsoluteLifetime Duration `toml:"absolute_lifetime"`
}

// Instance holds what the association shows of itself.
type Instance struct {
	Name             string `toml:"name"`
	DefaultLocale    string `toml:"default_locale"`
	RegistrationOpen bool   `toml:"registration_open"`
	// Pledge replaces the built-in confidentiality pledge newcomers sign;
	// empty uses the built-in text, in French and English.
	Pledge string `toml:"pledge"`
	// RefusePersonalData refuses, instead of flagging, case-file text that
	// contains an e-mail address, a phone number, a social security number
	// or an IBAN.
	RefusePersonalData bool `toml:"refuse_personal_data"`
	// RequireSecondFactor makes administrators, the secretariat and
	// superadmins use a second factor: until they have enrolled one, their
	// login opens nothing but their enrolment.
	RequireSecondFactor bool `toml:"require_second_factor"`
}

// Log sets how much is logged and in which form.
type Log struct {
	Level  string `toml:"level"`
	Format string `toml:"format"`
}

// Attachments bounds uploaded files and says how they are encrypted.
type Attachments struct {
	MaxSizeMB int `toml:"max_size_mb"`
	// Key is the AES-256 key (32 bytes in base64) that encrypts attachments
	// at rest; empty uses the key file created in the data directory.
	Key string `toml:"key"`
}

// TLS modes accepted in smtp.tls.
const (
	TLSImplicit = "implicit"
	TLSStartTLS = "starttls"
	TLSNone     = "none"
)

// Locales the interface and the e-mails exist in: one catalogue file each
// in server/i18n (and in the SPA), French first.
var Locales = i18n.Locales()

// Default returns the settings used when nothing else is said; config.example.toml
// documents the same values.
func Default() Config {
	return Config{
		Server: Server{Addr: "127.0.0.1:8080"},
		Data:   Data{Dir: "./data"},
		SMTP: SMTP{Port: 587, From: "Cloison <noreply@localhost>", TLS: TLSStartTLS, Timeout: Duration(30 * time.Second),
			PollInterval: Duration(5 * time.Second)},
		Session:     Session{IdleTimeout: Duration(30 * time.Minute), AbsoluteLifetime: Duration(12 * time.Hour)},
		Instance:    Instance{Name: "Cloison", DefaultLocale: "fr", RegistrationOpen: true},
		Log:         Log{Level: "info", Format: "text"},
		Attachments: Attachments{MaxSizeMB: 20},
	}
}

// Flags are the command-line settings, which win over file and environment.
type Flags struct {
	Addr    string
	DataDir string
}

// Load reads the TOML file at path (none when path is empty), applies the
// environment given as KEY=VALUE pairs (os.Environ()), then the flags, fills in
// derived defaults and validates the result.
func Load(path string, environ []string, flags Flags) (Config, error) {
	cfg := Default()
	if path != "" {
		raw, err := os.ReadFile(path)
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return cfg, fmt.Errorf("config: cannot read %s: %w", path, pe.Err)
		} else if err != nil {
			return cfg, fmt.Errorf("config: %w", err)
		}
		if err := decodeTOML(raw, &cfg); err != nil {
			return cfg, fmt.Errorf("config %s: %w", path, err)
		}
	}
	if err := applyEnv(&cfg, environ); err != nil {
		return cfg, err
	}
	if flags.Addr != "" {
		cfg.Server.Addr = flags.Addr
	}
	if flags.DataDir != "" {
		cfg.Data.Dir = flags.DataDir
	}
	if cfg.Server.BaseURL == "" {
		cfg.Server.BaseURL = baseURLFor(cfg.Server.Addr)
	}
	if err := cfg.Validate(); err != nil {
		return cfg, err
	}
	return cfg, nil
}

func decodeTOML(raw []byte, cfg *Config) error {
	dec := toml.NewDecoder(bytes.NewReader(raw)).DisallowUnknownFields()
	err := dec.Decode(cfg)
	var strict *toml.StrictMissingError
	if errors.As(err, &strict) {
		keys := make([]string, 0, len(strict.Errors))
		for _, e := range strict.Errors {
			keys = append(keys, strings.Join(e.Key(), "."))
		}
		return fmt.Errorf("unknown key %s", strings.Join(keys, ", "))
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		row, _ := de.Position()
		key := strings.Join(de.Key(), ".")
		if key == "" {
			return fmt.Errorf("line %d: %s", row, de.Error())
		}
		return fmt.Errorf("key %s (line %d): %s", key, row, de.Error())
	}
	return err
}

// applyEnv walks the two levels of Config and overrides each field whose
// CLOISON_<SECTION>_<KEY> variable is set.
func applyEnv(cfg *Config, environ []string) error {
	env := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, "CLOISON_") {
			env[k] = v
		}
	}
	root := reflect.ValueOf(cfg).Elem()
	for i := 0; i < root.NumField(); i++ {
		section := root.Type().Field(i).Tag.Get("toml")
		sv := root.Field(i)
		for j := 0; j < sv.NumField(); j++ {
			key := sv.Type().Field(j).Tag.Get("toml")
			name := "CLOISON_" + strings.ToUpper(section+"_"+key)
			val, ok := env[name]
			if !ok {
				continue
			}
			if err := setField(sv.Field(j), val); err != nil {
				return fmt.Errorf("config: %s (%s.%s): %w", name, section, key, err)
			}
		}
	}
	return nil
}

func setField(f reflect.Value, val string) error {
	if u, ok := f.Addr().Interface().(interface{ UnmarshalText([]byte) error }); ok {
		return u.UnmarshalText([]byte(val))
	}
	switch f.Kind() {
	case reflect.String:
		f.SetString(val)
	case reflect.Int:
		n, err := strconv.Atoi(strings.TrimSpace(val))
		if err != nil {
			return fmt.Errorf("not a whole number: %q", val)
		}
		f.SetInt(int64(n))
	case reflect.Bool:
		b, err := strconv.ParseBool(strings.TrimSpace(val))
		if err != nil {
			return fmt.Errorf("not true or false: %q", val)
		}
		f.SetBool(b)
	case reflect.Slice:
		var items []string
		for _, s := range strings.Split(val, ",") {
			if s = strings.TrimSpace(s); s != "" {
				items = append(items, s)
			}
		}
		f.Set(reflect.ValueOf(items))
	default:
		return fmt.Errorf("unsupported setting type %s", f.Kind())
	}
	return nil
}

// baseURLFor is the link base when none is configured: the listen address as
// seen from the same machine, which is right for a local trial and nothing else.
func baseURLFor(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return ""
	}
	switch host {
	case "", "0.0.0.0", "::", "127.0.0.1", "::1":
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// Validate checks every setting and names the first wrong key.
func (c *Config) Validate() error {
	bad := func(key, format string, args ...any) error {
		return fmt.Errorf("config: %s: %s", key, fmt.Sprintf(format, args...))
	}
	if _, port, err := net.SplitHostPort(c.Server.Addr); err != nil || port == "" {
		return bad("server.addr", "want host:port, got %q", c.Server.Addr)
	}
	u, err := url.Parse(c.Server.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return bad("server.base_url", "want an absolute http(s) URL such as https://cloison.example.org, got %q", c.Server.BaseURL)
	}
	c.Server.BaseURL = strings.TrimRight(c.Server.BaseURL, "/")
	for _, p := range c.Server.TrustedProxies {
		if _, err := netip.ParsePrefix(p); err == nil {
			continue
		}
		if _, err := netip.ParseAddr(p); err != nil {
			return bad("server.trusted_proxies", "%q is neither an IP address nor a CIDR range", p)
		}
	}
	if c.Server.MemoryLimitMB != 0 && (c.Server.MemoryLimitMB < MinMemoryLimitMB || c.Server.MemoryLimitMB > 1<<20) {
		return bad("server.memory_limit_mb", "want 0 (automatic) or %d to 1048576, got %d", MinMemoryLimitMB, c.Server.MemoryLimitMB)
	}
	if strings.TrimSpace(c.Data.Dir) == "" {
		return bad("data.dir", "must not be empty")
	}
	if c.Database.URL != "" {
		// The URL is not quoted back: it may hold a password.
		u, err := url.Parse(c.Database.URL)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || strings.Trim(u.Path, "/") == "" {
			return bad("database.url", "want empty (SQLite in data.dir) or a PostgreSQL URL such as postgres://cloison:password@db.example.org/cloison, naming the database")
		}
	}
	if c.Database.Lanes < 0 || c.Database.Lanes > MaxLanes {
		return bad("database.lanes", "want 0 (one) to %d, got %d", MaxLanes, c.Database.Lanes)
	}
	if c.SMTP.Port < 1 || c.SMTP.Port > 65535 {
		return bad("smtp.port", "want 1 to 65535, got %d", c.SMTP.Port)
	}
	switch c.SMTP.TLS {
	case TLSImplicit, TLSStartTLS, TLSNone:
	default:
		return bad("smtp.tls", "want implicit, starttls or none, got %q", c.SMTP.TLS)
	}
	if _, err := mail.ParseAddress(c.SMTP.From); err != nil {
		return bad("smtp.from", "not an e-mail address such as \"Cloison <noreply@example.org>\": %q", c.SMTP.From)
	}
	if c.SMTP.Timeout.Std() <= 0 {
		return bad("smtp.timeout", "must be positive")
	}
	if c.SMTP.PollInterval.Std() < 10*time.Millisecond {
		return bad("smtp.poll_interval", "must be at least 10ms, got %s", c.SMTP.PollInterval.Std())
	}
	if l := c.SMTP.Lease.Std(); l != 0 && l <= c.SMTP.Timeout.Std() {
		return bad("smtp.lease", "want 0 (smtp.timeout plus a minute) or longer than smtp.timeout (%s), got %s", c.SMTP.Timeout.Std(), l)
	}
	if c.Session.IdleTimeout.Std() < time.Minute {
		return bad("session.idle_timeout", "must be at least 1m, got %s", c.Session.IdleTimeout.Std())
	}
	if c.Session.AbsoluteLifetime.Std() < c.Session.IdleTimeout.Std() {
		return bad("session.absolute_lifetime", "must be at least session.idle_timeout (%s)", c.Session.IdleTimeout.Std())
	}
	if strings.TrimSpace(c.Instance.Name) == "" {
		return bad("instance.name", "must not be empty")
	}
	if !IsLocale(c.Instance.DefaultLocale) {
		return bad("instance.default_locale", "want one of %s, got %q", strings.Join(Locales, ", "), c.Instance.DefaultLocale)
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		return bad("log.level", "want debug, info, warn or error, got %q", c.Log.Level)
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		return bad("log.format", "want text or json, got %q", c.Log.Format)
	}
	if c.Attachments.MaxSizeMB < 1 || c.Attachments.MaxSizeMB > 1024 {
		return bad("attachments.max_size_mb", "want 1 to 1024, got %d", c.Attachments.MaxSizeMB)
	}
	return nil
}

// IsLocale tells whether l is a language Cloison speaks.
func IsLocale(l string) bool { return i18n.Has(l) }

// Redacted returns a copy safe to print: secrets are replaced.
func (c Config) Redacted() Config {
	if c.SMTP.Password != "" {
		c.SMTP.Password = "REDACTED"
	}
	if u, err := url.Parse(c.Database.URL); err == nil && u.User != nil {
		if _, set := u.User.Password(); set {
			u.User = url.UserPassword(u.User.Username(), "REDACTED")
			c.Database.URL = u.String()
		}
	}
	return c
}
