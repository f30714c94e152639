package server

import (
	"context"
	"mime"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"cloison/server/config"
	"cloison/server/i18n"
	"cloison/server/report"
	"cloison/store"
)

// The instance's own texts (issue 17, item 14): the pledge newcomers sign
// and the privacy policy owed to the people the association helps, each in
// every language, edited by the instance's admins; a language without its
// own text reads the built-in one of the catalogues.

// instanceText is one text in one language, as the admins' editor shows it.
type instanceText struct {
	Locale string `json:"locale"`
	// Text is what the instance shows: its own text, else the built-in one.
	Text string `json:"text"`
	// Default is the built-in text, to start from or go back to.
	Default    string `json:"default"`
	Customised bool   `json:"customised"`
}

// builtInText is the catalogue's text of kind in locale: the pledge, or
// the privacy policy naming the instance. An instance.pledge set in the
// configuration stands for the built-in pledge in every language.
func (s *Server) builtInText(kind, locale string) string {
	if kind == store.TextPledge {
		if s.cfg.Instance.Pledge != "" {
			return s.cfg.Instance.Pledge
		}
		return strings.TrimSpace(i18n.Get(locale).Text("pledge.default"))
	}
	return strings.TrimSpace(i18n.Get(locale).Fill("privacy.default", "name", s.cfg.Instance.Name))
}

// instanceText is the text of kind the instance shows in locale.
func (s *Server) instanceText(ctx context.Context, kind, locale string) (instanceText, error) {
	own, err := s.store.InstanceTexts(ctx, kind)
	if err != nil {
		return instanceText{}, err
	}
	t := instanceText{Locale: locale, Default: s.builtInText(kind, locale)}
	t.Text, t.Customised = own[locale]
	if !t.Customised {
		t.Text = t.Default
	}
	return t, nil
}

// pledge is the confidentiality pledge a newcomer signs in locale.
func (s *Server) pledge(ctx context.Context, locale string) (string, error) {
	t, err := s.instanceText(ctx, store.TextPledge, locale)
	return t.Text, err
}

// textLocale is the language a public text is asked in: ?locale= when the
// instance speaks it, else the request's language.
func (s *Server) textLocale(c *fiber.Ctx, def string) string {
	if l := c.Query("locale"); config.IsLocale(l) {
		return l
	}
	return requestLocale(c, def)
}

// privacyPolicy answers anyone, logged in or not: the policy is read before
// registering and linked from every page.
func (s *Server) privacyPolicy(c *fiber.Ctx) error {
	t, err := s.instanceText(c.UserContext(), store.TextPrivacy, s.textLocale(c, s.cfg.Instance.DefaultLocale))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"locale": t.Locale, "text": t.Text, "customised": t.Customised, "name": s.cfg.Instance.Name})
}

// instanceTexts shows an instance text in every language, for its editor.
func (s *Server) instanceTexts(c *fiber.Ctx) error {
	kind := c.Params("kind")
	if !slices.Contains(store.InstanceTextKinds, kind) {
		return errNotFound
	}
	return s.renderInstanceTexts(c, kind)
}

func (s *Server) renderInstanceTexts(c *fiber.Ctx, kind string) error {
	items := []instanceText{}
	for _, l := range config.Locales {
		t, err := s.instanceText(c.UserContext(), kind, l)
		if err != nil {
			return err
		}
		items = append(items, t)
	}
	return c.JSON(fiber.Map{"kind": kind, "items": items})
}

// instanceTextsRequest replaces an instance text in the languages given.
type instanceTextsRequest struct {
	Texts  map[string]string `json:"texts"`
	Reason string            `json:"reason"`
}

// saveInstanceTexts replaces an instance text (admins, with a reason); an
// empty text goes back to the built-in one.
func (s *Server) saveInstanceTexts(c *fiber.Ctx) error {
	var req instanceTextsRequest
	if err := parse(c, &req); err != nil {
		return err
	}
	kind := c.Params("kind")
	if _, err := s.store.SaveInstanceTexts(c.UserContext(), s.actor(c), kind, req.Texts, req.Reason); err != nil {
		return err
	}
	return s.renderInstanceTexts(c, kind)
}

// caseNotice serves the information notice of a case file as a PDF, for
// anyone who may read it, in ?locale= (the person's language, picked when
// printing), else the reader's.
func (s *Server) caseNotice(c *fiber.Ctx) error {
	actor := s.actor(c)
	k, err := s.store.NoticeKeeper(c.UserContext(), actor, c.Params("id"))
	if err != nil {
		return err
	}
	locale := actor.Account.Locale
	if l := c.Query("locale"); config.IsLocale(l) {
		locale = l
	}
	policy, err := s.instanceText(c.UserContext(), store.TextPrivacy, locale)
	if err != nil {
		return err
	}
	pdf, err := report.RenderNotice(report.Notice{
		Letterhead:   letterhead(store.Letterhead{Name: k.Name, Logo: k.Logo, LogoType: k.LogoType}, s.cfg.Instance.Name),
		Reference:    k.Reference,
		ContactEmail: k.ContactEmail,
		Address:      k.Address,
		Policy:       policy.Text,
		Locale:       locale,
		Now:          time.Now(),
	})
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, mime.FormatMediaType("attachment", map[string]string{"filename": k.Reference + "-" + locale + ".pdf"}))
	c.Set(fiber.HeaderContentSecurityPolicy, attachmentCSP)
	return c.Send(pdf)
}
