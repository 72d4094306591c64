package e2e

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/mynumber-shelter/shelter/app/jpdate"

	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/ui"
	"github.com/mynumber-shelter/shelter/app/ui/webrpc"
	"github.com/mynumber-shelter/shelter/internal/keychain"
)

// Paths relative to this package's directory (go test runs in it).
const (
	distDir      = "../../../frontend/dist"
	artifactsDir = "../../../build/test-artifacts"
)

// Obviously fake people and companies. 7000012050002 is the corporate number of the
// National Tax Agency's own example (its check digit is valid); 8000012050002 differs only in
// the check digit.
const (
	officeName    = "テスト社会保険労務士事務所"
	renamedOffice = "テスト社労士法人 本店"
	adminLogin    = "admin"
	adminName     = "山田 太郎"
	adminPassword = "correct horse battery staple"
	companyName   = "株式会社テスト商事"
	validCorpNo   = "7000012050002"
	invalidCorpNo = "8000012050002"
)

var japanese = regexp.MustCompile(`[\p{Hiragana}\p{Katakana}\p{Han}]`)

func newApp(t *testing.T) *ui.App {
	t.Helper()
	return newAppAt(t, nil)
}

// offsetClock is the real time plus an offset a test moves forward (never back), so that one
// installation's edit is later than another's without the test sleeping.
type offsetClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *offsetClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}
func (c *offsetClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// newAppAt is newApp with the App's clock now (nil: the real time).
func newAppAt(t *testing.T, now func() time.Time) *ui.App {
	t.Helper()
	var kc keychain.Keychain = &keychain.Mem{}
	if os.Getenv("SHELTER_REQUIRE_KEYRING") == "1" {
		rk := &recordingKeychain{Keychain: keychain.OS()}
		t.Cleanup(rk.deleteAll) // leave nothing behind in the user's keychain
		kc = rk
	}
	cfg := shippedConfig(t, kc)
	cfg.Now = now
	app, err := ui.New(cfg)
	if err != nil {
		t.Fatalf("ui.New: %v", err)
	}
	t.Cleanup(func() { _ = app.Close() })
	return app
}

// recordingKeychain remembers the accounts written through it so a test can remove them.
type recordingKeychain struct {
	keychain.Keychain
	mu       sync.Mutex
	accounts []string
}

func (r *recordingKeychain) Set(account string, secret []byte) error {
	r.mu.Lock()
	r.accounts = append(r.accounts, account)
	r.mu.Unlock()
	return r.Keychain.Set(account, secret)
}

func (r *recordingKeychain) deleteAll() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, a := range r.accounts {
		_ = r.Keychain.Delete(a)
	}
}

// TestBrowserJourney walks the product as its first users would: setup, users, a client
// company, its handlers, the history, and a new user's first login.
func TestBrowserJourney(t *testing.T) {
	if _, err := os.Stat(filepath.Join(distDir, "index.html")); err != nil {
		skipOrFail(t, "frontend not built (run npm run build in frontend/)")
	}
	if err := os.MkdirAll(artifactsDir, 0o755); err != nil {
		t.Fatal(err)
	}
	old, _ := filepath.Glob(filepath.Join(artifactsDir, "e2e-*.png"))
	for _, f := range old { // the screenshots must all come from this run
		_ = os.Remove(f)
	}
	app := newApp(t)
	url, stop, err := webrpc.ListenLoopback(webrpc.Handler(os.DirFS(distDir), app.Services()...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	b := startBrowser(t, artifactsDir)
	b.navigate(url)

	// --- Setup wizard, step 1: the office.
	b.waitVisible("setup-office")
	b.shot("setup-office")
	b.fill("office-name", officeName)
	b.fill("office-nameKana", "テストシャカイホケンロウムシジムショ")
	b.click("office-kind-sharoushi")
	b.fill("office-address", "東京都千代田区霞が関3-1-1")
	b.fill("office-phone", "03-0000-0000")
	b.click("setup-next")

	// Step 2: the first administrator. Mismatched confirmation is caught before Go is asked.
	b.waitVisible("setup-admin")
	b.fill("admin-login", adminLogin)
	b.fill("admin-displayName", adminName)
	b.fill("admin-password", adminPassword)
	b.fill("admin-confirm", adminPassword+"x")
	b.click("setup-create")
	b.waitText("admin-confirm-error", "一致しません")
	b.fill("admin-confirm", adminPassword)
	b.waitText("admin-strength", "強い")
	b.shot("setup-admin")
	b.click("setup-create")

	// Step 3: the second factor, which the shipped configuration requires. This office has no
	// reader: the administrator makes it optional, which needs a reason (kept in the history).
	b.waitVisible("setup-factor")
	b.waitVisible("setup-enrol-form")
	b.shot("setup-factor")
	b.click("setup-optional-submit")
	b.waitText("setup-optional-reason-error", "理由")
	b.fill("setup-optional-reason", noReaderReason)
	b.click("setup-optional-submit")

	// Step 4: the Recovery Kit, typed back.
	b.waitVisible("recovery-kit")
	b.waitText("kit-office", officeName)
	var key string
	b.eval(`[...document.querySelectorAll('[data-testid="kit-key-groups"] .kit-group')].map(e => e.textContent).join("-")`, &key)
	if len(strings.ReplaceAll(key, "-", "")) < 20 {
		t.Fatalf("recovery key on screen is too short to be a key: %d characters", len(key))
	}
	b.shot("setup-kit")
	// Printing shows the kit alone on one page.
	pdf := b.printPDF()
	if err := os.WriteFile(filepath.Join(artifactsDir, "e2e-recovery-kit.pdf"), pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(pdf, []byte("/Type /Page\n")) + bytes.Count(pdf, []byte("/Type /Page\r")) + bytes.Count(pdf, []byte("/Type /Page>")) + bytes.Count(pdf, []byte("/Type /Page/")); n != 1 {
		t.Errorf("the Recovery Kit prints on %d pages, want 1", n)
	}
	b.click("kit-written")
	b.waitVisible("kit-confirm-form")
	b.fill("kit-key", "WRONG-KEY-0000")
	b.click("kit-confirm")
	b.waitText("kit-key-error", "一致しません")
	b.fill("kit-key", strings.ToLower(key))
	b.click("kit-confirm")

	// --- Home: header, menu, greyed future screens.
	b.waitVisible("home")
	if e := auditEntries(t, app, "setting_change"); !slices.ContainsFunc(e, func(e audit.Entry) bool {
		return strings.Contains(e.Detail, "optional (chosen at the enrolment step); reason: "+noReaderReason)
	}) {
		t.Error("the first run's choice of an optional second factor is not in the history with its reason")
	}
	b.waitText("header-office", officeName)
	b.waitText("header-user", adminName)
	b.waitText("version", "0.0.0-e2e")
	b.waitVisible("menu-M-1")
	var unavailable int
	b.eval(`document.querySelectorAll('.menu-item.unavailable').length`, &unavailable)
	// Every screen Go marks not yet available is greyed (1-2 is available since its screen exists).
	menu, err := app.Session.Menu()
	if err != nil {
		t.Fatal(err)
	}
	want, later := 0, "" // later: a screen not built yet, if any is left
	for _, sec := range menu {
		for _, it := range sec.Items {
			if !it.Available {
				want++
				later = it.ID
			}
		}
	}
	if unavailable != want {
		t.Errorf("%d greyed menu items, want the %d not-yet-available screens", unavailable, want)
	}
	if later != "" {
		b.waitText("menu-"+later, "今後のリリースで提供")
		var clickable bool
		b.eval(`!!document.querySelector('[data-testid="menu-`+later+`"] button, button[data-testid="menu-`+later+`"]')`, &clickable)
		if clickable {
			t.Error("an unavailable menu item is a button")
		}
	}
	for _, section := range []string{"導入・設定", "1. 取得・収集", "2. 保管・確認", "3. 利用・提供", "4. 廃棄・証明", "ログアウト"} {
		b.waitText("menu", section)
	}
	b.waitText("welcome-title", adminName)
	b.shot("home")

	// English and back.
	b.click("lang-toggle")
	b.waitText("last-login", "Previous login")
	b.waitText("menu", "Office settings")
	b.shot("home-en")
	b.click("lang-toggle")
	b.waitText("last-login", "前回ログイン情報")

	// --- M-2: two users, each with a temporary password shown once.
	b.click("menu-M-2")
	b.waitVisible("users-table")
	tempSato := addUser(b, "sato", "佐藤 花子")
	b.shot("users-temp-password")
	b.click("temp-password-done")
	b.waitGone("temp-password-dialog")
	_ = addUser(b, "suzuki", "鈴木 一郎")
	b.click("temp-password-done")
	b.waitText("user-row-sato", "佐藤 花子")
	b.waitText("user-row-suzuki", "鈴木 一郎")
	b.waitText("user-state-sato", "有効")
	b.waitText("user-state-sato", "パスワード変更待ち")
	b.shot("users")

	// Disable and enable again; a new temporary password for suzuki.
	b.click("user-disable-suzuki")
	b.click("disable-confirm-ok")
	b.waitText("user-state-suzuki", "無効")
	b.click("user-enable-suzuki")
	b.waitText("user-state-suzuki", "有効")
	b.click("user-reset-suzuki")
	b.click("reset-confirm-ok")
	b.waitVisible("temp-password")
	b.click("temp-password-done")
	b.waitGone("temp-password-dialog")

	// --- M-1: the office is edited; the header follows.
	b.click("menu-M-1")
	b.waitVisible("office-form")
	b.fill("office-name", renamedOffice)
	b.fill("office-representative", adminName)
	b.click("office-save")
	b.waitVisible("office-saved")
	b.waitText("header-office", renamedOffice)
	if o, err := app.Office.Get(); err != nil || o.Name != renamedOffice || o.Representative != adminName {
		t.Fatalf("office after save: %+v, %v", o, err)
	}

	// --- M-3: an invalid 法人番号 is refused next to the field and nothing is saved.
	b.click("menu-M-3")
	b.waitVisible("companies-empty")
	b.click("company-add")
	b.fill("company-name", companyName)
	b.fill("company-corporateNumber", invalidCorpNo)
	b.set("company-consignFrom", "2025-04-01")
	b.set("company-consignTo", "2026-03-31")
	b.click("company-save")
	b.waitText("company-corporateNumber-error", "法人番号")
	if msg := b.text("company-corporateNumber-error"); !japanese.MatchString(msg) {
		t.Errorf("corporate number error is not in Japanese: %q", msg)
	}
	b.shot("company-invalid")
	b.click("company-cancel")
	b.waitVisible("companies-empty")
	if cs, err := app.Company.List(true); err != nil || len(cs) != 0 {
		t.Fatalf("after the refused save: %d companies, err %v; want none", len(cs), err)
	}
	b.click("company-add")
	b.fill("company-name", companyName)
	b.fill("company-corporateNumber", validCorpNo)
	b.set("company-consignFrom", "2025-04-01")
	b.set("company-consignTo", "2026-03-31")
	b.click("company-save")
	b.waitText("companies-table", companyName)
	b.waitText("companies-table", validCorpNo)
	b.waitText("companies-table", "2025-04-01 〜 2026-03-31")
	b.shot("companies")
	cs, err := app.Company.List(false)
	if err != nil || len(cs) != 1 {
		t.Fatalf("companies: %d, err %v; want 1", len(cs), err)
	}
	companyID := cs[0].ID

	// --- 1-1: sato manages, suzuki handles.
	b.click("menu-1-1")
	b.set("handlers-company", strconv.FormatInt(companyID, 10))
	b.waitVisible("manager-sato")
	b.click("manager-sato")
	b.click("handler-suzuki")
	b.click("handlers-save")
	b.waitVisible("handlers-saved")
	b.shot("handlers")
	// A role given to the administrator at the keyboard takes effect at once, and so does its
	// removal: 3-1 opens and greys without a logout.
	var open bool
	if b.eval(`!!document.querySelector('button[data-testid="menu-3-1"]')`, &open); open {
		t.Fatal("3-1 is open for the administrator before any role")
	}
	b.click("handler-" + adminLogin)
	b.click("handlers-save")
	b.waitVisible("handlers-saved")
	// The button appears once the menu is fetched again.
	b.run("wait for 3-1 to open", chromedp.WaitVisible(`button[data-testid="menu-3-1"]`, chromedp.ByQuery))
	b.click("handler-" + adminLogin)
	b.click("handlers-save")
	b.waitText("menu-3-1", "設定されていません")
	got, err := app.Handlers.Get(companyID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Managers) != 1 || got.Managers[0].Login != "sato" || len(got.Handlers) != 1 || got.Handlers[0].Login != "suzuki" {
		t.Fatalf("assignment saved as managers %v handlers %v", got.Managers, got.Handlers)
	}

	// --- 2-1: the history shows what was done, and the chain verifies.
	b.click("menu-2-1")
	b.waitText("verify-badge", "改ざんなし")
	b.waitText("verify-badge", "履歴 #1〜#") // the administrator's sessions sealed what they wrote, from setup on
	b.waitText("verify-badge", "ログイン中の封印とも一致")
	for _, action := range []string{"初期設定", "ログイン", "ユーザー登録", "契約企業登録", "取扱者設定変更"} {
		b.waitText("history-rows", action)
	}
	b.shot("history")
	// The report workbook of the same filter: the export is made, saved and itself recorded.
	b.click("history-export-xlsx")
	b.waitText("history-export-done", ".xlsx")
	var rows string
	b.eval(`document.querySelector('[data-testid="history-export-done"]').dataset.rows`, &rows)
	if n, _ := strconv.Atoi(rows); n < 5 {
		t.Fatalf("history report has %q rows", rows)
	}

	// Lock and unlock with the password.
	b.click("lock-button")
	b.waitVisible("unlock-screen")
	b.fill("unlock-password", "not the password")
	b.click("unlock-submit")
	b.waitText("unlock-password-error", "パスワード")
	b.fill("unlock-password", adminPassword)
	b.click("unlock-submit")
	b.waitVisible("home")

	// A lock made behind the window's back (idle timeout in Go) shows on the next call.
	b.waitText("verify-badge", "改ざんなし") // the screen shown again (2-1) has finished loading
	if err := app.Session.Lock(); err != nil {
		t.Fatal(err)
	}
	b.click("menu-M-1")
	b.waitVisible("unlock-screen")
	b.fill("unlock-password", adminPassword)
	b.click("unlock-submit")
	b.waitVisible("home")

	// --- Logout; a failed login; the new user's first login.
	b.click("logout")
	b.waitVisible("login-form")
	b.fill("login-login", "sato")
	b.fill("login-password", "definitely-wrong-password")
	b.click("login-submit")
	b.waitVisible("login-error")
	if msg := b.text("login-error"); !japanese.MatchString(msg) {
		t.Errorf("failed login message is not in Japanese: %q", msg)
	}
	b.shot("login-failed")
	// An error that is not ours (the webview's own, in the OS language) is told in the UI
	// language, with the raw text kept as the detail.
	b.eval(`(() => { const s = window.go.ui.SessionService; window.__login = s.Login;
		s.Login = () => Promise.reject(new Error("Load failed")); return true; })()`, nil)
	b.click("login-submit")
	b.waitText("login-error", "予期しないエラー")
	if msg := b.text("login-error"); !strings.Contains(msg, "詳細: Load failed") {
		t.Errorf("an unexpected error reads %q, want the Japanese message with the raw detail", msg)
	}
	b.eval(`(() => { window.go.ui.SessionService.Login = window.__login; return true; })()`, nil)
	b.fill("login-login", "sato")
	b.fill("login-password", tempSato)
	b.click("login-submit")
	b.waitVisible("change-form")
	b.fill("change-current", tempSato)
	// A password containing the login ID is refused by Go, next to the field.
	b.fill("change-password", "sato's own long passphrase")
	b.fill("change-confirm", "sato's own long passphrase")
	b.click("change-submit")
	b.waitText("change-password-error", "ログインID")
	b.shot("change-password-refused")
	b.fill("change-current", tempSato)
	b.fill("change-password", "hanako keeps a long passphrase")
	b.fill("change-confirm", "hanako keeps a long passphrase")
	b.click("change-submit")
	b.waitVisible("home")
	b.waitText("header-user", "佐藤 花子")
	b.waitText("welcome-title", "佐藤 花子")
	// sato is not an administrator: the settings are greyed with Go's reason.
	b.waitText("menu-M-2", "システム管理者のみ")
	b.shot("home-sato")

	// sato manages the company, so 2-1 is open for it (and only for it).
	b.click("menu-2-1")
	b.waitText("verify-badge", "改ざんなし")
	b.waitText("history-rows", "取扱者設定変更")
	b.waitText("history-rows", companyName)
	// Go's words, not the log's: the handlers named in Japanese, the company by name.
	b.waitText("history-rows", "事務取扱責任者：")
	b.waitText("history-rows", "契約企業 "+companyName)
	b.shot("history-sato")

	// The administrator sees the failed login in 2-1, and the previous session in the header.
	b.click("logout")
	b.waitVisible("login-form")
	b.fill("login-login", adminLogin)
	b.fill("login-password", adminPassword)
	b.click("login-submit")
	b.waitVisible("home")
	// 前回ログイン情報 in Japan time (the browser runs in Los Angeles time), in 和暦 until the
	// clerk switches the header to ISO dates, which then applies everywhere.
	st, err := app.Session.State()
	if err != nil {
		t.Fatal(err)
	}
	prevIn, err := time.Parse(time.RFC3339Nano, st.PreviousIn)
	if err != nil {
		t.Fatalf("previous IN %q: %v", st.PreviousIn, err)
	}
	jstIn := prevIn.In(time.FixedZone("JST", 9*3600))
	if in, want := b.text("previous-in"), jpdate.Wareki(jstIn)+" "+jstIn.Format("15:04:05"); in != want {
		t.Errorf("前回ログイン情報 IN shows %q, want %q (和暦, JST)", in, want)
	}
	b.click("date-style-toggle")
	if in, want := b.text("previous-in"), jstIn.Format("2006-01-02 15:04:05"); in != want {
		t.Errorf("with ISO dates, IN shows %q, want %q", in, want)
	}
	b.click("date-style-toggle")
	b.click("menu-2-1")
	b.waitText("verify-badge", "改ざんなし")
	b.set("history-action", "login_failed")
	b.click("history-search")
	b.waitText("history-rows", "ログイン失敗")
	b.waitText("history-rows", "sato")
	b.shot("history-login-failed")
}

// addUser creates a user through the M-2 dialog and returns the temporary password shown.
func addUser(b *browser, login, name string) string {
	b.t.Helper()
	b.click("user-add")
	b.waitVisible("user-form")
	b.fill("user-login", login)
	b.fill("user-displayName", name)
	b.fill("user-email", login+"@example.invalid")
	b.click("user-save")
	b.waitVisible("temp-password")
	pw := strings.TrimSpace(b.text("temp-password"))
	if len(pw) < 8 {
		b.t.Fatalf("temporary password for %s is %d characters", login, len(pw))
	}
	if exp := b.text("temp-expires"); !regexp.MustCompile(`^令和(元|\d+)年\d+月\d+日 \d{2}:\d{2}:\d{2}$`).MatchString(exp) {
		b.t.Errorf("expiry shown as %q, want 令和N年M月D日 HH:MM:SS", exp)
	}
	return pw
}
