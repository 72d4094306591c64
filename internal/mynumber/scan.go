package mynumber

import (
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// ContainsValidIndividual reports whether b holds a run of exactly 12 ASCII digits (not part
// of a longer run of digits) whose check digit is right, and returns the byte offset of the
// first such run. It is meant for tests and tools that scan databases, logs and temporary
// files for a number that leaked in clear.
//
// It only finds the plain 12-digit form; it does not look for numbers written with spaces,
// hyphens or full-width digits, nor for numbers in UTF-16. About one in ten random 12-digit
// runs passes the check digit, so a hit in binary data may be a coincidence.
//
// It skips ahead twelve bytes at a time through text without digits, so scanning mostly
// non-numeric data runs at several GB/s.
func ContainsValidIndividual(b []byte) (offset int, ok bool) {
	const n = IndividualLen
	i := 0 // candidate start; b[i-1], if any, is not a digit or was already examined
	for i+n <= len(b) {
		// Any run of n digits starting in b[i:i+n] covers b[i+n-1].
		if !isDigit(b[i+n-1]) {
			i += n
			continue
		}
		// Find the run of digits around b[i+n-1]. It cannot start before i: either
		// b[i-1] ended the previous run, or b[i-1] was the non-digit we skipped over.
		s := i + n - 1
		for s > i && isDigit(b[s-1]) {
			s--
		}
		e := i + n
		for e < len(b) && isDigit(b[e]) {
			e++
		}
		if e-s == n && individualCheck(b[s:s+n-1]) == int(b[s+n-1]-'0') {
			return s, true
		}
		i = e + 1 // b[e] is not a digit (or e is the end)
	}
	return 0, false
}

func isDigit(c byte) bool { return c-'0' <= 9 }

// HoldsIndividual reports whether text holds an Individual Number as people write one: 12
// digits with a right check digit, not part of a longer run of digits, in ASCII or full-width
// digits, plain or grouped with spaces or hyphens ("1234 5678 9018", "１２３４－５６７８－９０１８").
// It is the one check for "this text must not hold a My Number" — free-text fields, report
// cells, what a phone submits as anything but the number — and never returns the number.
// (The audit log's own refusal, app/audit, is stricter: it refuses every run of 12 or more
// digits, with or without a right check digit.)
func HoldsIndividual(text string) bool {
	digits := 0
	for _, r := range text {
		if unicode.IsDigit(r) {
			digits++
		}
	}
	if digits < IndividualLen {
		return false
	}
	for _, t := range []string{norm.NFKC.String(text), Normalize(text)} {
		if _, ok := ContainsValidIndividual([]byte(t)); ok {
			return true
		}
	}
	return false
}
