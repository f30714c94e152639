package server

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"cloison/store"
	"cloison/store/passwords"
)

// network is an instance serving a network: organisations A (units A1,
// A2), B (unit B1) and C (centrally managed, unit C1), beside the
// instance's first organisation and unit, and one caller for each role ×
// relation to organisation A and unit A1 that the permission matrices
// try.
type network struct {
	e                              *testEnv
	orgA, orgB, orgC               string
	unitA1, unitA2, unitB1, unitC1 string
	// tokens and accounts by caller name (see networkCallers).
	tokens   map[string]string
	accounts map[string]*store.Account
	sa, sec  store.Actor
	n        int
}

// networkCallers are the callers of the matrices: role × relation to
// organisation A and its unit A1.
var networkCallers = []string{
	"none",        // no token
	"secretariat", // instance role secretariat
	"superadmin",
	"admin",       // instance admin
	"orgAdminA",   // admin of organisation A
	"unitAdminA1", // admin of unit A1 (own unit)
	"unitAdminA2", // admin of A2: another unit of the same organisation
	"orgAdminB",   // admin of another organisation
	"orgAdminC",   // admin of the centrally managed organisation
	"editorA1",    // editor of A1
	"memberA",     // member of organisation A
	"memberA1",    // member of unit A1
	"reader",      // no membership at all
	"endedA1",     // was editor of A1: mandate ended
	"upcomingA1",  // editor of A1 from tomorrow
	"pendingA1",   // an account whose invitation to A1 is still pending
}

const networkPassword = "a long enough passphrase"

func newNetwork(t *testing.T) *network {
	t.Helper()
	e := newTestEnv(t)
	ctx := context.Background()
	nw := &network{e: e, tokens: map[string]string{}, accounts: map[string]*store.Account{}}
	nw.sa = e.superActor()
	// Every account first: an editor made by the role alone needs the
	// instance's only unit.
	roles := map[string]string{"secretariat": store.RoleSecretariat, "superadmin": store.RoleSuperadmin, "admin": store.RoleAdmin}
	for _, name := range networkCallers {
		if name == "none" || name == "pendingA1" {
			continue
		}
		role := roles[name]
		if role == "" {
			role = store.RoleReader
		}
		nw.accounts[name], nw.tokens[name] = nw.account(role, name+"@example.org")
	}
	nw.sec = e.actorOf(nw.tokens["secretariat"])
	nw.orgA = nw.org("A", false)
	nw.orgB = nw.org("B", false)
	nw.orgC = nw.org("C", true)
	nw.unitA1 = nw.unit(nw.orgA, "A1")
	nw.unitA2 = nw.unit(nw.orgA, "A2")
	nw.unitB1 = nw.unit(nw.orgB, "B1")
	nw.unitC1 = nw.unit(nw.orgC, "C1")
	for name, m := range map[string]struct{ typ, id, role string }{
		"orgAdminA": {store.ScopeTypeOrg, nw.orgA, store.MemberAdmin}, "unitAdminA1": {store.ScopeTypeUnit, nw.unitA1, store.MemberAdmin},
		"unitAdminA2": {store.ScopeTypeUnit, nw.unitA2, store.MemberAdmin}, "orgAdminB": {store.ScopeTypeOrg, nw.orgB, store.MemberAdmin},
		"orgAdminC": {store.ScopeTypeOrg, nw.orgC, store.MemberAdmin}, "editorA1": {store.ScopeTypeUnit, nw.unitA1, store.MemberEditor},
		"memberA": {store.ScopeTypeOrg, nw.orgA, store.MemberMember}, "memberA1": {store.ScopeTypeUnit, nw.unitA1, store.MemberMember},
		"endedA1": {store.ScopeTypeUnit, nw.unitA1, store.MemberEditor},
	} {
		nw.give(name+"@example.org", m.typ, m.id, m.role, nil)
	}
	ended := nw.membershipOf("endedA1", nw.unitA1)
	if err := e.store.EndMembership(ctx, nw.sec, ended, "Fin du mandat au conseil"); err != nil {
		t.Fatal(err)
	}
	tomorrow := time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)
	nw.give("upcomingA1@example.org", store.ScopeTypeUnit, nw.unitA1, store.MemberEditor, &tomorrow)
	// Invited before they had an account, they registered without the link.
	nw.give("pendingA1@example.org", store.ScopeTypeUnit, nw.unitA1, store.MemberEditor, nil)
	nw.accounts["pendingA1"], nw.tokens["pendingA1"] = nw.account(store.RoleReader, "pendingA1@example.org")
	return nw
}

// cheapHasher hashes the network's passwords at the lowest cost: logging
// in checks a password at the cost it was hashed with, and the matrices
// log in many callers, none of them about passwords.
var cheapHasher = passwords.NewHasher(passwords.Params{Memory: 64, Time: 1, Threads: 1}, 0)

// account creates an active account and logs it in.
func (nw *network) account(role, email string) (*store.Account, string) {
	nw.e.t.Helper()
	acc, err := nw.e.store.CreateAccount(context.Background(), cheapHasher, store.Actor{ClientIP: "test"},
		store.NewAccount{Email: email, Name: strings.Split(email, "@")[0], Password: networkPassword, Role: role})
	if err != nil {
		nw.e.t.Fatal(err)
	}
	return acc, nw.e.login(email, networkPassword)
}

// org registers an organisation (its first admin invited at an address
// nobody uses) and returns its id.
func (nw *network) org(code string, central bool) string {
	nw.e.t.Helper()
	o, err := nw.e.store.CreateOrg(context.Background(), nw.sec, store.NewOrganisation{Name: "Organisation " + code, Code: "ORG-" + code,
		AdminEmail: "first-admin-" + strings.ToLower(code) + "@example.net", Central: central, Reason: "Adhésion votée en assemblée"})
	if err != nil {
		nw.e.t.Fatal(err)
	}
	return o.ID
}

// unit creates an active unit in org.
func (nw *network) unit(org, code string) string {
	nw.e.t.Helper()
	u, err := nw.e.store.CreateUnit(context.Background(), nw.sec, org, store.NewUnit{Name: "Unité " + code, Code: "U-" + code,
		ContactEmail: strings.ToLower(code) + "@units.example.org", Reason: "Création décidée par le bureau"})
	if err != nil {
		nw.e.t.Fatal(err)
	}
	return u.ID
}

// give gives (as the secretariat) a membership to the person with email.
func (nw *network) give(email, typ, id, role string, from *string) *store.MembershipView {
	nw.e.t.Helper()
	m, err := nw.e.store.AddMember(context.Background(), nw.sec, typ, id, store.NewMembership{Email: email, Role: role,
		ValidFrom: from, Reason: "Mandat confié par le conseil"})
	if err != nil {
		nw.e.t.Fatalf("give %s %s of %s: %v", email, role, id, err)
	}
	return m
}

// membershipOf is the id of a caller's membership of a scope.
func (nw *network) membershipOf(caller, scope string) string {
	nw.e.t.Helper()
	ms, err := nw.e.store.MyMemberships(context.Background(), store.Actor{Account: nw.accounts[caller]})
	if err != nil {
		nw.e.t.Fatal(err)
	}
	for _, m := range ms {
		if m.ScopeID == scope {
			return m.ID
		}
	}
	nw.e.t.Fatalf("%s holds no membership of %s", caller, scope)
	return ""
}

// fresh is a new e-mail address, for a write that needs its own target.
func (nw *network) fresh() string {
	nw.n++
	return fmt.Sprintf("new%d@example.com", nw.n)
}

// call sends a request as a caller ("none": without a token).
func (nw *network) call(caller, method, path string, body any) (int, []byte) {
	nw.e.t.Helper()
	var headers []string
	if caller != "none" {
		headers = auth(nw.tokens[caller])
	}
	resp, b := nw.e.do(method, path, body, headers...)
	return resp.StatusCode, b
}

// expect is a matrix row: the status of each caller, others get def.
func expect(def int, statuses map[string]int) func(caller string) int {
	return func(caller string) int {
		if caller == "none" {
			return 401
		}
		if s, ok := statuses[caller]; ok {
			return s
		}
		return def
	}
}

// all gives the same status to several callers.
func all(status int, callers ...string) map[string]int {
	m := map[string]int{}
	for _, c := range callers {
		m[c] = status
	}
	return m
}

// merge joins matrix rows' caller maps.
func merge(ms ...map[string]int) map[string]int {
	out := map[string]int{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// Caller groups by their relation to organisation A and unit A1.
var (
	// keepersA keep organisation A: its record, units and memberships.
	keepersA = []string{"secretariat", "superadmin", "admin", "orgAdminA"}
	// membersA hold a live membership in organisation A without keeping it.
	membersA = []string{"unitAdminA1", "unitAdminA2", "editorA1", "memberA", "memberA1"}
	// outsidersA may not know of organisation A.
	outsidersA = []string{"orgAdminB", "orgAdminC", "reader", "endedA1", "upcomingA1", "pendingA1"}
)
