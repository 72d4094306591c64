package e2e

import (
	"context"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/ui"
	"github.com/mynumber-shelter/shelter/bridge"
	"github.com/mynumber-shelter/shelter/bridge/daemon"
	simcard "github.com/mynumber-shelter/shelter/devices/sim/card"
	"github.com/mynumber-shelter/shelter/internal/keychain"
)

// TestBrowserFactors is 二要素認証 as a 事務取扱担当者 meets it: the password, then the staff card
// on the (virtual) reader; the screen locked, unlocked by the card alone; five minutes later a
// reveal asks for the card again (step-up) and goes ahead once it is confirmed. Needs pcscd with
// vpcd (slot 1) and Chromium.
func TestBrowserFactors(t *testing.T) {
	prepareShots(t, "factors")
	var skew atomic.Int64
	socket, reader := staffCardOnReader(t, []byte{0x04, 0x7A, 0x11, 0x22, 0x33, 0x44, 0x55})
	cfg := shippedConfig(t, &keychain.Mem{})
	cfg.BridgeSocket = socket
	cfg.Now = func() time.Time { return time.Now().Add(time.Duration(skew.Load())) } // a clock the test can move forward
	app, err := ui.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = app.Close() })

	// Through the Go services: tanaka with a person and a number notified for TAX-WH, and the
	// staff card enrolled.
	companyID, temp := staffCompany(t, app)
	firstLogin(t, app, "tanaka", temp["tanaka"], tanakaPassword)
	yamada := saveEmployee(t, app, ui.Employee{CompanyID: companyID, Code: "E001", Name: "山田 太郎",
		NameKana: "ヤマダ タロウ", BirthDate: "1985-01-02", Sex: "male", HiredOn: "2020-04-01"})
	number := fakeNumber(t, "12345678901")
	setNumbers(t, app, companyID, map[int64]string{yamada.ID: number})
	if _, err := app.Collect.CreateRequest(ui.CollectRequestInput{CompanyID: companyID, Title: "入社時",
		EmployeeIDs: []int64{yamada.ID}, Purposes: []string{"TAX-WH"}, Online: true}); err != nil {
		t.Fatal(err)
	}
	staffCard, err := app.Factors.Enrol(ui.FactorEnrolRequest{Kind: "card", Label: "職員証", Password: tanakaPassword, Reader: reader})
	if err != nil {
		t.Fatal(err)
	}
	if err := app.Session.Logout(); err != nil {
		t.Fatal(err)
	}

	b, url := openBrowser(t, app)
	s := &storyShots{b: b, story: "factors"}
	b.navigate(url)

	// --- The password, then the card: the second step asks for the card on the reader.
	submitLogin(b, "tanaka", tanakaPassword)
	b.waitVisible("factor-step")
	b.waitText("factor-login-prompt", "職員証をリーダーに置いてください")
	b.waitText("factor-login-reader", reader)
	b.set("factor-login-reader", reader)
	s.shot("second-step")
	b.click("factor-login-submit")
	b.waitVisible("home")
	if e := auditEntries(t, app, "login"); len(e) == 0 || !strings.Contains(e[0].Detail, "second factor: card #") {
		t.Fatalf("the login is not recorded with its factor: %+v", e[:min(1, len(e))])
	}

	// --- Locked, unlocked by the card alone.
	b.click("lock-button")
	b.waitVisible("unlock-screen")
	b.waitVisible("factor-unlock-form")
	b.waitText("factor-unlock-prompt", "職員証をリーダーに置いてください")
	b.waitText("factor-unlock-reader", reader)
	b.set("factor-unlock-reader", reader)
	s.shot("unlock")
	b.click("factor-unlock-submit")
	b.waitVisible("home")

	// --- Five minutes on, a reveal asks for the card first and then shows the number.
	skew.Store(int64(auth.StepUpWindow + time.Second))
	b.click("menu-3-1")
	b.waitVisible("use-tabs")
	b.click("use-reveal-" + pid(yamada.ID))
	b.waitVisible("use-purpose")
	b.set("use-purpose", "TAX-WH")
	b.click("use-reveal-submit")
	b.waitVisible("stepup-dialog")
	b.waitText("stepup-prompt", "職員証をリーダーに置いてください")
	b.waitText("stepup-reader", reader)
	b.set("stepup-reader", reader)
	s.shot("step-up")
	b.click("stepup-submit")
	b.waitGone("stepup-dialog")
	b.waitVisible("use-revealed-" + pid(yamada.ID))
	if useDigits(b, "use-revealed-"+pid(yamada.ID)) != number {
		t.Fatal("the revealed number is not 山田's")
	}
	s.shot("revealed")

	// --- The 二要素認証 screen lists the card (no UID anywhere on the page).
	b.click("factors-button")
	b.waitVisible("factors-screen")
	b.waitText("factors-mine-row-"+pid(staffCard.ID), "職員証")
	if strings.Contains(strings.ToUpper(b.text("factors-screen")), "047A11") {
		t.Fatal("the card's UID reached the page")
	}
	s.shot("factors-screen")
}

// staffCardOnReader starts a bridge on a private socket and puts a virtual staff card with uid
// on vpcd slot 1 (through the real pcscd) for the rest of the test; it returns the bridge's
// socket and the reader's name. It skips (or fails) the test when pcscd with vpcd is missing.
func staffCardOnReader(t *testing.T, uid []byte) (socket, reader string) {
	t.Helper()
	addr, reader := vpcdReader(t, 1)
	dir := filepath.Join(t.TempDir(), "run")
	l, err := daemon.Listen(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- (&daemon.Server{Keychain: &keychain.Mem{}, ConfigPath: filepath.Join(t.TempDir(), "bridge.json")}).Serve(ctx, l)
	}()
	t.Cleanup(func() { cancel(); <-done })

	keys, err := simcard.GenerateKeys(nil)
	if err != nil {
		t.Fatal(err)
	}
	sim, err := simcard.New(simcard.Config{Keys: keys, UID: uid})
	if err != nil {
		t.Fatal(err)
	}
	ictx, icancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer icancel()
	slot, err := sim.Insert(ictx, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(slot.Pull)
	return bridge.SocketIn(dir), reader
}
