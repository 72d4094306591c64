package e2e

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/mynumber-shelter/shelter/app/ui"
	"github.com/mynumber-shelter/shelter/app/ui/webrpc"
	"github.com/mynumber-shelter/shelter/internal/keychain"
)

// TestBrowserRecovery loses the workstation's keychain and comes back with the Recovery Kit:
// the app must open on the recovery screen with the problem stated (fail closed, no login
// form), and the kit, an administrator's login and a new password must restore access.
func TestBrowserRecovery(t *testing.T) {
	if _, err := os.Stat(filepath.Join(distDir, "index.html")); err != nil {
		skipOrFail(t, "frontend not built (run npm run build in frontend/)")
	}
	if err := os.MkdirAll(artifactsDir, 0o755); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	kc := &keychain.Mem{}
	cfg := shippedConfig(t, kc)
	cfg.VaultDir = dir

	// A vault set up and closed, as after a normal day.
	first, err := ui.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	kit := setUp(t, first, ui.Office{Name: officeName, Kind: "sharoushi"})
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}

	// The keychain is lost (new OS profile, reinstalled machine).
	for _, acct := range kc.Accounts() {
		if err := kc.Delete(acct); err != nil {
			t.Fatal(err)
		}
	}
	app, err := ui.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = app.Close() })
	url, stop, err := webrpc.ListenLoopback(webrpc.Handler(os.DirFS(distDir), app.Services()...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	b := startBrowser(t, artifactsDir)
	b.shots = 50 // numbered after the journey's screenshots
	b.navigate(url)

	b.waitVisible("recover-screen")
	b.waitText("problem", "キーチェーン")
	var backToLogin bool
	b.eval(`!!document.querySelector('[data-testid="recover-back"]')`, &backToLogin)
	if backToLogin {
		t.Error("the recovery screen offers the login form although the vault cannot be opened")
	}
	b.shot("recovery-problem")

	// A wrong key is refused.
	b.fill("recover-recoveryKey", "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH-JJJJ-KKKK-MMMM-NNNN-PPPP-QQQQ")
	b.fill("recover-login", adminLogin)
	b.fill("recover-password", "a brand new long passphrase")
	b.fill("recover-confirm", "a brand new long passphrase")
	b.click("recover-submit")
	b.waitText("recover-recoveryKey-error", "リカバリーキー")
	b.shot("recovery-wrong-key")

	b.fill("recover-recoveryKey", kit.Key)
	b.click("recover-submit")
	// The kit that was used may be replaced at once; then the administrator types the new one back.
	if b.waitAny("home", "kit-renewal-screen") == "kit-renewal-screen" {
		b.shot("recovery-new-kit")
		b.fill("renew-password", "a brand new long passphrase")
		b.click("renew-submit")
		b.waitVisible("recovery-kit")
		var key string
		b.eval(`[...document.querySelectorAll('[data-testid="kit-key-groups"] .kit-group')].map(e => e.textContent).join("-")`, &key)
		b.click("kit-written")
		b.fill("kit-key", key)
		b.click("kit-confirm")
		b.waitVisible("home")
	}
	b.waitText("header-user", adminName)
	b.shot("recovery-home")

	// The new password works for a fresh login.
	b.click("logout")
	b.waitVisible("login-form")
	b.fill("login-login", adminLogin)
	b.fill("login-password", "a brand new long passphrase")
	b.click("login-submit")
	b.waitVisible("home")
	b.click("menu-2-1")
	b.waitText("verify-badge", "改ざんなし")
	b.waitText("history-rows", "リカバリー")
}
