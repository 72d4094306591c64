package ui

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/bridge"
	"github.com/mynumber-shelter/shelter/internal/keychain"
)

// staffCardReader is a reader with one staff card on it (the FactorDevices a test may use where
// no bridge runs; the card path through pcscd and the bridge is tested in factors_test.go and
// app/ui/e2e).
type staffCardReader struct{ uid string }

var _ FactorDevices = staffCardReader{}

var errNoDevice = errors.New("no such device in this test")

func (r staffCardReader) Readers(context.Context) ([]string, error) { return []string{"Reader 0"}, nil }
func (r staffCardReader) CardUID(context.Context, string) (string, error) {
	return r.uid, nil
}
func (staffCardReader) JPKIRetries(context.Context, string) (int, error) { return 0, errNoDevice }
func (staffCardReader) JPKISign(context.Context, string, string, []byte, bool) ([]byte, []byte, error) {
	return nil, nil, errNoDevice
}
func (staffCardReader) VeinInfo(context.Context) (bridge.VeinInfo, error) {
	return bridge.VeinInfo{}, errNoDevice
}
func (staffCardReader) VeinEnrol(context.Context) (string, error)        { return "", errNoDevice }
func (staffCardReader) VeinVerify(context.Context, string) (bool, error) { return false, errNoDevice }
func (staffCardReader) VeinDelete(context.Context, string) error         { return errNoDevice }
func (staffCardReader) VeinCancel(context.Context) error                 { return errNoDevice }

// shippedApp is the app as main.go builds it (ShippedConfig), on a temporary vault, the memory
// keychain and a cheap key derivation.
func shippedApp(t *testing.T, dir string, kc keychain.Keychain) *App {
	t.Helper()
	cfg := ShippedConfig(dir, "test", testLog(t))
	cfg.Keychain, cfg.KDF = kc, fastKDF
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// The first run in the shipped configuration (issue 12): the Recovery Kit cannot be confirmed
// while the administrator's second factor is pending, and the same kit — the one written down —
// is confirmed after the wizard's factor step, by enrolling a staff card or by making the
// factor optional with a reason (recorded). A recovery with that kit then still asks for the
// factor.
func TestFirstRunShippedConfig(t *testing.T) {
	for _, path := range []string{"card", "optional"} {
		t.Run(path, func(t *testing.T) {
			dir, kc := t.TempDir(), &keychain.Mem{}
			a := shippedApp(t, dir, kc)
			a.Factors.Devices = staffCardReader{uid: "04a1b2c3d4e5f6"}
			kit, err := a.Session.Setup(SetupRequest{Office: Office{Name: "テスト社労士事務所", Kind: "sharoushi"},
				AdminLogin: "admin", AdminName: "管理 太郎", Password: adminPW})
			if err != nil {
				t.Fatal(err)
			}
			st, err := a.Factors.Status()
			if err != nil || st.Step != "enrol" || !st.IsAdmin || st.Policy != "required" {
				t.Fatalf("after setup: %+v %v", st, err)
			}
			if err := a.Session.ConfirmRecoveryKit(kit.Key); code(t, err) != "enrol_required" {
				t.Fatalf("kit confirmed before the factor step: %v", err)
			}
			switch path {
			case "card":
				if _, err := a.Factors.Enrol(FactorEnrolRequest{Kind: "card", Label: "職員証", Password: adminPW}); err != nil {
					t.Fatal(err)
				}
			case "optional":
				if err := a.Factors.SetPolicy("optional", "  "); code(t, err) != "invalid" || field(err) != "reason" {
					t.Fatalf("optional without a reason: %v", err)
				}
				if err := a.Factors.SetPolicy("optional", "事務所に読み取り機がないため"); err != nil {
					t.Fatal(err)
				}
			}
			if err := a.Session.ConfirmRecoveryKit(kit.Key); err != nil {
				t.Fatalf("the kit written down was not confirmed after the factor step: %v", err)
			}
			st2, err := a.Session.State()
			if err != nil || !st2.LoggedIn || st2.RecoveryKitPending {
				t.Fatalf("wizard not finished: %+v %v", st2, err)
			}
			if _, err := a.Session.Menu(); err != nil {
				t.Fatal(err)
			}
			if path == "optional" && !historyHas(t, a, audit.ActionSettingChange, "reason: 事務所に読み取り機がないため") {
				t.Fatal("the reason is not in the history")
			}
			if err := a.Session.Logout(); err != nil {
				t.Fatal(err)
			}

			// The kit written down opens the vault; the factor enrolled is still asked for.
			st2, err = a.Session.Recover(kit.Key, "admin", "a brand new passphrase")
			if err != nil {
				t.Fatal(err)
			}
			fs, err := a.Factors.Status()
			if err != nil {
				t.Fatal(err)
			}
			switch path {
			case "card":
				if st2.LoggedIn || fs.Step != "factor" {
					t.Fatalf("recovery skipped the second factor: %+v step %q", st2, fs.Step)
				}
				if _, err := a.Session.Menu(); code(t, err) != "factor_required" {
					t.Fatalf("menu before the factor: %v", err)
				}
				if st2, err = a.Factors.Login(FactorRequest{FactorID: fs.Factors[0].ID}); err != nil || !st2.LoggedIn {
					t.Fatalf("factor after recovery: %+v %v", st2, err)
				}
			case "optional":
				if !st2.LoggedIn || fs.Step != "" {
					t.Fatalf("recovery under the optional policy: %+v step %q", st2, fs.Step)
				}
			}
		})
	}
}

// historyHas reports whether an entry of action has a detail containing sub.
func historyHas(t *testing.T, a *App, action audit.Action, sub string) bool {
	t.Helper()
	var es []audit.Entry
	err := a.DB.View(context.Background(), func(tx *store.Tx) error {
		var err error
		es, err = audit.Query(tx, audit.Filter{Actions: []audit.Action{action}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if strings.Contains(e.Detail, sub) {
			return true
		}
	}
	return false
}
