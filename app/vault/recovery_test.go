package vault

import (
	"bytes"
	"crypto/rand"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

var recoveryKeyPattern = regexp.MustCompile(`^([0-9A-HJKMNP-TV-Z]{4}-){13}[0-9A-HJKMNP-TV-Z]{4}$`)

func randomRecoveryKey(t testing.TB) ([]byte, string) {
	t.Helper()
	k := make([]byte, keySize)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return k, formatRecoveryKey(k)
}

func TestGFPolyIsPrimitive(t *testing.T) {
	// α = 2 must have order 1023, or the check code loses its distance.
	x := uint16(1)
	for i := 1; i <= 1023; i++ {
		x = gfMul(x, 2)
		if x == 1 && i != 1023 {
			t.Fatalf("α has order %d", i)
		}
	}
	if x != 1 {
		t.Fatal("α^1023 != 1")
	}
}

func TestRecoveryKeyRoundTrip(t *testing.T) {
	for _, k := range [][]byte{make([]byte, 32), bytes.Repeat([]byte{0xff}, 32)} {
		s := formatRecoveryKey(k)
		if got, err := parseRecoveryKey(s); err != nil || !bytes.Equal(got, k) {
			t.Fatalf("parse(format(%x)) = %x, %v", k, got, err)
		}
	}
	for range 100 {
		k, s := randomRecoveryKey(t)
		if !recoveryKeyPattern.MatchString(s) {
			t.Fatalf("formatted key %q has the wrong shape", s)
		}
		got, err := parseRecoveryKey(s)
		if err != nil || !bytes.Equal(got, k) {
			t.Fatalf("round trip failed: %v", err)
		}
	}
}

func fullWidth(s string) string {
	return strings.Map(func(r rune) rune {
		if r > ' ' && r < 0x7f {
			return r - '!' + '！'
		}
		return r
	}, s)
}

func TestParseRecoveryKeyIsTolerant(t *testing.T) {
	// A key whose text has 0 and 1 in it, to exercise the O/I/L readings.
	var k []byte
	var s string
	for {
		k, s = randomRecoveryKey(t)
		if strings.Contains(s, "0") && strings.Contains(s, "1") {
			break
		}
	}
	for name, typed := range map[string]string{
		"as printed":          s,
		"lower case":          strings.ToLower(s),
		"no hyphens":          strings.ReplaceAll(s, "-", ""),
		"spaces":              strings.ReplaceAll(s, "-", " "),
		"newlines and tabs":   "\n\t" + strings.ReplaceAll(s, "-", "\n") + "\r\n",
		"O for 0":             strings.ReplaceAll(s, "0", "O"),
		"o for 0":             strings.ReplaceAll(s, "0", "o"),
		"I for 1":             strings.ReplaceAll(s, "1", "I"),
		"l for 1":             strings.ReplaceAll(s, "1", "l"),
		"full-width":          fullWidth(s),
		"katakana long mark":  strings.ReplaceAll(s, "-", "ー"),
		"ideographic space":   strings.ReplaceAll(s, "-", "\u3000"),
		"en dash and minus":   strings.Replace(strings.ReplaceAll(s, "-", "–"), "–", "−", 3),
		"uneven grouping":     strings.ReplaceAll(s, "-", "")[:10] + " " + strings.ReplaceAll(s, "-", "")[10:],
		"full-width hyphen":   strings.ReplaceAll(s, "-", "－"),
		"mixed spaces+hyphen": strings.ReplaceAll(s, "-", " - "),
	} {
		t.Run(name, func(t *testing.T) {
			got, err := parseRecoveryKey(typed)
			if err != nil || !bytes.Equal(got, k) {
				t.Fatalf("parse failed: %v", err)
			}
		})
	}
}

func TestParseRecoveryKeyErrors(t *testing.T) {
	_, s := randomRecoveryKey(t)
	for _, tc := range []struct {
		name, typed, msg string
	}{
		{"empty", "", "0 characters, want 56"},
		{"one group missing", s[:len(s)-5], "52 characters"},
		{"one extra group", s + "-ABCD", "too long"},
		{"U in group 3", s[:10] + "U" + s[11:], "group 3"},
		{"symbol in group 1", "*" + s[1:], "group 1"},
		{"kanji in group 5", s[:20] + "鍵" + s[21:], "group 5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckRecoveryKey(tc.typed)
			if !errors.Is(err, ErrBadRecoveryKey) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("error = %v, want ErrBadRecoveryKey saying %q", err, tc.msg)
			}
		})
	}
}

// Every single mistyped character and every swap of neighbours is detected, for any key.
func TestRecoveryKeyDetectsEveryTypo(t *testing.T) {
	for range 20 {
		_, s := randomRecoveryKey(t)
		syms := []byte(strings.ReplaceAll(s, "-", ""))
		for i := range syms {
			for _, c := range []byte(crockford) {
				if c == syms[i] {
					continue
				}
				typo := bytes.Clone(syms)
				typo[i] = c
				err := CheckRecoveryKey(string(typo))
				if !errors.Is(err, ErrBadRecoveryKey) || !strings.Contains(err.Error(), "typo") {
					t.Fatalf("substitution at %d not detected as a typo: %v", i, err)
				}
			}
			if i+1 < len(syms) && syms[i] != syms[i+1] {
				typo := bytes.Clone(syms)
				typo[i], typo[i+1] = typo[i+1], typo[i]
				if err := CheckRecoveryKey(string(typo)); !errors.Is(err, ErrBadRecoveryKey) {
					t.Fatalf("swap at %d not detected", i)
				}
			}
		}
	}
}

func TestRecoveryKitText(t *testing.T) {
	key := make([]byte, keySize)
	for i := range key {
		key[i] = byte(i * 7)
	}
	kit := RecoveryKit{
		VaultID:   "00112233445566778899aabbccddeeff",
		Key:       formatRecoveryKey(key),
		CreatedAt: time.Date(2025, 11, 24, 9, 30, 0, 0, time.UTC),
	}
	got := kit.Text("さくら社会保険労務士事務所")
	for _, want := range []string{"リカバリーキット", kit.VaultID, "2025-11-24 18:30 (日本時間)", "さくら社会保険労務士事務所",
		"このキーは二度と表示されません", "保管"} {
		if !strings.Contains(got, want) {
			t.Errorf("kit text lacks %q", want)
		}
	}
	if !strings.Contains(strings.NewReplacer("\n", "", " ", "", "-", "").Replace(got), strings.ReplaceAll(kit.Key, "-", "")) {
		t.Error("kit text lacks the key")
	}
	// What is printed must parse back to the key.
	start := strings.Index(got, "リカバリーキー:\n") + len("リカバリーキー:\n")
	printed := got[start : start+strings.Index(got[start:], "\n\n")]
	if k, err := parseRecoveryKey(printed); err != nil || !bytes.Equal(k, key) {
		t.Errorf("printed key does not parse back: %v", err)
	}
	golden := filepath.Join("testdata", "recovery_kit.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("kit text differs from %s (run with -update after checking):\n%s", golden, got)
	}
}

func FuzzParseRecoveryKey(f *testing.F) {
	f.Add("0000-0000-0000-0000-0000-0000-0000-0000-0000-0000-0000-0000-0000-0000")
	f.Add(formatRecoveryKey(bytes.Repeat([]byte{0x5a}, 32)))
	f.Add(strings.ToLower(formatRecoveryKey(bytes.Repeat([]byte{0xa5}, 32))))
	f.Add(fullWidth(formatRecoveryKey(make([]byte, 32))))
	f.Add("ABCD-EFGH")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		k, err := parseRecoveryKey(s)
		if err != nil {
			if !errors.Is(err, ErrBadRecoveryKey) {
				t.Fatalf("error does not wrap ErrBadRecoveryKey: %v", err)
			}
			return
		}
		if len(k) != keySize {
			t.Fatalf("parsed key is %d bytes", len(k))
		}
		again, err := parseRecoveryKey(formatRecoveryKey(k))
		if err != nil || !bytes.Equal(again, k) {
			t.Fatalf("format of a parsed key does not parse back: %v", err)
		}
	})
}
