// Package otp is the one place both sides of a typed one-time code agree on: an employee's
// one-time password (the app prints it on the notice letter and keeps its verifier, app/collect;
// the relay checks the login, cloud) and an office's restore code (the relay issues and checks
// it; a new PC's app keeps what it fetched with it). It imports nothing of either.
package otp

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Normalize turns what a person typed into the stored form: NFKC (full-width letters), upper
// case, without spaces and hyphens (also the long vowel mark ー an IME may put for a hyphen).
// Removing a separator can put a combining mark next to a new letter, so it repeats until
// nothing changes. The phone page does the same in JavaScript.
func Normalize(s string) string {
	for range 8 {
		t := strings.Map(func(r rune) rune {
			if r == '-' || r == 'ー' || unicode.IsSpace(r) {
				return -1
			}
			return r
		}, strings.ToUpper(norm.NFKC.String(s)))
		if t == s {
			break
		}
		s = t
	}
	return s
}

// NormalizeRestoreCode is what a typed restore code is hashed and compared as: upper case,
// without spaces and dashes, and the digits a reader takes for letters read as those letters
// (base32 has no 0, 1 or 8).
func NormalizeRestoreCode(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '-' || r == ' ' || r == '\t' || r == '\n' || r == '\r':
			return -1
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r == '0':
			return 'O'
		case r == '1':
			return 'I'
		case r == '8':
			return 'B'
		}
		return r
	}, s)
}
