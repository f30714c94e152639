package server

import (
	"context"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"cloison/store"
)

// Guards in routeGuards: who may pass the guards in front of a route. A role
// is the lowest platform role the route's guard lets through; what a person
// may do with a given case file is the store's answer, not the guard's.
const (
	guardPublic = "public"
	guardUser   = "user" // any logged-in person
	// guardScopeAdmin: instance admins, and the admins of organisations and
	// units (the callers below hold no membership: from admin up).
	guardScopeAdmin = "scope admin"
)

// routeGuards is every API route with the guard in front of it, written down
// from the route table as it stood before it was grouped: the test below holds
// the table to it, so a regrouped route cannot quietly lose or gain a guard.
var routeGuards = map[string]string{
	"GET /api/health":                            guardPublic,
	"GET /api/openapi.json":                      guardPublic,
	"GET /api/config":                            guardPublic,
	"GET /api/privacy":                           guardPublic,
	"GET /api/setup":                             guardPublic,
	"POST /api/setup":                            guardPublic,
	"POST /api/auth/register":                    guardPublic,
	"POST /api/auth/activate":                    guardPublic,
	"POST /api/auth/login":                       guardPublic,
	"POST /api/auth/password/forgot":             guardPublic,
	"POST /api/auth/password/reset":              guardPublic,
	"POST /api/invitations/inspect":              guardPublic,
	"POST /api/auth/logout":                      guardUser,
	"GET /api/me":                                guardUser,
	"PATCH /api/me":                              guardUser,
	"POST /api/me/password":                      guardUser,
	"GET /api/me/sessions":                       guardUser,
	"DELETE /api/me/sessions/:id":                guardUser,
	"POST /api/me/role-requests":                 guardUser,
	"GET /api/me/role-requests":                  guardUser,
	"GET /api/me/overview":                       guardUser,
	"GET /api/me/second-factor":                  guardUser,
	"POST /api/me/second-factor":                 guardUser,
	"DELETE /api/me/second-factor":               guardUser,
	"GET /api/me/second-factor/qr.png":           guardUser,
	"POST /api/me/second-factor/confirm":         guardUser,
	"POST /api/users/:id/second-factor/reset":    store.RoleAdmin,
	"GET /api/categories":                        guardUser,
	"GET /api/cases":                             guardUser,
	"POST /api/cases":                            guardUser,
	"GET /api/cases/:id":                         guardUser,
	"PATCH /api/cases/:id":                       guardUser,
	"DELETE /api/cases/:id":                      guardUser,
	"POST /api/cases/:id/transition":             guardUser,
	"GET /api/cases/:id/history":                 guardUser,
	"GET /api/cases/:id/notes":                   guardUser,
	"POST /api/cases/:id/notes":                  guardUser,
	"GET /api/cases/:id/deadlines":               guardUser,
	"POST /api/cases/:id/deadlines":              guardUser,
	"GET /api/cases/:id/attachments":             guardUser,
	"POST /api/cases/:id/attachments":            guardUser,
	"GET /api/cases/:id/report.pdf":              guardUser,
	"GET /api/cases/:id/notice.pdf":              guardUser,
	"GET /api/cases/:id/collaborators":           guardUser,
	"POST /api/cases/:id/transfers":              guardUser,
	"GET /api/transfers":                         guardUser,
	"POST /api/transfers/:id/accept":             guardUser,
	"POST /api/transfers/:id/refuse":             guardUser,
	"POST /api/transfers/:id/cancel":             guardUser,
	"GET /api/functions":                         guardUser,
	"PUT /api/functions":                         guardUser,
	"POST /api/messages/preview":                 guardUser,
	"POST /api/messages":                         guardUser,
	"GET /api/messages":                          guardUser,
	"POST /api/orgs/:id/change-requests":         guardUser,
	"GET /api/change-requests":                   guardUser,
	"POST /api/change-requests/:id/apply":        guardUser,
	"POST /api/change-requests/:id/reject":       guardUser,
	"GET /api/documents":                         guardUser,
	"POST /api/documents":                        guardUser,
	"GET /api/documents/:id":                     guardUser,
	"DELETE /api/documents/:id":                  guardUser,
	"POST /api/imports":                          guardUser,
	"GET /api/imports/:id":                       guardUser,
	"POST /api/imports/:id/apply":                guardUser,
	"GET /api/units/:id/inspection":              guardUser,
	"GET /api/units/:id/inspection/reads":        guardUser,
	"PUT /api/units/:id/inspection/:category_id": guardUser,
	"GET /api/categories/:id/inspectors":         guardUser,
	"PUT /api/categories/:id/inspectors":         guardUser,
	"POST /api/cases/:id/presence":               guardUser,
	"POST /api/invitations/accept":               guardUser,
	"GET /api/me/memberships":                    guardUser,
	"GET /api/orgs":                              guardUser,
	"POST /api/orgs":                             guardUser,
	"GET /api/orgs/:id":                          guardUser,
	"PATCH /api/orgs/:id":                        guardUser,
	"POST /api/orgs/:id/units":                   guardUser,
	"GET /api/orgs/:id/members":                  guardUser,
	"POST /api/orgs/:id/members":                 guardUser,
	"GET /api/units":                             guardUser,
	"GET /api/units/:id":                         guardUser,
	"PATCH /api/units/:id":                       guardUser,
	"GET /api/units/:id/members":                 guardUser,
	"POST /api/units/:id/members":                guardUser,
	"GET /api/units/:id/logo":                    guardUser,
	"PUT /api/units/:id/logo":                    guardUser,
	"DELETE /api/units/:id/logo":                 guardUser,
	"GET /api/units/:id/stamp":                   guardUser,
	"PUT /api/units/:id/stamp":                   guardUser,
	"DELETE /api/units/:id/stamp":                guardUser,
	"PATCH /api/memberships/:id":                 guardUser,
	"DELETE /api/memberships/:id":                guardUser,
	"POST /api/memberships/:id/resend":           guardUser,

	"PATCH /api/cases/:id/deadlines/:did":      guardUser,
	"DELETE /api/cases/:id/deadlines/:did":     guardUser,
	"GET /api/cases/:id/attachments/:aid":      guardUser,
	"DELETE /api/cases/:id/attachments/:aid":   guardUser,
	"POST /api/cases/:id/collaborators":        guardUser,
	"PATCH /api/cases/:id/collaborators/:cid":  guardUser,
	"DELETE /api/cases/:id/collaborators/:cid": guardUser,
	"POST /api/cases/:id/access":               guardScopeAdmin,
	"PUT /api/cases/:id/assignees":             guardScopeAdmin,
	"POST /api/categories":                     store.RoleAdmin,
	"PATCH /api/categories/:id":                store.RoleAdmin,
	"GET /api/users":                           store.RoleAdmin,
	"POST /api/users":                          store.RoleAdmin,
	"GET /api/users/:id":                       store.RoleAdmin,
	"PATCH /api/users/:id":                     store.RoleAdmin,
	"POST /api/users/:id/block":                store.RoleAdmin,
	"POST /api/users/:id/unblock":              store.RoleAdmin,
	"DELETE /api/users/:id":                    store.RoleAdmin,
	"GET /api/role-requests":                   guardScopeAdmin,
	"POST /api/role-requests/:id/approve":      guardScopeAdmin,
	"POST /api/role-requests/:id/reject":       guardScopeAdmin,
	"GET /api/audit":                           guardScopeAdmin,
	"GET /api/audit/verify":                    store.RoleSuperadmin,
	"GET /api/outbox":                          store.RoleSuperadmin,
	"POST /api/outbox/:id/retry":               store.RoleSuperadmin,
	"POST /api/outbox/test":                    store.RoleSuperadmin,
	"GET /api/category-presets":                store.RoleAdmin,
	"POST /api/category-presets/:key":          store.RoleAdmin,
	"GET /api/instance-texts/:kind":            store.RoleAdmin,
	"PUT /api/instance-texts/:kind":            store.RoleAdmin,
}

// registeredAPIRoutes lists "METHOD /api/path" for every route the app
// serves under /api, without the JSON 404 behind them and the HEAD routes
// Fiber adds for every GET.
func registeredAPIRoutes(e *testEnv) []string {
	routes := e.srv.App().GetRoutes(true) // true: without Use middleware
	gets := map[string]bool{}
	for _, r := range routes {
		if r.Method == http.MethodGet {
			gets[r.Path] = true
		}
	}
	var out []string
	for _, r := range routes {
		if !strings.HasPrefix(r.Path, "/api/") || r.Path == "/api/*" || (r.Method == http.MethodHead && gets[r.Path]) {
			continue
		}
		out = append(out, r.Method+" "+r.Path)
	}
	sort.Strings(out)
	return slices.Compact(out)
}

var routeParam = regexp.MustCompile(`:[A-Za-z0-9_]+`)

// TestRouteGuards calls every API route, with ids that do not exist, as every
// kind of caller: no token and an unknown token answer 401
// unauthenticated on every route but the public ones; below a route's role the
// answer is 403 forbidden; from that role up the guards let the call through.
func TestRouteGuards(t *testing.T) {
	e := newTestEnv(t)
	registered := registeredAPIRoutes(e)
	for _, r := range registered {
		if _, ok := routeGuards[r]; !ok {
			t.Errorf("route %s is not in routeGuards: say which guard it has", r)
		}
	}
	for r := range routeGuards {
		if !slices.Contains(registered, r) {
			t.Errorf("routeGuards lists %s, which the app does not serve", r)
		}
	}

	// Some role guards are doubled by the store's own check (GET
	// /api/audit/verify is refused to an admin by both), so the answers alone
	// cannot tell that the guard is there: the handlers in front of each route
	// can. Public routes have none, user routes requireUser, role routes
	// requireUser then requireRole; every route then has the input gate
	// right before its own handler.
	gate := reflect.ValueOf(e.srv.gate).Pointer()
	for _, r := range e.srv.App().GetRoutes(true) {
		guard, ok := routeGuards[r.Method+" "+r.Path]
		if !ok {
			continue
		}
		want := map[string]int{guardPublic: 2, guardUser: 3}[guard]
		if want == 0 {
			want = 4
		}
		if len(r.Handlers) != want {
			t.Errorf("%s %s has %d handlers, want %d for a %s route", r.Method, r.Path, len(r.Handlers), want, guard)
		} else if reflect.ValueOf(r.Handlers[want-2]).Pointer() != gate {
			t.Errorf("%s %s: the handler before the route's own is not the input gate", r.Method, r.Path)
		}
	}

	roles := []string{store.RoleReader, store.RoleEditor, store.RoleAdmin, store.RoleSuperadmin}
	tokens := map[string]string{}
	for _, role := range roles {
		_, tokens[role] = e.account(role, role+"-guards@example.org")
	}
	for _, r := range registered {
		method, path, _ := strings.Cut(r, " ")
		path = routeParam.ReplaceAllString(path, nonexistentID)
		guard := routeGuards[r]
		if guard == guardScopeAdmin {
			guard = store.RoleAdmin // for callers without memberships
		}

		for _, headers := range [][]string{nil, auth("not-a-token")} {
			resp, body := e.do(method, path, nil, headers...)
			unauthenticated := resp.StatusCode == http.StatusUnauthorized && decode[errResp](t, body).Error.Code == "unauthenticated"
			if unauthenticated == (guard == guardPublic) {
				t.Errorf("%s with token %q: %d %s, but the route is %s", r, headers, resp.StatusCode, body, guard)
			}
		}
		if method == http.MethodGet {
			// Fiber serves HEAD beside every GET, behind the same guards.
			resp, body := e.do(http.MethodHead, path, nil)
			ok := resp.StatusCode == http.StatusUnauthorized
			if guard == guardPublic {
				ok = resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusNotFound
			}
			if !ok {
				t.Errorf("HEAD %s without a token: %d %s, but the route is %s", path, resp.StatusCode, body, guard)
			}
		}
		if guard == guardPublic {
			continue
		}
		for _, role := range roles {
			// A malformed body and a bad page: a handler past the guards
			// answers 400 or 422 before the store can refuse the role
			// itself, so a 403 here is the guard's own.
			resp, body := e.doRaw(method, path+"?page=0", "application/json", []byte("{"), auth(tokens[role])...)
			forbidden := resp.StatusCode == http.StatusForbidden && decode[errResp](t, body).Error.Code == "forbidden"
			switch {
			case resp.StatusCode == http.StatusUnauthorized:
				t.Errorf("%s as %s: %d %s, but the session is valid", r, role, resp.StatusCode, body)
			case guard == guardUser:
				// requireUser never answers 403: one here is the store's
				// (an admin asking for a role, say), past the guard.
			case store.RoleAtLeast(role, guard) && forbidden:
				t.Errorf("%s as %s: %d %s, but the route is open from %s up", r, role, resp.StatusCode, body, guard)
			case !store.RoleAtLeast(role, guard) && !forbidden:
				t.Errorf("%s as %s: %d %s, want 403 forbidden below %s", r, role, resp.StatusCode, body, guard)
			}
			// POST /api/auth/logout ends the caller's session: take a new one.
			if _, _, err := e.store.Authenticate(context.Background(), tokens[role]); err != nil {
				tokens[role] = e.login(role+"-guards@example.org", "a long enough passphrase")
			}
		}
	}
}

func TestUnknownAPIPathsAreJSON404(t *testing.T) {
	e := newTestEnv(t)
	for _, p := range []string{"/api/nope", "/api/cases/x/unknown", "/api/", "/api"} {
		for _, m := range []string{"GET", "POST", "DELETE"} {
			resp, body := e.do(m, p, nil)
			if resp.StatusCode != 404 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
				t.Errorf("%s %s: %d %s %s", m, p, resp.StatusCode, resp.Header.Get("Content-Type"), body)
				continue
			}
			if er := decode[errResp](t, body); er.Error.Code != "not_found" || er.Error.Message == "" {
				t.Errorf("%s %s: body %s", m, p, body)
			}
		}
	}
}

// TestUnknownAPIPathsStayNotFound: a path the app does not serve answers the
// JSON 404, never a guard's 401 or 403, whoever asks: one more segment below
// every route, and every method a route's path does not serve.
func TestUnknownAPIPathsStayNotFound(t *testing.T) {
	e := newTestEnv(t)
	_, readerTok := e.account(store.RoleReader, "reader-unknown@example.org")
	served := map[string][]string{} // path → methods
	// A concrete path another route of the method serves through its
	// parameters (PUT …/inspection/reads is PUT …/inspection/:category_id
	// for a category "reads") is served, not unknown.
	var patterns []string
	for _, r := range registeredAPIRoutes(e) {
		method, path, _ := strings.Cut(r, " ")
		patterns = append(patterns, method+" ^"+routeParam.ReplaceAllString(regexp.QuoteMeta(path), "[^/]+")+"$")
		path = routeParam.ReplaceAllString(path, nonexistentID)
		served[path] = append(served[path], method)
	}
	for path := range served {
		for _, p := range patterns {
			method, re, _ := strings.Cut(p, " ")
			if regexp.MustCompile(re).MatchString(path) && !slices.Contains(served[path], method) {
				served[path] = append(served[path], method)
			}
		}
	}
	methods := []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}
	check := func(method, path string) {
		for _, headers := range [][]string{nil, auth("not-a-token"), auth(readerTok)} {
			resp, body := e.do(method, path, nil, headers...)
			if resp.StatusCode != http.StatusNotFound || decode[errResp](t, body).Error.Code != "not_found" {
				t.Errorf("%s %s with %q: %d %s, want the JSON 404", method, path, headers, resp.StatusCode, body)
			}
		}
	}
	if len(served) < 30 {
		t.Fatalf("only %d API paths found", len(served))
	}
	for path, known := range served {
		for _, m := range methods {
			if !slices.Contains(known, m) {
				check(m, path)
			}
			check(m, path+"/no-such-thing/nor-this")
		}
	}
	// A path that merely starts like a route's: a guard mounted with Use on a
	// prefix would take it.
	for _, p := range []string{"/api/meow", "/api/casesx", "/api/usersx/1", "/api/outboxes", "/api/auditing"} {
		for _, m := range methods {
			check(m, p)
		}
	}
}
