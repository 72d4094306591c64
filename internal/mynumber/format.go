package mynumber

import (
	"strings"
	"unicode/utf8"
)

// Mask returns n in a form that is safe to show on any screen, list or printout:
//
//   - 12 digits (an Individual Number, whether or not its check digit is right):
//     "**** **** 9018", only the last four digits visible;
//   - 13 digits that pass the Corporate Number check digit: the number in full, grouped as
//     [FormatCorporate] does, because Corporate Numbers are public (国税庁 法人番号公表サイト);
//   - anything else: one "*" per character, so that a mistyped or truncated number shows
//     nothing.
//
// n is normalised with [Normalize] first. Mask("") is "".
func Mask(n string) string {
	n = Normalize(n)
	if isASCIIDigits(n) {
		switch {
		case len(n) == IndividualLen:
			return "**** **** " + n[8:]
		case len(n) == CorporateLen && checkDigitOK(Corporate, n):
			return groupCorporate(n)
		}
	}
	return strings.Repeat("*", utf8.RuneCountInString(n))
}

// FormatIndividual groups a revealed Individual Number in fours, "1234 5678 9018", for
// reading and comparing with a document. n is normalised with [Normalize] first; when it is
// not 12 ASCII digits, FormatIndividual returns [Mask](n) instead, so a bad value is never
// shown in clear by mistake.
func FormatIndividual(n string) string {
	n = Normalize(n)
	if len(n) != IndividualLen || !isASCIIDigits(n) {
		return Mask(n)
	}
	return n[0:4] + " " + n[4:8] + " " + n[8:12]
}

// FormatCorporate groups a Corporate Number as "7 1234 5678 9012": the check digit alone,
// then the 12-digit base in fours. n is normalised with [Normalize] first; when it is not 13
// ASCII digits it is returned normalised but otherwise unchanged. For files and APIs use the
// 13 digits without spaces, as 国税庁 publishes them.
func FormatCorporate(n string) string {
	n = Normalize(n)
	if len(n) != CorporateLen || !isASCIIDigits(n) {
		return n
	}
	return groupCorporate(n)
}

func groupCorporate(n string) string {
	return n[0:1] + " " + n[1:5] + " " + n[5:9] + " " + n[9:13]
}
