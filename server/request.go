package server

import (
	"encoding/json"
	"fmt"

	"github.com/gofiber/fiber/v2"
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
