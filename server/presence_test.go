package server

import (
	"sync"
	"testing"

	"cloison/store"
)

// Who has a case file open stays with that case file: each heartbeat's
// case id is kept past its request (Fiber reuses the buffer a parameter
// points into), so heartbeats on other case files, many and at once, never
// move anyone from one case file to another.
func TestPresenceStaysWithItsCaseFile(t *testing.T) {
	e := newTestEnv(t)
	owner, ownerTok := e.account(store.RoleEditor, "owner@example.org")
	other, otherTok := e.account(store.RoleEditor, "other@example.org")
	a := e.newCase(store.Actor{Account: owner}, store.CaseOpen)
	cases := []fixtureCase{a}
	for range 4 {
		cases = append(cases, e.newCase(store.Actor{Account: other}, store.CaseOpen))
	}

	beat := func(caseID, tok string) []string {
		resp, body := e.do("POST", "/api/cases/"+caseID+"/presence", nil, auth(tok)...)
		if resp.StatusCode != 200 {
			t.Fatalf("heartbeat: %d %s", resp.StatusCode, body)
		}
		var names []string
		for _, o := range decode[struct {
			Others []presenceEntry `json:"others"`
		}](t, body).Others {
			names = append(names, o.Name)
		}
		return names
	}
	beat(a.id, ownerTok)
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			beat(cases[1+i%4].id, otherTok)
		}()
	}
	wg.Wait()
	for _, c := range cases[1:] {
		if got := beat(c.id, otherTok); len(got) != 0 {
			t.Errorf("case file %s shows %v, who never opened it", c.id, got)
		}
	}
	// The owner is still seen on their case file, by nobody else's heartbeat.
	if got := e.srv.presence.beat(a.id, other, e.clock.now()); len(got) != 1 || got[0].Name != "owner" {
		t.Errorf("case file A shows %v, want owner", got)
	}
}
