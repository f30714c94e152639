package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
)

// compareScenarios are the runs the ratio table gives, each engine's CPU
// per request at the highest concurrency both ran: the editor's list, a
// case file by id, a write.
var compareScenarios = []string{"editor_list", "get_visible", "create"}

// compare prints two reports (SQLite's, then PostgreSQL's, as make bench
// DATABASE=postgres writes them): each one's table, then the runs both have
// side by side, then the ratios PostgreSQL / SQLite that issue 14 asks for.
// Each side may be several reports joined by '+', one per round, which make
// bench writes with BENCH_ROUNDS: a side's figures are then the medians of
// its rounds, and each ratio is also given as the median of the rounds' own
// ratios. Round i of each engine ran next to the other's round i, so that
// this machine's slow and fast spells, which last minutes, weigh on both
// figures of a round's ratio alike.
func compare(w io.Writer, files string) error {
	sides := strings.Split(files, ",")
	if len(sides) != 2 {
		return fmt.Errorf("-compare: want two reports, sqlite.json,postgres.json: %q", files)
	}
	var reps [2]*Report
	var rounds [2][]*Report
	for i, side := range sides {
		for _, name := range strings.Split(side, "+") {
			b, err := os.ReadFile(strings.TrimSpace(name))
			if err != nil {
				return fmt.Errorf("-compare: %w", err)
			}
			r := &Report{}
			if err := json.Unmarshal(b, r); err != nil {
				return fmt.Errorf("-compare: %s: %w", name, err)
			}
			rounds[i] = append(rounds[i], r)
		}
		reps[i] = mergeRounds(rounds[i])
	}
	if len(rounds[0]) != len(rounds[1]) {
		return fmt.Errorf("-compare: %d SQLite rounds against %d PostgreSQL rounds", len(rounds[0]), len(rounds[1]))
	}
	// roundCell is the last column of a row when there are rounds: the
	// median over the rounds of PostgreSQL's figure over SQLite's in the
	// same round; "" for a single round, which has no such column.
	perRound := len(rounds[0]) > 1
	roundCell := func(name string, conns int, figure func(Result) float64) string {
		if !perRound {
			return ""
		}
		var v []float64
		for i := range rounds[0] {
			x, ok1 := findMedian(rounds[0][i], name, conns)
			y, ok2 := findMedian(rounds[1][i], name, conns)
			if !ok1 || !ok2 || figure(x) <= 0 {
				return " – |"
			}
			v = append(v, figure(y)/figure(x))
		}
		return fmt.Sprintf(" %.2f |", median(v))
	}
	a, b := reps[0], reps[1]
	for _, r := range reps {
		fmt.Fprintf(w, "\n=== %s\n", r.Database)
		printTable(w, r)
	}

	type key struct {
		name  string
		conns int
	}
	other := map[key]Result{}
	for _, r := range b.Medians {
		other[key{r.Scenario, r.Conns}] = r
	}
	fmt.Fprintf(w, "\n=== side by side: SQLite | PostgreSQL (CPU per request: %s | %s)\n\n", a.CPUCounts, b.CPUCounts)
	cpu := func(r Result) float64 { return r.CPUusPerReq }
	head, rule := "", ""
	if perRound {
		fmt.Fprintf(w, "(medians of %d rounds, the engines taking turns; the last column is the median of each round's ratio)\n\n", len(rounds[0]))
		head, rule = " CPU PostgreSQL / SQLite, rounds |", " ---: |"
	}
	fmt.Fprintln(w, "| scenario | conns | req/s SQLite | req/s PostgreSQL | p99 ms SQLite | p99 ms PostgreSQL | CPU µs/req SQLite | CPU µs/req PostgreSQL | CPU PostgreSQL / SQLite |"+head)
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"+rule)
	top := 0
	for _, x := range a.Medians {
		y, ok := other[key{x.Scenario, x.Conns}]
		if !ok {
			continue
		}
		top = max(top, x.Conns)
		fmt.Fprintf(w, "| %s | %d | %.0f | %.0f | %.2f | %.2f | %.0f | %.0f | %s |%s\n", x.Scenario, x.Conns, x.RPS, y.RPS,
			x.P99ms, y.P99ms, x.CPUusPerReq, y.CPUusPerReq, ratio(y.CPUusPerReq, x.CPUusPerReq), roundCell(x.Scenario, x.Conns, cpu))
	}
	if top == 0 {
		return fmt.Errorf("-compare: the two reports have no run in common")
	}

	sqlite := map[string]Result{}
	for _, x := range a.Medians {
		if x.Conns == top {
			sqlite[x.Scenario] = x
		}
	}
	fmt.Fprintf(w, "\n=== PostgreSQL / SQLite at %d conns\n\n", top)
	fmt.Fprintln(w, "| figure | SQLite | PostgreSQL | PostgreSQL / SQLite |"+head)
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: |"+rule)
	row := func(label string, x, y float64, cell string) {
		fmt.Fprintf(w, "| %s | %.0f | %.0f | %s |%s\n", label, x, y, ratio(y, x), cell)
	}
	for _, name := range compareScenarios {
		x, ok1 := sqlite[name]
		y, ok2 := other[key{name, top}]
		if ok1 && ok2 {
			row(name+" CPU µs/req", x.CPUusPerReq, y.CPUusPerReq, roundCell(name, top, cpu))
		}
	}
	if x, ok := sqlite["create"]; ok {
		if y, ok := other[key{"create", top}]; ok {
			row("create req/s", x.RPS, y.RPS, roundCell("create", top, func(r Result) float64 { return r.RPS }))
		}
	}
	return nil
}

// mergeRounds is one report of several runs of the same scenarios, one per
// round, in order: the first's description, every run's results numbered by
// round, and their medians.
func mergeRounds(reps []*Report) *Report {
	if len(reps) == 1 {
		return reps[0]
	}
	m := *reps[0]
	m.Rounds, m.Results = len(reps), nil
	for i, r := range reps {
		for _, x := range r.Results {
			x.Round = i + 1
			m.Results = append(m.Results, x)
		}
	}
	m.Medians = medianResults(m.Results)
	return &m
}

// findMedian is a report's median run of a scenario at a concurrency.
func findMedian(r *Report, name string, conns int) (Result, bool) {
	for _, x := range r.Medians {
		if x.Scenario == name && x.Conns == conns {
			return x, true
		}
	}
	return Result{}, false
}

// ratio is y/x to two places, or "–" without an x to divide by.
func ratio(y, x float64) string {
	if x <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", y/x)
}
