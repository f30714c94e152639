package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// parse is the one body decoder: it reads into v a JSON body that the input
// gate has let through (see gate), and nothing else. An empty body leaves v
// empty, so that validation names the fields that are missing.
func parse(c *fiber.Ctx, v any) error {
	if len(c.Body()) == 0 {
		return nil
	}
	if gated, _ := c.Locals(localsGated).(bool); !gated {
		return fmt.Errorf("parse: %s %s: a body the gate has not checked", c.Method(), c.Route().Path)
	}
	if err := json.Unmarshal(c.Body(), v); err != nil {
		return errBadRequest
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
// visibility, before naming the missing field). A multipart body that
// cannot be read is a 400; the body limit bounds the rest.
func uploaded(c *fiber.Ctx) (string, []byte, error) {
	fh, err := c.FormFile("file")
	switch {
	case errors.Is(err, fasthttp.ErrMissingFile), errors.Is(err, fasthttp.ErrNoMultipartForm):
		return "", nil, nil
	case err != nil:
		return "", nil, errBadRequest
	}
	f, err := fh.Open()
	if err != nil {
		return "", nil, err
	}
	defer f.Close()
	content, err := io.ReadAll(f)
	return fh.Filename, content, err
}
