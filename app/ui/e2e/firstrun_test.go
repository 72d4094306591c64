package e2e

import (
	"strings"
	"testing"

	"github.com/mynumber-shelter/shelter/app/ui"
	"github.com/mynumber-shelter/shelter/internal/keychain"
)

// TestBrowserFirstRunStaffCard is the first run of an office with a card reader, in the shipped
// configuration (a second factor required): the wizard enrols the administrator's staff card on
// the (virtual) reader before the Recovery Kit, the kit written down is typed back and the menu
// opens. The next login asks for the card, and so does a recovery with that kit. Needs pcscd
// with vpcd (slot 1) and Chromium. (TestBrowserJourney is the same first run without a reader.)
func TestBrowserFirstRunStaffCard(t *testing.T) {
	prepareShots(t, "firstrun")
	socket, reader := staffCardOnReader(t, []byte{0x04, 0x5B, 0x21, 0x32, 0x43, 0x54, 0x65})
	cfg := shippedConfig(t, &keychain.Mem{})
	cfg.BridgeSocket = socket
	app, err := ui.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = app.Close() })
	b, url := openBrowser(t, app)
	s := &storyShots{b: b, story: "firstrun"}
	b.navigate(url)

	b.waitVisible("setup-office")
	b.fill("office-name", officeName)
	b.click("office-kind-sharoushi")
	b.click("setup-next")
	b.waitVisible("setup-admin")
	b.fill("admin-login", adminLogin)
	b.fill("admin-displayName", adminName)
	b.fill("admin-password", adminPassword)
	b.fill("admin-confirm", adminPassword)
	b.click("setup-create")

	// The factor step: the staff card on the reader, with the password just chosen.
	b.waitVisible("setup-factor")
	b.waitText("setup-enrol-prompt", "職員証をリーダーに置いてください")
	b.waitText("setup-enrol-reader", reader)
	b.set("setup-enrol-kind", "card")
	b.set("setup-enrol-reader", reader)
	b.fill("setup-enrol-label", "職員証")
	b.fill("setup-enrol-password", adminPassword)
	s.shot("factor")
	b.click("setup-enrol-submit")

	// The kit, written down and typed back: the wizard ends on the menu.
	key := typeKitBack(b)
	b.waitVisible("home")
	b.waitText("header-user", adminName)
	b.waitVisible("menu-M-1")
	s.shot("menu")
	if st, err := app.Factors.Settings(); err != nil || st.Policy != "required" {
		t.Fatalf("the office policy after a first run with a card: %+v %v", st, err)
	}

	// The next login asks for the card.
	b.click("logout")
	submitLogin(b, adminLogin, adminPassword)
	b.waitVisible("factor-step")
	b.set("factor-login-reader", reader)
	b.click("factor-login-submit")
	b.waitVisible("home")

	// A recovery with the kit written down replaces the password, not the card.
	const recovered = "a recovered long passphrase"
	b.click("logout")
	b.waitVisible("login-form")
	b.click("to-recover")
	b.fill("recover-recoveryKey", key)
	b.fill("recover-login", adminLogin)
	b.fill("recover-password", recovered)
	b.fill("recover-confirm", recovered)
	b.click("recover-submit")
	b.waitVisible("factor-step")
	s.shot("recovery-factor")
	b.set("factor-login-reader", reader)
	b.click("factor-login-submit")
	if b.waitAny("home", "kit-renewal-screen") == "kit-renewal-screen" {
		b.fill("renew-password", recovered)
		b.click("renew-submit")
		typeKitBack(b)
		b.waitVisible("home")
	}
	b.waitText("header-user", adminName)
}

// typeKitBack reads the Recovery Kit on the screen as the user writes it down, types it back
// and returns it.
func typeKitBack(b *browser) string {
	b.t.Helper()
	b.waitVisible("recovery-kit")
	var key string
	b.eval(`[...document.querySelectorAll('[data-testid="kit-key-groups"] .kit-group')].map(e => e.textContent).join("-")`, &key)
	if len(strings.ReplaceAll(key, "-", "")) < 20 {
		b.t.Fatalf("recovery key on screen is too short to be a key: %d characters", len(key))
	}
	b.click("kit-written")
	b.waitVisible("kit-confirm-form")
	b.fill("kit-key", key)
	b.click("kit-confirm")
	return key
}
