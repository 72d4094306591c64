package jpdate

import (
	"errors"
	"testing"
	"time"
)

func TestParseDateAccepts(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2024-04-01", d(2024, 4, 1)},
		{"2024/04/01", d(2024, 4, 1)},
		{"2024/4/1", d(2024, 4, 1)},
		{"2024-4-1", d(2024, 4, 1)},
		{"2024.4.1", d(2024, 4, 1)},
		{"20240401", d(2024, 4, 1)},
		{"2024年4月1日", d(2024, 4, 1)},
		{"2024年04月01日", d(2024, 4, 1)},
		{"２０２４／０４／０１", d(2024, 4, 1)},     // full-width digits and slash
		{"２０２４－０４－０１", d(2024, 4, 1)},     // full-width hyphen
		{"2024ー04ー01", d(2024, 4, 1)},     // katakana long mark typed as a dash
		{" 2024-04-01\t", d(2024, 4, 1)},  // surrounding spaces
		{"2024 年 4 月 1 日", d(2024, 4, 1)}, // spaces inside
		{"2024-02-29", d(2024, 2, 29)},
		{"2000-02-29", d(2000, 2, 29)},
		{"令和6年4月1日", d(2024, 4, 1)},
		{"令和06年04月01日", d(2024, 4, 1)},
		{"令和元年5月1日", d(2019, 5, 1)},
		{"令和1年5月1日", d(2019, 5, 1)},
		{"㋿6年4月1日", d(2024, 4, 1)}, // U+32FF, one character for 令和
		{"令和６年４月１日", d(2024, 4, 1)},
		{"令和 6年 4月 1日", d(2024, 4, 1)},
		{"令6.4.1", d(2024, 4, 1)},
		{"R6.4.1", d(2024, 4, 1)},
		{"r6.4.1", d(2024, 4, 1)},
		{"Ｒ６．４．１", d(2024, 4, 1)},
		{"R06/04/01", d(2024, 4, 1)},
		{"R6-04-01", d(2024, 4, 1)},
		{"R060401", d(2024, 4, 1)},
		{"R元.5.1", d(2019, 5, 1)},
		{"R6年4月1日", d(2024, 4, 1)},
		{"H31.4.30", d(2019, 4, 30)},
		{"H1.1.8", d(1989, 1, 8)},
		{"平成31年4月30日", d(2019, 4, 30)},
		{"平成元年1月8日", d(1989, 1, 8)},
		{"㍻31年4月30日", d(2019, 4, 30)},
		{"平31.4.30", d(2019, 4, 30)},
		{"S60.1.1", d(1985, 1, 1)},
		{"昭和64年1月7日", d(1989, 1, 7)},
		{"昭和元年12月25日", d(1926, 12, 25)},
		{"S1.12.31", d(1926, 12, 31)},
		{"T15.12.24", d(1926, 12, 24)},
		{"大正元年7月30日", d(1912, 7, 30)},
		{"M45.7.29", d(1912, 7, 29)},
		{"明治元年10月23日", d(1868, 10, 23)},
		{"明治34年1月1日", d(1901, 1, 1)},
	}
	for _, tt := range tests {
		got, err := ParseDate(tt.in)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("ParseDate(%q) = %s, %v; want %s", tt.in, ISO(got), err, ISO(tt.want))
			continue
		}
		if got.Location() != time.UTC || got.Hour() != 0 || got.Minute() != 0 || got.Nanosecond() != 0 {
			t.Errorf("ParseDate(%q) = %v, want 00:00 UTC", tt.in, got)
		}
	}
}

func TestParseDateRejects(t *testing.T) {
	tests := []struct {
		in   string
		code string
	}{
		{"", CodeEmpty},
		{"  　", CodeEmpty},
		{"2023-02-29", CodeDay},
		{"1900-02-29", CodeDay}, // not a leap year
		{"2024-04-31", CodeDay},
		{"2024-04-00", CodeDay},
		{"20230229", CodeDay},
		{"2024-13-01", CodeMonth},
		{"2024-00-10", CodeMonth},
		{"0000-01-01", CodeYear},
		{"令和1年4月1日", CodeEraRange},  // before 令和 began
		{"令和元年4月30日", CodeEraRange}, // the day before
		{"R1.4.30", CodeEraRange},
		{"平成31年5月1日", CodeEraRange}, // after 平成 ended, same year
		{"昭和64年1月8日", CodeEraRange}, // after 昭和 ended
		{"平成元年1月7日", CodeEraRange},  // before 平成 began
		{"大正元年7月29日", CodeEraRange}, // before 大正 began
		{"明治元年1月1日", CodeEraRange},  // before 明治 (1868-10-23)
		{"平成32年1月1日", CodeEraYear},  // 平成 has no year 32
		{"H32.4.1", CodeEraYear},
		{"S65.1.1", CodeEraYear},
		{"T16.1.1", CodeEraYear},
		{"M46.1.1", CodeEraYear},
		{"R0.5.1", CodeEraYear},
		{"令和0年5月1日", CodeEraYear},
		{"R6.2.30", CodeDay},
		{"R5.2.29", CodeDay},
		{"令和6年13月1日", CodeMonth},
		{"2024/04-01", CodeFormat}, // mixed separators
		{"2024/4/1/", CodeFormat},
		{"24/4/1", CodeFormat}, // two-digit Gregorian year
		{"2024-004-01", CodeFormat},
		{"2024-04-001", CodeFormat},
		{"202441", CodeFormat},
		{"2024040", CodeFormat},
		{"202404011", CodeFormat},
		{"2024年4月1", CodeFormat},
		{"2024年4/1", CodeFormat},
		{"April 1, 2024", CodeFormat},
		{"令和", CodeFormat},
		{"令和六年四月一日", CodeFormat}, // kanji numerals are not read
		{"X6.4.1", CodeFormat},
		{"R6", CodeFormat},
		{"R6.4", CodeFormat},
		{"R12345.1.1", CodeFormat},
		{"2024-04-01T00:00:00Z", CodeFormat},
		{"٢٠٢٤-٠٤-٠١", CodeFormat}, // Arabic-Indic digits
	}
	for _, tt := range tests {
		got, err := ParseDate(tt.in)
		var de *DateError
		if !errors.As(err, &de) || de.Code != tt.code {
			t.Errorf("ParseDate(%q) = %s, %v; want code %s", tt.in, ISO(got), err, tt.code)
			continue
		}
		if !got.IsZero() {
			t.Errorf("ParseDate(%q) returned %v with an error", tt.in, got)
		}
	}
}

func TestParseISO(t *testing.T) {
	if got, err := ParseISO("2024-04-01"); err != nil || !got.Equal(d(2024, 4, 1)) || got.Location() != time.UTC {
		t.Errorf("ParseISO = %v, %v", got, err)
	}
	tests := []struct{ in, code string }{
		{"2024/04/01", CodeFormat},
		{"2024-4-1", CodeFormat},
		{"20240401", CodeFormat},
		{"２０２４-04-01", CodeFormat},
		{"令和6年4月1日", CodeFormat},
		{" 2024-04-01", CodeFormat},
		{"", CodeFormat},
		{"2023-02-29", CodeDay},
		{"2024-13-01", CodeMonth},
		{"0000-12-31", CodeYear},
	}
	for _, tt := range tests {
		_, err := ParseISO(tt.in)
		var de *DateError
		if !errors.As(err, &de) || de.Code != tt.code {
			t.Errorf("ParseISO(%q) error = %v, want code %s", tt.in, err, tt.code)
		}
	}
}

func TestDateErrorMessages(t *testing.T) {
	tests := []struct{ in, en, ja string }{
		{"", "jpdate: empty date", "日付が入力されていません。"},
		{"2023-02-29",
			"jpdate: day 29 out of range 1-28 for February 2023",
			"2023年2月は28日までです（入力は29日）。"},
		{"R5.2.29",
			"jpdate: day 29 out of range 1-28 for February Reiwa 5",
			"令和5年2月は28日までです（入力は29日）。"},
		{"2024-13-01", "jpdate: month 13 out of range 1-12", "月は1～12で入力してください（入力は13月）。"},
		{"平成32年1月1日",
			"jpdate: Heisei ended in year 31, got year 32",
			"平成は31年までです（入力は平成32年）。西暦か、その後の元号で入力してください。"},
		{"令和0年5月1日",
			"jpdate: Reiwa year 0 does not exist; the first year is 1",
			"令和0年はありません。令和元年（1年）から入力してください。"},
		{"令和1年4月1日",
			"jpdate: Reiwa 1-04-01 is before Reiwa began on 2019-05-01",
			"令和元年4月1日は令和が始まる前の日付です（令和は2019年5月1日から）。前の元号か西暦で入力してください。"},
		{"昭和64年1月8日",
			"jpdate: Showa 64-01-08 is after Showa ended on 1989-01-07",
			"昭和64年1月8日は昭和が終わった後の日付です（昭和は1989年1月7日まで）。次の元号か西暦で入力してください。"},
		{"明治元年1月1日",
			"jpdate: Meiji 1-01-01 is before Meiji began on 1868-10-23",
			"明治元年1月1日は明治が始まる前の日付です（明治は1868年10月23日から）。西暦で入力してください。"},
		{"0000-01-01", "jpdate: year 0 out of range 1-9999", "年は1～9999で入力してください（入力は0年）。"},
		{"tomorrow",
			"jpdate: unrecognised date; use a form like 2024-04-01, 2024/4/1, 20240401, 令和6年4月1日 or R6.4.1",
			"日付の形式が読み取れません。2024-04-01、2024/4/1、20240401、令和6年4月1日、R6.4.1 のように入力してください。"},
	}
	for _, tt := range tests {
		_, err := ParseDate(tt.in)
		var de *DateError
		if !errors.As(err, &de) {
			t.Fatalf("ParseDate(%q) error %v is not a *DateError", tt.in, err)
		}
		if de.Error() != tt.en {
			t.Errorf("ParseDate(%q).Error() = %q, want %q", tt.in, de.Error(), tt.en)
		}
		if de.Japanese() != tt.ja {
			t.Errorf("ParseDate(%q).Japanese() = %q, want %q", tt.in, de.Japanese(), tt.ja)
		}
	}
	_, err := ParseISO("2024/04/01")
	var de *DateError
	if !errors.As(err, &de) || de.Error() != "jpdate: not an ISO date (YYYY-MM-DD)" ||
		de.Japanese() != "日付は 2024-04-01 のように「年4桁-月2桁-日2桁」で入力してください。" {
		t.Errorf("ParseISO format error = %v / %q", err, de.Japanese())
	}
}
