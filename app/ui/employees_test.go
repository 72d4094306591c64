package ui

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/internal/mynumber"
)

// uiNumber is an obviously fake Individual Number with a valid check digit.
func uiNumber(i int) string {
	base := fmt.Sprintf("1%010d", i)
	d, err := mynumber.IndividualCheckDigit(base)
	if err != nil {
		panic(err)
	}
	return fmt.Sprintf("%s%d", base, d)
}

func TestEmployeeService(t *testing.T) {
	f := setup(t)
	es := f.app.Employees
	if !slices.Contains(f.app.Services(), any(es)) {
		t.Fatal("EmployeeService is not bound")
	}
	c, err := f.app.Company.Create(Company{Code: "C001", Name: "株式会社テスト"})
	if err != nil {
		t.Fatal(err)
	}
	const head = "従業員コード,氏名,フリガナ,生年月日,性別,部署,入社日,退職日,メールアドレス,個人番号\n"
	file := base64.StdEncoding.EncodeToString([]byte(head +
		"E001,山田 太郎,ﾔﾏﾀﾞ ﾀﾛｳ,S60.1.2,男,営業部,令和6年4月1日,,taro@example.jp," + uiNumber(1) + "\n" +
		"E002,鈴木 花子,スズキ ハナコ,1990-05-06,女,営業部,2024-04-01,,,\n"))

	// The system administrator alone sees nothing of the company's people.
	if _, err := es.Employees(EmployeeQuery{CompanyID: c.ID}); code(t, err) != "forbidden" {
		t.Fatalf("unassigned administrator: %v", err)
	}
	if _, err := es.ImportInspect(c.ID, file); code(t, err) != "forbidden" {
		t.Fatalf("unassigned administrator inspects: %v", err)
	}
	if _, err := f.app.Handlers.Set(c.ID, []int64{1}, nil); err != nil {
		t.Fatal(err)
	}

	in, err := es.ImportInspect(c.ID, "data:text/csv;base64,"+file)
	if err != nil {
		t.Fatal(err)
	}
	if in.Rows != 2 || in.Sample[0][9] != "**** **** "+uiNumber(1)[8:] || len(in.Guess.Columns) != 10 || len(in.Fields) != 12 {
		t.Fatalf("inspection %+v", in)
	}
	if _, err := es.ImportInspect(c.ID, "not base64!"); code(t, err) != "invalid" {
		t.Fatalf("bad base64: %v", err)
	}

	// A bad line: the commit reports it and writes nothing.
	bad := base64.StdEncoding.EncodeToString([]byte(head + "E001,山田 太郎,,2030-01-01,,,,,,\n"))
	rep, err := es.ImportCommit(c.ID, bad, ImportMapping{})
	if err != nil || rep.Committed || rep.ProblemsTotal != 1 || rep.Problems[0].Line != 2 || rep.Problems[0].Column != "生年月日" {
		t.Fatalf("bad commit: %+v %v", rep, err)
	}
	var calls [][3]int64
	es.Progress = func(companyID int64, done, total int) {
		calls = append(calls, [3]int64{companyID, int64(done), int64(total)})
	}
	rep, err = es.ImportPreview(c.ID, file, ImportMapping{})
	if err != nil || rep.Added != 2 || rep.Committed || len(calls) != 0 {
		t.Fatalf("preview: %+v %v", rep, err)
	}
	rep, err = es.ImportCommit(c.ID, file, ImportMapping{})
	if err != nil || !rep.Committed || rep.Added != 2 || rep.Numbers != 1 || !slices.Equal(rep.NewDepartments, []string{"営業部"}) {
		t.Fatalf("commit: %+v %v", rep, err)
	}
	if len(calls) == 0 || calls[len(calls)-1] != [3]int64{c.ID, 2, 2} {
		t.Fatalf("progress %v", calls)
	}

	page, err := es.Employees(EmployeeQuery{CompanyID: c.ID})
	if err != nil || page.Total != 2 || page.Employees[0].MaskedNumber != "**** **** "+uiNumber(1)[8:] || !page.Employees[0].HasNumber ||
		page.Employees[1].HasNumber || page.Employees[0].DepartmentName != "営業部" || page.Employees[0].NameKana != "ヤマダ タロウ" {
		t.Fatalf("employees %+v %v", page, err)
	}
	e2 := page.Employees[1]

	// The same number on another person: a warning naming E001, then accepted on confirmation.
	err = es.SetNumber(c.ID, e2.ID, uiNumber(1), false)
	if code(t, err) != "duplicate_number" || field(err) != "number" || !strings.Contains(err.Error(), "E001") {
		t.Fatalf("duplicate: %v", err)
	}
	if err := es.SetNumber(c.ID, e2.ID, uiNumber(1), true); err != nil {
		t.Fatal(err)
	}
	if err := es.SetNumber(c.ID, e2.ID, "1234", false); code(t, err) != "invalid" || field(err) != "number" {
		t.Fatalf("short number: %v", err)
	}

	// Dependents and single edits.
	d, err := es.SaveDependent(Dependent{CompanyID: c.ID, EmployeeID: e2.ID, Relation: "長男", Name: "鈴木 一郎", BirthDate: "R2.5.5", Sex: "男"})
	if err != nil || d.Relation != "child" || d.RelationLabel != "子" || d.BirthDate != "2020-05-05" || d.Sex != "male" {
		t.Fatalf("dependent %+v %v", d, err)
	}
	got, err := es.GetEmployee(c.ID, e2.ID)
	if err != nil || len(got.Dependents) != 1 || got.MaskedNumber == "" {
		t.Fatalf("GetEmployee %+v %v", got, err)
	}
	got.LeftOn = "2026-03-31"
	if saved, err := es.SaveEmployee(got); err != nil || len(saved.Warnings) != 0 {
		t.Fatalf("save: %+v %v", saved.Warnings, err)
	}
	// Unlikely dates are saved, with a warning in the UI language.
	odd := got
	odd.BirthDate, odd.HiredOn, odd.LeftOn = "2015-06-01", "2024-04-01", ""
	if saved, err := es.SaveEmployee(odd); err != nil || len(saved.Warnings) != 1 || saved.Warnings[0].Field != "hiredOn" ||
		!strings.Contains(saved.Warnings[0].Message, "8歳") {
		t.Fatalf("warnings %+v %v", saved.Warnings, err)
	}
	if _, err := es.SaveEmployee(got); err != nil {
		t.Fatal(err)
	}
	got.Code = "E001"
	if _, err := es.SaveEmployee(got); code(t, err) != "conflict" || field(err) != "code" {
		t.Fatalf("duplicate code: %v", err)
	}
	if err := es.DeleteEmployee(c.ID, e2.ID); code(t, err) != "conflict" {
		t.Fatalf("delete with a number: %v", err)
	}
	if err := es.DeleteDependent(c.ID, d.ID); err != nil {
		t.Fatal(err)
	}
	ds, err := es.Departments(c.ID)
	if err != nil || len(ds) != 1 || ds[0].Employees != 2 {
		t.Fatalf("departments %+v %v", ds, err)
	}
	if _, err := es.SaveDepartment(Department{CompanyID: c.ID, Name: "課", ParentID: ds[0].ID}); err != nil {
		t.Fatal(err)
	}

	// Presets.
	m := ImportMapping{Columns: []ImportColumn{{Field: "code", Header: "社員番号"}, {Field: "name", Index: 2}}}
	p, err := es.SavePreset(c.ID, "給与システムA", m)
	if err != nil || p.ID == 0 {
		t.Fatalf("SavePreset %+v %v", p, err)
	}
	ps, err := es.Presets(c.ID)
	if err != nil || len(ps) != 1 || !slices.Equal(ps[0].Mapping.Columns, m.Columns) {
		t.Fatalf("presets %+v %v", ps, err)
	}
	if err := es.DeletePreset(c.ID, p.ID); err != nil {
		t.Fatal(err)
	}

	// Nothing returned by this service ever holds a number in clear.
	for _, v := range []any{in, rep, page, got, ps} {
		b, _ := json.Marshal(v)
		if _, hit := mynumber.ContainsValidIndividual(b); hit {
			t.Fatalf("a result holds a number: %s", b)
		}
	}
}

// The import of a payroll file with 扶養親族 columns: the report the screen shows counts the
// dependents, names no imported column as ignored, and a second import of the file changes
// nothing.
func TestImportDependents(t *testing.T) {
	f := setup(t)
	es := f.app.Employees
	c, err := f.app.Company.Create(Company{Code: "C001", Name: "株式会社テスト"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.Handlers.Set(c.ID, []int64{1}, nil); err != nil {
		t.Fatal(err)
	}
	file := base64.StdEncoding.EncodeToString([]byte("従業員コード,氏名,個人番号,扶養親族1氏名,扶養親族1続柄,扶養親族1生年月日,扶養親族1個人番号,扶養親族1障害者区分\n" +
		"E001,山田 太郎," + uiNumber(1) + ",山田 一郎,長男,H27.4.1," + uiNumber(2) + ",0\n" +
		"E002,鈴木 花子,,,,,,\n"))
	rep, err := es.ImportPreview(c.ID, file, ImportMapping{})
	if err != nil || rep.Added != 2 || rep.DependentsAdded != 1 || rep.Numbers != 2 || rep.WarningsTotal != 1 ||
		!strings.Contains(rep.Warnings[0].JA, "（扶養親族1障害者区分）") || strings.Contains(rep.Warnings[0].JA, "扶養親族1氏名") {
		t.Fatalf("preview %+v %v", rep, err)
	}
	rep, err = es.ImportCommit(c.ID, file, ImportMapping{})
	if err != nil || !rep.Committed || rep.DependentsAdded != 1 {
		t.Fatalf("commit %+v %v", rep, err)
	}
	page, err := es.Employees(EmployeeQuery{CompanyID: c.ID})
	if err != nil || page.Total != 2 {
		t.Fatalf("employees %+v %v", page, err)
	}
	e, err := es.GetEmployee(c.ID, page.Employees[0].ID)
	if err != nil || len(e.Dependents) != 1 || e.Dependents[0].Relation != "child" || e.Dependents[0].BirthDate != "2015-04-01" ||
		e.Dependents[0].MaskedNumber != "**** **** "+uiNumber(2)[8:] {
		t.Fatalf("E001 %+v %v", e, err)
	}
	rep, err = es.ImportCommit(c.ID, file, ImportMapping{})
	if err != nil || !rep.Committed || rep.Unchanged != 2 || rep.DependentsUnchanged != 1 || rep.DependentsAdded != 0 || rep.Numbers != 0 {
		t.Fatalf("again %+v %v", rep, err)
	}
	var detail string
	if err := f.app.DB.View(t.Context(), func(tx *store.Tx) error {
		return tx.QueryRow(`SELECT detail FROM audit_log WHERE target_type = 'import' ORDER BY id DESC LIMIT 1`).Scan(&detail)
	}); err != nil || !strings.Contains(detail, "dependents added 0, updated 0, unchanged 1") {
		t.Fatalf("the import's history entry %q %v", detail, err)
	}
}
