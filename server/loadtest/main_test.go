package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRedactHidesPasswords(t *testing.T) {
	for _, dsn := range []string{
		"postgres://cloison:s3cret-pw@db.example.org/cloison?sslmode=verify-full",
		"postgres://cloison@/cloison?host=/tmp/x&password=s3cret-pw",
		"host=db dbname=cloison user=cloison password=s3cret-pw sslmode=require",
		"host=db password = 's3cret-pw' user=cloison",
	} {
		got := redact(dsn)
		if strings.Contains(got, "s3cret") {
			t.Errorf("redact(%q) = %q: the password shows", dsn, got)
		}
		if !strings.Contains(got, "cloison") {
			t.Errorf("redact(%q) = %q: more than the password went", dsn, got)
		}
	}
}

// A child that ends and is reaped during the run still counts: its CPU
// time moves to its parent's cutime and cstime, which clusterTicks adds.
// This process stands for the postmaster, a shell loop for a backend.
func TestClusterTicksCountsChildrenThatEnded(t *testing.T) {
	before, err := clusterTicks(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sh", "-c", "i=0; while [ $i -lt 400000 ]; do i=$((i+1)); done")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	after, err := clusterTicks(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	child := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	if child < 100*time.Millisecond {
		t.Skipf("the child used only %v: too little to tell", child)
	}
	// One tick of rounding for each of the two readings.
	got := time.Duration(float64(after-before) / clockTicks() * float64(time.Second))
	if got < child-2*time.Second/time.Duration(clockTicks()) {
		t.Errorf("clusterTicks grew by %v while a child used %v and ended", got, child)
	}
}

func TestClusterTicksCountsLiveChildren(t *testing.T) {
	cmd := exec.Command("sh", "-c", "i=0; while :; do i=$((i+1)); done")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	before, err := clusterTicks(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	var own0 int64
	if f, err := procStat(os.Getpid()); err == nil {
		own0, _ = ticks(f, 11, 12, 13, 14)
	}
	time.Sleep(500 * time.Millisecond)
	after, err := clusterTicks(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	f, err := procStat(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	own1, _ := ticks(f, 11, 12, 13, 14)
	// The live child ran (on a shared machine, at least a tenth of the
	// time): the growth is more than this process's own.
	if childTicks := (after - before) - (own1 - own0); float64(childTicks)/clockTicks() < time.Since(start).Seconds()/10 {
		t.Errorf("clusterTicks grew by %d ticks, this process's own by %d: the running child was not counted", after-before, own1-own0)
	}
}

// make bench DATABASE=postgres BENCH_ROUNDS=n gives -compare each engine's
// rounds joined by '+': each side's figures are its rounds' medians, and
// each ratio is also the median of the rounds' own ratios (the engines took
// turns, so that a round's two figures share the machine's spell).
func TestCompareTakesRoundsInTurn(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, cpu, rps float64) string {
		t.Helper()
		r := &Report{Database: name, Results: []Result{{Scenario: "get_visible", Conns: 32, CPUusPerReq: cpu, RPS: rps}}}
		r.Medians = medianResults(r.Results)
		js, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, fmt.Sprintf("%s-%.0f.json", name, cpu))
		if err := os.WriteFile(path, js, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	s1, s2 := write("sqlite", 100, 1000), write("sqlite", 200, 1000)
	p1, p2 := write("postgres", 210, 500), write("postgres", 300, 500)
	var out strings.Builder
	if err := compare(&out, s1+"+"+s2+","+p1+"+"+p2); err != nil {
		t.Fatal(err)
	}
	// Medians 150 and 255 (1.70); the rounds' ratios 2.10 and 1.50, their
	// median 1.80.
	for _, want := range []string{"| get_visible | 32 | 1000 | 500 | 0.00 | 0.00 | 150 | 255 | 1.70 | 1.80 |",
		"| get_visible CPU µs/req | 150 | 255 | 1.70 | 1.80 |", "medians of 2 rounds"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("missing %q in:\n%s", want, out.String())
		}
	}
	if err := compare(&out, s1+"+"+s2+","+p1); err == nil {
		t.Error("two SQLite rounds against one PostgreSQL round compared")
	}
	out.Reset()
	if err := compare(&out, s1+","+p1); err != nil || strings.Contains(out.String(), "rounds") ||
		!strings.Contains(out.String(), "| get_visible CPU µs/req | 100 | 210 | 2.10 |\n") {
		t.Errorf("one round each (%v):\n%s", err, out.String())
	}
}
