// Package apperr marks errors that are safe to show to a user, with a stable code, the form
// field they concern, and a Japanese and an English message.
//
// Any other error is internal: the UI shows a generic message for it and writes the detail to
// the debug log. A user-safe error must never carry a My Number, a PIN or a password in any of
// its texts; constructors take fixed texts written by the programmer, never user input verbatim
// unless it is known not to be a secret (a login name, a file line number).
package apperr

import (
	"errors"
	"fmt"
)

// Codes shared across packages. Packages may define more; codes are stable API for the frontend.
const (
	CodeInvalid         = "invalid"         // validation failed; Field says where
	CodeNotFound        = "not_found"       // the record does not exist
	CodeConflict        = "conflict"        // a unique value is taken, or the record changed
	CodeForbidden       = "forbidden"       // this user may not do this
	CodeUnauthenticated = "unauthenticated" // not logged in
	CodeLocked          = "locked"          // the session is idle-locked
	CodeSessionExpired  = "session_expired" // the session reached its absolute end
	CodeInternal        = "internal"        // anything else; the message is generic
	CodeBadCredentials  = "bad_credentials" // a wrong password (or login id and password)
)

// Coded is what every user-safe error implements, wherever it is defined: a stable code, the
// form field it concerns (or ""), and its message in Japanese and in English. The typed errors
// of the domain packages (a date that does not exist, a duplicate number, a character CP932
// cannot hold, a bridge's refusal…) implement it without importing this package, so [As]
// finds them and no caller keeps a switch of its own.
type Coded interface {
	error
	UserCode() string
	UserField() string
	Japanese() string
	English() string
}

// Error is a user-safe error.
type Error struct {
	Code  string
	Field string // the form field the error concerns, or ""
	JA    string
	EN    string
	Err   error // optional wrapped internal cause (never shown to the user)
}

// New returns a user-safe error.
func New(code, field, ja, en string) *Error { return &Error{Code: code, Field: field, JA: ja, EN: en} }

// Wrap returns a user-safe error that wraps an internal cause for errors.Is and the debug log.
func Wrap(err error, code, field, ja, en string) *Error {
	return &Error{Code: code, Field: field, JA: ja, EN: en, Err: err}
}

// Invalid is shorthand for a validation error on field.
func Invalid(field, ja, en string) *Error { return New(CodeInvalid, field, ja, en) }

// Forbidden is shorthand for a permission error.
func Forbidden(ja, en string) *Error { return New(CodeForbidden, "", ja, en) }

// Error returns the English message (and the code), never the wrapped cause.
func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s (%s): %s", e.Code, e.Field, e.EN)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.EN)
}

// Unwrap returns the internal cause.
func (e *Error) Unwrap() error { return e.Err }

// UserCode returns e.Code ([Coded]).
func (e *Error) UserCode() string { return e.Code }

// UserField returns e.Field.
func (e *Error) UserField() string { return e.Field }

// Japanese returns e.JA.
func (e *Error) Japanese() string { return e.JA }

// English returns e.EN.
func (e *Error) English() string { return e.EN }

// Is makes errors.Is(err, &Error{Code: X}) match on the code alone.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && t.Field == "" && t.JA == "" && t.EN == ""
}

// As returns the first user-safe error in err's chain ([Coded]), if any, as an *Error (the
// one in the chain, or a copy of a typed error's code, field and messages wrapping err).
func As(err error) (*Error, bool) {
	var c Coded
	if !errors.As(err, &c) {
		return nil, false
	}
	if e, ok := c.(*Error); ok {
		return e, true
	}
	return &Error{Code: c.UserCode(), Field: c.UserField(), JA: c.Japanese(), EN: c.English(), Err: err}, true
}

// HasCode reports whether err carries a user-safe error with code.
func HasCode(err error, code string) bool {
	e, ok := As(err)
	return ok && e.Code == code
}
