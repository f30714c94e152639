package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// The contract test: every answer the real app gives during `go test
// ./server` is checked against the operation the served document declares
// for its method and path (testEnv.send calls checkAnswer), so that a
// generated client that reads the document literally is never surprised.
// An answer fails the test that caused it when its status is not declared,
// its body does not match the declared schema or content type, it lacks a
// declared header, or it has a body where the document declares none. It is
// generic over the document: a route added to it is checked from then on.
// Paths the document does not hold (the web interface, unknown /api paths)
// are not checked here; TestOpenAPIMatchesRoutes keeps the document and the
// route table together.

// answerContract is the served document, loaded and validated once, and a
// router that finds a request's operation in it.
type answerContract struct {
	doc    *openapi3.T
	router routers.Router
}

var loadAnswerContract = sync.OnceValues(func() (*answerContract, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(openapiDoc)
	if err != nil {
		return nil, fmt.Errorf("openapi.json: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("openapi.json is not a valid OpenAPI document: %w", err)
	}
	// The document's one server is "/": requests are matched on their path
	// alone, whatever host the test used.
	doc.Servers = nil
	r, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, err
	}
	return &answerContract{doc: doc, router: r}, nil
})

// contractOptions ask for the strict reading: a status the operation does
// not declare is a mismatch, not "anything goes".
var contractOptions = &openapi3filter.Options{
	IncludeResponseStatus: true,
	ExcludeRequestBody:    true,
	MultiError:            true,
	AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
}

// checkAnswer validates one answer against the document and returns what
// does not match ("" when it does, or when the document has no operation
// for the request).
func checkAnswer(method, target string, resp *http.Response, body []byte) string {
	ac, err := loadAnswerContract()
	if err != nil {
		return err.Error()
	}
	req, err := http.NewRequest(method, target, nil)
	if err != nil {
		return ""
	}
	route, params, err := ac.router.FindRoute(req)
	if err != nil {
		return ""
	}
	what := fmt.Sprintf("contract: %s %s answered %d", method, route.Path, resp.StatusCode)
	if method == http.MethodHead {
		return ""
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: contractOptions},
		Status:                 resp.StatusCode,
		Header:                 resp.Header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                contractOptions,
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		return fmt.Sprintf("%s: %s (body %.300s)", what, contractError(err), body)
	}
	// The validator leaves alone a body the document does not announce.
	if ref := route.Operation.Responses.Status(resp.StatusCode); ref != nil && ref.Value != nil && len(ref.Value.Content) == 0 && len(body) > 0 {
		return fmt.Sprintf("%s: a body (%s) where the document declares none: %.200s", what, resp.Header.Get("Content-Type"), body)
	}
	return ""
}

// contractError says what did not match, shortly: the schema errors of a
// MultiError, one per line, without the whole schema kin-openapi prints.
func contractError(err error) string {
	var re *openapi3filter.ResponseError
	if errors.As(err, &re) {
		msg := re.Reason
		var me openapi3.MultiError
		if errors.As(re.Err, &me) {
			var parts []string
			for _, e := range me {
				parts = append(parts, schemaErrorLine(e))
			}
			return msg + ": " + strings.Join(parts, "; ")
		}
		if re.Err != nil {
			return msg + ": " + schemaErrorLine(re.Err)
		}
		return msg
	}
	return err.Error()
}

func schemaErrorLine(err error) string {
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		return fmt.Sprintf("at %s: %s", strings.Join(se.JSONPointer(), "."), se.Reason)
	}
	s := err.Error()
	if i := strings.Index(s, "\nSchema:"); i > 0 {
		s = s[:i]
	}
	return s
}

// TestAnswerContractLoads fails once, clearly, when the document cannot be
// read as OpenAPI (every other test would otherwise report it).
func TestAnswerContractLoads(t *testing.T) {
	if _, err := loadAnswerContract(); err != nil {
		t.Fatal(err)
	}
}

// TestEveryResponseDeclaresTheCommonHeaders: the headers stamp gives every
// answer are declared on every response of every operation, so that a
// client generated from the document knows them (the contract test then
// checks they are there).
func TestEveryResponseDeclaresTheCommonHeaders(t *testing.T) {
	ac, err := loadAnswerContract()
	if err != nil {
		t.Fatal(err)
	}
	common := []string{"X-Request-Id", "Cache-Control", "Content-Security-Policy", "X-Content-Type-Options",
		"Referrer-Policy", "X-Frame-Options", "Cross-Origin-Opener-Policy", "Cross-Origin-Resource-Policy",
		"Permissions-Policy", "Strict-Transport-Security"}
	for path, item := range ac.doc.Paths.Map() {
		for method, op := range item.Operations() {
			for status, ref := range op.Responses.Map() {
				for _, h := range common {
					if ref.Value == nil || ref.Value.Headers[h] == nil {
						t.Errorf("%s %s %s: header %s not declared", method, path, status, h)
					}
				}
			}
		}
	}
}

// The contract check itself fails on each kind of mismatch, so that a
// green run means the answers matched.
func TestCheckAnswerCatchesMismatches(t *testing.T) {
	e := newTestEnv(t)
	resp, body := e.do("GET", "/api/health", nil)
	if msg := checkAnswer("GET", "/api/health", resp, body); msg != "" {
		t.Fatalf("a real answer: %s", msg)
	}
	with := func(edit func(h http.Header)) *http.Response {
		r := *resp
		r.Header = resp.Header.Clone()
		edit(r.Header)
		return &r
	}
	for _, tc := range []struct {
		name, method, path string
		resp               *http.Response
		body               string
		want               string
	}{
		{"undeclared status", "GET", "/api/health", &http.Response{StatusCode: 418, Header: resp.Header}, `{}`, "status is not supported"},
		{"body off the schema", "GET", "/api/health", resp, `{"status":"ok"}`, "doesn't match schema"},
		{"wrong content type", "GET", "/api/health", with(func(h http.Header) { h.Set("Content-Type", "text/plain") }), string(body), "text/plain"},
		{"a common header missing", "GET", "/api/health", with(func(h http.Header) { h.Del("X-Request-Id") }), string(body), "X-Request-Id"},
		{"a body where none is declared", "DELETE", "/api/cases/" + nonexistentID + "/attachments/" + nonexistentID,
			&http.Response{StatusCode: 204, Header: resp.Header}, `{"x":1}`, "declares none"},
	} {
		if msg := checkAnswer(tc.method, tc.path, tc.resp, []byte(tc.body)); !strings.Contains(msg, tc.want) {
			t.Errorf("%s: %q, want it to say %q", tc.name, msg, tc.want)
		}
	}
	// A path the document does not hold (the web interface) is not its to judge.
	if msg := checkAnswer("GET", "/cases/x", &http.Response{StatusCode: 200, Header: http.Header{}}, []byte("<html>")); msg != "" {
		t.Errorf("the SPA's path: %s", msg)
	}
}
