package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/app/share/sharetest"
	"github.com/mynumber-shelter/shelter/app/ui"
)

// clientOffice is the client company's own installation in the share story.
const clientOffice = "株式会社テスト商事 人事部"

// employeeOf returns the employee with code in companyID through the Go services.
func employeeOf(t *testing.T, app *ui.App, companyID int64, code string) ui.Employee {
	t.Helper()
	page, err := app.Employees.Employees(ui.EmployeeQuery{CompanyID: companyID, Search: code})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range page.Employees {
		if e.Code == code {
			return e
		}
	}
	t.Fatalf("no employee %s in company %d", code, companyID)
	return ui.Employee{}
}

// TestBrowserShare is M-6 データ共有 on the client's installation (B), with the office's
// installation (A) driven through the Go services and a real relay on loopback TLS between
// them. A's administrator offers C001 after comparing B's fingerprint; B's administrator sees
// the same fingerprint in the window, is refused with a wrong fingerprint of A, accepts with the
// right one and syncs A's employee in. Both edit the employee's name; A's later edit wins, and
// B's screen lists its own edit as the conflict. B's 2-1 shows A's entries with A as 取扱元 next
// to its own.
func TestBrowserShare(t *testing.T) {
	prepareShots(t, "share")
	relay := sharetest.StartRelay(t)

	// --- A, the 社労士 office: C001 with sato (責任者) and tanaka (担当者); tanaka registers E001.
	clockA := &offsetClock{}
	appA := newAppAt(t, clockA.Now)
	companyA, temp := staffCompany(t, appA)
	appA.SetShareTransport(relay.Enrol(t, officeName))
	firstLogin(t, appA, "tanaka", temp["tanaka"], tanakaPassword)
	e := saveEmployee(t, appA, ui.Employee{CompanyID: companyA, Code: "E001", Name: "山田 太郎", NameKana: "ヤマダ タロウ",
		BirthDate: "1980-05-06", Sex: "male", HiredOn: "2010-04-01"})
	number := fakeNumber(t, "12345678901")
	setNumbers(t, appA, companyA, map[int64]string{e.ID: number})
	if err := appA.Session.Logout(); err != nil {
		t.Fatal(err)
	}

	// --- B, the client's own installation: set up, connected to the same relay.
	appB := newApp(t)
	setUp(t, appB, ui.Office{Name: clientOffice, Kind: "employer"})
	appB.SetShareTransport(relay.Enrol(t, clientOffice))
	idB, err := appB.Share.Identity()
	if err != nil {
		t.Fatal(err)
	}
	if err := appB.Session.Logout(); err != nil {
		t.Fatal(err)
	}

	// A's administrator offers C001 to B after reading B's fingerprint over the phone.
	if _, err := appA.Session.Login(adminLogin, adminPassword); err != nil {
		t.Fatal(err)
	}
	idA, err := appA.Share.Identity()
	if err != nil {
		t.Fatal(err)
	}
	if err := appA.Share.Offer(ui.ShareOfferIn{CompanyID: companyA, Office: idB.Office, Fingerprint: idB.Fingerprint}); err != nil {
		t.Fatal(err)
	}
	// tanaka's sync sends the company's records to the relay, for B once it accepts.
	if _, err := appA.Session.Login("tanaka", tanakaPassword); err != nil {
		t.Fatal(err)
	}
	if r, err := appA.Share.Sync(companyA); err != nil || r.Sent != 2 {
		t.Fatalf("A's first sync: %+v, %v; want 2 records sent", r, err)
	}

	// --- B's administrator in the window: M-6 shows B's own fingerprint and A's offer.
	b, url := openBrowser(t, appB)
	s := &storyShots{b: b, story: "share"}
	b.navigate(url)
	loginAs(b, adminLogin, adminPassword)
	b.click("menu-M-6")
	b.waitText("share-fingerprint", idB.Fingerprint)
	b.waitText("share-office", idB.Office)
	b.waitText("share-offer-item", companyName)
	b.waitText("share-offer-item", officeName)
	b.waitText("share-offer-item", idA.Fingerprint)
	s.shot("offer")

	// A wrong fingerprint (B's own) is refused in Japanese; A's, typed in lower case, is accepted.
	b.fill("share-accept-fingerprint", idB.Fingerprint)
	b.click("share-accept")
	b.waitText("share-error", "フィンガープリントが一致しません")
	if cs, err := appB.Company.List(true); err != nil || len(cs) != 0 {
		t.Fatalf("B has companies after the refused accept: %+v, %v", cs, err)
	}
	b.fill("share-accept-fingerprint", strings.ToLower(idA.Fingerprint))
	b.click("share-accept")
	b.waitText("share-ok", "共有を承認しました")
	b.waitText("share-row", companyName)
	b.waitText("share-members", idA.Office)
	// The shared company can be offered to one more office: it stays in the list, marked.
	b.waitText("share-company", "共有中")
	cs, err := appB.Company.List(true)
	if err != nil || len(cs) != 1 || cs[0].Name != companyName {
		t.Fatalf("B's companies after accepting: %+v, %v", cs, err)
	}
	companyB := cs[0].ID
	s.shot("accepted")

	// The administrator makes itself the company's 責任者 (1-1; syncing handles its numbers),
	// then syncs A's employee and number in.
	st, err := appB.Session.State()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := appB.Handlers.Set(companyB, []int64{st.User.ID}, nil); err != nil {
		t.Fatal(err)
	}
	b.click("share-sync")
	b.waitText("share-ok", "受信 2 件")
	if eb := employeeOf(t, appB, companyB, "E001"); eb.Name != "山田 太郎" || eb.MaskedNumber != "**** **** 9018" {
		t.Fatalf("B's E001 after sync: %q %q", eb.Name, eb.MaskedNumber)
	}

	// Both sides rename E001; A's edit is the later one.
	eb := employeeOf(t, appB, companyB, "E001")
	eb.Name = "山田 太郎（B）"
	if _, err := appB.Employees.SaveEmployee(eb); err != nil {
		t.Fatal(err)
	}
	clockA.Advance(time.Second) // A's edit is the later one, whatever the clock's resolution
	ea := employeeOf(t, appA, companyA, "E001")
	ea.Name = "山田 太郎（A）"
	if _, err := appA.Employees.SaveEmployee(ea); err != nil {
		t.Fatal(err)
	}
	if _, err := appA.Share.Sync(companyA); err != nil {
		t.Fatal(err)
	}
	b.click("share-sync")
	b.waitText("share-ok", "競合 1 件")
	b.waitText("share-row", "競合 1")
	b.click("share-show-conflicts")
	b.waitText("share-conflict", "山田 太郎（A）")
	b.waitText("share-conflict", "山田 太郎（B）")
	if got := b.text("share-conflict"); !strings.Contains(got, idA.Office) || b.holdsNumber(number) {
		t.Fatalf("conflict row %q lacks the winner's office, or the page holds the number", got)
	}
	// The conflicts are below the fold: scroll the screen's pane and let it paint.
	b.eval(`document.querySelector('[data-testid="share-conflicts"]').scrollIntoView({block: "end"}), true`, nil)
	time.Sleep(300 * time.Millisecond)
	s.shot("conflict")
	if eb := employeeOf(t, appB, companyB, "E001"); eb.Name != "山田 太郎（A）" {
		t.Fatalf("B kept %q; A's later edit should win", eb.Name)
	}

	// 2-1 on B: A's entries with A as 取扱元, B's own with B's name.
	b.click("menu-2-1")
	b.waitVisible("history-peer-entry")
	b.waitText("history-rows", officeName+" ("+idA.Office+")")
	var sources struct {
		Peer, Self []string
	}
	b.eval(`({
		Peer: [...document.querySelectorAll('tr[data-source="peer"] [data-testid="history-source"]')].map((e) => e.textContent),
		Self: [...document.querySelectorAll('tr[data-source="self"] [data-testid="history-source"]')].map((e) => e.textContent),
	})`, &sources)
	if len(sources.Peer) == 0 || len(sources.Self) == 0 {
		t.Fatalf("2-1 sources: %d of A, %d of B", len(sources.Peer), len(sources.Self))
	}
	for _, src := range sources.Peer {
		if src != officeName+" ("+idA.Office+")" {
			t.Errorf("a peer entry's 取扱元 is %q", src)
		}
	}
	for _, src := range sources.Self {
		if src != clientOffice {
			t.Errorf("an own entry's 取扱元 is %q, want %q", src, clientOffice)
		}
	}
	var header string
	b.eval(`document.querySelector('[data-testid="history-table"] thead').textContent`, &header)
	if !strings.Contains(header, "取扱元") {
		t.Errorf("2-1's header has no 取扱元: %q", header)
	}
	var registeredAtA bool // tanaka's registration of the number, made at A
	b.eval(`!!document.querySelector('tr[data-source="peer"][data-action="register"]')`, &registeredAtA)
	if !registeredAtA {
		t.Error("2-1 lacks A's registration of the number")
	}
	// The verification covers A's history too: recomputed here and authenticated by A's key.
	b.waitVisible("verify-chains")
	b.waitText("verify-chains", "相手の端末の鍵で認証済み")
	var chainOK string
	b.eval(`document.querySelector('[data-testid="verify-chains"] li[data-source="`+idA.Office+`"]')?.dataset.ok ?? ""`, &chainOK)
	if chainOK != "true" {
		t.Fatalf("2-1's verification of A's history: %q, want ok", chainOK)
	}
	s.shot("history")
	if b.holdsNumber(number) {
		t.Fatal("2-1 holds the number in clear")
	}

	// B's administrator removes A from the share (the contract with the office ended): the
	// confirmation says what A keeps and loses, A's next sync is refused by the relay, and the
	// history records the removal with the new key epoch.
	b.click("menu-M-6")
	b.click("share-remove-" + idA.Office)
	b.waitText("share-remove-confirm", "これから先の変更を読めません")
	s.shot("remove")
	b.click("share-remove-confirm-ok")
	b.waitText("share-ok", "共有から外しました")
	b.waitGone("share-remove-" + idA.Office)
	if _, err := appA.Share.Sync(companyA); err == nil {
		t.Fatal("A still syncs after B removed it")
	}
	entries, err := appB.History.Query(ui.HistoryFilter{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	var removal bool
	for _, en := range entries.Entries {
		removal = removal || strings.Contains(en.DetailText, "事務所 "+idA.Office+" を共有から外した")
	}
	if !removal {
		t.Error("B's history has no entry for the removal")
	}
}
