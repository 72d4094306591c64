package auth

import (
	"strings"
	"testing"
)

func TestCheckPassword(t *testing.T) {
	cases := []struct {
		pw, login string
		ok        bool
	}{
		{"", "u", false},
		{"short1!", "u", false}, // 7 characters
		{"eightch8", "u", true}, // exactly 8, no composition rule
		{"すべてひらがなのぱすわーど", "u", true},                 // any script counts by characters
		{"パスワード", "u", false},                        // 5 characters
		{strings.Repeat("a", 64) + "Zq9", "u", true}, // long passwords are allowed (>64)
		{strings.Repeat("x7", 65), "u", false},       // 130 > 128
		{"password", "u", false},                     // common
		{"Password123!", "u", false},                 // common word + digits + symbol
		{"2024qwerty", "u", false},                   // digits + keyboard row
		{"12345678", "u", false},                     // sequence
		{"87654321", "u", false},                     // reversed sequence
		{"abcdefgh", "u", false},                     // alphabet run
		{"qwertyuiop", "u", false},                   // keyboard row
		{"aaaaaaaaaa", "u", false},                   // repetition
		{"abababababab", "u", false},                 // two characters repeated
		{"tanaka-2026-spring", "tanaka", false},      // contains the login
		{"mynumber2026", "u", false},                 // product word + digits
		{"sakura!!!!", "u", false},                   // common Japanese word + symbols
		{"correct horse battery staple", "u", true},  // a passphrase
		{"  spaces are kept  ", "u", true},           // no trimming
		{"kagoshima-shiroyama-7", "u", true},         // words with digits but not a known base
		// Checked on the NFKC form: a Japanese IME's full-width mode does not get past the rules.
		{"ｐａｓｓｗｏｒｄ１", "u", false},
		{"ｑｗｅｒｔｙｕｉｏｐ", "u", false},
		{"ｔａｎａｋａ－２０２６－ｓｐｒｉｎｇ", "tanaka", false},
		{"tanaka-2026-spring", "ｔａｎａｋａ", false},
		{"ｋａｇｏｓｈｉｍａ－ｓｈｉｒｏｙａｍａ－７", "u", true},
	}
	for _, c := range cases {
		err := CheckPassword(c.pw, c.login)
		if (err == nil) != c.ok {
			t.Errorf("CheckPassword(%q, %q) = %v, want ok=%v", c.pw, c.login, err, c.ok)
		}
		if err != nil && len(c.pw) > 8 && strings.Contains(err.Error(), c.pw) {
			t.Errorf("error message contains the password: %v", err)
		}
	}
}

func TestTemporaryPassword(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 200; i++ {
		pw, err := temporaryPassword(nilReader{})
		if err != nil {
			t.Fatal(err)
		}
		if len(pw) != 19 || strings.Count(pw, "-") != 3 {
			t.Fatalf("shape: %q", pw)
		}
		if strings.ContainsAny(pw, "0O1lI") {
			t.Fatalf("ambiguous characters: %q", pw)
		}
		if err := CheckPassword(pw, "someone"); err != nil {
			t.Fatalf("temporary password fails the policy: %v", err)
		}
		if seen[pw] {
			t.Fatal("repeated temporary password")
		}
		seen[pw] = true
	}
}

// nilReader is crypto/rand through the default path (Service.rand), used directly here.
type nilReader struct{}

func (nilReader) Read(p []byte) (int, error) { return (&Service{}).rand().Read(p) }
