package main

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/japanese"
)

// Windows code pages shelterctl writes text in.
const (
	cpUTF8  = 65001
	cpCP932 = 932 // Windows-31J, Shift_JIS as Japanese Windows has it
)

// outputEnv overrides the code page of redirected output on Windows.
const outputEnv = "SHELTER_OUTPUT_ENCODING"

// outputCodePage is the code page shelterctl writes its redirected output (a file or a pipe,
// not the console) in on Windows, where a program's bytes are read in the console's code page:
// `type out.txt` in cmd shows them in it, and PowerShell 5.1 decodes a native command's output
// with [Console]::OutputEncoding, which is that code page — 932 on Japanese Windows. So:
// override (SHELTER_OUTPUT_ENCODING=utf-8 or cp932) when set; else the console's output code
// page consoleCP; without a console (0), the ANSI code page acp. Of those, 932 gives CP932 and
// everything else UTF-8: shelterctl has no other table, and its English text is ASCII in all of
// them. A console itself gets every character: Go writes to it in UTF-16 (WriteConsoleW).
func outputCodePage(override string, consoleCP, acp uint32) (uint32, error) {
	switch strings.NewReplacer("-", "", "_", "").Replace(strings.ToLower(override)) {
	case "":
	case "utf8":
		return cpUTF8, nil
	case "cp932", "shiftjis", "sjis", "windows31j":
		return cpCP932, nil
	default:
		return 0, fmt.Errorf("%s=%q: want utf-8 or cp932", outputEnv, override)
	}
	cp := consoleCP
	if cp == 0 {
		cp = acp
	}
	if cp == cpCP932 {
		return cpCP932, nil
	}
	return cpUTF8, nil
}

// cp932Writer writes UTF-8 text to w in CP932. A character CP932 lacks (𠮷, an emoji) becomes
// "?", as Windows' own conversion writes it; a character split across two writes waits for
// its rest.
type cp932Writer struct {
	w    io.Writer
	enc  *encoding.Encoder
	tail []byte
}

func newCP932Writer(w io.Writer) *cp932Writer {
	return &cp932Writer{w: w, enc: japanese.ShiftJIS.NewEncoder()}
}

func (c *cp932Writer) Write(p []byte) (int, error) {
	buf := append(c.tail, p...)
	cut := len(buf)
	// An incomplete UTF-8 sequence at the end is kept for the next write.
	for i := len(buf) - 1; i >= 0 && i >= len(buf)-utf8.UTFMax; i-- {
		if utf8.RuneStart(buf[i]) {
			if !utf8.FullRune(buf[i:]) {
				cut = i
			}
			break
		}
	}
	c.tail = append([]byte(nil), buf[cut:]...)
	out := make([]byte, 0, cut)
	for s := buf[:cut]; len(s) > 0; {
		r, size := utf8.DecodeRune(s)
		if r < utf8.RuneSelf {
			out = append(out, s[0])
		} else if b, err := c.enc.Bytes(s[:size]); err == nil && r != utf8.RuneError {
			out = append(out, b...)
		} else {
			out = append(out, '?')
		}
		s = s[size:]
	}
	if _, err := c.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}
