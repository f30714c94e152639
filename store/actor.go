package store

import (
	"strings"
	"unicode/utf8"
)

// Who acts and what their role lets them do: every method of the store
// takes the acting Actor and checks it here before anything else.

// Platform roles, in increasing order of rights.
const (
	RoleReader     = "reader"
	RoleEditor     = "editor"
	RoleAdmin      = "admin"
	RoleSuperadmin = "superadmin"
	// RoleSecretariat keeps a network's organisations, units and
	// memberships; it stands beside the ladder above, with a reader's rights
	// on case files: none.
	RoleSecretariat = "secretariat"
)

var roleRank = map[string]int{RoleReader: 1, RoleSecretariat: 1, RoleEditor: 2, RoleAdmin: 3, RoleSuperadmin: 4}

// RoleAtLeast tells whether role has at least the rights of min.
func RoleAtLeast(role, min string) bool { return roleRank[role] >= roleRank[min] && roleRank[min] > 0 }

// IsRole tells whether r is a platform role.
func IsRole(r string) bool { return roleRank[r] > 0 }

// Actor is who acts, as the audit log and the rules need it: the account (nil
// for an anonymous request or the command line) and the client address.
type Actor struct {
	Account  *Account
	ClientIP string
	// SessionID identifies the login, for "once per session" rules.
	SessionID string
}

// ID is the acting account's id, or "" when anonymous.
func (a Actor) ID() string {
	if a.Account == nil {
		return ""
	}
	return a.Account.ID
}

// IsAdmin tells whether the account administers the platform.
func (a *Account) IsAdmin() bool { return a != nil && RoleAtLeast(a.Role, RoleAdmin) }

// MinReasonLength is the shortest reason an admin intervention accepts.
const MinReasonLength = 10

// checkReason returns a ValidationError unless reason is long enough.
func checkReason(reason string) error {
	if utf8.RuneCountInString(strings.TrimSpace(reason)) < MinReasonLength {
		return Invalid("reason", "min=10")
	}
	return nil
}

// requireRole returns ErrForbidden unless the actor has at least role min.
func requireRole(actor Actor, min string) error {
	if actor.Account == nil {
		return ErrUnauthenticated
	}
	if !RoleAtLeast(actor.Account.Role, min) {
		return ErrForbidden
	}
	return nil
}
