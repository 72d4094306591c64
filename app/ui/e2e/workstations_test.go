package e2e

import (
	"errors"
	"strings"
	"testing"

	"github.com/mynumber-shelter/shelter/app/share/sharetest"
	"github.com/mynumber-shelter/shelter/app/ui"
)

// secondPC is the office's new PC in the workstation story (its name in the relay directory).
const secondPC = officeName + "（受付PC）"

// shotAt scrolls the element into view and takes the story's screenshot name.
func shotAt(s *storyShots, testid, name string) {
	s.b.t.Helper()
	s.b.eval(`document.querySelector('[data-testid="`+testid+`"]').scrollIntoView({block: "start"}), true`, nil)
	s.shot(name)
}

// checked reports whether the checkbox testid is ticked.
func (b *browser) checked(testid string) bool {
	b.t.Helper()
	var on bool
	b.eval(`!!(document.querySelector('[data-testid="`+testid+`"]') || {}).checked`, &on)
	return on
}

// workstationsOf is the administrator's list of the office's other workstations by office id.
func workstationsOf(t *testing.T, app *ui.App) map[string]ui.WorkstationInfo {
	t.Helper()
	v, err := app.Share.Workstations()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]ui.WorkstationInfo{}
	for _, w := range v.Workstations {
		out[w.Office] = w
	}
	return out
}

// TestBrowserWorkstations is 「One office, many workstations」 in two windows: PC-1 (the office's
// installation, C001 with a registered employee) and PC-2 (a new PC, set up and connected to the
// same relay). In M-5's 端末（ワークステーション） panel PC-2's administrator asks to join
// through PC-1's office id and PC-1's administrator approves PC-2's; both screens show the same
// pair code and each types the code read from the other screen (a wrong one on either side and an
// empty office id are refused next to their fields, with nothing recorded). PC-1 allows 番号の表示 only (the
// boxes start unticked); after 今すぐ同期 on PC-2 the company is there. PC-1 then allows
// downloads in the list and removes PC-2 through the confirmation; the relay refuses PC-2's sync
// of the company afterwards. In English, the panel and Go's refusals are English.
func TestBrowserWorkstations(t *testing.T) {
	prepareShots(t, "workstations")
	relay := sharetest.StartRelay(t)

	// --- PC-1: C001 with sato (責任者) and tanaka (担当者); tanaka registers E001.
	pc1 := newApp(t)
	company1, temp := staffCompany(t, pc1)
	pc1.SetShareTransport(relay.Enrol(t, officeName))
	firstLogin(t, pc1, "tanaka", temp["tanaka"], tanakaPassword)
	e := saveEmployee(t, pc1, ui.Employee{CompanyID: company1, Code: "E001", Name: "山田 太郎", NameKana: "ヤマダ タロウ",
		BirthDate: "1980-05-06", Sex: "male", HiredOn: "2010-04-01"})
	number := fakeNumber(t, "12345678901")
	setNumbers(t, pc1, company1, map[int64]string{e.ID: number})
	if err := pc1.Session.Logout(); err != nil {
		t.Fatal(err)
	}

	// --- PC-2: its first start, connected to the relay; no company.
	pc2 := newApp(t)
	setUp(t, pc2, ui.Office{Name: officeName, Kind: "sharoushi"})
	pc2.SetShareTransport(relay.Enrol(t, secondPC))
	if err := pc2.Session.Logout(); err != nil {
		t.Fatal(err)
	}

	// Both administrators open M-5; the panel publishes each PC's key and shows its office id.
	b1, url1 := openBrowser(t, pc1)
	s1 := &storyShots{b: b1, story: "workstations-pc1"} // prepareShots("workstations") clears both
	b1.navigate(url1)
	loginAs(b1, adminLogin, adminPassword)
	b1.click("menu-M-5")
	b1.waitVisible("ws-self")
	self1 := strings.TrimSpace(b1.text("ws-self"))
	b2, url2 := openBrowser(t, pc2)
	s2 := &storyShots{b: b2, story: "workstations-pc2"}
	b2.navigate(url2)
	loginAs(b2, adminLogin, adminPassword)
	b2.click("menu-M-5")
	b2.waitVisible("ws-self")
	self2 := strings.TrimSpace(b2.text("ws-self"))
	if self1 == "" || self2 == "" || self1 == self2 {
		t.Fatalf("office ids on the screens: PC-1 %q, PC-2 %q", self1, self2)
	}
	b2.waitVisible("ws-none")

	// PC-2: 事務所に参加する. An empty office id is refused next to the field.
	b2.click("ws-join-start")
	b2.click("ws-join-pair")
	b2.waitText("ws-join-office-error", "事務所IDが正しくありません")
	b2.fill("ws-join-office", self1)
	b2.click("ws-join-pair")
	b2.waitText("ws-join-self", self2)
	b2.waitText("ws-join-peer", officeName+" ("+self1+")")
	code2 := strings.TrimSpace(b2.text("ws-join-shown-code"))

	// PC-1: 端末を承認する with PC-2's office id: the same code, the PC's name from the relay.
	b1.click("ws-approve-start")
	b1.fill("ws-approve-office", self2)
	b1.click("ws-approve-pair")
	b1.waitText("ws-approve-peer", secondPC+" ("+self2+")")
	code1 := strings.TrimSpace(b1.text("ws-approve-shown-code"))
	if code1 != code2 || len(code1) != len("XXXX-XXXX-XXXX-XXXX-XXXX") {
		t.Fatalf("pair codes: PC-1 shows %q, PC-2 %q", code1, code2)
	}

	// A wrong code is refused next to the field and records nothing; PC-1's code is accepted.
	b2.fill("ws-join-code", "0000-0000-0000-0000-0000")
	b2.click("ws-join-submit")
	b2.waitText("ws-join-code-error", "確認コードが一致しません")
	if ws := workstationsOf(t, pc2); len(ws) != 0 {
		t.Fatalf("PC-2 recorded workstations after a wrong code: %+v", ws)
	}
	b2.fill("ws-join-code", code1)
	shotAt(s2, "ws-join-form", "join-code")
	b2.click("ws-join-submit")
	b2.waitText("ws-ok", "事務所に参加しました")
	b2.waitText("ws-row-"+self1, "参加先")

	// PC-1 allows 番号の表示 only: every box starts unticked.
	for _, r := range []string{"reveal", "download", "dispose"} {
		if b1.checked("ws-approve-" + r) {
			t.Fatalf("the approval's %s box is ticked by default", r)
		}
	}
	b1.click("ws-approve-reveal")
	wrong := code2[:len(code2)-1] + "0" // one digit off
	if wrong == code2 {
		wrong = code2[:len(code2)-1] + "1"
	}
	b1.fill("ws-approve-code", wrong)
	b1.click("ws-approve-submit")
	b1.waitText("ws-approve-code-error", "確認コードが一致しません")
	if ws := workstationsOf(t, pc1); len(ws) != 0 {
		t.Fatalf("PC-1 recorded workstations after a wrong code: %+v", ws)
	}
	b1.fill("ws-approve-code", code2)
	shotAt(s1, "ws-approve-form", "approve")
	b1.click("ws-approve-submit")
	b1.waitText("ws-ok", "承認しました")
	b1.waitText("ws-row-"+self2, "承認済み")
	if !b1.checked("ws-right-"+self2+"-reveal") || b1.checked("ws-right-"+self2+"-download") || b1.checked("ws-right-"+self2+"-dispose") {
		t.Fatal("the list does not show the rights given at the approval")
	}
	if w := workstationsOf(t, pc1)[self2]; w.How != "approved" || w.Rights != (ui.WorkstationRights{Reveal: true}) {
		t.Fatalf("PC-1's record of PC-2: %+v", w)
	}

	// PC-2's 今すぐ同期 accepts PC-1's offer: the company is there.
	b2.click("ws-sync")
	b2.waitText("ws-ok", "同期が完了しました")
	b2.waitText("ws-companies-"+self1, "1")
	cs, err := pc2.Company.List(true)
	if err != nil || len(cs) != 1 || cs[0].Name != companyName {
		t.Fatalf("PC-2's companies after the workstation sync: %+v, %v", cs, err)
	}
	company2 := cs[0].ID
	shotAt(s2, "ws-panel", "joined-list")

	// PC-1's list: PC-2 with its company; downloads allowed as well.
	b1.click("ws-sync")
	b1.waitText("ws-ok", "同期が完了しました")
	b1.waitText("ws-companies-"+self2, "1")
	b1.click("ws-right-" + self2 + "-download")
	b1.waitText("ws-ok", "許可を変更しました")
	if w := workstationsOf(t, pc1)[self2]; w.Rights != (ui.WorkstationRights{Reveal: true, Download: true}) {
		t.Fatalf("PC-2's rights after ticking ダウンロード: %+v", w.Rights)
	}
	shotAt(s1, "ws-panel", "list")

	// PC-2's administrator takes the company's 責任者 role there and syncs it: the relay serves it.
	st, err := pc2.Session.State()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pc2.Handlers.Set(company2, []int64{st.User.ID}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := pc2.Share.Sync(company2); err != nil {
		t.Fatalf("PC-2's sync of the company before its removal: %v", err)
	}

	// PC-1 removes PC-2: the confirmation says what happens; the row stays, greyed.
	b1.click("ws-remove-" + self2)
	b1.waitText("ws-remove-confirm", "これから先に書き込まれるデータを開けません")
	b1.waitText("ws-remove-confirm", "既に受け取ったデータはその端末に残ります")
	s1.shot("remove-confirm")
	b1.click("ws-remove-confirm-ok")
	b1.waitText("ws-ok", "事務所から外しました（1 社）")
	b1.waitGone("ws-remove-" + self2)
	b1.waitVisible("ws-removed-" + self2)
	b1.waitText("ws-removed-tag-"+self2, "外した端末")
	var removedRow bool
	b1.eval(`document.querySelector('[data-testid="ws-row-`+self2+`"]').dataset.removed === "true" &&
		document.querySelector('[data-testid="ws-right-`+self2+`-reveal"]').disabled`, &removedRow)
	if !removedRow {
		t.Fatal("the removed workstation's row is not marked removed, or its rights can still be changed")
	}
	shotAt(s1, "ws-panel", "removed")

	// The relay refuses PC-2's sync of the company now.
	_, err = pc2.Share.Sync(company2)
	var ue *ui.Error
	if !errors.As(err, &ue) || !strings.Contains(ue.JA, "共有から外されています") {
		t.Fatalf("PC-2's sync after its removal: %v, want the relay's refusal", err)
	}
	// In English the panel and Go's refusals are in English.
	b2.click("lang-toggle")
	b2.waitText("ws-panel", "The office's workstations")
	// PC-2's panel tells it that the relay no longer serves it the company.
	b2.waitText("ws-left", "This PC has been removed from 1 shared companies")
	b2.click("ws-approve-start")
	b2.click("ws-approve-pair")
	b2.waitText("ws-approve-office-error", "office id is not valid")
	shotAt(s2, "ws-panel", "english")

	if b1.holdsNumber(number) || b2.holdsNumber(number) {
		t.Fatal("a workstation screen holds the number")
	}
}
