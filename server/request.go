package server

import (
	"encoding/json"
	"errors"
	"io"

	"github.com/gofiber/fiber/v2"

	"cloison/store"
)

// parse reads a JSON body into v; a malformed body is a 400, a field of the
// wrong type (a number for a name, a string for a list) a 422 naming it.
// An empty body leaves v empty, so that validation names the fields that
// are missing.
func parse(c *fiber.Ctx, v any) error {
	if len(c.Body()) == 0 {
		return nil
	}
	if err := c.BodyParser(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return store.Invalid(te.Field, "type")
		}
		return errBadJSON
	}
	return nil
}

// reasonRequest is the body of an administrator's intervention (blocking,
// deciding a role request, opening or deleting a case file), whose reason
// lands in the audit log.
type reasonRequest struct {
	Reason string `json:"reason"`
}

// uploaded reads the multipart field "file": its name and content, both
// empty without one (the store then checks what it must first, such as
// visibility, before naming the missing field). The body limit bounds it.
func uploaded(c *fiber.Ctx) (string, []byte, error) {
	fh, err := c.FormFile("file")
	if err != nil {
		return "", nil, nil
	}
	f, err := fh.Open()
	if err != nil {
		return "", nil, err
	}
	defer f.Close()
	content, err := io.ReadAll(f)
	return fh.Filename, content, err
}
