package server

import (
	"errors"
	"fmt"
	"mime"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"cloison/server/report"
	"cloison/store"
)

// ifMatch reads the version a write is based on from If-Match ("3", W/"3"
// or 3). Absent is nil; unreadable is version 0, which is never current.
func ifMatch(c *fiber.Ctx) *int64 {
	h := strings.TrimSpace(c.Get(fiber.HeaderIfMatch))
	if h == "" {
		return nil
	}
	h = strings.Trim(strings.TrimPrefix(h, "W/"), `"`)
	v, err := strconv.ParseInt(h, 10, 64)
	if err != nil {
		v = 0
	}
	return &v
}

// withETag renders a case file with its version as the ETag.
func withETag(c *fiber.Ctx, status int, d *store.CaseDetail) error {
	c.Set(fiber.HeaderETag, fmt.Sprintf(`"%d"`, d.Version))
	return c.Status(status).JSON(d)
}

func (s *Server) listCases(c *fiber.Ctx) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	f := store.CaseFilter{Q: c.Query("q"), Status: c.Query("status"), Category: c.Query("category"),
		Assignee: c.Query("assignee"), Unit: c.Query("unit"), Sort: c.Query("sort")}
	switch practice := c.Query("practice"); practice {
	case "":
	case "true", "false":
		only := practice == "true"
		f.Practice = &only
	default:
		return store.Invalid("practice", "oneof=true false")
	}
	items, total, err := s.store.ListCases(c.UserContext(), s.actor(c), f, p)
	if err != nil {
		return err
	}
	return list(c, items, total, p)
}

func (s *Server) createCase(c *fiber.Ctx) error {
	var req store.NewCase
	if err := parse(c, &req); err != nil {
		return err
	}
	d, err := s.store.CreateCase(c.UserContext(), s.actor(c), req)
	if err != nil {
		return err
	}
	c.Location("/api/cases/" + d.ID)
	return withETag(c, fiber.StatusCreated, d)
}

func (s *Server) getCase(c *fiber.Ctx) error {
	if h, ok := c.Locals(localsHint).(*store.SessionHint); ok {
		c.Locals(localsHint, nil)
		// One statement checks the session and reads the case file; a
		// stale hint leaves the usual way (see requireUserOrHint).
		d, acc, sess, err := s.store.GetCaseByHint(c.UserContext(), h, s.clientIP(c), c.Params("id"))
		if !errors.Is(err, store.ErrHintStale) {
			if acc != nil {
				c.Locals(localsAccount, acc)
				c.Locals(localsSession, sess.ID)
			}
			if err != nil {
				return err
			}
			return withETag(c, fiber.StatusOK, d)
		}
		if err := s.authenticate(c); err != nil {
			return err
		}
	}
	d, err := s.store.GetCase(c.UserContext(), s.actor(c), c.Params("id"))
	if err != nil {
		return err
	}
	return withETag(c, fiber.StatusOK, d)
}

func (s *Server) openCaseAsAdmin(c *fiber.Ctx) error {
	var req reasonRequest
	if err := parse(c, &req); err != nil {
		return err
	}
	if err := s.store.OpenCaseAsAdmin(c.UserContext(), s.actor(c), c.Params("id"), req.Reason); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) updateCase(c *fiber.Ctx) error {
	var req store.CaseChange
	if err := parse(c, &req); err != nil {
		return err
	}
	d, err := s.store.UpdateCase(c.UserContext(), s.actor(c), c.Params("id"), ifMatch(c), req)
	if err != nil {
		return err
	}
	return withETag(c, fiber.StatusOK, d)
}

func (s *Server) transitionCase(c *fiber.Ctx) error {
	var req store.Transition
	if err := parse(c, &req); err != nil {
		return err
	}
	d, err := s.store.TransitionCase(c.UserContext(), s.actor(c), c.Params("id"), ifMatch(c), req)
	if err != nil {
		return err
	}
	return withETag(c, fiber.StatusOK, d)
}

func (s *Server) deleteCase(c *fiber.Ctx) error {
	var req reasonRequest
	if len(c.Body()) > 0 {
		if err := parse(c, &req); err != nil {
			return err
		}
	}
	if err := s.store.DeleteCase(c.UserContext(), s.actor(c), c.Params("id"), req.Reason); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) setAssignees(c *fiber.Ctx) error {
	var req store.AssigneesChange
	if err := parse(c, &req); err != nil {
		return err
	}
	d, err := s.store.SetAssignees(c.UserContext(), s.actor(c), c.Params("id"), ifMatch(c), req)
	if err != nil {
		return err
	}
	s.mailKick()
	return withETag(c, fiber.StatusOK, d)
}

func (s *Server) caseHistory(c *fiber.Ctx) error {
	h, err := s.store.History(c.UserContext(), s.actor(c), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": h})
}

// listNotes and addNote serve a case file's notes; the store checks
// visibility first, so a case file one may not see is a 404 here too.
func (s *Server) listNotes(c *fiber.Ctx) error {
	notes, err := s.store.ListNotes(c.UserContext(), s.actor(c), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": notes})
}

func (s *Server) addNote(c *fiber.Ctx) error {
	var req store.NewNote
	if err := parse(c, &req); err != nil {
		return err
	}
	n, warnings, err := s.store.AddNote(c.UserContext(), s.actor(c), c.Params("id"), req)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"note": n, "warnings": warnings})
}

func (s *Server) listDeadlines(c *fiber.Ctx) error {
	ds, err := s.store.ListDeadlines(c.UserContext(), s.actor(c), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": ds})
}

func (s *Server) addDeadline(c *fiber.Ctx) error {
	var req store.DeadlineInput
	if err := parse(c, &req); err != nil {
		return err
	}
	d, err := s.store.AddDeadline(c.UserContext(), s.actor(c), c.Params("id"), req)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(d)
}

func (s *Server) updateDeadline(c *fiber.Ctx) error {
	var req store.DeadlineInput
	if err := parse(c, &req); err != nil {
		return err
	}
	d, err := s.store.UpdateDeadline(c.UserContext(), s.actor(c), c.Params("id"), c.Params("did"), &req)
	if err != nil {
		return err
	}
	return c.JSON(d)
}

func (s *Server) deleteDeadline(c *fiber.Ctx) error {
	if _, err := s.store.UpdateDeadline(c.UserContext(), s.actor(c), c.Params("id"), c.Params("did"), nil); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) listAttachments(c *fiber.Ctx) error {
	as, err := s.store.ListAttachments(c.UserContext(), s.actor(c), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": as})
}

func (s *Server) addAttachment(c *fiber.Ctx) error {
	// Without a file the store still checks visibility first (404), then
	// names the missing field.
	name, content, err := uploaded(c)
	if err != nil {
		return err
	}
	a, err := s.store.AddAttachment(c.UserContext(), s.actor(c), c.Params("id"), name, content)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(a)
}

// attachmentCSP sandboxes a downloaded file even if a browser renders it.
const attachmentCSP = "default-src 'none'; sandbox"

func (s *Server) downloadAttachment(c *fiber.Ctx) error {
	a, content, err := s.store.OpenAttachment(c.UserContext(), s.actor(c), c.Params("id"), c.Params("aid"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentDisposition, mime.FormatMediaType("attachment", map[string]string{"filename": a.Filename}))
	return sendSandboxed(c, a.MediaType, content)
}

// sendSandboxed sends a stored file with its type, never sniffed, and
// sandboxed, so that no browser runs anything in it.
func sendSandboxed(c *fiber.Ctx, mediaType string, content []byte) error {
	c.Set(fiber.HeaderContentType, mediaType)
	c.Set(fiber.HeaderContentSecurityPolicy, attachmentCSP)
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	return c.Send(content)
}

func (s *Server) deleteAttachment(c *fiber.Ctx) error {
	if err := s.store.DeleteAttachment(c.UserContext(), s.actor(c), c.Params("id"), c.Params("aid")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// letterhead is what a report prints of the case file's unit; a unit
// without a name (never named since the upgrade) is the instance.
func letterhead(lh store.Letterhead, instance string) report.Letterhead {
	if lh.Name == "" {
		lh.Name = instance
	}
	return report.Letterhead{Name: lh.Name, Logo: report.Image{Data: lh.Logo, Type: lh.LogoType},
		Stamp: report.Image{Data: lh.Stamp, Type: lh.StampType}}
}

// caseReport serves a case file's report as a PDF, in the caller's language,
// sandboxed like an attachment so that no browser runs anything in it.
func (s *Server) caseReport(c *fiber.Ctx) error {
	r, err := s.store.Report(c.UserContext(), s.actor(c), c.Params("id"))
	if err != nil {
		return err
	}
	pdf, err := report.Render(r, report.Options{
		Letterhead:     letterhead(r.Letterhead, s.cfg.Instance.Name),
		Locale:         s.actor(c).Account.Locale,
		InstanceLocale: s.cfg.Instance.DefaultLocale,
		Now:            time.Now(),
	})
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, mime.FormatMediaType("attachment", map[string]string{"filename": r.Case.Reference + ".pdf"}))
	c.Set(fiber.HeaderContentSecurityPolicy, attachmentCSP)
	return c.Send(pdf)
}
