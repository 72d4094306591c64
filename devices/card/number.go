package card

import (
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/mynumber-shelter/shelter/internal/mynumber"
)

// Number is a My Number (個人番号) read from a card. Every way of printing it shows it
// masked ("**** **** 9018", see [mynumber.Mask]): String, all fmt verbs including %#v and
// %x, slog, encoding/json and encoding/text. Only [Number.Reveal] gives the digits, so a
// stray %v or log line cannot leak it.
//
// The digits are held behind a pointer, so that even fmt's reflection into an unexported
// field of a containing struct prints an address, not the number.
type Number struct {
	p *string
}

// newNumber wraps 12 validated digits.
func newNumber(digits string) Number { return Number{p: &digits} }

// Reveal returns the 12 digits. Call it only where the law allows using the number (a
// purpose under 番号法 第九条), and never log the result.
func (n Number) Reveal() string {
	if n.p == nil {
		return ""
	}
	return *n.p
}

// IsZero reports whether n holds no number.
func (n Number) IsZero() bool { return n.p == nil }

// String returns the masked number, "**** **** 9018", or "" for the zero Number.
func (n Number) String() string {
	if n.p == nil {
		return ""
	}
	return mynumber.Mask(*n.p)
}

// Format writes the masked number for every verb and flag.
func (n Number) Format(f fmt.State, _ rune) { io.WriteString(f, n.String()) }

// LogValue logs the masked number.
func (n Number) LogValue() slog.Value { return slog.StringValue(n.String()) }

// MarshalText returns the masked number, so encoding/json and friends never write the digits.
func (n Number) MarshalText() ([]byte, error) { return []byte(n.String()), nil }

// Sex is the 性別 field of the card as an ISO 5218 code.
type Sex byte

// ISO 5218 codes.
const (
	SexNotKnown      Sex = '0'
	SexMale          Sex = '1'
	SexFemale        Sex = '2'
	SexNotApplicable Sex = '9'
)

// String returns "male", "female", "not applicable" or "not known".
func (s Sex) String() string {
	switch s {
	case SexMale:
		return "male"
	case SexFemale:
		return "female"
	case SexNotApplicable:
		return "not applicable"
	}
	return "not known"
}

// Japanese returns "男", "女" or "" (not applicable or not known).
func (s Sex) Japanese() string {
	switch s {
	case SexMale:
		return "男"
	case SexFemale:
		return "女"
	}
	return ""
}

func parseSex(v []byte) (Sex, error) {
	if len(v) == 1 {
		switch s := Sex(v[0]); s {
		case SexNotKnown, SexMale, SexFemale, SexNotApplicable:
			return s, nil
		}
	}
	return 0, &FieldError{Field: "sex", Err: ErrMalformed}
}

// eras are the 和暦 eras a birth date on a card can be in, with the Gregorian year before
// each era's first year.
var eras = map[byte]struct {
	base  int
	start time.Time
}{
	'M': {1867, time.Date(1868, 1, 25, 0, 0, 0, 0, time.UTC)},
	'T': {1911, time.Date(1912, 7, 30, 0, 0, 0, 0, time.UTC)},
	'S': {1925, time.Date(1926, 12, 25, 0, 0, 0, 0, time.UTC)},
	'H': {1988, time.Date(1989, 1, 8, 0, 0, 0, 0, time.UTC)},
	'R': {2018, time.Date(2019, 5, 1, 0, 0, 0, 0, time.UTC)},
}

// parseBirth reads DF24: "YYYYMMDD" (the common form), or the 和暦 form "H01.01.08" that
// jsapdu's tests also use (reference §1.3: the real format is unconfirmed). The result is
// the date at 00:00 UTC; only its year, month and day mean anything.
func parseBirth(v []byte) (time.Time, error) {
	bad := &FieldError{Field: "birth", Err: ErrMalformed}
	num := func(b []byte) (int, bool) {
		n := 0
		for _, c := range b {
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, len(b) > 0
	}
	var y, m, d int
	switch {
	case len(v) == 8:
		var ok1, ok2, ok3 bool
		y, ok1 = num(v[0:4])
		m, ok2 = num(v[4:6])
		d, ok3 = num(v[6:8])
		if !ok1 || !ok2 || !ok3 {
			return time.Time{}, bad
		}
	case len(v) == 9 && v[3] == '.' && v[6] == '.':
		era, ok := eras[v[0]]
		ey, ok1 := num(v[1:3])
		mm, ok2 := num(v[4:6])
		dd, ok3 := num(v[7:9])
		if !ok || !ok1 || !ok2 || !ok3 || ey == 0 {
			return time.Time{}, bad
		}
		y, m, d = era.base+ey, mm, dd
		if time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC).Before(era.start) {
			return time.Time{}, bad
		}
	default:
		return time.Time{}, bad
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if y < 1868 || t.Year() != y || int(t.Month()) != m || t.Day() != d {
		return time.Time{}, bad // 18680231 rolls over; reject it
	}
	return t, nil
}
