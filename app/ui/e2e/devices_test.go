package e2e

import (
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/ui"
	"github.com/mynumber-shelter/shelter/app/ui/webrpc"
	"github.com/mynumber-shelter/shelter/bridge"
	"github.com/mynumber-shelter/shelter/bridge/daemon"
	"github.com/mynumber-shelter/shelter/devices/card"
	simescl "github.com/mynumber-shelter/shelter/devices/sim/escl"
	"github.com/mynumber-shelter/shelter/internal/keychain"
	"github.com/mynumber-shelter/shelter/internal/testenv"
)

// TestBrowserDevices: the administrator's device panel (M-4) shows the scanner (and, under
// pcscd, the card reader), follows the bridge's events live through /events, and refuses a
// relative hot folder next to the field; then a 担当者 scans a duplex sheet with the eSCL
// simulator in 1-3 STEP2 (読み取り), sees the previews, and records the check: the vault holds
// two documents of the pages' sizes.
func TestBrowserDevices(t *testing.T) {
	if _, err := os.Stat(filepath.Join(distDir, "index.html")); err != nil {
		skipOrFail(t, "frontend not built (run npm run build in frontend/)")
	}
	if err := os.MkdirAll(artifactsDir, 0o755); err != nil {
		t.Fatal(err)
	}
	// The card reader shows when pcscd runs (scripts/with-pcscd.sh); the rest runs anyway.
	openPCSC := card.OpenPCSC
	withReader := false
	p, err := card.OpenPCSC()
	if err == nil {
		var rs []string
		rs, err = p.Readers()
		p.Close()
		withReader = len(rs) > 0
	}
	if !withReader {
		openPCSC = func() (*card.PCSC, error) { return nil, errors.New("no pcscd in this run") }
		t.Logf("pcscd with a reader not available (%v): the reader row is not checked", err)
	}

	state := t.TempDir()
	t.Setenv("SHELTER_BRIDGE_STATE", state)
	dir := filepath.Join(t.TempDir(), "run")
	l, err := daemon.Listen(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- (&daemon.Server{Keychain: &keychain.Mem{}, ConfigPath: filepath.Join(state, "bridge.json"), OpenPCSC: openPCSC}).Serve(ctx, l)
	}()
	t.Cleanup(func() { cancel(); <-done })
	// hold, when set, keeps the next page back until the test releases it (a slow scanner).
	var hold atomic.Bool
	held, release := make(chan struct{}, 1), make(chan struct{})
	var releaseOnce sync.Once
	sim := &simescl.Scanner{Sheets: 1, BeforePage: func(int) {
		if hold.Load() {
			held <- struct{}{}
			<-release
		}
	}}
	ts := httptest.NewTLSServer(sim)
	t.Cleanup(ts.Close)
	t.Cleanup(func() { releaseOnce.Do(func() { close(release) }) }) // runs before Close
	scanner := ui.DeviceScanner{Name: "受付スキャナー", URL: ts.URL + "/eSCL",
		CAPEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw}))}

	cfg := shippedConfig(t, &keychain.Mem{})
	cfg.BridgeSocket, cfg.BridgeCommand = bridge.SocketIn(dir), []string{} // the test's own bridge
	app, err := ui.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = app.Close() })
	events := &webrpc.Events{}
	app.SetEventSink(events.Emit)
	t.Cleanup(app.StartBridge())

	// Through the Go services: the company, tanaka its 担当者, E001 asked; the scanner set up.
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
	if _, err := app.Devices.SetConfig(ui.DeviceConfig{Scanners: []ui.DeviceScanner{scanner}}); err != nil {
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

	url, stop, err := webrpc.ListenLoopback(webrpc.Handler(os.DirFS(distDir), append(app.Services(), events)...))
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
		if err := os.WriteFile(filepath.Join(artifactsDir, fmt.Sprintf("e2e-devices-%02d-%s.png", n, name)), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	login := func(who, pw string) {
		b.waitVisible("login-form")
		b.fill("login-login", who)
		b.fill("login-password", pw)
		b.click("login-submit")
		b.waitVisible("home")
	}

	// --- The administrator's panel.
	b.navigate(url)
	login(adminLogin, adminPassword)
	b.click("menu-M-4")
	b.waitText("dev-bridge-state", "接続中")
	b.waitText("dev-table", "受付スキャナー")
	b.waitText("dev-table", "スキャナー")
	if withReader {
		b.waitText("dev-table", "ICカードリーダー")
		b.waitText("dev-table", "Virtual PCD")
		b.waitText("dev-table", "カードリーダー") // the PC/SC service's detail, in Japanese
	}
	// The bridge's English details read in the UI language.
	if table := b.text("dev-table"); strings.Contains(table, "readers") || strings.Contains(table, "no vein sensor") {
		t.Errorf("M-4 shows the bridge's English: %q", table)
	}
	b.waitVisible("dev-config-scanners.0.name") // the form shows the saved scanner
	var name string
	b.eval(`document.querySelector('[data-testid="dev-config-scanners.0.name"]').value`, &name)
	if name != scanner.Name {
		t.Fatalf("settings form shows scanner %q", name)
	}
	// A change made elsewhere arrives as a bridge event and the table follows (no reload click).
	folder := t.TempDir()
	if _, err := app.Devices.SetConfig(ui.DeviceConfig{Scanners: []ui.DeviceScanner{scanner}, HotFolder: folder}); err != nil {
		t.Fatal(err)
	}
	b.waitText("dev-table", "取り込みフォルダ")
	shot("panel")
	// A relative folder is refused next to its field; nothing is saved.
	b.fill("dev-config-hotFolder", "scans")
	b.click("dev-config-save")
	b.waitText("dev-config-hotFolder-error", "絶対パス")
	if cfg, err := app.Devices.Config(); err != nil || cfg.HotFolder != folder {
		t.Fatalf("refused settings were saved: %+v %v", cfg, err)
	}
	b.fill("dev-config-hotFolder", folder)
	b.click("dev-config-save")
	b.waitVisible("dev-config-saved")

	// The vein sensor on the example external driver: a missing executable is refused next to
	// its field, the example driver is started at once and the panel names it in Japanese;
	// then back to the serial connection.
	driver := testenv.VeinExampleDriver(t)
	b.set("dev-config-veinDriver", "exec")
	b.waitVisible("dev-config-veinDriverPath")
	b.fill("dev-config-veinDriverPath", filepath.Join(t.TempDir(), "no-such-driver"))
	b.click("dev-config-save")
	b.waitText("dev-config-veinDriverPath-error", "見つかりません")
	b.fill("dev-config-veinDriverPath", driver)
	b.set("dev-config-veinDriverArgs", "-dir\n"+t.TempDir()+"\n-serial\nE2E0001")
	b.click("dev-config-save")
	b.waitVisible("dev-config-saved")
	b.waitText("dev-table", "外部ドライバー shelter-vein-example")
	b.waitText("dev-table", "E2E0001")
	if cfg, err := app.Devices.Config(); err != nil || cfg.VeinDriver != "exec" || cfg.VeinDriverPath != driver {
		t.Fatalf("driver settings: %+v %v", cfg, err)
	}
	shot("vein-driver")
	b.set("dev-config-veinDriver", "serial")
	b.waitVisible("dev-config-veinPort")
	b.click("dev-config-save")
	b.waitVisible("dev-config-saved")
	b.waitText("dev-table", "静脈センサーが設定されていません")
	b.click("logout")

	// --- STEP2 with the scanner.
	login("tanaka", tanakaPW)
	b.click("menu-1-3")
	b.waitText("col-status-E001", "依頼済")
	b.click("col-check-E001")
	b.waitVisible("col-check-form")
	b.click("col-check-channel-in_person")
	b.set("col-check-numberDoc", "mynumber_card")
	b.waitText("scan-scanner", "受付スキャナー")
	b.waitVisible("scan-inbox-empty")
	b.set("scan-source", "Feeder")
	// A scan held by a slow scanner is cancelled with 中止: nothing is attached.
	hold.Store(true)
	b.click("scan-start")
	select {
	case <-held:
	case <-time.After(stepTimeout):
		t.Fatal("the scanner was never asked for a page")
	}
	b.waitVisible("scan-cancel")
	b.click("scan-cancel")
	b.waitText("col-check-form", "読み取りを中止しました")
	hold.Store(false)
	releaseOnce.Do(func() { close(release) })
	b.waitHidden("scan-cancel")
	sim.LoadSheets(1) // the cancelled job took the sheet out of the feeder
	b.click("scan-duplex")
	b.click("scan-start")
	b.waitText("scan-progress", "2枚を読み取り")
	b.waitVisible("scan-thumb-scan-1")
	b.waitText("col-check-file-1-name", "scan-2.jpg")
	b.waitText("col-check-problems", "問題ありません")
	var thumbs int
	b.eval(`[...document.querySelectorAll('[data-testid="scan-thumbs"] img')].filter(i => i.naturalWidth > 0).length`, &thumbs)
	if thumbs != 2 {
		t.Errorf("%d previews drawn, want 2", thumbs)
	}
	shot("scanned")
	b.click("col-check-record")
	b.waitText("col-check-recorded", "確認済")
	b.waitGone("col-check-file-0")
	shot("recorded")

	// The pages of the duplex job, the last one (the cancelled job's page may have been sent,
	// but it was never kept).
	var served []simescl.Served
	all := sim.Served()
	for _, p := range all {
		if p.Job == all[len(all)-1].Job {
			served = append(served, p)
		}
	}
	var sizes []int
	err = app.DB.View(context.Background(), func(tx *store.Tx) error {
		rows, err := tx.Query(`SELECT size FROM person_documents WHERE person_id = ? ORDER BY id`, e1.ID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var n int
			if err := rows.Scan(&n); err != nil {
				return err
			}
			sizes = append(sizes, n)
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(served) != 2 || !slices.Equal(sizes, []int{served[0].Size, served[1].Size}) {
		t.Fatalf("documents of sizes %v recorded; the scanner served %+v", sizes, served)
	}
}
