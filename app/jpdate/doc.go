// Package jpdate is the one place where MyNumber Shelter turns dates into Japanese text and
// reads dates that people and payroll files write: Gregorian (2024-04-01, 2024/4/1,
// 20240401, 2024年4月1日) and Japanese-era (和暦) forms (令和6年4月1日, 令和元年5月1日,
// R6.4.1, R06/04/01, H31.4.30).
//
// # Model
//
// A date is a [time.Time] at 00:00 UTC on that calendar day. The vault stores dates as ISO
// text ([ISO], [ParseISO]); 和暦 appears only at the edges: on screen, in printed forms and in
// the files exchanged with payroll and 年金 systems ([Wareki], [WarekiShort], [ParseDate]).
// For an instant (a timestamp), [JapanDate] gives the calendar day in Japan.
//
// # Eras
//
// [Eras] lists 明治, 大正, 昭和, 平成 and 令和 with their first and last days. The first year of
// an era is written 元年 ("令和元年5月1日"), and an era year runs from the era's first day to
// 31 December, after which the count goes up on 1 January. 明治 is taken to begin on
// 1868-10-23 (the day of the 改元); dates before it are written in the Gregorian calendar. All
// dates use the proleptic Gregorian calendar, including the years before Japan adopted it
// (明治6年, 1873).
//
// Parsing is strict about eras: a date before its era began (令和元年4月1日) or an era year
// after the era ended (平成32年) is an error, not silently moved into another era.
//
// # What this package must never do
//
// It never reads the clock (callers pass times in) and never logs. Errors are
// [*DateError] values with a Japanese message for the user and an English Error(); they
// contain the parsed year, month and day needed to explain the problem but never the raw
// input text.
package jpdate
