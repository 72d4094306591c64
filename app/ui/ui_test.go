package ui

import (
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/vault"
	"github.com/mynumber-shelter/shelter/internal/keychain"
)

// fastKDF keeps Argon2id cheap in tests; the production parameters are benchmarked in app/vault.
var fastKDF = vault.KDFParams{MemoryKiB: 1024, Time: 1, Threads: 1}

const adminPW = "correct horse battery staple"

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type fixture struct {
	app   *App
	clock *clock
	kc    *keychain.Mem
	dir   string
	kit   RecoveryKitView
}

func newApp(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{clock: &clock{t: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)}, kc: &keychain.Mem{}, dir: t.TempDir()}
	f.app = f.open(t)
	return f
}

func (f *fixture) open(t *testing.T) *App {
	t.Helper()
	a, err := New(Config{VaultDir: f.dir, Keychain: f.kc, KDF: fastKDF, Version: "test", Now: f.clock.Now, Log: testLog(t),
		// These unit tests log users in without factors; the factor tests and the browser tests
		// run the shipped default (required).
		SecondFactor: "optional"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// setup runs the wizard and confirms the kit.
func setup(t *testing.T) *fixture {
	t.Helper()
	f := newApp(t)
	kit, err := f.app.Session.Setup(SetupRequest{
		Office:     Office{Name: "テスト社労士事務所", Kind: "sharoushi", CorporateNumber: "7000012050002"},
		AdminLogin: "admin", AdminName: "管理 太郎", Password: adminPW,
	})
	if err != nil {
		t.Fatalf("Setup: %v", err)
	}
	if err := f.app.Session.ConfirmRecoveryKit(strings.ToLower(kit.Key)); err != nil {
		t.Fatalf("ConfirmRecoveryKit: %v", err)
	}
	f.kit = kit
	return f
}

// code returns the code of a bound method's error (which must be a JSON *Error).
func code(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	var e Error
	if jerr := json.Unmarshal([]byte(err.Error()), &e); jerr != nil {
		t.Fatalf("error is not JSON: %q", err.Error())
	}
	if e.JA == "" || e.EN == "" {
		t.Fatalf("error lacks a message: %q", err.Error())
	}
	return e.Code
}

func field(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

func TestSetupLoginAndState(t *testing.T) {
	f := setup(t)
	st, err := f.app.Session.State()
	if err != nil {
		t.Fatal(err)
	}
	if !st.Initialized || !st.LoggedIn || st.User.Login != "admin" || !st.User.IsAdmin || st.Office.Name != "テスト社労士事務所" {
		t.Fatalf("state after setup: %+v", st)
	}
	if st.RecoveryKitPending {
		t.Error("kit confirmed but still pending")
	}
	// Setup twice is refused.
	_, err = f.app.Session.Setup(SetupRequest{Office: Office{Name: "x", Kind: "other"}, AdminLogin: "other", AdminName: "x", Password: adminPW})
	if code(t, err) != "conflict" {
		t.Fatalf("second setup: %v", err)
	}
	if err := f.app.Session.Logout(); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(time.Hour)
	st, err = f.app.Session.Login("ADMIN", adminPW) // logins are case-insensitive
	if err != nil {
		t.Fatal(err)
	}
	if st.PreviousIn == "" || st.PreviousOut == "" || st.PreviousOut < st.PreviousIn {
		t.Errorf("前回ログイン情報 missing: in=%q out=%q", st.PreviousIn, st.PreviousOut)
	}
}

func TestSetupValidation(t *testing.T) {
	f := newApp(t)
	cases := []struct {
		name  string
		req   SetupRequest
		field string
	}{
		{"no office name", SetupRequest{Office: Office{Kind: "sharoushi"}, AdminLogin: "admin", AdminName: "a", Password: adminPW}, "name"},
		{"bad corporate number", SetupRequest{Office: Office{Name: "x", Kind: "sharoushi", CorporateNumber: "7000012050003"}, AdminLogin: "admin", AdminName: "a", Password: adminPW}, "corporateNumber"},
		{"bad kind", SetupRequest{Office: Office{Name: "x", Kind: "bank"}, AdminLogin: "admin", AdminName: "a", Password: adminPW}, "kind"},
		{"short password", SetupRequest{Office: Office{Name: "x", Kind: "other"}, AdminLogin: "admin", AdminName: "a", Password: "short"}, "password"},
		{"common password", SetupRequest{Office: Office{Name: "x", Kind: "other"}, AdminLogin: "admin", AdminName: "a", Password: "password123"}, "password"},
		{"bad login", SetupRequest{Office: Office{Name: "x", Kind: "other"}, AdminLogin: "a b", AdminName: "a", Password: adminPW}, "login"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.app.Session.Setup(c.req)
			if code(t, err) != "invalid" || field(err) != c.field {
				t.Fatalf("got %v, want invalid %s", err, c.field)
			}
			st, _ := f.app.Session.State()
			if st.Initialized {
				t.Fatal("a rejected setup half-wrote the vault")
			}
		})
	}
}

func TestRecoveryKitMustMatch(t *testing.T) {
	f := newApp(t)
	kit, err := f.app.Session.Setup(SetupRequest{Office: Office{Name: "x", Kind: "other"}, AdminLogin: "admin", AdminName: "a", Password: adminPW})
	if err != nil {
		t.Fatal(err)
	}
	st, _ := f.app.Session.State()
	if !st.RecoveryKitPending {
		t.Fatal("kit not pending before confirmation")
	}
	wrong := []byte(kit.Key)
	if wrong[0] == 'A' {
		wrong[0] = 'B'
	} else {
		wrong[0] = 'A'
	}
	if code(t, f.app.Session.ConfirmRecoveryKit(string(wrong))) != "invalid" {
		t.Fatal("a wrong key was accepted")
	}
	for _, group := range strings.Split(kit.Key, "-") {
		if !strings.Contains(kit.Text, group) {
			t.Fatalf("printable kit lacks key group %s", group)
		}
	}
	if !strings.Contains(kit.Text, kit.VaultID) {
		t.Error("printable kit lacks the vault id")
	}
}

func TestUsersCompaniesAndAssignments(t *testing.T) {
	f := setup(t)
	a := f.app
	tp, err := a.Users.Create(UserInput{Login: "tanaka", DisplayName: "田中 一郎"})
	if err != nil {
		t.Fatal(err)
	}
	if len(tp.Password) < 16 || !tp.User.MustChangePassword || tp.ExpiresAt == "" {
		t.Fatalf("temporary password: %+v", tp)
	}
	if _, err := a.Users.Create(UserInput{Login: "Tanaka", DisplayName: "dup"}); code(t, err) != "conflict" {
		t.Fatalf("duplicate login: %v", err)
	}
	sato, err := a.Users.Create(UserInput{Login: "sato", DisplayName: "佐藤 花子"})
	if err != nil {
		t.Fatal(err)
	}

	// M-3: the corporate number is validated and nothing is saved when it is wrong.
	_, err = a.Company.Create(Company{Code: "C001", Name: "株式会社テスト", CorporateNumber: "7000012050003"})
	if code(t, err) != "invalid" || field(err) != "corporateNumber" {
		t.Fatalf("bad corporate number: %v", err)
	}
	if cs, _ := a.Company.List(true); len(cs) != 0 {
		t.Fatal("rejected company was saved")
	}
	co, err := a.Company.Create(Company{Code: "C001", Name: "株式会社テスト", CorporateNumber: "７０００ー０１２０ー５０００２", ConsignFrom: "2026/04/01", ConsignTo: "2027-03-31"})
	if err != nil {
		t.Fatal(err)
	}
	if co.CorporateNumber != "7000012050002" || co.ConsignFrom != "2026-04-01" {
		t.Fatalf("not normalised: %+v", co)
	}
	if _, err := a.Company.Create(Company{Code: "C002", Name: "x", ConsignFrom: "2026-04-01", ConsignTo: "2026-03-01"}); field(err) != "consignTo" {
		t.Fatalf("reversed period: %v", err)
	}

	// 1-1
	if _, err := a.Handlers.Set(co.ID, nil, []int64{tp.User.ID}); field(err) != "managers" {
		t.Fatalf("no manager: %v", err)
	}
	if _, err := a.Handlers.Set(co.ID, []int64{tp.User.ID}, []int64{tp.User.ID, sato.User.ID}); field(err) != "handlers" {
		t.Fatalf("manager also one of two handlers: %v", err)
	}
	as, err := a.Handlers.Set(co.ID, []int64{tp.User.ID}, []int64{sato.User.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(as.Managers) != 1 || as.Managers[0].Login != "tanaka" || len(as.Handlers) != 1 || len(as.Candidates) != 3 {
		t.Fatalf("assignment: %+v", as)
	}
	users, _ := a.Users.List()
	for _, u := range users {
		if u.Login == "tanaka" && (len(u.Roles) != 1 || u.Roles[0].Role != "manager") {
			t.Errorf("tanaka roles: %+v", u.Roles)
		}
	}

	// The history holds every one of these actions, and the chain verifies.
	page, err := a.History.Query(HistoryFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, e := range page.Entries {
		seen[e.Action]++
	}
	for _, want := range []string{"setup", "login", "user_create", "company_create", "assignment_change"} {
		if seen[want] == 0 {
			t.Errorf("history lacks %s: %v", want, seen)
		}
	}
	v, err := a.History.Verify()
	if err != nil || !v.OK {
		t.Fatalf("verify: %+v %v", v, err)
	}

	// A non-admin cannot reach admin services (enforced in Go, not only hidden in the UI).
	if err := a.Session.Logout(); err != nil {
		t.Fatal(err)
	}
	st, err := a.Session.Login("sato", sato.Password)
	if err != nil || !st.MustChangePassword {
		t.Fatalf("login with temporary password: %+v %v", st, err)
	}
	if _, err := a.Company.List(false); code(t, err) != "must_change_password" {
		t.Fatalf("acted before changing the password: %v", err)
	}
	if err := a.Session.ChangePassword(sato.Password, "a new passphrase for hanako"); err != nil {
		t.Fatal(err)
	}
	for name, call := range map[string]func() error{
		"Users.List":     func() error { _, err := a.Users.List(); return err },
		"Users.Create":   func() error { _, err := a.Users.Create(UserInput{Login: "x1x", DisplayName: "x"}); return err },
		"Office.Update":  func() error { return a.Office.Update(Office{Name: "x", Kind: "other"}) },
		"Company.Create": func() error { _, err := a.Company.Create(Company{Code: "X", Name: "x"}); return err },
		"Handlers.Set": func() error {
			_, err := a.Handlers.Set(co.ID, []int64{sato.User.ID}, nil)
			return err
		},
		"History.Query(handler)": func() error { _, err := a.History.Query(HistoryFilter{CompanyID: co.ID}); return err },
	} {
		if c := code(t, call()); c != "forbidden" {
			t.Errorf("%s as a handler: code %q, want forbidden", name, c)
		}
	}
	// A handler sees only their company.
	cs, err := a.Company.List(false)
	if err != nil || len(cs) != 1 || cs[0].ID != co.ID {
		t.Fatalf("handler's companies: %+v %v", cs, err)
	}
}

func TestLockoutAndIdle(t *testing.T) {
	f := setup(t)
	a := f.app
	tp, err := a.Users.Create(UserInput{Login: "suzuki", DisplayName: "鈴木"})
	if err != nil {
		t.Fatal(err)
	}
	a.Session.Logout()
	for i := 0; i < 5; i++ {
		if _, err := a.Session.Login("suzuki", "wrong password!"); code(t, err) != "bad_credentials" {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	// Locked now, even with the right password; the message is different from a bad password.
	if _, err := a.Session.Login("suzuki", tp.Password); code(t, err) != "account_locked" {
		t.Fatalf("after 5 failures: %v", err)
	}
	// An unknown user gets the same message as a wrong password.
	if _, err := a.Session.Login("nobody", "whatever it is"); code(t, err) != "bad_credentials" {
		t.Fatalf("unknown user: %v", err)
	}
	f.clock.Add(16 * time.Minute)
	if _, err := a.Session.Login("suzuki", tp.Password); err != nil {
		t.Fatalf("after the lock expired: %v", err)
	}
	a.Session.ChangePassword(tp.Password, "ichiro keeps a long passphrase")
	// Idle lock after 15 minutes; unlock with the password.
	f.clock.Add(auth.DefaultPolicy.Idle + time.Second)
	if err := a.Session.Touch(); code(t, err) != "locked" {
		t.Fatalf("idle: %v", err)
	}
	if _, err := a.Company.List(false); code(t, err) != "locked" {
		t.Fatalf("call while locked: %v", err)
	}
	if code(t, a.Session.Unlock("not it at all")) != "bad_credentials" {
		t.Fatal("unlock with a wrong password")
	}
	if err := a.Session.Unlock("ichiro keeps a long passphrase"); err != nil {
		t.Fatal(err)
	}
	// The absolute lifetime ends the session whatever the activity.
	for i := 0; i < 60; i++ {
		f.clock.Add(14 * time.Minute)
		if err := a.Session.Touch(); err != nil {
			if code(t, err) != "session_expired" {
				t.Fatalf("touch: %v", err)
			}
			st, _ := a.Session.State()
			if st.LoggedIn {
				t.Fatal("expired session still logged in")
			}
			// The failures and the lock are in the history.
			a.Session.Login("admin", adminPW)
			page, _ := a.History.Query(HistoryFilter{Action: "login_failed", Limit: 100})
			if len(page.Entries) < 7 {
				t.Fatalf("login_failed entries: %d", len(page.Entries))
			}
			for _, e := range page.Entries {
				if strings.Contains(e.Detail, "wrong password!") || strings.Contains(e.Detail, tp.Password) {
					t.Fatal("a password reached the history")
				}
			}
			return
		}
	}
	t.Fatal("session never expired")
}

func TestKeychainLossAndRecovery(t *testing.T) {
	f := setup(t)
	f.app.Session.Logout()
	f.app.Close()
	for _, acct := range f.kc.Accounts() {
		f.kc.Delete(acct)
	}
	a := f.open(t)
	st, err := a.Session.State()
	if err != nil {
		t.Fatal(err)
	}
	if st.Problem == nil || st.Problem.Code != "keychain_missing" {
		t.Fatalf("problem not reported: %+v", st.Problem)
	}
	if _, err := a.Session.Login("admin", adminPW); code(t, err) != "keychain_missing" {
		t.Fatalf("login without keychain: %v", err)
	}
	if _, err := a.Session.Recover("AAAA-BBBB", "admin", "a brand new passphrase"); code(t, err) != "invalid" {
		t.Fatalf("recover with a bad key: %v", err)
	}
	st, err = a.Session.Recover(f.kit.Key, "admin", "a brand new passphrase")
	if err != nil {
		t.Fatal(err)
	}
	if !st.LoggedIn || st.Problem != nil {
		t.Fatalf("after recovery: %+v", st)
	}
	v, err := a.History.Verify()
	if err != nil || !v.OK {
		t.Fatalf("chain after recovery: %+v %v", v, err)
	}
}

func TestMenu(t *testing.T) {
	f := setup(t)
	menu, err := f.app.Session.Menu()
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]MenuItem{}
	var titles []string
	for _, s := range menu {
		titles = append(titles, s.TitleJA)
		for _, it := range s.Items {
			ids[it.ID] = it
		}
	}
	if strings.Join(titles, "/") != "導入・設定/1. 取得・収集/2. 保管・確認/3. 利用・提供/4. 廃棄・証明" {
		t.Errorf("sections: %v", titles)
	}
	for _, id := range []string{"M-1", "M-2", "M-3", "1-1", "1-2", "1-3", "2-1", "3-1", "4-1"} {
		it, ok := ids[id]
		if !ok || it.PointJA == "" || it.TitleEN == "" {
			t.Errorf("menu item %s missing or without ポイント", id)
		}
	}
	if !ids["M-2"].Enabled || !ids["2-1"].Enabled {
		t.Errorf("administrator screens disabled: M-2 %+v, 2-1 %+v", ids["M-2"], ids["2-1"])
	}
	// An administrator who is not assigned to any company may not open the screens with numbers.
	if it := ids["1-2"]; !it.Available || it.Enabled || it.ReasonJA == "" {
		t.Errorf("1-2 for an unassigned administrator: %+v", it)
	}
	if it := ids["4-1"]; !it.Available || it.Enabled || it.ReasonJA == "" {
		t.Errorf("4-1 for an unassigned administrator: %+v", it)
	}
}

func TestErrorsAreJSONAndGeneric(t *testing.T) {
	e := toError(errors.New("sql: something internal with a path /var/x"))
	if strings.Contains(e.Error(), "/var/x") || e.Code != "internal" {
		t.Fatalf("internal detail leaked: %s", e.Error())
	}
}

// testLog sends the debug log to the test log, so an internal error shows its cause.
func testLog(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, nil))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// TestNumberShapedTextNeverBreaksAnAction: user-chosen text with long digit runs is refused with a
// message (logins) or recorded redacted (names, codes), never an internal error.
func TestNumberShapedTextNeverBreaksAnAction(t *testing.T) {
	f := setup(t)
	_, err := f.app.Users.Create(UserInput{Login: "u123456789012", DisplayName: "x"})
	if code(t, err) != "invalid" || field(err) != "login" {
		t.Fatalf("number-shaped login: %v", err)
	}
	if _, err := f.app.Company.Create(Company{Code: "1234567890123", Name: "数字だけのコード"}); err != nil {
		t.Fatalf("numeric company code: %v", err)
	}
	if err := f.app.Office.Update(Office{Name: "事務所 1234-5678-9012", Kind: "other"}); err != nil {
		t.Fatalf("office name with digit groups: %v", err)
	}
	page, err := f.app.History.Query(HistoryFilter{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range page.Entries {
		if strings.Contains(e.Detail, "1234567890123") || strings.Contains(e.Detail, "1234-5678-9012") {
			t.Fatalf("number-shaped text in history: %q", e.Detail)
		}
	}
}
