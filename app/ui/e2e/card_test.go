package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/mynumber-shelter/shelter/app/ui"
	"github.com/mynumber-shelter/shelter/app/ui/webrpc"
	"github.com/mynumber-shelter/shelter/bridge"
	"github.com/mynumber-shelter/shelter/bridge/daemon"
	"github.com/mynumber-shelter/shelter/devices/card"
	simcard "github.com/mynumber-shelter/shelter/devices/sim/card"
	"github.com/mynumber-shelter/shelter/internal/keychain"
	"github.com/mynumber-shelter/shelter/internal/testenv"
)

// TestBrowserCard is the front desk of 1-3: the employee's My Number card on the (virtual)
// reader, the tries shown before the PIN, a wrong PIN told with the tries left, then the right
// one: the board shows 登録済 and the dialog the masked number. Needs pcscd with vpcd (slot 1)
// and Chromium.
func TestBrowserCard(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat(filepath.Join(distDir, "index.html")); err != nil {
		skipOrFail(t, "frontend not built (run npm run build in frontend/)")
	}
	addr, reader := vpcdReader(t, 1)
	if err := os.MkdirAll(artifactsDir, 0o755); err != nil {
		t.Fatal(err)
	}

	// The bridge on a private socket, the app pointed at it.
	dir := filepath.Join(t.TempDir(), "run")
	l, err := daemon.Listen(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- (&daemon.Server{Keychain: &keychain.Mem{}}).Serve(ctx, l) }()
	t.Cleanup(func() { cancel(); <-done })
	cfg := shippedConfig(t, &keychain.Mem{})
	cfg.BridgeSocket = bridge.SocketIn(dir)
	app, err := ui.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = app.Close() })

	// Through the Go services: the company, tanaka its 担当者, E001 asked (依頼済).
	setUp(t, app, ui.Office{Name: officeName, Kind: "sharoushi"})
	company, err := app.Company.Create(ui.Company{Code: "C001", Name: companyName, CorporateNumber: validCorpNo})
	if err != nil {
		t.Fatal(err)
	}
	tanaka, err := app.Users.Create(ui.UserInput{Login: "tanaka", DisplayName: "田中 一郎"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.Handlers.Set(company.ID, []int64{tanaka.User.ID}, []int64{tanaka.User.ID}); err != nil {
		t.Fatal(err)
	}
	const tanakaPW = "ichiro keeps a long passphrase"
	if err := app.Session.Logout(); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Session.Login("tanaka", tanaka.Password); err != nil {
		t.Fatal(err)
	}
	if err := app.Session.ChangePassword(tanaka.Password, tanakaPW); err != nil {
		t.Fatal(err)
	}
	e1, err := app.Employees.SaveEmployee(ui.Employee{CompanyID: company.ID, Code: "E001", Name: "番号 花子", NameKana: "バンゴウ ハナコ",
		BirthDate: "1985-04-01"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.Collect.CreateRequest(ui.CollectRequestInput{CompanyID: company.ID, Title: "入社時", EmployeeIDs: []int64{e1.ID},
		Purposes: []string{"TAX-WH"}, InPerson: "本社2階 人事部"}); err != nil {
		t.Fatal(err)
	}
	if err := app.Session.Logout(); err != nil {
		t.Fatal(err)
	}

	keys, err := simcard.GenerateKeys(nil)
	if err != nil {
		t.Fatal(err)
	}
	sim, err := simcard.New(simcard.Config{Keys: keys, Name: "番号 花子", Address: "鹿児島県鹿児島市山下町11番1号"})
	if err != nil {
		t.Fatal(err)
	}
	ictx, icancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer icancel()
	slot, err := sim.Insert(ictx, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer slot.Pull()

	url, stop, err := webrpc.ListenLoopback(webrpc.Handler(os.DirFS(distDir), app.Services()...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	b := startBrowser(t, artifactsDir)
	n := 0
	shot := func(name string) {
		var png []byte
		b.run("screenshot "+name, chromedp.CaptureScreenshot(&png))
		n++
		if err := os.WriteFile(filepath.Join(artifactsDir, fmt.Sprintf("e2e-card-%02d-%s.png", n, name)), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b.navigate(url)
	b.waitVisible("login-form")
	b.fill("login-login", "tanaka")
	b.fill("login-password", tanakaPW)
	b.click("login-submit")
	b.waitVisible("home")
	b.click("menu-1-3")
	b.waitText("col-status-E001", "依頼済")

	// The dialog: the reader, the tries left before any PIN.
	b.click("col-card-E001")
	b.waitVisible("card-dialog")
	b.set("card-reader", reader) // vpcd has two readers; slot 0 is empty
	b.waitText("card-retries", "残り回数: 3")
	var pinType, pinMode string
	b.eval(`document.querySelector('[data-testid="card-pin"]').type`, &pinType)
	b.eval(`document.querySelector('[data-testid="card-pin"]').inputMode`, &pinMode)
	if pinType != "password" || pinMode != "numeric" {
		t.Fatalf("PIN input is %s/%s", pinType, pinMode)
	}
	// A wrong PIN: the tries left are told, the input is emptied.
	b.fill("card-pin", "9999")
	b.click("card-read")
	b.waitText("card-pin-error", "残り2回")
	b.waitText("card-retries", "残り回数: 2")
	var left string
	b.eval(`document.querySelector('[data-testid="card-pin"]').value`, &left)
	if left != "" {
		t.Fatal("the PIN stayed in the input after the call")
	}
	shot("wrong-pin")
	// The right PIN: read, checked and registered.
	b.fill("card-pin", simcard.DefaultPIN)
	b.click("card-read")
	b.waitText("card-done", "登録しました")
	b.waitText("card-masked", "**** **** 9018")
	b.waitText("card-name", "番号 花子")
	b.waitText("card-birth", "1985-04-01")
	shot("done")
	if strings.Contains(b.text("card-dialog"), simcard.TestNumber) {
		t.Fatal("the full number reached the page")
	}
	b.click("card-close")
	b.waitText("col-status-E001", "登録済")
}

// vpcdReader reserves vpcd slot for the test and checks that the real pcscd lists its reader;
// it returns the slot's vpcd address and the reader's name. It skips (or fails) the test when
// pcscd with vpcd is missing.
func vpcdReader(t *testing.T, slot int) (addr, reader string) {
	t.Helper()
	addr, reader = testenv.VPCDSlot(t, slot)
	testenv.NeedPCSCReader(t, reader, card.ListReaders)
	return addr, reader
}
