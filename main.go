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
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"cloison/server"
	"cloison/server/config"
	"cloison/server/i18n"
	"cloison/server/mail"
	"cloison/store"
	"cloison/store/passwords"
	"cloison/store/seed"
)

// version is set by `make build` with -ldflags "-X main.version=…"; when it
// is empty the version comes from the build's own stamp (see appVersion).
var version = ""

// appVersion is the version this binary reports: the one `make build` set,
// else the module version the go command stamped (a tag, or a
// pseudo-version from the commit), else "devel" with the commit when the
// build recorded it (`go run .` records none).
func appVersion() string {
	if version != "" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	v := "devel"
	var rev, modified string
	for _, kv := range bi.Settings {
		switch kv.Key {
		case "vcs.revision":
			rev = kv.Value
		case "vcs.modified":
			modified = kv.Value
		}
	}
	if rev != "" {
		v += "-" + rev[:min(12, len(rev))]
		if modified == "true" {
			v += "-dirty"
		}
	}
	return v
}

const usage = `Cloison — dossiers en compartiments étanches / case files in watertight compartments

Usage: cloison [COMMAND] [FLAGS]

Commands:
  serve        serve the instance (the default when no command is given)
               [--config FILE] [--addr HOST:PORT] [--data DIR]
  migrate      bring the database up to date without serving
               [--config FILE] [--data DIR]
  backup       copy the database, its attachments and their key, while serving
               --out FILE [--config FILE] [--data DIR]
  restore      put a backup back, keeping the current files aside (instance stopped)
               --from FILE [--config FILE] [--data DIR]
  migrate-data copy the SQLite instance into a new, empty PostgreSQL database (instance stopped)
               --to postgres://… [--config FILE] [--data DIR]
  superadmin create
               create a superadmin, the password read from standard input
               --email E --name N --password-stdin [--config FILE] [--data DIR]
  audit verify check the hash chain of the audit log
               [--config FILE] [--data DIR]
  doctor       check the counters and copies kept for speed against the rows they count;
               --repair rebuilds those that disagree (SQLite: instance stopped)
               [--repair] [--config FILE] [--data DIR]
  seed         fill a new data directory with synthetic case files (demonstrations, benchmarks)
               --password P [--cases N] [--editors E] [--admins A] [--helpers H] [--random R]
               [--config FILE] [--data DIR]
  version      print the version (also --version)
  help         print this help (also -h, --help); "cloison COMMAND --help" shows a command's flags

Exit status: 0 done; 1 failed (the reason is printed on one line); 2 wrong usage
(unknown command or flag, missing flag); 3 busy: the data directory is in use by
another Cloison process, or the listen address is taken.

Every setting can also come from the environment as CLOISON_<SECTION>_<KEY>
(for example CLOISON_SMTP_HOST); see config.example.toml.
`

// Exit statuses, documented in the usage text and README.
const (
	exitFailed = 1
	exitUsage  = 2
	exitBusy   = 3
)

// usageError is a command line that cannot be run as written.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return &usageError{fmt.Sprintf(format, a...)} }

// busyError is a refusal because something this command needs is held by
// another process: the data directory's lock or the listen address.
type busyError struct{ err error }

func (e *busyError) Error() string { return e.err.Error() }
func (e *busyError) Unwrap() error { return e.err }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(report(err, os.Stderr))
}

// report prints err for a person, on one line (usage errors add a hint),
// and returns the exit status it means.
func report(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	// Wrapped causes may carry line breaks (a TOML parser's excerpt): the
	// reason stays one line, for a terminal as for a journal.
	line := strings.Join(strings.Fields(err.Error()), " ")
	fmt.Fprintln(stderr, "cloison:", line)
	var ue *usageError
	var be *busyError
	switch {
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, "Run 'cloison --help' for the commands and their flags.")
		return exitUsage
	case errors.As(err, &be):
		return exitBusy
	}
	return exitFailed
}

// run is the whole command line, with its streams passed in so tests drive it.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	err := command(ctx, args, stdin, stdout, stderr)
	if errors.Is(err, errHelpShown) {
		return nil
	}
	return err
}

func command(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	} else if len(args) > 0 {
		switch args[0] {
		case "-h", "-help", "--help":
			cmd, args = "help", args[1:]
		case "-version", "--version":
			cmd, args = "version", args[1:]
		}
	}
	switch cmd {
	case "serve":
		return cmdServe(ctx, args, stdout, stderr)
	case "migrate":
		return cmdMigrate(ctx, args, stdout, stderr)
	case "backup":
		return cmdBackup(ctx, args, stdout, stderr)
	case "restore":
		return cmdRestore(ctx, args, stdout)
	case "migrate-data":
		return cmdMigrateData(ctx, args, stdout)
	case "superadmin":
		if len(args) == 0 || args[0] != "create" {
			return usagef("superadmin: the only subcommand is create: cloison superadmin create --email E --name N --password-stdin")
		}
		return cmdSuperadminCreate(ctx, args[1:], stdin, stdout, stderr)
	case "audit":
		if len(args) == 0 || args[0] != "verify" {
			return usagef("audit: the only subcommand is verify: cloison audit verify")
		}
		return cmdAuditVerify(ctx, args[1:], stdout, stderr)
	case "doctor":
		return cmdDoctor(ctx, args, stdout, stderr)
	case "seed":
		return cmdSeed(ctx, args, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "cloison", appVersion())
		return nil
	case "help":
		if len(args) > 0 {
			// "cloison help restore" is "cloison restore --help".
			return run(ctx, append(args, "--help"), stdin, stdout, stderr)
		}
		fmt.Fprint(stdout, usage)
		return nil
	}
	return usagef("unknown command %q", cmd)
}

// common holds the flags every command that touches the data shares.
type common struct {
	configFile string
	dataDir    string
}

func newFlags(name string, c *common) *flag.FlagSet {
	fs := flag.NewFlagSet("cloison "+name, flag.ContinueOnError)
	fs.StringVar(&c.configFile, "config", "", "TOML configuration file (see config.example.toml)")
	fs.StringVar(&c.dataDir, "data", "", "data directory (overrides data.dir)")
	return fs
}

// errHelpShown ends a command whose --help was printed: a success.
var errHelpShown = errors.New("help shown")

// parse reads a command's flags. --help prints the command's flags on
// stdout; a wrong flag or a stray argument is a usage error.
func parse(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(stdout, "Usage of %s:\n", fs.Name())
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		return errHelpShown
	}
	if err != nil {
		return usagef("%s: %v", strings.TrimPrefix(fs.Name(), "cloison "), err)
	}
	if fs.NArg() > 0 {
		return usagef("%s: unexpected argument %q", strings.TrimPrefix(fs.Name(), "cloison "), fs.Arg(0))
	}
	return nil
}

// load reads the configuration: defaults, then the file, then the
// environment, then the command-line flags, and validates the result.
func (c *common) load(addr string) (config.Config, error) {
	return config.Load(c.configFile, os.Environ(), config.Flags{Addr: addr, DataDir: c.dataDir})
}

// cliText is the catalogues' text key in every shipped language, French
// first, joined by " / ": for what the command line says to an operator
// whose language no configuration names.
func cliText(key string, kv ...string) string {
	texts := make([]string, 0, len(i18n.Locales()))
	for _, locale := range i18n.Locales() {
		texts = append(texts, i18n.Get(locale).Fill(key, kv...))
	}
	return strings.Join(texts, " / ")
}

// open loads the configuration and opens the data directory's store,
// migrated, for the commands that work on it. With lockAs set, it first
// takes the data directory's lock in that name. done closes the store and
// releases the lock.
func (c *common) open(ctx context.Context, stderr io.Writer, lockAs string) (cfg config.Config, st *store.Store, done func(), err error) {
	if cfg, err = c.load(""); err != nil {
		return cfg, nil, nil, err
	}
	var lock *store.DirLock
	if lockAs != "" {
		if lock, err = lockDataDir(cfg, lockAs); err != nil {
			return cfg, nil, nil, err
		}
	}
	if st, err = openStore(ctx, cfg, newLogger(cfg, stderr)); err != nil {
		_ = lock.Unlock()
		return cfg, nil, nil, err
	}
	return cfg, st, func() { st.Close(); _ = lock.Unlock() }, nil
}

// lockDataDir takes the data directory's lock for the command what, and
// turns a refusal into a sentence that says what to do. On PostgreSQL
// there is no lock: several instances serve one database (and may share
// one data directory for the attachments), and PostgreSQL orders what
// they do, migrations included (store.Migrate); the directory is only
// made when missing.
func lockDataDir(cfg config.Config, what string) (*store.DirLock, error) {
	if cfg.Database.IsPostgres() {
		if err := os.MkdirAll(cfg.Data.Dir, 0o700); err != nil {
			return nil, fmt.Errorf("%w; give a directory this user can write with --data or data.dir", &store.DirNotWritableError{Dir: cfg.Data.Dir, Err: err})
		}
		return nil, nil
	}
	l, err := store.LockDir(cfg.Data.Dir, what)
	var inUse *store.DirInUseError
	var notWritable *store.DirNotWritableError
	switch {
	case errors.As(err, &inUse):
		return nil, &busyError{fmt.Errorf("%w: stop it first, or give another directory with --data or data.dir", err)}
	case errors.As(err, &notWritable):
		return nil, fmt.Errorf("%w; give a directory this user can write with --data or data.dir", err)
	}
	return l, err
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
	return store.Options{Dir: cfg.Data.Dir, DatabaseURL: cfg.Database.URL, Lanes: cfg.Database.Lanes, BaseURL: cfg.Server.BaseURL, Composer: mail.NewComposer(cfg.Instance.Name),
		Policy: server.StorePolicy(cfg), AttachmentKey: cfg.Attachments.Key}
}

// openStore opens the data directory and brings its schema up to date.
func openStore(ctx context.Context, cfg config.Config, log *slog.Logger) (*store.Store, error) {
	st, err := store.Open(ctx, storeOptions(cfg))
	if err != nil {
		return nil, err
	}
	applied, err := migrateStore(ctx, st, cfg)
	if err != nil {
		st.Close()
		return nil, err
	}
	for _, name := range applied {
		log.Info("migration applied", "name", name)
	}
	return st, nil
}

// migrateStore brings the schema up to date and names the first
// organisation and unit after the instance while they have no name (the
// migration to units makes them, and only the configuration knows the name).
func migrateStore(ctx context.Context, st *store.Store, cfg config.Config) ([]string, error) {
	applied, err := st.Migrate(ctx)
	if err != nil {
		return nil, err
	}
	return applied, st.NameFirstScope(ctx, cfg.Instance.Name)
}

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c common
	var addr string
	fs := newFlags("serve", &c)
	fs.StringVar(&addr, "addr", "", "listen address HOST:PORT (overrides server.addr)")
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	cfg, err := c.load(addr)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	log.Debug("configuration", "config", fmt.Sprintf("%+v", cfg.Redacted()))
	// The data directory, then the address, before anything slow: a second
	// start on the same directory or port is refused at once, saying why.
	lock, err := lockDataDir(cfg, "cloison serve on "+cfg.Server.Addr)
	if err != nil {
		return err
	}
	defer lock.Unlock()
	ln, err := listen(cfg.Server.Addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	stopAt := make(chan time.Time, 1)
	defer context.AfterFunc(ctx, func() { stopAt <- time.Now() })()
	if err := runInstance(ctx, cfg, ln, log, stdout); err != nil {
		return err
	}
	if ctx.Err() != nil {
		log.Info("Cloison stopped", "after", time.Since(<-stopAt).Round(time.Millisecond).String())
	}
	return nil
}

// listen opens the listening socket and, when it cannot, says what to do.
func listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	switch {
	case err == nil:
		return ln, nil
	case errors.Is(err, syscall.EADDRINUSE):
		return nil, &busyError{fmt.Errorf("cannot listen on %s: the address is already in use (by another Cloison or another program): "+
			"stop that program, or choose a free address with --addr HOST:PORT or server.addr in the configuration", addr)}
	case errors.Is(err, syscall.EACCES):
		return nil, fmt.Errorf("cannot listen on %s: permission denied (ports below 1024 need privileges): "+
			"choose another port with --addr HOST:PORT or server.addr in the configuration", addr)
	}
	return nil, fmt.Errorf("cannot listen on %s (%v): check --addr HOST:PORT or server.addr in the configuration", addr, err)
}

// runInstance runs the instance on ln until ctx ends: the store, the e-mail
// sender, the hourly chores and the HTTP server. It returns once all of
// them have stopped.
func runInstance(ctx context.Context, cfg config.Config, ln net.Listener, log *slog.Logger, stdout io.Writer) error {
	hasher := passwords.NewHasher(passwords.DefaultParams, 0)
	limit, from := memoryLimit(cfg, hasher, os.Getenv)
	debug.SetMemoryLimit(limit)
	log.Info("memory limit", "MiB", limit>>20, "from", from)
	if cfg.Database.URL == "" {
		// Before the store opens its first connection. A process that has
		// opened one already (tests running several instances) keeps
		// SQLite's own allocation.
		switch pages, bytes, err := store.SharePageMemory(); {
		case err == nil:
			log.Info("sqlite page memory", "MiB", fmt.Sprintf("%.1f", float64(bytes)/(1<<20)), "pages", pages)
		case !errors.Is(err, store.ErrPageMemoryTooLate):
			log.Warn("sqlite page memory not shared", "err", err)
		}
	}

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
	if lost, err := st.LostSettings(ctx); err != nil {
		return err
	} else if len(lost) > 0 {
		// Cloison works without them, slower (the lists planned again at
		// every call): the operator is told what to run, once per start.
		log.Warn("PostgreSQL sessions lack settings Cloison asks for when it connects (a connection pooler drops them?): set them on the database",
			"run", strings.Join(lost, "; "))
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
		Hasher: hasher, MailKick: sender.Kick, MailTest: sender.Test,
	})
	if err != nil {
		return err
	}
	needed, err := st.SetupNeeded(ctx)
	if err != nil {
		return err
	}
	// The jobs end with the server, whether ctx ended or serving failed.
	jobsCtx, stopJobs := context.WithCancel(ctx)
	var jobs sync.WaitGroup
	jobs.Add(2)
	go func() { defer jobs.Done(); sender.Run(jobsCtx) }()
	go func() { defer jobs.Done(); housekeeping(jobsCtx, st, sender.Kick, log) }()
	defer func() { stopJobs(); jobs.Wait() }()
	return srv.Listen(ctx, ln, func(bound string) {
		log.Info("Cloison is listening", "addr", bound, "base_url", cfg.Server.BaseURL, "data", cfg.Data.Dir, "version", appVersion())
		if needed {
			tok, err := srv.IssueSetupToken(ctx)
			if err != nil {
				log.Error("the setup link could not be made", "err", err)
				return
			}
			// Printed, not logged: the link is for the person starting the
			// instance, and must not end up in a log collector.
			fmt.Fprintf(stdout, "\nNo superadmin yet. Open this one-time link to create it:\n"+
				"Aucun superadmin pour l'instant. Ouvrez ce lien à usage unique pour le créer :\n\n    %s\n\n",
				srv.SetupLink(tok))
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
// memory only: the program's code and SQLite's page memory come on top
// (about 25 MB of resident code, and the slab store.SharePageMemory
// gives SQLite: 2,000 KiB of pages per reader, 7.8 MiB on two CPUs).
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
// closing (and auditing) helper collaborations past their end date,
// queueing the daily deadline reminders (the store remembers the day it last
// sent them, so neither restarts nor the hourly tick send them twice), and
// the notices of mandates ending within 30 days or ended (each sent once,
// whichever tick finds it).
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
		if n, err := st.NotifyMandates(ctx); err != nil && ctx.Err() == nil {
			log.Error("mandate notices", "err", err)
		} else if n > 0 {
			log.Info("mandate notices queued", "emails", n)
			kick()
		}
		// Said even when there was nothing to do: with several instances,
		// which of them did a day's chores is the database's business, and
		// a test learns from this that an instance has had its turn.
		log.Debug("periodic chores done")
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c common
	if err := parse(newFlags("migrate", &c), args, stdout); err != nil {
		return err
	}
	cfg, err := c.load("")
	if err != nil {
		return err
	}
	// Never under a running server: it would keep serving with statements
	// prepared for the schema it started with.
	lock, err := lockDataDir(cfg, "cloison migrate")
	if err != nil {
		return err
	}
	defer lock.Unlock()
	st, err := store.Open(ctx, storeOptions(cfg))
	if err != nil {
		return err
	}
	defer st.Close()
	applied, err := migrateStore(ctx, st, cfg)
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

// cmdMigrateData copies the data directory's SQLite instance into an
// empty PostgreSQL database (store.MigrateData), under the data
// directory's lock: nothing may write to the source meanwhile.
func cmdMigrateData(ctx context.Context, args []string, stdout io.Writer) error {
	var c common
	var to string
	fs := newFlags("migrate-data", &c)
	fs.StringVar(&to, "to", "", "the empty PostgreSQL database to fill: postgres://user@host/db (the password may come from PGPASSWORD)")
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	if !strings.HasPrefix(to, "postgres://") && !strings.HasPrefix(to, "postgresql://") {
		return usagef("migrate-data: --to postgres://… is required")
	}
	cfg, err := c.load("")
	if err != nil {
		return err
	}
	if cfg.Database.IsPostgres() {
		return errors.New("migrate-data: the configuration already runs this instance on PostgreSQL (database.url); migrate-data copies the SQLite database of a data directory")
	}
	// Opening the store would make an empty database where there is none.
	if _, err := os.Stat(filepath.Join(cfg.Data.Dir, store.DatabaseFile)); err != nil {
		return fmt.Errorf("migrate-data: no Cloison database in %s (give the instance's data directory with --data or data.dir)", cfg.Data.Dir)
	}
	lock, err := lockDataDir(cfg, "cloison migrate-data")
	if err != nil {
		return fmt.Errorf("migrate-data: %w", err)
	}
	defer lock.Unlock()
	st, err := store.Open(ctx, storeOptions(cfg))
	if err != nil {
		return err
	}
	defer st.Close()
	where := describeDatabase(to)
	fmt.Fprintf(stdout, "copying the SQLite database of %s to %s\n", cfg.Data.Dir, where)
	res, err := st.MigrateData(ctx, to)
	if err != nil {
		var full *store.TargetNotEmptyError
		if errors.As(err, &full) {
			return fmt.Errorf("migrate-data: %w", err)
		}
		return fmt.Errorf("migrate-data: %w; nothing was written to %s", err, where)
	}
	fmt.Fprintf(stdout, "schema: %d PostgreSQL migrations applied, up to %s\n", res.Migrations, res.Version)
	for _, t := range res.Tables {
		fmt.Fprintf(stdout, "  %-28s %d\n", t.Table, t.Rows)
	}
	fmt.Fprintf(stdout, "copied %d rows in %d tables in one transaction, in %s; row counts equal in every table\n",
		res.Rows, len(res.Tables), res.Elapsed.Round(time.Millisecond))
	fmt.Fprintf(stdout, "audit chain intact on PostgreSQL: %d entries\n", res.AuditEntries)
	fmt.Fprintf(stdout, "%d of %d attachments read back and decrypted with the data directory's key\n", res.AttachmentsChecked, res.Attachments)
	fmt.Fprintf(stdout, "the attachments and their key stay files in %s: keep that directory with the instance (data.dir)\n", cfg.Data.Dir)
	fmt.Fprintln(stdout, "done: set database.url (CLOISON_DATABASE_URL) to the PostgreSQL database and start Cloison; the SQLite database is left as it was")
	return nil
}

// describeDatabase names a postgres:// URL's database and server for the
// operator, and nothing else of it: never its password.
func describeDatabase(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "the PostgreSQL database"
	}
	host := u.Hostname()
	if host == "" {
		host = u.Query().Get("host")
	}
	db := strings.TrimPrefix(u.Path, "/")
	switch {
	case db != "" && host != "":
		return fmt.Sprintf("PostgreSQL database %s on %s", db, host)
	case db != "":
		return "PostgreSQL database " + db
	}
	return "the PostgreSQL database"
}

// cmdBackup copies the database while the instance runs: it takes no lock
// on the data directory, but refuses a target inside a data directory.
func cmdBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c common
	var out string
	fs := newFlags("backup", &c)
	fs.StringVar(&out, "out", "", "file to write the backup to (must not exist)")
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	if out == "" {
		return usagef("backup: --out FILE is required")
	}
	cfg, err := c.load("")
	if err != nil {
		return err
	}
	if cfg.Database.IsPostgres() {
		return errors.New(cliText("cli.backup_postgres", "dir", cfg.Data.Dir))
	}
	if err := checkBackupTarget(cfg.Data.Dir, out); err != nil {
		return err
	}
	_, st, done, err := c.open(ctx, stderr, "")
	if err != nil {
		return err
	}
	defer done()
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

// checkBackupTarget refuses a backup written into the data directory it
// copies (lost with it, and set aside by a restore) or into the data
// directory of a running instance.
func checkBackupTarget(dataDir, out string) error {
	data, err := filepath.Abs(dataDir)
	if err != nil {
		return err
	}
	target, err := filepath.Abs(out)
	if err != nil {
		return err
	}
	if rel, err := filepath.Rel(data, target); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return fmt.Errorf("backup: %s is inside the data directory %s, and would be lost with it: write the backup elsewhere, on another disk if you can", out, dataDir)
	}
	if inUse, err := store.DirInUse(filepath.Dir(target)); err == nil && inUse {
		return &busyError{fmt.Errorf("backup: %s is the data directory of a running Cloison (%s): write the backup elsewhere",
			filepath.Dir(target), store.LockHolder(filepath.Dir(target)))}
	}
	return nil
}

// cmdRestore puts a backup back into the data directory, with the instance
// stopped (it takes the directory's lock), after checking the backup.
func cmdRestore(ctx context.Context, args []string, stdout io.Writer) error {
	var c common
	var from string
	fs := newFlags("restore", &c)
	fs.StringVar(&from, "from", "", "backup file written by cloison backup (its FILE-attachments/ directory beside it)")
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	if from == "" {
		return usagef("restore: --from FILE is required")
	}
	cfg, err := c.load("")
	if err != nil {
		return err
	}
	if cfg.Database.IsPostgres() {
		return errors.New(cliText("cli.restore_postgres"))
	}
	lock, err := lockDataDir(cfg, "cloison restore")
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer lock.Unlock()
	res, err := store.Restore(ctx, from, cfg.Data.Dir, cfg.Attachments.Key)
	if err != nil {
		return fmt.Errorf("restore: %w; nothing was changed in %s", err, cfg.Data.Dir)
	}
	fmt.Fprintf(stdout, "checked %s: integrity check passed, a Cloison database at migration %s\n", from, res.Migration)
	if res.Aside != "" {
		fmt.Fprintf(stdout, "the previous files (%s) were moved to %s\n", strings.Join(res.Moved, ", "), res.Aside)
	}
	fmt.Fprintf(stdout, "restored the database to %s\n", res.Database)
	if res.KeyRestored {
		fmt.Fprintf(stdout, "restored %d attachments and their key to %s\n", res.AttachmentsRestored, cfg.Data.Dir)
	} else {
		fmt.Fprintln(stdout, "the backup holds no attachment: a new attachments key is made at the next start")
	}
	if len(res.Pending) > 0 {
		fmt.Fprintf(stdout, "the next start (or cloison migrate) applies %d newer migrations: %s\n", len(res.Pending), strings.Join(res.Pending, ", "))
	}
	fmt.Fprintln(stdout, "done: start Cloison again")
	return nil
}

func cmdSuperadminCreate(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	var c common
	var email, name string
	var fromStdin bool
	fs := newFlags("superadmin create", &c)
	fs.StringVar(&email, "email", "", "e-mail address of the new superadmin")
	fs.StringVar(&name, "name", "", "name of the new superadmin")
	fs.BoolVar(&fromStdin, "password-stdin", false, "read the password from the first line of standard input")
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	if !fromStdin {
		// A password on the command line would land in the shell history and in ps.
		return usagef("superadmin create: --password-stdin is required: the password is read from standard input, never from the command line")
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	password := strings.TrimRight(line, "\r\n")
	cfg, st, done, err := c.open(ctx, stderr, "")
	if err != nil {
		return err
	}
	defer done()
	in := store.NewAccount{Email: email, Name: name, Password: password, Locale: cfg.Instance.DefaultLocale}
	acc, err := st.CreateSuperadmin(ctx, passwords.NewHasher(passwords.DefaultParams, 1), store.Actor{ClientIP: "cli"}, in, false)
	var ve *store.ValidationError
	if errors.As(err, &ve) {
		return fmt.Errorf("superadmin create: %s", refusal(ve, in, cfg.Instance.DefaultLocale))
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "superadmin %s created (id %s)\n", acc.Email, acc.ID)
	return nil
}

// sentence says in locale's words why value was refused for field: the
// catalogue's "cli.refusal.<field>.<reason>" (server/i18n), or its
// "cli.refusal.other"; {value} is the value refused, {field} the field.
func sentence(field, reason, value, locale string) string {
	cat := i18n.Get(locale)
	s, ok := cat.Lookup("cli.refusal." + field + "." + reason)
	if !ok {
		s = cat.Text("cli.refusal.other")
	}
	return i18n.Fill(s, "value", value, "field", field)
}

// refusal is a validation error of superadmin create in sentences, one per
// field, in the order of the command's flags.
func refusal(ve *store.ValidationError, in store.NewAccount, locale string) string {
	values := map[string]string{"email": in.Email, "name": in.Name}
	fields := make([]string, 0, len(ve.Fields))
	for f := range ve.Fields {
		fields = append(fields, f)
	}
	order := map[string]int{"email": 1, "name": 2, "password": 3}
	sort.Slice(fields, func(i, j int) bool {
		oi, oj := order[fields[i]], order[fields[j]]
		if oi == 0 {
			oi = len(order) + 1
		}
		if oj == 0 {
			oj = len(order) + 1
		}
		return oi < oj || oi == oj && fields[i] < fields[j]
	})
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = sentence(f, ve.Fields[f], values[f], locale)
	}
	return strings.Join(out, " ")
}

func cmdAuditVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c common
	if err := parse(newFlags("audit verify", &c), args, stdout); err != nil {
		return err
	}
	_, st, done, err := c.open(ctx, stderr, "")
	if err != nil {
		return err
	}
	defer done()
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

// cmdDoctor checks every copy the store keeps for speed (the counters
// behind the totals, the list columns each grant carries, the inspectors'
// rows) against the rows it copies, and fails naming those that disagree:
// lists and totals served from them would be wrong. It only reads, and may
// run beside a serving instance. With --repair it rebuilds those copies
// from the rows they copy, in one transaction; on SQLite the instance must
// be stopped (what a serving process keeps in memory would not see it),
// on PostgreSQL the repair queues with every instance's writes.
func cmdDoctor(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c common
	var repair bool
	fs := newFlags("doctor", &c)
	fs.BoolVar(&repair, "repair", false, "rebuild the copies that disagree from the rows they copy")
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	lockAs := ""
	if repair {
		lockAs = "doctor --repair"
	}
	_, st, done, err := c.open(ctx, stderr, lockAs)
	if err != nil {
		return err
	}
	defer done()
	check := st.CheckCopies
	if repair {
		check = st.RepairCopies
	}
	checks, err := check(ctx)
	if err != nil {
		return err
	}
	var wrong []string
	for _, k := range checks {
		if k.Wrong == 0 {
			fmt.Fprintf(stdout, "%s: agrees\n", k.Name)
			continue
		}
		verb := "disagree"
		if k.Wrong == 1 {
			verb = "disagrees"
		}
		fmt.Fprintf(stdout, "%s: %s %s\n", k.Name, counted(int(k.Wrong), "row"), verb)
		wrong = append(wrong, k.Name)
	}
	switch {
	case len(wrong) > 0 && repair:
		fmt.Fprintf(stdout, "rebuilt from the rows they copy: %s\n", strings.Join(wrong, ", "))
	case len(wrong) > 0:
		return fmt.Errorf("%s disagree with the rows they copy, so lists and totals read from them are wrong: "+
			"stop the instance and run cloison doctor --repair", strings.Join(wrong, ", "))
	}
	return nil
}

// cmdSeed fills an empty data directory with synthetic French case files
// and accounts (editorN@, adminN@, helperN@seed.invalid; over several units
// also unitadminN@ and orgadminN@), for demonstrations and benchmarks. The
// password is hashed once and shared by every account.
func cmdSeed(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c common
	var o seed.Options
	var password string
	fs := newFlags("seed", &c)
	fs.IntVar(&o.Cases, "cases", 1000, "number of case files")
	fs.IntVar(&o.Editors, "editors", 10, "number of editors (case managers)")
	fs.IntVar(&o.Admins, "admins", 1, "number of admins")
	fs.IntVar(&o.Helpers, "helpers", 0, "number of helpers (readers invited on some case files)")
	fs.IntVar(&o.Orgs, "orgs", 1, "number of organisations (ORG-001…, each with an admin orgadminN@ when more than one unit or organisation)")
	fs.IntVar(&o.Units, "units", 1, "number of units, spread over the organisations (U-0001…, each with an admin unitadminN@ and its share of the editors)")
	fs.StringVar(&password, "password", "", "password of every seeded account (required; test data only)")
	fs.Uint64Var(&o.Random, "random", 1, "seed of the generator: same value, same texts and spreads")
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	if password == "" {
		return usagef("seed: --password is required")
	}
	cfg, err := c.load("")
	if err != nil {
		return err
	}
	if why := passwords.Check(password); why != "" {
		return fmt.Errorf("seed: --password refused: %s", sentence("password", why, "", cfg.Instance.DefaultLocale))
	}
	// The seed drops and rebuilds indexes: nothing else may use the directory.
	cfg, st, done, err := c.open(ctx, stderr, "cloison seed")
	if err != nil {
		return err
	}
	defer done()
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
	network := ""
	if rep.Units > 1 || rep.Orgs > 1 {
		network = fmt.Sprintf(" over %s in %s (an admin each)", counted(rep.Units, "unit"), counted(rep.Orgs, "organisation"))
	}
	fmt.Fprintf(stdout, "seeded %s, %s, %s and %s%s in %s\n",
		counted(rep.Editors, "editor"), counted(rep.Admins, "admin"), counted(rep.Helpers, "helper"),
		counted(rep.Cases, "case file"), network, time.Since(start).Round(time.Second))
	return nil
}

// counted is n and the noun, with an s unless n is one (the seed's report
// counts nouns whose plural takes one).
func counted(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
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
