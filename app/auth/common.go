package auth

import (
	_ "embed"
	"strings"
	"sync"
)

// commonPasswords is a list of frequently used passwords and words they are built from, one a
// line, lower case. It is written for this product (not copied from a leak corpus); together with
// the rules in weakness (repetition, sequences, a common word with digits or symbols added, the
// login contained) it rejects the passwords attackers try first (ASVS 5.0 §6.2.4).
//
//go:embed common_passwords.txt
var commonPasswordsText string

var commonOnce = sync.OnceValue(func() map[string]bool {
	m := make(map[string]bool, 1024)
	for _, line := range strings.Split(commonPasswordsText, "\n") {
		line = strings.TrimSpace(strings.ToLower(line))
		if line != "" && !strings.HasPrefix(line, "#") {
			m[line] = true
		}
	}
	return m
})

func isCommon(lower string) bool { return commonOnce()[lower] }
