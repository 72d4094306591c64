package e2e

import (
	"bytes"
	"context"
	"fmt"
	"github.com/mynumber-shelter/shelter/app/report"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/ui"
)

// useWaitGone waits up to d for the element to leave the DOM.
func useWaitGone(b *browser, testid string, d time.Duration) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, d)
	defer cancel()
	if err := chromedp.Run(ctx, chromedp.WaitNotPresent(sel(testid), chromedp.ByQuery)); err != nil {
		b.failShot()
		b.t.Fatalf("waiting %v for %s to go: %v", d, testid, err)
	}
}

// useDigits returns the digits of the element's text (never printed by the test).
func useDigits(b *browser, testid string) string {
	b.t.Helper()
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, b.text(testid))
}

// TestBrowserUse is 3-1 as a 事務取扱担当者 uses it: the list masked; a reveal only for a purpose
// notified to that person (others are not offered; その他 needs a reason); the number hides
// itself again and leaves the DOM; a copy recorded before the clipboard is written; the
// 法人番号 on request; a download format with reordered columns; a UTF-8 (BOM) CSV download of
// checked people after the password is asked again, with the person whose purpose differs left
// out and the 持出し recorded. The administrator, not assigned, finds 3-1 greyed.
func TestBrowserUse(t *testing.T) {
	prepareShots(t, "use")
	app := newApp(t)

	// --- Through the Go services: a company, sato its 責任者 and tanaka its 担当者.
	companyID, temp := staffCompany(t, app)

	// tanaka registers the people and their numbers, and sends the collection requests that
	// notify the purposes: TAX-WH to 山田 (and so to his child), SI-KENPO only to 鈴木.
	firstLogin(t, app, "tanaka", temp["tanaka"], tanakaPassword)
	yamada := saveEmployee(t, app, ui.Employee{CompanyID: companyID, Code: "E001", Name: "山田 太郎",
		NameKana: "ヤマダ タロウ", BirthDate: "1985-01-02", Sex: "male", HiredOn: "2020-04-01"})
	child, err := app.Employees.SaveDependent(ui.Dependent{CompanyID: companyID, EmployeeID: yamada.ID, Relation: "child",
		Name: "山田 花子", NameKana: "ヤマダ ハナコ", BirthDate: "2020-05-05", Sex: "female"})
	if err != nil {
		t.Fatal(err)
	}
	suzuki := saveEmployee(t, app, ui.Employee{CompanyID: companyID, Code: "E002", Name: "鈴木 次郎",
		NameKana: "スズキ ジロウ", BirthDate: "1990-03-04", Sex: "male", HiredOn: "2021-04-01"})
	numYamada, numChild, numSuzuki := fakeNumber(t, "12345678901"), fakeNumber(t, "11111111111"), fakeNumber(t, "22222222222")
	setNumbers(t, app, companyID, map[int64]string{yamada.ID: numYamada, child.ID: numChild, suzuki.ID: numSuzuki})
	for _, r := range []ui.CollectRequestInput{
		{CompanyID: companyID, Title: "入社時", EmployeeIDs: []int64{yamada.ID}, Purposes: []string{"TAX-WH"}, Online: true},
		{CompanyID: companyID, Title: "社会保険", EmployeeIDs: []int64{suzuki.ID}, Purposes: []string{"SI-KENPO"}, Online: true},
	} {
		if _, err := app.Collect.CreateRequest(r); err != nil {
			t.Fatalf("collection request %s: %v", r.Title, err)
		}
	}
	// Go refuses a purpose that was not notified, whoever asks.
	if _, err := app.Use.Reveal(ui.RevealRequest{PersonID: yamada.ID, Purpose: "SI-KENPO"}); err == nil ||
		!strings.Contains(err.Error(), `"purpose_not_notified"`) {
		t.Fatalf("reveal for a purpose not notified: %v", err)
	}
	if err := app.Session.Logout(); err != nil {
		t.Fatal(err)
	}

	b, url := openBrowser(t, app)
	s := &storyShots{b: b, story: "use"}
	// Downloads are checked through the Blob the screen creates; Chromium writes no file.
	b.run("deny downloads", cdpbrowser.SetDownloadBehavior(cdpbrowser.SetDownloadBehaviorBehaviorDeny))
	b.navigate(url)
	loginAs(b, "tanaka", tanakaPassword)

	// --- 3-1 opens on the only company tanaka handles; every number masked.
	b.click("menu-3-1")
	b.waitVisible("use-tabs")
	b.waitText("use-company-line", companyName)
	b.waitText("use-row-"+pid(yamada.ID), "**** **** "+numYamada[8:])
	b.waitText("use-row-"+pid(child.ID), "**** **** "+numChild[8:])
	b.waitText("use-purposes-"+pid(suzuki.ID), "健康保険")
	for _, n := range []string{numYamada, numChild, numSuzuki} {
		if b.holdsNumber(n) {
			t.Fatal("the list holds a number in clear")
		}
	}

	// The 法人番号 is shown on request (public; the view is recorded).
	if d := useDigits(b, "use-corp-number"); d != "" {
		t.Errorf("the corporate number is shown before 表示: %q", d)
	}
	views := len(auditEntries(t, app, audit.ActionView))
	b.click("use-corp-show")
	b.waitText("use-corp-number", "7 0000 1205 0002")
	if got := len(auditEntries(t, app, audit.ActionView)); got != views+1 {
		t.Errorf("showing the corporate number made %d view entries, want 1", got-views)
	}
	s.shot("list-masked")

	// --- Reveal: only the purposes notified to 山田 and その他 are offered; nothing before a choice.
	b.click("use-reveal-" + pid(yamada.ID))
	b.waitVisible("use-purpose")
	var offered string
	b.eval(`[...document.querySelectorAll('[data-testid="use-purpose"] option')].map((o) => o.value).join(",")`, &offered)
	if offered != ",TAX-WH,OTHER" {
		t.Errorf("purposes offered for 山田: %q, want TAX-WH and OTHER only", offered)
	}
	if !useDisabled(b, "use-reveal-submit") {
		t.Error("the number can be revealed without a purpose")
	}
	s.shot("reveal-purpose")
	b.set("use-purpose", "TAX-WH")
	b.click("use-reveal-submit")
	b.waitGone("use-reveal-dialog")
	b.waitVisible("use-revealed-" + pid(yamada.ID))
	if useDigits(b, "use-revealed-"+pid(yamada.ID)) != numYamada {
		t.Fatal("the revealed number is not 山田's")
	}
	b.waitText("use-countdown-"+pid(yamada.ID), "秒で非表示")
	s.shot("revealed")
	es := auditEntries(t, app, audit.ActionView)
	if len(es) == 0 || es[0].Purpose != "TAX-WH" || es[0].TargetID != pid(yamada.ID) || es[0].Result != audit.ResultOK {
		t.Fatalf("the reveal is not recorded with its purpose: %+v", es[:min(1, len(es))])
	}

	// Copy: recorded by Go first, then written through the (Wails) clipboard.
	b.eval(`window.__clip = ""; window.runtime = { ClipboardSetText: async (s) => { window.__clip = s; return true; } }; true`, nil)
	exports := len(auditEntries(t, app, audit.ActionExport))
	b.click("use-copy-" + pid(yamada.ID))
	b.waitText("use-copy-note-"+pid(yamada.ID), "コピーしました")
	var clipOK bool
	b.eval(fmt.Sprintf(`window.__clip === %q`, numYamada), &clipOK)
	if !clipOK {
		t.Error("the clipboard did not receive the 12 digits")
	}
	b.eval(`window.__clip = ""; true`, nil)
	if es := auditEntries(t, app, audit.ActionExport); len(es) != exports+1 || !strings.Contains(es[0].Detail, "clipboard") {
		t.Errorf("the copy is not recorded as 持出し (%d new export entries)", len(es)-exports)
	}

	// --- The number hides itself after Go's 30 seconds, and leaves the DOM.
	useWaitGone(b, "use-revealed-"+pid(yamada.ID), 45*time.Second)
	b.waitText("use-number-"+pid(yamada.ID), "**** **** "+numYamada[8:])
	if b.holdsNumber(numYamada) {
		t.Fatal("the page still holds the number after it hid itself")
	}
	if err := app.Use.RecordCopy(yamada.ID); err == nil || !strings.Contains(err.Error(), `"not_revealed"`) {
		t.Errorf("a copy after the number hid is accepted: %v", err)
	}

	// --- その他 with a reason for the child: the reason is required (Go checks its length).
	b.click("use-reveal-" + pid(child.ID))
	b.waitVisible("use-purpose")
	b.set("use-purpose", "OTHER")
	b.waitVisible("use-reason")
	if !useDisabled(b, "use-reveal-submit") {
		t.Error("その他 can be submitted without a reason")
	}
	b.fill("use-reason", "abc")
	b.click("use-reveal-submit")
	b.waitVisible("use-rv-reason-error")
	b.set("use-reason", "扶養控除申告書の記載確認")
	b.click("use-reveal-submit")
	b.waitGone("use-reveal-dialog")
	b.waitVisible("use-revealed-" + pid(child.ID))
	if useDigits(b, "use-revealed-"+pid(child.ID)) != numChild {
		t.Fatal("the revealed number is not the child's")
	}
	es = auditEntries(t, app, audit.ActionView)
	if es[0].Purpose != "OTHER" || es[0].TargetID != pid(child.ID) || !strings.Contains(es[0].Detail, "扶養控除") {
		t.Errorf("the その他 reveal is recorded as purpose %q target %s", es[0].Purpose, es[0].TargetID)
	}
	b.click("use-hide-" + pid(child.ID))
	b.waitGone("use-revealed-" + pid(child.ID))
	if b.holdsNumber(numChild) {
		t.Fatal("the page still holds the child's number after 隠す")
	}

	// --- A download format: UTF-8 (BOM), 番号 moved before 氏名.
	b.click("use-tab-formats")
	b.waitVisible("use-fmt-row-yayoi-kyuyo")
	b.waitText("use-fmt-row-yayoi-kyuyo", "弥生給与")
	b.click("use-fmt-add")
	b.waitVisible("use-fmt-form")
	b.set("use-fmt-name", "給与ソフト取込用")
	b.click("use-fmt-col-3-up")
	var order string
	b.eval(`[1,2,3].map((n) => document.querySelector('[data-testid="use-fmt-col-' + n + '-field"]').value).join(",")`, &order)
	if order != "employeeCode,number,name" {
		t.Errorf("columns after moving 個人番号 up: %s", order)
	}
	b.set("use-fmt-encoding", "utf8bom")
	s.shot("format-edit")
	b.click("use-fmt-save")
	b.waitText("use-fmt-saved", "保存しました")
	fs, err := app.Use.Formats(companyID)
	if err != nil {
		t.Fatal(err)
	}
	var saved ui.DownloadFormat
	for _, f := range fs {
		if f.ID != 0 {
			saved = f
		}
	}
	if saved.Name != "給与ソフト取込用" || saved.Encoding != "utf8bom" || !saved.Header || len(saved.Columns) != 3 || saved.Columns[1].Field != "number" {
		t.Fatalf("format saved as %+v", saved)
	}
	s.shot("formats")

	// --- Download 山田 and 鈴木 for TAX-WH: the password is asked again (two people), 鈴木 is
	// left out (SI-KENPO only), one row is written.
	b.click("use-tab-people")
	b.waitVisible("use-check-" + pid(yamada.ID))
	b.click("use-check-" + pid(yamada.ID))
	b.click("use-check-" + pid(suzuki.ID))
	b.waitText("use-dl-checked-count", "2")
	b.set("use-dl-format", fmt.Sprintf("f:%d", saved.ID))
	b.set("use-dl-purpose", "TAX-WH")
	b.eval(`window.__blobs = []; { const orig = URL.createObjectURL.bind(URL);
		URL.createObjectURL = (b) => { window.__blobs.push(b); return orig(b); }; } true`, nil)
	exports = len(auditEntries(t, app, audit.ActionExport))
	b.click("use-dl-submit")
	b.waitVisible("use-dl-pw-dialog")
	b.fill("use-dl-pw-password", "not my password")
	b.click("use-dl-pw-submit")
	b.waitVisible("use-dl-pw-password-error")
	s.shot("download-password")
	b.fill("use-dl-pw-password", tanakaPassword)
	b.click("use-dl-pw-submit")
	b.waitGone("use-dl-pw-dialog")
	b.waitVisible("download-ready")
	var file, rows string
	b.eval(`document.querySelector('[data-testid="download-ready"]').dataset.file`, &file)
	b.eval(`document.querySelector('[data-testid="download-ready"]').dataset.rows`, &rows)
	if !strings.HasSuffix(file, ".csv") || rows != "1" {
		t.Errorf("download-ready names file %q with %s rows, want a .csv with 1", file, rows)
	}
	b.waitText("use-dl-skipped-"+pid(suzuki.ID), "通知されていません")
	s.shot("download-done")
	var raw []int
	b.run("read the saved file", chromedp.Evaluate(`(async () => window.__blobs.length !== 1 ? [] :
		Array.from(new Uint8Array(await window.__blobs[0].arrayBuffer())))()`, &raw,
		func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
	data := make([]byte, len(raw))
	for i, v := range raw {
		data[i] = byte(v)
	}
	b.eval(`window.__blobs = []; true`, nil)
	if !bytes.HasPrefix(data, []byte("\xEF\xBB\xBF")) {
		t.Fatalf("the file (%d bytes) does not start with a UTF-8 BOM", len(data))
	}
	lines := strings.Split(strings.TrimRight(string(data[3:]), "\r\n"), "\r\n")
	if len(lines) != 2 || lines[0] != "従業員コード,個人番号,氏名" || !strings.HasPrefix(lines[1], "E001,") ||
		!strings.Contains(lines[1], numYamada) || strings.Contains(string(data), numSuzuki) {
		t.Errorf("the file has %d lines, header %q; want the header and 山田's row only", len(lines), lines[0])
	}
	clear(data)
	// The wrong password is recorded as a refused 持出し; the download as one that happened.
	es = auditEntries(t, app, audit.ActionExport)
	var took []audit.Entry
	for _, e := range es[:len(es)-exports] {
		if e.Result == audit.ResultOK {
			took = append(took, e)
		}
	}
	if len(took) != 1 || took[0].Purpose != "TAX-WH" || !strings.Contains(took[0].Detail, "rows=1") {
		t.Errorf("the download is not recorded as one 持出し of 1 row for TAX-WH (%d new entries, %d ok)", len(es)-exports, len(took))
	}
	for _, n := range []string{numYamada, numChild, numSuzuki} {
		if b.holdsNumber(n) {
			t.Fatal("the page holds a number in clear after the download")
		}
	}

	// --- A name the format cannot hold: 花子 is registered as 𠮷田 花子, which Shift_JIS lacks.
	// The 弥生 download of 山田 with his dependents writes nothing at first and names her; the
	// clerk chooses substitution and the file is written with 吉, the substitution listed.
	child.Name = "𠮷田 花子"
	if _, err := app.Employees.SaveDependent(child); err != nil {
		t.Fatal(err)
	}
	exports = len(auditEntries(t, app, audit.ActionExport))
	b.click("use-check-" + pid(suzuki.ID)) // only 山田 (and his dependents) now
	b.waitText("use-dl-checked-count", "1")
	b.set("use-dl-format", "p:yayoi-kyuyo")
	b.click("use-dl-deps")
	b.click("use-dl-submit")
	b.waitVisible("use-dl-pw-dialog")
	b.fill("use-dl-pw-password", tanakaPassword)
	b.click("use-dl-pw-submit")
	b.waitVisible("use-dl-problems")
	b.waitText("use-dl-problem-"+pid(child.ID), "𠮷田 花子")
	if got := len(auditEntries(t, app, audit.ActionExport)); got != exports {
		t.Errorf("%d 持出し recorded before the clerk chose what to do", got-exports)
	}
	s.shot("download-problems")
	b.click("use-dl-substitute")
	b.waitVisible("use-dl-pw-dialog")
	b.fill("use-dl-pw-password", tanakaPassword)
	b.click("use-dl-pw-submit")
	b.waitVisible("download-ready")
	b.waitText("use-dl-substituted", "吉田花子")
	b.run("read the substituted file", chromedp.Evaluate(`(async () => window.__blobs.length !== 1 ? [] :
		Array.from(new Uint8Array(await window.__blobs[0].arrayBuffer())))()`, &raw,
		func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
	data = make([]byte, len(raw))
	for i, v := range raw {
		data[i] = byte(v)
	}
	b.eval(`window.__blobs = []; true`, nil)
	if want, _ := new(report.CP932Encoder).Encode("山田太郎,吉田花子,,," + numChild); !bytes.Contains(data, want) {
		t.Errorf("the 弥生 file (%d bytes) lacks the child's row with 吉", len(data))
	}
	clear(data)

	// --- The administrator is not assigned: 3-1 is greyed with Go's reason, and Go refuses.
	b.click("logout")
	loginAs(b, adminLogin, adminPassword)
	b.waitText("menu-3-1", "設定されていません")
	var clickable bool
	b.eval(`!!document.querySelector('button[data-testid="menu-3-1"]')`, &clickable)
	if clickable {
		t.Error("3-1 is a button for the unassigned administrator")
	}
	s.shot("admin-greyed")
	if _, err := app.Use.People(ui.UsePeopleQuery{CompanyID: companyID}); err == nil || !strings.Contains(err.Error(), `"forbidden"`) {
		t.Errorf("the administrator lists the people of 3-1: %v", err)
	}
}

// pid writes a person id as the screen's test ids do.
func pid(n int64) string { return fmt.Sprint(n) }

// useDisabled reports whether the element is disabled.
func useDisabled(b *browser, testid string) bool {
	b.t.Helper()
	var d bool
	b.eval(fmt.Sprintf(`!!(document.querySelector(%q) || {}).disabled`, sel(testid)), &d)
	return d
}
