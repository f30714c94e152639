package server

import "github.com/gofiber/fiber/v2"

// parse reads a JSON body into v; a malformed body is a 400. An empty body
// leaves v empty, so that validation names the fields that are missing.
func parse(c *fiber.Ctx, v any) error {
	if len(c.Body()) == 0 {
		return nil
	}
	if err := c.BodyParser(v); err != nil {
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
