package csvimport

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/roster"
	"github.com/mynumber-shelter/shelter/app/store"
)

func TestPreviewListsEveryProblem(t *testing.T) {
	f := newFixture(t)
	data := header +
		"E001,山田 太郎,ヤマダ タロウ,1985-01-02,男,営業部,2024-04-01,,taro@example.jp," + testNumber(1) + "\n" + // 2 ok
		"E002,鈴木 花子,スズキ ハナコ,令和元年4月1日,X,営業部,R6.4.1,,hanako@," + badNumber(2) + "\n" + // 3
		"E001,重複 一郎,,,,,,,,\n" + // 4
		",名無し,,,,,,,,\n" + // 5
		"E006,佐藤 次郎,,,,,,,,\"" + testNumber(1)[:4] + " " + testNumber(1)[4:8] + " " + testNumber(1)[8:] + "\"\n" + // 6
		"E007,高橋 三郎,,2030-01-01,,,,,,\n" + // 7
		"E008,伊藤\n" + // 8
		"E009,渡辺 四郎,,,,,2024-04-01,2024-03-01,,12345\n" + // 9
		testNumber(9) + ",中村 五郎,,,,,,,,\n" + // 10
		"E011,小林 " + testNumber(11) + ",,,,,,,,\n" // 11
	rep := f.preview(data, Mapping{})
	type want struct {
		line   int
		column string
		code   string
	}
	wants := []want{
		{3, "性別", CodeInvalid}, {3, "生年月日", CodeInvalid}, {3, "メールアドレス", CodeInvalid}, {3, "個人番号", CodeNumber},
		{4, "従業員コード", CodeDuplicateCode},
		{5, "従業員コード", CodeInvalid},
		{6, "個人番号", CodeDuplicateNumber},
		{7, "生年月日", CodeInvalid},
		{8, "", CodeColumns},
		{9, "退職日", CodeInvalid}, {9, "個人番号", CodeNumber},
		{10, "従業員コード", CodeInvalid},
		{11, "氏名", CodeInvalid},
	}
	var got []want
	var texts strings.Builder
	for _, p := range rep.Problems {
		got = append(got, want{p.Line, p.Column, p.Code})
		fmt.Fprintf(&texts, "%s %s %s\n", p.JA, p.EN, p.Error())
		if p.JA == "" || p.EN == "" {
			t.Errorf("problem without a message: %+v", p)
		}
	}
	if !slices.Equal(got, wants) {
		t.Fatalf("problems\n%v\nwant\n%v\n%s", got, wants, texts.String())
	}
	if rep.Rows != 10 || rep.Rejected != 9 || rep.Added != 1 || rep.Committed {
		t.Fatalf("report %+v", rep)
	}
	if !strings.Contains(texts.String(), "2行目") || !strings.Contains(texts.String(), "line 2") {
		t.Errorf("duplicates do not name the first line:\n%s", texts.String())
	}
	noNumbers(t, "problems", texts.String(), 11)

	// The same file committed writes nothing at all.
	before := f.count(`SELECT count(*) FROM audit_log`)
	rep, err := f.commit(data, Mapping{})
	if !errors.Is(err, ErrRejected) || rep.Committed || len(rep.Problems) != len(wants) {
		t.Fatalf("commit: %v %+v", err, rep)
	}
	for _, table := range []string{"persons", "person_numbers", "departments", "person_keys"} {
		if n := f.count(`SELECT count(*) FROM ` + table); n != 0 {
			t.Errorf("%s has %d rows after a rejected import", table, n)
		}
	}
	if f.count(`SELECT count(*) FROM audit_log`) != before {
		t.Error("a rejected import wrote audit entries")
	}
}

func TestCommitUpsert(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	n := testNumber
	first := header +
		"E001,山田 太郎,ﾔﾏﾀﾞ ﾀﾛｳ,昭和60年1月2日,男,営業部,R6.4.1,,taro@example.jp," + n(1) + "\n" +
		"E002,鈴木 花子,スズキ ハナコ,1990/5/6,2,総務部,2020-04-01,,,\"" + n(2)[:4] + "-" + n(2)[4:8] + "-" + n(2)[8:] + "\"\n" +
		"E003,佐藤 次郎,サトウ ジロウ,,M,営業部,,,," + n(3) + "\n"
	var calls [][2]int
	rep, err := f.im.Commit(ctx, f.handler, f.keys, Request{CompanyID: f.a, Data: []byte(first)}, func(done, total int) {
		calls = append(calls, [2]int{done, total})
	})
	if err != nil || !rep.Committed || rep.Added != 3 || rep.Numbers != 3 || !slices.Equal(rep.NewDepartments, []string{"営業部", "総務部"}) {
		t.Fatalf("first import: %v %+v", err, rep)
	}
	if calls[0] != [2]int{0, 3} || calls[len(calls)-1] != [2]int{3, 3} {
		t.Errorf("progress calls %v", calls)
	}
	wantList := []string{
		"E001:山田 太郎:営業部:**** **** " + n(1)[8:],
		"E002:鈴木 花子:総務部:**** **** " + n(2)[8:],
		"E003:佐藤 次郎:営業部:**** **** " + n(3)[8:],
	}
	if got := f.employees(); !slices.Equal(got, wantList) {
		t.Fatalf("employees %q", got)
	}
	e1, err := f.roster.Employee(ctx, f.handler, f.keys, f.a, 1)
	if err != nil || e1.NameKana != "ヤマダ タロウ" || e1.BirthDate != "1985-01-02" || e1.HiredOn != "2024-04-01" || e1.Sex != roster.SexMale {
		t.Fatalf("E001 stored as %+v, %v", e1, err)
	}
	if k := f.count(`SELECT count(*) FROM person_keys WHERE company_id = ?`, f.a); k != 3 {
		t.Fatalf("%d person keys", k)
	}
	// 2 departments + 3 employees + 1 summary.
	if got := f.count(`SELECT count(*) FROM audit_log WHERE company_id = ?`, f.a); got != 1+6 { // +1: company_create
		t.Fatalf("%d audit entries for company a", got)
	}
	if got := f.count(`SELECT count(*) FROM audit_log WHERE action = 'register' AND target_type = 'person' AND detail LIKE '%my number registered'`); got != 3 {
		t.Fatalf("%d person register entries with a number", got)
	}

	// Second file: E001 unchanged; E002 renamed and left, by department code; E003 with an
	// empty number cell (keeps its number); E004 new without a number; E005 new with one.
	second := header +
		"E001,山田 太郎,ヤマダ タロウ,1985-01-02,男,営業部,2024-04-01,,taro@example.jp," + n(1) + "\n" +
		"E002,鈴木 花子（旧姓 田中）,スズキ ハナコ,1990-05-06,女,D001,2020-04-01,2026-03-31,,\n" +
		"E003,佐藤 次郎,サトウ ジロウ,,男,営業部,,,,\n" +
		"E004,高橋 三郎,,,,,,,,\n" +
		"E005,伊藤 四郎,,,,新部署,,,," + n(5) + "\n"
	rep, err = f.commit(second, Mapping{})
	if err != nil || rep.Added != 2 || rep.Updated != 1 || rep.Unchanged != 2 || rep.Numbers != 1 || !slices.Equal(rep.NewDepartments, []string{"新部署"}) {
		t.Fatalf("second import: %v %+v", err, rep)
	}
	e2, _ := f.roster.Employee(ctx, f.handler, f.keys, f.a, 2)
	if e2.Name != "鈴木 花子（旧姓 田中）" || e2.LeftOn != "2026-03-31" || e2.DepartmentName != "営業部" || !e2.HasNumber {
		t.Fatalf("E002 after update: %+v", e2)
	}
	if !strings.Contains(auditDetails(t, f), "employee updated by import; code=E002; changed: name,department,leftOn") {
		t.Fatalf("audit:\n%s", auditDetails(t, f))
	}

	// Third file: a different number for E001, E001's number for E004: both refused, nothing written.
	third := header + "E001,山田 太郎,,,,,,,," + n(9) + "\n" + "E004,高橋 三郎,,,,,,,," + n(1) + "\n"
	rep, err = f.commit(third, Mapping{})
	if !errors.Is(err, ErrRejected) || len(rep.Problems) != 2 || rep.Problems[0].Code != CodeNumberConflict ||
		rep.Problems[1].Code != CodeDuplicateNumber || !strings.Contains(rep.Problems[1].JA, "E001") {
		t.Fatalf("third import: %v %+v", err, rep)
	}
	// A number for E004 (registered, without one before) and a cleared leaving date for E002.
	fourth := "従業員コード,氏名,退職日,個人番号\nE004,高橋 三郎,," + n(4) + "\nE002,鈴木 花子,,\n"
	rep, err = f.commit(fourth, Mapping{})
	if err != nil || rep.Updated != 2 || rep.Numbers != 1 {
		t.Fatalf("fourth import: %v %+v", err, rep)
	}
	e2, _ = f.roster.Employee(ctx, f.handler, f.keys, f.a, 2)
	if e2.LeftOn != "" || e2.Name != "鈴木 花子" || e2.DepartmentName != "営業部" {
		t.Fatalf("E002 after fourth: %+v", e2)
	}
	noNumbers(t, "audit log", auditDetails(t, f), 9)

	// A number on another company is no duplicate; the same file in company b imports fine.
	rep, err = f.im.Commit(ctx, f.outsider, f.keys, Request{CompanyID: f.b, Data: []byte(first)}, nil)
	if err != nil || rep.Added != 3 {
		t.Fatalf("company b: %v %+v", err, rep)
	}
}

func auditDetails(t *testing.T, f *fixture) string {
	t.Helper()
	var b strings.Builder
	err := f.db.View(context.Background(), func(tx *store.Tx) error {
		rows, err := tx.Query(`SELECT action, target_type, target_id, detail FROM audit_log ORDER BY id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var a, tt, ti, d string
			rows.Scan(&a, &tt, &ti, &d)
			fmt.Fprintf(&b, "%s|%s|%s|%s\n", a, tt, ti, d)
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestImportCP932AndMapping(t *testing.T) {
	f := newFixture(t)
	// A headerless tab-separated CP932 file mapped by position, as some payroll packages write.
	data := cp932(t, "1001\t田中 一郎\tﾀﾅｶ ｲﾁﾛｳ\t令和2年4月1日\t"+testNumber(1)+"\n1002\t中村 花子\tﾅｶﾑﾗ ﾊﾅｺ\tR3.10.1\t\n")
	m := Mapping{NoHeader: true, Columns: map[string]Column{"code": {Index: 1}, "name": {Index: 2}, "nameKana": {Index: 3}, "hiredOn": {Index: 4}, "number": {Index: 5}}}
	rep, err := f.im.Commit(context.Background(), f.handler, f.keys, Request{CompanyID: f.a, Data: data, Mapping: m}, nil)
	if err != nil || rep.Encoding != CP932 || rep.Added != 2 || rep.Numbers != 1 {
		t.Fatalf("commit: %v %+v", err, rep)
	}
	e, err := f.roster.Employee(context.Background(), f.handler, f.keys, f.a, 2)
	if err != nil || e.Code != "1002" || e.NameKana != "ナカムラ ハナコ" || e.HiredOn != "2021-10-01" {
		t.Fatalf("stored %+v %v", e, err)
	}
	// A line with a problem in a headerless file names columns by position.
	rep = f.preview(string(cp932(t, "1003\t\t\tR3.13.1\t\n")), m)
	if len(rep.Problems) != 2 || rep.Problems[0].Column != "列2" || rep.Problems[1].Column != "列4" || rep.Problems[0].Line != 1 {
		t.Fatalf("headerless problems %+v", rep.Problems)
	}
}

func TestImportRoles(t *testing.T) {
	f := newFixture(t)
	data := []byte(header + "E001,山田 太郎,,,,,,,,\n")
	for _, p := range []struct {
		name string
		err  error
	}{
		{"admin", func() error {
			_, err := f.im.Preview(context.Background(), f.admin, f.keys, Request{CompanyID: f.a, Data: data})
			return err
		}()},
		{"admin commit", func() error {
			_, err := f.im.Commit(context.Background(), f.admin, f.keys, Request{CompanyID: f.a, Data: data}, nil)
			return err
		}()},
		{"outsider", func() error {
			_, err := f.im.Commit(context.Background(), f.outsider, f.keys, Request{CompanyID: f.a, Data: data}, nil)
			return err
		}()},
		{"presets", func() error { _, err := f.im.Presets(context.Background(), f.admin, f.a); return err }()},
	} {
		if !apperr.HasCode(p.err, apperr.CodeForbidden) {
			t.Errorf("%s: %v, want forbidden", p.name, p.err)
		}
	}
	if n := f.count(`SELECT count(*) FROM persons`); n != 0 {
		t.Fatalf("%d persons written by refused imports", n)
	}
}

func TestPresets(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	m := Mapping{Columns: map[string]Column{"code": {Header: "社員番号"}, "name": {Index: 2}}}
	p, err := f.im.SavePreset(ctx, f.handler, f.a, "給与システムA", m)
	if err != nil || p.ID == 0 {
		t.Fatal(err)
	}
	m.Columns["number"] = Column{Header: "マイナンバー"}
	if p2, err := f.im.SavePreset(ctx, f.handler, f.a, " 給与システムA ", m); err != nil || p2.ID != p.ID {
		t.Fatalf("replace: %+v %v", p2, err)
	}
	if _, err := f.im.SavePreset(ctx, f.handler, f.a, "", m); !apperr.HasCode(err, apperr.CodeInvalid) {
		t.Fatalf("empty name: %v", err)
	}
	if _, err := f.im.SavePreset(ctx, f.handler, f.a, "x", Mapping{Columns: map[string]Column{"code": {}}}); !apperr.HasCode(err, apperr.CodeInvalid) {
		t.Fatalf("bad mapping: %v", err)
	}
	ps, err := f.im.Presets(ctx, f.handler, f.a)
	if err != nil || len(ps) != 1 || ps[0].Mapping.Columns["number"].Header != "マイナンバー" || ps[0].Mapping.Columns["name"].Index != 2 {
		t.Fatalf("presets %+v %v", ps, err)
	}
	if ps, _ := f.im.Presets(ctx, f.outsider, f.b); len(ps) != 0 {
		t.Fatalf("company b sees presets of a: %+v", ps)
	}
	if err := f.im.DeletePreset(ctx, f.outsider, f.b, p.ID); !apperr.HasCode(err, apperr.CodeNotFound) {
		t.Fatalf("delete through another company: %v", err)
	}
	if err := f.im.DeletePreset(ctx, f.handler, f.a, p.ID); err != nil {
		t.Fatal(err)
	}
	// The saved mapping imports a file with those headers.
	rep := f.preview("社員番号,氏名,マイナンバー\nA1,山田 太郎,"+testNumber(1)+"\n", m)
	if len(rep.Problems) != 0 || rep.Added != 1 || rep.Numbers != 1 {
		t.Fatalf("preview with preset mapping: %+v", rep)
	}
}

// Unlikely dates are warnings by line and column, and do not stop the import.
func TestPreviewWarnsOfUnlikelyDates(t *testing.T) {
	f := newFixture(t)
	data := header +
		"E001,山田 太郎,,1985-01-02,男,,2024-04-01,,," + "\n" + // 2 fine
		"E002,鈴木 花子,,2024-04-01,女,,1985-01-02,,," + "\n" + // 3 hired before born
		"E003,佐藤 次郎,,2012-05-05,男,,2024-04-01,,," + "\n" // 4 eleven at hire
	rep := f.preview(data, Mapping{})
	if len(rep.Problems) != 0 || rep.Added != 3 {
		t.Fatalf("warnings must not stop the import: %+v", rep)
	}
	var got []string
	for _, w := range rep.Warnings {
		got = append(got, fmt.Sprintf("%d/%s/%s", w.Line, w.Column, w.Code))
	}
	if want := []string{"3/入社日/implausible", "4/入社日/implausible"}; !slices.Equal(got, want) {
		t.Fatalf("warnings %v, want %v (%+v)", got, want, rep.Warnings)
	}
	if !strings.Contains(rep.Warnings[1].JA, "11歳") {
		t.Errorf("warning %q", rep.Warnings[1].JA)
	}
}

// A payroll export's columns that the import does not take are named in the preview, the
// 扶養親族 ones apart: nothing is dropped silently. Imported dependent columns are not named.
func TestPreviewNamesIgnoredColumns(t *testing.T) {
	f := newFixture(t)
	data := "従業員コード,氏名,基本給,扶養1氏名,扶養1続柄,扶養1障害者区分,扶養1個人番号,扶養2氏名,扶養2個人番号\n" +
		"E001,山田 太郎,300000,山田 花子,配偶者,0," + testNumber(2) + ",山田 一郎," + testNumber(3) + "\n"
	rep := f.preview(data, Mapping{})
	if len(rep.Problems) != 0 || rep.Added != 1 || rep.DependentsAdded != 1 || rep.Numbers != 1 {
		t.Fatalf("report %+v", rep)
	}
	var texts []string
	for _, w := range rep.Warnings {
		if w.Code == CodeIgnored {
			texts = append(texts, w.JA)
		}
	}
	all := strings.Join(texts, "\n")
	// 扶養2 has no 続柄 column: its columns are named with the reason, once.
	if len(texts) != 3 || !strings.Contains(all, "（扶養1障害者区分）") || !strings.Contains(all, "基本給") ||
		!strings.Contains(all, "「扶養2」の列（扶養2個人番号、扶養2氏名）は、続柄の列がない") || strings.Contains(all, "扶養1氏名") ||
		strings.Count(all, "扶養2氏名") != 1 {
		t.Fatalf("warnings %q", texts)
	}
	noNumbers(t, "the warnings", all, 3)
}
