package server

import (
	"encoding/json"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The OpenAPI document served at /api/openapi.json is checked against the
// real app: every route the Fiber app registers under /api is documented with
// the same method and path, every documented operation exists, every $ref
// resolves, and the documented security matches what the guards do. The
// document can therefore never drift from the route table in routes().

// openAPIDoc fetches the document through the real app.
func openAPIDoc(t *testing.T, e *testEnv) map[string]any {
	t.Helper()
	resp, body := e.do("GET", "/api/openapi.json", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/openapi.json: %d %.200s", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("GET /api/openapi.json: Content-Type %q", ct)
	}
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("openapi.json is not valid JSON: %v", err)
	}
	return doc
}

// httpMethods are the operation keys of an OpenAPI path item.
var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// fiberParam matches a Fiber path parameter (":id").
var fiberParam = regexp.MustCompile(`:([A-Za-z0-9_]+)`)

// openAPIPath writes a Fiber route path as an OpenAPI path template.
func openAPIPath(p string) string { return fiberParam.ReplaceAllString(p, "{$1}") }

// operation is one documented method and path.
type operation struct {
	method, path string
	op           map[string]any
	item         map[string]any
}

func (o operation) key() string { return strings.ToUpper(o.method) + " " + o.path }

func operations(t *testing.T, doc map[string]any) []operation {
	t.Helper()
	paths, ok := doc["paths"].(map[string]any)
	if !ok || len(paths) == 0 {
		t.Fatal("openapi.json has no paths")
	}
	var out []operation
	for p, v := range paths {
		item, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("path %s is not an object", p)
		}
		for _, m := range httpMethods {
			if op, ok := item[m].(map[string]any); ok {
				out = append(out, operation{method: m, path: p, op: op, item: item})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key() < out[j].key() })
	return out
}

// resolve follows a local $ref ("#/components/...") in doc.
func resolve(doc map[string]any, ref string) (any, bool) {
	if !strings.HasPrefix(ref, "#/") {
		return nil, false
	}
	var cur any = doc
	for _, tok := range strings.Split(ref[2:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[tok]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// deref returns v itself, or what its $ref points to.
func deref(doc map[string]any, v any) map[string]any {
	m, _ := v.(map[string]any)
	if ref, ok := m["$ref"].(string); ok {
		r, _ := resolve(doc, ref)
		m, _ = r.(map[string]any)
	}
	return m
}

// public tells whether an operation is documented as needing no token.
func public(o operation) bool {
	sec, ok := o.op["security"].([]any)
	return ok && len(sec) == 0
}

func TestOpenAPIDocumentIsOpenAPI31(t *testing.T) {
	e := newTestEnv(t)
	doc := openAPIDoc(t, e)
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.1.") {
		t.Fatalf("openapi = %q, want 3.1.x", v)
	}
	info, _ := doc["info"].(map[string]any)
	if info["title"] == "" || info["title"] == nil || info["version"] == "" || info["version"] == nil {
		t.Fatalf("info without title or version: %v", info)
	}
	// The licence, as the LICENSE file states it; in OpenAPI 3.1 an SPDX
	// identifier, which excludes a url.
	if lic, _ := info["license"].(map[string]any); lic["identifier"] != "AGPL-3.0-or-later" || lic["name"] == nil || lic["url"] != nil {
		t.Fatalf("info.license: %v", info["license"])
	}
	// The bearer scheme is the default; public routes opt out with security: [].
	scheme := deref(doc, doc["components"].(map[string]any)["securitySchemes"].(map[string]any)["bearerAuth"])
	if scheme["type"] != "http" || scheme["scheme"] != "bearer" {
		t.Fatalf("bearerAuth scheme: %v", scheme)
	}
	if sec, _ := doc["security"].([]any); len(sec) != 1 {
		t.Fatalf("top-level security: %v", doc["security"])
	}
	ids := map[string]string{}
	for _, o := range operations(t, doc) {
		for _, k := range []string{"summary", "description", "operationId"} {
			if s, _ := o.op[k].(string); strings.TrimSpace(s) == "" {
				t.Errorf("%s: no %s", o.key(), k)
			}
		}
		id, _ := o.op["operationId"].(string)
		if prev, dup := ids[id]; dup {
			t.Errorf("operationId %q on both %s and %s", id, prev, o.key())
		}
		ids[id] = o.key()
		responses, _ := o.op["responses"].(map[string]any)
		if len(responses) == 0 {
			t.Errorf("%s: no responses", o.key())
		}
		success := false
		for code := range responses {
			if n, err := strconv.Atoi(code); err == nil && n >= 200 && n < 300 {
				success = true
			}
		}
		if !success {
			t.Errorf("%s: no 2xx response", o.key())
		}
		// A route behind the token documents its 401; a public one may have a
		// 401 of its own (invalid_credentials) but not the missing-token one.
		r401, has401 := responses["401"].(map[string]any)
		switch {
		case !public(o) && !has401:
			t.Errorf("%s: needs a token but documents no 401", o.key())
		case public(o) && has401 && r401["$ref"] == "#/components/responses/Unauthenticated":
			t.Errorf("%s: public, yet documents 401 unauthenticated", o.key())
		}
		// Every {param} of the template is declared as a path parameter, and
		// every declared path parameter is in the template.
		declared := map[string]bool{}
		for _, src := range []any{o.item["parameters"], o.op["parameters"]} {
			list, _ := src.([]any)
			for _, p := range list {
				pm := deref(doc, p)
				if pm == nil {
					t.Errorf("%s: unresolvable parameter %v", o.key(), p)
					continue
				}
				if pm["in"] == "path" {
					name, _ := pm["name"].(string)
					declared[name] = true
					if !strings.Contains(o.path, "{"+name+"}") {
						t.Errorf("%s: path parameter %q not in the template", o.key(), name)
					}
				}
			}
		}
		for _, m := range regexp.MustCompile(`\{([^}]+)\}`).FindAllStringSubmatch(o.path, -1) {
			if !declared[m[1]] {
				t.Errorf("%s: path parameter {%s} not declared", o.key(), m[1])
			}
		}
	}
}

// TestOpenAPICoversRouteTable: the documented operations are exactly the
// routes the Fiber app registers under /api.
func TestOpenAPICoversRouteTable(t *testing.T) {
	e := newTestEnv(t)
	doc := openAPIDoc(t, e)

	registered := map[string]bool{}
	routes := e.srv.App().GetRoutes(true) // true: without Use middleware
	gets := map[string]bool{}
	for _, r := range routes {
		if r.Method == http.MethodGet {
			gets[r.Path] = true
		}
	}
	for _, r := range routes {
		switch {
		case !strings.HasPrefix(r.Path, "/api/"):
			continue // the SPA
		case r.Path == "/api/*":
			continue // the JSON 404 for unknown API paths
		case r.Method == http.MethodHead && gets[r.Path]:
			continue // added by Fiber for every GET
		}
		if strings.ContainsAny(r.Path, "*?+") {
			t.Errorf("%s %s: a path OpenAPI cannot express; document it by hand and teach this test", r.Method, r.Path)
			continue
		}
		registered[r.Method+" "+openAPIPath(r.Path)] = true
	}
	if len(registered) < 50 {
		t.Fatalf("only %d API routes found: is GetRoutes still listing the route table?", len(registered))
	}

	documented := map[string]bool{}
	for _, o := range operations(t, doc) {
		documented[o.key()] = true
	}
	var missing, extra []string
	for k := range registered {
		if !documented[k] {
			missing = append(missing, k)
		}
	}
	for k := range documented {
		if !registered[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	for _, k := range missing {
		t.Errorf("route %s is not documented in server/openapi.json", k)
	}
	for _, k := range extra {
		t.Errorf("server/openapi.json documents %s, which the app does not serve", k)
	}
}

// TestOpenAPISecurityMatchesGuards: every operation documented as needing a
// token answers 401 without one, and no public one does.
func TestOpenAPISecurityMatchesGuards(t *testing.T) {
	e := newTestEnv(t)
	doc := openAPIDoc(t, e)
	param := regexp.MustCompile(`\{[^}]+\}`)
	for _, o := range operations(t, doc) {
		path := param.ReplaceAllString(o.path, nonexistentID)
		resp, body := e.doRaw(strings.ToUpper(o.method), path, "", nil)
		// A guard answers 401 unauthenticated; a public login may answer 401
		// invalid_credentials to empty credentials, which is not a guard.
		guarded := resp.StatusCode == http.StatusUnauthorized && strings.Contains(string(body), `"unauthenticated"`)
		if got := guarded; got == public(o) {
			t.Errorf("%s without a token: %d %s, but documented public = %v", o.key(), resp.StatusCode, body, public(o))
		}
	}
}

// TestOpenAPIRefsResolve: every $ref points at something in the document,
// and every reusable component is used.
func TestOpenAPIRefsResolve(t *testing.T) {
	e := newTestEnv(t)
	doc := openAPIDoc(t, e)
	used := map[string]bool{}
	var walk func(where string, v any)
	walk = func(where string, v any) {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"]; ok {
				s, _ := ref.(string)
				if _, ok := resolve(doc, s); !ok {
					t.Errorf("%s: $ref %q does not resolve", where, ref)
				}
				used[s] = true
			}
			for k, c := range x {
				walk(where+"/"+k, c)
			}
		case []any:
			for i, c := range x {
				walk(where+"/"+strconv.Itoa(i), c)
			}
		}
	}
	walk("#", doc)
	if len(used) == 0 {
		t.Fatal("no $ref at all")
	}
	components, _ := doc["components"].(map[string]any)
	for _, kind := range []string{"schemas", "responses", "parameters", "headers"} {
		group, _ := components[kind].(map[string]any)
		for name := range group {
			if ref := "#/components/" + kind + "/" + name; !used[ref] {
				t.Errorf("%s is never used", ref)
			}
		}
	}
}

// TestOpenAPIErrorCodes: the documented error codes are exactly the codes
// the server has messages for (and so can send).
func TestOpenAPIErrorCodes(t *testing.T) {
	e := newTestEnv(t)
	doc := openAPIDoc(t, e)
	r, ok := resolve(doc, "#/components/schemas/ErrorCode")
	if !ok {
		t.Fatal("no ErrorCode schema")
	}
	enum, _ := r.(map[string]any)["enum"].([]any)
	documented := map[string]bool{}
	for _, c := range enum {
		s, _ := c.(string)
		documented[s] = true
		if _, ok := messages[s]; !ok || s == "generic" {
			t.Errorf("ErrorCode %q is documented but the server has no such code", s)
		}
	}
	for code := range messages {
		if code != "generic" && !documented[code] {
			t.Errorf("error code %q is missing from ErrorCode in server/openapi.json", code)
		}
	}
}
