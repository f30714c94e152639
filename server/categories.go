package server

import (
	"github.com/gofiber/fiber/v2"

	"cloison/server/i18n"
	"cloison/store"
)

// listCategories answers anyone logged in: the SPA needs the categories to
// show and file a case; retired ones are listed to admins only (the store's rule).
func (s *Server) listCategories(c *fiber.Ctx) error {
	cats, err := s.store.ListCategories(c.UserContext(), s.actor(c))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": cats})
}

// saveCategory serves POST /api/categories (create) and PATCH
// /api/categories/:id (change), both behind the admin guard.
func (s *Server) saveCategory(create bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var req store.CategoryInput
		if err := parse(c, &req); err != nil {
			return err
		}
		if !create {
			req.ID = c.Params("id")
		}
		cat, err := s.store.SaveCategory(c.UserContext(), s.actor(c), req, create)
		if err != nil {
			return err
		}
		status := fiber.StatusOK
		if create {
			status = fiber.StatusCreated
		}
		return c.Status(status).JSON(cat)
	}
}

// categoryPresets are the sets of categories an admin adds in one go on the
// categories page, by key, their ids in order. Their names and labels are
// the catalogues' (category_preset.<key>, category.<id>). A fresh instance
// starts with "appeals" (migration 31, which a test holds to it).
var categoryPresets = []categoryPreset{
	{key: "appeals", ids: []string{"sante", "social", "administration", "logement", "travail", "education",
		"consommation", "discrimination", "justice", "autre"}},
	{key: "birth", ids: []string{"accouchement", "grossesse", "post-partum", "consentement", "violences",
		"nouveau-ne", "dossier-medical", "refus-soins", "facturation", "autre"}},
}

type categoryPreset struct {
	key string
	ids []string
}

// presetView is a preset as the API shows it: its name in the caller's
// language, its categories with their labels in every language.
type presetView struct {
	Key        string           `json:"key"`
	Name       string           `json:"name"`
	Categories []presetCategory `json:"categories"`
}

// presetCategory is one category of a preset: its id and its labels.
type presetCategory struct {
	ID     string            `json:"id"`
	Labels map[string]string `json:"labels"`
}

// view is the preset in locale's words.
func (p categoryPreset) view(locale string) presetView {
	v := presetView{Key: p.key, Name: i18n.Get(locale).Text("category_preset." + p.key)}
	for _, id := range p.ids {
		labels := map[string]string{}
		for _, l := range i18n.Locales() {
			labels[l] = i18n.Get(l).Text("category." + id)
		}
		v.Categories = append(v.Categories, presetCategory{ID: id, Labels: labels})
	}
	return v
}

// listCategoryPresets shows the presets to an admin.
func (s *Server) listCategoryPresets(c *fiber.Ctx) error {
	locale := s.actor(c).Account.Locale
	items := make([]presetView, len(categoryPresets))
	for i, p := range categoryPresets {
		items[i] = p.view(locale)
	}
	return c.JSON(fiber.Map{"items": items})
}

// addCategoryPreset adds the categories of a preset that the instance lacks.
func (s *Server) addCategoryPreset(c *fiber.Ctx) error {
	key := c.Params("key")
	for _, p := range categoryPresets {
		if p.key == key {
			var in []store.CategoryInput
			for _, pc := range p.view(i18n.Source).Categories {
				in = append(in, store.CategoryInput{ID: pc.ID, Labels: pc.Labels})
			}
			added, err := s.store.AddCategories(c.UserContext(), s.actor(c), p.key, in)
			if err != nil {
				return err
			}
			return c.JSON(fiber.Map{"items": added})
		}
	}
	return errNotFound
}
