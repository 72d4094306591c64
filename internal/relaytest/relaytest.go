// Package relaytest runs the real relay and a real shelter-bridge for tests of the parts above
// them (the app's services, the browser tests, shelterctl, benchmarks): shelter-cloud on
// loopback TLS with a development PKI, and the bridge on a Unix socket of its own.
package relaytest

import (
	"context"
	"crypto/rand"
	"encoding/pem"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/bridge"
	"github.com/mynumber-shelter/shelter/bridge/daemon"
	"github.com/mynumber-shelter/shelter/cloud"
	cloudstore "github.com/mynumber-shelter/shelter/cloud/store"
	"github.com/mynumber-shelter/shelter/internal/keychain"
)

// Relay is a running relay.
type Relay struct {
	URL   string
	CAPEM string
	Store cloudstore.Store
	// DBFile is the SQLite file ("" on another store).
	DBFile string
}

// Start runs a relay on a new SQLite file for the test's life (no rate limits).
func Start(tb testing.TB) *Relay {
	tb.Helper()
	file := filepath.Join(tb.TempDir(), "relay.db")
	st, err := cloudstore.OpenSQLite(context.Background(), file)
	if err != nil {
		tb.Fatal(err)
	}
	r := StartOn(tb, st)
	r.DBFile = file
	return r
}

// StartOn runs a relay on st for the test's life (no rate limits) and closes st at the end.
func StartOn(tb testing.TB, st cloudstore.Store) *Relay {
	tb.Helper()
	return startWith(tb, st, newPKI(tb))
}

// StartPair runs two relays, each on its own store handle (st1, st2: one database, as two relay
// processes behind a load balancer share one PostgreSQL) with one PKI, so that a bridge
// enrolled through one is served by the other.
func StartPair(tb testing.TB, st1, st2 cloudstore.Store) (*Relay, *Relay) {
	tb.Helper()
	pki := newPKI(tb)
	return startWith(tb, st1, pki), startWith(tb, st2, pki)
}

func newPKI(tb testing.TB) *cloud.DevPKI {
	tb.Helper()
	pki, err := cloud.NewDevPKI(rand.Reader, time.Now())
	if err != nil {
		tb.Fatal(err)
	}
	return pki
}

func startWith(tb testing.TB, st cloudstore.Store, pki *cloud.DevPKI) *Relay {
	tb.Helper()
	srv := &cloud.Server{Store: st, ClientCA: pki.ClientCA, ClientCAKey: pki.ClientCAKey,
		Limits: cloud.Limits{PerIP: cloud.Unlimited, PerOffice: cloud.Unlimited, PerIPLogin: cloud.Unlimited}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	hs := srv.HTTPServer("", pki.Server)
	go hs.ServeTLS(ln, "", "")
	tb.Cleanup(func() { hs.Close(); st.Close() })
	return &Relay{URL: "https://" + ln.Addr().String(), Store: st,
		CAPEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: pki.CA.Raw}))}
}

// Token is a one-time enrolment token for a new office named name.
func (r *Relay) Token(tb testing.TB, name string) string {
	tb.Helper()
	tok, _, err := cloud.NewEnrolToken(context.Background(), r.Store, cloudstore.Office{Name: name}, time.Hour, nil, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

// Bridge runs a real shelter-bridge with the keychain kc and its state in state ("" = a new
// directory; SHELTER_BRIDGE_STATE is set for the test, so the test cannot be parallel), on a
// socket of its own for the test's life, and returns the socket's path.
func Bridge(t *testing.T, kc keychain.Keychain, state string) string {
	t.Helper()
	if state == "" {
		state = t.TempDir()
	}
	t.Setenv("SHELTER_BRIDGE_STATE", state)
	dir := filepath.Join(t.TempDir(), "run")
	l, err := daemon.Listen(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- (&daemon.Server{Keychain: kc, ConfigPath: filepath.Join(state, "bridge.json")}).Serve(ctx, l)
	}()
	t.Cleanup(func() { cancel(); <-done })
	return bridge.SocketIn(dir)
}
