package csvimport

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/unicode"
)

// Encoding is a character encoding Decode recognised.
type Encoding string

const (
	UTF8    Encoding = "utf-8"     // UTF-8 without a byte order mark
	UTF8BOM Encoding = "utf-8-bom" // UTF-8 with a BOM (Excel's "CSV UTF-8")
	CP932   Encoding = "cp932"     // Shift_JIS as Windows writes it (Windows-31J), Excel's "CSV"
	UTF16LE Encoding = "utf-16le"  // UTF-16 with a little-endian BOM (Excel's "Unicode テキスト")
	UTF16BE Encoding = "utf-16be"  // UTF-16 with a big-endian BOM
)

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
)

// Decode detects the encoding of a CSV file and returns its text as UTF-8, without the BOM.
//
// A UTF-8 BOM means UTF-8; a UTF-16 BOM means UTF-16. Otherwise the file is UTF-8 when it is
// valid UTF-8 (which includes plain ASCII) and CP932 when it is not: CP932 text with Japanese
// in it is practically never valid UTF-8. Bytes that do not decode in the chosen encoding, NUL
// bytes, and Excel workbooks saved under a .csv name are reported as a [*Problem] naming the
// line, never the bytes.
func Decode(b []byte) (string, Encoding, error) {
	if bytes.HasPrefix(b, []byte("PK\x03\x04")) || bytes.HasPrefix(b, []byte{0xD0, 0xCF, 0x11, 0xE0}) {
		return "", "", &Problem{Code: CodeEncoding,
			JA: "Excel のブック（.xlsx / .xls）は読み込めません。Excel で「CSV UTF-8」または「CSV」形式で保存してから取り込んでください。",
			EN: "This is an Excel workbook, not a CSV file. Save it as CSV (UTF-8) in Excel and import that file."}
	}
	var text string
	var enc Encoding
	switch {
	case bytes.HasPrefix(b, bomUTF8):
		enc = UTF8BOM
		b = b[len(bomUTF8):]
		if !utf8.Valid(b) {
			return "", enc, invalidAt(lineOfInvalidUTF8(b))
		}
		text = string(b)
	case bytes.HasPrefix(b, bomUTF16LE), bytes.HasPrefix(b, bomUTF16BE):
		enc = UTF16LE
		e := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM)
		if bytes.HasPrefix(b, bomUTF16BE) {
			enc, e = UTF16BE, unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM)
		}
		out, err := e.NewDecoder().Bytes(b)
		if err != nil {
			return "", enc, invalidAt(0)
		}
		text = string(out)
		if i := strings.IndexRune(text, utf8.RuneError); i >= 0 {
			return "", enc, invalidAt(1 + strings.Count(text[:i], "\n"))
		}
	case utf8.Valid(b):
		enc, text = UTF8, string(b)
	default:
		enc = CP932
		var err error
		if text, err = decodeCP932(b); err != nil {
			return "", enc, err
		}
	}
	if i := strings.IndexByte(text, 0); i >= 0 {
		return "", enc, &Problem{Line: 1 + strings.Count(text[:i], "\n"), Code: CodeEncoding,
			JA: "文字ではないデータ（NUL）が含まれています。CSV ファイルを選んでください。",
			EN: "The file contains binary data (a NUL byte). Choose a CSV file."}
	}
	return text, enc, nil
}

// decodeCP932 decodes line by line so that an undecodable byte is reported with its line. A
// line feed (0x0A) is never part of a CP932 double-byte character, so splitting is safe.
func decodeCP932(b []byte) (string, error) {
	var out strings.Builder
	out.Grow(len(b) * 3 / 2)
	dec := japanese.ShiftJIS.NewDecoder()
	for line := 1; len(b) > 0; line++ {
		end := bytes.IndexByte(b, '\n') + 1
		if end == 0 {
			end = len(b)
		}
		chunk, err := decodeLine(dec, b[:end])
		if err != nil || bytes.ContainsRune(chunk, utf8.RuneError) {
			return "", invalidAt(line)
		}
		out.Write(chunk)
		b = b[end:]
	}
	return out.String(), nil
}

func decodeLine(dec *encoding.Decoder, b []byte) ([]byte, error) {
	dec.Reset()
	return dec.Bytes(b)
}

// lineOfInvalidUTF8 returns the 1-based line of the first invalid UTF-8 sequence in b.
func lineOfInvalidUTF8(b []byte) int {
	line := 1
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size <= 1 {
			return line
		}
		if r == '\n' {
			line++
		}
		b = b[size:]
	}
	return line
}

// invalidAt reports undecodable bytes on line (0 when the line is unknown).
func invalidAt(line int) *Problem {
	return &Problem{Line: line, Code: CodeEncoding,
		JA: "文字コードを判別できない文字があります。UTF-8 または Shift_JIS（CP932）で保存した CSV を選んでください。",
		EN: "The file has characters that are neither UTF-8 nor Shift_JIS (CP932). Save the CSV as UTF-8 or Shift_JIS."}
}
