// Command loadtest is Cloison's HTTP benchmark (make bench): it seeds a data
// directory with the real binary's seed command, starts the real binary on
// loopback, logs in as seeded accounts and drives each scenario with wrk
// (Debian's package, a C load generator: a Go client on the same 2-core
// machine would take much of the CPU it measures). It prints a table and
// writes the results as JSON so that runs can be compared.
//
// Over a network (-orgs, -units) it also loads the lists of a unit's admin,
// an organisation's and the seeded referent inspector's (20 open (unit,
// category) pairs), and a unit admin's get by id; for every run it
// reports the server's CPU time per request (utime+stime of the server
// process from /proc before and after the run, over the requests), the
// figure other load on a shared machine disturbs least, and the ratio of
// each list's to the editor list's.
//
// With -database-url the store runs on PostgreSQL (seed and serve get
// CLOISON_DATABASE_URL); part of each request's work then happens in
// PostgreSQL's own processes, and with -postgres-data (the cluster's data
// directory, on this machine) the CPU per request counts them with the
// server's (see clusterTicks). make bench DATABASE=postgres runs it on both
// engines and -compare prints the two reports side by side.
//
// It must never import the server or the store: it drives the built binary
// through its command line and HTTP, as an operator and a browser do, so that
// what it measures is what a person gets. It measures speed and asserts no
// behaviour (the tests do), and must never be pointed with -data at a
// directory holding real case files: its scenarios write.
//
//	go run ./server/loadtest -cases 100000 -out bench-results.json
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// config is what the command line sets.
type config struct {
	bin, data, out, wrk, logLevel string
	// databaseURL is empty for SQLite; postgresData is the PostgreSQL
	// cluster's data directory, whose processes' CPU time counts too.
	databaseURL, postgresData string
	cases, editors, admins    int
	helpers, sessions         int
	orgs, units, rounds       int
	conns                     []int
	duration                  time.Duration
	password                  string
	only                      map[string]bool
	pprofAddr                 string
	keep                      bool
	// profile is "scenario:conns": that run is CPU-profiled through the
	// server's opt-in pprof listener, into cpu-<scenario>-<conns>.pprof.
	profile string
}

// Result is one scenario at one concurrency.
type Result struct {
	Scenario  string  `json:"scenario"`
	Conns     int     `json:"conns"`
	Round     int     `json:"round,omitempty"`
	Requests  int64   `json:"requests"`
	RPS       float64 `json:"rps"`
	P50ms     float64 `json:"p50_ms"`
	P95ms     float64 `json:"p95_ms"`
	P99ms     float64 `json:"p99_ms"`
	Errors    int64   `json:"errors"`
	PeakRSSMB float64 `json:"peak_rss_mb"`
	// CPUusPerReq is the server's CPU time (user and system) over the run,
	// per request; Load1 is the machine's load average over the last
	// minute as the run ended.
	CPUusPerReq float64 `json:"cpu_us_per_req"`
	Load1       float64 `json:"loadavg_1m"`
}

// Report is the JSON file.
type Report struct {
	When time.Time `json:"when"`
	// Database is "sqlite", or "postgres" and the server's URL without its
	// password.
	Database string `json:"database"`
	// CPUCounts says whose CPU time cpu_us_per_req counts; the RSS figures
	// are always the cloison process's alone.
	CPUCounts       string   `json:"cpu_counts"`
	Machine         string   `json:"machine"`
	CPUs            int      `json:"cpus"`
	Cases           int      `json:"cases"`
	Orgs            int      `json:"orgs"`
	Units           int      `json:"units"`
	Rounds          int      `json:"rounds"`
	Editors         int      `json:"editors"`
	EditorVisible   int64    `json:"editor_visible_cases"`
	SeedSeconds     float64  `json:"seed_seconds,omitempty"`
	StartToAnswerMS float64  `json:"start_to_first_answer_ms"`
	IdleRSSMB       float64  `json:"idle_rss_mb"`
	PeakRSSMB       float64  `json:"peak_rss_mb"`
	DurationSeconds float64  `json:"duration_seconds"`
	Results         []Result `json:"results"`
	// Medians are the results' medians over the rounds (the results
	// themselves with one round).
	Medians          []Result `json:"medians"`
	GetMedianDiffPct []string `json:"get_by_id_median_diffs"`
	// ListCPURatios compare each list's CPU time per request with the
	// editor list's at the same concurrency: the median over the rounds of
	// the ratio within each round.
	ListCPURatios []Ratio `json:"list_cpu_ratios,omitempty"`
}

// Ratio is a list's CPU time per request over the editor list's.
type Ratio struct {
	Scenario string  `json:"scenario"`
	Conns    int     `json:"conns"`
	Ratio    float64 `json:"ratio"`
}

// listTarget is the most a scope's list may cost, in CPU per request,
// against the editor list's (issue 11: each stays one index range).
const listTarget = 1.2

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

func run() error {
	var c config
	var conns, only, compareFiles string
	flag.StringVar(&c.bin, "bin", "", "cloison binary (empty: go build one into the data directory's parent)")
	flag.StringVar(&c.data, "data", "", "data directory: seeded when empty or missing (empty: a new temporary directory)")
	flag.StringVar(&c.out, "out", "bench-results.json", "JSON results file")
	flag.StringVar(&c.wrk, "wrk", "wrk", "wrk executable")
	flag.StringVar(&c.logLevel, "log-level", "info", "server log level (the log goes to a file in the work directory)")
	flag.IntVar(&c.cases, "cases", 100000, "case files to seed")
	flag.IntVar(&c.editors, "editors", 0, "editors to seed (0: enough for about 500 case files each)")
	flag.IntVar(&c.admins, "admins", 4, "admins to seed")
	flag.IntVar(&c.helpers, "helpers", 50, "helpers to seed")
	flag.IntVar(&c.sessions, "sessions", 8, "editor accounts (one session each) the load is spread over, and as many unit and organisation admins")
	flag.IntVar(&c.orgs, "orgs", 1, "organisations to seed (more than one, or -units above one: a network, with unitadminN@ and orgadminN@)")
	flag.IntVar(&c.units, "units", 1, "units to seed, spread over the organisations")
	flag.IntVar(&c.rounds, "rounds", 1, "times every scenario runs, in turn (the table gives medians)")
	flag.StringVar(&conns, "conns", "4,16,32", "concurrencies")
	flag.DurationVar(&c.duration, "duration", 5*time.Second, "length of each run")
	flag.StringVar(&c.password, "password", "bench-password-2026", "password of the seeded accounts")
	flag.StringVar(&only, "only", "", "comma-separated scenarios to run (default all)")
	flag.BoolVar(&c.keep, "keep", false, "keep the temporary data directory")
	flag.StringVar(&c.profile, "profile", "", "scenario:conns to CPU-profile, e.g. editor_list:16")
	flag.StringVar(&c.databaseURL, "database-url", "", "PostgreSQL database to run on (empty: SQLite in the data directory); it must be empty unless -data names a directory already seeded with it")
	flag.StringVar(&c.postgresData, "postgres-data", "", "with -database-url: the PostgreSQL cluster's data directory on this machine, so that its processes' CPU time counts (empty: cloison's alone)")
	flag.StringVar(&compareFiles, "compare", "", "sqlite.json,postgres.json: print two reports' tables and their ratios, run nothing")
	flag.Parse()
	if compareFiles != "" {
		return compare(os.Stdout, compareFiles)
	}
	for _, s := range strings.Split(conns, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return fmt.Errorf("-conns: %q", s)
		}
		c.conns = append(c.conns, n)
	}
	if only != "" {
		// Every scenario's name, a network's included: a misspelt one
		// would otherwise run nothing after minutes of seeding.
		var known []string
		for _, sc := range scenarios(&bench{unitAdmins: []string{""}}) {
			known = append(known, sc.name)
		}
		c.only = map[string]bool{}
		for _, s := range strings.Split(only, ",") {
			s = strings.TrimSpace(s)
			if !slices.Contains(known, s) {
				return fmt.Errorf("-only: no scenario %q (there are %s)", s, strings.Join(known, ", "))
			}
			c.only[s] = true
		}
	}
	if c.editors == 0 {
		// The seed entrusts a case file to 1.18 editors on average.
		c.editors = max(1, c.units, c.cases*118/100/500)
	}
	c.rounds = max(1, c.rounds)
	if _, err := exec.LookPath(c.wrk); err != nil {
		return fmt.Errorf("wrk not found (Debian: apt-get install wrk; make bench installs it): %w", err)
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()

	work, err := os.MkdirTemp("", "cloison-bench-")
	if err != nil {
		return err
	}
	if !c.keep {
		defer os.RemoveAll(work)
	}
	if c.data == "" {
		c.data = filepath.Join(work, "data")
	}
	if c.bin == "" {
		c.bin = filepath.Join(work, "cloison")
		fmt.Println("building the binary…")
		if out, err := exec.Command("go", "build", "-o", c.bin, ".").CombinedOutput(); err != nil {
			return fmt.Errorf("go build: %v\n%s", err, out)
		}
	}
	rep := &Report{When: time.Now().UTC(), Machine: machine(), CPUs: runtime.NumCPU(), Cases: c.cases, Editors: c.editors,
		Orgs: c.orgs, Units: c.units, Rounds: c.rounds, Database: "sqlite", CPUCounts: "cloison"}
	if c.databaseURL != "" {
		rep.Database = "postgres " + redact(c.databaseURL)
		rep.CPUCounts = "cloison only (PostgreSQL's processes not counted: no -postgres-data)"
		if c.postgresData != "" {
			rep.CPUCounts = "cloison + the PostgreSQL cluster's processes"
		}
	}

	if needsSeed(c) {
		where := c.data
		if c.databaseURL != "" {
			where = fmt.Sprintf("%s and PostgreSQL (%s)", c.data, redact(c.databaseURL))
		}
		fmt.Printf("seeding %d case files, %d editors, %d units in %d organisations into %s…\n", c.cases, c.editors, c.units, c.orgs, where)
		t := time.Now()
		cmd := exec.CommandContext(ctx, c.bin, "seed", "--data", c.data, "--cases", strconv.Itoa(c.cases),
			"--editors", strconv.Itoa(c.editors), "--admins", strconv.Itoa(c.admins), "--helpers", strconv.Itoa(c.helpers),
			"--orgs", strconv.Itoa(c.orgs), "--units", strconv.Itoa(c.units), "--password", c.password)
		cmd.Env = c.env()
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
		rep.SeedSeconds = time.Since(t).Seconds()
	} else {
		fmt.Printf("reusing the seeded data in %s\n", c.data)
	}

	srv, err := startServer(ctx, &c, work, rep)
	if err != nil {
		return err
	}
	defer srv.stop()
	b, err := prepare(srv.base, c)
	if err != nil {
		return err
	}
	rep.EditorVisible = b.visibleTotal
	rep.Cases = int(b.allTotal)
	fmt.Printf("server up in %.0f ms, idle RSS %.1f MB; editors' visible case files: about %d each", rep.StartToAnswerMS, rep.IdleRSSMB, rep.EditorVisible)
	if len(b.unitAdmins) > 0 {
		fmt.Printf("; a unit admin's: %d, an organisation admin's: %d, the inspector's: %d", b.unitTotal, b.orgTotal, b.inspectorTotal)
	}
	fmt.Print("\n\n")

	if srv.postmaster != 0 {
		if waited, err := settle(srv.postmaster, 2*time.Minute); err != nil {
			return err
		} else if waited > 2*time.Second {
			fmt.Printf("waited %.0f s for PostgreSQL's background work (autovacuum after the seed) to end\n\n", waited.Seconds())
		}
	}
	began := time.Now()
	for round := 1; round <= c.rounds; round++ {
		for _, sc := range scenarios(b) {
			if c.only != nil && !c.only[sc.name] {
				continue
			}
			for _, n := range c.conns {
				dur := c.duration
				if sc.name == "login" {
					dur = min(dur, 5*time.Second)
				}
				r, err := runWrk(ctx, c, work, srv, sc, n, dur)
				if err != nil {
					return fmt.Errorf("%s at %d: %w", sc.name, n, err)
				}
				if c.rounds > 1 {
					r.Round = round
				}
				rep.Results = append(rep.Results, r)
				fmt.Printf("%-22s %4d conns  %8.0f req/s  p50 %7.2f  p95 %7.2f  p99 %7.2f ms  errors %d  RSS %.0f MB  CPU %4.0f µs/req  load %.1f\n",
					r.Scenario, r.Conns, r.RPS, r.P50ms, r.P95ms, r.P99ms, r.Errors, r.PeakRSSMB, r.CPUusPerReq, r.Load1)
			}
		}
	}
	rep.DurationSeconds = time.Since(began).Seconds()
	rep.Medians = medianResults(rep.Results)
	rep.ListCPURatios = listRatios(rep.Results)
	medians := map[string]map[int]float64{}
	for _, r := range rep.Medians {
		if medians[r.Scenario] == nil {
			medians[r.Scenario] = map[int]float64{}
		}
		medians[r.Scenario][r.Conns] = r.P50ms
	}
	for _, n := range c.conns {
		v, iv, nx := medians["get_visible"][n], medians["get_not_visible"][n], medians["get_nonexistent"][n]
		if v > 0 && iv > 0 {
			rep.GetMedianDiffPct = append(rep.GetMedianDiffPct, fmt.Sprintf("%d conns: visible %.3f ms, not visible %.3f ms, %+.1f %%", n, v, iv, 100*(iv-v)/v))
		}
		// What would let someone enumerate: an existing case file they may
		// not see against an id that exists nowhere.
		if iv > 0 && nx > 0 {
			rep.GetMedianDiffPct = append(rep.GetMedianDiffPct, fmt.Sprintf("%d conns: not visible %.3f ms, nonexistent %.3f ms, %+.1f %%", n, iv, nx, 100*(nx-iv)/iv))
		}
	}
	rep.PeakRSSMB = srv.hwm()
	printTable(os.Stdout, rep)
	js, _ := json.MarshalIndent(rep, "", "  ")
	if err := os.WriteFile(c.out, append(js, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Println("\nresults written to", c.out)
	return nil
}

// env is the environment of the binary's commands: ours, and the database
// to use. Set even when empty, so that a CLOISON_DATABASE_URL of the caller's
// cannot send a SQLite run to PostgreSQL.
func (c config) env() []string {
	return append(os.Environ(), "CLOISON_DATABASE_URL="+c.databaseURL)
}

// needsSeed tells whether the data to load must be seeded first: on SQLite
// when the data directory holds no database; on PostgreSQL, whose database
// the harness cannot look into without a driver of its own, when the data
// directory is new (missing or empty: the seed then refuses a database that
// already holds data, rather than mixing two).
func needsSeed(c config) bool {
	if c.databaseURL == "" {
		_, err := os.Stat(filepath.Join(c.data, "cloison.db"))
		return err != nil
	}
	entries, err := os.ReadDir(c.data)
	return err != nil || len(entries) == 0
}

// redact is a database URL fit to print: without its password, whether in
// the URL's user part or as a password= parameter (pgx also takes the
// key=value form).
func redact(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" {
		dsn = u.Redacted()
	}
	return passwordParam.ReplaceAllString(dsn, "${1}xxxxx")
}

var passwordParam = regexp.MustCompile(`(?i)(password\s*=\s*)('[^']*'|[^&\s]*)`)

func machine() string {
	model := ""
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "model name") {
				model = strings.TrimSpace(strings.SplitN(l, ":", 2)[1])
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		if f := strings.Fields(strings.SplitN(string(b), "\n", 2)[0]); len(f) >= 2 {
			kb, _ := strconv.ParseFloat(f[1], 64)
			mem = fmt.Sprintf("%.0f GiB", kb/1024/1024)
		}
	}
	return fmt.Sprintf("%s, %d CPUs, %s, %s/%s", model, runtime.NumCPU(), mem, runtime.GOOS, runtime.GOARCH)
}

// server is the running binary.
type server struct {
	cmd  *exec.Cmd
	base string
	pid  int
	done chan struct{}
	// postmaster is the PostgreSQL server's process, whose CPU time and its
	// children's count with the server's (0: SQLite, or not counted).
	postmaster int
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func startServer(ctx context.Context, c *config, work string, rep *Report) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	logf, err := os.Create(filepath.Join(work, "server.log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, c.bin, "serve", "--data", c.data, "--addr", addr)
	cmd.Env = append(c.env(), "CLOISON_LOG_LEVEL="+c.logLevel)
	if c.profile != "" {
		pp, err := freePort()
		if err != nil {
			return nil, err
		}
		cmd.Env = append(cmd.Env, fmt.Sprintf("CLOISON_DEBUG_PPROF=127.0.0.1:%d", pp))
		c.pprofAddr = fmt.Sprintf("127.0.0.1:%d", pp)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, base: "http://" + addr, pid: cmd.Process.Pid, done: make(chan struct{})}
	if c.databaseURL != "" && c.postgresData != "" {
		if s.postmaster, err = postmasterPID(c.postgresData); err != nil {
			_ = cmd.Process.Kill()
			return nil, err
		}
	}
	go func() { _ = cmd.Wait(); logf.Close(); close(s.done) }()
	client := &http.Client{Timeout: time.Second}
	for {
		resp, err := client.Get(s.base + "/api/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		select {
		case <-s.done:
			return nil, fmt.Errorf("the server stopped; see %s", filepath.Join(work, "server.log"))
		case <-time.After(2 * time.Millisecond):
		}
		if time.Since(start) > 60*time.Second {
			s.stop()
			return nil, errors.New("the server did not answer within 60 s")
		}
	}
	rep.StartToAnswerMS = float64(time.Since(start).Microseconds()) / 1000
	time.Sleep(time.Second)
	rep.IdleRSSMB = s.rss()
	return s, nil
}

func (s *server) stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(35 * time.Second):
		_ = s.cmd.Process.Kill()
	}
}

// status reads one "VmXXX: N kB" field of the server's /proc status, in MB.
func (s *server) status(field string) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, field+":") {
			f := strings.Fields(l)
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

func (s *server) rss() float64 { return s.status("VmRSS") }
func (s *server) hwm() float64 { return s.status("VmHWM") }

// procStat is the fields of /proc/PID/stat after the command's name (which
// may hold spaces): the process's state is the first, its parent's pid the
// second, utime, stime, cutime and cstime the 12th to the 15th.
func procStat(pid int) ([]string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil, err
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 15 {
		return nil, fmt.Errorf("/proc/%d/stat: %q", pid, b)
	}
	return f, nil
}

// ticks sums fields of a /proc/PID/stat, in clock ticks.
func ticks(f []string, fields ...int) (int64, error) {
	var sum int64
	for _, i := range fields {
		n, err := strconv.ParseInt(f[i], 10, 64)
		if err != nil {
			return 0, err
		}
		sum += n
	}
	return sum, nil
}

// cpuTicks is the CPU time the server has used, user and system, in clock
// ticks, and on PostgreSQL with -postgres-data the cluster's (clusterTicks).
func (s *server) cpuTicks() (int64, error) {
	f, err := procStat(s.pid)
	if err != nil {
		return 0, err
	}
	own, err := ticks(f, 11, 12)
	if err != nil || s.postmaster == 0 {
		return own, err
	}
	pg, err := clusterTicks(s.postmaster)
	return own + pg, err
}

// postmasterPID reads the PostgreSQL server's pid from the first line of
// its data directory's postmaster.pid.
func postmasterPID(dataDir string) (int, error) {
	b, err := os.ReadFile(filepath.Join(dataDir, "postmaster.pid"))
	if err != nil {
		return 0, fmt.Errorf("-postgres-data: %w", err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || pid < 1 {
		return 0, fmt.Errorf("-postgres-data: no pid in %s", filepath.Join(dataDir, "postmaster.pid"))
	}
	if _, err := procStat(pid); err != nil {
		return 0, fmt.Errorf("-postgres-data: the PostgreSQL server (pid %d) is not running here: %w", pid, err)
	}
	return pid, nil
}

// clusterTicks is the CPU time, user and system, the PostgreSQL cluster has
// used: its server process (the postmaster) and every process it started.
// PostgreSQL runs each connection's queries in a backend process of its own,
// a child of the postmaster, beside its background processes (checkpointer,
// WAL writer, autovacuum and its workers, parallel workers), all children
// too. A backend that ends during the run (its connection closed by the
// pool) leaves the live processes, but the kernel adds its CPU time to the
// postmaster's cutime and cstime when the postmaster reaps it: so the sum of
// utime+stime+cutime+cstime over the postmaster and its live children
// counts every process of the cluster, whether it lived through the run,
// began during it or ended during it, where the live children's utime+stime
// alone would lose those that ended. (Only a child ending between our two
// reads of one sample can be counted twice, or not at all: a few
// milliseconds at most, against seconds of load.) Threads need no care:
// /proc/PID/stat counts all of a process's threads, and PostgreSQL's
// processes have one.
func clusterTicks(postmaster int) (int64, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	parent := strconv.Itoa(postmaster)
	var sum int64
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == postmaster {
			continue
		}
		f, err := procStat(pid)
		if err != nil || f[1] != parent {
			continue // gone since ReadDir, or not the cluster's
		}
		n, err := ticks(f, 11, 12, 13, 14)
		if err != nil {
			return 0, err
		}
		sum += n
	}
	f, err := procStat(postmaster)
	if err != nil {
		return 0, fmt.Errorf("the PostgreSQL server: %w", err)
	}
	n, err := ticks(f, 11, 12, 13, 14)
	return sum + n, err
}

// settle waits, up to limit, until the PostgreSQL cluster is quiet (under
// 5 % of a CPU over a second): after the seed, autovacuum goes over the
// freshly loaded tables for a while, and that work, counted with the
// cluster's, would otherwise land on the first scenario's requests.
func settle(postmaster int, limit time.Duration) (time.Duration, error) {
	start := time.Now()
	for time.Since(start) < limit {
		t0, err := clusterTicks(postmaster)
		if err != nil {
			return 0, err
		}
		time.Sleep(time.Second)
		t1, err := clusterTicks(postmaster)
		if err != nil {
			return 0, err
		}
		if float64(t1-t0)/clockTicks() < 0.05 {
			break
		}
	}
	return time.Since(start), nil
}

// clockTicks is the kernel's clock ticks per second (getconf CLK_TCK;
// 100 on every Linux this runs on when getconf is missing).
var clockTicks = sync.OnceValue(func() float64 {
	out, err := exec.Command("getconf", "CLK_TCK").Output()
	if n, perr := strconv.ParseFloat(strings.TrimSpace(string(out)), 64); err == nil && perr == nil && n > 0 {
		return n
	}
	return 100
})

// load1 is the machine's load average over the last minute.
func load1() float64 {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}

// bench holds the sessions and ids the scenarios use.
type bench struct {
	base         string
	editors      []editor // logged-in editors
	admin        string   // an admin's token
	invisible    []string // case ids none of the editors may see
	visibleTotal int64
	allTotal     int64
	emails       []string
	password     string
	// Over a network: unit admins' and organisation admins' tokens (of
	// different units and organisations), what the first of each sees, and
	// the case files of the first unit admin's unit, which that admin gave
	// a reason to read.
	unitAdmins, orgAdmins []string
	unitTotal, orgTotal   int64
	unitCases             []string
	// Over a network: the seeded referent inspector's token (20 open
	// (unit, category) pairs) and what they see.
	inspector      string
	inspectorTotal int64
}

type editor struct {
	token string
	cases []caseRef
}

type caseRef struct {
	ID      string `json:"id"`
	Version int64  `json:"version"`
	Status  string `json:"status"`
}

func call(method, url, token string, body any, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, rd)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if out != nil && resp.StatusCode < 300 {
		return resp.StatusCode, json.NewDecoder(resp.Body).Decode(out)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

func login(base, email, password string) (string, error) {
	var res struct {
		Token string `json:"token"`
	}
	st, err := call("POST", base+"/api/auth/login", "", map[string]string{"email": email, "password": password}, &res)
	if err != nil {
		return "", err
	}
	if st != 200 {
		return "", fmt.Errorf("login %s: status %d", email, st)
	}
	return res.Token, nil
}

type listPage struct {
	Items []caseRef `json:"items"`
	Total int64     `json:"total"`
}

// prepare logs in and gathers, per editor, the case files they may see, and
// case files none of them may see.
func prepare(base string, c config) (*bench, error) {
	b := &bench{base: base, password: c.password}
	var err error
	if b.admin, err = login(base, "admin1@seed.invalid", c.password); err != nil {
		return nil, err
	}
	mine := map[string]bool{}
	n := min(c.sessions, c.editors)
	for i := 1; i <= c.editors; i++ {
		b.emails = append(b.emails, fmt.Sprintf("editor%d@seed.invalid", i))
	}
	for i := 1; i <= n; i++ {
		tok, err := login(base, b.emails[i-1], c.password)
		if err != nil {
			return nil, err
		}
		e := editor{token: tok}
		for page := 1; ; page++ {
			var lp listPage
			if _, err := call("GET", fmt.Sprintf("%s/api/cases?per_page=200&page=%d", base, page), tok, nil, &lp); err != nil {
				return nil, err
			}
			e.cases = append(e.cases, lp.Items...)
			b.visibleTotal = lp.Total
			if len(lp.Items) < 200 {
				break
			}
		}
		if len(e.cases) == 0 {
			return nil, fmt.Errorf("editor%d sees no case file: seed more", i)
		}
		for _, cr := range e.cases {
			mine[cr.ID] = true
		}
		b.editors = append(b.editors, e)
	}
	// Case files of other editors, from the admin's list, spread over the pages.
	var total listPage
	if _, err := call("GET", base+"/api/cases?per_page=1", b.admin, nil, &total); err != nil {
		return nil, err
	}
	b.allTotal = total.Total
	if c.units > 1 || c.orgs > 1 {
		if err := prepareScopeAdmins(b, c); err != nil {
			return nil, err
		}
	}
	pages := max(1, int(total.Total/200))
	for i := 0; len(b.invisible) < 1000 && i < 20; i++ {
		var lp listPage
		page := 1 + i*pages/20
		if _, err := call("GET", fmt.Sprintf("%s/api/cases?per_page=200&page=%d", base, page), b.admin, nil, &lp); err != nil {
			return nil, err
		}
		for _, cr := range lp.Items {
			if !mine[cr.ID] {
				b.invisible = append(b.invisible, cr.ID)
			}
		}
	}
	return b, nil
}

// prepareScopeAdmins logs in as unit admins and organisation admins (as
// many as editors, spread over the network's units and organisations), and
// has the first unit admin give a reason, once per case file of their unit,
// to read it: a scope admin who is not entrusted with a case file reads it
// with a reason, once per session.
func prepareScopeAdmins(b *bench, c config) error {
	n := min(c.sessions, c.units)
	for i := range n {
		tok, err := login(b.base, fmt.Sprintf("unitadmin%d@seed.invalid", 1+i*c.units/n), c.password)
		if err != nil {
			return err
		}
		b.unitAdmins = append(b.unitAdmins, tok)
	}
	n = min(c.sessions, c.orgs)
	for i := range n {
		tok, err := login(b.base, fmt.Sprintf("orgadmin%d@seed.invalid", 1+i*c.orgs/n), c.password)
		if err != nil {
			return err
		}
		b.orgAdmins = append(b.orgAdmins, tok)
	}
	var lp listPage
	if _, err := call("GET", b.base+"/api/cases?per_page=1", b.orgAdmins[0], nil, &lp); err != nil {
		return err
	}
	b.orgTotal = lp.Total
	var err error
	if b.inspector, err = login(b.base, "inspector1@seed.invalid", c.password); err != nil {
		return err
	}
	if _, err := call("GET", b.base+"/api/cases?per_page=1", b.inspector, nil, &lp); err != nil {
		return err
	}
	if b.inspectorTotal = lp.Total; b.inspectorTotal == 0 {
		return errors.New("inspector1 sees no case file: seed more")
	}
	for page := 1; ; page++ {
		var lp listPage
		if _, err := call("GET", fmt.Sprintf("%s/api/cases?per_page=200&page=%d", b.base, page), b.unitAdmins[0], nil, &lp); err != nil {
			return err
		}
		for _, cr := range lp.Items {
			b.unitCases = append(b.unitCases, cr.ID)
		}
		b.unitTotal = lp.Total
		if len(lp.Items) < 200 {
			break
		}
	}
	if len(b.unitCases) == 0 {
		return errors.New("unitadmin1 sees no case file: seed more")
	}
	// The reasons, a few at a time (each is a write).
	var wg sync.WaitGroup
	errs := make(chan error, len(b.unitCases))
	ids := make(chan string)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range ids {
				st, err := call("POST", b.base+"/api/cases/"+id+"/access", b.unitAdmins[0],
					map[string]string{"reason": "Contrôle de charge du banc d’essai"}, nil)
				if err == nil && st != 204 {
					err = fmt.Errorf("reason to read %s: status %d", id, st)
				}
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	for _, id := range b.unitCases {
		ids <- id
	}
	close(ids)
	wg.Wait()
	close(errs)
	return <-errs
}

// scenario is one kind of request, written as a wrk Lua script.
type scenario struct {
	name string
	// script returns the Lua for conns connections (one thread per
	// connection when perConnThread).
	script        func(conns int) string
	perConnThread bool
}

func luaString(s string) string { return strconv.Quote(s) }

func luaList(items []string) string {
	var b strings.Builder
	b.WriteString("{")
	for i, s := range items {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(luaString(s))
	}
	b.WriteString("}")
	return b.String()
}

// luaCommon counts answers that are not the expected status, per thread,
// and prints wrk's summary as JSON.
const luaCommon = `
local threads = {}
local counter = 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
bad = 0
function response(status, headers, body)
  if status ~= expect then bad = bad + 1 end
  if after then after(status, headers) end
end
function done(summary, latency, requests)
  local b = 0
  for _, t in ipairs(threads) do b = b + t:get("bad") end
  io.write(string.format('\nRESULT {"requests":%d,"duration_us":%d,"p50":%d,"p95":%d,"p99":%d,"bad":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99), b,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
end
`

// rotating builds a script cycling over (token, path) pairs, starting each
// thread at a different place.
func rotating(method string, tokens []string, paths []string, bodies []string, expect int) string {
	return fmt.Sprintf(`
expect = %d
local tokens = %s
local paths = %s
local bodies = %s
local method = %q
local i = 0
function init(args) i = (tid or 0) * 7919 end
function request()
  i = i + 1
  local body = nil
  if #bodies > 0 then body = bodies[(i %% #bodies) + 1] end
  return wrk.format(method, paths[(i %% #paths) + 1], {["Authorization"] = "Bearer " .. tokens[(i %% #tokens) + 1], ["Content-Type"] = "application/json"}, body)
end
`, expect, luaList(tokens), luaList(paths), luaList(bodies), method) + luaCommon
}

func scenarios(b *bench) []scenario {
	var tokens, visiblePaths, invisiblePaths []string
	for _, e := range b.editors {
		tokens = append(tokens, e.token)
	}
	// Visible: the i-th request goes with the i-th token, so pair each
	// editor's token with one of their own case files.
	for k := 0; k < 50; k++ {
		for _, e := range b.editors {
			visiblePaths = append(visiblePaths, "/api/cases/"+e.cases[k%len(e.cases)].ID)
		}
	}
	// Ids drawn like real ones (random version 4 UUIDs) that exist nowhere,
	// as someone guessing would draw them: spread over the whole index like
	// the existing ones, not bunched where the index's pages stay cached.
	var nonexistentPaths []string
	guess := rand.New(rand.NewPCG(6, 6))
	for _, id := range b.invisible {
		invisiblePaths = append(invisiblePaths, "/api/cases/"+id)
		var u [16]byte
		for i := range u {
			u[i] = byte(guess.UintN(256))
		}
		u[6], u[8] = u[6]&0x0f|0x40, u[8]&0x3f|0x80
		nonexistentPaths = append(nonexistentPaths, fmt.Sprintf("/api/cases/%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16]))
	}
	searches := []string{"consentement", "dossier medical", "mediation", "grenoble", "cesarienne urgence", "facture", "nantes accouchement", "temoignages"}
	var searchPaths []string
	for _, q := range searches {
		searchPaths = append(searchPaths, "/api/cases?per_page=50&q="+strings.ReplaceAll(q, " ", "+"))
	}
	var createBodies []string
	cats := []string{"sante", "social", "logement", "travail", "autre"}
	for i, cat := range cats {
		js, _ := json.Marshal(map[string]string{"title": fmt.Sprintf("Dossier de charge %d : demande d’explications", i),
			"category_id": cat, "summary": "Créé par le banc d’essai de charge : la personne accompagnée demande des explications écrites sur sa prise en charge."})
		createBodies = append(createBodies, string(js))
	}
	var loginBodies []string
	for _, e := range b.emails[:min(len(b.emails), 64)] {
		js, _ := json.Marshal(map[string]string{"email": e, "password": b.password})
		loginBodies = append(loginBodies, string(js))
	}
	list := []string{"/api/cases?per_page=50"}
	out := []scenario{
		{name: "editor_list", script: func(int) string { return rotating("GET", tokens, list, nil, 200) }},
	}
	if len(b.unitAdmins) > 0 {
		var unitPaths []string
		for _, id := range b.unitCases {
			unitPaths = append(unitPaths, "/api/cases/"+id)
		}
		out = append(out,
			scenario{name: "unit_admin_list", script: func(int) string { return rotating("GET", b.unitAdmins, list, nil, 200) }},
			scenario{name: "org_admin_list", script: func(int) string { return rotating("GET", b.orgAdmins, list, nil, 200) }},
			scenario{name: "inspector_list", script: func(int) string { return rotating("GET", []string{b.inspector}, list, nil, 200) }},
			scenario{name: "get_unit_admin", script: func(int) string {
				return rotating("GET", b.unitAdmins[:1], unitPaths, nil, 200)
			}})
	}
	return append(out, []scenario{
		{name: "admin_list", script: func(int) string {
			return rotating("GET", []string{b.admin}, list, nil, 200)
		}},
		{name: "get_visible", script: func(int) string {
			return rotating("GET", tokens, visiblePaths, nil, 200)
		}},
		{name: "get_not_visible", script: func(int) string {
			return rotating("GET", tokens, invisiblePaths, nil, 404)
		}},
		{name: "get_nonexistent", script: func(int) string {
			return rotating("GET", tokens, nonexistentPaths, nil, 404)
		}},
		{name: "search_editor", script: func(int) string {
			return rotating("GET", tokens, searchPaths, nil, 200)
		}},
		{name: "create", script: func(int) string {
			return rotating("POST", tokens, []string{"/api/cases"}, createBodies, 201)
		}},
		{name: "patch_if_match", perConnThread: true, script: func(conns int) string { return patchScript(b, conns) }},
		{name: "login", script: func(int) string {
			return rotating("POST", []string{"none"}, []string{"/api/auth/login"}, loginBodies, 200)
		}},
	}...)
}

// readVersions reads the current version of every case file the editors see.
func readVersions(b *bench) map[string]int64 {
	current := map[string]int64{}
	for _, e := range b.editors {
		for page := 1; ; page++ {
			var lp listPage
			if _, err := call("GET", fmt.Sprintf("%s/api/cases?per_page=200&page=%d", b.base, page), e.token, nil, &lp); err != nil {
				break
			}
			for _, cr := range lp.Items {
				current[cr.ID] = cr.Version
			}
			if len(lp.Items) < 200 {
				break
			}
		}
	}
	return current
}

// patchScript gives each wrk thread (one connection each) its own editor and
// its own case files, with their versions, so that If-Match is always
// current: the ETag of each answer carries the next version.
func patchScript(b *bench, conns int) string {
	// Each run changes versions: read them again so every If-Match starts
	// current, once the previous run's last requests (still in the server
	// when wrk stopped) have landed: until two readings agree.
	var last map[string]int64
	for attempt := 0; attempt < 20; attempt++ {
		now := readVersions(b)
		if maps.Equal(now, last) {
			break
		}
		last = now
		time.Sleep(300 * time.Millisecond)
	}
	for i := range b.editors {
		e := &b.editors[i]
		for k := range e.cases {
			if v, ok := last[e.cases[k].ID]; ok {
				e.cases[k].Version = v
			}
		}
	}
	var sb strings.Builder
	sb.WriteString("expect = 200\nlocal per = {\n")
	// A case file entrusted to two of the editors goes to one thread only,
	// or their If-Match would race.
	taken := map[string]bool{}
	for t := 0; t < conns; t++ {
		e := b.editors[t%len(b.editors)]
		// Threads sharing an editor take disjoint slices of their case files.
		share := (conns + len(b.editors) - 1) / len(b.editors)
		slot := t / len(b.editors)
		var ids, vers []string
		for k, cr := range e.cases {
			// Archived case files are read-only: a PATCH there is a 409, not a load.
			if k%share == slot && !taken[cr.ID] && cr.Status != "archived" {
				taken[cr.ID] = true
				ids = append(ids, luaString(cr.ID))
				vers = append(vers, strconv.FormatInt(cr.Version, 10))
			}
		}
		fmt.Fprintf(&sb, "  {token=%s, ids={%s}, vers={%s}},\n", luaString(e.token), strings.Join(ids, ","), strings.Join(vers, ","))
	}
	sb.WriteString(`}
local me, k, n = nil, 0, 0
function init(args) me = per[(tid or 0) + 1] end
function request()
  k = (k % #me.ids) + 1
  n = n + 1
  local body = '{"summary":"Mise à jour ' .. n .. ' par le banc d’essai : la personne a transmis de nouvelles pièces."}'
  return wrk.format("PATCH", "/api/cases/" .. me.ids[k], {["Authorization"] = "Bearer " .. me.token,
    ["Content-Type"] = "application/json", ["If-Match"] = '"' .. me.vers[k] .. '"'}, body)
end
function after(status, headers)
  local etag = headers["ETag"] or headers["Etag"]
  if etag then me.vers[k] = tonumber((etag:gsub('"', ''))) end
end
`)
	return sb.String() + luaCommon
}

func runWrk(ctx context.Context, c config, work string, srv *server, sc scenario, conns int, dur time.Duration) (Result, error) {
	// The previous run's last requests, still in the server when wrk
	// stopped, must not count in this one's CPU time.
	time.Sleep(time.Second)
	path := filepath.Join(work, sc.name+".lua")
	if err := os.WriteFile(path, []byte(sc.script(conns)), 0o600); err != nil {
		return Result{}, err
	}
	threads := min(conns, 2)
	if sc.perConnThread {
		threads = conns
	}
	cmd := exec.CommandContext(ctx, c.wrk, "-t", strconv.Itoa(threads), "-c", strconv.Itoa(conns),
		"-d", fmt.Sprintf("%.0fs", dur.Seconds()), "--timeout", "10s", "-s", path, srv.base)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// Sample the server's resident memory while wrk runs.
	peak := 0.0
	var mu sync.Mutex
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				r := srv.rss()
				mu.Lock()
				peak = max(peak, r)
				mu.Unlock()
			}
		}
	}()
	var prof []byte
	if c.profile == fmt.Sprintf("%s:%d", sc.name, conns) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Get(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", c.pprofAddr, max(1, int(dur.Seconds())-1)))
			if err == nil {
				prof, _ = io.ReadAll(resp.Body)
				resp.Body.Close()
			}
		}()
	}
	ticks0, tickErr := srv.cpuTicks()
	err := cmd.Run()
	ticks1, tickErr1 := srv.cpuTicks()
	close(stop)
	wg.Wait()
	if err != nil {
		return Result{}, fmt.Errorf("wrk: %v\n%s", err, out.String())
	}
	if err := errors.Join(tickErr, tickErr1); err != nil {
		return Result{}, fmt.Errorf("the server's CPU time: %w", err)
	}
	if prof != nil {
		name := fmt.Sprintf("cpu-%s-%d.pprof", sc.name, conns)
		if err := os.WriteFile(name, prof, 0o644); err == nil {
			fmt.Println("CPU profile written to", name)
		}
	}
	var raw struct {
		Requests   int64 `json:"requests"`
		DurationUS int64 `json:"duration_us"`
		P50        int64 `json:"p50"`
		P95        int64 `json:"p95"`
		P99        int64 `json:"p99"`
		Bad        int64 `json:"bad"`
		Connect    int64 `json:"connect"`
		Read       int64 `json:"read"`
		Write      int64 `json:"write"`
		Timeout    int64 `json:"timeout"`
	}
	sc2 := bufio.NewScanner(&out)
	found := false
	for sc2.Scan() {
		if l := sc2.Text(); strings.HasPrefix(l, "RESULT ") {
			if err := json.Unmarshal([]byte(strings.TrimPrefix(l, "RESULT ")), &raw); err != nil {
				return Result{}, err
			}
			found = true
		}
	}
	if !found {
		return Result{}, fmt.Errorf("no result from wrk:\n%s", out.String())
	}
	return Result{
		Scenario: sc.name, Conns: conns, Requests: raw.Requests,
		RPS:   float64(raw.Requests) / (float64(raw.DurationUS) / 1e6),
		P50ms: float64(raw.P50) / 1000, P95ms: float64(raw.P95) / 1000, P99ms: float64(raw.P99) / 1000,
		Errors:      raw.Bad + raw.Connect + raw.Read + raw.Write + raw.Timeout,
		PeakRSSMB:   peak,
		CPUusPerReq: float64(ticks1-ticks0) / clockTicks() * 1e6 / float64(max(1, raw.Requests)),
		Load1:       load1(),
	}, nil
}

// medianResults gives, per scenario and concurrency in their first order,
// the median of each figure over the rounds (each figure on its own).
func medianResults(results []Result) []Result {
	type key struct {
		name  string
		conns int
	}
	var order []key
	by := map[key][]Result{}
	for _, r := range results {
		k := key{r.Scenario, r.Conns}
		if by[k] == nil {
			order = append(order, k)
		}
		by[k] = append(by[k], r)
	}
	out := make([]Result, 0, len(order))
	for _, k := range order {
		rs := by[k]
		med := func(f func(Result) float64) float64 {
			v := make([]float64, len(rs))
			for i, r := range rs {
				v[i] = f(r)
			}
			return median(v)
		}
		out = append(out, Result{Scenario: k.name, Conns: k.conns,
			Requests:    int64(med(func(r Result) float64 { return float64(r.Requests) })),
			RPS:         med(func(r Result) float64 { return r.RPS }),
			P50ms:       med(func(r Result) float64 { return r.P50ms }),
			P95ms:       med(func(r Result) float64 { return r.P95ms }),
			P99ms:       med(func(r Result) float64 { return r.P99ms }),
			Errors:      int64(med(func(r Result) float64 { return float64(r.Errors) })),
			PeakRSSMB:   med(func(r Result) float64 { return r.PeakRSSMB }),
			CPUusPerReq: med(func(r Result) float64 { return r.CPUusPerReq }),
			Load1:       med(func(r Result) float64 { return r.Load1 }),
		})
	}
	return out
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	slices.Sort(v)
	if n := len(v); n%2 == 0 {
		return (v[n/2-1] + v[n/2]) / 2
	}
	return v[len(v)/2]
}

// listRatios compares each list's CPU time per request with the editor
// list's of the same round and concurrency (runs close in time, under much
// the same load), and gives the median of those ratios over the rounds.
func listRatios(results []Result) []Ratio {
	type key struct {
		round, conns int
	}
	editor := map[key]float64{}
	for _, r := range results {
		if r.Scenario == "editor_list" {
			editor[key{r.Round, r.Conns}] = r.CPUusPerReq
		}
	}
	var out []Ratio
	for _, name := range []string{"unit_admin_list", "org_admin_list", "inspector_list", "admin_list"} {
		var conns []int
		ratios := map[int][]float64{}
		for _, r := range results {
			if e := editor[key{r.Round, r.Conns}]; r.Scenario == name && e > 0 {
				if ratios[r.Conns] == nil {
					conns = append(conns, r.Conns)
				}
				ratios[r.Conns] = append(ratios[r.Conns], r.CPUusPerReq/e)
			}
		}
		for _, n := range conns {
			out = append(out, Ratio{Scenario: name, Conns: n, Ratio: median(ratios[n])})
		}
	}
	return out
}

func printTable(w io.Writer, r *Report) {
	fmt.Fprintf(w, "\n%s — %d case files, %d editors (about %d visible each)", r.Machine, r.Cases, r.Editors, r.EditorVisible)
	if r.Units > 1 || r.Orgs > 1 {
		fmt.Fprintf(w, ", %d units in %d organisations", r.Units, r.Orgs)
	}
	fmt.Fprintf(w, "\ndatabase: %s; CPU per request counts %s; RSS is cloison's alone\n", r.Database, r.CPUCounts)
	fmt.Fprintf(w, "start to first answer %.0f ms, idle RSS %.1f MB, peak RSS %.1f MB\n", r.StartToAnswerMS, r.IdleRSSMB, r.PeakRSSMB)
	if r.Rounds > 1 {
		fmt.Fprintf(w, "medians of %d rounds\n", r.Rounds)
	}
	fmt.Fprintln(w, "\n| scenario | conns | req/s | p50 ms | p95 ms | p99 ms | errors | peak RSS MB | CPU µs/req | load 1 min |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, x := range r.Medians {
		fmt.Fprintf(w, "| %s | %d | %.0f | %.2f | %.2f | %.2f | %d | %.0f | %.0f | %.1f |\n",
			x.Scenario, x.Conns, x.RPS, x.P50ms, x.P95ms, x.P99ms, x.Errors, x.PeakRSSMB, x.CPUusPerReq, x.Load1)
	}
	for _, d := range r.GetMedianDiffPct {
		fmt.Fprintln(w, "get by id medians —", d)
	}
	for _, x := range r.ListCPURatios {
		verdict := "within"
		if x.Ratio > listTarget {
			verdict = "ABOVE"
		}
		fmt.Fprintf(w, "CPU per request, %s / editor_list at %d conns: %.2f (%s the target of %.1f)\n", x.Scenario, x.Conns, x.Ratio, verdict, listTarget)
	}
}
