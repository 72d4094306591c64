package mynumber

import (
	"errors"
	"strconv"
	"testing"
)

// Test numbers. The individual ones are obviously fake and pass the check digit; the
// corporate ones are the worked examples of the reference (Corporate Numbers are public).
const (
	fakeIndividual = "123456789018"
	fakeCorporate  = "7123456789012"
)

func TestIndividualCheckDigit(t *testing.T) {
	tests := []struct {
		base string
		want int
	}{
		{"12345678901", 8}, // worked example: sum 212, mod 11 = 3, 11-3 = 8
		{"00000000000", 0}, // remainder 0 → 0
		{"10000000000", 5}, // sum 6 → 5
		{"00000000001", 9}, // sum 2 → 9
		{"00000000010", 8}, // sum 3 → 8
		{"00000000005", 1}, // sum 10 → 1
		{"00000000011", 6}, // 1·3 + 1·2 = 5 → 6
		{"00000000006", 0}, // sum 12, remainder 1 → 0
		{"60000000000", 8}, // leftmost digit has weight 6: sum 36, remainder 3 → 8
		{"00000100000", 4}, // sixth from the left has weight 7: remainder 7 → 4
	}
	for _, tt := range tests {
		got, err := IndividualCheckDigit(tt.base)
		if err != nil || got != tt.want {
			t.Errorf("IndividualCheckDigit(%q) = %d, %v; want %d", tt.base, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "1234567890", "123456789012", "1234567890A", "１２３４５６７８９０１", "-1234567890"} {
		if _, err := IndividualCheckDigit(bad); !errors.Is(err, ErrBase) {
			t.Errorf("IndividualCheckDigit(%q) error = %v, want ErrBase", bad, err)
		}
	}
}

func TestCorporateCheckDigit(t *testing.T) {
	tests := []struct {
		number string // check digit ‖ base
	}{
		{"7123456789012"}, // sum 74, mod 9 = 2 → 7
		{"4011001098993"}, // sum 59, mod 9 = 5 → 4
		{"2120901007402"}, // sum 34, mod 9 = 7 → 2
		{"7000012050002"}, // sum 11, mod 9 = 2 → 7
		{"9000000000000"}, // sum 0 → 9: the result is 1..9, never 0
		{"8000000000001"}, // sum 1 → 8
		{"1000000000008"}, // sum 8 → 1
		{"9000000000009"}, // sum 9, mod 9 = 0 → 9
		{"7000000000010"}, // the 1 is n = 2 from the right: weight 2, sum 2 → 7
		{"7100000000000"}, // leftmost base digit is n = 12: weight 2 → 7
	}
	for _, tt := range tests {
		want := int(tt.number[0] - '0')
		got, err := CorporateCheckDigit(tt.number[1:])
		if err != nil || got != want {
			t.Errorf("CorporateCheckDigit(%q) = %d, %v; want %d", tt.number[1:], got, err, want)
		}
	}
	for _, bad := range []string{"", "12345678901", "1234567890123", "12345678901X"} {
		if _, err := CorporateCheckDigit(bad); !errors.Is(err, ErrBase) {
			t.Errorf("CorporateCheckDigit(%q) error = %v, want ErrBase", bad, err)
		}
	}
}

// TestCheckDigitsCatchSingleTypos shows what the check digits are for: every change of one
// digit of a valid Individual Number is caught, and so is every change of one base digit
// of a Corporate Number (one check digit can collide: mod 9 maps 0 and 9 alike).
func TestCheckDigitsCatchSingleTypos(t *testing.T) {
	for i := 0; i < IndividualLen; i++ {
		for d := byte('0'); d <= '9'; d++ {
			b := []byte(fakeIndividual)
			if b[i] == d {
				continue
			}
			b[i] = d
			if IsValidIndividual(string(b)) {
				t.Errorf("changing digit %d of the fake number to %c still validates", i+1, d)
			}
		}
	}
	for i := 1; i < CorporateLen; i++ {
		for d := byte('0'); d <= '9'; d++ {
			b := []byte(fakeCorporate)
			old := b[i]
			if old == d || (old == '0' && d == '9') || (old == '9' && d == '0') {
				continue
			}
			b[i] = d
			if IsValidCorporate(string(b)) {
				t.Errorf("changing digit %d of the corporate number to %c still validates", i+1, d)
			}
		}
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"123456789018", "123456789018"},
		{"１２３４５６７８９０１８", "123456789018"},
		{"1234-5678-9018", "123456789018"},
		{"1234 5678 9018", "123456789018"},
		{" 1234\u30005678\u30009018\t\n", "123456789018"},
		{"1234‐5678–9018", "123456789018"}, // U+2010, U+2013
		{"1234—5678−9018", "123456789018"}, // U+2014, U+2212
		{"1234ー5678ｰ9018", "123456789018"}, // U+30FC, U+FF70
		{"1234―5678－9018", "123456789018"}, // U+2015, U+FF0D
		{"1234‑5678﹣9018", "123456789018"}, // U+2011, U+FE63
		{"１２３４－５６７８－９０１８", "123456789018"}, // all full-width
		{"1234─5678", "12345678"},          // box-drawing line from the IME
		{"12A4", "12A4"},                   // letters kept for validation to report
		{"１２Ａ４", "12A4"},                   // NFKC: full-width letter becomes ASCII
		{"1234.5678", "1234.5678"},         // dots are not separators
		{"1234_5678", "1234_5678"},
		{"\u200b1234", "\u200b1234"}, // zero-width space is not a space: reported, not hidden
		{"", ""},
		{"- -", ""},
	}
	for _, tt := range tests {
		if got := Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestNormalizeIdempotentAcrossRemovedDash covers the case where removing a dash puts a
// combining mark next to a letter that NFKC then composes.
func TestNormalizeIdempotentAcrossRemovedDash(t *testing.T) {
	for _, in := range []string{"a-\u0301", "A－\u0308", "e \u0301", "ｶ-\u3099"} {
		once := Normalize(in)
		if twice := Normalize(once); twice != once {
			t.Errorf("Normalize(%q) = %q, but Normalize of that = %q", in, once, twice)
		}
	}
}

func TestValidateIndividual(t *testing.T) {
	tests := []struct {
		in   string
		want string // normalised number when valid
		code string // error code when invalid
		pos  int
		char string
		n    int // Length
	}{
		{in: "123456789018", want: "123456789018"},
		{in: "000000000000", want: "000000000000"},
		{in: "100000000005", want: "100000000005"},
		{in: "１２３４５６７８９０１８", want: "123456789018"},
		{in: "1234-5678-9018", want: "123456789018"},
		{in: "1234 5678 9018", want: "123456789018"},
		{in: "　1234　5678　9018　", want: "123456789018"},
		{in: "１２３４ー５６７８ー９０１８", want: "123456789018"},
		{in: "", code: CodeEmpty},
		{in: " - ", code: CodeEmpty},
		{in: "123456789019", code: CodeCheckDigit, n: 12},
		{in: "213456789018", code: CodeCheckDigit, n: 12}, // transposed digits
		{in: "12345678901", code: CodeLength, n: 11},
		{in: "1234567890180", code: CodeLength, n: 13},
		{in: "7123456789012", code: CodeLength, n: 13}, // a corporate number is not an individual one
		{in: "12A456789018", code: CodeNotDigit, pos: 3, char: "A", n: 12},
		{in: "１２Ａ４５６７８９０１８", code: CodeNotDigit, pos: 3, char: "Ａ", n: 12},
		{in: "1234-56A8-9018", code: CodeNotDigit, pos: 8, char: "A", n: 12}, // position as typed
		{in: "1234.5678.9018", code: CodeNotDigit, pos: 5, char: ".", n: 14},
		{in: "12345678901８x", code: CodeNotDigit, pos: 13, char: "x", n: 13},
		{in: "\u200b123456789018", code: CodeNotDigit, pos: 1, char: "", n: 13}, // invisible
		{in: "١٢٣456789018", code: CodeNotDigit, pos: 1, char: "", n: 12},       // Arabic-Indic digits are not shown
		{in: "⑴23456789018", code: CodeNotDigit, pos: 1, char: "", n: 14},       // "(1)" after NFKC; not shown
		{in: "12345678901\u0338", code: CodeNotDigit, pos: 12, char: "", n: 12}, // combining mark
		{in: "番号123456789018", code: CodeNotDigit, pos: 1, char: "番", n: 14},
	}
	for _, tt := range tests {
		got, err := ValidateIndividual(tt.in)
		if tt.code == "" {
			if err != nil || got != tt.want {
				t.Errorf("ValidateIndividual(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
			if !IsValidIndividual(tt.in) {
				t.Errorf("IsValidIndividual(%q) = false", tt.in)
			}
			continue
		}
		var ve *ValidationError
		if !errors.As(err, &ve) {
			t.Errorf("ValidateIndividual(%q) = %q, %v; want *ValidationError %s", tt.in, got, err, tt.code)
			continue
		}
		if got != "" {
			t.Errorf("ValidateIndividual(%q) returned %q with an error", tt.in, got)
		}
		want := ValidationError{Code: tt.code, Kind: Individual, Pos: tt.pos, Char: tt.char, Length: tt.n}
		if *ve != want {
			t.Errorf("ValidateIndividual(%q) error = %+v, want %+v", tt.in, *ve, want)
		}
		if IsValidIndividual(tt.in) {
			t.Errorf("IsValidIndividual(%q) = true", tt.in)
		}
	}
}

func TestValidateCorporate(t *testing.T) {
	valid := []string{"7123456789012", "4011001098993", "2120901007402", "7000012050002",
		"7-1234-5678-9012", "７１２３４５６７８９０１２", "4011-00-109899 3"}
	for _, in := range valid {
		if _, err := ValidateCorporate(in); err != nil {
			t.Errorf("ValidateCorporate(%q) = %v", in, err)
		}
	}
	tests := []struct {
		in   string
		want ValidationError
	}{
		{"", ValidationError{Code: CodeEmpty, Kind: Corporate}},
		{"1123456789012", ValidationError{Code: CodeCheckDigit, Kind: Corporate, Length: 13}},
		{"0123456789012", ValidationError{Code: CodeCheckDigit, Kind: Corporate, Length: 13}},
		{"123456789018", ValidationError{Code: CodeLength, Kind: Corporate, Length: 12}},
		{"7123456789O12", ValidationError{Code: CodeNotDigit, Kind: Corporate, Pos: 11, Char: "O", Length: 13}},
	}
	for _, tt := range tests {
		_, err := ValidateCorporate(tt.in)
		var ve *ValidationError
		if !errors.As(err, &ve) || *ve != tt.want {
			t.Errorf("ValidateCorporate(%q) error = %v, want %+v", tt.in, err, tt.want)
		}
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		in   string
		kind Kind
		want string
		code string
	}{
		{in: "123456789018", kind: Individual, want: "123456789018"},
		{in: "1234 5678 9018", kind: Individual, want: "123456789018"},
		{in: "7123456789012", kind: Corporate, want: "7123456789012"},
		{in: "４０１１００１０９８９９３", kind: Corporate, want: "4011001098993"},
		{in: "123456789019", code: CodeCheckDigit, kind: Individual},
		{in: "7123456789013", code: CodeCheckDigit, kind: Corporate},
		{in: "12345678901", code: CodeLength},
		{in: "12345678901234", code: CodeLength},
		{in: "", code: CodeEmpty},
		{in: "abc", code: CodeNotDigit},
	}
	for _, tt := range tests {
		kind, got, err := Validate(tt.in)
		if tt.code == "" {
			if err != nil || kind != tt.kind || got != tt.want {
				t.Errorf("Validate(%q) = %v, %q, %v; want %v, %q", tt.in, kind, got, err, tt.kind, tt.want)
			}
			continue
		}
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Code != tt.code || ve.Kind != tt.kind {
			t.Errorf("Validate(%q) error = %#v, want code %s kind %v", tt.in, err, tt.code, tt.kind)
		}
		if kind != Unknown || got != "" {
			t.Errorf("Validate(%q) returned %v, %q with an error", tt.in, kind, got)
		}
	}
}

func TestMaskAndFormat(t *testing.T) {
	tests := []struct{ fn, in, want string }{
		{"Mask", "123456789018", "**** **** 9018"},
		{"Mask", "１２３４-５６７８-９０１８", "**** **** 9018"},
		{"Mask", "123456789019", "**** **** 9019"}, // a bad check digit is still a number
		{"Mask", "7123456789012", "7 1234 5678 9012"},
		{"Mask", "7123456789013", "*************"}, // not a corporate number: hide all
		{"Mask", "12345678901", "***********"},
		{"Mask", "12A456789018", "************"},
		{"Mask", "", ""},
		{"FormatIndividual", "123456789018", "1234 5678 9018"},
		{"FormatIndividual", "1234-5678-9018", "1234 5678 9018"},
		{"FormatIndividual", "12345678901", "***********"},
		{"FormatCorporate", "7123456789012", "7 1234 5678 9012"},
		{"FormatCorporate", "７-1234-5678-9012", "7 1234 5678 9012"},
		{"FormatCorporate", "12345", "12345"},
	}
	fns := map[string]func(string) string{"Mask": Mask, "FormatIndividual": FormatIndividual, "FormatCorporate": FormatCorporate}
	for _, tt := range tests {
		if got := fns[tt.fn](tt.in); got != tt.want {
			t.Errorf("%s(%q) = %q, want %q", tt.fn, tt.in, got, tt.want)
		}
	}
}

func TestKind(t *testing.T) {
	for _, tt := range []struct {
		k     Kind
		s, ja string
		n     int
	}{
		{Unknown, "unknown", "番号", 0},
		{Individual, "individual", "個人番号", 12},
		{Corporate, "corporate", "法人番号", 13},
	} {
		if tt.k.String() != tt.s || tt.k.Japanese() != tt.ja || tt.k.Len() != tt.n {
			t.Errorf("Kind %d: %q %q %d", tt.k, tt.k.String(), tt.k.Japanese(), tt.k.Len())
		}
	}
}

func TestErrorMessages(t *testing.T) {
	tests := []struct {
		in     string
		kind   Kind
		en, ja string
	}{
		{"", Individual, "mynumber: empty individual number", "個人番号が入力されていません。12桁の数字を入力してください。"},
		{"12345678901", Individual, "mynumber: individual number has 11 digits, want 12",
			"個人番号は12桁の数字です（入力は11桁）。桁数を確かめてください。"},
		{"12Ａ456789018", Individual, `mynumber: individual number has a non-digit character "Ａ" at position 3`,
			"3文字目に数字以外の文字「Ａ」があります。個人番号は数字だけで入力してください（ハイフンや空白は入れても構いません）。"},
		{"123456789019", Individual, "mynumber: individual number check digit does not match",
			"個人番号の最後の桁（チェックデジット）が合いません。入力間違いがないか、書類と見比べてください。"},
		{"7123456789013", Corporate, "mynumber: corporate number check digit does not match",
			"法人番号の先頭の桁（チェックデジット）が合いません。入力間違いがないか、書類と見比べてください。"},
		{"12345", Unknown, "mynumber: number has 5 digits, want 12 (individual) or 13 (corporate)",
			"個人番号は12桁、法人番号は13桁の数字です（入力は5桁）。桁数を確かめてください。"},
	}
	for _, tt := range tests {
		var err error
		switch tt.kind {
		case Individual:
			_, err = ValidateIndividual(tt.in)
		case Corporate:
			_, err = ValidateCorporate(tt.in)
		default:
			_, _, err = Validate(tt.in)
		}
		var ve *ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("%q: error %v is not a *ValidationError", tt.in, err)
		}
		if ve.Error() != tt.en {
			t.Errorf("%q: Error() = %q, want %q", tt.in, ve.Error(), tt.en)
		}
		if ve.Japanese() != tt.ja {
			t.Errorf("%q: Japanese() = %q, want %q", tt.in, ve.Japanese(), tt.ja)
		}
	}
}

// leakInputs are invalid inputs built around real-looking digit runs; none of their digits
// may appear in an error message.
var leakInputs = []string{
	"123456789019", "98765432101", "9876543210987", "98765432109876", "987654321098x",
	"９８７６５４３２１０９８", "9876-5432-1099", "x98765432109", "98765 43210 97", "987654321098765432109876",
	"1", "12", "13", "0", "00000000000", "111111111111", "1212121212121", "12A", "A12", "٣٣٣٣",
	"⒈⒉⒊⒋", "①②③④⑤⑥⑦⑧⑨⑩⑪", "1234\u200b5678",
}

// TestErrorsNeverContainInputDigits checks every message of every error: the only numbers
// in it may be counts and positions (Length, Pos, 12, 13), and no run of two or more input
// digits may appear in it except as exactly such a count.
func TestErrorsNeverContainInputDigits(t *testing.T) {
	for _, in := range leakInputs {
		_, err1 := ValidateIndividual(in)
		_, err2 := ValidateCorporate(in)
		_, _, err3 := Validate(in)
		for _, err := range []error{err1, err2, err3} {
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Errorf("%q: want a *ValidationError, got %v", in, err)
				continue
			}
			checkNoInputDigits(t, in, ve)
		}
	}
}

func checkNoInputDigits(t *testing.T, in string, ve *ValidationError) {
	t.Helper()
	allowed := map[string]bool{"12": true, "13": true, strconv.Itoa(ve.Length): true, strconv.Itoa(ve.Pos): true}
	for _, msg := range []string{ve.Error(), ve.Japanese(), ve.Char} {
		m := Normalize(msg) // full-width digits count as digits too
		for _, run := range digitRuns(m) {
			if !allowed[run] {
				t.Errorf("message for input of %d chars contains a number that is not a count: %q", len([]rune(in)), msg)
			}
		}
	}
	if ve.Char != "" {
		if n := Normalize(ve.Char); len(digitRuns(n)) > 0 {
			t.Errorf("Char %q is numeric", ve.Char)
		}
	}
}

func digitRuns(s string) []string {
	var runs []string
	start := -1
	for i := 0; i <= len(s); i++ {
		if i < len(s) && isDigit(s[i]) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			runs = append(runs, s[start:i])
			start = -1
		}
	}
	return runs
}
