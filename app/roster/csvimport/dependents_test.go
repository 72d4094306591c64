package csvimport

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/mynumber-shelter/shelter/app/roster"
)

// dependents returns "relation:name:kana:birth:sex:mask" of every dependent of employee code in
// company a, in id order.
func (f *fixture) dependents(code string) []string {
	f.t.Helper()
	ctx := context.Background()
	page, err := f.roster.Employees(ctx, f.handler, f.keys, roster.EmployeeQuery{CompanyID: f.a, Search: code, Limit: 500})
	if err != nil {
		f.t.Fatal(err)
	}
	for _, e := range page.Employees {
		if e.Code != code {
			continue
		}
		e, err := f.roster.Employee(ctx, f.handler, f.keys, f.a, e.ID)
		if err != nil {
			f.t.Fatal(err)
		}
		var out []string
		for _, d := range e.Dependents {
			out = append(out, fmt.Sprintf("%s:%s:%s:%s:%s:%s", d.Relation, d.Name, d.NameKana, d.BirthDate, d.Sex, d.MaskedNumber))
		}
		return out
	}
	f.t.Fatalf("no employee %s", code)
	return nil
}

func mask(i int) string { return "**** **** " + testNumber(i)[8:] }

func TestParseDependentHeaders(t *testing.T) {
	for h, want := range map[string]string{
		"扶養親族1氏名":         "扶養親族1/name",
		"扶養親族１フリガナ":       "扶養親族1/nameKana",
		"扶養1続柄":           "扶養1/relation",
		"控除対象扶養親族(1)生年月日": "控除対象扶養親族1/birthDate",
		"控除対象扶養親族（2）個人番号": "控除対象扶養親族2/number",
		"扶養親族氏名3":         "扶養親族3/name",
		"扶養家族 1 マイナンバー":   "扶養家族1/number",
		"16歳未満扶養親族1氏名":    "16歳未満扶養親族1/name",
		"扶養親族01_性別":       "扶養親族1/sex",
		"配偶者氏名":           "配偶者/name",
		"源泉控除対象配偶者の個人番号":  "源泉控除対象配偶者/number",
		"扶養親族1障害者区分":      "",
		"扶養人数":            "",
		"配偶者の有無":          "",
		"配偶者続柄":           "", // a spouse is a spouse
		"家族手当":            "",
	} {
		_, label, field, _, ok := parseDepHeader(h)
		got := ""
		if ok {
			got = label + "/" + field
		}
		if got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
}

// Shape A: numbered groups on the employee's line. Imported, numbers sealed under each
// dependent's own key; the same file again changes nothing; a changed file updates the
// dependent it names instead of adding one.
func TestImportDependentColumnGroups(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	head := "従業員コード,氏名,個人番号,扶養親族1氏名,扶養親族1フリガナ,扶養親族1続柄,扶養親族1生年月日,扶養親族1個人番号," +
		"扶養親族2氏名,扶養親族2フリガナ,扶養親族2続柄,扶養親族2生年月日,扶養親族2個人番号,配偶者氏名,配偶者生年月日,配偶者個人番号\n"
	data := head +
		"E001,山田 太郎," + testNumber(1) + ",山田 一郎,ﾔﾏﾀﾞ ｲﾁﾛｳ,長男,H27.4.1," + testNumber(11) + ",山田 花,ヤマダ ハナ,長女,2018-06-01,," +
		"山田 花子,S63.5.12," + testNumber(12) + "\n" +
		"E002,鈴木 次郎,,,,,,,,,,,,,,\n" +
		"E003,佐藤 三郎,,佐藤 ウメ,サトウ ウメ,母,S13.5.12,,,,,,,,,\n"
	rep := f.preview(data, Mapping{})
	if len(rep.Problems) != 0 || rep.Added != 3 || rep.DependentsAdded != 4 || rep.Numbers != 3 {
		t.Fatalf("preview %+v", rep)
	}
	for _, w := range rep.Warnings {
		if w.Code == CodeIgnored {
			t.Errorf("imported columns named as ignored: %+v", w)
		}
	}
	before := f.count(`SELECT count(*) FROM audit_log`)
	rep, err := f.commit(data, Mapping{})
	if err != nil || !rep.Committed || rep.DependentsAdded != 4 {
		t.Fatalf("commit %v %+v", err, rep)
	}
	want := []string{
		"child:山田 一郎:ヤマダ イチロウ:2015-04-01::" + mask(11),
		"child:山田 花:ヤマダ ハナ:2018-06-01::",
		"spouse:山田 花子::1988-05-12::" + mask(12),
	}
	if got := f.dependents("E001"); !slices.Equal(got, want) {
		t.Fatalf("E001's dependents\n%q\nwant\n%q", got, want)
	}
	if got := f.dependents("E003"); !slices.Equal(got, []string{"parent:佐藤 ウメ:サトウ ウメ:1938-05-12::"}) {
		t.Fatalf("E003's dependents %q", got)
	}
	if got := f.dependents("E002"); len(got) != 0 {
		t.Fatalf("E002's dependents %q", got)
	}
	// Every person has a key; every number opens under its own person's key.
	if k := f.count(`SELECT count(*) FROM person_keys WHERE company_id = ?`, f.a); k != 7 {
		t.Fatalf("%d person keys, want 7", k)
	}
	if n := f.openNumbers(); n != 3 {
		t.Fatalf("%d numbers open", n)
	}
	// 3 employees + 4 dependents + the summary.
	if got := f.count(`SELECT count(*) FROM audit_log`) - before; got != 8 {
		t.Fatalf("%d audit entries", got)
	}
	details := auditDetails(t, f)
	if !strings.Contains(details, "dependents added 4, updated 0, unchanged 0, numbers 3") {
		t.Fatalf("summary entry:\n%s", details)
	}
	for _, name := range []string{"山田 一郎", "山田 花子", "佐藤 ウメ", "ヤマダ"} {
		if strings.Contains(details, name) {
			t.Errorf("the history holds the name %s", name)
		}
	}
	noNumbers(t, "audit log", details, 12)

	// The same file again (as CP932 this time): nothing changes.
	persons := f.count(`SELECT count(*) FROM persons`)
	before = f.count(`SELECT count(*) FROM audit_log`)
	rep, err = f.im.Commit(ctx, f.handler, f.keys, Request{CompanyID: f.a, Data: cp932(t, data)}, nil)
	if err != nil || rep.Encoding != CP932 || rep.Unchanged != 3 || rep.DependentsUnchanged != 4 || rep.DependentsAdded != 0 ||
		rep.DependentsUpdated != 0 || rep.Numbers != 0 {
		t.Fatalf("re-import %v %+v", err, rep)
	}
	if f.count(`SELECT count(*) FROM persons`) != persons || f.count(`SELECT count(*) FROM audit_log`) != before+1 {
		t.Fatal("the same file again wrote persons or entries other than the summary")
	}

	// A changed file: 一郎's reading written in hiragana and his sex added (the same person:
	// folded reading and birth date), 花's birth date corrected is another person (added), the
	// spouse left out (kept: an import never deletes).
	changed := "従業員コード,氏名,扶養1氏名,扶養1フリガナ,扶養1続柄,扶養1性別,扶養1生年月日,扶養2氏名,扶養2続柄,扶養2生年月日\n" +
		"E001,山田 太郎,山田 一郎,やまだ いちろう,子,男,2015-04-01,山田 花,子,2018-06-02\n"
	rep, err = f.commit(changed, Mapping{})
	if err != nil || rep.DependentsUpdated != 1 || rep.DependentsAdded != 1 || rep.Unchanged != 1 {
		t.Fatalf("changed file %v %+v", err, rep)
	}
	want = []string{
		"child:山田 一郎:やまだ いちろう:2015-04-01:male:" + mask(11),
		"child:山田 花:ヤマダ ハナ:2018-06-01::",
		"spouse:山田 花子::1988-05-12::" + mask(12),
		"child:山田 花::2018-06-02::",
	}
	if got := f.dependents("E001"); !slices.Equal(got, want) {
		t.Fatalf("after the changed file\n%q\nwant\n%q", got, want)
	}
	if !strings.Contains(auditDetails(t, f), "updated by import; changed: nameKana,sex") {
		t.Fatalf("audit:\n%s", auditDetails(t, f))
	}

	// A different number for a dependent who has one is refused, as for an employee.
	rep, err = f.commit("従業員コード,氏名,扶養1氏名,扶養1続柄,扶養1生年月日,扶養1個人番号\nE001,山田 太郎,山田 一郎,子,2015-04-01,"+testNumber(13)+"\n", Mapping{})
	if !errors.Is(err, ErrRejected) || len(rep.Problems) != 1 || rep.Problems[0].Code != CodeNumberConflict ||
		rep.Problems[0].Column != "扶養1個人番号" || rep.Problems[0].Line != 2 {
		t.Fatalf("another number %v %+v", err, rep.Problems)
	}
}

// Shape B: one line per person with 続柄, in a UTF-8 file with a BOM. A dependent's line may
// come before its employee's, or belong to an employee registered earlier.
func TestImportDependentLinesOfOnePersonPerRowFile(t *testing.T) {
	f := newFixture(t)
	if rep, err := f.commit(header+"E009,高橋 九郎,,,,,,,,\n", Mapping{}); err != nil || !rep.Committed {
		t.Fatalf("first file %v %+v", err, rep)
	}
	data := "\uFEFF従業員コード,続柄,氏名,フリガナ,生年月日,性別,部署,個人番号\n" +
		"E001,本人,山田 太郎,ヤマダ タロウ,1960-01-02,男,営業部," + testNumber(1) + "\n" +
		"E001,妻,山田 花子,ヤマダ ハナコ,S38.5.12,女,営業部," + testNumber(2) + "\n" +
		"E002,長男,鈴木 一郎,スズキ イチロウ,2010-04-01,1,,\n" +
		"E002,本人,鈴木 次郎,スズキ ジロウ,1980-01-01,男,総務部," + testNumber(3) + "\n" +
		"E009,母,高橋 ウメ,タカハシ ウメ,昭和10年1月1日,女,,\n"
	rep, err := f.commit(data, Mapping{})
	if err != nil || !rep.Committed || rep.Encoding != UTF8BOM || rep.Rows != 5 || rep.Added != 2 || rep.Unchanged != 0 ||
		rep.DependentsAdded != 3 || rep.DependentLines != 3 || rep.Numbers != 3 {
		t.Fatalf("commit %v %+v", err, rep)
	}
	for code, want := range map[string][]string{
		"E001": {"spouse:山田 花子:ヤマダ ハナコ:1963-05-12:female:" + mask(2)},
		"E002": {"child:鈴木 一郎:スズキ イチロウ:2010-04-01:male:"},
		"E009": {"parent:高橋 ウメ:タカハシ ウメ:1935-01-01:female:"},
	} {
		if got := f.dependents(code); !slices.Equal(got, want) {
			t.Errorf("%s's dependents %q, want %q", code, got, want)
		}
	}
	if got := f.employees(); len(got) != 3 {
		t.Fatalf("employees %q (a dependent's line made an employee?)", got)
	}
	// 花子's line names a 部署, which a dependent has no place for: said, not dropped silently.
	var ignored []Problem
	for _, w := range rep.Warnings {
		if w.Code == CodeIgnored {
			ignored = append(ignored, w)
		}
	}
	if len(ignored) != 1 || ignored[0].Line != 3 || ignored[0].Column != "部署" || !strings.Contains(ignored[0].JA, "「部署」は取り込みません") {
		t.Fatalf("warnings of employee-only cells on dependents' lines: %+v", ignored)
	}
	if n := f.openNumbers(); n != 3 {
		t.Fatalf("%d numbers open", n)
	}
	persons := f.count(`SELECT count(*) FROM persons`)
	rep, err = f.commit(data, Mapping{})
	if err != nil || rep.Unchanged != 2 || rep.DependentsUnchanged != 3 || rep.DependentsAdded != 0 || rep.Numbers != 0 {
		t.Fatalf("re-import %v %+v", err, rep)
	}
	if f.count(`SELECT count(*) FROM persons`) != persons {
		t.Fatal("the same file again added persons")
	}
}

// A file with a bad dependent is refused on the dependent's line and column, and writes
// nothing at all: neither the employees nor the good dependents.
func TestImportBadDependentsRefused(t *testing.T) {
	f := newFixture(t)
	groups := "従業員コード,氏名,扶養親族1氏名,扶養親族1続柄,扶養親族1生年月日,扶養親族1個人番号,扶養親族2氏名,扶養親族2続柄,扶養親族2生年月日,扶養親族2個人番号\n" +
		"E001,山田 太郎,山田 一郎,子,2015-04-01," + testNumber(11) + ",,,,\n" + // 2 fine
		"E002,鈴木 次郎,鈴木 花,いとこ,R9.1.1," + badNumber(12) + ",,子,2020-01-01,\n" + // 3 relation, date, number; 2: no name
		"E003,佐藤 三郎,佐藤 一郎,子,2015-04-01," + testNumber(11) + ",佐藤 一郎,子,2015-04-01,\n" // 4 number twice, the same dependent twice
	rep, err := f.commit(groups, Mapping{})
	type want struct {
		line   int
		column string
		code   string
	}
	var got []want
	var texts strings.Builder
	for _, p := range rep.Problems {
		got = append(got, want{p.Line, p.Column, p.Code})
		fmt.Fprintf(&texts, "%s %s\n", p.JA, p.EN)
	}
	wants := []want{
		{3, "扶養親族1続柄", CodeInvalid}, {3, "扶養親族1生年月日", CodeInvalid}, {3, "扶養親族1個人番号", CodeNumber},
		{3, "扶養親族2氏名", CodeInvalid},
		{4, "扶養親族1個人番号", CodeDuplicateNumber}, {4, "扶養親族2氏名", CodeDuplicateDependent},
	}
	if !errors.Is(err, ErrRejected) || rep.Committed || !slices.Equal(got, wants) || rep.Rejected != 2 {
		t.Fatalf("%v: problems\n%v\nwant\n%v\n%s", err, got, wants, texts.String())
	}
	if !strings.Contains(texts.String(), "扶養親族: 続柄を") || !strings.Contains(texts.String(), "Dependent: ") ||
		!strings.Contains(texts.String(), "2行目") {
		t.Errorf("messages:\n%s", texts.String())
	}
	noNumbers(t, "problems", texts.String(), 12)
	if strings.Contains(texts.String(), "鈴木 花") || strings.Contains(texts.String(), "いとこ") {
		t.Errorf("a problem echoes a value of the file:\n%s", texts.String())
	}

	// 続柄 as a payroll program's numeric codes: said as such on each line, not "choose the
	// relation", and the code is not echoed.
	coded := "従業員コード,続柄,氏名,生年月日\n" +
		"E001,0,山田 太郎,1960-01-02\n" +
		"E001,１,山田 花子,1965-01-01\n"
	rep, err = f.commit(coded, Mapping{})
	if !errors.Is(err, ErrRejected) || len(rep.Problems) != 2 {
		t.Fatalf("numeric relations: %v %+v", err, rep.Problems)
	}
	for _, p := range rep.Problems {
		if p.Column != "続柄" || !strings.Contains(p.JA, "続柄が数字（コード）で書かれています") || strings.Contains(p.JA, "続柄を選んで") ||
			strings.ContainsAny(p.JA+p.EN, "0１") {
			t.Errorf("line %d: %s %q / %q", p.Line, p.Column, p.JA, p.EN)
		}
	}

	// A dependent with a name and no 続柄 is refused, as one entered by hand.
	blank := "従業員コード,氏名,扶養親族1氏名,扶養親族1続柄,扶養親族1生年月日\n" +
		"E001,山田 太郎,山田 一郎,,2015-04-01\n"
	rep, err = f.commit(blank, Mapping{})
	if !errors.Is(err, ErrRejected) || len(rep.Problems) != 1 || rep.Problems[0].Column != "扶養親族1続柄" ||
		!strings.Contains(rep.Problems[0].JA, "続柄を選んで") {
		t.Fatalf("a dependent without 続柄: %v %+v", err, rep.Problems)
	}

	// A dependent's line whose employee is neither on a 本人 line nor registered.
	lines := "従業員コード,続柄,氏名,生年月日\n" +
		"E001,本人,山田 太郎,1960-01-02\n" +
		"E005,妻,伊藤 花子,1965-01-01\n" +
		",子,伊藤 一郎,1995-01-01\n"
	rep, err = f.commit(lines, Mapping{})
	got = nil
	for _, p := range rep.Problems {
		got = append(got, want{p.Line, p.Column, p.Code})
	}
	if !errors.Is(err, ErrRejected) || !slices.Equal(got, []want{{3, "従業員コード", CodeNoEmployee}, {4, "従業員コード", CodeInvalid}}) ||
		!strings.Contains(rep.Problems[0].JA, "E005") || !strings.Contains(rep.Problems[0].JA, "本人") {
		t.Fatalf("%v %+v", err, rep.Problems)
	}
	for _, table := range []string{"persons", "person_numbers", "person_keys", "audit_log WHERE target_type <> 'company'"} {
		if n := f.count(`SELECT count(*) FROM ` + table); n != 0 {
			t.Errorf("%s has %d rows after refused imports", table, n)
		}
	}
}

// TestImportSaysWhatItLeavesAlone: a file that names a registered dependent with another birth
// date adds another person and says so (a correction is the user's to finish in 1-2), and the
// registered dependents a file leaves out stay, with a warning naming their employee.
func TestImportSaysWhatItLeavesAlone(t *testing.T) {
	f := newFixture(t)
	head := "従業員コード,氏名,扶養親族1氏名,扶養親族1続柄,扶養親族1生年月日,扶養親族2氏名,扶養親族2続柄,扶養親族2生年月日\n"
	first := head +
		"E001,山田 太郎,山田 一郎,長男,2015-04-01,山田 花,長女,2018-06-01\n" +
		"E002,鈴木 次郎,,,,,,\n"
	if rep, err := f.commit(first, Mapping{}); err != nil || rep.DependentsAdded != 2 {
		t.Fatalf("first file %v %+v", err, rep)
	}
	for _, w := range f.preview(first, Mapping{}).Warnings {
		t.Errorf("the same file again warns: %+v", w)
	}
	// 一郎 with another birth date, 花 left out.
	second := head +
		"E001,山田 太郎,山田 一郎,長男,2015-04-02,,,\n" +
		"E002,鈴木 次郎,,,,,,\n"
	rep, err := f.commit(second, Mapping{})
	if err != nil || rep.DependentsAdded != 1 {
		t.Fatalf("second file %v %+v", err, rep)
	}
	var got []string
	for _, w := range rep.Warnings {
		got = append(got, fmt.Sprintf("%d %s %s", w.Line, w.Code, w.Column))
		if strings.Contains(w.JA+w.EN, "一郎") || strings.Contains(w.JA+w.EN, "花") {
			t.Errorf("a warning names a dependent: %q", w.JA)
		}
	}
	want := []string{"2 " + CodeImplausible + " 扶養親族1生年月日", "2 " + CodeIgnored + " 従業員コード"}
	if !slices.Equal(got, want) {
		t.Fatalf("warnings %q, want %q\n%+v", got, want, rep.Warnings)
	}
	if !strings.Contains(rep.Warnings[1].JA, "2 人がこのファイルにありません") || !strings.Contains(rep.Warnings[0].JA, "生年月日が違う") {
		t.Errorf("warnings: %q / %q", rep.Warnings[0].JA, rep.Warnings[1].JA)
	}
	if deps := f.dependents("E001"); len(deps) != 3 {
		t.Fatalf("E001's dependents after the second file: %q (none deleted, one added)", deps)
	}
}
