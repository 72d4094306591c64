package daemon

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/bridge"

	"github.com/mynumber-shelter/shelter/devices/card"
	simcard "github.com/mynumber-shelter/shelter/devices/sim/card"
	"github.com/mynumber-shelter/shelter/internal/keychain"
	"github.com/mynumber-shelter/shelter/internal/testenv"
)

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

// start runs srv on a socket in a fresh 0700 directory and returns a client for it.
func start(t *testing.T, srv *Server) *bridge.Client {
	t.Helper()
	if srv.ConfigPath == "" {
		srv.ConfigPath = filepath.Join(t.TempDir(), "state", "bridge.json") // never the user's own
	}
	c, _ := runBridge(t, srv)
	return c
}

// runBridge runs srv on a socket in a fresh 0700 directory and returns its client and a stop
// function that waits for Serve to end (a bridge restart; cleanup calls it too).
func runBridge(t *testing.T, srv *Server) (*bridge.Client, func()) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "run")
	l, err := Listen(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, l) }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	}
	t.Cleanup(stop)
	return &bridge.Client{Path: bridge.SocketIn(dir)}, stop
}

func code(err error) string {
	var e *bridge.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func TestListenGuards(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	l, err := Listen(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	fi, _ := os.Stat(dir)
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("socket dir mode %v", fi.Mode().Perm())
	}
	if _, err := Listen(dir); !errors.Is(err, ErrRunning) {
		t.Errorf("second bridge: %v, want ErrRunning", err)
	}
	open := filepath.Join(t.TempDir(), "open")
	os.Mkdir(open, 0o755)
	if _, err := Listen(open); err == nil || !strings.Contains(err.Error(), "0700") {
		t.Errorf("world-readable dir accepted: %v", err)
	}
}

func TestPeerCheck(t *testing.T) {
	c := start(t, &Server{Keychain: &keychain.Mem{}, Version: "t", OpenPCSC: noPCSC})
	st, err := c.Status(context.Background())
	if err != nil || st.Version != "t" || st.PID != os.Getpid() || st.CardError == "" {
		t.Fatalf("status: %+v %v", st, err)
	}
	// A bridge that belongs to another user refuses this process (SO_PEERCRED on Linux).
	other := os.Getuid() + 1
	c2 := start(t, &Server{Keychain: &keychain.Mem{}, User: strconv.Itoa(other), OpenPCSC: noPCSC})
	if _, err := c2.Status(context.Background()); code(err) != "forbidden" {
		t.Fatalf("other user's bridge answered: %v", err)
	}
}

func noPCSC() (*card.PCSC, error) { return nil, card.ErrNoService }

func testSessionKeys(t *testing.T, kc keychain.Keychain) {
	clk := &clock{t: time.Now()}
	c := start(t, &Server{Keychain: kc, Now: clk.Now, OpenPCSC: noPCSC})
	ctx := context.Background()
	key := bytes.Repeat([]byte{7}, 32)
	acct := "session/vault1/42"
	if err := c.PutSessionKey(ctx, "vault1", "42", key, clk.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got, err := kc.Get(acct); err != nil || !bytes.Equal(got, key) {
		t.Fatalf("keychain after put: %v", err)
	}
	got, err := c.SessionKey(ctx, "vault1", "42")
	if err != nil || !bytes.Equal(got, key) {
		t.Fatalf("get: %v", err)
	}
	// Logout deletes it.
	if err := c.DeleteSessionKey(ctx, "vault1", "42"); err != nil {
		t.Fatal(err)
	}
	if _, err := kc.Get(acct); !errors.Is(err, keychain.ErrNotFound) {
		t.Fatalf("keychain after delete: %v", err)
	}
	// The session's absolute end deletes it too.
	if err := c.PutSessionKey(ctx, "vault1", "42", key, clk.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	clk.Add(2 * time.Minute)
	if _, err := c.SessionKey(ctx, "vault1", "42"); code(err) != "no_session" {
		t.Fatalf("expired key served: %v", err)
	}
	if _, err := kc.Get(acct); !errors.Is(err, keychain.ErrNotFound) {
		t.Fatalf("expired key still in keychain: %v", err)
	}
	// Bad input is refused with a code.
	if err := c.PutSessionKey(ctx, "vault1", "42", key[:5], clk.Now().Add(time.Hour)); code(err) != "bad_request" {
		t.Fatalf("short key: %v", err)
	}
	if err := c.PutSessionKey(ctx, "../x", "42", key, clk.Now().Add(time.Hour)); err == nil {
		t.Fatal("path-like vault id accepted")
	}
}

func TestSessionKeysMem(t *testing.T) { testSessionKeys(t, &keychain.Mem{}) }

// TestSessionKeysOfAKilledBridge: every session key is listed (account and expiry, never the
// key) before it enters the keychain; a bridge that was killed leaves its keys listed, and the
// next bridge deletes them before it answers. A bridge that stops cleanly deletes its keys.
func TestSessionKeysOfAKilledBridge(t *testing.T) {
	kc := &keychain.Mem{}
	state := filepath.Join(t.TempDir(), "state")
	cfg := filepath.Join(state, "bridge.json")
	list := filepath.Join(state, "sessions.json")
	key := bytes.Repeat([]byte{9}, 32)
	ctx := context.Background()

	// A bridge holds two sessions; the list names both and holds no key.
	dir := filepath.Join(t.TempDir(), "run")
	l, err := Listen(dir)
	if err != nil {
		t.Fatal(err)
	}
	sctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- (&Server{Keychain: kc, OpenPCSC: noPCSC, ConfigPath: cfg}).Serve(sctx, l) }()
	c := &bridge.Client{Path: bridge.SocketIn(dir)}
	for _, u := range []string{"1", "2"} {
		if err := c.PutSessionKey(ctx, "vaultA", u, key, time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(list)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "session/vaultA/1") || !strings.Contains(string(b), "session/vaultA/2") {
		t.Fatalf("the list does not name the held sessions: %s", b)
	}
	if bytes.Contains(b, key) || strings.Contains(string(b), base64.StdEncoding.EncodeToString(key)) {
		t.Fatal("the list holds a session key")
	}
	if fi, err := os.Stat(list); err != nil || (runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600) {
		t.Fatalf("list mode: %v %v", fi.Mode(), err)
	}
	// The list as a killed bridge leaves it: copied now, restored after the clean stop below.
	killed := b
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := len(kc.Accounts()); n != 0 {
		t.Fatalf("a clean stop left %d session keys", n)
	}
	// Simulate the kill: the keys are still in the keychain and listed.
	kc.Set("session/vaultA/1", key)
	kc.Set("session/vaultA/2", key)
	kc.Set("device-secret/vaultA", key) // not a session: never touched
	if err := os.WriteFile(list, killed, 0o600); err != nil {
		t.Fatal(err)
	}
	c2 := start(t, &Server{Keychain: kc, OpenPCSC: noPCSC, ConfigPath: cfg})
	if _, err := c2.Status(ctx); err != nil {
		t.Fatal(err)
	}
	if got := kc.Accounts(); len(got) != 1 || got[0] != "device-secret/vaultA" {
		t.Fatalf("after the next start the keychain holds %v, want only the device secret", got)
	}
	if b, _ := os.ReadFile(list); strings.Contains(string(b), "session/") {
		t.Errorf("the list still names sessions: %s", b)
	}
	// A damaged list is removed, not trusted to name other accounts.
	os.WriteFile(list, []byte(`[{"account":"device-secret/vaultA"},{"account":"session/../x"}]`), 0o600)
	start(t, &Server{Keychain: kc, OpenPCSC: noPCSC, ConfigPath: cfg}).Status(ctx)
	if _, err := kc.Get("device-secret/vaultA"); err != nil {
		t.Fatal("a listed account that is not a session was deleted")
	}
}

// TestSessionKeysOSKeychain: the session key appears in and disappears from the real keychain.
func TestSessionKeysOSKeychain(t *testing.T) {
	testenv.Keyring(t)
	testSessionKeys(t, keychain.OS())
}

// The card tests use the second vpcd slot so they do not collide with devices/card's tests,
// which use the first, when packages run in parallel.
const (
	slot1Addr   = "127.0.0.1:35964"
	slot1Reader = "Virtual PCD 00 01"
)

var (
	keysOnce sync.Once
	keys     *simcard.Keys
	keysErr  error
)

func requirePCSCD(t *testing.T) { testenv.NeedPCSCReader(t, slot1Reader, card.ListReaders) }

// TestCardReadThroughBridge reads the virtual My Number card through pcscd and the bridge's
// local API, with a wrong PIN first (tries are reported, nothing is read).
func TestCardReadThroughBridge(t *testing.T) {
	testenv.VPCDSlot(t, 1) // app/ui's card tests use the same slot
	requirePCSCD(t)
	keysOnce.Do(func() { keys, keysErr = simcard.GenerateKeys(nil) })
	if keysErr != nil {
		t.Fatal(keysErr)
	}
	sim, err := simcard.New(simcard.Config{Keys: keys, Name: "番号 花子", Address: "鹿児島県鹿児島市山下町11番1号"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	slot, err := sim.Insert(ctx, slot1Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer slot.Pull()
	waitCardPresent(t)
	c := start(t, &Server{Keychain: &keychain.Mem{}})

	rs, err := c.Readers(ctx)
	if err != nil || !slices.Contains(rs, slot1Reader) {
		t.Fatalf("readers: %v %v", rs, err)
	}
	if len(rs) > 1 {
		if _, err := c.CardRetries(ctx, ""); code(err) != "choose_reader" {
			t.Fatalf("several readers without a choice: %v", err)
		}
	}
	n, err := c.CardRetries(ctx, slot1Reader)
	if err != nil || n != 3 {
		t.Fatalf("retries: %d %v", n, err)
	}
	_, err = c.ReadCard(ctx, slot1Reader, "9999", false)
	var e *bridge.Error
	if !errors.As(err, &e) || e.Code != "wrong_pin" || e.Retries != 2 {
		t.Fatalf("wrong PIN: %v", err)
	}
	if strings.Contains(err.Error(), "9999") {
		t.Fatal("the PIN reached an error message")
	}
	if _, err := c.ReadCard(ctx, slot1Reader, "12a4", false); code(err) != "bad_pin_format" {
		t.Fatalf("malformed PIN: %v", err)
	}
	d, err := c.ReadCard(ctx, slot1Reader, simcard.DefaultPIN, false)
	if err != nil {
		t.Fatal(err)
	}
	if d.Number != simcard.TestNumber || d.Name != "番号 花子" || !strings.HasPrefix(d.Address, "鹿児島県") || d.BirthDate == "" ||
		!strings.Contains("0129", d.Sex) || len(d.Sex) != 1 {
		t.Fatalf("card data: name %q address %q birth %q", d.Name, d.Address, d.BirthDate)
	}
	// A good read resets the counter.
	if n, _ := c.CardRetries(ctx, slot1Reader); n != 3 {
		t.Fatalf("retries after a good read: %d", n)
	}
}

// TestStop: POST /v1/stop ends Serve, which deletes the session keys first.
func TestStop(t *testing.T) {
	kc := &keychain.Mem{}
	dir := filepath.Join(t.TempDir(), "run")
	l, err := Listen(dir)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		done <- (&Server{Keychain: kc, OpenPCSC: noPCSC, ConfigPath: filepath.Join(t.TempDir(), "bridge.json")}).Serve(context.Background(), l)
	}()
	c := &bridge.Client{Path: bridge.SocketIn(dir)}
	ctx := context.Background()
	if err := c.PutSessionKey(ctx, "v", "1", bytes.Repeat([]byte{1}, 32), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(ctx); err != nil {
		t.Fatalf("stop: %v", err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve after stop: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the bridge did not stop")
	}
	if n := len(kc.Accounts()); n != 0 {
		t.Errorf("%d session keys left after stop", n)
	}
}
