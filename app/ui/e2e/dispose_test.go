package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/ui"
	"github.com/mynumber-shelter/shelter/internal/mynumber"
)

// dispPresent reports whether an element with the test id is in the page.
func dispPresent(b *browser, testid string) bool {
	b.t.Helper()
	var ok bool
	b.eval(fmt.Sprintf(`!!document.querySelector(%q)`, sel(testid)), &ok)
	return ok
}

// TestBrowserDispose is 4-1 from the due date to the certificate. The company has sato as its
// 事務取扱責任者 and tanaka as its 担当者, and two employees who left: 山田 in 2015 (his
// retention has passed) and 鈴木 a month ago (still retained). The home screen alerts tanaka to
// one number due; proposing 鈴木 without a reason is refused by Go next to the field; tanaka
// proposes 山田 (shred) and cannot approve his own proposal, in the window or through Go; sato
// approves; tanaka carries it out after the warning that it cannot be undone; the 廃棄記録
// shows the certificate number and the 廃棄証明書 is saved as an Excel workbook. Afterwards the
// number can no longer be opened and the history holds the disposal.
func TestBrowserDispose(t *testing.T) {
	prepareShots(t, "dispose")
	// The e2e app keeps the real clock (newApp sets no Now), so 山田 left long enough ago for
	// every retention period to have passed.
	app := newApp(t)

	// --- Through the Go services: the company, sato (責任者) and tanaka (担当者).
	companyID, temp := staffCompany(t, app)
	firstLogin(t, app, "sato", temp["sato"], satoPassword)
	if err := app.Session.Logout(); err != nil {
		t.Fatal(err)
	}
	firstLogin(t, app, "tanaka", temp["tanaka"], tanakaPassword)
	// tanaka (logged in last) registers the employees and their numbers.
	recent := time.Now().AddDate(0, -1, 0).Format("2006-01-02")
	yamada := saveEmployee(t, app, ui.Employee{CompanyID: companyID, Code: "E001", Name: "山田 太郎",
		NameKana: "ヤマダ タロウ", BirthDate: "1975-01-02", Sex: "male", HiredOn: "2005-04-01", LeftOn: "2015-03-31"})
	suzuki := saveEmployee(t, app, ui.Employee{CompanyID: companyID, Code: "E002", Name: "鈴木 次郎",
		NameKana: "スズキ ジロウ", BirthDate: "1990-03-04", Sex: "male", HiredOn: "2021-04-01", LeftOn: recent})
	numYamada, numSuzuki := fakeNumber(t, "12345678901"), fakeNumber(t, "22222222222")
	setNumbers(t, app, companyID, map[int64]string{yamada.ID: numYamada, suzuki.ID: numSuzuki})
	// Before the disposal 山田's number opens (その他, with a reason).
	reveal := ui.RevealRequest{PersonID: yamada.ID, Purpose: "OTHER", Reason: "廃棄前の登録内容の確認"}
	if r, err := app.Use.Reveal(reveal); err != nil || r.Number != numYamada {
		t.Fatalf("reveal before the disposal: err %v (number matches: %v)", err, r.Number == numYamada)
	}
	if err := app.Session.Logout(); err != nil {
		t.Fatal(err)
	}

	b, url := openBrowser(t, app)
	s := &storyShots{b: b, story: "dispose"}
	// Downloads are checked through the Blob the screen creates; Chromium writes no file.
	b.run("deny downloads", cdpbrowser.SetDownloadBehavior(cdpbrowser.SetDownloadBehaviorBehaviorDeny))
	b.navigate(url)

	// --- tanaka: the home screen alerts to one number due (鈴木 is still retained).
	switchUser(b, "tanaka", tanakaPassword)
	b.waitText("dispose-alert-ready", "廃棄期限が到来した個人番号が 1 件あります")
	s.shot("home-alert")
	b.click("dispose-alert-open")
	b.waitVisible("disp-tabs")
	b.waitText("disp-company-line", companyName)
	b.waitVisible("disp-overdue-E001")
	b.waitVisible("disp-retained-E002")
	b.waitText("disp-due-date-E001", "年1月11日") // 和暦, the header's default date style
	if r := b.text("disp-reason-E001"); !japanese.MatchString(r) {
		t.Errorf("the due reason is not Go's Japanese text: %q", r)
	}
	s.shot("due-list")

	// 鈴木's retention has not passed: Go wants a reason, shown next to the field; nothing is written.
	b.click("disp-check-E002")
	b.click("disp-propose-submit")
	b.waitVisible("disp-propose-reason-error")
	s.shot("reason-required")
	if ps, err := app.Dispose.Pending(companyID); err != nil || len(ps) != 0 {
		t.Fatalf("after the refused proposal: %d disposals, err %v", len(ps), err)
	}
	b.click("disp-check-E002") // unchecked again

	// tanaka proposes 山田, shred.
	b.click("disp-check-E001")
	b.waitText("disp-selected-count", "1")
	b.click("disp-method-shred")
	b.click("disp-propose-submit")
	b.waitVisible("disp-proposed")
	b.waitText("disp-state-E001", "手続き中")
	ps, err := app.Dispose.Pending(companyID)
	if err != nil || len(ps) != 1 || ps[0].Method != "shred" || ps[0].ProposedBy.Login != "tanaka" || ps[0].Status != "proposed" {
		t.Fatalf("pending after the proposal: %+v, err %v", ps, err)
	}
	id := fmt.Sprint(ps[0].ID)

	// The proposer sees it waiting and has no approve button; Go refuses him too.
	b.click("disp-tab-pending")
	b.waitText("disp-status-"+id, "承認待ち")
	b.waitVisible("disp-own-" + id)
	if dispPresent(b, "disp-approve-"+id) {
		t.Error("the proposer is offered 承認")
	}
	s.shot("pending-proposer")
	if _, err := app.Dispose.Approve(ps[0].ID); err == nil || !strings.Contains(err.Error(), `"forbidden"`) {
		t.Fatalf("the 担当者 approved his own proposal: %v", err)
	}
	b.click("disp-tab-register") // the register is the 責任者's: Go refuses, the screen says so
	b.click("disp-register")
	b.waitVisible("disp-error")
	if !japanese.MatchString(b.text("disp-error")) {
		t.Errorf("the refusal is not in Japanese: %q", b.text("disp-error"))
	}

	// --- sato approves (the alert tells her one is waiting).
	switchUser(b, "sato", satoPassword)
	b.waitText("dispose-alert-approval", "承認待ちの廃棄が 1 件")
	b.click("dispose-alert-open")
	b.waitVisible("disp-tabs")
	b.click("disp-tab-pending")
	b.waitVisible("disp-approve-" + id)
	s.shot("pending-manager")
	b.click("disp-approve-" + id)
	b.waitVisible("disp-approved")
	b.waitVisible("disp-no-pending")

	// --- tanaka carries it out, after the warning.
	switchUser(b, "tanaka", tanakaPassword)
	b.waitText("dispose-alert-execution", "1 件")
	b.click("dispose-alert-open")
	b.waitVisible("disp-tabs")
	b.click("disp-tab-execute")
	b.waitText("disp-approver-"+id, "佐藤 花子")
	b.click("disp-execute-" + id)
	b.waitText("disp-execute-warning", "取り消せません")
	b.waitText("disp-execute-dialog", "山田 太郎")
	s.shot("execute-confirm")
	b.click("disp-execute-ok")
	b.waitGone("disp-execute-dialog")
	b.waitText("disp-executed", "MNS-")
	b.waitVisible("disp-record-" + id)
	certNo := strings.TrimSpace(b.text("disp-cert-no-" + id))
	if !strings.HasPrefix(certNo, "MNS-") {
		t.Fatalf("certificate number shown as %q", certNo)
	}
	b.waitText("disp-record-"+id, "佐藤 花子")
	b.waitText("disp-record-"+id, "田中 一郎")
	b.waitText("disp-kinds-"+id, "個人番号")

	// The certificate: an Excel workbook named after its number.
	b.eval(`window.__blobs = []; { const orig = URL.createObjectURL.bind(URL);
		URL.createObjectURL = (b) => { window.__blobs.push(b); return orig(b); }; } true`, nil)
	b.click("disp-cert-" + id)
	b.waitVisible("disp-download")
	var file string
	b.eval(`document.querySelector('[data-testid="disp-download"]').dataset.file`, &file)
	if file != "廃棄証明書_"+certNo+".xlsx" {
		t.Errorf("the certificate is saved as %q", file)
	}
	var raw []int
	b.run("read the saved file", chromedp.Evaluate(`(async () => window.__blobs.length !== 1 ? [] :
		Array.from(new Uint8Array(await window.__blobs[0].arrayBuffer())))()`, &raw,
		func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
	data := make([]byte, len(raw))
	for i, v := range raw {
		data[i] = byte(v)
	}
	if len(data) < 100 || string(data[:2]) != "PK" {
		t.Fatalf("the saved certificate (%d bytes) is not an xlsx workbook", len(data))
	}
	if _, hit := mynumber.ContainsValidIndividual(data); hit {
		t.Fatal("the certificate holds a check-digit-valid number")
	}
	s.shot("record-certificate")
	b.click("lang-toggle") // the same screen in English
	b.waitText("disp-records-table", "Certificate No.")
	b.waitText("disp-tabs", "File register")
	b.click("lang-toggle")
	b.waitText("disp-records-table", "証明書番号")
	for _, n := range []string{numYamada, numSuzuki} {
		if b.holdsNumber(n) {
			t.Fatal("the page holds a number in clear")
		}
	}

	// --- Through Go (as tanaka, the window's session): 山田's number is gone for good.
	// The ciphertext is gone, so 3-1 finds no number; 1-2 refuses a new one because the person
	// key was destroyed.
	if _, err := app.Use.Reveal(reveal); err == nil || !strings.Contains(err.Error(), `"no_number"`) {
		t.Errorf("reveal after the disposal: %v", err)
	}
	if err := app.Employees.SetNumber(companyID, yamada.ID, numYamada, false); err == nil || !strings.Contains(err.Error(), `"disposed"`) {
		t.Errorf("registering a number again after the disposal: %v", err)
	}
	if r, err := app.Use.Reveal(ui.RevealRequest{PersonID: suzuki.ID, Purpose: "OTHER", Reason: "廃棄後の登録内容の確認"}); err != nil || r.Number != numSuzuki {
		t.Errorf("鈴木's number is affected: err %v", err)
	}
	es := auditEntries(t, app, audit.ActionDispose)
	var proposed, approved, executed bool
	for _, e := range es {
		if e.Result != audit.ResultOK || e.CompanyID != companyID {
			continue
		}
		if _, hit := mynumber.ContainsValidIndividual([]byte(e.Detail)); hit {
			t.Fatalf("dispose entry %d holds a number", e.ID)
		}
		d := strings.ToLower(e.Detail)
		proposed = proposed || strings.Contains(d, "propos")
		approved = approved || strings.Contains(d, "approv")
		executed = executed || strings.Contains(d, "execut") || strings.Contains(d, certNo)
	}
	if len(es) < 4 || !proposed || !approved || !executed {
		t.Errorf("the history holds %d dispose entries (proposed %v, approved %v, executed %v)", len(es), proposed, approved, executed)
	}
	if ps := auditEntries(t, app, audit.ActionPrint); len(ps) == 0 {
		t.Error("saving the certificate is not recorded as 印刷")
	}
}
