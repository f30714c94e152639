package server

import (
	"slices"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"cloison/store"
)

// routes is the whole route table: every endpoint and the guards in front of
// it, declared once per group. Guards refuse kinds of action by role (401,
// 403); which case files a person may see is decided by the store's
// visibility predicate (404).
func (s *Server) routes() {
	app := s.app
	app.Use(s.securityHeaders, s.logRequests, recover.New(recover.Config{EnableStackTrace: true, StackTraceHandler: s.logPanic}))
	api := app.Group("/api")

	// Public: meta, first run, joining and logging in. Every route, public or
	// not, goes through the input gate just before its handler.
	public := guard(api, s.gate)
	public.Get("/health", s.health)
	public.Get("/openapi.json", s.openapi)
	public.Get("/config", s.publicConfig)
	public.Get("/privacy", s.privacyPolicy)
	public.Get("/setup", s.setupStatus)
	public.Post("/setup", s.setupCreate)
	public.Post("/auth/register", s.register)
	public.Post("/auth/activate", s.activate)
	public.Post("/auth/login", s.login)
	public.Post("/auth/password/forgot", s.forgotPassword)
	public.Post("/auth/password/reset", s.resetPassword)
	public.Post("/invitations/inspect", s.inspectInvitation)

	// Any logged-in person: their own account, then the case files the store
	// lets them see.
	user := public.with(s.requireUser)
	user.Post("/auth/logout", s.logout)
	me := user.Group("/me")
	me.Get("", s.me)
	me.Patch("", s.updateMe)
	me.Post("/password", s.changePassword)
	me.Get("/sessions", s.mySessions)
	me.Delete("/sessions/:id", s.endMySession)
	me.Post("/role-requests", s.requestRole)
	me.Get("/role-requests", s.myRoleRequests)
	me.Get("/overview", s.overview)
	me.Get("/second-factor", s.mySecondFactor)
	me.Post("/second-factor", s.startSecondFactor)
	me.Get("/second-factor/qr.png", s.secondFactorQR)
	me.Post("/second-factor/confirm", s.confirmSecondFactor)
	me.Delete("/second-factor", s.removeSecondFactor)
	user.Get("/categories", s.listCategories)
	user.Get("/cases", s.listCases)
	user.Post("/cases", s.createCase)
	// A case file's page checks the session in its own statement where it
	// can (requireUserOrHint).
	public.with(s.requireUserOrHint).Get("/cases/:id", s.getCase)
	c := user.Group("/cases/:id")
	c.Patch("", s.updateCase)
	c.Delete("", s.deleteCase)
	c.Post("/transition", s.transitionCase)
	c.Get("/history", s.caseHistory)
	c.Get("/notes", s.listNotes)
	c.Post("/notes", s.addNote)
	c.Get("/deadlines", s.listDeadlines)
	c.Post("/deadlines", s.addDeadline)
	c.Patch("/deadlines/:did", s.updateDeadline)
	c.Delete("/deadlines/:did", s.deleteDeadline)
	c.Get("/attachments", s.listAttachments)
	c.Post("/attachments", s.addAttachment)
	c.Get("/attachments/:aid", s.downloadAttachment)
	c.Delete("/attachments/:aid", s.deleteAttachment)
	c.Get("/report.pdf", s.caseReport)
	c.Get("/notice.pdf", s.caseNotice)
	c.Get("/collaborators", s.listCollaborators)
	c.Post("/collaborators", s.inviteCollaborator)
	c.Patch("/collaborators/:cid", s.updateCollaborator)
	c.Delete("/collaborators/:cid", s.revokeCollaborator)
	c.Post("/presence", s.heartbeat)
	c.Post("/transfers", s.proposeTransfer)
	user.Get("/transfers", s.listTransfers)
	user.Post("/transfers/:id/accept", s.decideTransfer("accept"))
	user.Post("/transfers/:id/refuse", s.decideTransfer("refuse"))
	user.Post("/transfers/:id/cancel", s.decideTransfer("cancel"))
	user.Post("/invitations/accept", s.acceptInvitation)

	// Organisations, units and memberships: the store decides who keeps
	// which scope (a scope one may not know of is a 404, one seen but not
	// kept a 403).
	me.Get("/memberships", s.myMemberships)
	user.Get("/orgs", s.listOrgs)
	user.Post("/orgs", s.createOrg)
	org := user.Group("/orgs/:id")
	org.Get("", s.getOrg)
	org.Patch("", s.updateOrg)
	org.Post("/units", s.createUnit)
	org.Get("/members", s.listMembers(store.ScopeTypeOrg))
	org.Post("/members", s.addMember(store.ScopeTypeOrg))
	user.Get("/units", s.unitDirectory)
	unit := user.Group("/units/:id")
	unit.Get("", s.getUnit)
	unit.Patch("", s.updateUnit)
	unit.Get("/members", s.listMembers(store.ScopeTypeUnit))
	unit.Post("/members", s.addMember(store.ScopeTypeUnit))
	unit.Get("/inspection", s.unitInspection)
	unit.Put("/inspection/:category_id", s.setUnitInspection)
	unit.Get("/inspection/reads", s.inspectionReads)
	user.Get("/functions", s.listFunctions)
	user.Put("/functions", s.saveFunctions)
	user.Post("/messages/preview", s.previewMessage)
	user.Post("/messages", s.sendMessage)
	user.Get("/messages", s.listMessages)
	org.Post("/change-requests", s.fileChangeRequest)
	user.Get("/change-requests", s.listChangeRequests)
	user.Post("/change-requests/:id/apply", s.decideChangeRequest(true))
	user.Post("/change-requests/:id/reject", s.decideChangeRequest(false))
	user.Get("/documents", s.listDocuments)
	user.Post("/documents", s.publishDocument)
	user.Get("/documents/:id", s.downloadDocument)
	user.Delete("/documents/:id", s.deleteDocument)
	user.Post("/imports", s.previewImport)
	user.Get("/imports/:id", s.getImport)
	user.Post("/imports/:id/apply", s.applyImport)
	user.Get("/categories/:id/inspectors", s.categoryInspectors)
	user.Put("/categories/:id/inspectors", s.setCategoryInspectors)
	for _, img := range []string{store.UnitLogo, store.UnitStamp} {
		unit.Get("/"+img, s.unitImage(img))
		unit.Put("/"+img, s.setUnitImage(img))
		unit.Delete("/"+img, s.removeUnitImage(img))
	}
	membership := user.Group("/memberships/:id")
	membership.Patch("", s.updateMembership)
	membership.Delete("", s.endMembership)
	membership.Post("/resend", s.resendInvitation)

	// Administration: every intervention carries a reason. Instance admins,
	// and the admins of organisations and units inside their scopes.
	scoped := user.with(s.requireScopeAdmin)
	scoped.Post("/cases/:id/access", s.openCaseAsAdmin)
	scoped.Put("/cases/:id/assignees", s.setAssignees)
	scoped.Get("/role-requests", s.listRoleRequests)
	scoped.Post("/role-requests/:id/approve", s.decideRoleRequest(true))
	scoped.Post("/role-requests/:id/reject", s.decideRoleRequest(false))
	scoped.Get("/audit", s.listAudit)
	admin := user.with(requireRole(store.RoleAdmin))
	admin.Post("/categories", s.saveCategory(true))
	admin.Get("/category-presets", s.listCategoryPresets)
	admin.Post("/category-presets/:key", s.addCategoryPreset)
	admin.Patch("/categories/:id", s.saveCategory(false))
	admin.Get("/instance-texts/:kind", s.instanceTexts)
	admin.Put("/instance-texts/:kind", s.saveInstanceTexts)
	admin.Get("/users", s.listUsers)
	admin.Post("/users", s.inviteUser)
	admin.Get("/users/:id", s.getUser)
	admin.Patch("/users/:id", s.updateUser)
	admin.Post("/users/:id/block", s.setUserStatus("block"))
	admin.Post("/users/:id/unblock", s.setUserStatus("unblock"))
	admin.Delete("/users/:id", s.setUserStatus("deregister"))
	admin.Post("/users/:id/second-factor/reset", s.resetSecondFactor)

	// Technical: superadmins.
	super := user.with(requireRole(store.RoleSuperadmin))
	super.Get("/audit/verify", s.verifyAudit)
	super.Get("/outbox", s.listOutbox)
	super.Post("/outbox/:id/retry", s.retryOutbox)
	super.Post("/outbox/test", s.testMail)

	// Unknown API paths are JSON 404s, never the SPA.
	api.All("/*", func(*fiber.Ctx) error { return errNotFound })
	app.Get("/*", s.spa.handle)
}

// guarded is a Fiber group whose routes all carry the same guards, in front
// of each route's own handler.
//
// Fiber's own Group(prefix, guards...) would mount the guards with Use on the
// prefix instead, and Use runs for every path that starts with the prefix
// (even "/api/meow" for "/api/me"), served or not: an unknown /api path would
// answer an anonymous caller the guard's 401 and a reader an admin guard's 403
// instead of the JSON 404, and a public route registered after the Use would
// stop being public. Here a guard runs only where a route is registered
// through the group. TestRouteGuards and TestUnknownAPIPathsStayNotFound hold
// both to what they were.
//
// Every route's last handler before its own is the input gate: the guards
// answer 401 and 403 first, as for any request, and the handler then sees
// only input the gate let through.
type guarded struct {
	group  fiber.Router
	gate   fiber.Handler
	guards []fiber.Handler
}

// guard starts a guarded group on r's prefix, its routes behind gate.
func guard(r fiber.Router, gate fiber.Handler) guarded {
	return guarded{group: r, gate: gate}
}

// with is the same prefix behind one more guard, after the group's own.
func (g guarded) with(more ...fiber.Handler) guarded {
	return guarded{group: g.group, gate: g.gate, guards: append(slices.Clip(g.guards), more...)}
}

// Group is a Fiber group below g's prefix, behind the same guards. It mounts
// nothing itself: only the routes registered on it get the guards.
func (g guarded) Group(prefix string) guarded {
	return guarded{group: g.group.Group(prefix), gate: g.gate, guards: g.guards}
}

// chain is g's guards, the gate, then h.
func (g guarded) chain(h fiber.Handler) []fiber.Handler {
	return append(slices.Clip(g.guards), g.gate, h)
}

// Get registers a GET route, and Fiber's HEAD beside it, behind g's guards.
func (g guarded) Get(path string, h fiber.Handler) { g.group.Get(path, g.chain(h)...) }

// Post registers a POST route behind g's guards.
func (g guarded) Post(path string, h fiber.Handler) { g.group.Post(path, g.chain(h)...) }

// Put registers a PUT route behind g's guards.
func (g guarded) Put(path string, h fiber.Handler) { g.group.Put(path, g.chain(h)...) }

// Patch registers a PATCH route behind g's guards.
func (g guarded) Patch(path string, h fiber.Handler) { g.group.Patch(path, g.chain(h)...) }

// Delete registers a DELETE route behind g's guards.
func (g guarded) Delete(path string, h fiber.Handler) { g.group.Delete(path, g.chain(h)...) }
