package mynumber

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestContainsValidIndividual(t *testing.T) {
	tests := []struct {
		in     string
		offset int
		ok     bool
	}{
		{"123456789018", 0, true},
		{"id=123456789018;", 3, true},
		{"log: 123456789018\n", 5, true},
		{"x123456789018", 1, true},
		{"1234567890180", 0, false},  // part of a 13-digit run
		{"0123456789018", 0, false},  // part of a 13-digit run
		{"123456789019", 0, false},   // check digit wrong
		{"12345678901", 0, false},    // 11 digits
		{"1234-5678-9018", 0, false}, // only the plain form is looked for
		{"１２３４５６７８９０１８", 0, false},   // full-width is not ASCII
		{"", 0, false},
		{"12345678901 123456789018", 12, true},
		{"123456789019 123456789018", 13, true},
		{"7123456789012 000000000000", 14, true}, // corporate number skipped, second run found
		{"9999999999999999999999999999x100000000005", 29, true},
		{"12345678901812345678901", 0, false},
		{"aaaaaaaaaaa123456789018", 11, true}, // run ends at the end of the buffer
		{"aaaaaaaaaaaa123456789018bbbbbbbbbbbb", 12, true},
	}
	for _, tt := range tests {
		off, ok := ContainsValidIndividual([]byte(tt.in))
		if ok != tt.ok || (ok && off != tt.offset) {
			t.Errorf("ContainsValidIndividual(%q) = %d, %v; want %d, %v", tt.in, off, ok, tt.offset, tt.ok)
		}
	}
}

// naiveContains is the obvious implementation ContainsValidIndividual must agree with.
func naiveContains(b []byte) (int, bool) {
	for s := 0; s < len(b); {
		if !isDigit(b[s]) {
			s++
			continue
		}
		e := s
		for e < len(b) && isDigit(b[e]) {
			e++
		}
		if e-s == IndividualLen && IsValidIndividual(string(b[s:e])) {
			return s, true
		}
		s = e
	}
	return 0, false
}

// TestContainsValidIndividualMatchesNaive compares with the naive scan on random buffers
// with every density of digits, every placement relative to the 12-byte skip, and every
// buffer end.
func TestContainsValidIndividualMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20000; i++ {
		n := r.IntN(80)
		density := r.Float64()
		b := make([]byte, n)
		for j := range b {
			if r.Float64() < density {
				b[j] = byte('0' + r.IntN(10))
			} else {
				b[j] = " x-/\n\x00\xff:"[r.IntN(8)]
			}
		}
		if n >= IndividualLen && r.IntN(3) == 0 { // plant a valid number somewhere
			p := r.IntN(n - IndividualLen + 1)
			copy(b[p:], "123456789018")
		}
		wantOff, wantOK := naiveContains(b)
		off, ok := ContainsValidIndividual(b)
		if ok != wantOK || off != wantOff {
			t.Fatalf("ContainsValidIndividual(%q) = %d, %v; naive says %d, %v", b, off, ok, wantOff, wantOK)
		}
	}
}

func TestIsDigit(t *testing.T) {
	for c := 0; c < 256; c++ {
		if got, want := isDigit(byte(c)), c >= '0' && c <= '9'; got != want {
			t.Errorf("isDigit(%#x) = %v", c, got)
		}
	}
}

// scanCorpus is 64 MiB of log-like text: timestamps, ids and short numbers, no valid
// 12-digit run. The digits make the scan slower than on plain prose.
func scanCorpus(b *testing.B) []byte {
	b.Helper()
	line := []byte("2024-04-01T09:30:00Z INFO request id=4f9a2c user=1042 status=200 bytes=5120 path=/api/v1/employees/77\n")
	buf := bytes.Repeat(line, 64<<20/len(line)+1)[:64<<20]
	if _, ok := ContainsValidIndividual(buf); ok {
		b.Fatal("corpus unexpectedly contains a number")
	}
	return buf
}

func BenchmarkContainsValidIndividual(b *testing.B) {
	b.Run("log-64MiB", func(b *testing.B) {
		buf := scanCorpus(b)
		b.SetBytes(int64(len(buf)))
		for b.Loop() {
			if _, ok := ContainsValidIndividual(buf); ok {
				b.Fatal("found")
			}
		}
	})
	b.Run("random-64MiB", func(b *testing.B) {
		// Uniform random bytes: about 4% digits, like compressed or encrypted pages.
		buf := make([]byte, 64<<20)
		r := rand.New(rand.NewPCG(3, 4))
		for i := range buf {
			buf[i] = byte(r.Uint32())
		}
		b.SetBytes(int64(len(buf)))
		for b.Loop() {
			ContainsValidIndividual(buf)
		}
	})
	b.Run("digits-64MiB", func(b *testing.B) {
		// Worst case: one long run of digits, every byte visited.
		buf := bytes.Repeat([]byte("0123456789"), 64<<20/10)
		b.SetBytes(int64(len(buf)))
		for b.Loop() {
			if _, ok := ContainsValidIndividual(buf); ok {
				b.Fatal("found")
			}
		}
	})
}

func BenchmarkValidate(b *testing.B) {
	for _, bc := range []struct{ name, in string }{
		{"individual", "123456789018"},
		{"full-width-hyphens", "１２３４-５６７８-９０１８"},
		{"corporate", "7123456789012"},
		{"not-digit", "12345678901A"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				Validate(bc.in)
			}
		})
	}
}

// TestHoldsIndividual: the one "no My Number in this text" check finds a number however people
// write it, and nothing else.
func TestHoldsIndividual(t *testing.T) {
	d, _ := IndividualCheckDigit("12345678901")
	n := "12345678901" + string(rune('0'+d))
	wrong := "12345678901" + string(rune('0'+(d+1)%10))
	full := strings.Map(func(r rune) rune { return r - '0' + '０' }, n)
	for _, s := range []string{n, "番号は" + n + "です", full, n[:4] + " " + n[4:8] + " " + n[8:], n[:4] + "-" + n[4:8] + "-" + n[8:],
		full[:4*3] + "－" + full[4*3:8*3] + "　" + full[8*3:]} {
		if !HoldsIndividual(s) {
			t.Errorf("missed %q", s)
		}
	}
	for _, s := range []string{"", "社員 123", wrong, "1" + n, n + "7", "0312345678", "E001 山田 太郎"} {
		if HoldsIndividual(s) {
			t.Errorf("flagged %q", s)
		}
	}
}
