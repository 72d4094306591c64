package e2e

import (
	"testing"

	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/terminal"
	"github.com/mynumber-shelter/shelter/app/ui"
)

// TestBrowserTerminalLimited is 3-1 and 4-1 on a workstation the administrator did not allow to
// reveal or download (取扱端末の限定): the screens say so before anything is tried, a reveal is
// refused with the reason and the way on, in the window's language, and no number reaches the
// page; the refusal is in the history.
func TestBrowserTerminalLimited(t *testing.T) {
	prepareShots(t, "terminal")
	app := newApp(t)
	companyID, temp := staffCompany(t, app)
	firstLogin(t, app, "tanaka", temp["tanaka"], tanakaPassword)
	yamada := saveEmployee(t, app, ui.Employee{CompanyID: companyID, Code: "E001", Name: "山田 太郎",
		NameKana: "ヤマダ タロウ", BirthDate: "1985-01-02", Sex: "male", HiredOn: "2020-04-01"})
	num := fakeNumber(t, "12345678901")
	setNumbers(t, app, companyID, map[int64]string{yamada.ID: num})
	if _, err := app.Collect.CreateRequest(ui.CollectRequestInput{CompanyID: companyID, Title: "入社時",
		EmployeeIDs: []int64{yamada.ID}, Purposes: []string{"TAX-WH"}, Online: true}); err != nil {
		t.Fatal(err)
	}
	if err := app.Session.Logout(); err != nil {
		t.Fatal(err)
	}
	// What the lead's M-5 approval does on this workstation: it may dispose only.
	if err := app.DB.Update(t.Context(), func(tx *store.Tx) error {
		return terminal.Set(tx, terminal.Rights{Dispose: true}, "office-test/ws-2")
	}); err != nil {
		t.Fatal(err)
	}

	b, url := openBrowser(t, app)
	s := &storyShots{b: b, story: "terminal"}
	b.navigate(url)
	loginAs(b, "tanaka", tanakaPassword)
	b.click("menu-3-1")
	b.waitVisible("use-tabs")
	b.waitText("use-terminal-limited", "この端末では個人番号を表示できません。")
	b.waitText("use-terminal-limited", "ダウンロード")
	b.waitText("use-terminal-limited", "M-5")

	reveal := func(want string) {
		t.Helper()
		b.click("use-reveal-" + pid(yamada.ID))
		b.waitVisible("use-purpose")
		b.set("use-purpose", "TAX-WH")
		b.click("use-reveal-submit")
		b.waitText("use-rv-error", want)
		if b.holdsNumber(num) {
			t.Fatal("a refused reveal put the number on the page")
		}
		b.click("use-reveal-cancel")
		b.waitGone("use-reveal-dialog")
	}
	reveal("この端末では個人番号を表示できません。")
	s.shot("limited-ja")
	b.click("lang-toggle")
	b.waitText("use-terminal-limited", "My Numbers cannot be revealed on this workstation.")
	reveal("My Numbers cannot be revealed on this workstation.")
	s.shot("limited-en")

	denied := 0
	for _, e := range auditEntries(t, app, audit.ActionView) {
		if e.Result == audit.ResultDenied && e.Detail == "reveal refused: not permitted on this terminal" && e.TargetID == pid(yamada.ID) {
			denied++
		}
	}
	if denied != 2 {
		t.Errorf("%d denied views recorded, want 2", denied)
	}

	// 4-1 is allowed here: no notice.
	b.click("menu-4-1")
	b.waitVisible("disp-tabs")
	var notices int
	b.eval(`document.querySelectorAll('[data-testid="disp-terminal-limited"]').length`, &notices)
	if notices != 0 {
		t.Error("4-1 shows a terminal notice on a workstation allowed to dispose")
	}
}
