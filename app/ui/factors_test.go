package ui

import (
	"context"
	"encoding/pem"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/bridge"
	"github.com/mynumber-shelter/shelter/bridge/daemon"
	simcard "github.com/mynumber-shelter/shelter/devices/sim/card"
	simvein "github.com/mynumber-shelter/shelter/devices/sim/vein"
	"github.com/mynumber-shelter/shelter/devices/vein"
	"github.com/mynumber-shelter/shelter/internal/keychain"
	"github.com/mynumber-shelter/shelter/internal/testenv"
)

// factorBridge runs a real bridge on a private socket with the given keychain, a settings file
// of its own and a clock that runs skew ahead of the real one.
type factorBridge struct {
	socket string
	client *bridge.Client
	skew   atomic.Int64
}

func startFactorBridge(t *testing.T, kc keychain.Keychain) *factorBridge {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "run")
	l, err := daemon.Listen(dir)
	if err != nil {
		t.Fatal(err)
	}
	fb := &factorBridge{socket: bridge.SocketIn(dir)}
	fb.client = &bridge.Client{Path: fb.socket}
	srv := &daemon.Server{Keychain: kc, ConfigPath: filepath.Join(t.TempDir(), "bridge.json"),
		Now: func() time.Time { return time.Now().Add(time.Duration(fb.skew.Load())) }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, l) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return fb
}

// factorApp is a set-up vault on the real clock (the bridge checks expiries against it) whose
// app uses the bridge; tanaka is a handler with a temporary password.
func factorApp(t *testing.T, socket string) (*App, *clock, TemporaryPassword) {
	t.Helper()
	c := &clock{t: time.Now()}
	a, err := New(Config{VaultDir: t.TempDir(), Keychain: &keychain.Mem{}, KDF: fastKDF, Version: "test", Now: c.Now,
		Log: testLog(t), BridgeSocket: socket, SecondFactor: "optional"}) // the tests set the policy themselves
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	kit, err := a.Session.Setup(SetupRequest{Office: Office{Name: "テスト社労士事務所", Kind: "sharoushi"},
		AdminLogin: "admin", AdminName: "管理 太郎", Password: adminPW})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Session.ConfirmRecoveryKit(kit.Key); err != nil {
		t.Fatal(err)
	}
	tp, err := a.Users.Create(UserInput{Login: "tanaka", DisplayName: "田中 一郎"})
	if err != nil {
		t.Fatal(err)
	}
	return a, c, tp
}

const tanakaPW = "ichiro keeps a long passphrase"

// keychainHas reports whether the OS keychain holds the session's key.
func keychainHas(t *testing.T, a *App) bool {
	t.Helper()
	vaultID, id := a.session().SessionKeyName()
	_, err := keychain.OS().Get("session/" + vaultID + "/" + id)
	if err != nil && !errors.Is(err, keychain.ErrNotFound) {
		t.Fatal(err)
	}
	return err == nil
}

// TestFactorsCardAndKeychain: staff card and JPKI through a real bridge, pcscd and the virtual
// card, with the session key in the real OS keychain: enrolment forced by the policy, login
// with the card, unlock by the card alone, step-up by JPKI (a forged signature refused), the key
// gone after logout and after its expiry (the password still unlocks).
func TestFactorsCardAndKeychain(t *testing.T) {
	testenv.Keyring(t)
	addr, reader := testenv.VPCDSlot(t, 1)
	cardPCSCD(t, reader)
	keys, err := simcard.GenerateKeys(nil)
	if err != nil {
		t.Fatal(err)
	}
	fb := startFactorBridge(t, keychain.OS())
	a, clk, tp := factorApp(t, fb.socket)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	insert := func(cfg simcard.Config) func() {
		t.Helper()
		cfg.Keys = keys
		sim, err := simcard.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		slot, err := sim.Insert(ctx, addr)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; ; i++ { // wait until pcscd has seen the card come
			if _, err := fb.client.CardUID(ctx, reader); err == nil {
				break
			} else if i == 50 {
				t.Fatalf("the inserted card is not seen: %v", err)
			}
			time.Sleep(100 * time.Millisecond)
		}
		return func() {
			slot.Pull()
			for i := 0; ; i++ { // wait until pcscd has seen the card go
				if _, err := fb.client.CardUID(ctx, reader); err != nil {
					return
				} else if i == 50 {
					t.Fatal("the pulled card is still seen")
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
	}
	pull := insert(simcard.Config{UID: []byte{0x04, 0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6}})
	caPEM := ""

	// The administrator requires a factor and trusts the test CA.
	if err := a.Factors.SetPolicy("required", ""); err != nil {
		t.Fatal(err)
	}
	a.Session.Logout()

	// tanaka: the password, then enrolment before anything else.
	st, err := a.Session.Login("tanaka", tp.Password)
	if err != nil || st.LoggedIn {
		t.Fatalf("login at the enrolment step: %+v %v", st, err)
	}
	if fs, _ := a.Factors.Status(); fs.Step != "enrol" {
		t.Fatalf("status %+v", fs)
	}
	if _, err := a.Company.List(false); code(t, err) != "enrol_required" {
		t.Fatalf("a call before enrolment: %v", err)
	}
	if keychainHas(t, a) {
		t.Fatal("a session key before the login completed")
	}
	card, err := a.Factors.Enrol(FactorEnrolRequest{Kind: "card", Label: "職員証", Password: tp.Password, Reader: reader})
	if err != nil {
		t.Fatal(err)
	}
	if !keychainHas(t, a) {
		t.Fatal("no session key in the keychain after the completed login")
	}
	if err := a.Session.ChangePassword(tp.Password, tanakaPW); err != nil {
		t.Fatal(err)
	}
	pull()

	// The JPKI certificate needs the trust anchors.
	pull = insert(simcard.Config{})
	a.Session.Logout()
	if _, err := a.Session.Login("admin", adminPW); err != nil {
		t.Fatal(err)
	}
	// (the administrator has no factor yet: the policy sends them to enrolment too)
	if _, err := a.Factors.Enrol(FactorEnrolRequest{Kind: "card", Password: adminPW, Reader: reader}); err != nil {
		t.Fatal(err)
	}
	sim, _ := simcard.New(simcard.Config{Keys: keys})
	caPEM = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: sim.CACertificate().Raw}))
	if set, err := a.Factors.SetTrustAnchors(caPEM); err != nil || len(set.List) != 1 {
		t.Fatalf("trust anchors: %+v %v", set, err)
	}
	a.Session.Logout()
	if _, err := a.Session.Login("tanaka", tanakaPW); err != nil {
		t.Fatal(err)
	}
	// The admin's card is not tanaka's; the sim card in the reader now has the default UID.
	if _, err := a.Factors.Login(FactorRequest{FactorID: card.ID, Reader: reader}); code(t, err) != "factor_refused" {
		t.Fatalf("another card: %v", err)
	}
	if rs, err := a.Factors.Readers(); err != nil || !slices.Contains(rs, reader) {
		t.Fatalf("readers: %v %v", rs, err)
	}
	if n, err := a.Factors.JPKIRetries(reader); err != nil || n != 3 {
		t.Fatalf("JPKI retries: %d %v", n, err)
	}
	pull()
	pull = insert(simcard.Config{UID: []byte{0x04, 0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6}})
	st, err = a.Factors.Login(FactorRequest{FactorID: card.ID, Reader: reader})
	if err != nil || !st.LoggedIn {
		t.Fatalf("card login: %+v %v", st, err)
	}
	if !keychainHas(t, a) {
		t.Fatal("no session key after the card login")
	}
	jpki, err := a.Factors.Enrol(FactorEnrolRequest{Kind: "jpki", Password: tanakaPW, Reader: reader, PIN: simcard.DefaultAuthPIN})
	if err != nil {
		t.Fatal(err)
	}
	if jpki.Fingerprint == "" || jpki.NotAfter == "" {
		t.Fatalf("jpki factor %+v", jpki)
	}

	// Idle lock, unlock by the card alone.
	if err := a.Session.Lock(); err != nil {
		t.Fatal(err)
	}
	if err := a.Factors.Unlock(FactorRequest{FactorID: card.ID, Reader: reader}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Company.List(false); err != nil {
		t.Fatalf("after the factor unlock: %v", err)
	}

	// Step-up: after 5 minutes a reveal-class call needs a factor; JPKI signs a fresh challenge.
	clk.Add(auth.StepUpWindow)
	if _, err := a.readyStepUp(); code(t, err) != "step_up_required" {
		t.Fatalf("step-up after 5 minutes: %v", err)
	}
	if _, err := a.Use.Reveal(RevealRequest{PersonID: 1, Purpose: "SI-KENPO"}); code(t, err) != "step_up_required" {
		t.Fatalf("reveal without step-up: %v", err)
	}
	if err := a.Factors.StepUp(FactorRequest{FactorID: jpki.ID, Reader: reader, PIN: "9999"}); code(t, err) != "wrong_pin" {
		t.Fatalf("wrong JPKI PIN: %v", err)
	}
	if err := a.Factors.StepUp(FactorRequest{FactorID: jpki.ID, Reader: reader, PIN: simcard.DefaultAuthPIN}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.readyStepUp(); err != nil {
		t.Fatalf("after the step-up: %v", err)
	}
	pull()
	// A clone with a copied certificate: the signature does not verify.
	pull = insert(simcard.Config{ForgeAuthSignature: true})
	clk.Add(auth.StepUpWindow)
	if err := a.Factors.StepUp(FactorRequest{FactorID: jpki.ID, Reader: reader, PIN: simcard.DefaultAuthPIN}); code(t, err) != "factor_refused" {
		t.Fatalf("forged signature: %v", err)
	}
	pull()

	// Logout deletes the key from the keychain.
	vaultID, id := a.session().SessionKeyName()
	if err := a.Session.Logout(); err != nil {
		t.Fatal(err)
	}
	if _, err := keychain.OS().Get("session/" + vaultID + "/" + id); !errors.Is(err, keychain.ErrNotFound) {
		t.Fatalf("the session key survived the logout: %v", err)
	}

	// Expiry: the bridge deletes the key at the session's end; the password still unlocks.
	pull = insert(simcard.Config{UID: []byte{0x04, 0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6}})
	defer pull()
	a.Session.Login("tanaka", tanakaPW)
	if _, err := a.Factors.Login(FactorRequest{FactorID: card.ID, Reader: reader}); err != nil {
		t.Fatal(err)
	}
	if !keychainHas(t, a) {
		t.Fatal("no key after the second login")
	}
	a.Session.Lock()
	fb.skew.Store(int64(auth.DefaultPolicy.Absolute + time.Hour)) // the app clock ran 10 minutes ahead
	if err := a.Factors.Unlock(FactorRequest{FactorID: card.ID, Reader: reader}); code(t, err) != "factor_unlock_unavailable" {
		t.Fatalf("unlock after the key's expiry: %v", err)
	}
	if keychainHas(t, a) {
		t.Fatal("the expired key is still in the keychain")
	}
	if err := a.Session.Unlock(tanakaPW); err != nil {
		t.Fatal(err)
	}
}

// veinPerson places a hand on the simulated sensor whenever the bridge prompts for one.
type veinPerson struct {
	mu   sync.Mutex
	hand simvein.Hand
}

func (p *veinPerson) be(sim *simvein.Sim, h simvein.Hand) {
	sim.Lift()
	p.mu.Lock()
	p.hand = h
	p.mu.Unlock()
}

// TestFactorsVein: enrolment on the pty sensor simulator through the bridge, login with the
// right hand, another hand refused; the template is deleted from the sensor with the factor.
func TestFactorsVein(t *testing.T) {
	sim, err := simvein.Start(simvein.Config{Dir: t.TempDir(), Serial: "SIM0042"})
	if errors.Is(err, errors.ErrUnsupported) {
		t.Skip("the vein simulator needs Linux ptys")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	fb := startFactorBridge(t, &keychain.Mem{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := fb.client.SetConfig(ctx, bridge.Config{VeinPort: sim.Path()}); err != nil {
		t.Fatal(err)
	}
	p := &veinPerson{}
	events, err := fb.client.Events(ctx)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for e := range events {
			if e.Type != bridge.EventVeinPrompt {
				continue
			}
			p.mu.Lock()
			h := p.hand
			p.mu.Unlock()
			switch e.Message {
			case vein.PromptPlaceHand.String():
				if h != "" {
					sim.Place(h)
				}
			case vein.PromptLiftHand.String():
				sim.Lift()
			}
		}
	}()
	for i := 0; ; i++ {
		if info, err := fb.client.VeinInfo(ctx); err == nil && info.Serial == "SIM0042" {
			break
		} else if i == 100 {
			t.Fatalf("the sensor did not come up: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	a, _, tp := factorApp(t, fb.socket)
	a.Session.Logout()
	a.Session.Login("tanaka", tp.Password)
	a.Session.ChangePassword(tp.Password, tanakaPW)
	p.be(sim, "tanaka-right")
	f, err := a.Factors.Enrol(FactorEnrolRequest{Kind: "vein", Password: tanakaPW})
	if err != nil {
		t.Fatal(err)
	}
	if f.Kind != "vein" || f.Sensor != "SIM0042" || sim.Templates() != 1 {
		t.Fatalf("vein factor %+v, templates %d", f, sim.Templates())
	}
	a.Session.Logout()
	if st, _ := a.Session.Login("tanaka", tanakaPW); st.LoggedIn {
		t.Fatal("logged in without the vein")
	}
	p.be(sim, "mallory")
	if _, err := a.Factors.Login(FactorRequest{FactorID: f.ID}); code(t, err) != "factor_refused" {
		t.Fatalf("another hand: %v", err)
	}
	p.be(sim, "tanaka-right")
	if st, err := a.Factors.Login(FactorRequest{FactorID: f.ID}); err != nil || !st.LoggedIn {
		t.Fatalf("vein login: %+v %v", st, err)
	}
	if err := a.Factors.Remove(f.ID, tanakaPW); err != nil {
		t.Fatal(err)
	}
	if sim.Templates() != 0 {
		t.Fatal("the template stayed on the sensor")
	}
	if fs, _ := a.Factors.Status(); len(fs.Factors) != 0 || fs.StepUpWith != "password" || !strings.Contains(fs.Policy, "optional") {
		t.Fatalf("status after removal: %+v", fs)
	}
}
