package store

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// AuditActions names every action the store writes: each literal action in
// its code, and each action it composes ("account." + block, unblock or
// deregister; "role_request." + approved or rejected; a scope's type +
// ".updated" or ".activated"; "unit." + an image + "_set" or "_removed";
// "change_request." + applied or rejected; role_request.created and
// inspection.opened or closed, set in a tuple), is in the list, and
// the list holds nothing else.
func TestAuditActionsListsEveryActionWritten(t *testing.T) {
	written := literalsInStore(t, `(?:Action:\s*|action :?= )"([a-z_]+\.[a-z_]+)"`)
	for _, composed := range []string{"account.block", "account.unblock", "account.deregister", "role_request.approved", "role_request.rejected",
		"role_request.created", "org.updated", "org.activated", "unit.updated", "unit.activated",
		"unit.logo_set", "unit.logo_removed", "unit.stamp_set", "unit.stamp_removed",
		"change_request.applied", "change_request.rejected", "inspection.opened", "inspection.closed"} {
		written[composed] = true
	}
	if len(written) < 30 {
		t.Fatalf("only %d actions found: the pattern no longer matches the store", len(written))
	}
	for a := range written {
		if !slices.Contains(AuditActions, a) {
			t.Errorf("the store writes %q, which AuditActions does not list", a)
		}
	}
	for _, a := range AuditActions {
		if !written[a] {
			t.Errorf("AuditActions lists %q, which the store never writes", a)
		}
	}
}

// HistoryKinds names every kind of history entry the store writes.
func TestHistoryKindsListsEveryEntryWritten(t *testing.T) {
	written := literalsInStore(t, `caseEvent\{Kind: "([a-z_]+)"`)
	if len(written) < 5 {
		t.Fatalf("only %d kinds found: the pattern no longer matches the store", len(written))
	}
	for k := range written {
		if !slices.Contains(HistoryKinds, k) {
			t.Errorf("the store writes history entries of kind %q, which HistoryKinds does not list", k)
		}
	}
	for _, k := range HistoryKinds {
		if !written[k] {
			t.Errorf("HistoryKinds lists %q, which the store never writes", k)
		}
	}
}

// literalsInStore collects the first group of pattern in the store's code.
func literalsInStore(t *testing.T, pattern string) map[string]bool {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(pattern)
	found := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			found[m[1]] = true
		}
	}
	return found
}
