package jpdate

import (
	"fmt"
	"strings"
	"time"
)

// Codes of a [DateError]. They are stable: the UI and import reports may store them.
const (
	CodeEmpty    = "empty"     // nothing but spaces
	CodeFormat   = "format"    // not a form this package reads
	CodeYear     = "year"      // Gregorian year outside 1–9999
	CodeMonth    = "month"     // month outside 1–12
	CodeDay      = "day"       // no such day in that month (2023-02-29, 4月31日, 0日)
	CodeEraYear  = "era_year"  // era year 0, or after the era ended (平成32年)
	CodeEraRange = "era_range" // a day outside its era (令和元年4月1日, 昭和64年1月8日)
)

// DateError says why a string is not a date. Year, Month and Day hold what was parsed, as far
// as parsing got; the messages are built from them and never quote the raw input.
type DateError struct {
	// Code is one of the Code constants.
	Code string
	// Era is the era the input named, or the zero Era for a Gregorian date.
	Era Era
	// Year is the year as written: an era year when Era is set, else a Gregorian year.
	Year  int
	Month int
	Day   int

	iso bool // from ParseISO: only the ISO form was allowed
}

// yearJa writes the year as the user wrote it: "令和元年", "平成32年", "2023年".
func (e *DateError) yearJa() string {
	if e.Era.Name == "" {
		return fmt.Sprintf("%d年", e.Year)
	}
	return e.Era.Name + eraYear(e.Year) + "年"
}

// yearEn writes the year for the English message: "Reiwa 1", "2023".
func (e *DateError) yearEn() string {
	if e.Era.Name == "" {
		return fmt.Sprint(e.Year)
	}
	return fmt.Sprintf("%s %d", e.Era.Romaji, e.Year)
}

// gregorianYear is the Gregorian year of the parsed year.
func (e *DateError) gregorianYear() int {
	if e.Era.Name == "" {
		return e.Year
	}
	return e.Era.Year(e.Year)
}

// Error returns an English message prefixed "jpdate: ".
func (e *DateError) Error() string {
	switch e.Code {
	case CodeEmpty:
		return "jpdate: empty date"
	case CodeFormat:
		if e.iso {
			return "jpdate: not an ISO date (YYYY-MM-DD)"
		}
		return "jpdate: unrecognised date; use a form like 2024-04-01, 2024/4/1, 20240401, 令和6年4月1日 or R6.4.1"
	case CodeYear:
		return fmt.Sprintf("jpdate: year %d out of range 1-9999", e.gregorianYear())
	case CodeMonth:
		return fmt.Sprintf("jpdate: month %d out of range 1-12", e.Month)
	case CodeDay:
		return fmt.Sprintf("jpdate: day %d out of range 1-%d for %s %s",
			e.Day, daysIn(e.gregorianYear(), e.Month), time.Month(e.Month), e.yearEn())
	case CodeEraYear:
		if e.Year < 1 {
			return fmt.Sprintf("jpdate: %s year %d does not exist; the first year is 1", e.Era.Romaji, e.Year)
		}
		return fmt.Sprintf("jpdate: %s ended in year %d, got year %d", e.Era.Romaji, e.Era.LastYear(), e.Year)
	case CodeEraRange:
		if d := day(e.gregorianYear(), time.Month(e.Month), e.Day); d.Before(e.Era.Start) {
			return fmt.Sprintf("jpdate: %s-%02d-%02d is before %s began on %s",
				e.yearEn(), e.Month, e.Day, e.Era.Romaji, ISO(e.Era.Start))
		}
		return fmt.Sprintf("jpdate: %s-%02d-%02d is after %s ended on %s",
			e.yearEn(), e.Month, e.Day, e.Era.Romaji, ISO(e.Era.End))
	}
	return "jpdate: invalid date"
}

// Japanese returns a message for the user, in Japanese, that says what is wrong and how to
// fix it, e.g. "2023年2月は28日までです（入力は29日）。".
func (e *DateError) Japanese() string {
	switch e.Code {
	case CodeEmpty:
		return "日付が入力されていません。"
	case CodeFormat:
		if e.iso {
			return "日付は 2024-04-01 のように「年4桁-月2桁-日2桁」で入力してください。"
		}
		return "日付の形式が読み取れません。2024-04-01、2024/4/1、20240401、令和6年4月1日、R6.4.1 のように入力してください。"
	case CodeYear:
		return fmt.Sprintf("年は1～9999で入力してください（入力は%d年）。", e.gregorianYear())
	case CodeMonth:
		return fmt.Sprintf("月は1～12で入力してください（入力は%d月）。", e.Month)
	case CodeDay:
		return fmt.Sprintf("%s%d月は%d日までです（入力は%d日）。",
			e.yearJa(), e.Month, daysIn(e.gregorianYear(), e.Month), e.Day)
	case CodeEraYear:
		if e.Year < 1 {
			return fmt.Sprintf("%s%d年はありません。%s元年（1年）から入力してください。", e.Era.Name, e.Year, e.Era.Name)
		}
		return fmt.Sprintf("%sは%d年までです（入力は%s%d年）。西暦か、その後の元号で入力してください。",
			e.Era.Name, e.Era.LastYear(), e.Era.Name, e.Year)
	case CodeEraRange:
		date := fmt.Sprintf("%s%d月%d日", e.yearJa(), e.Month, e.Day)
		if d := day(e.gregorianYear(), time.Month(e.Month), e.Day); d.Before(e.Era.Start) {
			s := e.Era.Start
			fix := "前の元号か西暦で入力してください。"
			if e.Era.Name == eras[0].Name {
				fix = "西暦で入力してください。"
			}
			return fmt.Sprintf("%sは%sが始まる前の日付です（%sは%d年%d月%d日から）。",
				date, e.Era.Name, e.Era.Name, s.Year(), s.Month(), s.Day()) + fix
		}
		end := e.Era.End
		return fmt.Sprintf("%sは%sが終わった後の日付です（%sは%d年%d月%d日まで）。次の元号か西暦で入力してください。",
			date, e.Era.Name, e.Era.Name, end.Year(), end.Month(), end.Day())
	}
	return "日付が正しくありません。"
}

// daysIn returns the number of days in month m (1–12) of Gregorian year y.
func daysIn(y, m int) int {
	return day(y, time.Month(m)+1, 0).Day()
}

// English is the message for the user in English (apperr.Coded): Error without its prefix.
func (e *DateError) English() string { return strings.TrimPrefix(e.Error(), "jpdate: ") }

// UserCode is "invalid" (apperr.CodeInvalid): the input is not a date.
func (e *DateError) UserCode() string { return "invalid" }

// UserField is "": the caller knows which field held the date.
func (e *DateError) UserField() string { return "" }
