package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/ui"
	"github.com/mynumber-shelter/shelter/app/ui/webrpc"
	"github.com/mynumber-shelter/shelter/app/vault"
	cloudstore "github.com/mynumber-shelter/shelter/cloud/store"
	"github.com/mynumber-shelter/shelter/internal/keychain"
	"github.com/mynumber-shelter/shelter/internal/relaytest"
	"github.com/mynumber-shelter/shelter/internal/testenv"
)

// The passphrases the stories' staff choose when they replace their temporary passwords.
const (
	satoPassword   = "hanako keeps a long passphrase"
	tanakaPassword = "ichiro keeps a long passphrase"
)

// prepareShots skips (or fails) the story when the frontend is not built, and removes the
// story's screenshots from an earlier run (e2e-<story>-*.png).
func prepareShots(t *testing.T, story string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(distDir, "index.html")); err != nil {
		skipOrFail(t, "frontend not built (run npm run build in frontend/)")
	}
	if err := os.MkdirAll(artifactsDir, 0o755); err != nil {
		t.Fatal(err)
	}
	old, _ := filepath.Glob(filepath.Join(artifactsDir, "e2e-"+story+"-*.png"))
	for _, f := range old {
		_ = os.Remove(f)
	}
}

// storyShots numbers a story's screenshots e2e-<story>-NN-name.png, apart from
// TestBrowserJourney's.
type storyShots struct {
	b     *browser
	story string
	n     int
}

func (s *storyShots) shot(name string) {
	s.b.t.Helper()
	var png []byte
	s.b.run("screenshot "+name, chromedp.CaptureScreenshot(&png))
	s.n++
	p := filepath.Join(s.b.artifacts, fmt.Sprintf("e2e-%s-%02d-%s.png", s.story, s.n, name))
	if err := os.WriteFile(p, png, 0o644); err != nil {
		s.b.t.Fatalf("saving screenshot: %v", err)
	}
}

// shippedConfig is the configuration main.go runs the app with ([ui.ShippedConfig]: a second
// factor required, the bridge on its default socket) on a temporary vault, with two changes
// only: the keychain kc (a test must not leave entries in the user's keychain) and a cheap key
// derivation (its real cost is app/vault's concern and would make each login of a story slow).
func shippedConfig(t *testing.T, kc keychain.Keychain) ui.Config {
	t.Helper()
	cfg := ui.ShippedConfig(t.TempDir(), "0.0.0-e2e", nil)
	cfg.Keychain = kc
	cfg.KDF = vault.KDFParams{MemoryKiB: 64, Time: 1, Threads: 1}
	return cfg
}

// noReaderReason is what the stories' administrators give when they make the second factor
// optional at the first run (an office without readers).
const noReaderReason = "この事務所には読み取り機がないため"

// setUp runs the first-run wizard through the Go services as an office without readers does
// in the shipped configuration: the office and the administrator, the second factor made
// optional with a recorded reason (the wizard's factor step), and the Recovery Kit typed back.
// The administrator stays logged in; the kit is returned.
func setUp(t *testing.T, app *ui.App, office ui.Office) ui.RecoveryKitView {
	t.Helper()
	kit, err := app.Session.Setup(ui.SetupRequest{Office: office, AdminLogin: adminLogin, AdminName: adminName, Password: adminPassword})
	if err != nil {
		t.Fatalf("setup: %v", err)
	}
	if err := app.Factors.SetPolicy("optional", noReaderReason); err != nil {
		t.Fatalf("the wizard's factor step: %v", err)
	}
	if err := app.Session.ConfirmRecoveryKit(kit.Key); err != nil {
		t.Fatal(err)
	}
	return kit
}

// staffCompany sets the office up through the Go services (setUp) and creates the company C001 with
// sato (佐藤 花子) as its 事務取扱責任者 and tanaka (田中 一郎) as its 事務取扱担当者, then
// the users in others, assigned nowhere. It logs the administrator out and returns the
// company's ID and every user's temporary password by login.
func staffCompany(t *testing.T, app *ui.App, others ...ui.UserInput) (companyID int64, temp map[string]string) {
	t.Helper()
	setUp(t, app, ui.Office{Name: officeName, Kind: "sharoushi"})
	return addStaffCompany(t, app, others...)
}

// addStaffCompany is staffCompany on an office set up already, with the administrator logged in.
func addStaffCompany(t *testing.T, app *ui.App, others ...ui.UserInput) (companyID int64, temp map[string]string) {
	t.Helper()
	company, err := app.Company.Create(ui.Company{Code: "C001", Name: companyName, CorporateNumber: validCorpNo})
	if err != nil {
		t.Fatal(err)
	}
	temp = map[string]string{}
	ids := map[string]int64{}
	users := append([]ui.UserInput{{Login: "tanaka", DisplayName: "田中 一郎"}, {Login: "sato", DisplayName: "佐藤 花子"}}, others...)
	for _, u := range users {
		tp, err := app.Users.Create(u)
		if err != nil {
			t.Fatal(err)
		}
		ids[u.Login], temp[u.Login] = tp.User.ID, tp.Password
	}
	if _, err := app.Handlers.Set(company.ID, []int64{ids["sato"]}, []int64{ids["tanaka"]}); err != nil {
		t.Fatal(err)
	}
	if err := app.Session.Logout(); err != nil {
		t.Fatal(err)
	}
	return company.ID, temp
}

// firstLogin logs login in through the Go services with its temporary password and replaces
// it with password; the user stays logged in.
func firstLogin(t *testing.T, app *ui.App, login, temp, password string) {
	t.Helper()
	if _, err := app.Session.Login(login, temp); err != nil {
		t.Fatal(err)
	}
	if err := app.Session.ChangePassword(temp, password); err != nil {
		t.Fatal(err)
	}
}

// saveEmployee saves e through the Go services as the logged-in user.
func saveEmployee(t *testing.T, app *ui.App, e ui.Employee) ui.Employee {
	t.Helper()
	saved, err := app.Employees.SaveEmployee(e)
	if err != nil {
		t.Fatal(err)
	}
	return saved
}

// setNumbers registers each person's number (by person ID) through the Go services.
func setNumbers(t *testing.T, app *ui.App, companyID int64, numbers map[int64]string) {
	t.Helper()
	for id, n := range numbers {
		if err := app.Employees.SetNumber(companyID, id, n, false); err != nil {
			t.Fatal(err)
		}
	}
}

// openBrowser serves the built frontend and app's services on loopback for the test's life
// and starts the browser; it returns the browser, not yet navigated, and the address.
func openBrowser(t *testing.T, app *ui.App) (*browser, string) {
	t.Helper()
	url, stop, err := webrpc.ListenLoopback(webrpc.Handler(os.DirFS(distDir), app.Services()...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return startBrowser(t, artifactsDir), url
}

// submitLogin fills in the login form and submits it.
func submitLogin(b *browser, login, password string) {
	b.t.Helper()
	b.waitVisible("login-form")
	b.fill("login-login", login)
	b.fill("login-password", password)
	b.click("login-submit")
}

// loginAs logs in with a password that needs no change.
func loginAs(b *browser, login, password string) {
	b.t.Helper()
	submitLogin(b, login, password)
	b.waitVisible("home")
}

// switchUser logs out whoever is in the window and logs login in with a password that needs no
// change.
func switchUser(b *browser, login, password string) {
	b.t.Helper()
	if b.waitAny("login-form", "logout") == "logout" {
		b.click("logout")
	}
	loginAs(b, login, password)
}

// loginFirstTime logs in with a temporary password and replaces it.
func loginFirstTime(b *browser, login, temp, password string) {
	b.t.Helper()
	submitLogin(b, login, temp)
	b.waitVisible("change-form")
	b.fill("change-current", temp)
	b.fill("change-password", password)
	b.fill("change-confirm", password)
	b.click("change-submit")
	b.waitVisible("home")
}

// auditEntries returns the history entries of action, newest first, read straight from the
// vault.
func auditEntries(t *testing.T, app *ui.App, action audit.Action) []audit.Entry {
	t.Helper()
	var es []audit.Entry
	err := app.DB.View(context.Background(), func(tx *store.Tx) error {
		var err error
		es, err = audit.Query(tx, audit.Filter{Actions: []audit.Action{action}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// startRelay runs shelter-cloud on loopback TLS with a dev PKI and a SQLite file for the test's
// life; it returns the relay's store, address and CA certificate (PEM).
func startRelay(t *testing.T) (rst cloudstore.Store, relayURL, caPEM string) {
	t.Helper()
	r := relaytest.Start(t)
	return r.Store, r.URL, r.CAPEM
}

// startBridge runs a real shelter-bridge (its relay client key in the OS keychain when there is
// one) on a socket of its own for the test's life and returns the socket's path.
func startBridge(t *testing.T) string {
	t.Helper()
	var kc keychain.Keychain = &keychain.Mem{}
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") != "" || os.Getenv("SHELTER_REQUIRE_KEYRING") == "1" {
		testenv.Keyring(t)
		rk := &recordingKeychain{Keychain: keychain.OS()}
		t.Cleanup(rk.deleteAll)
		kc = rk
	}
	return relaytest.Bridge(t, kc, "")
}
