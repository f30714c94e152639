package store

// The codes the store hands out that people read in words: the interface's
// and the server's catalogues have words for each, which tests check
// against these lists (server/catalogue_test.go), and the store's own tests
// hold its code to them.

// Roles are the platform roles, lowest first.
var Roles = []string{RoleReader, RoleEditor, RoleAdmin, RoleSuperadmin}

// AccountStatuses are the statuses of an account.
var AccountStatuses = []string{StatusInvited, StatusPending, StatusActive, StatusLocked, StatusBlocked, StatusDeregistered}

// HelperKinds, the kinds of helper invited on a case file, are in visibility.go.

// RequestStatuses are the states of a role request.
var RequestStatuses = []string{RequestPending, RequestApproved, RequestRejected}

// HistoryKinds are the kinds of entry in a case file's history.
var HistoryKinds = []string{"created", "updated", "transition", "assignees",
	"collaborator_invited", "collaborator_joined", "collaborator_revoked",
	"transfer_proposed", "transferred", "transfer_refused", "transfer_cancelled"}

// AuditActions are every action the audit log records, by family; a test
// holds the store's code to this list and the interface's catalogues to
// words for each.
var AuditActions = []string{
	"account.registered", "account.activated", "account.invited", "account.invitation_accepted", "account.created",
	"account.updated", "account.block", "account.unblock", "account.deregister", "account.locked", "account.password_changed",
	"account.second_factor_enrolled", "account.second_factor_removed", "account.second_factor_reset",
	"session.login", "session.logout", "session.ended",
	"role_request.created", "role_request.approved", "role_request.rejected",
	"case.created", "case.updated", "case.transition", "case.assignees", "case.admin_read", "case.deleted",
	"case.note_added", "case.deadline_added", "case.deadline_updated", "case.deadline_deleted",
	"case.attachment_added", "case.attachment_deleted",
	"collaboration.invited", "collaboration.accepted", "collaboration.updated", "collaboration.revoked",
	"collaboration.expired", "collaboration.ended",
	"category.saved", "category.preset_added",
	"outbox.retry",
	"org.created", "org.updated", "org.activated",
	"unit.created", "unit.updated", "unit.activated", "unit.logo_set", "unit.logo_removed", "unit.stamp_set", "unit.stamp_removed",
	"membership.created", "membership.updated", "membership.accepted", "membership.invitation_resent",
	"membership.ended", "membership.revoked",
	"transfer.proposed", "transfer.received", "transfer.left", "transfer.accepted", "transfer.refused", "transfer.cancelled",
	"message.sent", "document.published", "document.deleted", "functions.saved", "instance.text_saved",
	"change_request.filed", "change_request.applied", "change_request.rejected",
	"category.inspectors", "inspection.opened", "inspection.closed",
	"import.previewed", "import.applied",
}
