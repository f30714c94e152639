package store

import (
	"database/sql"
	"errors"
	"sort"
	"strings"
)

// Sentinel errors. Each implies one HTTP status in the server's error handler;
// the store returns them (wrapped or not) and never speaks HTTP itself.
var (
	// ErrNotFound: the object does not exist, or the acting account may not
	// know that it exists. The two are deliberately the same error.
	ErrNotFound = errors.New("not found")
	// ErrForbidden: the acting account may see the object but its role does not
	// allow this kind of action.
	ErrForbidden = errors.New("forbidden")
	// ErrConflict: the action contradicts the current state (duplicate,
	// forbidden transition, last superadmin...).
	ErrConflict = errors.New("conflict")
	// ErrStale: the If-Match version is not the current one.
	ErrStale = errors.New("stale version")
	// ErrVersionRequired: a write to a case file came without If-Match.
	ErrVersionRequired = errors.New("version required")
	// ErrInvalidCredentials: a login failed, for whatever reason; one error for
	// every cause so that the answer reveals nothing.
	ErrInvalidCredentials = errors.New("invalid credentials")
	// ErrThrottled: too many attempts; try again later.
	ErrThrottled = errors.New("throttled")
	// ErrUnauthenticated: no valid session.
	ErrUnauthenticated = errors.New("unauthenticated")
)

// CodedError carries a machine code more precise than its sentinel
// (for example "last_superadmin" for an ErrConflict).
type CodedError struct {
	Kind error
	Code string
}

func (e *CodedError) Error() string { return e.Code + ": " + e.Kind.Error() }

// Unwrap lets errors.Is match the sentinel.
func (e *CodedError) Unwrap() error { return e.Kind }

// Coded builds a CodedError.
func Coded(kind error, code string) error { return &CodedError{Kind: kind, Code: code} }

// ValidationError lists, for each invalid field (by its JSON name), a short
// machine reason such as "required", "email", "min=10" or "common_password".
type ValidationError struct {
	Fields map[string]string
}

func (e *ValidationError) Error() string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k+": "+e.Fields[k])
	}
	sort.Strings(keys)
	return "invalid: " + strings.Join(keys, ", ")
}

// Invalid builds a ValidationError for one field.
func Invalid(field, reason string) error {
	return &ValidationError{Fields: map[string]string{field: reason}}
}

// notFound turns "no such row" into ErrNotFound and leaves other errors be.
func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}
