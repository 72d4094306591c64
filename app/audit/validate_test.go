package audit

import (
	"regexp"
	"testing"
)

// numberChain is the reference for looksLikeNumber: a maximal chain of digit groups joined by
// single separators.
var numberChain = regexp.MustCompile(`\p{Nd}+(?:[ \-\x{3000}\x{ff0d}\x{2010}-\x{2014}\x{2212}\x{30fc}]\p{Nd}+)*`)

var digitGroup = regexp.MustCompile(`\p{Nd}+`)

func referenceLooksLikeNumber(s string) bool {
	for _, chain := range numberChain.FindAllString(s, -1) {
		groups := digitGroup.FindAllString(chain, -1)
		fours := 0
		for _, g := range groups {
			n := len([]rune(g))
			if n >= 12 {
				return true
			}
			if n == 4 {
				fours++
			}
		}
		if len(groups) == 3 && fours == 3 {
			return true
		}
	}
	return false
}

func FuzzLooksLikeNumber(f *testing.F) {
	for _, s := range []string{"", "123456789018", "1234 5678 9018", "１２３４-５６７８-９０１８", "2025-04-01 12:00",
		"1234--5678-9018-1234", "a1234-5678-9018b", "12345678901", "person 17", "1234ー5678ー9018", "\xff123456789012"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := looksLikeNumber(s), referenceLooksLikeNumber(s); got != want {
			t.Errorf("looksLikeNumber(%q) = %v, reference says %v", s, got, want)
		}
		// Embedding a 12-digit run anywhere is always caught.
		if !looksLikeNumber(s + "123456789018" + s) {
			t.Errorf("missed a 12-digit run after %q", s)
		}
	})
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"backup to vault.bak":              "backup to vault.bak",
		"backup to vault-202611241230.bak": "backup to vault-############.bak",
		"1234 5678 9018":                   "#### #### ####",
		"2026-11-24":                       "2026-11-24",
	} {
		got := Redact(in)
		if got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
		if looksLikeNumber(got) {
			t.Errorf("Redact(%q) still looks like a number", in)
		}
	}
}
