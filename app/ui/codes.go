package ui

import (
	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/collect"
	"github.com/mynumber-shelter/shelter/app/roster"
	"github.com/mynumber-shelter/shelter/app/use"
	"github.com/mynumber-shelter/shelter/bridge"
)

// CodeBridgeUnavailable: the shelter-bridge does not answer (not started, or stopped).
const CodeBridgeUnavailable = "bridge_unavailable"

// ErrorCodes are the codes of the user-safe errors the frontend tells apart, under the names it
// uses: app/ui/tsgen generates contract.gen.ts's `Code` from this table, so the frontend
// writes Code.WrongPIN, never the string, and a code renamed here fails its type check. Any
// other code the frontend shows by its message only.
var ErrorCodes = map[string]string{
	"BadCredentials":     apperr.CodeBadCredentials,
	"BridgeUnavailable":  CodeBridgeUnavailable,
	"CheckFailed":        collect.CodeCheckFailed,
	"Conflict":           apperr.CodeConflict,
	"DuplicateNumber":    roster.CodeDuplicateNumber,
	"LastTry":            bridge.CodeLastTry,
	"Locked":             apperr.CodeLocked,
	"MustChangePassword": auth.ErrMustChange.Code,
	"NoDialog":           ErrNoDialog.Code,
	"PasswordRequired":   use.ErrPasswordRequired.Code,
	"SessionExpired":     apperr.CodeSessionExpired,
	"StepUpRequired":     auth.ErrStepUpRequired.Code,
	"Unauthenticated":    apperr.CodeUnauthenticated,
	"WrongPIN":           bridge.CodeWrongPIN,
}
