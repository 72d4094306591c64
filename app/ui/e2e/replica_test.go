package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/app/ui"
	"github.com/mynumber-shelter/shelter/cloud"
	cloudstore "github.com/mynumber-shelter/shelter/cloud/store"
	"github.com/mynumber-shelter/shelter/internal/keychain"
)

// TestBrowserCloudRestore is the office whose PC dies, with the cloud replica: in M-5 the
// administrator enrols with the relay, the replica panel shows the changes not yet uploaded,
// 今すぐアップロード sends the sealed vault, and a restore code is issued for the new PC. On the
// new PC (its own vault folder and keychain, no bridge enrolment) the first-start screen's
// 「クラウドから復元」 refuses a wrong code in place and then brings the office back with the
// Recovery Kit: the administrator is logged in, the history verifies and says what happened,
// and the handler's number opens after a password reset.
func TestBrowserCloudRestore(t *testing.T) {
	prepareShots(t, "cloud")
	rst, relayURL, caPEM := startRelay(t)
	token, _, err := cloud.NewEnrolToken(context.Background(), rst, cloudstore.Office{Name: "relay customer"}, time.Hour, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := shippedConfig(t, &keychain.Mem{})
	cfg.BridgeSocket, cfg.BridgeCommand = startBridge(t), []string{}
	old, err := ui.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = old.Close() })
	kit := setUp(t, old, ui.Office{Name: officeName, Kind: "sharoushi"})
	companyID, temp := addStaffCompany(t, old)
	firstLogin(t, old, "tanaka", temp["tanaka"], tanakaPassword)
	e := saveEmployee(t, old, ui.Employee{CompanyID: companyID, Code: "E001", Name: "山田 太郎", HiredOn: "2020-04-01"})
	number := fakeNumber(t, "98765432101")
	setNumbers(t, old, companyID, map[int64]string{e.ID: number})
	old.Session.Logout()

	b, url := openBrowser(t, old)
	s := &storyShots{b: b, story: "cloud"}
	b.navigate(url)
	loginAs(b, adminLogin, adminPassword)
	b.click("menu-M-5")
	b.waitVisible("replica-not-enrolled")
	b.fill("sync-enrol-url", relayURL)
	b.set("sync-enrol-ca", caPEM)
	b.fill("sync-enrol-token", token)
	b.click("sync-enrol")
	b.waitText("sync-ok", "登録しました")
	b.waitVisible("replica-upload")
	b.waitText("replica-last", "まだ")
	b.click("replica-upload")
	b.waitText("sync-ok", "アップロードしました")
	b.waitText("replica-pending", "0")
	b.waitText("replica-size", "KB")
	b.click("replica-code")
	b.waitText("replica-code-shown", "復元コード")
	s.shot("m5-replica")
	var shown string
	b.eval(`document.querySelector('[data-testid="replica-code-shown"]').textContent`, &shown)
	code := strings.TrimSpace(strings.Split(strings.SplitN(shown, "復元コード: ", 2)[1], "（")[0])
	if len(code) != 24 {
		t.Fatalf("restore code on screen: %q", shown)
	}

	// The new PC.
	fresh, err := ui.New(shippedConfig(t, &keychain.Mem{}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = fresh.Close() })
	b2, url2 := openBrowser(t, fresh)
	s2 := &storyShots{b: b2, story: "cloud"}
	b2.navigate(url2)
	b2.waitVisible("setup-office")
	b2.click("setup-restore-cloud")
	b2.waitVisible("cloud-restore-screen")
	b2.fill("cloud-restore-url", relayURL)
	b2.set("cloud-restore-ca", caPEM)
	b2.fill("cloud-restore-code", "AAAA-BBBB-CCCC-DDDD-EEEE")
	b2.fill("cloud-restore-recoveryKey", kit.Key)
	b2.fill("cloud-restore-login", adminLogin)
	b2.fill("cloud-restore-password", "the new PC's long passphrase")
	b2.fill("cloud-restore-confirm", "the new PC's long passphrase")
	b2.click("cloud-restore-submit")
	b2.waitText("cloud-restore-code-error", "復元コード")
	s2.shot("restore-wrong-code")
	b2.fill("cloud-restore-code", code)
	b2.click("cloud-restore-submit")
	b2.waitVisible("home")
	s2.shot("restored-home")
	restoredOffice(t, b2, fresh, companyID, number)
}

// restoredOffice checks an office restored onto a new PC, with the administrator logged in the
// browser: the history verifies and records the restore; the handler tanaka, whose password was
// bound to the old PC, gets a reset from the administrator and then sees the number again.
func restoredOffice(t *testing.T, b *browser, app *ui.App, companyID int64, number string) {
	t.Helper()
	b.waitText("header-user", adminName)
	b.click("menu-2-1")
	b.waitText("verify-badge", "改ざんなし")
	b.waitText("history-rows", "復元")
	users, err := app.Users.List()
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if u.Login != "tanaka" {
			continue
		}
		tp, err := app.Users.ResetPassword(u.ID)
		if err != nil {
			t.Fatal(err)
		}
		app.Session.Logout()
		firstLogin(t, app, "tanaka", tp.Password, "a handler's new PC passphrase")
	}
	page, err := app.Employees.Employees(ui.EmployeeQuery{CompanyID: companyID, Limit: 10})
	if err != nil || len(page.Employees) != 1 || !strings.HasSuffix(page.Employees[0].MaskedNumber, number[8:]) {
		t.Fatalf("the number after the restore: %+v %v", page, err)
	}
}
