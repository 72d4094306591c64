package mynumber

import (
	"errors"
	"testing"
	"unicode/utf8"
)

var fuzzSeeds = []string{
	"123456789018", "１２３４５６７８９０１８", "1234-5678-9018", "1234 5678 9018", "7123456789012",
	"4011001098993", "12345678901", "12A456789018", "", "ー", "a-\u0301", "\u200b", "⑴", "١٢٣", "\xff\xfe",
	"ｶ-\u3099", "1234\u30005678\u30009018",
}

func FuzzNormalize(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalize(s)
		if again := Normalize(n); again != n {
			t.Fatalf("Normalize not idempotent: %q → %q → %q", s, n, again)
		}
		if utf8.ValidString(s) && !utf8.ValidString(n) {
			t.Fatalf("Normalize(%q) = %q is not valid UTF-8", s, n)
		}
		for _, r := range n {
			if isSeparator(r) {
				t.Fatalf("Normalize(%q) = %q keeps separator %U", s, n, r)
			}
		}
		_ = Mask(s)
	})
}

func FuzzValidate(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		kind, n, err := Validate(s)
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Validate(%q) error %v is not a *ValidationError", s, err)
			}
			checkNoInputDigits(t, s, ve)
			return
		}
		if !isASCIIDigits(n) || len(n) != kind.Len() {
			t.Fatalf("Validate(%q) = %v, %q: not %d ASCII digits", s, kind, n, kind.Len())
		}
		var again string
		switch kind {
		case Individual:
			again, err = ValidateIndividual(s)
			if m := Mask(s); m != "**** **** "+n[8:] {
				t.Fatalf("Mask of a valid number = %q", m)
			}
		case Corporate:
			again, err = ValidateCorporate(s)
		default:
			t.Fatalf("Validate(%q) kind = %v", s, kind)
		}
		if err != nil || again != n {
			t.Fatalf("Validate(%q) = %q but the kind's validator says %q, %v", s, n, again, err)
		}
	})
}
