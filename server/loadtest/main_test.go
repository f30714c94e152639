package main

import (
	"os"
	"os/exec"
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
