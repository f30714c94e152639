package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/textproto"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"cloison/store"
)

// hostileEnv is a test instance with one of everything a route can name: a
// case file with a deadline, an attachment and a helper, an account, a role
// request, an e-mail in the outbox, a session, a category.
type hostileEnv struct {
	*testEnv
	superTok string
	params   map[string]string // "path prefix|param" → value
	f        fixtureCase
	// fuzzAccounts counts the superadmins the fuzz targets made.
	fuzzAccounts int
}

func newHostileEnv(t testing.TB) *hostileEnv {
	e := newTestEnv(t)
	sa, saTok := e.account(store.RoleSuperadmin, "sa@example.org")
	ed, edTok := e.account(store.RoleEditor, "ed@example.org")
	_, rdTok := e.account(store.RoleReader, "rd@example.org")
	f := e.newCase(e.actorOf(edTok), store.CaseOpen)
	rr, err := e.store.RequestRole(context.Background(), e.actorOf(rdTok), store.NewRoleRequest{Role: store.RoleEditor, Message: "Je voudrais aider."})
	if err != nil {
		t.Fatal(err)
	}
	outbox, _, err := e.store.ListOutbox(context.Background(), e.actorOf(saTok), "", store.Page{Page: 1, PerPage: 1})
	if err != nil || len(outbox) == 0 {
		t.Fatalf("no e-mail in the outbox: %v", err)
	}
	sessions, err := e.store.ListSessions(context.Background(), e.actorOf(saTok))
	if err != nil || len(sessions) == 0 {
		t.Fatalf("no session: %v", err)
	}
	_ = sa
	// The organisation, the unit and the editor's membership of it, named
	// after the instance when it started.
	units, err := e.store.AllUnits(context.Background())
	if err != nil || len(units) == 0 {
		t.Fatalf("no unit: %v", err)
	}
	members, _, err := e.store.ListMembers(context.Background(), e.actorOf(saTok), "unit", units[0].ID, "", store.Page{Page: 1, PerPage: 10})
	if err != nil || len(members) == 0 {
		t.Fatalf("no membership: %v", err)
	}
	// The superadmin has given the reason for opening the case file, so that
	// a request the gate let through would reach the store's writes.
	if err := e.store.OpenCaseAsAdmin(context.Background(), e.actorOf(saTok), f.id, "Contrôle demandé par le bureau"); err != nil {
		t.Fatal(err)
	}
	return &hostileEnv{testEnv: e, superTok: saTok, f: f, params: map[string]string{
		"/api/cases|id": f.id, "|did": f.deadline, "|aid": f.attachment, "|cid": f.collaborator,
		"/api/users|id": ed.ID, "/api/role-requests|id": rr.ID, "/api/outbox|id": outbox[0].ID,
		"/api/me/sessions|id": sessions[0].ID, "/api/categories|id": "sante", "/api/category-presets|key": "birth", "|category_id": "sante",
		"/api/instance-texts|kind": "privacy",
		"/api/orgs|id":             units[0].OrgID, "/api/units|id": units[0].ID, "/api/memberships|id": members[0].ID,
		"/api/transfers|id": "00000000-0000-4000-8000-000000000000", "/api/change-requests|id": "00000000-0000-4000-8000-000000000000", "/api/documents|id": "00000000-0000-4000-8000-000000000000",
		"/api/imports|id": "00000000-0000-4000-8000-000000000000",
	}}
}

// validBodies are, for every route that takes a JSON body, a body the
// route would accept: each hostile body is one of them with one field made
// hostile, so that the gate, and not a missing field, is what refuses it.
var validBodies = map[string]string{
	"POST /api/setup":                            `{"token": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "email": "new@example.org", "name": "Nouvelle", "password": "un mot de passe solide", "locale": "fr"}`,
	"POST /api/auth/register":                    `{"email": "newcomer@example.org", "name": "Nouvelle", "password": "un mot de passe solide", "pledge": true, "locale": "fr", "invitation": ""}`,
	"POST /api/auth/activate":                    `{"token": "abc"}`,
	"POST /api/auth/login":                       `{"email": "sa@example.org", "password": "a long enough passphrase", "code": "123456"}`,
	"POST /api/me/second-factor/confirm":         `{"code": "123456"}`,
	"DELETE /api/me/second-factor":               `{"password": "a long enough passphrase"}`,
	"POST /api/users/:id/second-factor/reset":    `{"reason": "Téléphone perdu, vérifié en personne"}`,
	"POST /api/auth/password/forgot":             `{"email": "sa@example.org"}`,
	"POST /api/auth/password/reset":              `{"token": "abc", "password": "un mot de passe solide"}`,
	"POST /api/invitations/inspect":              `{"token": "abc"}`,
	"POST /api/invitations/accept":               `{"token": "abc"}`,
	"PATCH /api/me":                              `{"name": "Sa", "locale": "fr"}`,
	"POST /api/me/password":                      `{"current_password": "a long enough passphrase", "new_password": "un autre mot de passe solide"}`,
	"POST /api/me/role-requests":                 `{"role": "admin", "message": "Je voudrais aider davantage."}`,
	"POST /api/categories":                       `{"id": "nouvelle", "labels": {"fr": "Nouvelle", "en": "New"}, "position": 5}`,
	"PATCH /api/categories/:id":                  `{"labels": {"fr": "Santé", "en": "Health"}, "active": true, "position": 1}`,
	"POST /api/outbox/test":                      `{"to": "sa@example.org"}`,
	"POST /api/cases":                            `{"title": "Un titre", "category_id": "sante", "summary": "Résumé", "facts_date": "2026-01-02", "place": "Ici", "practice": false}`,
	"PATCH /api/cases/:id":                       `{"title": "Un titre", "category_id": "sante", "summary": "Résumé", "facts_date": "2026-01-02", "place": "Ici"}`,
	"DELETE /api/cases/:id":                      `{"reason": "Suppression demandée par le bureau"}`,
	"POST /api/cases/:id/transition":             `{"to": "pending", "comment": "Une démarche amiable"}`,
	"POST /api/cases/:id/access":                 `{"reason": "Contrôle demandé par le bureau"}`,
	"PUT /api/cases/:id/assignees":               `{"user_ids": ["{editor}"], "reason": "Réaffectation par le bureau"}`,
	"POST /api/cases/:id/notes":                  `{"body": "Une note"}`,
	"POST /api/cases/:id/deadlines":              `{"title": "Relance", "due_date": "2027-01-01", "done": false}`,
	"PATCH /api/cases/:id/deadlines/:did":        `{"title": "Relance", "due_date": "2027-01-01", "done": true}`,
	"POST /api/cases/:id/collaborators":          `{"email": "aide@example.org", "kind": "support", "major": false, "until": "2027-01-01"}`,
	"PATCH /api/cases/:id/collaborators/:cid":    `{"major": true, "until": "2027-01-01"}`,
	"PUT /api/instance-texts/:kind":              `{"texts": {"fr": "Notre politique", "en": ""}, "reason": "Accord du bureau du 3 mars"}`,
	"POST /api/users":                            `{"email": "invite@example.org", "name": "Invitée", "role": "editor", "reason": "Accord du bureau du 3 mars", "locale": "fr"}`,
	"PATCH /api/users/:id":                       `{"name": "Ed", "reason": "Accord du bureau du 3 mars"}`,
	"DELETE /api/users/:id":                      `{"reason": "Accord du bureau du 3 mars"}`,
	"POST /api/users/:id/block":                  `{"reason": "Accord du bureau du 3 mars"}`,
	"POST /api/users/:id/unblock":                `{"reason": "Accord du bureau du 3 mars"}`,
	"POST /api/role-requests/:id/approve":        `{"reason": "Accord du bureau du 3 mars"}`,
	"POST /api/role-requests/:id/reject":         `{"reason": "Accord du bureau du 3 mars"}`,
	"POST /api/orgs":                             `{"name": "Fédération", "code": "FED-2", "address": "1 rue\nVille", "contact_email": "fed@example.org", "admin_email": "adm@example.org", "admin_name": "Adm", "reason": "Accord du bureau du 3 mars"}`,
	"PATCH /api/orgs/:id":                        `{"name": "Fédération", "address": "1 rue", "reason": "Accord du bureau du 3 mars"}`,
	"POST /api/orgs/:id/units":                   `{"name": "Antenne", "code": "ANT-2", "contact_email": "ant@example.org", "address": "2 rue", "reason": "Accord du bureau du 3 mars"}`,
	"POST /api/orgs/:id/members":                 `{"email": "m@example.org", "name": "M", "role": "admin", "functions": ["president"], "valid_from": "2026-01-01", "reason": "Accord du bureau du 3 mars"}`,
	"PATCH /api/units/:id":                       `{"name": "Unité", "address": "3 rue", "reason": "Accord du bureau du 3 mars"}`,
	"POST /api/units/:id/members":                `{"email": "u@example.org", "name": "U", "role": "editor", "functions": [], "reason": "Accord du bureau du 3 mars"}`,
	"PATCH /api/memberships/:id":                 `{"functions": ["secretary"], "reason": "Accord du bureau du 3 mars"}`,
	"DELETE /api/memberships/:id":                `{"reason": "Accord du bureau du 3 mars"}`,
	"POST /api/cases/:id/transfers":              `{"to_unit_code": "AILLEURS", "consent": {"given_by": "person", "given_at": "2026-11-02", "collected_by": "Claire"}, "comment": "Elle déménage"}`,
	"POST /api/transfers/:id/refuse":             `{"reason": "Accord du bureau du 3 mars"}`,
	"PUT /api/functions":                         `{"items": [{"code": "president", "label_fr": "Président·e", "label_en": "President", "active": true}], "reason": "Accord du bureau du 3 mars"}`,
	"POST /api/messages/preview":                 `{"subject": "AG", "body": "Bonjour\nÀ bientôt", "audience": {"org_ids": [], "unit_ids": [], "roles": ["admin"], "functions": ["president"]}}`,
	"POST /api/orgs/:id/change-requests":         `{"kind": "update_record", "details": {"record": {"name": "Réseau", "address": "1 rue\nVille", "contact_email": "r@example.org"}}, "message": "Merci\nà vous"}`,
	"POST /api/change-requests/:id/apply":        `{"reason": "Accord du bureau du 3 mars"}`,
	"POST /api/change-requests/:id/reject":       `{"reason": "Accord du bureau du 3 mars"}`,
	"POST /api/imports/:id/apply":                `{"confirm_ending": true}`,
	"POST /api/messages":                         `{"subject": "AG", "body": "Bonjour\nÀ bientôt", "audience": {"org_ids": [], "unit_ids": [], "roles": ["admin"], "functions": ["president"]}}`,
	"PUT /api/categories/:id/inspectors":         `{"account_ids": ["{editor}"], "reason": "Accord du bureau du 3 mars"}`,
	"PUT /api/units/:id/inspection/:category_id": `{"open": true, "reason": "Accord du bureau du 3 mars"}`,
}

// validBody is the route's valid body as fields and their raw JSON values.
func (h *hostileEnv) validBody(t *testing.T, route string, rc *routeContract) map[string]string {
	t.Helper()
	src, ok := validBodies[route]
	if rc.bodyKind != bodyJSON {
		src = "{}"
	} else if !ok {
		t.Fatalf("%s: no valid body in validBodies", route)
	}
	src = strings.ReplaceAll(src, "{editor}", h.params["/api/users|id"])
	node := rc.body
	if node == nil {
		node = emptyObject
	}
	if err := checkJSON([]byte(src), node); err != nil {
		t.Fatalf("%s: the valid body does not pass the gate: %v", route, err)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal([]byte(src), &fields); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for k, v := range fields {
		out[k] = string(v)
	}
	return out
}

// path fills a route's parameters with the ids of real objects.
func (h *hostileEnv) path(route string) string {
	return routeParam.ReplaceAllStringFunc(route, func(p string) string {
		name := p[1:]
		for k, v := range h.params {
			prefix, param, _ := strings.Cut(k, "|")
			if param == name && strings.HasPrefix(route, prefix) {
				return v
			}
		}
		h.t.Fatalf("no value for %s in %s", p, route)
		return ""
	})
}

// fingerprint hashes every row of every table, so that a test can tell
// that nothing changed. A session's last_seen_at moves on any request and
// is left out.
func (h *hostileEnv) fingerprint(t *testing.T) map[string]string {
	t.Helper()
	h.settleOutbox()
	out := map[string]string{}
	for table, lines := range h.tableRows("last_seen_at") {
		sort.Strings(lines)
		sum := sha256.Sum256([]byte(strings.Join(lines, "\n")))
		out[table] = hex.EncodeToString(sum[:])
	}
	return out
}

// unchanged fails the test if a table differs from its fingerprint before.
func (h *hostileEnv) unchanged(t *testing.T, before map[string]string, what string) {
	t.Helper()
	for table, sum := range h.fingerprint(t) {
		if before[table] != sum {
			t.Errorf("%s changed table %s", what, table)
		}
	}
}

// settleOutbox waits until the sender has dealt with every queued e-mail,
// whose rows it changes in the background.
func (e *testEnv) settleOutbox() {
	e.t.Helper()
	for i := 0; ; i++ {
		_, queued, err := e.store.ListOutbox(context.Background(), e.superActor(), store.OutboxQueued, store.Page{Page: 1, PerPage: 1})
		if err != nil {
			e.t.Fatal(err)
		}
		if queued == 0 {
			return
		}
		if i == 500 {
			e.t.Fatalf("%d e-mails still queued", queued)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// hostile is one request the gate must refuse: the status and, for a 422,
// the field it must name and the reason it must give ("" for any).
type hostile struct {
	name        string
	contentType string
	body        []byte
	query       string
	headers     []string
	status      int
	field       string
	reason      string
}

// hostileBodies are the hostile requests for a route whose JSON body has
// node's schema, each one a valid body with one field made hostile, built
// from the very contract the gate enforces: NUL, control characters,
// newlines where they are not allowed, invalid UTF-8, lone surrogates,
// overlong strings, wrong types, unknown and repeated fields, deep nesting,
// huge numbers, other content types.
func hostileBodies(node *schemaNode, valid map[string]string) []hostile {
	const js = "application/json"
	var out []hostile
	// with is the valid body with field set to raw (a raw JSON value;
	// repeat: the field twice).
	with := func(field, raw string, repeat bool) string {
		keys := []string{field}
		for k := range valid {
			if k != field {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys[1:])
		var b strings.Builder
		b.WriteString("{")
		for i, k := range keys {
			v, ok := valid[k]
			if k == field {
				v, ok = raw, true
			}
			if !ok {
				continue
			}
			if i > 0 {
				b.WriteString(", ")
			}
			key, _ := json.Marshal(k)
			b.WriteString(string(key) + ": " + v)
			if repeat && k == field {
				b.WriteString(", " + string(key) + ": " + v)
			}
		}
		b.WriteString("}")
		return b.String()
	}
	add := func(name, body string, status int, field, reason string) {
		out = append(out, hostile{name: name, contentType: js, body: []byte(body), status: status, field: field, reason: reason})
	}
	deep := strings.Repeat("[", 5000) + strings.Repeat("]", 5000)
	names := make([]string, 0, len(node.props))
	for n := range node.props {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, p := range names {
		prop := node.props[p]
		set := func(what, raw string, field, reason string) {
			add(p+": "+what, with(p, raw, false), 422, field, reason)
		}
		if prop.types&tString != 0 {
			set("NUL", `"a\u0000b"`, p, reasonControl)
			set("bell", `"a\u0007b"`, p, reasonControl)
			set("DEL", "\"a\x7fb\"", p, reasonControl)
			set("C1 control", `"a\u0085b"`, p, reasonControl)
			set("invalid UTF-8", "\"a\xff\xfeb\"", p, reasonUTF8)
			set("overlong UTF-8 encoding", "\"\xc0\xaf\"", p, reasonUTF8)
			set("lone high surrogate", `"a\ud800b"`, p, reasonUTF8)
			set("lone low surrogate", `"\udc00"`, p, reasonUTF8)
			if !prop.multiline {
				set("newline", `"a\nb"`, p, reasonNewline)
				set("carriage return", `"a\rb"`, p, reasonControl)
			}
			set("overlong", `"`+strings.Repeat("é", prop.maxLength+1)+`"`, p, "max="+strconv.Itoa(prop.maxLength))
			if prop.types&(tInteger|tNumber) == 0 {
				set("a number", `12345`, p, reasonType)
			}
		}
		if prop.types&tString == 0 && prop.types&tArray == 0 {
			set("a string", `"true"`, p, reasonType)
		}
		if prop.types&tBoolean == 0 {
			set("a boolean", `true`, p, reasonType)
		}
		if prop.types&tObject == 0 {
			set("an object", `{"$gt": ""}`, p, reasonType)
		}
		if prop.types&tArray == 0 {
			set("deep nesting", deep, p, reasonType)
		} else {
			// An item of the right type: a string, or an object when the
			// items are objects (whose NUL goes in one of its fields).
			item := `"x"`
			if prop.items.types&tObject != 0 {
				item = `{}`
				for name, sub := range prop.items.props {
					if sub.types&tString != 0 {
						set("NUL in an item", `[{"`+name+`": "\u0000"}]`, p+".0."+name, reasonControl)
						break
					}
				}
			} else {
				set("NUL in an item", `["\u0000"]`, p+".0", reasonControl)
			}
			set("deep nesting in an item", `[`+deep+`]`, p+".0", reasonType)
			set("too many items", `[`+strings.Repeat(item+`,`, prop.maxItems)+item+`]`, p, reasonMaxItems+"="+strconv.Itoa(prop.maxItems))
		}
		if prop.types&tNull == 0 {
			set("null", `null`, p, reasonType)
		}
		if prop.types&tInteger != 0 {
			set("huge", `99999999999999999999999999`, p, "max="+formatBound(prop.max))
			set("hugely negative", `-99999999999999999999999999`, p, "min="+formatBound(prop.min))
			set("beyond float64", `1e400`, p, reasonType)
			set("a fraction", `1.5`, p, reasonType)
		}
		if v, ok := valid[p]; ok {
			add(p+": repeated", with(p, v, true), 422, p, reasonRepeated)
		}
		if upper := strings.ToUpper(p[:1]) + p[1:]; upper != p {
			add(p+": misspelt", with(upper, `null`, false), 422, upper, reasonUnknown)
		}
	}
	add("unknown field", with("bogus", `1`, false), 422, "bogus", reasonUnknown)
	add("unknown object", with("__proto__", `{"admin": true}`, false), 422, "__proto__", reasonUnknown)
	add("NUL in a field's name", with("a\x00", `1`, false), 422, `"a\x00"`, reasonUnknown)
	add("an array", `[]`, 422, "body", reasonType)
	add("a string", `"x"`, 422, "body", reasonType)
	add("a number", `1e999`, 422, "body", reasonType)
	add("null", `null`, 422, "body", reasonType)
	add("deep nesting", deep, 422, "body", reasonType)
	add("deep objects", strings.Repeat(`{"a":`, 3000)+`1`+strings.Repeat(`}`, 3000), 422, "a", reasonUnknown)
	add("two documents", with("", "", false)+` {}`, 400, "", "")
	add("truncated", `{"a": "`, 400, "", "")
	for _, ct := range []string{"text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
		"application/json; charset=iso-8859-1", "application/jsonx", ""} {
		out = append(out, hostile{name: "content type " + ct, contentType: ct, body: []byte(with("", "", false)), status: 415})
	}
	return out
}

// hostileQueries are hostile query strings for a route with these
// documented parameters.
func hostileQueries(params map[string]*schemaNode) []hostile {
	out := []hostile{
		{name: "unknown parameter", query: "bogus=1", status: 422, field: "bogus", reason: reasonUnknown},
		{name: "unknown parameter with NUL", query: "a%00=1", status: 422, field: `"a\x00"`, reason: reasonUnknown},
		{name: "token in the query", query: "access_token=x", status: 422, field: "access_token", reason: reasonUnknown},
	}
	names := make([]string, 0, len(params))
	for n := range params {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, p := range names {
		node := params[p]
		add := func(what, value, reason string) {
			out = append(out, hostile{name: p + ": " + what, query: url.QueryEscape(p) + "=" + value, status: 422, field: p, reason: reason})
		}
		out = append(out, hostile{name: p + ": repeated", query: p + "=1&" + p + "=1", status: 422, field: p, reason: reasonRepeated})
		if node.types&tInteger != 0 {
			add("2^63-1", "9223372036854775807", "max="+formatBound(node.max))
			add("2^64", "18446744073709551616", "max="+formatBound(node.max))
			add("beyond the maximum", formatBound(node.max+1), "max="+formatBound(node.max))
			add("below the minimum", formatBound(node.min-1), "min="+formatBound(node.min))
			add("not a number", "abc", reasonType)
			add("NUL", "1%00", reasonType)
			continue
		}
		add("NUL", "a%00b", reasonControl)
		add("control", "a%1bb", reasonControl)
		add("newline", "a%0Ab", reasonNewline)
		add("invalid UTF-8", "a%FFb", reasonUTF8)
		add("overlong", strings.Repeat("%C3%A9", node.maxLength+1), "max="+strconv.Itoa(node.maxLength))
	}
	return out
}

// TestHostileInputNeverPasses sends hostile bodies × every JSON route, and
// hostile query strings × every route: each is a 4xx naming the field,
// never a 5xx, and nothing in the database changes. A case file the caller
// may not see gets the same refusal, byte for byte, as one that does not
// exist.
func TestHostileInputNeverPasses(t *testing.T) {
	h := newHostileEnv(t)
	before := h.fingerprint(t)
	// Routes that delete what the others name, or end the caller's session,
	// come last: were the gate to let one of their requests through, the
	// others would still be tried.
	routes := registeredAPIRoutes(h.testEnv)
	last := []string{"DELETE /api/cases/:id", "POST /api/users/:id/block", "DELETE /api/users/:id",
		"POST /api/me/password", "DELETE /api/me/sessions/:id", "POST /api/auth/logout"}
	routes = append(slices.DeleteFunc(routes, func(r string) bool { return slices.Contains(last, r) }), last...)
	tried := 0
	for _, r := range routes {
		method, route, _ := strings.Cut(r, " ")
		rc := h.srv.contracts[r]
		if rc == nil {
			t.Errorf("%s: no contract", r)
			continue
		}
		var cases []hostile
		switch rc.bodyKind {
		case bodyJSON:
			cases = hostileBodies(rc.body, h.validBody(t, r, rc))
		case bodyNone:
			cases = hostileBodies(emptyObject, h.validBody(t, r, rc))
		}
		cases = append(cases, hostileQueries(rc.query)...)
		path := h.path(route)
		for _, tc := range cases {
			target := path
			if tc.query != "" {
				target += "?" + tc.query
			}
			headers := append(auth(h.superTok), "If-Match", fmt.Sprintf(`"%d"`, h.f.version))
			resp, body := h.doRaw(method, target, tc.contentType, tc.body, headers...)
			tried++
			what := fmt.Sprintf("%s %s: %s", method, route, tc.name)
			if resp.StatusCode >= 500 || resp.StatusCode != tc.status {
				t.Errorf("%s: %d %.300s, want %d", what, resp.StatusCode, body, tc.status)
				continue
			}
			if tc.status != 422 {
				continue
			}
			got, ok := decode[errResp](t, body).Error.Fields[tc.field]
			if !ok || (tc.reason != "" && got != tc.reason) {
				t.Errorf("%s: fields %s, want %s: %q", what, body, tc.field, tc.reason)
			}
		}
	}
	if tried < 2000 {
		t.Fatalf("only %d hostile requests: are the routes and contracts still listed?", tried)
	}
	h.unchanged(t, before, "hostile requests")
	t.Logf("%d hostile requests on %d routes", tried, len(routes))

	// On a case file the caller may not see, the refusal is the same bytes
	// as on one that does not exist.
	_, strangerTok := h.account(store.RoleEditor, "stranger@example.org")
	patch := h.srv.contracts["PATCH /api/cases/:id"]
	for _, tc := range hostileBodies(patch.body, h.validBody(t, "PATCH /api/cases/:id", patch))[:10] {
		_, seen := h.doRaw("PATCH", "/api/cases/"+h.f.id, tc.contentType, tc.body, auth(strangerTok)...)
		_, ghost := h.doRaw("PATCH", "/api/cases/"+nonexistentID, tc.contentType, tc.body, auth(strangerTok)...)
		if !bytes.Equal(seen, ghost) {
			t.Errorf("%s: %s on a case file one may not see, %s on none", tc.name, seen, ghost)
		}
	}
}

// Headers used as data are held to their documented bounds too.
func TestHostileHeaders(t *testing.T) {
	h := newHostileEnv(t)
	before := h.fingerprint(t)
	login := []byte(`{"email": "sa@example.org", "password": "a long enough passphrase"}`)
	for _, tc := range []struct {
		name, method, path, header, value string
		body                              []byte
		field, reason                     string
	}{
		{"user agent with invalid UTF-8", "POST", "/api/auth/login", "User-Agent", "Mozilla\xff", login, "user-agent", reasonUTF8},
		{"overlong user agent", "POST", "/api/auth/login", "User-Agent", strings.Repeat("M", 1025), login, "user-agent", "max=1024"},
		{"If-Match with invalid UTF-8", "PATCH", "/api/cases/" + h.f.id, "If-Match", "\"1\xff\"", []byte(`{"title": "Nouveau titre"}`), "if-match", reasonUTF8},
		{"overlong If-Match", "PATCH", "/api/cases/" + h.f.id, "If-Match", strings.Repeat("9", 65), []byte(`{"title": "Nouveau titre"}`), "if-match", "max=64"},
		{"overlong Accept-Language", "GET", "/api/health", "Accept-Language", strings.Repeat("fr,", 100), nil, "accept-language", "max=256"},
	} {
		ct := ""
		if tc.body != nil {
			ct = "application/json"
		}
		resp, body := h.doRaw(tc.method, tc.path, ct, tc.body, append(auth(h.superTok), tc.header, tc.value)...)
		if resp.StatusCode != 422 || decode[errResp](t, body).Error.Fields[tc.field] != tc.reason {
			t.Errorf("%s: %d %s, want 422 %s=%s", tc.name, resp.StatusCode, body, tc.field, tc.reason)
		}
	}
	h.unchanged(t, before, "hostile headers")
}

// An upload's form holds one file under its documented name, with a clean
// name, and nothing else.
func TestHostileUploads(t *testing.T) {
	h := newHostileEnv(t)
	before := h.fingerprint(t)
	form := func(parts ...[3]string) (string, []byte) { // {field, filename, content}; no filename: a plain value
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		for _, p := range parts {
			hdr := textproto.MIMEHeader{}
			if p[1] == "" {
				hdr.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q`, p[0]))
			} else {
				// Written by hand: the standard writer would escape the name.
				hdr.Set("Content-Disposition", `form-data; name="`+p[0]+`"; filename="`+p[1]+`"`)
				hdr.Set("Content-Type", "application/pdf")
			}
			pw, _ := w.CreatePart(hdr)
			pw.Write([]byte(p[2]))
		}
		w.Close()
		return w.FormDataContentType(), buf.Bytes()
	}
	pdf := string(samplePDF)
	for _, tc := range []struct {
		name          string
		parts         [][3]string
		field, reason string
	}{
		// A control character in a part's header makes the form unreadable: 400.
		{"control character in the file name", [][3]string{{"file", "a\x07.pdf", pdf}}, "", ""},
		{"invalid UTF-8 in the file name", [][3]string{{"file", "a\xff.pdf", pdf}}, "file", reasonUTF8},
		{"overlong file name", [][3]string{{"file", strings.Repeat("é", 256) + ".pdf", pdf}}, "file", "max=255"},
		{"two files", [][3]string{{"file", "a.pdf", pdf}, {"file", "b.pdf", pdf}}, "file", reasonRepeated},
		{"another file field", [][3]string{{"file", "a.pdf", pdf}, {"other", "b.pdf", pdf}}, "other", reasonUnknown},
		{"a plain field", [][3]string{{"file", "a.pdf", pdf}, {"note", "", "x"}}, "note", reasonUnknown},
	} {
		ct, body := form(tc.parts...)
		resp, b := h.doRaw("POST", "/api/cases/"+h.f.id+"/attachments", ct, body, auth(h.superTok)...)
		if tc.field == "" {
			if resp.StatusCode != 400 {
				t.Errorf("%s: %d %s, want 400", tc.name, resp.StatusCode, b)
			}
			continue
		}
		if resp.StatusCode != 422 || decode[errResp](t, b).Error.Fields[tc.field] != tc.reason {
			t.Errorf("%s: %d %s, want 422 %s=%s", tc.name, resp.StatusCode, b, tc.field, tc.reason)
		}
	}
	for _, ct := range []string{"application/json", "text/plain", "application/x-www-form-urlencoded"} {
		if resp, b := h.doRaw("POST", "/api/cases/"+h.f.id+"/attachments", ct, samplePDF, auth(h.superTok)...); resp.StatusCode != 415 {
			t.Errorf("upload as %s: %d %s", ct, resp.StatusCode, b)
		}
	}
	h.unchanged(t, before, "hostile uploads")
}

// Every string of every request body, query and header the gate reads has
// a maximum length in openapi.json, every number a range, every array a
// maximum of items, and every object lists its fields: compileContracts
// refuses a document without them, and every route has its contract.
func TestOpenAPIBoundsEveryInput(t *testing.T) {
	e := newTestEnv(t)
	for _, r := range registeredAPIRoutes(e) {
		if e.srv.contracts[r] == nil {
			t.Errorf("%s: no contract in openapi.json", r)
		}
	}
	for _, tc := range []struct{ name, doc string }{
		{"string without maxLength", `{"type": "object", "additionalProperties": false, "properties": {"a": {"type": "string"}}}`},
		{"integer without maximum", `{"type": "object", "additionalProperties": false, "properties": {"a": {"type": "integer", "minimum": 0}}}`},
		{"array without maxItems", `{"type": "object", "additionalProperties": false, "properties": {"a": {"type": "array", "items": {"type": "boolean"}}}}`},
		{"open object", `{"type": "object", "properties": {"a": {"type": "boolean"}}}`},
	} {
		doc := `{"paths": {"/api/x": {"post": {"requestBody": {"content": {"application/json": {"schema": ` + tc.doc + `}}}}}}}`
		if _, err := compileContracts([]byte(doc)); err == nil {
			t.Errorf("%s: compiled", tc.name)
		}
	}
}
