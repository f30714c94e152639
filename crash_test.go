package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"cloison/store"
	"cloison/store/passwords"
)

// TestAcknowledgedWritesSurviveSIGKILL runs the real command as a server
// process, drives it with concurrent writers (case files created, notes
// added, a case file changed under If-Match), kills it with SIGKILL in the
// middle, several times, and restarts it: every write it acknowledged is
// there, with what it said, the database passes its integrity and foreign
// key checks, and the audit chain verifies.
func TestAcknowledgedWritesSurviveSIGKILL(t *testing.T) {
	dir := t.TempDir()
	ctx := t.Context()
	st, err := store.Open(ctx, store.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	h := passwords.NewHasher(passwords.Params{Memory: 64, Time: 1, Threads: 1}, 0)
	if _, err := st.CreateAccount(ctx, h, store.Actor{}, store.NewAccount{Email: "ed@example.org", Name: "Ed",
		Password: "a long enough passphrase", Role: store.RoleEditor}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	// What the server acknowledged: case files by id with their title,
	// notes by id with their case file, and the last version of the one
	// case file every round changes.
	type ack struct{ caseID, text string }
	var mu sync.Mutex
	cases, notes := map[string]string{}, map[string]ack{}
	var shared string
	// The place of the last acknowledged change of the shared case file,
	// how many were acknowledged, and the places tried since without an
	// answer (one of them may have landed just before a kill).
	var sharedPlace string
	unanswered := map[string]bool{}
	var sharedVersion int64
	patches := 0

	const rounds, writers = 4, 12
	var tok string
	for round := range rounds {
		srv := startServer(t, dir)
		c := &crashClient{base: srv.base, tok: tok}
		if tok == "" {
			c.tok = c.login(t, "ed@example.org", "a long enough passphrase")
			tok = c.tok
			var d struct {
				ID      string `json:"id"`
				Version int64  `json:"version"`
			}
			if status := c.call("POST", "/api/cases", map[string]any{"title": "Dossier partagé", "category_id": "autre", "summary": ""}, nil, &d); status != 201 {
				t.Fatalf("create the shared case file: %d", status)
			}
			shared, sharedVersion = d.ID, d.Version
		}
		var wg sync.WaitGroup
		stop := make(chan struct{})
		for w := range writers {
			wg.Go(func() {
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					switch {
					case w == 0: // one writer changes the shared case file under If-Match
						mu.Lock()
						v := sharedVersion
						mu.Unlock()
						place := fmt.Sprintf("Lieu %d-%d", round, i)
						mu.Lock()
						unanswered[place] = true
						mu.Unlock()
						var d struct {
							Version int64 `json:"version"`
						}
						switch c.call("PATCH", "/api/cases/"+shared, map[string]any{"place": place}, []string{"If-Match", fmt.Sprintf(`"%d"`, v)}, &d) {
						case 200:
							mu.Lock()
							sharedVersion, sharedPlace = d.Version, place
							patches++
							clear(unanswered)
							mu.Unlock()
						case 412: // a note moved the version on: read it again
							if c.call("GET", "/api/cases/"+shared, nil, nil, &d) == 200 {
								mu.Lock()
								sharedVersion = max(sharedVersion, d.Version)
								mu.Unlock()
							}
						}
					case w%3 == 1: // notes on the shared case file
						text := fmt.Sprintf("Note %d-%d-%d", round, w, i)
						var d struct {
							Note struct {
								ID string `json:"id"`
							} `json:"note"`
						}
						if c.call("POST", "/api/cases/"+shared+"/notes", map[string]any{"body": text}, nil, &d) == 201 {
							mu.Lock()
							notes[d.Note.ID] = ack{shared, text}
							mu.Unlock()
						}
					default: // new case files
						title := fmt.Sprintf("Dossier %d-%d-%d", round, w, i)
						var d struct {
							ID string `json:"id"`
						}
						if c.call("POST", "/api/cases", map[string]any{"title": title, "category_id": "autre", "summary": "Résumé"}, nil, &d) == 201 {
							mu.Lock()
							cases[d.ID] = title
							mu.Unlock()
						}
					}
				}
			})
		}
		// Let the writers get going, then kill the server in the middle of
		// their requests, without any warning.
		time.Sleep(time.Duration(400+150*round) * time.Millisecond)
		if err := srv.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		<-srv.exited
		close(stop)
		wg.Wait()
		t.Logf("round %d: %d case files, %d notes, %d changes acknowledged so far", round, len(cases), len(notes), patches)
	}
	if len(cases) < 20 || len(notes) < 10 || patches < 3 {
		t.Fatalf("too few writes to tell anything: %d case files, %d notes, %d changes", len(cases), len(notes), patches)
	}

	// Restarted, the server has every acknowledged write.
	srv := startServer(t, dir)
	c := &crashClient{base: srv.base, tok: tok}
	for id, title := range cases {
		var d struct {
			Title string `json:"title"`
		}
		if status := c.call("GET", "/api/cases/"+id, nil, nil, &d); status != 200 || d.Title != title {
			t.Errorf("case file %s (%q): %d %q after the crashes", id, title, status, d.Title)
		}
	}
	var list struct {
		Items []struct {
			ID   string `json:"id"`
			Body string `json:"body"`
		} `json:"items"`
	}
	if status := c.call("GET", "/api/cases/"+shared+"/notes", nil, nil, &list); status != 200 {
		t.Fatalf("notes: %d", status)
	}
	found := map[string]string{}
	for _, n := range list.Items {
		found[n.ID] = n.Body
	}
	for id, a := range notes {
		if found[id] != a.text {
			t.Errorf("note %s (%q) after the crashes: %q", id, a.text, found[id])
		}
	}
	var d struct {
		Version int64  `json:"version"`
		Place   string `json:"place"`
	}
	c.call("GET", "/api/cases/"+shared, nil, nil, &d)
	// The last acknowledged change is there, or one tried after it whose
	// answer the kill cut off.
	if d.Version < sharedVersion || (d.Place != sharedPlace && !unanswered[d.Place]) {
		t.Errorf("shared case file at version %d %q, acknowledged %d %q", d.Version, d.Place, sharedVersion, sharedPlace)
	}
	if err := srv.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-srv.exited

	// The files themselves: integrity, foreign keys, the audit chain.
	if err := store.CheckIntegrity(ctx, filepath.Join(dir, store.DatabaseFile)); err != nil {
		t.Fatalf("integrity: %v", err)
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, store.DatabaseFile)+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		t.Fatal(err)
	}
	if rows.Next() {
		t.Error("foreign_key_check found rows pointing nowhere")
	}
	rows.Close()
	if out, err := runCLI(t, "", "audit", "verify", "--data", dir); err != nil || !strings.Contains(out, "intact") {
		t.Fatalf("audit verify: %v %s", err, out)
	}
}

// crashClient calls the API of a server that may die under it.
type crashClient struct {
	base, tok string
}

var crashHTTP = &http.Client{Timeout: 10 * time.Second}

// call sends a JSON request and decodes a JSON answer into out; a request
// the dying server never answered is status 0.
func (c *crashClient) call(method, path string, body any, headers []string, out any) int {
	var r *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	} else {
		r = bytes.NewReader(nil)
	}
	req, err := http.NewRequest(method, c.base+path, r)
	if err != nil {
		return 0
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.tok != "" {
		req.Header.Set("Authorization", "Bearer "+c.tok)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := crashHTTP.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	// An answer cut off by the kill was not an acknowledgement.
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil && resp.StatusCode < 300 {
		return 0
	}
	return resp.StatusCode
}

func (c *crashClient) login(t *testing.T, email, password string) string {
	t.Helper()
	var d struct {
		Token string `json:"token"`
	}
	if status := c.call("POST", "/api/auth/login", map[string]string{"email": email, "password": password}, nil, &d); status != 200 {
		t.Fatalf("login: %d", status)
	}
	return d.Token
}
