package jpdate

import (
	"fmt"
	"strconv"
	"time"
)

// Era is one Japanese era (元号).
type Era struct {
	Name   string    // "令和"
	Letter string    // "R": the letter used in short forms (M, T, S, H, R)
	Romaji string    // "Reiwa"
	Start  time.Time // first day, 00:00 UTC
	End    time.Time // last day, 00:00 UTC; the zero Time for the current era
}

// LastYear returns the last year of e in era years (平成: 31), or 0 for the current era.
func (e Era) LastYear() int {
	if e.End.IsZero() {
		return 0
	}
	return e.End.Year() - e.Start.Year() + 1
}

// Year returns the Gregorian year of era year y of e (令和 6 → 2024).
func (e Era) Year(y int) int {
	return e.Start.Year() + y - 1
}

// contains reports whether the date d (00:00 UTC) lies within e.
func (e Era) contains(d time.Time) bool {
	return !d.Before(e.Start) && (e.End.IsZero() || !d.After(e.End))
}

func day(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// eras is the era table, oldest first. It is never modified; Eras returns a copy.
var eras = [...]Era{
	{Name: "明治", Letter: "M", Romaji: "Meiji", Start: day(1868, 10, 23), End: day(1912, 7, 29)},
	{Name: "大正", Letter: "T", Romaji: "Taisho", Start: day(1912, 7, 30), End: day(1926, 12, 24)},
	{Name: "昭和", Letter: "S", Romaji: "Showa", Start: day(1926, 12, 25), End: day(1989, 1, 7)},
	{Name: "平成", Letter: "H", Romaji: "Heisei", Start: day(1989, 1, 8), End: day(2019, 4, 30)},
	{Name: "令和", Letter: "R", Romaji: "Reiwa", Start: day(2019, 5, 1)},
}

// Eras returns the eras this package knows, oldest first: 明治 (from 1868-10-23), 大正
// (1912-07-30), 昭和 (1926-12-25), 平成 (1989-01-08) and 令和 (2019-05-01).
func Eras() []Era {
	out := make([]Era, len(eras))
	copy(out, eras[:])
	return out
}

// EraOf returns the era of the calendar date of t (in t's location) and the year within it
// (1 for 元年). ok is false for dates before 明治 began.
func EraOf(t time.Time) (era Era, year int, ok bool) {
	d := DateOf(t)
	for i := len(eras) - 1; i >= 0; i-- {
		if eras[i].contains(d) {
			return eras[i], d.Year() - eras[i].Start.Year() + 1, true
		}
	}
	return Era{}, 0, false
}

// Wareki formats the calendar date of t (in t's location) as 和暦: "令和6年4月1日", with 元年
// for the first year of an era ("令和元年5月1日"). Dates before 明治 are written in the
// Gregorian calendar with a four-digit year: "1868年10月22日". [ParseDate] reads every
// result back.
func Wareki(t time.Time) string {
	y, m, d := t.Date()
	era, ey, ok := EraOf(t)
	if !ok {
		return fmt.Sprintf("%04d年%d月%d日", y, m, d)
	}
	return fmt.Sprintf("%s%s年%d月%d日", era.Name, eraYear(ey), m, d)
}

// eraYear writes an era year as in "令和元年": 元 for 1.
func eraYear(y int) string {
	if y == 1 {
		return "元"
	}
	return strconv.Itoa(y)
}

// WarekiShort formats the calendar date of t (in t's location) in the short 和暦 form with
// the era letter, the era year unpadded and month and day in two digits: "R6.04.01",
// "R1.05.01", "H31.04.30". Dates before 明治 are written "1868.10.22". [ParseDate] reads
// every result back.
func WarekiShort(t time.Time) string {
	y, m, d := t.Date()
	era, ey, ok := EraOf(t)
	if !ok {
		return fmt.Sprintf("%04d.%02d.%02d", y, m, d)
	}
	return fmt.Sprintf("%s%d.%02d.%02d", era.Letter, ey, m, d)
}

// ISO formats the calendar date of t (in t's location) as "2006-01-02".
func ISO(t time.Time) string {
	return t.Format(time.DateOnly)
}

// DateOf returns the calendar date of t in t's location, as 00:00 UTC on that day.
func DateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return day(y, m, d)
}

// jst is Japan Standard Time. Japan has had no daylight saving time since 1951, so a fixed
// zone is exact for every date this application handles and needs no tz database.
var jst = JST

// JST is Japan Standard Time (UTC+9, no daylight saving since 1951): the zone of every time a
// user reads.
var JST = time.FixedZone("JST", 9*60*60)

// JapanDate returns the calendar date in Japan (UTC+9) at the instant t, as 00:00 UTC on
// that day. Use it to turn a timestamp, such as the Now of a service, into "today".
func JapanDate(t time.Time) time.Time {
	return DateOf(t.In(jst))
}
