package e2e

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	jenc "golang.org/x/text/encoding/japanese"

	"github.com/mynumber-shelter/shelter/app/ui"
)

// waitFile waits until name exists in dir with content (a finished download) and returns it.
func waitFile(t *testing.T, dir, name string) []byte {
	t.Helper()
	p := filepath.Join(dir, name)
	for deadline := time.Now().Add(stepTimeout); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if b, err := os.ReadFile(p); err == nil && len(b) > 0 {
			return b
		}
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	t.Fatalf("download %s did not arrive; the folder holds %v", name, names)
	return nil
}

// board returns the Go side's status board of the company (as the logged-in 担当者).
func board(t *testing.T, app *ui.App, companyID int64) ui.CollectBoard {
	t.Helper()
	b, err := app.Collect.StatusBoard(ui.CollectBoardFilter{CompanyID: companyID})
	if err != nil {
		t.Fatalf("status board: %v", err)
	}
	return b
}

func rowStatus(b ui.CollectBoard, code string) string {
	for _, r := range b.Rows {
		if r.Code == code {
			return r.Status
		}
	}
	return ""
}

// TestBrowserCollect is 1-3 as a 事務取扱担当者 uses it: STEP1 for two employees with two
// purposes (the notice workbook saved through the browser), STEP2 for the first (a 個人番号通知書
// refused with Go's reason, then 対面 with the マイナンバーカード and an image), STEP3 numbers for
// the employee and the dependent (a duplicate caught first) → 登録済, the second employee's
// refusal → 提供拒否 and its record exported as CP932 CSV. The unassigned administrator sees 1-3
// greyed.
//
// It runs in parallel so that it runs after TestBrowserJourney, which removes every
// e2e-*.png at its start.
func TestBrowserCollect(t *testing.T) {
	t.Parallel()
	prepareShots(t, "collect")
	app := newApp(t)

	// --- Through the Go services: a company, sato its 責任者, tanaka its 担当者, and, as tanaka,
	// E001 (with a child) and E002.
	companyID, temp := staffCompany(t, app)
	firstLogin(t, app, "tanaka", temp["tanaka"], tanakaPassword)
	e1 := saveEmployee(t, app, ui.Employee{CompanyID: companyID, Code: "E001", Name: "山田 太郎", NameKana: "ヤマダ タロウ"})
	saveEmployee(t, app, ui.Employee{CompanyID: companyID, Code: "E002", Name: "鈴木 次郎", NameKana: "スズキ ジロウ"})
	if _, err := app.Employees.SaveDependent(ui.Dependent{CompanyID: companyID, EmployeeID: e1.ID, Relation: "child", Name: "山田 花子"}); err != nil {
		t.Fatal(err)
	}
	purposes, err := app.Collect.Purposes()
	if err != nil || len(purposes) < 2 {
		t.Fatalf("purposes: %+v, %v", purposes, err)
	}
	if err := app.Session.Logout(); err != nil {
		t.Fatal(err)
	}

	b, url := openBrowser(t, app)
	s := &storyShots{b: b, story: "collect"}
	downloads := t.TempDir()
	b.run("allow downloads", cdpbrowser.SetDownloadBehavior(cdpbrowser.SetDownloadBehaviorBehaviorAllow).WithDownloadPath(downloads))
	b.navigate(url)
	loginAs(b, "tanaka", tanakaPassword)

	// --- The board opens on the only company tanaka handles: both employees 未依頼.
	b.click("menu-1-3")
	b.waitVisible("col-tabs")
	b.waitText("col-company-line", companyName)
	b.waitText("col-count-unrequested-n", "2")
	b.waitText("col-status-E001", "未依頼")
	b.waitText("col-family-E001", "2")

	// --- STEP1: both employees; without a purpose Go refuses next to the purposes.
	b.click("col-tab-request")
	b.waitVisible("col-req-form")
	b.click("col-req-select-unrequested")
	b.set("col-req-inPerson", "本社2階 人事部（平日9〜17時）")
	b.click("col-req-online")
	b.click("col-req-submit")
	b.waitText("col-req-purposes-error", "利用目的")
	b.click("col-req-purpose-" + purposes[0].Code)
	b.click("col-req-purpose-" + purposes[1].Code)
	b.set("col-req-deadline", time.Now().AddDate(0, 1, 0).Format("2006-01-02"))
	b.set("col-req-contact", "人事部 山田（内線123）")
	s.shot("request")
	b.click("col-req-submit")
	b.waitVisible("col-notice-dialog")
	b.waitText("col-notice-once", "このファイルにだけ")
	name := strings.TrimSpace(b.text("col-notice-name-0"))
	if !strings.HasSuffix(name, ".xlsx") {
		t.Fatalf("notice file offered as %q, want an .xlsx", name)
	}
	var offered string
	b.eval(`document.querySelector('[data-testid="col-notice-file"]').dataset.files`, &offered)
	if offered != name {
		t.Errorf("the notice marker lists %q, want %q", offered, name)
	}
	b.click("col-notice-save-0")
	b.waitText("col-notice-saved-0", name)
	if xlsx := waitFile(t, downloads, name); !bytes.HasPrefix(xlsx, []byte("PK")) {
		t.Errorf("the saved notice file is not a workbook (%d bytes)", len(xlsx))
	}
	s.shot("notice")
	b.click("col-notice-done")
	b.waitGone("col-notice-dialog")
	b.waitText("col-count-requested-n", "2")
	if got := board(t, app, companyID); got.Counts["requested"] != 2 || got.Counts["unrequested"] != 0 {
		t.Fatalf("after STEP1 the board counts %v, want 依頼済 2", got.Counts)
	}

	// --- STEP2 for E001: a 個人番号通知書 is refused with Go's reason, live and when recording.
	b.click("col-check-E001")
	b.waitVisible("col-check-form")
	b.click("col-check-channel-in_person")
	b.set("col-check-numberDoc", "individual_number_notice")
	b.waitText("col-check-problems", "個人番号通知書")
	b.click("col-check-record")
	b.waitText("col-check-failed", "個人番号通知書")
	var listed int
	b.eval(`document.querySelectorAll('[data-testid="col-check-failed"] li').length`, &listed)
	if listed == 0 {
		t.Error("the refused check is not shown as a list of problems")
	}
	s.shot("check-refused")
	if st := rowStatus(board(t, app, companyID), "E001"); st != "requested" {
		t.Fatalf("after a refused check E001 is %q, want requested", st)
	}
	// The マイナンバーカード in person, with an image of it.
	imgPath := filepath.Join(t.TempDir(), "mynumber-card.png")
	if err := os.WriteFile(imgPath, smallPNG(t), 0o600); err != nil {
		t.Fatal(err)
	}
	b.set("col-check-numberDoc", "mynumber_card")
	// The file button is ours, in the UI language (the native one speaks the browser's).
	if got := b.text("col-check-images-button"); !strings.Contains(got, "ファイルを選択") {
		t.Errorf("the file button reads %q, want Japanese", got)
	}
	b.upload("col-check-images", imgPath)
	b.waitText("col-check-file-0-name", "mynumber-card.png")
	b.waitText("col-check-file-0", " B)")
	b.waitText("col-check-problems", "問題ありません")
	var previews int
	b.eval(`document.querySelectorAll('[data-testid="col-check-form"] img').length`, &previews)
	if previews != 0 {
		t.Errorf("the check form draws %d image previews", previews)
	}
	s.shot("check-ready")
	// The button stays where it was when the result appears (the result goes below it, the
	// recorded image stays listed): a second click lands on the same button, not on another.
	top := func() (y float64) {
		b.eval(`document.querySelector('[data-testid="col-check-record"]').getBoundingClientRect().top + window.scrollY`, &y)
		return y
	}
	before := top()
	b.click("col-check-record")
	b.waitText("col-check-recorded", "確認済")
	b.waitGone("col-check-file-0")
	b.waitText("col-check-recorded-file-0", "mynumber-card.png")
	if after := top(); after != before {
		t.Errorf("the record button moved from y=%v to y=%v after the save", before, after)
	}
	// The child's check is the child's own: nothing of E001's shows, and E001's comes back.
	choosePerson := func(i int) {
		var v string
		b.eval(fmt.Sprintf(`document.querySelector('[data-testid="col-check-person"]').options[%d].value`, i), &v)
		b.set("col-check-person", v)
	}
	choosePerson(1)
	b.waitHidden("col-check-recorded")
	b.waitGone("col-check-recorded-file-0")
	var docValue string
	b.eval(`document.querySelector('[data-testid="col-check-numberDoc"]').value`, &docValue)
	if docValue != "" {
		t.Errorf("the child's form starts with E001's document %q", docValue)
	}
	s.shot("check-dependent")
	choosePerson(0)
	b.waitText("col-check-recorded", "確認済")
	b.waitText("col-check-recorded-file-0", "mynumber-card.png")
	b.click("col-back")
	b.waitText("col-status-E001", "確認済")

	// --- STEP3: the same number twice is caught; then the employee (typed in full width) and
	// the child → 登録済.
	n1, n2 := fakeNumber(t, "12345678901"), fakeNumber(t, "10000000002")
	b.click("col-numbers-E001")
	b.waitVisible("col-num-form")
	var inputType string
	b.eval(`document.querySelector('[data-testid="col-num-p0"]').type`, &inputType)
	if inputType != "password" {
		t.Errorf("the number input is type %q, want it masked (password)", inputType)
	}
	b.set("col-num-p0", fullWidth(n1))
	b.fill("col-num-p1", n1)
	b.click("col-num-save")
	b.waitText("col-num-duplicate", "E001")
	s.shot("numbers-duplicate")
	b.click("col-num-dismiss")
	b.fill("col-num-p1", n2)
	b.click("col-num-save")
	b.waitText("col-num-saved", "2 件")
	b.waitText("col-num-status", "登録済")
	b.waitText("col-num-p0-current", "**** **** "+n1[8:])
	b.waitText("col-num-p1-current", "**** **** "+n2[8:])
	if b.holdsNumber(n1) || b.holdsNumber(n2) {
		t.Error("the page still holds a number after registering")
	}
	s.shot("numbers-registered")
	if st := rowStatus(board(t, app, companyID), "E001"); st != "registered" {
		t.Fatalf("after STEP3 E001 is %q, want registered", st)
	}
	b.click("col-back")
	b.waitText("col-status-E001", "登録済")

	// --- E002 refuses: the reason is required (Go says so), then recorded.
	b.click("col-refuse-E002")
	b.waitVisible("col-refuse-dialog")
	b.click("col-refuse-ok")
	b.waitVisible("col-refuse-reason-error")
	b.set("col-refuse-reason", "本人が提供を拒否（口頭）")
	b.click("col-refuse-ok")
	b.waitGone("col-refuse-dialog")
	b.waitText("col-count-refused-n", "1")
	b.waitText("col-status-E002", "提供拒否")
	if got := board(t, app, companyID); got.Counts["refused"] != 1 || got.Counts["registered"] != 1 {
		t.Fatalf("board counts %v, want 登録済 1 and 提供拒否 1", got.Counts)
	}
	// The count is a filter.
	b.click("col-count-refused")
	b.waitGone("col-row-E001")
	b.waitVisible("col-row-E002")
	s.shot("board")

	// --- The refusal record, exported for Excel (CP932).
	b.click("col-tab-refusals")
	b.waitText("col-refusal-row-E002", "本人が提供を拒否")
	b.click("col-export-cp932")
	b.waitText("col-export-done", ".csv")
	var csvName string
	b.eval(`document.querySelector('[data-testid="col-export-done"]').dataset.file`, &csvName)
	raw := waitFile(t, downloads, csvName)
	csv, err := jenc.ShiftJIS.NewDecoder().Bytes(raw)
	if err != nil || !strings.Contains(string(csv), "E002") || !strings.Contains(string(csv), "鈴木 次郎") {
		t.Errorf("the exported refusal record (%d bytes) does not read as CP932 with E002: %v", len(raw), err)
	}
	s.shot("refusals")

	// English and back.
	b.click("lang-toggle")
	b.waitText("col-tabs", "Refusal record")
	b.waitText("col-refusal-table", "Reason")
	b.click("lang-toggle")
	b.waitText("col-tabs", "提供拒否記録")

	// --- The administrator is not assigned: 1-3 is greyed with Go's reason.
	b.click("logout")
	loginAs(b, adminLogin, adminPassword)
	b.waitText("menu-1-3", "設定されていません")
	var clickable bool
	b.eval(`!!document.querySelector('button[data-testid="menu-1-3"]')`, &clickable)
	if clickable {
		t.Error("1-3 is a button for the unassigned administrator")
	}
	s.shot("admin-greyed")
	if _, err := app.Collect.StatusBoard(ui.CollectBoardFilter{CompanyID: companyID}); err == nil || !strings.Contains(err.Error(), `"forbidden"`) {
		t.Errorf("the administrator reads the board: %v", err)
	}
}

// smallPNG is a 4×4 PNG, as a phone photo of a card would be but smaller.
func smallPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	for i := range 16 {
		img.Set(i%4, i/4, color.RGBA{R: uint8(i * 16), G: 0x80, B: 0x40, A: 0xff})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
