package report

import (
	"bytes"
	"encoding/csv"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mynumber-shelter/shelter/internal/mynumber"

	"golang.org/x/text/encoding/japanese"
)

func writeCSVString(t *testing.T, n int, enc Encoding) []byte {
	t.Helper()
	var buf bytes.Buffer
	got, err := WriteHistoryCSV(&buf, fixtureRows(n), enc)
	if err != nil {
		t.Fatal(err)
	}
	if got != n {
		t.Fatalf("wrote %d rows, want %d", got, n)
	}
	return buf.Bytes()
}

// readCSV parses a history CSV written by WriteHistoryCSV in UTF-8 (BOM removed).
func readCSV(t *testing.T, b []byte) [][]string {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\uFEFF"))))
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("reading CSV back: %v", err)
	}
	return recs
}

func TestHistoryCSVGolden(t *testing.T) {
	b := writeCSVString(t, 8, UTF8BOM)
	if !bytes.HasPrefix(b, []byte("\xEF\xBB\xBF\"履歴番号\",\"日時\"")) {
		t.Fatalf("CSV does not start with a BOM and the headings: %q", b[:min(len(b), 40)])
	}
	if bytes.Count(b, []byte("\r\n")) != 9 { // heading and 8 rows; row 7's detail holds a bare LF
		t.Errorf("want CRLF line ends, got %d", bytes.Count(b, []byte("\r\n")))
	}
	golden(t, "history_csv", string(b))
	recs := readCSV(t, b)
	if len(recs) != 9 {
		t.Fatalf("%d records, want 9", len(recs))
	}
	want := fixtureRow(7)
	got := recs[7]
	if got[0] != "7" || got[1] != "2025-04-01 09:11:19" || got[8] != "失敗" {
		t.Errorf("row 7 = %q", got)
	}
	// Formula text is defused; quotes, commas and the line break survive.
	if got[9] != "'"+want.Detail {
		t.Errorf("detail = %q, want %q", got[9], "'"+want.Detail)
	}
}

func TestHistoryCSVCP932(t *testing.T) {
	utf := writeCSVString(t, 20, UTF8BOM)
	sj := writeCSVString(t, 20, CP932)
	if bytes.HasPrefix(sj, []byte("\xEF\xBB\xBF")) || utf8.Valid(sj) {
		t.Fatal("the CP932 file is not CP932")
	}
	dec, err := japanese.ShiftJIS.NewDecoder().Bytes(sj)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(dec, bytes.TrimPrefix(utf, []byte("\uFEFF"))) {
		t.Error("the CP932 file decodes to other text than the UTF-8 file")
	}
}

func TestHistoryCSVCP932Fixes(t *testing.T) {
	r := fixtureRow(1)
	r.Detail = "9時〜17時 − 値‖—¢£¬ 髙﨑 ①"
	var buf bytes.Buffer
	if _, err := WriteHistoryCSV(&buf, rowsOf(r), CP932); err != nil {
		t.Fatal(err)
	}
	dec, err := japanese.ShiftJIS.NewDecoder().Bytes(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if want := "9時～17時 － 値∥―￠￡￢ 髙﨑 ①"; !strings.Contains(string(dec), want) {
		t.Errorf("decoded %q, want it to hold %q", dec, want)
	}
}

func TestHistoryCSVUnencodable(t *testing.T) {
	tests := []struct {
		name   string
		mod    func(*HistoryRow)
		column string
		char   string
	}{
		{"JIS X 0213 kanji in detail", func(r *HistoryRow) { r.Detail = "𠮷野家に関する照会" }, "詳細", "𠮷"},
		{"emoji in target", func(r *HistoryRow) { r.Target = "従業員 🙂" }, "対象", "🙂"},
		{"Arabic-Indic digit is not shown", func(r *HistoryRow) { r.User = "user٣" }, "利用者", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := fixtureRow(42)
			tt.mod(&r)
			var buf bytes.Buffer
			n, err := WriteHistoryCSV(&buf, rowsOf(fixtureRow(1), fixtureRow(2), r), CP932)
			var ee *EncodingError
			if !errors.As(err, &ee) || !errors.Is(err, ErrUnencodable) {
				t.Fatalf("err = %v, want an *EncodingError", err)
			}
			if ee.Row != 3 || ee.ID != 42 || ee.Column != tt.column || ee.Char != tt.char {
				t.Errorf("error = %+v, want row 3, id 42, column %s, char %q", *ee, tt.column, tt.char)
			}
			if n != 2 {
				t.Errorf("n = %d, want the 2 rows written before", n)
			}
			if !strings.Contains(ee.Japanese(), "3行目") || !strings.Contains(err.Error(), "row 3") {
				t.Errorf("messages do not name the row: %q / %q", ee.Japanese(), err)
			}
			// The same rows are fine in UTF-8.
			if _, err := WriteHistoryCSV(&buf, rowsOf(r), UTF8BOM); err != nil {
				t.Errorf("UTF-8: %v", err)
			}
		})
	}
}

func TestHistoryCSVErrors(t *testing.T) {
	var buf bytes.Buffer
	if _, err := WriteHistoryCSV(&buf, fixtureRows(1), "sjis"); !errors.Is(err, ErrEncoding) {
		t.Errorf("unknown encoding: err = %v", err)
	}
	boom := errors.New("cursor closed")
	rows := func(yield func(HistoryRow, error) bool) { yield(HistoryRow{}, boom) }
	if _, err := WriteHistoryCSV(&buf, rows, UTF8BOM); !errors.Is(err, boom) {
		t.Errorf("row error: err = %v, want %v", err, boom)
	}
}

func TestCSVDefusesFormulas(t *testing.T) {
	for _, s := range []string{"=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"} {
		r := fixtureRow(1)
		r.Detail, r.User = s, s
		var buf bytes.Buffer
		if _, err := WriteHistoryCSV(&buf, rowsOf(r), UTF8BOM); err != nil {
			t.Fatal(err)
		}
		rec := readCSV(t, buf.Bytes())[1]
		if rec[9] != "'"+s || rec[2] != "'"+s {
			t.Errorf("%q written as %q, %q", s, rec[2], rec[9])
		}
	}
}

// FuzzHistoryCSV checks that any text survives the CSV writer: what encoding/csv reads back
// is what went in (with the formula apostrophe), and CP932 either decodes to the same text
// or refuses with an EncodingError.
func FuzzHistoryCSV(f *testing.F) {
	f.Add("山田 太郎", "照会, \"引用\"\r\n次の行", int64(1))
	f.Add("=cmd|' /C calc'!A0", "〜‖−", int64(-5))
	f.Add("", "\x00\xff", int64(0))
	f.Add("𠮷", " leading space", int64(1<<40))
	f.Fuzz(func(t *testing.T, user, detail string, id int64) {
		if !utf8.ValidString(user) || !utf8.ValidString(detail) || mynumber.HoldsIndividual(user) || mynumber.HoldsIndividual(detail) {
			t.Skip()
		}
		r := HistoryRow{ID: id, User: user, Detail: detail}
		var buf bytes.Buffer
		if _, err := WriteHistoryCSV(&buf, rowsOf(r), UTF8BOM); err != nil {
			t.Fatal(err)
		}
		cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(buf.Bytes(), []byte("\uFEFF"))))
		cr.LazyQuotes = false
		recs, err := cr.ReadAll()
		if err != nil || len(recs) != 2 {
			t.Fatalf("read back: %v, %d records", err, len(recs))
		}
		defuse := func(s string) string {
			if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
				s = "'" + s
			}
			// encoding/csv turns \r\n inside a quoted field into \n.
			return strings.ReplaceAll(s, "\r\n", "\n")
		}
		if got := recs[1]; got[2] != defuse(user) || got[9] != defuse(detail) {
			t.Fatalf("read back %q, %q; want %q, %q", got[2], got[9], defuse(user), defuse(detail))
		}

		buf.Reset()
		_, err = WriteHistoryCSV(&buf, rowsOf(r), CP932)
		var ee *EncodingError
		if errors.As(err, &ee) {
			if ee.Row != 1 || (ee.Column != "利用者" && ee.Column != "詳細") {
				t.Fatalf("encoding error %+v names the wrong cell", *ee)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		dec, err := japanese.ShiftJIS.NewDecoder().Bytes(buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		recs, err = csv.NewReader(bytes.NewReader(dec)).ReadAll()
		if err != nil || len(recs) != 2 {
			t.Fatalf("read back CP932: %v", err)
		}
		if got := recs[1]; got[9] != defuse(cp932Fixes.Replace(detail)) {
			t.Fatalf("CP932 read back %q, want %q", got[9], defuse(cp932Fixes.Replace(detail)))
		}
	})
}
