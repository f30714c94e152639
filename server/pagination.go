package server

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"cloison/store"
)

// defaultPerPage is the page size of a list when the caller names none.
const defaultPerPage = 50

// pageOf reads ?page=&per_page=, which the input gate has already held to
// their documented bounds (1 to 1,000,000 and 1 to 200, in openapi.json).
func pageOf(c *fiber.Ctx) (store.Page, error) {
	p := store.Page{Page: 1, PerPage: defaultPerPage}
	for name, dst := range map[string]*int{"page": &p.Page, "per_page": &p.PerPage} {
		if v := c.Query(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return p, store.Invalid(name, "min=1")
			}
			*dst = n
		}
	}
	return p, nil
}

// listBody is the one shape of every paginated list.
type listBody[T any] struct {
	Items   []T   `json:"items"`
	Total   int64 `json:"total"`
	Page    int   `json:"page"`
	PerPage int   `json:"per_page"`
}

func list[T any](c *fiber.Ctx, items []T, total int64, p store.Page) error {
	if items == nil {
		items = []T{}
	}
	return c.JSON(listBody[T]{Items: items, Total: total, Page: p.Page, PerPage: p.PerPage})
}
