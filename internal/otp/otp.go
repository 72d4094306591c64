// Package otp is the one place both sides of an employee's one-time password agree on: the
// app that prints it on the notice letter and keeps its verifier (app/collect), and the relay
// that checks the employee's login (cloud). It imports nothing of either.
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
