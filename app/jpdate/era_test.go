package jpdate

import (
	"testing"
	"time"
)

func d(y int, m time.Month, dd int) time.Time { return time.Date(y, m, dd, 0, 0, 0, 0, time.UTC) }

// eraBoundaries are the last day of each era and the first day of the next, with their 和暦.
var eraBoundaries = []struct {
	t      time.Time
	wareki string
	short  string
	era    string
	year   int
}{
	{d(999, 1, 2), "0999年1月2日", "0999.01.02", "", 0},
	{d(1868, 10, 22), "1868年10月22日", "1868.10.22", "", 0},
	{d(1868, 10, 23), "明治元年10月23日", "M1.10.23", "明治", 1},
	{d(1868, 12, 31), "明治元年12月31日", "M1.12.31", "明治", 1},
	{d(1869, 1, 1), "明治2年1月1日", "M2.01.01", "明治", 2},
	{d(1912, 7, 29), "明治45年7月29日", "M45.07.29", "明治", 45},
	{d(1912, 7, 30), "大正元年7月30日", "T1.07.30", "大正", 1},
	{d(1926, 12, 24), "大正15年12月24日", "T15.12.24", "大正", 15},
	{d(1926, 12, 25), "昭和元年12月25日", "S1.12.25", "昭和", 1},
	{d(1927, 1, 1), "昭和2年1月1日", "S2.01.01", "昭和", 2},
	{d(1985, 1, 1), "昭和60年1月1日", "S60.01.01", "昭和", 60},
	{d(1989, 1, 7), "昭和64年1月7日", "S64.01.07", "昭和", 64},
	{d(1989, 1, 8), "平成元年1月8日", "H1.01.08", "平成", 1},
	{d(2019, 4, 30), "平成31年4月30日", "H31.04.30", "平成", 31},
	{d(2019, 5, 1), "令和元年5月1日", "R1.05.01", "令和", 1},
	{d(2019, 12, 31), "令和元年12月31日", "R1.12.31", "令和", 1},
	{d(2020, 1, 1), "令和2年1月1日", "R2.01.01", "令和", 2},
	{d(2024, 4, 1), "令和6年4月1日", "R6.04.01", "令和", 6},
	{d(2024, 2, 29), "令和6年2月29日", "R6.02.29", "令和", 6},
	{d(2118, 1, 1), "令和100年1月1日", "R100.01.01", "令和", 100},
}

func TestWareki(t *testing.T) {
	for _, tt := range eraBoundaries {
		if got := Wareki(tt.t); got != tt.wareki {
			t.Errorf("Wareki(%s) = %q, want %q", ISO(tt.t), got, tt.wareki)
		}
		if got := WarekiShort(tt.t); got != tt.short {
			t.Errorf("WarekiShort(%s) = %q, want %q", ISO(tt.t), got, tt.short)
		}
		era, y, ok := EraOf(tt.t)
		if ok != (tt.era != "") || era.Name != tt.era || y != tt.year {
			t.Errorf("EraOf(%s) = %s %d %v, want %s %d", ISO(tt.t), era.Name, y, ok, tt.era, tt.year)
		}
		// Every form written is read back to the same day.
		for _, s := range []string{tt.wareki, tt.short, ISO(tt.t)} {
			if got, err := ParseDate(s); err != nil || !got.Equal(tt.t) {
				t.Errorf("ParseDate(%q) = %s, %v; want %s", s, ISO(got), err, ISO(tt.t))
			}
		}
	}
}

// TestWarekiUsesCalendarDateOfLocation: a time in JST just after midnight is still the new
// day in Japan, even though it is the previous day in UTC.
func TestWarekiUsesCalendarDateOfLocation(t *testing.T) {
	tokyo := time.FixedZone("JST", 9*3600)
	at := time.Date(2019, 5, 1, 0, 30, 0, 0, tokyo) // 2019-04-30 15:30 UTC
	if got := Wareki(at); got != "令和元年5月1日" {
		t.Errorf("Wareki(JST) = %q", got)
	}
	if got := Wareki(at.UTC()); got != "平成31年4月30日" {
		t.Errorf("Wareki(UTC) = %q", got)
	}
	if got := ISO(at); got != "2019-05-01" {
		t.Errorf("ISO(JST) = %q", got)
	}
	if got := DateOf(at); !got.Equal(d(2019, 5, 1)) || got.Location() != time.UTC {
		t.Errorf("DateOf = %v", got)
	}
}

func TestJapanDate(t *testing.T) {
	tests := []struct {
		in   time.Time
		want time.Time
	}{
		{time.Date(2019, 4, 30, 14, 59, 59, 0, time.UTC), d(2019, 4, 30)},
		{time.Date(2019, 4, 30, 15, 0, 0, 0, time.UTC), d(2019, 5, 1)},
		{time.Date(2024, 1, 1, 0, 0, 0, 0, time.FixedZone("PST", -8*3600)), d(2024, 1, 1)}, // 17:00 JST
		{time.Date(2023, 12, 31, 20, 0, 0, 0, time.FixedZone("PST", -8*3600)), d(2024, 1, 1)},
	}
	for _, tt := range tests {
		got := JapanDate(tt.in)
		if !got.Equal(tt.want) || got.Location() != time.UTC || got.Hour() != 0 {
			t.Errorf("JapanDate(%v) = %v, want %s", tt.in, got, ISO(tt.want))
		}
	}
}

func TestEras(t *testing.T) {
	es := Eras()
	want := []struct {
		name, letter string
		start, end   string
		last         int
	}{
		{"明治", "M", "1868-10-23", "1912-07-29", 45},
		{"大正", "T", "1912-07-30", "1926-12-24", 15},
		{"昭和", "S", "1926-12-25", "1989-01-07", 64},
		{"平成", "H", "1989-01-08", "2019-04-30", 31},
		{"令和", "R", "2019-05-01", "", 0},
	}
	if len(es) != len(want) {
		t.Fatalf("Eras() has %d eras, want %d", len(es), len(want))
	}
	for i, w := range want {
		e := es[i]
		end := ""
		if !e.End.IsZero() {
			end = ISO(e.End)
		}
		if e.Name != w.name || e.Letter != w.letter || ISO(e.Start) != w.start || end != w.end || e.LastYear() != w.last {
			t.Errorf("era %d = %+v, want %+v", i, e, w)
		}
		if i > 0 && !es[i-1].End.AddDate(0, 0, 1).Equal(e.Start) {
			t.Errorf("gap or overlap between %s and %s", es[i-1].Name, e.Name)
		}
	}
	if es[4].Year(6) != 2024 || es[3].Year(31) != 2019 || es[2].Year(64) != 1989 {
		t.Error("Era.Year gives the wrong Gregorian year")
	}
	es[0].Name = "changed"
	if Eras()[0].Name != "明治" {
		t.Error("Eras returns the package's table, not a copy")
	}
}

// TestEraOfEveryDay walks every day from 1868 to 2100 and checks that consecutive days
// have consecutive era dates: the year goes up by one on 1 January or restarts at 1 on the
// first day of a new era.
func TestEraOfEveryDay(t *testing.T) {
	prevEra, prevYear, _ := EraOf(d(1868, 10, 23))
	for t0 := d(1868, 10, 24); t0.Year() <= 2100; t0 = t0.AddDate(0, 0, 1) {
		era, y, ok := EraOf(t0)
		if !ok {
			t.Fatalf("EraOf(%s) not ok", ISO(t0))
		}
		switch {
		case era.Name != prevEra.Name:
			if y != 1 || !t0.Equal(era.Start) {
				t.Fatalf("%s: new era %s starts at year %d", ISO(t0), era.Name, y)
			}
		case t0.Month() == 1 && t0.Day() == 1:
			if y != prevYear+1 {
				t.Fatalf("%s: year %d after %d", ISO(t0), y, prevYear)
			}
		case y != prevYear:
			t.Fatalf("%s: year changed mid-year", ISO(t0))
		}
		prevEra, prevYear = era, y
	}
}
