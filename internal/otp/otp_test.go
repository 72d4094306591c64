package otp

import "testing"

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"abcd-efgh-jkmn": "ABCDEFGHJKMN",
		"ＡＢＣＤ　ＥＦＧＨ":      "ABCDEFGH",
		"abcdーefgh":      "ABCDEFGH",
		" ab cd ":        "ABCD",
	} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
		if Normalize(Normalize(in)) != Normalize(in) {
			t.Errorf("Normalize is not idempotent on %q", in)
		}
	}
}
