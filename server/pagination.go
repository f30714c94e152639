package server

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"cloison/store"
)

// Pagination bounds of every list.
const (
	defaultPerPage = 50
	maxPerPage     = 200
)

// pageOf reads ?page=&per_page=; out-of-range values are a 422 on that field.
func pageOf(c *fiber.Ctx) (store.Page, error) {
	p := store.Page{Page: 1, PerPage: defaultPerPage}
	if v := c.Query("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return p, store.Invalid("page", "min=1")
		}
		p.Page = n
	}
	if v := c.Query("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPerPage {
			return p, store.Invalid("per_page", "max=200")
		}
		p.PerPage = n
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
