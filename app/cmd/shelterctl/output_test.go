package main

import (
	"bytes"
	"testing"
)

func TestOutputCodePage(t *testing.T) {
	cases := []struct {
		override       string
		consoleCP, acp uint32
		want           uint32
		err            bool
	}{
		{"", 932, 932, cpCP932, false},     // Japanese Windows, cmd or PowerShell 5.1
		{"", 65001, 932, cpUTF8, false},    // chcp 65001
		{"", 0, 932, cpCP932, false},       // no console: the ANSI code page
		{"", 0, 65001, cpUTF8, false},      // "Use Unicode UTF-8 for worldwide language support"
		{"", 437, 1252, cpUTF8, false},     // English Windows: ASCII text either way
		{"", 0, 1252, cpUTF8, false},       //
		{"utf-8", 932, 932, cpUTF8, false}, // a script that reads UTF-8
		{"UTF8", 932, 932, cpUTF8, false},
		{"cp932", 65001, 65001, cpCP932, false},
		{"Shift_JIS", 0, 1252, cpCP932, false},
		{"latin1", 932, 932, 0, true},
	}
	for _, c := range cases {
		got, err := outputCodePage(c.override, c.consoleCP, c.acp)
		if got != c.want || (err != nil) != c.err {
			t.Errorf("outputCodePage(%q, %d, %d) = %d, %v; want %d (error %v)", c.override, c.consoleCP, c.acp, got, err, c.want, c.err)
		}
	}
}

func TestCP932Writer(t *testing.T) {
	const text = "1: valid 個人番号 ①㈱ 髙橋 ～ 𠮷野家 \xff\n"
	// Code page 932 as Windows decodes it (髙 in the NEC-selected IBM row; Windows itself
	// writes FB FC, and reads both); 𠮷 and the stray byte are not in CP932.
	want := []byte("1: valid \x8c\xc2\x90\x6c\x94\xd4\x8d\x86 \x87\x40\x87\x8a \xee\xe0\x8b\xb4 \x81\x60 ?\x96\xec\x89\xc6 ?\n")
	for _, chunk := range []int{len(text), 1, 2, 3, 5} {
		var out bytes.Buffer
		w := newCP932Writer(&out)
		for s := text; len(s) > 0; {
			n := min(chunk, len(s))
			if k, err := w.Write([]byte(s[:n])); k != n || err != nil {
				t.Fatalf("chunk %d: Write = %d, %v", chunk, k, err)
			}
			s = s[n:]
		}
		if !bytes.Equal(out.Bytes(), want) {
			t.Errorf("chunk %d:\n got % x\nwant % x", chunk, out.Bytes(), want)
		}
	}
}
