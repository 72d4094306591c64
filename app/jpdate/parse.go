package jpdate

import (
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// ParseDate reads a date as people and payroll files write it and returns it at 00:00 UTC.
//
// The input is first put through Unicode NFKC (full-width digits, letters and ／ become
// ASCII; ㋿ becomes 令和), spaces are removed, dash look-alikes (‐ – — ― − ー) become "-" and
// letters are upper-cased. Then these forms are accepted, where M and D are one or two digits:
//
//	YYYY-MM-DD  YYYY/M/D  YYYY.M.D  YYYY-M-D     (4-digit year, the same separator twice)
//	YYYYMMDD
//	YYYY年M月D日
//	<era>Y年M月D日            令和6年4月1日, 令和元年5月1日, 平成31年4月30日
//	<era>Y.M.D  <era>Y/M/D  <era>Y-M-D    R6.4.1, R06/04/01, H31.4.30, S60.1.1
//	<era>YYMMDD               R060401 (exactly six digits)
//
// <era> is an era name (明治 大正 昭和 平成 令和), its first kanji (明 大 昭 平 令) or its letter
// (M T S H R); the era year Y is 元 or one to four digits.
//
// Impossible dates are rejected with a [*DateError]: no such day (2023-02-29), month or era
// year out of range, a year past the end of its era (平成32年), or a day outside its era
// (令和元年4月1日 is before 令和 began).
func ParseDate(s string) (time.Time, error) {
	s = clean(s)
	if s == "" {
		return time.Time{}, &DateError{Code: CodeEmpty}
	}
	if era, rest, ok := cutEra(s); ok {
		return parseEra(era, rest)
	}
	return parseGregorian(s)
}

// ParseISO reads exactly "YYYY-MM-DD" (ASCII, as [ISO] writes it) and returns the date at
// 00:00 UTC, or a [*DateError].
func ParseISO(s string) (time.Time, error) {
	if len(s) != len(time.DateOnly) || s[4] != '-' || s[7] != '-' ||
		!allDigits(s[0:4]) || !allDigits(s[5:7]) || !allDigits(s[8:10]) {
		return time.Time{}, &DateError{Code: CodeFormat, iso: true}
	}
	return validate(nil, atoi(s[0:4]), atoi(s[5:7]), atoi(s[8:10]))
}

// clean applies NFKC, removes spaces, maps dash look-alikes to '-' and upper-cases ASCII.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r):
			return -1
		case 'a' <= r && r <= 'z':
			return r - 'a' + 'A'
		}
		switch r {
		case '\u2010', '\u2012', '\u2013', '\u2014', '\u2015', '\u2212', '\u30FC':
			return '-'
		}
		return r
	}, norm.NFKC.String(s))
}

// cutEra splits off a leading era name, first kanji or letter.
func cutEra(s string) (*Era, string, bool) {
	for i := range eras {
		if rest, ok := strings.CutPrefix(s, eras[i].Name); ok {
			return &eras[i], rest, true
		}
	}
	for i := range eras {
		first := string([]rune(eras[i].Name)[:1])
		if rest, ok := strings.CutPrefix(s, first); ok {
			return &eras[i], rest, true
		}
		if rest, ok := strings.CutPrefix(s, eras[i].Letter); ok {
			return &eras[i], rest, true
		}
	}
	return nil, "", false
}

func parseEra(era *Era, s string) (time.Time, error) {
	if len(s) == 6 && allDigits(s) {
		return validate(era, atoi(s[0:2]), atoi(s[2:4]), atoi(s[4:6]))
	}
	c := cursor{s: s}
	var y int
	if c.lit("元") {
		y = 1
	} else if n, ok := c.num(4); ok {
		y = n
	} else {
		return time.Time{}, &DateError{Code: CodeFormat}
	}
	m, d, ok := c.monthDay()
	if !ok {
		return time.Time{}, &DateError{Code: CodeFormat}
	}
	return validate(era, y, m, d)
}

func parseGregorian(s string) (time.Time, error) {
	if len(s) == 8 && allDigits(s) {
		return validate(nil, atoi(s[0:4]), atoi(s[4:6]), atoi(s[6:8]))
	}
	c := cursor{s: s}
	y, ok := c.num(4)
	if !ok || c.i != 4 {
		return time.Time{}, &DateError{Code: CodeFormat}
	}
	m, d, ok := c.monthDay()
	if !ok {
		return time.Time{}, &DateError{Code: CodeFormat}
	}
	return validate(nil, y, m, d)
}

// validate checks the parsed parts and returns the date. era is nil for a Gregorian year.
func validate(era *Era, y, m, d int) (time.Time, error) {
	e := &DateError{Year: y, Month: m, Day: d}
	gy := y
	if era != nil {
		e.Era = *era
		if last := era.LastYear(); y < 1 || (last > 0 && y > last) {
			e.Code = CodeEraYear
			return time.Time{}, e
		}
		gy = era.Year(y)
	}
	switch {
	case gy < 1 || gy > 9999:
		e.Code = CodeYear
	case m < 1 || m > 12:
		e.Code = CodeMonth
	case d < 1 || d > daysIn(gy, m):
		e.Code = CodeDay
	}
	if e.Code != "" {
		return time.Time{}, e
	}
	t := day(gy, time.Month(m), d)
	if era != nil && !era.contains(t) {
		e.Code = CodeEraRange
		return time.Time{}, e
	}
	return t, nil
}

// cursor reads a cleaned date string from left to right.
type cursor struct {
	s string
	i int
}

// lit consumes x if the rest of the string starts with it.
func (c *cursor) lit(x string) bool {
	if strings.HasPrefix(c.s[c.i:], x) {
		c.i += len(x)
		return true
	}
	return false
}

// num consumes one to max ASCII digits.
func (c *cursor) num(max int) (int, bool) {
	j := c.i
	for j < len(c.s) && j-c.i < max && isDigit(c.s[j]) {
		j++
	}
	if j == c.i {
		return 0, false
	}
	n := atoi(c.s[c.i:j])
	c.i = j
	return n, true
}

// monthDay reads the rest of a date after its year: "年M月D日", or a separator (- / .), M,
// the same separator, D. It must consume the whole string.
func (c *cursor) monthDay() (m, d int, ok bool) {
	if c.lit("年") {
		if m, ok = c.num(2); !ok || !c.lit("月") {
			return 0, 0, false
		}
		if d, ok = c.num(2); !ok || !c.lit("日") {
			return 0, 0, false
		}
		return m, d, c.i == len(c.s)
	}
	if c.i >= len(c.s) || !strings.ContainsRune("-/.", rune(c.s[c.i])) {
		return 0, 0, false
	}
	sep := c.s[c.i : c.i+1]
	c.i++
	if m, ok = c.num(2); !ok || !c.lit(sep) {
		return 0, 0, false
	}
	if d, ok = c.num(2); !ok {
		return 0, 0, false
	}
	return m, d, c.i == len(c.s)
}

func isDigit(c byte) bool { return c-'0' <= 9 }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

// atoi converts at most a few ASCII digits that the caller has checked.
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
