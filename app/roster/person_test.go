package roster

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseSex(t *testing.T) {
	cases := []struct {
		in   string
		want Sex
		ok   bool
	}{
		{"男", SexMale, true}, {"男性", SexMale, true}, {"M", SexMale, true}, {"m", SexMale, true},
		{"male", SexMale, true}, {"1", SexMale, true}, {"１", SexMale, true}, {" Ｍ ", SexMale, true},
		{"女", SexFemale, true}, {"女性", SexFemale, true}, {"F", SexFemale, true}, {"2", SexFemale, true},
		{"Female", SexFemale, true},
		{"", SexUnspecified, true}, {"0", SexUnspecified, true}, {"9", SexUnspecified, true}, {"不明", SexUnspecified, true},
		{"3", SexUnspecified, false}, {"X", SexUnspecified, false}, {"おとこ", SexUnspecified, false},
	}
	for _, c := range cases {
		got, ok := ParseSex(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("ParseSex(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestParseRelation(t *testing.T) {
	cases := []struct {
		in   string
		want Relation
		ok   bool
	}{
		{"配偶者", RelationSpouse, true}, {"妻", RelationSpouse, true}, {"夫", RelationSpouse, true}, {"spouse", RelationSpouse, true},
		{"長男", RelationChild, true}, {"次女", RelationChild, true}, {"子", RelationChild, true},
		{"母", RelationParent, true}, {"義父", RelationParent, true},
		{"孫", RelationGrandchild, true}, {"祖母", RelationGrandparent, true}, {"弟", RelationSibling, true},
		{"その他", RelationOther, true},
		{"", "", false}, {"友人", "", false},
	}
	for _, c := range cases {
		got, ok := ParseRelation(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("ParseRelation(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
	for _, r := range Relations() {
		if got, ok := ParseRelation(r.Label("ja")); !ok || got != r {
			t.Errorf("label %q does not parse back to %q", r.Label("ja"), r)
		}
	}
}

func fields(ps Problems) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Field)
	}
	return out
}

func TestEmployeeCheck(t *testing.T) {
	today := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	ok := Employee{Code: "E001", Name: "山田 太郎"}
	cases := []struct {
		name   string
		edit   func(*Employee)
		fields []string
		check  func(*testing.T, Employee)
	}{
		{"minimal", func(*Employee) {}, nil, nil},
		{"normalises", func(e *Employee) {
			e.Code, e.NameKana, e.BirthDate, e.HiredOn, e.LeftOn = " Ｅ００１ ", "ﾔﾏﾀﾞ ﾀﾛｳ", "昭和60年1月2日", "R6.4.1", "2025/3/31"
			e.Email, e.Phone = "ｔａｒｏ@example.jp", "０９０-１２３４-５６７８"
		}, nil, func(t *testing.T, e Employee) {
			want := Employee{Code: "E001", Name: "山田 太郎", NameKana: "ヤマダ タロウ", BirthDate: "1985-01-02", HiredOn: "2024-04-01",
				LeftOn: "2025-03-31", Email: "taro@example.jp", Phone: "090-1234-5678"}
			if e.Code != want.Code || e.NameKana != want.NameKana || e.BirthDate != want.BirthDate || e.HiredOn != want.HiredOn ||
				e.LeftOn != want.LeftOn || e.Email != want.Email || e.Phone != want.Phone {
				t.Errorf("normalised to %+v", e)
			}
		}},
		{"no code and name", func(e *Employee) { e.Code, e.Name = "", " " }, []string{FieldCode, FieldName}, nil},
		{"code with a space", func(e *Employee) { e.Code = "E 1" }, []string{FieldCode}, nil},
		{"code too long", func(e *Employee) { e.Code = strings.Repeat("A", 21) }, []string{FieldCode}, nil},
		{"code of 12 digits", func(e *Employee) { e.Code = testNumber(1) }, []string{FieldCode}, nil},
		{"code of 12 digits with hyphens", func(e *Employee) { e.Code = "1234-5678-9012" }, []string{FieldCode}, nil},
		{"code of 11 digits", func(e *Employee) { e.Code = "12345678901" }, nil, nil},
		{"number in the name", func(e *Employee) { e.Name = "山田" + testNumber(2) }, []string{FieldName}, nil},
		{"full-width number in the phone", func(e *Employee) { e.Phone = "１" + testNumber(3)[1:] }, []string{FieldPhone}, nil},
		{"bad dates", func(e *Employee) { e.BirthDate, e.HiredOn, e.LeftOn = "2023-02-29", "令和元年4月1日", "昨日" },
			[]string{FieldBirthDate, FieldHiredOn, FieldLeftOn}, nil},
		{"future birth", func(e *Employee) { e.BirthDate = "2026-04-02" }, []string{FieldBirthDate}, nil},
		{"left before hired", func(e *Employee) { e.HiredOn, e.LeftOn = "2024-04-01", "2024-03-31" }, []string{FieldLeftOn}, nil},
		{"bad sex", func(e *Employee) { e.Sex = "x" }, []string{FieldSex}, nil},
		{"bad contact", func(e *Employee) { e.Email, e.Phone = "taro@", "abc" }, []string{FieldEmail, FieldPhone}, nil},
		{"long name", func(e *Employee) { e.Name = strings.Repeat("山", MaxNameLen+1) }, []string{FieldName}, nil},
		{"control character", func(e *Employee) { e.Name = "山田\x00太郎" }, []string{FieldName}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := ok
			c.edit(&e)
			ps := e.Check(today)
			if got := fields(ps); !slices.Equal(got, c.fields) {
				t.Fatalf("problems on %v, want %v (%v)", got, c.fields, ps)
			}
			for _, p := range ps {
				if p.JA == "" || p.EN == "" {
					t.Errorf("problem without message: %+v", p)
				}
				// A problem never repeats what was typed, so never a number.
				for _, s := range []string{p.JA, p.EN} {
					if strings.Contains(s, testNumber(1)) || strings.Contains(s, testNumber(2)) || strings.Contains(s, testNumber(3)[1:]) {
						t.Errorf("message echoes a number: %q", s)
					}
				}
			}
			if c.check != nil {
				c.check(t, e)
			}
		})
	}
}

func TestDependentCheck(t *testing.T) {
	today := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	d := Dependent{Name: "山田 花子", Relation: "妻", BirthDate: "H2.5.6"}
	if ps := d.Check(today); len(ps) != 0 || d.Relation != RelationSpouse || d.BirthDate != "1990-05-06" {
		t.Fatalf("valid dependent: %v %+v", ps, d)
	}
	d = Dependent{Relation: "友人", BirthDate: "2030-01-01"}
	if got := fields(d.Check(today)); !slices.Equal(got, []string{FieldName, FieldRelation, FieldBirthDate}) {
		t.Fatalf("problems on %v", got)
	}
}

func TestMaskDigits(t *testing.T) {
	for in, want := range map[string]string{testNumber(1): "**** **** " + testNumber(1)[8:], "12345": "*****", "12345678901a": "************"} {
		if got := MaskDigits([]byte(in)); got != want {
			t.Errorf("MaskDigits(%d bytes) = %q, want %q", len(in), got, want)
		}
	}
}

func TestPlausibility(t *testing.T) {
	for _, c := range []struct {
		birth, hired string
		want         string // "" for no warning
	}{
		{"1985-01-02", "2010-04-01", ""},
		{"", "2010-04-01", ""},
		{"1985-01-02", "", ""},
		{"2010-04-01", "1985-01-02", "入社日が生年月日より前"},
		{"2000-04-02", "2015-04-01", "14歳"},
		{"2000-04-01", "2015-04-01", ""}, // 15 on the day
	} {
		e := Employee{BirthDate: c.birth, HiredOn: c.hired}
		ws := e.Plausibility()
		switch {
		case c.want == "" && len(ws) != 0:
			t.Errorf("%s / %s: %+v, want none", c.birth, c.hired, ws)
		case c.want != "" && (len(ws) != 1 || !strings.Contains(ws[0].JA, c.want) || ws[0].Field != FieldHiredOn || ws[0].EN == ""):
			t.Errorf("%s / %s: %+v, want %q", c.birth, c.hired, ws, c.want)
		}
	}
}
