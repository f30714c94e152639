package config

import (
	"os"
	"path/filepath"
	"testing"
)

// envKeys are the settings FuzzLoad also sets from the environment.
var envKeys = []string{"SERVER_ADDR", "SERVER_BASE_URL", "SERVER_TRUSTED_PROXIES", "SERVER_MEMORY_LIMIT_MB", "SMTP_PORT",
	"SMTP_TLS", "SMTP_FROM", "SMTP_TIMEOUT", "SESSION_IDLE_TIMEOUT", "INSTANCE_DEFAULT_LOCALE", "INSTANCE_REGISTRATION_OPEN",
	"LOG_LEVEL", "ATTACHMENTS_MAX_SIZE_MB"}

// FuzzLoad reads any configuration file and environment value: Load never
// panics, and what it accepts passes its own validation again, with every
// trusted proxy read as a range.
func FuzzLoad(f *testing.F) {
	example, err := os.ReadFile("../../config.example.toml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(example, uint8(0), "127.0.0.1:8080")
	f.Add([]byte("[server]\ntrusted_proxies = [\"10.0.0.0/8\", \"::1\"]\n"), uint8(2), "192.168.0.1,fe80::/10")
	f.Add([]byte("[smtp]\ntls = \"ssl\"\n"), uint8(5), "none")
	f.Add([]byte("[session]\nidle_timeout = \"-1h\"\n[unknown]\nx = 1\n"), uint8(8), "1m")
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, file []byte, key uint8, value string) {
		path := filepath.Join(dir, "config.toml")
		if err := os.WriteFile(path, file, 0o600); err != nil {
			t.Fatal(err)
		}
		env := []string{"CLOISON_" + envKeys[int(key)%len(envKeys)] + "=" + value}
		cfg, err := Load(path, env, Flags{DataDir: dir})
		if err != nil {
			return
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("accepted, then refused: %v", err)
		}
		if got := len(cfg.Server.TrustedProxyPrefixes()); got != len(cfg.Server.TrustedProxies) {
			t.Fatalf("%d trusted proxies read as %d ranges", len(cfg.Server.TrustedProxies), got)
		}
		_ = cfg.Redacted()
	})
}
