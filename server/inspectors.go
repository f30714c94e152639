package server

import (
	"github.com/gofiber/fiber/v2"

	"cloison/store"
)

// categoryInspectors lists a category's referent inspectors.
func (s *Server) categoryInspectors(c *fiber.Ctx) error {
	items, err := s.store.CategoryInspectors(c.UserContext(), s.actor(c), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": items})
}

// inspectorsRequest names a category's referent inspectors.
type inspectorsRequest struct {
	AccountIDs []string `json:"account_ids"`
	Reason     string   `json:"reason"`
}

// setCategoryInspectors names a category's referent inspectors.
func (s *Server) setCategoryInspectors(c *fiber.Ctx) error {
	var req inspectorsRequest
	if err := parse(c, &req); err != nil {
		return err
	}
	items, err := s.store.SetCategoryInspectors(c.UserContext(), s.actor(c), c.Params("id"), req.AccountIDs, req.Reason)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": items})
}

// unitInspection lists, per category, its referents and whether the unit
// opened it to them.
func (s *Server) unitInspection(c *fiber.Ctx) error {
	items, err := s.store.UnitInspection(c.UserContext(), s.actor(c), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": items})
}

// inspectionSwitch opens or closes a category of a unit to its referents.
type inspectionSwitch struct {
	Open   *bool  `json:"open"`
	Reason string `json:"reason"`
}

// setUnitInspection opens or closes a category; the referents are told by
// e-mail, so the sender is woken.
func (s *Server) setUnitInspection(c *fiber.Ctx) error {
	var req inspectionSwitch
	if err := parse(c, &req); err != nil {
		return err
	}
	if req.Open == nil {
		return store.Invalid("open", "required")
	}
	item, err := s.store.SetUnitInspection(c.UserContext(), s.actor(c), c.Params("id"), c.Params("category_id"), *req.Open, req.Reason)
	if err != nil {
		return err
	}
	s.mailKick()
	return c.JSON(item)
}

// inspectionReads lists who read which of the unit's case files as an
// inspector, and when.
func (s *Server) inspectionReads(c *fiber.Ctx) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	items, total, err := s.store.InspectionReads(c.UserContext(), s.actor(c), c.Params("id"), p)
	if err != nil {
		return err
	}
	return list(c, items, total, p)
}
