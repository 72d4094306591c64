package mynumber

import (
	"fmt"
	"strconv"
	"strings"
)

// Codes of a [ValidationError]. They are stable: the UI and the audit log may store them.
const (
	CodeEmpty      = "empty"       // nothing left after normalisation
	CodeLength     = "length"      // only digits, but the wrong number of them
	CodeNotDigit   = "not_digit"   // a character that is neither a digit nor a separator
	CodeCheckDigit = "check_digit" // right length, wrong check digit
)

// ValidationError says why a string is not a valid number. It is safe to log and to show: no
// field and no message contains a digit of the input.
type ValidationError struct {
	// Code is one of CodeEmpty, CodeLength, CodeNotDigit, CodeCheckDigit.
	Code string

	// Kind is the number that was expected: Individual, Corporate, or Unknown when
	// [Validate] could not tell (empty input, a non-digit, or neither 12 nor 13 digits).
	Kind Kind

	// Pos is the 1-based character position, in the input as given, of the first character
	// that is neither a digit nor a separator. It is set only for CodeNotDigit.
	Pos int

	// Char is that character, for showing to the user. It is empty when showing it would be
	// useless or unsafe: invisible characters, combining marks, and digits or numeric
	// symbols of other scripts (which could be part of the number).
	Char string

	// Length is the number of characters after normalisation (for CodeLength, the number
	// of digits the user gave).
	Length int
}

// Error returns an English message, prefixed "mynumber: ". It never contains input digits.
func (e *ValidationError) Error() string {
	what := e.Kind.String() + " number"
	if e.Kind == Unknown {
		what = "number"
	}
	switch e.Code {
	case CodeEmpty:
		return "mynumber: empty " + what
	case CodeLength:
		if e.Kind == Unknown {
			return fmt.Sprintf("mynumber: number has %d digits, want %d (individual) or %d (corporate)",
				e.Length, IndividualLen, CorporateLen)
		}
		return fmt.Sprintf("mynumber: %s has %d digits, want %d", what, e.Length, e.Kind.Len())
	case CodeNotDigit:
		switch {
		case e.Char != "":
			return fmt.Sprintf("mynumber: %s has a non-digit character %q at position %d", what, e.Char, e.Pos)
		default:
			return fmt.Sprintf("mynumber: %s has an invisible or unsupported character at position %d", what, e.Pos)
		}
	case CodeCheckDigit:
		return "mynumber: " + what + " check digit does not match"
	}
	return "mynumber: invalid " + what
}

// Japanese returns a message for the user, in Japanese, that says what is wrong and how to
// fix it, e.g. "個人番号は12桁の数字です（入力は11桁）。桁数を確かめてください。". Like
// Error, it never contains input digits.
func (e *ValidationError) Japanese() string {
	name := e.Kind.Japanese()
	switch e.Code {
	case CodeEmpty:
		if e.Kind == Unknown {
			return "番号が入力されていません。個人番号（12桁）または法人番号（13桁）を入力してください。"
		}
		return name + "が入力されていません。" + strconv.Itoa(e.Kind.Len()) + "桁の数字を入力してください。"
	case CodeLength:
		if e.Kind == Unknown {
			return fmt.Sprintf("個人番号は%d桁、法人番号は%d桁の数字です（入力は%d桁）。桁数を確かめてください。",
				IndividualLen, CorporateLen, e.Length)
		}
		return fmt.Sprintf("%sは%d桁の数字です（入力は%d桁）。桁数を確かめてください。", name, e.Kind.Len(), e.Length)
	case CodeNotDigit:
		fix := name + "は数字だけで入力してください（ハイフンや空白は入れても構いません）。"
		if e.Char != "" {
			return fmt.Sprintf("%d文字目に数字以外の文字「%s」があります。", e.Pos, e.Char) + fix
		}
		return fmt.Sprintf("%d文字目に目に見えない文字か使えない文字があります。", e.Pos) + fix
	case CodeCheckDigit:
		where := "最後の桁"
		if e.Kind == Corporate {
			where = "先頭の桁"
		}
		return name + "の" + where + "（チェックデジット）が合いません。入力間違いがないか、書類と見比べてください。"
	}
	return name + "が正しくありません。"
}

// English is the message for the user in English (apperr.Coded): Error without its prefix.
// Like Error, it never contains input digits.
func (e *ValidationError) English() string { return strings.TrimPrefix(e.Error(), "mynumber: ") }

// UserCode is "invalid" (apperr.CodeInvalid).
func (e *ValidationError) UserCode() string { return "invalid" }

// UserField is "": the caller knows which field held the number.
func (e *ValidationError) UserField() string { return "" }
