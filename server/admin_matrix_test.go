package server

import (
	"context"
	"fmt"
	"testing"

	"cloison/store"
)

// TestAdministrationPermissionMatrix checks every administration endpoint for
// every kind of caller: no token, an unknown token, a reader, an editor, an
// admin, a superadmin, and the stale sessions of blocked and deregistered
// accounts. Every write gets its own fresh target so rows do not interfere.
func TestAdministrationPermissionMatrix(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	_, saTok := e.account(store.RoleSuperadmin, "sa@example.org")
	sa := e.actorOf(saTok)
	callers := map[string]string{"none": "", "bad token": "not-a-token"}
	for _, role := range []string{store.RoleReader, store.RoleEditor, store.RoleAdmin, store.RoleSuperadmin} {
		_, callers[role] = e.account(role, role+"-caller@example.org")
	}
	for _, status := range []string{"block", "deregister"} {
		acc, tok := e.account(store.RoleAdmin, status+"-caller@example.org")
		if _, err := e.store.SetAccountStatus(ctx, sa, acc.ID, status, "fixture for the matrix"); err != nil {
			t.Fatal(err)
		}
		callers[status+"ed"] = tok
	}

	n := 0
	target := func(role string) string {
		n++
		acc, _ := e.account(role, fmt.Sprintf("target%d@example.org", n))
		return acc.ID
	}
	blockedTarget := func() string {
		id := target(store.RoleEditor)
		if _, err := e.store.SetAccountStatus(ctx, sa, id, "block", "fixture for the matrix"); err != nil {
			t.Fatal(err)
		}
		return id
	}
	pendingRequest := func() string {
		_, tok := e.account(store.RoleReader, fmt.Sprintf("asker%d@example.org", n))
		n++
		rr, err := e.store.RequestRole(ctx, e.actorOf(tok), store.NewRoleRequest{Role: "editor", Message: "please"})
		if err != nil {
			t.Fatal(err)
		}
		return rr.ID
	}
	reason := map[string]string{"reason": "Accord du conseil d'administration"}
	endpoints := []struct {
		method string
		path   func() string
		body   func() any
		min    string // lowest role allowed
		ok     int
	}{
		{"GET", func() string { return "/api/users" }, nil, store.RoleAdmin, 200},
		{"POST", func() string { return "/api/users" }, func() any {
			n++
			return map[string]string{"email": fmt.Sprintf("new%d@example.org", n), "name": "New", "role": "editor", "reason": reason["reason"]}
		}, store.RoleAdmin, 201},
		{"GET", func() string { return "/api/users/" + target(store.RoleEditor) }, nil, store.RoleAdmin, 200},
		{"PATCH", func() string { return "/api/users/" + target(store.RoleReader) }, func() any {
			return map[string]string{"role": "editor", "reason": reason["reason"]}
		}, store.RoleAdmin, 200},
		{"POST", func() string { return "/api/users/" + target(store.RoleEditor) + "/block" }, func() any { return reason }, store.RoleAdmin, 200},
		{"POST", func() string { return "/api/users/" + blockedTarget() + "/unblock" }, func() any { return reason }, store.RoleAdmin, 200},
		{"DELETE", func() string { return "/api/users/" + target(store.RoleEditor) }, func() any { return reason }, store.RoleAdmin, 204},
		{"GET", func() string { return "/api/role-requests" }, nil, store.RoleAdmin, 200},
		{"POST", func() string { return "/api/role-requests/" + pendingRequest() + "/approve" }, func() any { return reason }, store.RoleAdmin, 200},
		{"POST", func() string { return "/api/role-requests/" + pendingRequest() + "/reject" }, func() any { return reason }, store.RoleAdmin, 200},
		{"GET", func() string { return "/api/audit" }, nil, store.RoleAdmin, 200},
		{"GET", func() string { return "/api/audit/verify" }, nil, store.RoleSuperadmin, 200},
		{"GET", func() string { return "/api/outbox" }, nil, store.RoleSuperadmin, 200},
		// A message id that does not exist: passing the guard means 404.
		{"POST", func() string { return "/api/outbox/00000000-0000-4000-8000-000000000000/retry" }, nil, store.RoleSuperadmin, 404},
	}
	for _, ep := range endpoints {
		for caller, tok := range callers {
			path := ep.path()
			var body any
			if ep.body != nil {
				body = ep.body()
			}
			want := 401
			switch caller {
			case store.RoleReader, store.RoleEditor, store.RoleAdmin, store.RoleSuperadmin:
				want = 403
				if store.RoleAtLeast(caller, ep.min) {
					want = ep.ok
				}
			}
			var headers []string
			if tok != "" {
				headers = auth(tok)
			}
			resp, respBody := e.do(ep.method, path, body, headers...)
			if resp.StatusCode != want {
				t.Errorf("%s %s as %s: %d %s, want %d", ep.method, path, caller, resp.StatusCode, respBody, want)
			}
		}
	}
}

// actorOf resolves a session token to the store's Actor, as the server does.
func (e *testEnv) actorOf(tok string) store.Actor {
	e.t.Helper()
	acc, sess, err := e.store.Authenticate(context.Background(), tok)
	if err != nil {
		e.t.Fatal(err)
	}
	return store.Actor{Account: acc, SessionID: sess.ID, ClientIP: "test"}
}
