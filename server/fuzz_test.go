package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"cloison/store"
)

// Fuzz targets for every parser of outside input: each route's query and
// body through the real app, uploads, If-Match, Authorization (and, in
// server/config, the configuration file). `go test ./...` runs their seed
// corpora (testdata/fuzz and the f.Add calls); `make fuzz` runs each for as
// long as asked. The CSV import of memberships does not exist yet: when it
// does, its parser gets a target here too.
//
// The invariant everywhere: whatever arrives, the answer is never a 5xx.

// fuzzRoutes are the routes the body fuzzer drives, in a fixed order (the
// fuzzer's first byte picks one). Ending the caller's session or deleting
// the case file the others name would only make the rest answer 401 or 404.
func fuzzRoutes(h *hostileEnv) []string {
	skip := []string{"POST /api/auth/logout", "DELETE /api/me/sessions/:id", "DELETE /api/cases/:id", "POST /api/cases/:id/attachments"}
	return slices.DeleteFunc(registeredAPIRoutes(h.testEnv), func(r string) bool { return slices.Contains(skip, r) })
}

// fuzzSend sends one request as the superadmin and fails on a 5xx. A
// session the fuzzer managed to end (a changed password ends the others)
// is replaced.
func (h *hostileEnv) fuzzSend(t *testing.T, method, target, contentType string, body []byte, headers ...string) (*http.Response, []byte) {
	t.Helper()
	// A request that cannot even be written on the wire is no input.
	if _, err := http.ReadRequest(bufio.NewReader(strings.NewReader(method + " " + target + " HTTP/1.0\r\n\r\n"))); err != nil {
		t.Skip()
	}
	// The fuzz function runs one input at a time in each process: the
	// helpers report through this input's t.
	h.t = t
	resp, b, err := h.trySend(false, method, target, contentType, body, append(auth(h.superTok), headers...)...)
	if err != nil {
		// fasthttp refuses headers beyond its buffer before any handler runs:
		// a 431 on a socket (TestHeadersOnErrorsBeforeRouting), an error
		// through app.Test.
		if strings.Contains(err.Error(), "small read buffer") {
			return &http.Response{StatusCode: http.StatusRequestHeaderFieldsTooLarge}, nil
		}
		t.Fatal(err)
	}
	if resp.StatusCode >= 500 {
		t.Fatalf("%s %s %q %q: %d %s", method, target, contentType, body, resp.StatusCode, b)
	}
	if resp.StatusCode == http.StatusUnauthorized && strings.Contains(string(b), `"unauthenticated"`) {
		h.freshSuperadmin(t)
	}
	return resp, b
}

// freshSuperadmin replaces the fuzzer's superadmin, whose session an input
// ended: a new account, logged in through the store, so that neither the
// fuzzed logins' throttling nor a password the fuzzer changed stands in
// the way.
func (h *hostileEnv) freshSuperadmin(t *testing.T) {
	h.fuzzAccounts++
	email := fmt.Sprintf("sa%d@example.org", h.fuzzAccounts)
	ctx := context.Background()
	if _, err := h.store.CreateAccount(ctx, testHasher, store.Actor{ClientIP: "harness"},
		store.NewAccount{Email: email, Name: "Sa", Password: "a long enough passphrase", Role: store.RoleSuperadmin}); err != nil {
		t.Fatal(err)
	}
	l, err := h.store.Login(ctx, testHasher, email, "a long enough passphrase", "", "harness", "")
	if err != nil {
		t.Fatal(err)
	}
	h.superTok = l.Token
	if err := h.store.OpenCaseAsAdmin(ctx, h.actorOf(h.superTok), h.f.id, "Contrôle demandé par le bureau"); err != nil && !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
}

// FuzzRouteInput sends a query string and a JSON body to every route of the
// real app over a real database.
func FuzzRouteInput(f *testing.F) {
	h := newHostileEnv(f)
	routes := fuzzRoutes(h)
	for i, r := range routes {
		if body, ok := validBodies[r]; ok {
			f.Add(uint8(i), "", strings.ReplaceAll(body, "{editor}", h.params["/api/users|id"]))
		}
	}
	f.Add(uint8(0), "page=2&per_page=10", "")
	f.Add(uint8(0), "q=r%C3%A9f%C3%A9r%C3%A9&status=open&sort=-created", "{}")
	f.Fuzz(func(t *testing.T, route uint8, query, body string) {
		r := routes[int(route)%len(routes)]
		method, path, _ := strings.Cut(r, " ")
		target := h.path(path)
		if query != "" {
			target += "?" + query
		}
		ct := ""
		if body != "" {
			ct = "application/json"
		}
		resp, b := h.fuzzSend(t, method, target, ct, []byte(body), "If-Match", `"1"`)
		// Whatever passed the gate was clean: an answer never carries back
		// a control character that came in.
		if resp.StatusCode < 300 && bytes.Contains(b, []byte(`\u0000`)) {
			t.Fatalf("%s: a NUL went through: %s", r, b)
		}
	})
}

// FuzzJSONGate holds the gate's body check to what it promises: on any
// schema, an accepted document is valid JSON whose every string is valid
// UTF-8 without control characters but tab (and newline where allowed),
// within its length, with no field the schema does not list.
func FuzzJSONGate(f *testing.F) {
	contracts, err := compileContracts(openapiDoc)
	if err != nil {
		f.Fatal(err)
	}
	var keys []string
	for k, rc := range contracts {
		if rc.bodyKind == bodyJSON {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for i, k := range keys {
		if body, ok := validBodies[k]; ok {
			f.Add(uint8(i), []byte(body))
		}
	}
	f.Add(uint8(0), []byte(`{"a\u0000": "\ud800\udc00", "b": [[[1e999]]]}`))
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		node := contracts[keys[int(which)%len(keys)]].body
		if checkJSON(body, node) != nil {
			return
		}
		if !json.Valid(body) || !utf8.Valid(body) {
			t.Fatalf("accepted invalid JSON or UTF-8: %q", body)
		}
		var v any
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("accepted %q: %v", body, err)
		}
		if why := cleanAgainst(v, node); why != "" {
			t.Fatalf("accepted %q: %s", body, why)
		}
	})
}

// cleanAgainst re-checks a decoded value against node, independently of
// the walker: "" when it holds.
func cleanAgainst(v any, node *schemaNode) string {
	switch x := v.(type) {
	case map[string]any:
		if node.types&tObject == 0 {
			return "an object where none is allowed"
		}
		if node.values != nil && len(x) > node.maxProps {
			return "a map with too many entries"
		}
		for k, c := range x {
			child := node.props[k]
			if child == nil && node.values != nil && utf8.RuneCountInString(k) <= node.keyMax {
				child = node.values
			}
			if child == nil {
				return "unknown field " + k
			}
			if why := cleanAgainst(c, child); why != "" {
				return k + ": " + why
			}
		}
	case []any:
		if node.types&tArray == 0 || len(x) > node.maxItems {
			return "an array where none is allowed, or too long"
		}
		for _, c := range x {
			if why := cleanAgainst(c, node.items); why != "" {
				return why
			}
		}
	case string:
		if node.types&tString == 0 || utf8.RuneCountInString(x) > node.maxLength || strings.ContainsRune(x, utf8.RuneError) {
			return "a string where none is allowed, too long, or rewritten"
		}
		for _, r := range x {
			if r != '\t' && (r < 0x20 && (r != '\n' || !node.multiline) || r >= 0x7f && r <= 0x9f) {
				return "a control character"
			}
		}
	case json.Number:
		if node.types&(tInteger|tNumber) == 0 {
			return "a number where none is allowed"
		}
	case bool:
		if node.types&tBoolean == 0 {
			return "a boolean where none is allowed"
		}
	case nil:
		if node.types&tNull == 0 {
			return "null where it is not allowed"
		}
	}
	return ""
}

// FuzzUpload sends any multipart body (and content type) to the upload route.
func FuzzUpload(f *testing.F) {
	h := newHostileEnv(f)
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.SetBoundary("cloisonboundary")
	fw, _ := w.CreateFormFile("file", "courrier.pdf")
	fw.Write(samplePDF)
	w.Close()
	f.Add(w.FormDataContentType(), buf.Bytes())
	f.Add("multipart/form-data; boundary=x", []byte("--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nbonjour\r\n--x--\r\n"))
	f.Add("multipart/form-data; boundary=x", []byte("--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\x00.txt\"\r\n\r\n\r\n--x--"))
	path := "/api/cases/" + h.f.id + "/attachments"
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		h.fuzzSend(t, "POST", path, contentType, body)
	})
}

// FuzzIfMatch sends any If-Match with a valid change: a version it names
// is a 200 only when it is the current one.
func FuzzIfMatch(f *testing.F) {
	h := newHostileEnv(f)
	for _, s := range []string{`"1"`, `W/"1"`, `1`, `"-1"`, `"99999999999999999999"`, `*`, `"1", "2"`, "\"1\x00\"", ""} {
		f.Add(s)
	}
	body := []byte(`{"place": "Maternité du Centre"}`)
	f.Fuzz(func(t *testing.T, ifMatch string) {
		resp, b := h.fuzzSend(t, "PATCH", "/api/cases/"+h.f.id, "application/json", body, "If-Match", ifMatch)
		switch resp.StatusCode {
		case 200, 400, 412, 422, 428, 431:
		default:
			t.Fatalf("If-Match %q: %d %s", ifMatch, resp.StatusCode, b)
		}
	})
}

// FuzzAuthorization sends any Authorization header: only the real token
// opens the account; anything else is 401 (or 400 for a header that
// cannot be read).
func FuzzAuthorization(f *testing.F) {
	e := newTestEnv(f)
	_, tok := e.account(store.RoleEditor, "ed@example.org")
	for _, s := range []string{"Bearer " + tok, "bearer " + tok, "Bearer  " + tok + " ", "Basic " + tok, "Bearer", "Bearer \x00", tok, ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		e.t = t
		resp, b, err := e.trySend(false, "GET", "/api/me", "", nil, "Authorization", header)
		if err != nil {
			if strings.Contains(err.Error(), "small read buffer") {
				return // 431 on a socket: see fuzzSend
			}
			t.Fatal(err)
		}
		switch resp.StatusCode {
		case 200:
			if len(header) < 7 || !strings.EqualFold(header[:7], "bearer ") || strings.TrimSpace(header[7:]) != tok {
				t.Fatalf("%q opened the account", header)
			}
		case 400, 401, 431:
		default:
			t.Fatalf("Authorization %q: %d %s", header, resp.StatusCode, b)
		}
	})
}
