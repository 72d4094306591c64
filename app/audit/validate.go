package audit

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// validate checks an entry before it is chained. Its errors name the field, never the text.
func validate(e *Entry) error {
	if !e.Action.Valid() {
		return fmt.Errorf("%w: unknown action", ErrInvalidEntry)
	}
	if !e.Result.Valid() {
		return fmt.Errorf("%w: unknown result", ErrInvalidEntry)
	}
	for _, f := range []struct{ name, text string }{
		{"login", e.Login},
		{"workstation", e.Workstation},
		{"target type", e.TargetType},
		{"target id", e.TargetID},
		{"purpose", e.Purpose},
		{"detail", e.Detail},
	} {
		if len(f.text) > MaxTextLen {
			return fmt.Errorf("%w: %s longer than %d bytes", ErrInvalidEntry, f.name, MaxTextLen)
		}
		if !utf8.ValidString(f.text) {
			return fmt.Errorf("%w: %s is not UTF-8", ErrInvalidEntry, f.name)
		}
		if looksLikeNumber(f.text) {
			return fmt.Errorf("%w: %s contains a digit sequence shaped like a My Number or corporate number", ErrInvalidEntry, f.name)
		}
	}
	return nil
}

// longRun is the shortest run of digits that Append refuses: a My Number has 12 digits, a
// corporate number 13.
const longRun = 12

// looksLikeNumber reports whether s contains a run of longRun or more decimal digits (any
// Unicode decimal digit, which includes ASCII and full-width ０-９), or exactly three groups of
// four digits separated by single spaces or hyphens ("1234 5678 9018", "1234-5678-9018"), the
// way a My Number is usually written.
func looksLikeNumber(s string) bool {
	run := 0        // digits in the current run
	groups := 0     // runs of exactly four digits in the current chain
	chainOK := true // no run of another length in the current chain
	closeRun := func() {
		if run == 4 {
			groups++
		} else {
			chainOK = false
		}
		run = 0
	}
	closeChain := func() bool {
		found := chainOK && groups == 3
		groups, chainOK = 0, true
		return found
	}
	for _, c := range s {
		if unicode.IsDigit(c) {
			run++
			if run >= longRun {
				return true
			}
			continue
		}
		if run > 0 {
			closeRun()
			if isSeparator(c) {
				continue // one separator after digits: the chain goes on
			}
		}
		// Anything else, or a second separator in a row, ends the chain.
		if closeChain() {
			return true
		}
	}
	if run > 0 {
		closeRun()
	}
	return closeChain()
}

// isSeparator reports whether c is a space or hyphen people put between digit groups.
func isSeparator(c rune) bool {
	switch c {
	case ' ', '-', '\u3000', '\uff0d', '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2212', '\u30fc':
		return true
	}
	return false
}

// Redact returns s unchanged when Append would accept it, and otherwise s with every digit
// replaced by '#'. Use it for text that comes from users or the file system (a file name such as
// "backup-202611241230.bak"), which must be recorded but may hold a number-shaped run.
func Redact(s string) string {
	if !looksLikeNumber(s) {
		return s
	}
	out := []rune(s)
	for i, c := range out {
		if unicode.IsDigit(c) {
			out[i] = '#'
		}
	}
	return string(out)
}
