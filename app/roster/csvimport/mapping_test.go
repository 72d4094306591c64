package csvimport

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestParseMapping(t *testing.T) {
	m, err := ParseMapping([]byte(`{"columns": {"code": "社員番号", "name": 2, "number": {"header": "マイナンバー"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Column{"code": {Header: "社員番号"}, "name": {Index: 2}, "number": {Header: "マイナンバー"}}
	if len(m.Columns) != len(want) || m.NoHeader {
		t.Fatalf("mapping %+v", m)
	}
	for f, c := range want {
		if m.Columns[f] != c {
			t.Errorf("%s: %+v, want %+v", f, m.Columns[f], c)
		}
	}
	b, _ := json.Marshal(m)
	if !strings.Contains(string(b), `"name":2`) || !strings.Contains(string(b), `"code":"社員番号"`) {
		t.Errorf("marshalled %s", b)
	}
	for _, bad := range []string{`{"columns": {"shoe_size": 3}}`, `{"columns": {"code": true}}`, `{"colums": {}}`, `[`} {
		if _, err := ParseMapping([]byte(bad)); err == nil {
			t.Errorf("ParseMapping(%s) accepted", bad)
		}
	}
}

func TestGuess(t *testing.T) {
	m := Guess([]string{"\uFEFF社員番号", "氏　名", "ﾌﾘｶﾞﾅ", "所属", "E-Mail", "マイナンバー", "備考"})
	want := map[string]string{"code": "社員番号", "name": "氏　名", "nameKana": "ﾌﾘｶﾞﾅ", "department": "所属", "email": "E-Mail", "number": "マイナンバー"}
	if len(m.Columns) != len(want) {
		t.Fatalf("guess %+v", m.Columns)
	}
	for f, h := range want {
		if m.Columns[f].Header != h {
			t.Errorf("%s → %q, want %q", f, m.Columns[f].Header, h)
		}
	}
}

func TestResolve(t *testing.T) {
	cases := []struct {
		name    string
		file    string
		m       Mapping
		columns []string // the Column of each problem, in order
	}{
		{"defaults", header, Mapping{}, nil},
		{"no code column", "氏名,個人番号\n", Mapping{}, []string{"従業員コード"}},
		{"headerless without mapping", "E001,山田\n", Mapping{NoHeader: true}, []string{"従業員コード", "氏名"}},
		{"by position", "E001,山田\n", Mapping{NoHeader: true, Columns: map[string]Column{"code": {Index: 1}, "name": {Index: 2}}}, nil},
		{"position outside", "a,b\n", Mapping{Columns: map[string]Column{"code": {Index: 1}, "name": {Index: 3}}}, []string{"列3"}},
		{"header with NoHeader", "a,b\n", Mapping{NoHeader: true, Columns: map[string]Column{"code": {Index: 1}, "name": {Header: "b"}}}, []string{"b"}},
		{"missing header", "社員番号,名前\n", Mapping{Columns: map[string]Column{"code": {Header: "社員番号"}, "name": {Header: "氏名"}}}, []string{"氏名"}},
		{"ambiguous header", "社員番号,氏名,氏名\n", Mapping{Columns: map[string]Column{"code": {Header: "社員番号"}, "name": {Header: "氏名"}}}, []string{"氏名"}},
		{"mapped twice", "社員番号,氏名\n", Mapping{Columns: map[string]Column{"code": {Index: 1}, "name": {Index: 2}, "nameKana": {Header: "氏名"}}}, []string{"氏名"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := Read([]byte(c.file))
			if err != nil {
				t.Fatal(err)
			}
			_, ps := resolve(s, c.m)
			var got []string
			for _, p := range ps {
				got = append(got, p.Column)
				if p.Code != CodeMapping || p.Line != 1 || p.JA == "" || p.EN == "" {
					t.Errorf("problem %+v", p)
				}
			}
			if strings.Join(got, "|") != strings.Join(c.columns, "|") {
				t.Fatalf("problems on %q, want %q (%+v)", got, c.columns, ps)
			}
		})
	}
}

func TestMappingValidate(t *testing.T) {
	ok := Mapping{Columns: map[string]Column{"code": {Header: "社員番号"}, "name": {Index: 2}}}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []Mapping{
		{Columns: map[string]Column{"x": {Index: 1}}},
		{Columns: map[string]Column{"code": {}}},
		{NoHeader: true, Columns: map[string]Column{"code": {Header: "a"}}},
		{Columns: map[string]Column{"code": {Header: testNumber(1)}}},
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}
