package card

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func hx(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

func TestParseTLV(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		tag       Tag
		value     string
		rest      string
		construct bool
		err       bool
	}{
		{"EF 0001", "FF100C 313233343536373839303138", 0xFF10, "313233343536373839303138", "", true, false},
		{"EF 0001 with trailing bytes", "FF100C 313233343536373839303138 FFFF00", 0xFF10, "313233343536373839303138", "FFFF00", true, false},
		{"DF tag", "DF2203 414243", 0xDF22, "414243", "", false, false},
		{"81 length", "DF2281 80" + strings.Repeat("41", 128), 0xDF22, strings.Repeat("41", 128), "", false, false},
		{"82 length", "FF2082 0100" + strings.Repeat("00", 256), 0xFF20, strings.Repeat("00", 256), "", true, false},
		{"non-minimal 82 length", "DF2282 0001 41", 0xDF22, "41", "", false, false},
		{"one-byte tag", "3003 020101", 0x30, "020101", "", true, false},
		{"three-byte tag", "5F8101 01 AA", 0x5F8101, "AA", "", false, false},
		{"empty value", "DF2500", 0xDF25, "", "", false, false},
		{"empty input", "", 0, "", "", false, true},
		{"tag only", "DF", 0, "", "", false, true},
		{"no length", "DF22", 0, "", "", false, true},
		{"indefinite length", "FF2080 0000", 0, "", "", false, true},
		{"truncated value", "DF2205 4142", 0, "", "", false, true},
		{"truncated long length", "DF2282 01", 0, "", "", false, true},
		{"length of 5 bytes", "DF2285 0000000001 41", 0, "", "", false, true},
		{"tag of 5 bytes", "DF81818181 01 41", 0, "", "", false, true},
		{"huge length", "DF2284 7FFFFFFF", 0, "", "", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, rest, err := ParseTLV(hx(tt.in))
			if tt.err {
				if err == nil || !errors.Is(err, ErrMalformed) {
					t.Fatalf("got %v, %v; want ErrMalformed", got, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Tag != tt.tag || !bytes.Equal(got.Value, hx(tt.value)) || !bytes.Equal(rest, hx(tt.rest)) {
				t.Fatalf("got tag %v value % X rest % X", got.Tag, got.Value, rest)
			}
			if got.Constructed() != tt.construct {
				t.Errorf("Constructed() = %v", got.Constructed())
			}
			if len(got.Raw)+len(rest) != len(hx(tt.in)) {
				t.Errorf("Raw and rest do not cover the input")
			}
		})
	}
}

func TestParseTLVs(t *testing.T) {
	// EF 0002 as the card lays it out, with trailing padding inside the value.
	in := hx("DF2104 000B000F DF2201 41 DF2302 4243 DF2408 3139383530343031 DF2501 32 0000")
	got, err := ParseTLVs(in)
	if err != nil {
		t.Fatal(err)
	}
	var tags []string
	for _, t := range got {
		tags = append(tags, t.Tag.String())
	}
	if strings.Join(tags, " ") != "DF21 DF22 DF23 DF24 DF25" {
		t.Fatalf("tags %v", tags)
	}
	if v, ok := Find(got, 0xDF24); !ok || string(v.Value) != "19850401" {
		t.Fatalf("Find DF24 = %q, %v", v.Value, ok)
	}
	if _, ok := Find(got, 0xDF26); ok {
		t.Fatal("found a tag that is not there")
	}
	for _, pad := range []string{"FFFFFF", "00", ""} {
		if got, err := ParseTLVs(hx("DF2201 41" + pad)); err != nil || len(got) != 1 {
			t.Errorf("padding %q: %v, %v", pad, got, err)
		}
	}
	// Garbage that is not padding is an error, after the good TLVs.
	got, err = ParseTLVs(hx("DF2201 41 DF2305 42"))
	if !errors.Is(err, ErrMalformed) || len(got) != 1 {
		t.Fatalf("garbage: %v, %v", got, err)
	}
}

func TestTagString(t *testing.T) {
	for tag, want := range map[Tag]string{0x30: "30", 0xDF22: "DF22", 0x5F8101: "5F8101", 0xDF818101: "DF818101"} {
		if tag.String() != want {
			t.Errorf("%d: %q, want %q", tag, tag.String(), want)
		}
	}
}

// FuzzBERTLV: the parser never panics, and what it returns is consistent with its input.
func FuzzBERTLV(f *testing.F) {
	for _, s := range []string{
		"FF100C 313233343536373839303138",
		"FF2081 1A DF2104 000B000F DF2201 41 DF2302 4243 DF2408 3139383530343031 DF2501 32",
		"FF3082 014B DF3120" + strings.Repeat("11", 32) + "DF3220" + strings.Repeat("22", 32) + "DF33820100" + strings.Repeat("33", 256),
		"7F2182 0008 5F4E02 0102 5F3702 0304",
		"3082 0004 020100",
		"FF2080 0000",
		"DF2284 FFFFFFFF",
		"DF818181 01 00",
		"FFFFFFFF",
		"00",
		"",
	} {
		f.Add(hx(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		walk(t, b, 0)
		if _, err := ParseTLVs(b); err != nil && !errors.Is(err, ErrMalformed) {
			t.Fatalf("ParseTLVs error without ErrMalformed: %v", err)
		}
		if _, _, n, err := parseHeader(b); err == nil && n < 0 {
			t.Fatalf("negative length %d", n)
		}
	})
}

// walk parses b and every constructed value inside, checking the invariants.
func walk(t *testing.T, b []byte, depth int) {
	if depth > 16 {
		return
	}
	tlv, rest, err := ParseTLV(b)
	if err != nil {
		if !errors.Is(err, ErrMalformed) {
			t.Fatalf("error without ErrMalformed: %v", err)
		}
		return
	}
	if len(tlv.Raw)+len(rest) != len(b) || !bytes.Equal(tlv.Raw, b[:len(tlv.Raw)]) {
		t.Fatalf("Raw/rest do not split the input")
	}
	if !bytes.HasSuffix(tlv.Raw, tlv.Value) {
		t.Fatalf("Value is not the end of Raw")
	}
	again, rest2, err := ParseTLV(tlv.Raw)
	if err != nil || again.Tag != tlv.Tag || !bytes.Equal(again.Value, tlv.Value) || len(rest2) != 0 {
		t.Fatalf("reparsing Raw gives a different TLV: %v", err)
	}
	if tlv.Constructed() {
		kids, _ := tlv.Children()
		for _, k := range kids {
			walk(t, k.Raw, depth+1)
		}
	}
}
