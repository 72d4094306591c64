package csvimport

import (
	"context"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mynumber-shelter/shelter/internal/mynumber"
	"golang.org/x/text/unicode/norm"
)

// showsNumber reports whether s holds a check-digit-valid 12-digit run, in ASCII or full-width.
func showsNumber(s string) bool {
	_, hit := mynumber.ContainsValidIndividual([]byte(norm.NFKC.String(s)))
	return hit
}

// FuzzRead: any bytes decode and split without panicking; records have increasing lines and are
// never blank; a failure is a *Problem that shows no number; Inspect never shows a number.
// Seeds: testdata/fuzz/FuzzRead.
func FuzzRead(f *testing.F) {
	f.Add([]byte(header + "E001,山田 太郎,,,,,,,," + testNumber(1) + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		text, enc, err := Decode(data)
		if err == nil {
			if !utf8.ValidString(text) || strings.IndexByte(text, 0) >= 0 {
				t.Fatalf("Decode (%s) returned invalid text", enc)
			}
			if enc == UTF8 && text != string(data) {
				t.Fatal("UTF-8 input changed by Decode")
			}
		}
		s, err := Read(data)
		if err != nil {
			var p *Problem
			if !errors.As(err, &p) || p.JA == "" || p.EN == "" || p.Line < 0 {
				t.Fatalf("Read error %v is not a complete Problem", err)
			}
			if showsNumber(p.Error() + p.JA + p.Column) {
				t.Fatal("problem shows a number")
			}
			return
		}
		last := 0
		for _, r := range s.Records {
			if r.Line <= last {
				t.Fatalf("record line %d after %d", r.Line, last)
			}
			last = r.Line
			if blank(r.Fields) {
				t.Fatal("blank record kept")
			}
		}
		in, err := Inspect(data)
		if err != nil {
			return
		}
		for _, row := range append([][]string{in.Header}, in.Sample...) {
			for _, c := range row {
				if showsNumber(c) {
					t.Fatal("Inspect shows a number")
				}
			}
		}
	})
}

// FuzzPreview runs the whole check of a file against a vault with employees and numbers: it
// never panics, never fails for a file's content (problems are data, not errors), and no
// problem shows a number. Seeds: testdata/fuzz/FuzzPreview.
func FuzzPreview(f *testing.F) {
	fx := newFixture(f)
	if _, err := fx.commit(header+"E001,山田 太郎,,,,営業部,,,,"+testNumber(1)+"\nE002,鈴木 花子,,,,,,,,"+testNumber(2)+"\n", Mapping{}); err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(header + "E003,佐藤,,R6.4.1,男,営業部,,,," + testNumber(1) + "\n"))
	f.Add([]byte(header + "E001,山田 太郎,,,,,,,," + testNumber(3) + "\n"))
	f.Add([]byte("従業員コード,氏名,扶養親族1氏名,扶養親族1続柄,扶養親族1生年月日,扶養親族1個人番号,配偶者氏名\n" +
		"E001,山田 太郎,山田 一郎,長男,H27.4.1," + testNumber(4) + ",山田 花子\nE009,高橋,高橋 二郎,子,,,\n"))
	f.Add([]byte("従業員コード,続柄,氏名,生年月日,個人番号\nE002,妻,鈴木 一子,S38.5.12," + testNumber(5) + "\nE008,子,高橋 三郎,,\nE008,本人,高橋,,\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, m := range []Mapping{{}, {NoHeader: true, Columns: map[string]Column{"code": {Index: 1}, "name": {Index: 2}, "number": {Index: 3}, "birthDate": {Index: 4}, "department": {Index: 5}}}} {
			rep, err := fx.im.Preview(context.Background(), fx.handler, fx.keys, Request{CompanyID: fx.a, Data: data, Mapping: m})
			if err != nil {
				t.Fatalf("Preview failed on file content: %v", err)
			}
			if rep.Rejected > rep.Rows || rep.Added+rep.Updated+rep.Unchanged+rep.DependentLines+rep.Rejected != rep.Rows {
				t.Fatalf("counts do not add up: %+v", rep)
			}
			for _, p := range rep.Problems {
				if p.JA == "" || p.EN == "" || showsNumber(p.JA+" "+p.EN+" "+p.Column) {
					t.Fatalf("bad problem %+v", p)
				}
			}
		}
	})
}
