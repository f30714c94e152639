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
func compare(w io.Writer, files string) error {
	names := strings.Split(files, ",")
	if len(names) != 2 {
		return fmt.Errorf("-compare: want two reports, sqlite.json,postgres.json: %q", files)
	}
	var reps [2]*Report
	for i, name := range names {
		b, err := os.ReadFile(strings.TrimSpace(name))
		if err != nil {
			return fmt.Errorf("-compare: %w", err)
		}
		reps[i] = &Report{}
		if err := json.Unmarshal(b, reps[i]); err != nil {
			return fmt.Errorf("-compare: %s: %w", name, err)
		}
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
	fmt.Fprintln(w, "| scenario | conns | req/s SQLite | req/s PostgreSQL | p99 ms SQLite | p99 ms PostgreSQL | CPU µs/req SQLite | CPU µs/req PostgreSQL | CPU PostgreSQL / SQLite |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	top := 0
	for _, x := range a.Medians {
		y, ok := other[key{x.Scenario, x.Conns}]
		if !ok {
			continue
		}
		top = max(top, x.Conns)
		fmt.Fprintf(w, "| %s | %d | %.0f | %.0f | %.2f | %.2f | %.0f | %.0f | %s |\n", x.Scenario, x.Conns, x.RPS, y.RPS,
			x.P99ms, y.P99ms, x.CPUusPerReq, y.CPUusPerReq, ratio(y.CPUusPerReq, x.CPUusPerReq))
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
	fmt.Fprintln(w, "| figure | SQLite | PostgreSQL | PostgreSQL / SQLite |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: |")
	for _, name := range compareScenarios {
		x, ok1 := sqlite[name]
		y, ok2 := other[key{name, top}]
		if ok1 && ok2 {
			fmt.Fprintf(w, "| %s CPU µs/req | %.0f | %.0f | %s |\n", name, x.CPUusPerReq, y.CPUusPerReq, ratio(y.CPUusPerReq, x.CPUusPerReq))
		}
	}
	if x, ok := sqlite["create"]; ok {
		if y, ok := other[key{"create", top}]; ok {
			fmt.Fprintf(w, "| create req/s | %.0f | %.0f | %s |\n", x.RPS, y.RPS, ratio(y.RPS, x.RPS))
		}
	}
	return nil
}

// ratio is y/x to two places, or "–" without an x to divide by.
func ratio(y, x float64) string {
	if x <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", y/x)
}
