package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"cloison/internal/testpg"
	"cloison/server/mail/mailtest"
)

// TestTwoInstancesShareOneDatabase starts two real `cloison serve`
// processes, at the same moment, on one PostgreSQL database and one data
// directory, both sending through one real SMTP server on loopback, and
// talks to each directly:
//
//   - sessions: a login on one works on the other; a logout, a password
//     change, a password reset or a block on one ends the sessions the
//     other serves, at their next request;
//   - files: an attachment, a published document and a unit's logo put in
//     through one come out of the other byte for byte;
//   - the outbox: sixty invitations queued at once are sent by both
//     senders; one instance is killed with SIGKILL while the SMTP server
//     holds one of its transactions in the middle, after it has delivered
//     others; every message arrives exactly once (the held one, never
//     accepted, from the other instance once the lease has run out, with a
//     link that works), each with the Message-ID of its outbox row;
//   - the daily jobs: both instances started together on a new day send
//     one deadline reminder, one notice of a mandate ending and expire a
//     helper's access once, not once each.
func TestTwoInstancesShareOneDatabase(t *testing.T) {
	// Skipped without PostgreSQL (make test starts one). At the debug
	// level each instance says when it has done its periodic chores.
	cl := newCluster(t, "CLOISON_SERVER_BASE_URL=https://cloison.example.org", "CLOISON_LOG_LEVEL=debug")
	smtp := mailtest.Start(t)
	// A short SMTP timeout and lease, so that a message the killed
	// instance held goes out again within seconds, and a quick poll, so
	// that each sender soon sees what the other instance queued.
	cl.env = append(cl.env, "CLOISON_SMTP_HOST="+smtp.Host(), fmt.Sprintf("CLOISON_SMTP_PORT=%d", smtp.Port()), "CLOISON_SMTP_TLS=none",
		"CLOISON_SMTP_TIMEOUT=3s", "CLOISON_SMTP_LEASE=4s", "CLOISON_SMTP_POLL_INTERVAL=100ms")
	// Each instance sends from its own address: the SMTP server tells by
	// the envelope which one a message came from.
	from := [2]string{"a@cloison.test", "b@cloison.test"}
	fromEnv := func(i int) []string { return []string{"CLOISON_SMTP_FROM=Cloison <" + from[i] + ">"} }
	inst := cl.startTogether(t, fromEnv(0), fromEnv(1))
	a, b := inst[0], inst[1]
	api := apiClient{t: t, http: &http.Client{Timeout: 20 * time.Second}}

	// The setup link one printed makes the superadmin through the other.
	api.must(201, "POST", b.base+"/api/setup", "", map[string]string{"token": setupToken(t, a.stdout),
		"email": "sa@example.org", "name": "SA", "password": "a long enough passphrase"})
	sa := api.login(a.base, "sa@example.org", "a long enough passphrase")

	// An editor, invited through A, registers through B with the link.
	api.must(201, "POST", a.base+"/api/users", sa, map[string]string{"email": "ed@example.org", "name": "Ed", "role": "editor",
		"reason": "Accréditation votée par le CA"})
	invitation := linkToken(t, smtp.WaitFor(t, "ed@example.org", 1, 20*time.Second)[0], "/invitation#token=")
	api.must(202, "POST", b.base+"/api/auth/register", "", map[string]any{"email": "ed@example.org", "name": "Ed",
		"password": "first passphrase of Ed", "pledge": true, "invitation": invitation})
	ed := api.login(a.base, "ed@example.org", "first passphrase of Ed")

	t.Run("files", func(t *testing.T) {
		api := apiClient{t: t, http: api.http}
		// An attachment uploaded through A, downloaded through B.
		var c struct{ ID string }
		api.decode(api.must(201, "POST", a.base+"/api/cases", ed, map[string]string{"title": "Dossier partagé", "category_id": "autre", "summary": ""}), &c)
		picture := randomPNG(t, 120, 90)
		ctype, body := multipartBody(nil, "photo.png", picture)
		var att struct{ ID string }
		api.decode(api.mustSend(201, "POST", a.base+"/api/cases/"+c.ID+"/attachments", ed, ctype, body), &att)
		if got := api.must(200, "GET", b.base+"/api/cases/"+c.ID+"/attachments/"+att.ID, ed, nil); !bytes.Equal(got, picture) {
			t.Errorf("the attachment through B: %d bytes, not the %d uploaded through A", len(got), len(picture))
		}
		// A document published through A, downloaded through B.
		text := []byte("%PDF-1.4\n% document partagé " + strings.Repeat("x", 2000) + "\n%%EOF\n")
		ctype, body = multipartBody(map[string]string{"title": "Statuts", "audience": "{}"}, "statuts.pdf", text)
		var doc struct{ ID string }
		api.decode(api.mustSend(201, "POST", a.base+"/api/documents", sa, ctype, body), &doc)
		if got := api.must(200, "GET", b.base+"/api/documents/"+doc.ID, sa, nil); !bytes.Equal(got, text) {
			t.Errorf("the document through B: %q, not what was published through A", got)
		}
		// A unit's logo set through A, read through B.
		unit := firstUnit(t, api, a.base, sa)
		logo := randomPNG(t, 40, 20)
		ctype, body = multipartBody(nil, "logo.png", logo)
		api.mustSend(200, "PUT", a.base+"/api/units/"+unit+"/logo", sa, ctype, body)
		if got := api.must(200, "GET", b.base+"/api/units/"+unit+"/logo", sa, nil); !bytes.Equal(got, logo) {
			t.Errorf("the logo through B: %d bytes, not the %d set through A", len(got), len(logo))
		}
	})

	t.Run("sessions", func(t *testing.T) {
		api := apiClient{t: t, http: api.http}
		var c struct{ ID string }
		api.decode(api.must(201, "POST", a.base+"/api/cases", ed, map[string]string{"title": "Dossier d’Ed", "category_id": "autre", "summary": ""}), &c)
		// me asks an instance for the session's account, and first for
		// the editor's case file, whose page checks the session in its own
		// statement with the token's last check on that instance as a guess
		// (store.SessionHint): both must agree.
		me := func(base, token string) int {
			page, _ := api.call("GET", base+"/api/cases/"+c.ID, token, nil)
			resp, _ := api.call("GET", base+"/api/me", token, nil)
			if page.StatusCode != resp.StatusCode {
				t.Errorf("the case file's page answers %d, the account %d", page.StatusCode, resp.StatusCode)
			}
			return resp.StatusCode
		}
		// A session made on A works on B; logged out on A, it is dead on B.
		tok := api.login(a.base, "ed@example.org", "first passphrase of Ed")
		if s := me(b.base, tok); s != 200 {
			t.Fatalf("a session made on A, on B: %d", s)
		}
		api.must(204, "POST", a.base+"/api/auth/logout", tok, nil)
		if s := me(b.base, tok); s != 401 {
			t.Errorf("logged out on A, the session still works on B: %d", s)
		}

		// A password changed on A ends the other sessions, B's included,
		// and keeps the one that changed it.
		onB, onA := api.login(b.base, "ed@example.org", "first passphrase of Ed"), api.login(a.base, "ed@example.org", "first passphrase of Ed")
		api.must(200, "POST", a.base+"/api/me/password", onA, map[string]string{"current_password": "first passphrase of Ed",
			"new_password": "second passphrase of Ed"})
		if s := me(b.base, onB); s != 401 {
			t.Errorf("password changed on A, the other session still works on B: %d", s)
		}
		if s := me(b.base, onA); s != 200 {
			t.Errorf("the session that changed the password, on B: %d", s)
		}

		// A password reset on A, through the e-mailed link, ends every
		// session, on B too.
		onB = api.login(b.base, "ed@example.org", "second passphrase of Ed")
		resets := len(smtp.To("ed@example.org"))
		api.must(202, "POST", a.base+"/api/auth/password/forgot", "", map[string]string{"email": "ed@example.org"})
		var reset string
		for deadline := time.Now().Add(20 * time.Second); reset == ""; time.Sleep(20 * time.Millisecond) {
			for _, m := range smtp.To("ed@example.org")[resets:] {
				if strings.Contains(m.Text, "/reset#token=") {
					reset = linkToken(t, m, "/reset#token=")
				}
			}
			if reset == "" && time.Now().After(deadline) {
				t.Fatal("no reset e-mail")
			}
		}
		api.must(200, "POST", a.base+"/api/auth/password/reset", "", map[string]string{"token": reset, "password": "third passphrase of Ed"})
		for what, tok := range map[string]string{"made on B": onB, "that changed the password": onA} {
			if s := me(b.base, tok); s != 401 {
				t.Errorf("password reset on A, the session %s still works on B: %d", what, s)
			}
		}

		// Blocked by the superadmin on A, with the reason: the session on B ends.
		onB = api.login(b.base, "ed@example.org", "third passphrase of Ed")
		var acc struct{ ID string }
		api.decode(api.must(200, "GET", b.base+"/api/me", onB, nil), &acc)
		api.must(200, "POST", a.base+"/api/users/"+acc.ID+"/block", sa, map[string]string{"reason": "Départ de l’association voté par le CA"})
		if s := me(b.base, onB); s != 401 {
			t.Errorf("blocked on A, the account's session still works on B: %d", s)
		}
		if resp, _ := api.call("POST", b.base+"/api/auth/login", "", map[string]string{"email": "ed@example.org", "password": "third passphrase of Ed"}); resp.StatusCode != 401 {
			t.Errorf("blocked on A, the account logs in on B: %d", resp.StatusCode)
		}
	})

	// The outbox. Sixty invitations are queued in one transaction (an
	// import applied through A): both senders take them one by one. The
	// SMTP server holds one sender's transaction in the middle of the run,
	// and that sender's instance is killed while it waits for the server's
	// answer: the message was never accepted. Every message is then received exactly once: the killed
	// instance's delivered ones are not sent again, and its held one goes
	// out from the other instance when the lease has run out.
	const invitees = 60
	member := func(i int) string { return fmt.Sprintf("m%02d@example.org", i) }
	isInvitee := func(m mailtest.Message) bool {
		return len(m.To) == 1 && strings.HasPrefix(m.To[0], "m") && strings.HasSuffix(m.To[0], "@example.org")
	}
	delivered := func() map[string]int {
		n := map[string]int{}
		for _, m := range smtp.Messages() {
			if isInvitee(m) {
				n[m.From]++
			}
		}
		return n
	}
	// Held: a sender's eighth invitation, once the other sender has
	// delivered some too. Seven delivered before it, the eighth is in the
	// middle of a batch of any size from two to six, or of eight and more:
	// were outcomes recorded per batch, some of the seven would be sent
	// again.
	held := smtp.Hold(func(m mailtest.Message) bool {
		n := delivered()
		other := from[0]
		if m.From == from[0] {
			other = from[1]
		}
		return isInvitee(m) && n[m.From] == 7 && n[other] >= 1
	})
	var orgs struct{ Items []struct{ ID string } }
	api.decode(api.must(200, "GET", a.base+"/api/orgs", sa, nil), &orgs)
	if len(orgs.Items) == 0 {
		t.Fatal("no organisation")
	}
	csv := "external_id,email,name,role\n"
	for i := range invitees {
		csv += fmt.Sprintf("M-%02d,%s,Membre %d,member\n", i, member(i), i)
	}
	ctype, body := multipartBody(map[string]string{"scope_type": "org", "scope_id": orgs.Items[0].ID}, "membres.csv", []byte(csv))
	var run struct{ ID string }
	api.decode(api.mustSend(201, "POST", a.base+"/api/imports", sa, ctype, body), &run)
	api.must(200, "POST", a.base+"/api/imports/"+run.ID+"/apply", sa, map[string]any{})

	h := held.Wait(t, 30*time.Second)
	victim, survivor := a, b
	if h.From == from[1] {
		victim, survivor = b, a
	} else if h.From != from[0] {
		t.Fatalf("held a message from %q", h.From)
	}
	if err := victim.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-victim.exited
	held.Refuse() // the answer the dead sender never reads: nothing accepted
	t.Logf("killed the instance sending from %s in the middle of the invitation to %s; delivered by then: %v", h.From, h.To[0], delivered())

	for i := range invitees {
		smtp.WaitFor(t, member(i), 1, 30*time.Second)
	}
	rows := settledOutbox(t, api, survivor.base, sa)
	receivedOnce(t, smtp, rows)
	for i := range invitees {
		if got := smtp.To(member(i)); len(got) != 1 {
			t.Errorf("%s received %d invitations", member(i), len(got))
		}
	}
	// The held message came from the survivor, with a link that works: the
	// token the killed instance minted for it died with the new attempt's.
	again := smtp.To(h.To[0])
	if len(again) != 1 || again[0].From == h.From || again[0].MessageID != h.MessageID {
		t.Fatalf("the held message, sent again: %d, from %q, Message-ID %q (held: %q)", len(again), again[0].From, again[0].MessageID, h.MessageID)
	}
	var reg struct{ Status string }
	api.decode(api.must(202, "POST", survivor.base+"/api/auth/register", "", map[string]any{"email": h.To[0], "name": "Membre",
		"password": "passphrase of a member", "pledge": true, "invitation": linkToken(t, again[0], "/invitation#token=")}), &reg)
	if reg.Status != "active" {
		t.Errorf("registering with the link sent again: %s", reg.Status)
	}
	if t.Failed() {
		return
	}

	// The daily jobs. A deadline due in three days on the superadmin's
	// case file, a member's mandate ending in ten days, a helper whose
	// access has ended: a new day's chores must send one reminder, one
	// notice and expire the access once, though both instances start
	// together and each runs the chores at start.
	var c struct{ ID string }
	api.decode(api.must(201, "POST", survivor.base+"/api/cases", sa, map[string]string{"title": "Échéance", "category_id": "autre", "summary": ""}), &c)
	soon := func(days int) string { return time.Now().UTC().AddDate(0, 0, days).Format("2006-01-02") }
	api.must(201, "POST", survivor.base+"/api/cases/"+c.ID+"/deadlines", sa, map[string]string{"title": "Pièces à fournir", "due_date": soon(3)})
	var collab struct{ ID string }
	api.decode(api.must(201, "POST", survivor.base+"/api/cases/"+c.ID+"/collaborators", sa, map[string]any{"email": "helper@example.org",
		"kind": "support", "until": soon(5)}), &collab)
	memberTok := api.login(survivor.base, h.To[0], "passphrase of a member")
	var mine struct{ Items []struct{ ID string } }
	api.decode(api.must(200, "GET", survivor.base+"/api/me/memberships", memberTok, nil), &mine)
	if len(mine.Items) != 1 {
		t.Fatalf("the member's memberships: %+v", mine)
	}
	until := soon(10)
	api.must(200, "PATCH", survivor.base+"/api/memberships/"+mine.Items[0].ID, sa, map[string]any{"valid_until": until,
		"reason": "Mandat écourté par le CA"})

	// A new day, as the database sees it: the day the reminders last went
	// out forgotten, the helper's last day past.
	ctx := context.Background()
	db, err := pgx.Connect(ctx, cl.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	if _, err := db.Exec(ctx, "DELETE FROM settings WHERE key = 'deadline_reminders_day'"); err != nil {
		t.Fatal(err)
	}
	if tag, err := db.Exec(ctx, "UPDATE grants SET ends_at = now() - interval '1 hour' WHERE id = $1", collab.ID); err != nil || tag.RowsAffected() != 1 {
		t.Fatalf("end the helper's access: %v %v", tag, err)
	}
	if err := survivor.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-survivor.exited
	inst = cl.startTogether(t, fromEnv(0), fromEnv(1))
	for _, p := range inst {
		for deadline := time.Now().Add(20 * time.Second); !strings.Contains(p.stderr.String(), "periodic chores done"); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("an instance did not do its chores: %s", p.stderr.String())
			}
		}
	}
	smtp.WaitFor(t, "sa@example.org", 1, 20*time.Second)
	rows = settledOutbox(t, api, inst[0].base, sa)
	receivedOnce(t, smtp, rows)
	kinds := map[string]int{}
	for _, r := range rows {
		kinds[r.Kind]++
	}
	if kinds["deadline_reminder"] != 1 || kinds["membership_ending"] != 1 {
		t.Errorf("the day's e-mails: %d deadline reminders, %d notices of a mandate ending; want one each (%v)",
			kinds["deadline_reminder"], kinds["membership_ending"], kinds)
	}
	var expired struct{ Total int }
	api.decode(api.must(200, "GET", inst[1].base+"/api/audit?action=collaboration.expired", sa, nil), &expired)
	if expired.Total != 1 {
		t.Errorf("the helper's access expired %d times in the audit log, want once", expired.Total)
	}
}

// outboxRow is a row of the outbox as GET /api/outbox shows it.
type outboxRow struct {
	ID        string `json:"id"`
	MessageID string `json:"message_id"`
	To        string `json:"to"`
	Kind      string `json:"kind"`
	Status    string `json:"status"`
}

// settledOutbox waits until no e-mail is queued any more and returns the
// whole outbox; none may have failed.
func settledOutbox(t *testing.T, api apiClient, base, token string) []outboxRow {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var page struct {
			Items []outboxRow
			Total int
		}
		api.decode(api.must(200, "GET", base+"/api/outbox?per_page=200", token, nil), &page)
		if page.Total > len(page.Items) {
			t.Fatalf("the outbox has %d e-mails, more than a page", page.Total)
		}
		queued := 0
		for _, r := range page.Items {
			switch r.Status {
			case "queued":
				queued++
			case "failed", "printed":
				t.Fatalf("an e-mail %s: %+v", r.Status, r)
			}
		}
		if queued == 0 {
			return page.Items
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d e-mails still queued", queued)
		}
	}
}

// receivedOnce checks that the SMTP server received every e-mail of the
// outbox exactly once, under the Message-ID of its row (its id at the
// base URL's host), and nothing else.
func receivedOnce(t *testing.T, smtp *mailtest.Server, rows []outboxRow) {
	t.Helper()
	got := map[string]int{}
	for _, m := range smtp.Messages() {
		got[m.MessageID]++
	}
	for _, r := range rows {
		if want := "<" + r.ID + "@cloison.example.org>"; r.MessageID != want {
			t.Errorf("outbox row %s has Message-ID %s, want %s", r.ID, r.MessageID, want)
		}
		if n := got[r.MessageID]; n != 1 {
			t.Errorf("the %s e-mail to %s (%s) was received %d times", r.Kind, r.To, r.MessageID, n)
		}
		delete(got, r.MessageID)
	}
	for id, n := range got {
		t.Errorf("received %d e-mails with Message-ID %s, which no outbox row has", n, id)
	}
}

// cluster is what several `cloison serve` processes share: one PostgreSQL
// database (the test is skipped without one, see testpg), one data
// directory, and the environment each instance gets.
type cluster struct {
	dbURL string
	dir   string
	env   []string
}

// newCluster makes a fresh database and data directory; env is given to
// every instance besides the database's URL.
func newCluster(t *testing.T, env ...string) *cluster {
	t.Helper()
	u := testpg.Database(t)
	return &cluster{dbURL: u, dir: t.TempDir(), env: append([]string{"CLOISON_DATABASE_URL=" + u}, env...)}
}

// instance is one `cloison serve` of a cluster, with what it printed.
type instance struct {
	*serverProcess
	stdout *lockedBuffer
}

// launch starts an instance on a free port of loopback, extra added to
// its environment, without waiting for it to listen.
func (c *cluster) launch(t *testing.T, extra ...string) instance {
	t.Helper()
	cmd := cloisonProcess(t, "serve", "--data", c.dir, "--addr", "127.0.0.1:0")
	cmd.Env = append(append(cmd.Env, c.env...), extra...)
	out := &lockedBuffer{}
	return instance{launchProcess(t, cmd, out), out}
}

// startTogether starts one instance per extra environment at the same
// moment and returns them once every one listens.
func (c *cluster) startTogether(t *testing.T, extra ...[]string) []instance {
	t.Helper()
	out := make([]instance, len(extra))
	for i, e := range extra {
		out[i] = c.launch(t, e...)
	}
	for _, p := range out {
		p.awaitListening(t)
	}
	return out
}

// setupToken waits for the one-time setup link an instance prints and
// returns its token.
func setupToken(t *testing.T, printed *lockedBuffer) string {
	t.Helper()
	re := regexp.MustCompile(`/setup#token=([A-Za-z0-9_-]{43})`)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if m := re.FindStringSubmatch(printed.String()); m != nil {
			return m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no setup link printed: %q", printed.String())
		}
	}
}

// apiClient speaks to the instances' API over HTTP, as the SPA does.
type apiClient struct {
	t    *testing.T
	http *http.Client
}

// call sends body as JSON (none when nil) with the bearer token (none when
// empty) and the header pairs, and returns the answer and its body.
func (c apiClient) call(method, url, token string, body any, header ...string) (*http.Response, []byte) {
	c.t.Helper()
	var r io.Reader
	ctype := ""
	if body != nil {
		b, _ := json.Marshal(body)
		r, ctype = bytes.NewReader(b), "application/json"
	}
	return c.send(method, url, token, ctype, r, header...)
}

// send is call with a body of any type.
func (c apiClient) send(method, url, token, ctype string, body io.Reader, header ...string) (*http.Response, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp, b
}

// must is call that fails the test unless the answer has status want.
func (c apiClient) must(want int, method, url, token string, body any) []byte {
	c.t.Helper()
	resp, b := c.call(method, url, token, body)
	if resp.StatusCode != want {
		c.t.Fatalf("%s %s: %d %s, want %d", method, url, resp.StatusCode, b, want)
	}
	return b
}

// mustSend is send that fails the test unless the answer has status want.
func (c apiClient) mustSend(want int, method, url, token, ctype string, body []byte) []byte {
	c.t.Helper()
	resp, b := c.send(method, url, token, ctype, bytes.NewReader(body))
	if resp.StatusCode != want {
		c.t.Fatalf("%s %s: %d %s, want %d", method, url, resp.StatusCode, b, want)
	}
	return b
}

// decode reads a JSON answer into v.
func (c apiClient) decode(b []byte, v any) {
	c.t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		c.t.Fatalf("%v: %s", err, b)
	}
}

// login logs in through base and returns the session's token.
func (c apiClient) login(base, email, password string, header ...string) string {
	c.t.Helper()
	resp, body := c.call("POST", base+"/api/auth/login", "", map[string]string{"email": email, "password": password}, header...)
	var out struct{ Token string }
	if resp.StatusCode != 200 || json.Unmarshal(body, &out) != nil || out.Token == "" {
		c.t.Fatalf("login of %s through %s: %d %s", email, base, resp.StatusCode, body)
	}
	return out.Token
}

// multipartBody is a multipart form with fields and a "file".
func multipartBody(fields map[string]string, filename string, content []byte) (string, []byte) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	fw, _ := w.CreateFormFile("file", filename)
	_, _ = fw.Write(content)
	_ = w.Close()
	return w.FormDataContentType(), buf.Bytes()
}

// randomPNG is a PNG of random pixels: no two alike.
func randomPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.NRGBA{uint8(rand.IntN(256)), uint8(rand.IntN(256)), uint8(rand.IntN(256)), 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// firstUnit is the id of the first unit of the directory.
func firstUnit(t *testing.T, api apiClient, base, token string) string {
	t.Helper()
	var units struct{ Items []struct{ ID string } }
	api.decode(api.must(200, "GET", base+"/api/units", token, nil), &units)
	if len(units.Items) == 0 {
		t.Fatal("no unit")
	}
	return units.Items[0].ID
}

// linkToken is the token of the first link to pathPrefix ("/reset#token=")
// in msg.
func linkToken(t *testing.T, msg mailtest.Message, pathPrefix string) string {
	t.Helper()
	_, tok, _ := strings.Cut(mailtest.Link(t, msg, pathPrefix), "token=")
	return tok
}
