package report

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/japanese"
)

// cp932Fixes maps characters that the JIS and Unicode tables write with code points
// other than the ones CP932 uses for the same glyph (a Mac types 〜 U+301C where Windows
// has ～ U+FF5E) to CP932's code points, so that they are written instead of refused.
var cp932Fixes = strings.NewReplacer(
	"\u301C", "\uFF5E", // 〜 WAVE DASH → ～ FULLWIDTH TILDE
	"\u2016", "\u2225", // ‖ DOUBLE VERTICAL LINE → ∥ PARALLEL TO
	"\u2212", "\uFF0D", // − MINUS SIGN → － FULLWIDTH HYPHEN-MINUS
	"\u00A2", "\uFFE0", // ¢ → ￠
	"\u00A3", "\uFFE1", // £ → ￡
	"\u00AC", "\uFFE2", // ¬ → ￢
	"\u2014", "\u2015", // — EM DASH → ― HORIZONTAL BAR
)

// CP932Encoder writes text in CP932 (Windows-31J) as this package's CSV files do, for other
// packages that write CP932 files. The zero value is ready to use; it is not safe for
// concurrent use.
type CP932Encoder struct {
	enc *encoding.Encoder
}

// Encode returns s in CP932. ASCII is returned as it is; other text first has the
// look-alike characters that Unicode-first systems type (〜 U+301C, − U+2212, — U+2014 and
// a few more) mapped to the code points CP932 has for the same glyph. A character CP932
// still cannot hold returns an [*EncodingError] with only Char set (Row, ID and Column are
// the caller's to fill in or translate); it unwraps to [ErrUnencodable].
func (e *CP932Encoder) Encode(s string) ([]byte, error) {
	if isASCII(s) {
		return []byte(s), nil
	}
	if e.enc == nil {
		e.enc = japanese.ShiftJIS.NewEncoder()
	}
	s = cp932Fixes.Replace(s)
	e.enc.Reset()
	b, err := e.enc.Bytes([]byte(s))
	if err == nil {
		return b, nil
	}
	// Find the character that failed, to name it.
	for _, r := range s {
		e.enc.Reset()
		if _, err := e.enc.Bytes([]byte(string(r))); err != nil {
			return nil, &EncodingError{Char: safeRune(r)}
		}
	}
	return nil, &EncodingError{}
}

// safeRune renders r for a message, or "" for a digit or numeric symbol of any script (it
// could be part of a number) and for invisible characters.
func safeRune(r rune) string {
	if r == utf8.RuneError || unicode.IsNumber(r) || !unicode.IsGraphic(r) || unicode.Is(unicode.Mn, r) {
		return ""
	}
	return string(r)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// cp932Substitutes are the everyday forms of characters CP932 lacks that people's names use
// (JIS X 0213 and later kanji): written instead when the user chooses substitution.
var cp932Substitutes = map[rune]rune{
	'𠮷': '吉', '𡈽': '土', '𣘺': '橋', '剝': '剥', '頰': '頬', '塡': '填', '鷗': '鴎',
	'俠': '侠', '繫': '繋', '蟬': '蝉', '醬': '醤', '瘦': '痩', '搔': '掻', '噓': '嘘',
	'𥔎': '崎', '𡌛': '坪',
}

// Substitute is the character written for one CP932 cannot hold and has no everyday form
// for: 〓 (geta), what Japanese systems print for a character they cannot show.
const Substitute = '〓'

// Substitute returns s with every character CP932 cannot hold replaced by its everyday form
// (𠮷 → 吉) or by [Substitute], and whether anything was replaced.
func (e *CP932Encoder) Substitute(s string) (string, bool) {
	if _, err := e.Encode(s); err == nil {
		return s, false
	}
	var b strings.Builder
	for _, r := range cp932Fixes.Replace(s) {
		if _, err := e.Encode(string(r)); err != nil {
			if v, ok := cp932Substitutes[r]; ok {
				r = v
			} else {
				r = Substitute
			}
		}
		b.WriteRune(r)
	}
	return b.String(), true
}
