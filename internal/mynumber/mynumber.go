package mynumber

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Kind says which of the two numbers a string is.
type Kind int

const (
	// Unknown is the zero Kind: not yet known to be either number.
	Unknown Kind = iota
	// Individual is the 12-digit Individual Number (個人番号).
	Individual
	// Corporate is the 13-digit Corporate Number (法人番号).
	Corporate
)

// Lengths of the two numbers in digits.
const (
	IndividualLen = 12
	CorporateLen  = 13
)

// String returns "individual", "corporate" or "unknown".
func (k Kind) String() string {
	switch k {
	case Individual:
		return "individual"
	case Corporate:
		return "corporate"
	}
	return "unknown"
}

// Japanese returns "個人番号", "法人番号" or, for Unknown, "番号".
func (k Kind) Japanese() string {
	switch k {
	case Individual:
		return "個人番号"
	case Corporate:
		return "法人番号"
	}
	return "番号"
}

// Len returns the number of digits of k, or 0 for Unknown.
func (k Kind) Len() int {
	switch k {
	case Individual:
		return IndividualLen
	case Corporate:
		return CorporateLen
	}
	return 0
}

// ErrBase is returned by [IndividualCheckDigit] and [CorporateCheckDigit] when the base is
// not exactly 11 (or 12) ASCII digits. It never contains the base.
var ErrBase = errors.New("mynumber: check digit base has the wrong length or a non-digit")

// Normalize turns what a person typed or pasted into the form the validators check: it
// applies Unicode NFKC (full-width digits become ASCII digits, U+3000 becomes a space) and then
// removes every space (as defined by [unicode.IsSpace]) and every hyphen, dash or minus
// look-alike (- ‐ ‑ ‒ – — ― − ⁃ ˗ ─ ー ｰ and their compatibility forms). Everything else is
// kept, so that validation can report it.
//
// Normalize is idempotent: Normalize(Normalize(s)) == Normalize(s).
func Normalize(s string) string {
	if isASCIIDigits(s) {
		return s
	}
	// Removing a dash can put a combining mark next to a new base character, which NFKC
	// then composes; repeat until nothing changes. Two rounds settle every input seen by
	// the fuzzer; the bound only guards against the unforeseen.
	for i := 0; i < 8; i++ {
		t := strings.Map(dropSeparator, norm.NFKC.String(s))
		if t == s {
			break
		}
		s = t
	}
	return s
}

// dropSeparator is a strings.Map function that removes spaces and dash look-alikes.
func dropSeparator(r rune) rune {
	if isSeparator(r) {
		return -1
	}
	return r
}

// isSeparator reports whether Normalize removes r (after NFKC).
func isSeparator(r rune) bool {
	switch r {
	case '-', // U+002D HYPHEN-MINUS (also what NFKC makes of U+FF0D, U+FE63)
		'\u02D7', // ˗ MODIFIER LETTER MINUS SIGN
		'\u2010', // ‐ HYPHEN (also NFKC of U+2011 NON-BREAKING HYPHEN)
		'\u2012', // ‒ FIGURE DASH
		'\u2013', // – EN DASH
		'\u2014', // — EM DASH (also NFKC of U+FE58)
		'\u2015', // ― HORIZONTAL BAR
		'\u2043', // ⁃ HYPHEN BULLET
		'\u2212', // − MINUS SIGN
		'\u2500', // ─ BOX DRAWINGS LIGHT HORIZONTAL (what IMEs offer for "ー")
		'\u2501', // ━ BOX DRAWINGS HEAVY HORIZONTAL
		'\u30FC', // ー KATAKANA-HIRAGANA PROLONGED SOUND MARK (also NFKC of U+FF70 ｰ)
		'\uFE31', // ︱ vertical em dash (vertical text)
		'\uFE32': // ︲ vertical en dash
		return true
	}
	return unicode.IsSpace(r)
}

// isASCIIDigits reports whether s is non-empty and only ASCII digits.
func isASCIIDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i]-'0' > 9 {
			return false
		}
	}
	return true
}

// ValidateIndividual normalises s with [Normalize] and checks that it is a 12-digit
// Individual Number with a correct check digit. It returns the 12 ASCII digits, or a
// [*ValidationError] (Kind Individual) that never contains a digit of s.
func ValidateIndividual(s string) (string, error) {
	return validateKind(Individual, s)
}

// ValidateCorporate normalises s with [Normalize] and checks that it is a 13-digit Corporate
// Number with a correct check digit. It returns the 13 ASCII digits, or a [*ValidationError]
// (Kind Corporate) that never contains a digit of s.
func ValidateCorporate(s string) (string, error) {
	return validateKind(Corporate, s)
}

// Validate normalises s with [Normalize] and decides by length which number it is: 12 digits
// are checked as an Individual Number, 13 as a Corporate Number. It returns the Kind and the
// ASCII digits, or a [*ValidationError] that never contains a digit of s. The error's Kind
// is Unknown when the input is empty, has a non-digit, or has neither length.
func Validate(s string) (Kind, string, error) {
	n := Normalize(s)
	if err := checkForm(Unknown, s, n); err != nil {
		return Unknown, "", err
	}
	var k Kind
	switch len(n) {
	case IndividualLen:
		k = Individual
	case CorporateLen:
		k = Corporate
	default:
		return Unknown, "", &ValidationError{Code: CodeLength, Kind: Unknown, Length: len(n)}
	}
	if !checkDigitOK(k, n) {
		return Unknown, "", &ValidationError{Code: CodeCheckDigit, Kind: k, Length: len(n)}
	}
	return k, n, nil
}

func validateKind(k Kind, s string) (string, error) {
	n := Normalize(s)
	if err := checkForm(k, s, n); err != nil {
		return "", err
	}
	if len(n) != k.Len() {
		return "", &ValidationError{Code: CodeLength, Kind: k, Length: len(n)}
	}
	if !checkDigitOK(k, n) {
		return "", &ValidationError{Code: CodeCheckDigit, Kind: k, Length: len(n)}
	}
	return n, nil
}

// checkForm reports an empty or non-digit normalised input n; s is the input as given, used
// to point at the offending character the way the user typed it.
func checkForm(k Kind, s, n string) error {
	if n == "" {
		return &ValidationError{Code: CodeEmpty, Kind: k}
	}
	if isASCIIDigits(n) {
		return nil
	}
	pos, char := locateNonDigit(s, n)
	return &ValidationError{Code: CodeNotDigit, Kind: k, Pos: pos, Char: char, Length: utf8.RuneCountInString(n)}
}

// locateNonDigit finds the first character of the original input s that is neither a digit
// nor removed by Normalize, and returns its 1-based character position in s and a safe
// rendering of it (see ValidationError.Char). If no single character explains it (NFKC
// acting across characters), it falls back to the position in the normalised n.
func locateNonDigit(s, n string) (int, string) {
	pos := 0
	for _, r := range s {
		pos++
		m := strings.Map(dropSeparator, norm.NFKC.String(string(r)))
		if m != "" && !isASCIIDigits(m) {
			return pos, safeChar(r)
		}
	}
	pos = 0
	for _, r := range n {
		pos++
		if r < '0' || r > '9' {
			return pos, safeChar(r)
		}
	}
	return 0, ""
}

// safeChar renders r for a message: itself when it is a visible non-numeric character, ""
// when it is a digit of another script or a numeric symbol (showing it could show part of
// the number) or invisible.
func safeChar(r rune) string {
	if r == utf8.RuneError || unicode.IsNumber(r) || !unicode.IsGraphic(r) || unicode.Is(unicode.Mn, r) {
		return ""
	}
	// NFKC may still turn a visible character into one with digits (⒈ → "1."); hide those.
	if strings.ContainsFunc(norm.NFKC.String(string(r)), unicode.IsNumber) {
		return ""
	}
	return string(r)
}

// IsValidIndividual reports whether [ValidateIndividual] accepts s.
func IsValidIndividual(s string) bool {
	_, err := ValidateIndividual(s)
	return err == nil
}

// IsValidCorporate reports whether [ValidateCorporate] accepts s.
func IsValidCorporate(s string) bool {
	_, err := ValidateCorporate(s)
	return err == nil
}

// checkDigitOK reports whether the len(k) ASCII digits n carry the right check digit.
func checkDigitOK(k Kind, n string) bool {
	switch k {
	case Individual:
		return individualCheck(n[:IndividualLen-1]) == int(n[IndividualLen-1]-'0')
	case Corporate:
		return corporateCheck(n[1:]) == int(n[0]-'0')
	}
	return false
}

// IndividualCheckDigit returns the check digit (0–9) of an Individual Number whose first 11
// digits are base11, or [ErrBase] if base11 is not exactly 11 ASCII digits.
//
// 番号法施行規則 第五条: with P_n the n-th digit of the base counted from the right (n = 1 is
// the rightmost) and Q_n = n+1 for n ≤ 6, n−5 for n ≥ 7, the check digit is
// 11 − (Σ P_n×Q_n mod 11), or 0 when that remainder is 0 or 1.
func IndividualCheckDigit(base11 string) (int, error) {
	if len(base11) != IndividualLen-1 || !isASCIIDigits(base11) {
		return 0, ErrBase
	}
	return individualCheck(base11), nil
}

// individualWeights are the Q_n of IndividualCheckDigit read from the left (digit 1 is n = 11).
var individualWeights = [IndividualLen - 1]int{6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2}

// individualCheck computes the check digit of 11 ASCII digits; the caller has checked them.
func individualCheck[T string | []byte](base T) int {
	sum := 0
	for i, w := range individualWeights {
		sum += int(base[i]-'0') * w
	}
	r := sum % 11
	if r <= 1 {
		return 0
	}
	return 11 - r
}

// CorporateCheckDigit returns the check digit (1–9) of a Corporate Number whose last 12
// digits are base12, or [ErrBase] if base12 is not exactly 12 ASCII digits. The full number
// is the check digit followed by base12.
//
// 法人番号の指定等に関する省令 第二条: with P_n the n-th digit of the base counted from the
// right (n = 1 is the rightmost) and Q_n = 1 for odd n, 2 for even n, the check digit is
// 9 − ((Σ P_n×Q_n) mod 9). The remainder is taken of the whole sum, not of each term.
func CorporateCheckDigit(base12 string) (int, error) {
	if len(base12) != CorporateLen-1 || !isASCIIDigits(base12) {
		return 0, ErrBase
	}
	return corporateCheck(base12), nil
}

// corporateCheck computes the check digit of 12 ASCII digits; the caller has checked them.
func corporateCheck(base string) int {
	sum := 0
	for i := 0; i < CorporateLen-1; i++ {
		d := int(base[i] - '0')
		if i%2 == 0 { // leftmost digit is n = 12: even, weight 2
			d *= 2
		}
		sum += d
	}
	return 9 - sum%9
}
