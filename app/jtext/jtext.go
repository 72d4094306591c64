// Package jtext folds Japanese text for search, so that what a clerk types finds what was
// stored however it was written: hiragana, katakana and half-width katakana of a reading are
// one (「さいごう」, 「サイゴウ」 and 「ｻｲｺﾞｳ」 find 西郷's reading), full-width and half-width
// letters and digits are one, spaces do not count, and the usual variant kanji of names match
// their common form (髙 and 高, 﨑 and 崎, 邊 and 辺 …).
//
// [Fold] is the one definition. The vault's SQLite connections register it as the SQL
// function shelter_fold (app/store), so a query can compare folded columns with a folded
// search text; code that filters in Go calls [Contains].
//
// # What it must never do
//
// Folding is for finding, never for storing: names are kept exactly as entered, and a folded
// text is never shown or written anywhere. It never logs.
package jtext

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// variants maps the variant (異体字) forms of kanji common in Japanese names to the form a
// clerk types. Only pairs that name the same family name in practice are here; characters that
// are distinct names (e.g. 竜 and 龍 are often both used, but not as one name) are left alone.
var variants = map[rune]rune{
	'髙': '高', '﨑': '崎', '嵜': '崎', '碕': '崎', '𠮷': '吉',
	'邊': '辺', '邉': '辺',
	'齋': '斎', '齊': '斎', '斉': '斎',
	'澤': '沢', '濱': '浜', '濵': '浜',
	'嶋': '島', '嶌': '島',
	'廣': '広', '國': '国', '德': '徳', '冨': '富',
	'櫻': '桜', '瀨': '瀬', '藪': '薮', '籔': '薮',
	'槇': '槙', '桒': '桑', '舘': '館', '﨔': '欅',
	'栁': '柳', '晄': '晃',
	'眞': '真', '惠': '恵', '條': '条', '壽': '寿',
	'實': '実', '榮': '栄', '與': '与', '彌': '弥',
	'龜': '亀', '學': '学', '團': '団', '圓': '円',
	'藏': '蔵', '增': '増', '昻': '昂',
	'淺': '浅', '亞': '亜', '惡': '悪', '黑': '黒',
	'關': '関', '邨': '村', '峯': '峰', '嶽': '岳',
}

// Fold returns s folded for search: NFKC (half-width katakana and full-width letters become
// their usual width), katakana as hiragana, the prolonged sound mark and middle dots kept,
// Latin letters lower case, white space removed, variant kanji as their common form.
func Fold(s string) string {
	// Invalid bytes first become U+FFFD, so that NFKC sees (and decomposes) what follows them.
	s = norm.NFKC.String(strings.ToValidUTF8(s, "\uFFFD"))
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			continue
		case r >= 'ァ' && r <= 'ヶ':
			// Katakana ァ (U+30A1) … ヶ (U+30F6) → hiragana ぁ (U+3041) … ゖ (U+3096).
			r -= 'ァ' - 'ぁ'
		case r == 'ヽ' || r == 'ヾ':
			r -= 'ヽ' - 'ゝ'
		default:
			if v, ok := variants[r]; ok {
				r = v
			} else {
				r = unicode.ToLower(r)
			}
		}
		b.WriteRune(r)
	}
	out := b.String()
	if !norm.NFKC.IsNormalString(out) {
		// A removed space can leave a combining mark on a new base (NFKC writes "˜" as a space
		// and U+0303): composed again, a folded text folds to itself.
		out = norm.NFKC.String(out)
	}
	return out
}

// Contains reports whether the folded text holds the folded search.
func Contains(text, search string) bool {
	return strings.Contains(Fold(text), Fold(search))
}
