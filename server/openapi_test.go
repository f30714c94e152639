package server

import (
	"fmt"
	"testing"

	"cloison/store"
)

func TestProbeOpenAPITmp(t *testing.T) {
	e := newTestEnv(t)
	ownerAcc, tok := e.account(store.RoleEditor, "owner@example.org")
	_ = ownerAcc
	f := e.newCase(e.actorOf(tok), store.CaseOpen)
	_, rtok := e.account(store.RoleReader, "reader@example.org")
	r, b := e.do("GET", "/api/me/role-requests", nil, auth(rtok)...)
	fmt.Printf("role-requests: %d %s\n", r.StatusCode, b)
	r, b = e.doRaw("PATCH", "/api/cases/"+f.id+"/collaborators/"+f.collaborator, "application/json", []byte(`{}`), auth(tok)...)
	fmt.Printf("patch collab {}: %d %s\n", r.StatusCode, b)
	r, b = e.doRaw("PATCH", "/api/cases/"+nonexistentID, "application/json", []byte(`{"title":""}`), auth(tok)...)
	fmt.Printf("patch nonexistent bad title: %d %s\n", r.StatusCode, b)
	r, b = e.doRaw("POST", "/api/cases/"+nonexistentID+"/notes", "application/json", []byte(`{"body":""}`), auth(tok)...)
	fmt.Printf("note nonexistent empty: %d %s\n", r.StatusCode, b)
	r, b = e.doRaw("DELETE", "/api/users/"+nonexistentID, "", nil, auth(tok)...)
	fmt.Printf("delete user no body as editor: %d %s\n", r.StatusCode, b)
	_, atok := e.account(store.RoleAdmin, "admin@example.org")
	r, b = e.doRaw("DELETE", "/api/users/"+ownerAcc.ID, "", nil, auth(atok)...)
	fmt.Printf("delete user no body as admin: %d %s\n", r.StatusCode, b)
	r, b = e.doRaw("POST", "/api/me/role-requests", "application/json", []byte(`{"role":"admin","message":"please"}`), auth(atok)...)
	fmt.Printf("admin role request: %d %s\n", r.StatusCode, b)
	r, b = e.doRaw("POST", "/api/cases/"+f.id+"/notes", "application/json", []byte(`{"body":"hello"}`), auth(tok)...)
	fmt.Printf("note: %d %s\n", r.StatusCode, b)
	r, b = e.doRaw("POST", "/api/setup", "", nil)
	fmt.Printf("setup empty: %d %s\n", r.StatusCode, b)
	r, b = e.doRaw("POST", "/api/cases/"+f.id+"/transition", "application/json", []byte(`{"to":"pending"}`), auth(tok)...)
	fmt.Printf("transition no if-match: %d %s\n", r.StatusCode, b)
	r, b = e.doRaw("GET", "/api/cases/"+f.id+"/history", "", nil, auth(tok)...)
	fmt.Printf("history: %d %s\n", r.StatusCode, b)
	r, b = e.doRaw("GET", "/api/me/overview", "", nil, auth(tok)...)
	fmt.Printf("overview: %d %s\n", r.StatusCode, b)
	r, b = e.doRaw("GET", "/api/audit?per_page=2", "", nil, auth(atok)...)
	fmt.Printf("audit: %d %s\n", r.StatusCode, b)
	r, b = e.doRaw("GET", "/api/me/sessions?page=2", "", nil, auth(atok)...)
	fmt.Printf("sessions: %d %s\n", r.StatusCode, b)
	r, b = e.doRaw("PUT", "/api/cases/"+f.id+"/assignees", "application/json", []byte(`{"user_ids":["x"],"reason":"0123456789ab"}`), auth(atok)...)
	fmt.Printf("assignees no if-match: %d %s\n", r.StatusCode, b)
	r, b = e.doRaw("POST", "/api/invitations/inspect", "application/json", []byte(`{"token":"abc"}`))
	fmt.Printf("inspect: %d %s\n", r.StatusCode, b)
	r, b = e.doRaw("GET", "/api/role-requests", "", nil, auth(atok)...)
	fmt.Printf("rr list: %d %s\n", r.StatusCode, b)
	for _, rt := range e.srv.App().GetRoutes(true) {
		if rt.Method == "HEAD" { continue }
		fmt.Println(rt.Method, rt.Path, len(rt.Handlers))
	}
}
