// Command cloison runs a Cloison instance: one binary holding the API, the
// compiled SPA and an embedded SQLite database. See README.md.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"

	"cloison/server"
	"cloison/server/config"
	"cloison/server/mail"
	"cloison/store"
	"cloison/store/passwords"
	"cloison/store/seed"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = ""

func appVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

const usage = `Cloison — dossiers en compartiments étanches / case files in watertight compartments

Usage:
  cloison [serve] [--config FILE] [--addr HOST:PORT] [--data DIR]
  cloison migrate [--config FILE] [--data DIR]
  cloison backup --out FILE [--config FILE] [--data DIR]
  cloison superadmin create --email E --name N --password-stdin [--config FILE] [--data DIR]
  cloison audit verify [--config FILE] [--data DIR]
  cloison seed --cases N --editors E --admins A [--helpers H] --password P [--config FILE] [--data DIR]
  cloison version

Every setting can also come from the environment as CLOISON_<SECTION>_<KEY>
(for example CLOISON_SMTP_HOST); see config.example.toml.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "cloison:", err)
		}
		os.Exit(1)
	}
}

// run is the whole command line, with its streams passed in so tests drive it.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return cmdServe(ctx, args, stdout, stderr)
	case "migrate":
		return cmdMigrate(ctx, args, stdout, stderr)
	case "backup":
		return cmdBackup(ctx, args, stdout, stderr)
	case "superadmin":
		if len(args) == 0 || args[0] != "create" {
			return fmt.Errorf("usage: cloison superadmin create --email E --name N --password-stdin")
		}
		return cmdSuperadminCreate(ctx, args[1:], stdin, stdout, stderr)
	case "audit":
		if len(args) == 0 || args[0] != "verify" {
			return fmt.Errorf("usage: cloison audit verify")
		}
		return cmdAuditVerify(ctx, args[1:], stdout, stderr)
	case "seed":
		return cmdSeed(ctx, args, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, appVersion())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n\n%s", cmd, usage)
}

// common holds the flags every command that touches the data shares.
type common struct {
	configFile string
	dataDir    string
}

func newFlags(name string, stderr io.Writer, c *common) *flag.FlagSet {
	fs := flag.NewFlagSet("cloison "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.configFile, "config", "", "TOML configuration file (see config.example.toml)")
	fs.StringVar(&c.dataDir, "data", "", "data directory (overrides data.dir)")
	return fs
}

// load reads the configuration: defaults, then the file, then the
// environment, then the command-line flags, and validates the result.
func (c *common) load(addr string) (config.Config, error) {
	return config.Load(c.configFile, os.Environ(), config.Flags{Addr: addr, DataDir: c.dataDir})
}

// open loads the configuration and opens the data directory's store,
// migrated, for the commands that work on it. The caller closes the store.
func (c *common) open(ctx context.Context, stderr io.Writer) (config.Config, *store.Store, error) {
	cfg, err := c.load("")
	if err != nil {
		return cfg, nil, err
	}
	st, err := openStore(ctx, cfg, newLogger(cfg, stderr))
	return cfg, st, err
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Log.Level))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// storeOptions are the store settings that follow from the configuration.
func storeOptions(cfg config.Config) store.Options {
	return store.Options{Dir: cfg.Data.Dir, BaseURL: cfg.Server.BaseURL, Composer: mail.NewComposer(cfg.Instance.Name),
		Policy: server.StorePolicy(cfg), AttachmentKey: cfg.Attachments.Key}
}

// openStore opens the data directory and brings its schema up to date.
func openStore(ctx context.Context, cfg config.Config, log *slog.Logger) (*store.Store, error) {
	st, err := store.Open(ctx, storeOptions(cfg))
	if err != nil {
		return nil, err
	}
	applied, err := st.Migrate(ctx)
	if err != nil {
		st.Close()
		return nil, err
	}
	for _, name := range applied {
		log.Info("migration applied", "name", name)
	}
	return st, nil
}

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c common
	var addr string
	fs := newFlags("serve", stderr, &c)
	fs.StringVar(&addr, "addr", "", "listen address HOST:PORT (overrides server.addr)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := c.load(addr)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	log.Debug("configuration", "config", fmt.Sprintf("%+v", cfg.Redacted()))
	hasher := passwords.NewHasher(passwords.DefaultParams, 0)
	limit, from := memoryLimit(cfg, hasher, os.Getenv)
	debug.SetMemoryLimit(limit)
	log.Info("memory limit", "MiB", limit>>20, "from", from)

	st, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	if pragmas, err := st.Pragmas(ctx); err != nil {
		return err
	} else {
		log.Debug("sqlite pragmas", "effective", pragmas)
	}

	if addr := os.Getenv("CLOISON_DEBUG_PPROF"); addr != "" {
		stopProfiling, err := servePprof(addr, log)
		if err != nil {
			return err
		}
		defer stopProfiling()
	}
	sender := mail.NewSender(cfg.SMTP, st, log)
	srv, err := server.New(server.Options{
		Config: cfg, Store: st, SPA: spaFS(), Logger: log, Version: appVersion(),
		Hasher: hasher, MailKick: sender.Kick,
	})
	if err != nil {
		return err
	}
	var jobs sync.WaitGroup
	jobs.Add(2)
	go func() { defer jobs.Done(); sender.Run(ctx) }()
	go func() { defer jobs.Done(); housekeeping(ctx, st, sender.Kick, log) }()
	defer jobs.Wait()
	needed, err := st.SetupNeeded(ctx)
	if err != nil {
		return err
	}
	return srv.Listen(ctx, cfg.Server.Addr, func(bound string) {
		log.Info("Cloison is listening", "addr", bound, "base_url", cfg.Server.BaseURL, "data", cfg.Data.Dir, "version", appVersion())
		if needed {
			// Printed, not logged: the link is for the person starting the
			// instance, and must not end up in a log collector.
			fmt.Fprintf(stdout, "\nNo superadmin yet. Open this one-time link to create it:\n"+
				"Aucun superadmin pour l'instant. Ouvrez ce lien à usage unique pour le créer :\n\n    %s\n\n",
				srv.SetupLink(srv.IssueSetupToken()))
		}
	})
}

// baseMemory is what the server's Go memory needs besides password hashes:
// its heap is 2 to 7 MiB under any load but logins, the runtime's own
// structures and the collector's headroom come on top.
const baseMemory = 24 << 20

// memoryLimit is the soft limit on the Go runtime's memory that serve runs
// with, and where it comes from: server.memory_limit_mb when set, else
// GOMEMLIMIT when the environment sets it, else baseMemory plus what the
// password hashes need (Hasher.MemoryBound: 19 MiB for each hash that may
// run at once, one per CPU, and one more).
//
// Without a limit the collector lets the heap grow to twice what it held
// after the last collection: during a burst of logins, mostly the 19 MiB
// blocks of finished hashes, and the process peaked near 150 MB on two
// CPUs. Nearing the limit, the collector runs sooner instead, which costs
// little here: the blocks hold no pointers to scan. A limit below what the
// hashes need would cost more: the runtime would hand their memory back to
// the system after each hash and fault it in again for the next one (a
// quarter more CPU per login at 70 MiB on two CPUs). The limit covers Go's
// memory only: the program's code and SQLite's page caches come on top
// (about 30 MB).
func memoryLimit(cfg config.Config, h *passwords.Hasher, getenv func(string) string) (int64, string) {
	if mb := cfg.Server.MemoryLimitMB; mb > 0 {
		return int64(mb) << 20, "server.memory_limit_mb"
	}
	if getenv("GOMEMLIMIT") != "" {
		// The runtime has read it; a negative value only reads it back.
		return debug.SetMemoryLimit(-1), "GOMEMLIMIT"
	}
	return baseMemory + h.MemoryBound(), "automatic"
}

// housekeeping runs the periodic chores, at start and then every hour:
// closing (and auditing) helper collaborations past their end date, and
// queueing the daily deadline reminders (the store remembers the day it last
// sent them, so neither restarts nor the hourly tick send them twice).
func housekeeping(ctx context.Context, st *store.Store, kick func(), log *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := st.ExpireCollaborations(ctx); err != nil && ctx.Err() == nil {
			log.Error("expiring collaborations", "err", err)
		} else if n > 0 {
			log.Info("collaborations expired", "count", n)
		}
		if n, err := st.SendDeadlineReminders(ctx); err != nil && ctx.Err() == nil {
			log.Error("deadline reminders", "err", err)
		} else if n > 0 {
			log.Info("deadline reminders queued", "emails", n)
			kick()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c common
	if err := newFlags("migrate", stderr, &c).Parse(args); err != nil {
		return err
	}
	cfg, err := c.load("")
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, storeOptions(cfg))
	if err != nil {
		return err
	}
	defer st.Close()
	applied, err := st.Migrate(ctx)
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintln(stdout, "database is up to date")
	}
	for _, name := range applied {
		fmt.Fprintln(stdout, "applied", name)
	}
	return nil
}

func cmdBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c common
	var out string
	fs := newFlags("backup", stderr, &c)
	fs.StringVar(&out, "out", "", "file to write the backup to (must not exist)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if out == "" {
		return fmt.Errorf("backup: --out FILE is required")
	}
	_, st, err := c.open(ctx, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	res, err := st.Backup(ctx, out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup written to %s (integrity check passed)\n", res.Database)
	if res.AttachmentsDir != "" {
		fmt.Fprintf(stdout, "%d attachments and their key copied to %s\n", res.Attachments, res.AttachmentsDir)
	}
	return nil
}

func cmdSuperadminCreate(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	var c common
	var email, name string
	var fromStdin bool
	fs := newFlags("superadmin create", stderr, &c)
	fs.StringVar(&email, "email", "", "e-mail address of the new superadmin")
	fs.StringVar(&name, "name", "", "name of the new superadmin")
	fs.BoolVar(&fromStdin, "password-stdin", false, "read the password from the first line of standard input")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !fromStdin {
		// A password on the command line would land in the shell history and in ps.
		return fmt.Errorf("superadmin create: --password-stdin is required")
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	password := strings.TrimRight(line, "\r\n")
	cfg, st, err := c.open(ctx, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	acc, err := st.CreateSuperadmin(ctx, passwords.NewHasher(passwords.DefaultParams, 1), store.Actor{ClientIP: "cli"},
		store.NewAccount{Email: email, Name: name, Password: password, Locale: cfg.Instance.DefaultLocale}, false)
	var ve *store.ValidationError
	if errors.As(err, &ve) {
		return fmt.Errorf("superadmin create: %s", strings.TrimPrefix(ve.Error(), "invalid: "))
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "superadmin %s created (id %s)\n", acc.Email, acc.ID)
	return nil
}

func cmdAuditVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c common
	if err := newFlags("audit verify", stderr, &c).Parse(args); err != nil {
		return err
	}
	_, st, err := c.open(ctx, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	v, err := st.VerifyAudit(ctx)
	if err != nil {
		return err
	}
	if !v.OK {
		return fmt.Errorf("audit chain broken at entry %d: %s", v.BrokenAt, v.Problem)
	}
	fmt.Fprintf(stdout, "audit chain intact: %d entries\n", v.Entries)
	return nil
}

// cmdSeed fills an empty data directory with synthetic French case files
// and accounts (editorN@, adminN@, helperN@seed.invalid), for demonstrations
// and benchmarks. The password is hashed once and shared by every account.
func cmdSeed(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c common
	var o seed.Options
	var password string
	fs := newFlags("seed", stderr, &c)
	fs.IntVar(&o.Cases, "cases", 1000, "number of case files")
	fs.IntVar(&o.Editors, "editors", 10, "number of editors (case managers)")
	fs.IntVar(&o.Admins, "admins", 1, "number of admins")
	fs.IntVar(&o.Helpers, "helpers", 0, "number of helpers (readers invited on some case files)")
	fs.StringVar(&password, "password", "", "password of every seeded account (required; test data only)")
	fs.Uint64Var(&o.Random, "random", 1, "seed of the generator: same value, same texts and spreads")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if password == "" {
		return fmt.Errorf("seed: --password is required")
	}
	if why := passwords.Check(password); why != "" {
		return fmt.Errorf("seed: --password refused: %s", why)
	}
	cfg, st, err := c.open(ctx, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	if held, err := st.HoldsData(ctx); err != nil {
		return err
	} else if held {
		return fmt.Errorf("seed: %s already holds accounts or case files; seed only a new data directory", cfg.Data.Dir)
	}
	hash, err := passwords.NewHasher(passwords.DefaultParams, 1).Hash(ctx, password)
	if err != nil {
		return err
	}
	start, last := time.Now(), time.Now()
	o.Progress = func(done int) {
		if time.Since(last) >= 5*time.Second || done == o.Cases {
			last = time.Now()
			fmt.Fprintf(stdout, "%d/%d case files (%.0f/s)\n", done, o.Cases, float64(done)/time.Since(start).Seconds())
		}
		if done == o.Cases {
			// What follows takes a while at a million: say what it is.
			fmt.Fprintln(stdout, "building indexes and statistics…")
		}
	}
	rep, err := seed.Run(ctx, st, o, hash)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "seeded %d editors, %d admins, %d helpers and %d case files in %s\n",
		rep.Editors, rep.Admins, rep.Helpers, rep.Cases, time.Since(start).Round(time.Second))
	return nil
}

// servePprof serves Go's profiler on a loopback address, for measuring the
// server under load (CLOISON_DEBUG_PPROF=127.0.0.1:6060). It is off unless
// that variable is set, and refuses any address but loopback: profiles
// reveal memory contents.
func servePprof(addr string, log *slog.Logger) (func(), error) {
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("CLOISON_DEBUG_PPROF: want a loopback HOST:PORT such as 127.0.0.1:6060, got %q", addr)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	go func() { _ = srv.Serve(ln) }()
	log.Warn("profiler listening (CLOISON_DEBUG_PPROF)", "addr", ln.Addr().String())
	return func() { _ = srv.Close() }, nil
}
