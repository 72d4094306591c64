package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	jenc "golang.org/x/text/encoding/japanese"

	"github.com/mynumber-shelter/shelter/app/ui"
	"github.com/mynumber-shelter/shelter/internal/mynumber"
)

// fakeNumber completes an 11-digit base into an obviously fake Individual Number with a valid
// check digit (12345678901 → 123456789018).
func fakeNumber(t *testing.T, base string) string {
	t.Helper()
	d, err := mynumber.IndividualCheckDigit(base)
	if err != nil {
		t.Fatal(err)
	}
	return base + strconv.Itoa(d)
}

// fullWidth writes ASCII digits as full-width digits (０１２…), as an IME in 全角 mode types them.
func fullWidth(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r - '0' + '０'
		}
		return r
	}, s)
}

// upload gives a file input a file, as the file chooser would.
func (b *browser) upload(testid, path string) {
	b.t.Helper()
	abs, err := filepath.Abs(path)
	if err != nil {
		b.t.Fatal(err)
	}
	b.run("upload to "+testid, chromedp.SetUploadFiles(sel(testid), []string{abs}, chromedp.ByQuery))
}

// holdsNumber reports whether the page (its markup or any input's value) holds n in clear.
func (b *browser) holdsNumber(n string) bool {
	b.t.Helper()
	var hit bool
	b.eval(fmt.Sprintf(`(() => { const n = %q;
		if (document.documentElement.outerHTML.includes(n)) return true;
		return [...document.querySelectorAll("input")].some((i) => i.value.normalize("NFKC").replace(/\D/g, "").includes(n)); })()`, n), &hit)
	return hit
}

// TestBrowserEmployees is 1-2 as a 事務取扱担当者 uses it: departments, an employee with a
// dependent, their numbers (a typing mistake refused next to the field, a full-width number
// accepted and shown masked, a duplicate confirmed), and a CSV import whose bad line blocks the
// import until a corrected Shift_JIS file is chosen. The administrator, who is not assigned,
// is refused.
func TestBrowserEmployees(t *testing.T) {
	prepareShots(t, "12")
	app := newApp(t)

	// The administrator's part, through the Go services: a company; tanaka its 担当者, kimura
	// assigned nowhere.
	// Go requires a 事務取扱責任者; sato never logs in here.
	companyID, temp := staffCompany(t, app, ui.UserInput{Login: "kimura", DisplayName: "木村 花子"})

	b, url := openBrowser(t, app)
	s := &storyShots{b: b, story: "12"}
	b.navigate(url)
	loginFirstTime(b, "tanaka", temp["tanaka"], tanakaPassword)

	// --- 1-2 opens on the only company tanaka handles.
	b.click("menu-1-2")
	b.waitVisible("emp-tabs")
	b.waitText("emp-company-line", companyName)
	b.waitText("emp-corporate-number", validCorpNo)

	// --- Departments: add, a duplicate refused by Go next to the field, a child, a rename and
	// a delete that Go refuses while the department has a child.
	b.click("emp-tab-departments")
	b.waitVisible("dept-empty")
	b.fill("dept-name", "営業部")
	b.click("dept-add")
	b.waitText("dept-tree", "営業部")
	b.fill("dept-name", "営業部")
	b.click("dept-add")
	b.waitText("dept-name-error", "同じ名前の部署")
	ds, err := app.Employees.Departments(companyID)
	if err != nil || len(ds) != 1 || ds[0].Code != "D001" {
		t.Fatalf("departments after adding one: %+v, %v", ds, err)
	}
	sales := ds[0].ID
	b.fill("dept-name", "第一営業課")
	b.set("dept-parentId", strconv.FormatInt(sales, 10))
	b.click("dept-add")
	b.waitText("dept-D002", "第一営業課")
	b.click("dept-edit-D002")
	b.waitVisible("dept-edit-form")
	b.fill("dept-edit-name", "第1営業課")
	b.click("dept-edit-save")
	b.waitGone("dept-edit-dialog")
	b.waitText("dept-D002", "第1営業課")
	b.click("dept-delete-D001")
	b.click("dept-delete-confirm-ok")
	b.waitText("dept-delete-confirm-error", "削除できません")
	s.shot("dept-delete-refused")
	b.run("cancel the delete", chromedp.Click(sel("dept-delete-confirm")+" .dialog-actions button.secondary", chromedp.ByQuery))
	b.waitGone("dept-delete-confirm")
	s.shot("departments")

	// --- An employee with a dependent.
	b.click("emp-tab-employees")
	b.waitText("emp-rows", "該当する従業員はいません")
	b.click("emp-add")
	b.fill("emp-code", "E001")
	b.fill("emp-name", "山田 太郎")
	b.fill("emp-nameKana", "ヤマダ タロウ")
	b.fill("emp-birthDate", "S60.1.2")
	b.set("emp-sex", "male")
	b.set("emp-department", strconv.FormatInt(sales, 10))
	b.fill("emp-hiredOn", "2020/4/1")
	b.fill("emp-email", "taro@example.invalid")
	b.click("emp-save")
	b.waitText("emp-saved", "従業員を登録しました")
	page, err := app.Employees.Employees(ui.EmployeeQuery{CompanyID: companyID})
	if err != nil || page.Total != 1 {
		t.Fatalf("employees after saving one: %d, %v", page.Total, err)
	}
	e1 := page.Employees[0]
	if e1.BirthDate != "1985-01-02" || e1.HiredOn != "2020-04-01" || e1.Sex != "male" || e1.DepartmentName != "営業部" {
		t.Fatalf("employee saved as birth %q hired %q sex %q department %q", e1.BirthDate, e1.HiredOn, e1.Sex, e1.DepartmentName)
	}
	b.click("dep-add")
	b.waitVisible("dep-form")
	b.set("dep-relation", "child")
	b.fill("dep-name", "山田 花子")
	b.fill("dep-nameKana", "ヤマダ ハナコ")
	b.fill("dep-birthDate", "R2.5.5")
	b.click("dep-save")
	b.waitGone("dep-dialog")
	b.waitText("dep-row-1", "山田 花子")
	b.waitText("dep-row-1", "令和2年5月5日") // typed as R2.5.5, shown in the header's date style
	b.waitText("dep-1-number", "未登録")

	// --- A typing mistake in the number: Go's check-digit message next to the field, nothing stored.
	good := fakeNumber(t, "12345678901")
	last := int(good[11] - '0')
	wrong := good[:11] + strconv.Itoa((last+1)%10)
	var inputType string
	b.eval(`document.querySelector('[data-testid="emp-num-number"]').type`, &inputType)
	if inputType != "password" {
		t.Errorf("the number input is type %q, want it masked (password)", inputType)
	}
	b.fill("emp-num-number", wrong)
	b.click("emp-num-save")
	b.waitText("emp-num-number-error", "チェックデジット")
	s.shot("number-check-digit")
	if got, err := app.Employees.GetEmployee(companyID, e1.ID); err != nil || got.HasNumber {
		t.Fatalf("after a wrong check digit the employee has a number: %v, %v", got.HasNumber, err)
	}

	// Typed in full width (as with the IME in 全角 mode): stored, the field emptied, shown masked.
	b.set("emp-num-number", fullWidth(good))
	b.click("emp-num-save")
	b.waitText("emp-saved", "個人番号を登録しました")
	masked := "**** **** " + good[8:]
	b.waitText("emp-number-current", masked)
	b.waitText("emp-number-current", "登録済")
	if b.holdsNumber(good) {
		t.Error("the page still holds the number after it was registered")
	}
	if got, err := app.Employees.GetEmployee(companyID, e1.ID); err != nil || !got.HasNumber || got.MaskedNumber != masked {
		t.Fatalf("after registering, has number %v masked %q, %v", got.HasNumber, got.MaskedNumber, err)
	}

	// The same number for the dependent: Go warns (naming E001); confirmed, it is registered.
	b.click("dep-1-set-number")
	b.waitVisible("dep-num-form")
	b.fill("dep-num-number", good)
	b.click("dep-num-save")
	b.waitText("dep-num-duplicate", "E001")
	b.waitVisible("dep-num-accept")
	s.shot("number-duplicate")
	b.click("dep-num-accept")
	b.waitGone("dep-number-dialog")
	b.waitText("dep-1-number", "登録済")
	b.waitText("dep-1-number", masked)
	if b.holdsNumber(good) {
		t.Error("the page still holds the number after the duplicate was confirmed")
	}

	// The list shows the number masked with its badge.
	b.click("emp-back")
	b.waitText("emp-row-E001", masked)
	b.waitText("emp-number-E001", "登録済")
	b.waitText("emp-row-E001", "営業部")
	s.shot("employees")

	// --- CSV import: a UTF-8 file (BOM) whose line 3 has a birth date in the future.
	second := fakeNumber(t, "10000000001")
	const head = "従業員コード,氏名,フリガナ,生年月日,性別,部署,入社日,退職日,メールアドレス,個人番号\r\n"
	line2 := "E101,佐藤 一郎,サトウ イチロウ,1980-04-01,男,営業部,2010-04-01,,,\"" + second + "\"\r\n"
	line4 := "E103,高橋 三子,タカハシ ミツコ,平成2年3月4日,女,総務部,,,,\r\n"
	dir := t.TempDir()
	bad := filepath.Join(dir, "employees-utf8.csv")
	if err := os.WriteFile(bad, []byte("\uFEFF"+head+line2+"E102,鈴木 次郎,スズキ ジロウ,2090-01-01,男,総務部,2015-04-01,,,\r\n"+line4), 0o600); err != nil {
		t.Fatal(err)
	}
	b.click("emp-tab-import")
	b.waitVisible("imp-file")
	// The chooser speaks the UI language, not the browser's ("Choose File", "No file chosen").
	if got := b.text("imp-file-picker"); !strings.Contains(got, "ファイルを選択") || !strings.Contains(got, "選択されていません") {
		t.Errorf("the file chooser reads %q, want Japanese", got)
	}
	b.upload("imp-file", bad)
	b.waitVisible("imp-step-map")
	b.waitText("imp-encoding", "UTF-8（BOM付き）")
	b.waitText("imp-rows", "3")
	b.waitText("imp-sample", "**** **** "+second[8:])
	if b.holdsNumber(second) {
		t.Error("the mapping step shows a number of the file in clear")
	}
	var mapped string
	b.eval(`["code","name","birthDate","department","number"].map((f) => document.querySelector('[data-testid="imp-map-' + f + '"]').value).join(",")`, &mapped)
	if mapped != "1,2,4,6,10" {
		t.Errorf("guessed mapping code,name,birthDate,department,number = %s, want 1,2,4,6,10", mapped)
	}
	s.shot("import-mapping")
	b.click("imp-preview")
	b.waitVisible("imp-blocked")
	var where string
	b.eval(`(() => { const r = document.querySelector('[data-testid="imp-problem-1"]'); return r.dataset.line + " " + r.dataset.column; })()`, &where)
	if where != "3 生年月日" {
		t.Errorf("the problem is shown at %q, want line 3, column 生年月日", where)
	}
	var disabled bool
	b.eval(`document.querySelector('[data-testid="imp-commit"]').disabled`, &disabled)
	if !disabled {
		t.Error("the import can be started while the file has a problem")
	}
	s.shot("import-problems")

	// Fixed, and saved by Excel as "CSV" (Shift_JIS / CP932): previewed clean, imported.
	fixed, err := jenc.ShiftJIS.NewEncoder().String(head + line2 + "E102,鈴木 次郎,スズキ ジロウ,1990-01-01,男,総務部,2015-04-01,,,\r\n" + line4)
	if err != nil {
		t.Fatal(err)
	}
	good932 := filepath.Join(dir, "employees-cp932.csv")
	if err := os.WriteFile(good932, []byte(fixed), 0o600); err != nil {
		t.Fatal(err)
	}
	b.click("imp-rechoose")
	b.upload("imp-file", good932)
	b.waitText("imp-encoding", "Shift_JIS")
	// The mapping saved as a preset, loaded back, and deleted.
	b.fill("imp-preset-name", "給与システムA")
	b.click("imp-preset-save")
	b.waitText("imp-preset-note", "保存しました")
	ps, err := app.Employees.Presets(companyID)
	if err != nil || len(ps) != 1 || ps[0].Name != "給与システムA" || len(ps[0].Mapping.Columns) != 10 {
		t.Fatalf("presets after saving one: %+v, %v", ps, err)
	}
	b.set("imp-map-email", "0")
	b.set("imp-preset", strconv.FormatInt(ps[0].ID, 10))
	b.click("imp-preset-load")
	var email string
	b.eval(`document.querySelector('[data-testid="imp-map-email"]').value`, &email)
	if email != "9" {
		t.Errorf("after loading the preset, email is mapped to column %q, want 9", email)
	}
	b.set("imp-preset", strconv.FormatInt(ps[0].ID, 10))
	b.click("imp-preset-delete")
	b.click("imp-preset-delete-confirm-ok")
	b.waitGone("imp-preset-delete-confirm")
	if ps, err := app.Employees.Presets(companyID); err != nil || len(ps) != 0 {
		t.Fatalf("presets after deleting: %d, %v", len(ps), err)
	}
	b.click("imp-preview")
	b.waitVisible("imp-ready")
	b.waitText("imp-count-added", "3")
	b.waitText("imp-new-departments", "総務部")
	// The progress display is there while the commit runs (watched, as it may be brief).
	b.eval(`window.__sawProgress = false; new MutationObserver(() => {
		if (document.querySelector('[data-testid="imp-progress"]')) window.__sawProgress = true;
	}).observe(document.body, {childList: true, subtree: true}); true`, nil)
	b.click("imp-commit")
	b.waitVisible("imp-result")
	var sawProgress bool
	b.eval(`window.__sawProgress`, &sawProgress)
	if !sawProgress {
		t.Error("no progress display while importing")
	}
	b.waitText("imp-count-added", "3")
	b.waitText("imp-count-numbers", "1")
	s.shot("import-result")

	// A payroll file with 扶養親族 columns: the preview counts the dependent, the import adds it.
	deps := filepath.Join(dir, "dependents.csv")
	if err := os.WriteFile(deps, []byte("従業員コード,氏名,扶養親族1氏名,扶養親族1続柄,扶養親族1生年月日\r\nE101,佐藤 一郎,佐藤 花子,妻,S58.5.12\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	b.click("imp-again")
	b.upload("imp-file", deps)
	b.waitVisible("imp-step-map")
	b.click("imp-preview")
	b.waitVisible("imp-ready")
	b.waitText("imp-count-unchanged", "1")
	b.waitText("imp-count-deps-added", "1")
	b.waitText("imp-dependents", "扶養親族 追加")
	s.shot("import-dependents")
	b.click("imp-commit")
	b.waitVisible("imp-result")
	b.waitText("imp-count-deps-added", "1")
	b.click("imp-show-list")
	for _, code := range []string{"E001", "E101", "E102", "E103"} {
		b.waitVisible("emp-row-" + code)
	}
	b.waitText("emp-row-E101", "**** **** "+second[8:])
	b.waitText("emp-number-E103", "未登録")
	b.waitText("emp-total", "全 4 件中 1–4 件")

	// Search and the department filter.
	b.fill("emp-search", "タカハシ")
	b.click("emp-find")
	b.waitGone("emp-row-E001")
	b.waitVisible("emp-row-E103")
	b.fill("emp-search", "")
	ds, err = app.Employees.Departments(companyID)
	if err != nil {
		t.Fatal(err)
	}
	var general int64
	for _, d := range ds {
		if d.Name == "総務部" {
			general = d.ID
		}
	}
	b.set("emp-dept-filter", strconv.FormatInt(general, 10))
	b.click("emp-find")
	b.waitGone("emp-row-E101")
	b.waitVisible("emp-row-E102")
	b.waitVisible("emp-row-E103")
	s.shot("employees-filtered")

	// English and back.
	b.click("lang-toggle")
	b.waitText("emp-tabs", "CSV import")
	b.waitText("emp-table", "My Number")
	b.click("lang-toggle")
	b.waitText("emp-tabs", "CSV一括取込")
	if b.holdsNumber(good) || b.holdsNumber(second) {
		t.Error("the employees screen holds a number in clear")
	}

	// --- kimura is assigned nowhere: 1-2 is greyed with Go's reason.
	b.click("logout")
	loginFirstTime(b, "kimura", temp["kimura"], "hanako keeps a long passphrase")
	b.waitText("menu-1-2", "設定されていません")
	var clickable bool
	b.eval(`!!document.querySelector('button[data-testid="menu-1-2"]')`, &clickable)
	if clickable {
		t.Error("1-2 is a button for a user assigned to no company")
	}

	// --- The administrator is not assigned either: 1-2 is greyed with Go's reason, and Go
	// refuses the calls behind it.
	b.click("logout")
	loginAs(b, adminLogin, adminPassword)
	b.waitText("menu-1-2", "設定されていません")
	b.eval(`!!document.querySelector('button[data-testid="menu-1-2"]')`, &clickable)
	if clickable {
		t.Error("1-2 is a button for the unassigned administrator")
	}
	s.shot("admin-greyed")
	if _, err := app.Employees.Employees(ui.EmployeeQuery{CompanyID: companyID}); err == nil || !strings.Contains(err.Error(), `"forbidden"`) {
		t.Errorf("the administrator lists the employees: %v", err)
	}
}
