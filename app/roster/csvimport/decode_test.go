package csvimport

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/unicode"
)

func cp932(t testing.TB, s string) []byte {
	t.Helper()
	b, err := japanese.ShiftJIS.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func utf16(t testing.TB, s string, bo unicode.Endianness) []byte {
	t.Helper()
	b, err := unicode.UTF16(bo, unicode.UseBOM).NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecode(t *testing.T) {
	const text = "従業員コード,氏名\r\nE001,髙橋 﨑子\r\nE002,表 ソ能\r\n" // 表 ソ 能 have 0x5C as second CP932 byte
	cases := []struct {
		name string
		in   []byte
		enc  Encoding
		want string
		line int // >0: a Problem on this line
	}{
		{"utf-8", []byte(text), UTF8, text, 0},
		{"ascii", []byte("code,name\n1,a\n"), UTF8, "code,name\n1,a\n", 0},
		{"utf-8 bom", append([]byte{0xEF, 0xBB, 0xBF}, text...), UTF8BOM, text, 0},
		{"cp932", cp932(t, "従業員コード,氏名\r\nE001,高橋 崎子\r\nE002,表 ソ能\r\n"), CP932, "従業員コード,氏名\r\nE001,高橋 崎子\r\nE002,表 ソ能\r\n", 0},
		{"cp932 NEC special", cp932(t, "①②Ⅲ㈱\n"), CP932, "①②Ⅲ㈱\n", 0},
		{"utf-16le", utf16(t, text, unicode.LittleEndian), UTF16LE, text, 0},
		{"utf-16be", utf16(t, text, unicode.BigEndian), UTF16BE, text, 0},
		{"cp932 broken on line 3", append(cp932(t, "a,b\n氏名,x\n"), 0x81, 0x20, '\n'), CP932, "", 3},
		{"utf-8 bom broken on line 2", []byte("\xEF\xBB\xBFa,b\nc,\xff\n"), UTF8BOM, "", 2},
		{"nul on line 2", []byte("a,b\nc,\x00\n"), UTF8, "", 2},
		{"xlsx", []byte("PK\x03\x04rest of a zip"), "", "", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, enc, err := Decode(c.in)
			if c.want == "" {
				var p *Problem
				if !errors.As(err, &p) || p.Code != CodeEncoding || p.Line != c.line || p.JA == "" {
					t.Fatalf("err = %v, want an encoding problem on line %d", err, c.line)
				}
				return
			}
			if err != nil || enc != c.enc || got != c.want {
				t.Fatalf("Decode = %q, %s, %v; want %q, %s", got, enc, err, c.want, c.enc)
			}
		})
	}
}

func TestRead(t *testing.T) {
	s, err := Read([]byte("a,b\n\n1,\"x\ny\"\n , \n2,\"say \"\"hi\"\"\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	var lines []int
	for _, r := range s.Records {
		lines = append(lines, r.Line)
	}
	if !slices.Equal(lines, []int{1, 3, 6}) || s.Records[1].Fields[1] != "x\ny" || s.Records[2].Fields[1] != `say "hi"` {
		t.Fatalf("records %+v", s.Records)
	}
	tsv, err := Read(utf16(t, "従業員コード\t氏名\tメモ\nE1\t山田\ta,b\n", unicode.LittleEndian))
	if err != nil || tsv.Delimiter != '\t' || len(tsv.Records[1].Fields) != 3 || tsv.Encoding != UTF16LE {
		t.Fatalf("tsv: %+v %v", tsv, err)
	}
	_, err = Read([]byte("a,b\n1,2\n3,\"open\n4,5\n"))
	var p *Problem
	if !errors.As(err, &p) || p.Code != CodeFormat || p.Line == 0 {
		t.Fatalf("unclosed quote: %v", err)
	}
	_, err = Read([]byte(strings.Repeat("x", MaxBytes+1)))
	if !errors.As(err, &p) || p.Code != CodeFormat {
		t.Fatalf("too large: %v", err)
	}
}

func TestInspectMasks(t *testing.T) {
	data := header + "E001,山田 太郎,ヤマダ タロウ,1985-01-02,男,営業部,2024-04-01,," + "taro@example.jp," + testNumber(1) + "\n" +
		"E002,鈴木,スズキ,,女,,,,,\"" + testNumber(2)[:4] + "-" + testNumber(2)[4:8] + "-" + testNumber(2)[8:] + "\"\n"
	in, err := Inspect([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if in.Encoding != UTF8 || in.Rows != 2 || len(in.Sample) != 2 || len(in.Guess.Columns) != 10 {
		t.Fatalf("inspection %+v", in)
	}
	if got := in.Sample[0][9]; got != "**** **** "+testNumber(1)[8:] {
		t.Errorf("number cell shown as %q", got)
	}
	var all strings.Builder
	for _, r := range in.Sample {
		all.WriteString(strings.Join(r, ","))
	}
	noNumbers(t, "sample", all.String(), 2)
	if in.Guess.Columns["number"].Header != "個人番号" || in.Guess.Columns["code"].Header != "従業員コード" {
		t.Errorf("guess %+v", in.Guess)
	}
}
