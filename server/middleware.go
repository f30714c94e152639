package server

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// contentSecurityPolicy allows nothing but the instance's own scripts, styles,
// images and API: no inline script, no third party, no framing.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

const localsRequestID = "request_id"

func requestID(c *fiber.Ctx) string {
	id, _ := c.Locals(localsRequestID).(string)
	return id
}

// newRequestID draws a request's correlation id: 16 hex digits from the
// runtime's generator, which, unlike crypto/rand, costs no system call. The
// id is not a secret: it only lets a log line be found from an answer.
func newRequestID() string {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], rand.Uint64())
	return hex.EncodeToString(b[:])
}

// securityHeaders sets, before anything else runs, the headers every response
// carries, so errors and panics get them too.
func (s *Server) securityHeaders(c *fiber.Ctx) error {
	s.stamp(c)
	return c.Next()
}

// fixedHeaders are the headers every answer carries, written as they go on
// the wire (SetCanonical: no name to normalise on every request).
var fixedHeaders = [][2][]byte{
	{[]byte(fiber.HeaderContentSecurityPolicy), []byte(contentSecurityPolicy)},
	{[]byte(fiber.HeaderXContentTypeOptions), []byte("nosniff")},
	{[]byte(fiber.HeaderReferrerPolicy), []byte("no-referrer")},
	{[]byte(fiber.HeaderXFrameOptions), []byte("DENY")},
	{[]byte("Cross-Origin-Opener-Policy"), []byte("same-origin")},
	{[]byte("Cross-Origin-Resource-Policy"), []byte("same-origin")},
	{[]byte("Permissions-Policy"), []byte("camera=(), microphone=(), geolocation=(), interest-cohort=()")},
}

var headerRequestID = []byte("X-Request-Id")

// stamp gives a response the headers every answer carries and the request a
// correlation id. The middleware calls it first; the error handler calls it
// for the errors Fiber raises before any middleware runs (a body over the
// limit, headers too large, a request that cannot be read), which would
// otherwise leave without a policy, nosniff, no-store or request id.
func (s *Server) stamp(c *fiber.Ctx) {
	if requestID(c) != "" {
		return
	}
	id := newRequestID()
	c.Locals(localsRequestID, id)
	h := &c.Response().Header
	h.SetCanonical(headerRequestID, []byte(id))
	for _, kv := range fixedHeaders {
		h.SetCanonical(kv[0], kv[1])
	}
	if c.Protocol() == "https" {
		h.Set(fiber.HeaderStrictTransportSecurity, "max-age=63072000; includeSubDomains")
	}
	if strings.HasPrefix(c.Path(), "/api/") || c.Path() == "/api" {
		h.Set(fiber.HeaderCacheControl, "no-store")
	}
}

// logRequests logs one line for each request: method, path, status and
// duration under its correlation id, never a header, a query string or a
// body, which may hold tokens, search terms or personal data.
func (s *Server) logRequests(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	if err != nil {
		// Render now so the logged status is the one sent.
		if herr := s.renderError(c, err); herr != nil {
			return herr
		}
	}
	s.logRequest(c, start)
	return nil
}

func (s *Server) logRequest(c *fiber.Ctx, start time.Time) {
	// Typed attributes, in an array on the stack: nothing boxed per request.
	status := c.Response().StatusCode()
	attrs := [6]slog.Attr{slog.String("request_id", requestID(c)), slog.String("method", c.Method()), slog.String("path", c.Path()),
		slog.Int("status", status), slog.Int64("duration_ms", time.Since(start).Milliseconds())}
	n := 5
	// A refused upload (over the body limit, or a file refused by its
	// route) says how big it was: the size someone tried is what an admin
	// needs to set attachments.max_size_mb, and it names nobody.
	if status == fiber.StatusRequestEntityTooLarge ||
		status >= 400 && strings.HasPrefix(string(c.Request().Header.ContentType()), fiber.MIMEMultipartForm) {
		attrs[n], n = slog.Int("refused_bytes", c.Request().Header.ContentLength()), n+1
	}
	s.log.LogAttrs(context.Background(), slog.LevelInfo, "request", attrs[:n]...)
}
