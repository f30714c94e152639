package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"cloison/store"
)

// The input gate is the one place every string from outside is checked
// before a handler sees it: it is the first handler of every API route (see
// routes), and parse, the one body decoder, reads only what it let through.
// What it checks comes from the OpenAPI document the binary serves, compiled
// once at start into a contract per route: every body field, query parameter
// and path parameter has a type and a maximum length there, and a field the
// document does not list is refused by name, so that a misspelt field is
// never silently ignored.
//
// A string is refused, not rewritten, when it is not valid UTF-8 (a lone
// surrogate escape included), holds NUL or another control character (tab
// always allowed; newline only in fields marked x-multiline), or is longer
// than its maxLength in characters. A JSON route answers 415 to another
// content type, 413 to a body over maxJSONBody; a malformed body is 400;
// everything else is 422 with the offending field named (nested fields as
// "a.b", array items as "a.2", the body itself as "body").
//
// What the gate does not check is the meaning (a known category, a date that
// parses, a role above one's own): the store's validation does, so the SPA,
// the command line and the tests get the same rules.

// maxJSONBody bounds a JSON request: the longest documented body (a case
// file's summary, 20,000 characters each escaped as \uXXXX) fits five times.
const maxJSONBody = 1 << 20

// Reasons the gate gives for a field, beside the validator's "max=N", "min=N".
const (
	reasonUnknown    = "unknown_field"
	reasonType       = "type"
	reasonUTF8       = "invalid_utf8"
	reasonControl    = "control_character"
	reasonNewline    = "newline"
	reasonRepeated   = "repeated"
	reasonMaxItems   = "max_items"
	reasonNotAllowed = "not_allowed"
)

// maxFieldErrors bounds how many fields one refusal names.
const maxFieldErrors = 20

// Body kinds of a route's contract.
const (
	bodyNone      = iota // only an empty body or {}
	bodyJSON             // application/json, checked against a schema
	bodyMultipart        // multipart/form-data: named files and values
)

// routeContract is what the gate lets through on one route.
type routeContract struct {
	bodyKind int
	body     *schemaNode            // bodyJSON: the body's schema
	files    map[string]*schemaNode // bodyMultipart: file fields, their filename's bound
	values   map[string]*schemaNode // bodyMultipart: plain fields
	query    map[string]*schemaNode
	path     map[string]*schemaNode
	header   map[string]*schemaNode
}

const localsGated = "gated_body"

// gate is the first handler of every API route: it checks the path and
// query parameters, the header values used as data and the body against the
// route's contract, and refuses with a 4xx naming the field; only then do
// the guards and the handler run.
func (s *Server) gate(c *fiber.Ctx) error {
	method := c.Method()
	if method == fiber.MethodHead {
		method = fiber.MethodGet
	}
	rc := s.contracts[method+" "+c.Route().Path]
	if rc == nil {
		return fmt.Errorf("gate: no contract for %s %s", method, c.Route().Path)
	}
	for _, name := range c.Route().Params {
		v := c.Params(name)
		if node := rc.path[name]; node == nil || node.checkString(v) != "" {
			// No id of any kind holds such a thing: it names nothing.
			return errNotFound
		}
	}
	// Header values used as data (If-Match, Accept-Language, the User-Agent
	// a session keeps) are documented parameters like any other. Headers too
	// large for the server's buffers never get here: fasthttp answers 431.
	fe := fieldErrors{}
	for name, node := range rc.header {
		if v := c.Request().Header.Peek(name); len(v) > 0 {
			if r := checkText(v, node.maxLength, false); r != "" {
				fe.add(strings.ToLower(name), r)
			}
		}
	}
	s.gateQuery(c, rc, fe)
	if len(fe) > 0 {
		return &store.ValidationError{Fields: fe}
	}
	switch rc.bodyKind {
	case bodyMultipart:
		return s.gateMultipart(c, rc)
	case bodyJSON:
		if err := gateJSON(c, rc.body); err != nil {
			return err
		}
	default:
		if err := gateJSON(c, emptyObject); err != nil {
			return err
		}
	}
	c.Locals(localsGated, true)
	return c.Next()
}

// gateQuery checks every query parameter: documented, given once, its value
// clean and within its bounds.
func (s *Server) gateQuery(c *fiber.Ctx, rc *routeContract, fe fieldErrors) {
	seen := map[string]bool{}
	c.Request().URI().QueryArgs().VisitAll(func(k, v []byte) {
		name := fieldName(k)
		node := rc.query[string(k)]
		switch {
		case node == nil:
			fe.add(name, reasonUnknown)
		case seen[string(k)]:
			fe.add(name, reasonRepeated)
		default:
			if r := node.checkQuery(v); r != "" {
				fe.add(name, r)
			}
		}
		seen[string(k)] = true
	})
}

// gateJSON checks a JSON body against node. An empty body passes: the
// store's validation names the fields that are missing.
func gateJSON(c *fiber.Ctx, node *schemaNode) error {
	body := c.Body()
	if len(body) == 0 {
		return nil
	}
	mt, params, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil || mt != fiber.MIMEApplicationJSON {
		return errUnsupportedMediaType
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return errUnsupportedMediaType
	}
	if len(body) > maxJSONBody {
		return fiber.ErrRequestEntityTooLarge
	}
	return checkJSON(body, node)
}

// checkJSON walks one JSON document against node; it is the gate's body
// check without Fiber, which the fuzz targets call directly too.
func checkJSON(body []byte, node *schemaNode) error {
	w := &jsonWalker{body: body, dec: json.NewDecoder(bytes.NewReader(body)), fields: fieldErrors{}}
	w.dec.UseNumber()
	if err := w.value(node, ""); err != nil {
		return err
	}
	// With its fields full the walk stopped early, in the middle of the
	// document: what it found is the answer.
	if _, err := w.dec.Token(); err != io.EOF && !w.fields.full() {
		return errBadRequest // something after the document
	}
	if len(w.fields) > 0 {
		return &store.ValidationError{Fields: w.fields}
	}
	return nil
}

// gateMultipart checks a multipart body: its content type, its fields (only
// the documented ones, each once) and the names of its files.
func (s *Server) gateMultipart(c *fiber.Ctx, rc *routeContract) error {
	mt, _, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil || mt != fiber.MIMEMultipartForm {
		if len(c.Body()) == 0 {
			return c.Next() // nothing sent: the store names the missing file
		}
		return errUnsupportedMediaType
	}
	form, err := c.MultipartForm()
	if err != nil {
		return errBadRequest
	}
	fe := fieldErrors{}
	for k, vs := range form.Value {
		fe.checkPart(k, rc.values[k], vs)
	}
	for k, fs := range form.File {
		names := make([]string, len(fs))
		for i, f := range fs {
			names[i] = f.Filename
		}
		fe.checkPart(k, rc.files[k], names)
	}
	if len(fe) > 0 {
		return &store.ValidationError{Fields: fe}
	}
	c.Locals(localsGated, true)
	return c.Next()
}

// fieldErrors collects the reason of each refused field, the first one for
// each field, and at most maxFieldErrors of them.
type fieldErrors map[string]string

func (fe fieldErrors) add(field, reason string) {
	if _, ok := fe[field]; !ok && len(fe) < maxFieldErrors {
		fe[field] = reason
	}
}

// checkPart checks a multipart field given with these values (for a file,
// its file names): documented, given once, clean.
func (fe fieldErrors) checkPart(name string, node *schemaNode, values []string) {
	switch {
	case node == nil:
		fe.add(fieldName([]byte(name)), reasonUnknown)
	case len(values) > 1:
		fe.add(name, reasonRepeated)
	default:
		if r := node.checkString(values[0]); r != "" {
			fe.add(name, r)
		}
	}
}

func (fe fieldErrors) full() bool { return len(fe) >= maxFieldErrors }

// fieldName is how a field the gate refuses is named back: as sent when it
// is clean and short, else quoted in ASCII and cut, so that an answer never
// echoes control characters or broken UTF-8.
func fieldName(k []byte) string {
	if checkText(k, 64, false) == "" && len(k) > 0 {
		return string(k)
	}
	q := strconv.QuoteToASCII(string(k))
	if len(q) > 64 {
		q = q[:61] + "..."
	}
	return q
}

// checkText is the gate's rule for every string: valid UTF-8, no control
// character but tab (and newline when multiline), at most max characters.
func checkText(b []byte, max int, multiline bool) string {
	if !utf8.Valid(b) {
		return reasonUTF8
	}
	n := 0
	for _, r := range string(b) {
		n++
		switch {
		case r == '\t':
		case r == '\n':
			if !multiline {
				return reasonNewline
			}
		case r < 0x20, r >= 0x7f && r <= 0x9f:
			return reasonControl
		}
	}
	if max >= 0 && n > max {
		return "max=" + strconv.Itoa(max)
	}
	return ""
}

// Types a schema node accepts, as a bit set.
const (
	tString = 1 << iota
	tInteger
	tNumber
	tBoolean
	tNull
	tObject
	tArray
)

// schemaNode is the part of a JSON schema the gate enforces.
type schemaNode struct {
	types     int
	maxLength int  // strings, in characters
	multiline bool // strings: newline allowed
	min, max  float64
	props     map[string]*schemaNode // objects: the only fields allowed
	values    *schemaNode            // maps: every value (keys not in props)
	keyMax    int                    // maps: a key's length, in characters
	maxProps  int                    // maps: the number of entries
	items     *schemaNode            // arrays
	maxItems  int
}

// emptyObject is the contract of a route that takes no body: nothing, or {}.
var emptyObject = &schemaNode{types: tObject, props: map[string]*schemaNode{}}

func (n *schemaNode) checkString(s string) string {
	if n.types&tString == 0 {
		return reasonType
	}
	return checkText([]byte(s), n.maxLength, n.multiline)
}

// checkQuery checks a query value: a string, or a number in its bounds.
func (n *schemaNode) checkQuery(v []byte) string {
	if n.types&(tInteger|tNumber) != 0 && n.types&tString == 0 {
		return n.checkNumber(string(v))
	}
	return n.checkString(string(v))
}

func (n *schemaNode) checkNumber(s string) string {
	if n.types&tInteger != 0 {
		i, err := strconv.ParseInt(s, 10, 64)
		var ne *strconv.NumError
		switch {
		case errors.As(err, &ne) && ne.Err == strconv.ErrRange:
			if strings.HasPrefix(s, "-") {
				return "min=" + formatBound(n.min)
			}
			return "max=" + formatBound(n.max)
		case err != nil:
			return reasonType
		}
		return n.inBounds(float64(i))
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return reasonType
	}
	return n.inBounds(f)
}

func (n *schemaNode) inBounds(f float64) string {
	if f < n.min {
		return "min=" + formatBound(n.min)
	}
	if f > n.max {
		return "max=" + formatBound(n.max)
	}
	return ""
}

func formatBound(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// jsonWalker reads a JSON document token by token beside its schema. A
// value of the wrong type is skipped without descending into it, so a deeply
// nested value costs one pass and no stack.
type jsonWalker struct {
	body   []byte
	dec    *json.Decoder
	fields fieldErrors
}

// value reads one value at path against node.
func (w *jsonWalker) value(node *schemaNode, path string) error {
	start := w.dec.InputOffset()
	tok, err := w.dec.Token()
	if err != nil {
		return errBadRequest
	}
	name := path
	if name == "" {
		name = "body"
	}
	switch v := tok.(type) {
	case json.Delim:
		switch {
		case v == '{' && node.types&tObject != 0:
			return w.object(node, path)
		case v == '[' && node.types&tArray != 0:
			return w.array(node, path)
		}
		w.fields.add(name, reasonType)
		return w.skip()
	case string:
		if node.types&tString == 0 {
			w.fields.add(name, reasonType)
			return nil
		}
		if r := rawStringCheck(w.body[start:w.dec.InputOffset()]); r != "" {
			w.fields.add(name, r)
			return nil
		}
		if r := checkText([]byte(v), node.maxLength, node.multiline); r != "" {
			w.fields.add(name, r)
		}
	case json.Number:
		if node.types&(tInteger|tNumber) == 0 {
			w.fields.add(name, reasonType)
		} else if r := node.checkNumber(string(v)); r != "" {
			w.fields.add(name, r)
		}
	case bool:
		if node.types&tBoolean == 0 {
			w.fields.add(name, reasonType)
		}
	case nil:
		if node.types&tNull == 0 {
			w.fields.add(name, reasonType)
		}
	}
	return nil
}

func (w *jsonWalker) object(node *schemaNode, path string) error {
	seen := map[string]bool{}
	for w.dec.More() {
		start := w.dec.InputOffset()
		tok, err := w.dec.Token()
		if err != nil {
			return errBadRequest
		}
		key, _ := tok.(string)
		field := key
		if path != "" {
			field = path + "." + key
		}
		child := node.props[key]
		if child == nil && node.values != nil && utf8.RuneCountInString(key) <= node.keyMax {
			child = node.values
		}
		switch {
		case child == nil || rawStringCheck(w.body[start:w.dec.InputOffset()]) != "":
			w.fields.add(fieldName([]byte(field)), reasonUnknown)
			child = nil
		case seen[key]:
			w.fields.add(field, reasonRepeated)
			child = nil
		case node.values != nil && len(seen) >= node.maxProps:
			w.fields.add(path, reasonMaxItems+"="+strconv.Itoa(node.maxProps))
			child = nil
		}
		seen[key] = true
		if child == nil {
			if err := w.skipValue(); err != nil {
				return err
			}
			continue
		}
		if err := w.value(child, field); err != nil {
			return err
		}
		if w.fields.full() {
			return nil
		}
	}
	_, err := w.dec.Token() // '}'
	if err != nil {
		return errBadRequest
	}
	return nil
}

func (w *jsonWalker) array(node *schemaNode, path string) error {
	i := 0
	for w.dec.More() {
		field := path + "." + strconv.Itoa(i)
		if i >= node.maxItems {
			w.fields.add(path, reasonMaxItems+"="+strconv.Itoa(node.maxItems))
			if err := w.skipValue(); err != nil {
				return err
			}
		} else if err := w.value(node.items, field); err != nil {
			return err
		}
		if w.fields.full() {
			return nil
		}
		i++
	}
	if _, err := w.dec.Token(); err != nil { // ']'
		return errBadRequest
	}
	return nil
}

// skipValue reads one whole value without looking into it.
func (w *jsonWalker) skipValue() error {
	tok, err := w.dec.Token()
	if err != nil {
		return errBadRequest
	}
	if d, ok := tok.(json.Delim); ok && (d == '{' || d == '[') {
		return w.skip()
	}
	return nil
}

// skip reads on to the end of the object or array just opened.
func (w *jsonWalker) skip() error {
	for depth := 1; depth > 0; {
		tok, err := w.dec.Token()
		if err != nil {
			return errBadRequest
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
	}
	return nil
}

// rawStringCheck looks at a JSON string as it was written (raw holds it,
// after any separators), for what decoding would silently rewrite to U+FFFD:
// bytes that are not UTF-8, and \u escapes of half a surrogate pair.
func rawStringCheck(raw []byte) string {
	i := bytes.IndexByte(raw, '"')
	if i < 0 {
		return reasonType
	}
	raw = raw[i:]
	if !utf8.Valid(raw) {
		return reasonUTF8
	}
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' {
			continue
		}
		if i+1 >= len(raw) || raw[i+1] != 'u' {
			i++ // an escaped character: skip it
			continue
		}
		r := hexRune(raw[i+2:])
		i += 5
		switch {
		case r >= 0xDC00 && r <= 0xDFFF:
			return reasonUTF8 // a low half with no high half before it
		case r >= 0xD800 && r <= 0xDBFF:
			if i+6 >= len(raw) || raw[i+1] != '\\' || raw[i+2] != 'u' {
				return reasonUTF8
			}
			if lo := hexRune(raw[i+3:]); lo < 0xDC00 || lo > 0xDFFF {
				return reasonUTF8
			}
			i += 6
		}
	}
	return ""
}

// hexRune reads the four hex digits of a \u escape (the decoder has already
// refused the document if they are not).
func hexRune(b []byte) rune {
	if len(b) < 4 {
		return -1
	}
	n, err := strconv.ParseUint(string(b[:4]), 16, 32)
	if err != nil {
		return -1
	}
	return rune(n)
}
