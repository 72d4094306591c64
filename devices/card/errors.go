package card

import (
	"errors"
	"fmt"
	"strings"

	"github.com/mynumber-shelter/shelter/internal/jpkiauth"
)

// Sentinel errors. Functions wrap them with context; test with errors.Is. None of them, and
// no error this package returns, contains a PIN, a My Number or other data read from a card.
var (
	// ErrWrongPIN: the card rejected the PIN and still has tries left. The error is a
	// [*WrongPINError] that says how many.
	ErrWrongPIN = errors.New("card: wrong PIN")

	// ErrPINLocked: the PIN has no tries left (63 C0, 69 83 or 69 84). Only the
	// municipality (市区町村の窓口) can reset it.
	ErrPINLocked = errors.New("card: PIN locked")

	// ErrLastTry: the PIN has one try left and the caller did not set
	// [Options.AllowLastTry]; nothing was sent. Ask the user to confirm first.
	ErrLastTry = errors.New("card: only one PIN try left")

	// ErrPINFormat: the PIN is not the form the card wants (4 ASCII digits); nothing was
	// sent, no try was used.
	ErrPINFormat = errors.New("card: PIN must be 4 digits")

	// ErrSecurityStatus: the card refused because a PIN was not verified (69 82).
	ErrSecurityStatus = errors.New("card: security status not satisfied")

	// ErrNotFound: the application or file does not exist (6A 82).
	ErrNotFound = errors.New("card: application or file not found")

	// ErrUnsupported: the card or reader rejected the command itself (67 00, 6A 81, 6A 86,
	// 6B 00, 6D 00, 6E 00).
	ErrUnsupported = errors.New("card: command not supported")

	// ErrNotMyNumberCard: the card is not a My Number card (no JPKI token
	// JPKIAPICCTOKEN2, or no 券面事項入力補助AP).
	ErrNotMyNumberCard = errors.New("card: not a My Number card")

	// ErrCardRemoved: the card left the reader. Nothing read before is returned.
	ErrCardRemoved = errors.New("card: card removed")

	// ErrCardReset: another program reset the card during the operation; start again.
	ErrCardReset = errors.New("card: card was reset")

	// ErrCardInUse: another program holds the card exclusively.
	ErrCardInUse = errors.New("card: card in use by another program")

	// ErrNoReader: no such reader, or no reader at all.
	ErrNoReader = errors.New("card: no card reader")

	// ErrNoService: the PC/SC service (pcscd, Windows Smart Card service) is not running.
	ErrNoService = errors.New("card: smart card service not available")

	// ErrMalformed: the card's data is not in the expected layout.
	ErrMalformed = errors.New("card: malformed card data")

	// ErrInvalidText: a text field on the card is not valid UTF-8 or holds control
	// characters.
	ErrInvalidText = errors.New("card: invalid text on the card")

	// ErrIntegrity: the data read does not match the digests the card holds (EF 0003).
	ErrIntegrity = errors.New("card: data does not match the card's digests")

	// ErrSignature: a signature made or held by the card does not verify.
	ErrSignature = jpkiauth.ErrSignature

	// ErrUntrusted: a certificate does not chain to the given trust anchors or is outside
	// its validity dates.
	ErrUntrusted = jpkiauth.ErrUntrusted
)

// WrongPINError is returned when the card rejects a PIN (63 Cx, x ≥ 1). It unwraps to
// [ErrWrongPIN]. A rejected PIN that uses up the last try gives [ErrPINLocked] instead.
type WrongPINError struct {
	// Retries is the number of tries left, from the card.
	Retries int
}

func (e *WrongPINError) Error() string {
	if e.Retries == 1 {
		return "card: wrong PIN, 1 try left"
	}
	return fmt.Sprintf("card: wrong PIN, %d tries left", e.Retries)
}

// Unwrap returns [ErrWrongPIN].
func (e *WrongPINError) Unwrap() error { return ErrWrongPIN }

// StatusError is a status word other than 90 00 (ISO/IEC 7816-4:2013 §5.6). It unwraps to the
// sentinel that describes it, when there is one (see [checkSW]).
type StatusError struct {
	SW uint16
}

func (e *StatusError) Error() string {
	if s := e.Unwrap(); s != nil {
		return fmt.Sprintf("card: status %04X (%s)", e.SW, strings.TrimPrefix(s.Error(), "card: "))
	}
	return fmt.Sprintf("card: status %04X", e.SW)
}

// Unwrap returns the sentinel for the status word, or nil.
func (e *StatusError) Unwrap() error {
	switch e.SW {
	case 0x63C0, 0x6983, 0x6984:
		return ErrPINLocked
	case 0x6982:
		return ErrSecurityStatus
	case 0x6A82:
		return ErrNotFound
	case 0x6700, 0x6A81, 0x6A86, 0x6B00, 0x6D00, 0x6E00:
		return ErrUnsupported
	}
	return nil
}

// checkSW turns a status word into nil (90 00), a [*WrongPINError] (63 C1..63 CF) or a
// [*StatusError].
func checkSW(sw uint16) error {
	switch {
	case sw == 0x9000:
		return nil
	case sw&0xFFF0 == 0x63C0 && sw != 0x63C0:
		return &WrongPINError{Retries: int(sw & 0x0F)}
	}
	return &StatusError{SW: sw}
}

// FieldError says which field read from the card is unusable. It unwraps to [ErrMalformed]
// or [ErrInvalidText]. It never holds the field's bytes.
type FieldError struct {
	// Field is "number", "name", "address", "birth" or "sex".
	Field string
	Err   error
}

func (e *FieldError) Error() string {
	return "card: " + e.Field + ": " + strings.TrimPrefix(e.Err.Error(), "card: ")
}

// Unwrap returns the cause.
func (e *FieldError) Unwrap() error { return e.Err }
