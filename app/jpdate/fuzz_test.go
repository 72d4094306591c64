package jpdate

import (
	"errors"
	"testing"
	"time"
)

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{
		"2024-04-01", "2024/4/1", "20240401", "２０２４／０４／０１", "2024年4月1日", "令和6年4月1日", "令和元年5月1日",
		"R6.4.1", "R06/04/01", "H31.4.30", "S60.1.1", "平成31年4月30日", "R060401", "㋿6年4月1日", "令和1年4月1日",
		"平成32年1月1日", "2023-02-29", "", "R", "元", "9999-12-31", "R7981.12.31", "\xff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseDate(s)
		if err != nil {
			var de *DateError
			if !errors.As(err, &de) || de.Code == "" {
				t.Fatalf("ParseDate(%q) error %v is not a coded *DateError", s, err)
			}
			_ = de.Japanese()
			if !got.IsZero() {
				t.Fatalf("ParseDate(%q) returned %v with an error", s, got)
			}
			return
		}
		if got.Location() != time.UTC || !got.Equal(DateOf(got)) {
			t.Fatalf("ParseDate(%q) = %v, not a date at 00:00 UTC", s, got)
		}
		iso := ISO(got)
		if back, err := ParseISO(iso); err != nil || !back.Equal(got) {
			t.Fatalf("ParseDate(%q) = %s, but ParseISO(%q) = %v, %v", s, iso, iso, back, err)
		}
		for _, form := range []string{iso, Wareki(got), WarekiShort(got)} {
			if back, err := ParseDate(form); err != nil || !back.Equal(got) {
				t.Fatalf("ParseDate(%q) = %s, but ParseDate(%q) = %v, %v", s, iso, form, back, err)
			}
		}
	})
}
