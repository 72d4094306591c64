package auth

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/mynumber-shelter/shelter/app/apperr"
)

// Password rules (OWASP ASVS 5.0 §6.2): at least MinPasswordLength characters, up to
// MaxPasswordLength, no composition rules, no truncation or case change, and not a common or
// guessable password.
const (
	MinPasswordLength = 8
	MaxPasswordLength = 128
)

// CheckPassword reports why password may not be used by the user with this login, or nil.
// The returned error never contains the password.
//
// The rules are checked on the password's NFKC form, the form the vault's key derivation uses:
// ｐａｓｓｗｏｒｄ１ typed in a Japanese IME's full-width mode is password1, and is refused.
func CheckPassword(password, login string) error {
	password, login = norm.NFKC.String(password), norm.NFKC.String(login)
	n := utf8.RuneCountInString(password)
	switch {
	case n == 0:
		return apperr.Invalid("password", "パスワードを入力してください。", "Enter a password.")
	case n < MinPasswordLength:
		return apperr.Invalid("password",
			"パスワードは8文字以上にしてください（15文字以上を推奨）。",
			"Use at least 8 characters (15 or more recommended).")
	case n > MaxPasswordLength:
		return apperr.Invalid("password",
			"パスワードは128文字以内にしてください。", "Use at most 128 characters.")
	}
	if reason := weakness(password, login); reason != "" {
		return apperr.Invalid("password",
			"よく使われる・推測されやすいパスワードです（"+reason+"）。別のパスワードにしてください。",
			"This password is common or easy to guess. Choose another one.")
	}
	return nil
}

// weakness returns a short Japanese reason when password is guessable, or "".
func weakness(password, login string) string {
	lower := strings.ToLower(password)
	if login != "" && utf8.RuneCountInString(login) >= 3 && strings.Contains(lower, strings.ToLower(login)) {
		return "ログインIDを含んでいます"
	}
	if isCommon(lower) {
		return "よく使われるパスワードの一覧にあります"
	}
	// A common word followed or preceded by digits and symbols ("password123!", "2024qwerty").
	core := strings.TrimFunc(lower, func(r rune) bool { return unicode.IsDigit(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) })
	if core != lower && (core == "" || isCommon(core) || isSequence(core) || distinct(core) <= 2) {
		return "よく使われる語に数字や記号を足しただけです"
	}
	if distinct(lower) <= 2 {
		return "同じ文字の繰り返しです"
	}
	if isSequence(lower) {
		return "連続した文字・キーボードの並びです"
	}
	return ""
}

func distinct(s string) int {
	seen := map[rune]bool{}
	for _, r := range s {
		seen[r] = true
	}
	return len(seen)
}

// sequences are runs people type as passwords: the alphabet, digits, and keyboard rows, both ways.
var sequences = []string{
	"abcdefghijklmnopqrstuvwxyz",
	"01234567890",
	"qwertyuiop", "asdfghjkl", "zxcvbnm",
	"1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
	"qazwsxedcrfvtgbyhnujmikolp",
	"!@#$%^&*()",
}

// isSequence reports whether s is made of one or two runs of a known sequence (forwards or
// backwards), such as "12345678", "abcdefgh", "qwertyuiop" or "zyxwvuts".
func isSequence(s string) bool {
	if len(s) < 4 {
		return false
	}
	contains := func(part string) bool {
		if len(part) < 3 {
			return false
		}
		for _, q := range sequences {
			if strings.Contains(q, part) || strings.Contains(reverse(q), part) {
				return true
			}
		}
		return false
	}
	if contains(s) {
		return true
	}
	for i := 3; i <= len(s)-3; i++ {
		if contains(s[:i]) && contains(s[i:]) {
			return true
		}
	}
	return false
}

func reverse(s string) string {
	r := []rune(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r)
}
