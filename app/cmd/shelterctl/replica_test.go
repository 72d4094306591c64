package main

import (
	"context"
	"crypto/rand"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/app/vault"
	"github.com/mynumber-shelter/shelter/bridge"
	"github.com/mynumber-shelter/shelter/cloud"
	cloudstore "github.com/mynumber-shelter/shelter/cloud/store"
)

// TestReplicaCommands: replica upload sends the office's sealed vault through a real bridge to
// a real relay on loopback TLS; restore --from-relay brings it onto another PC with a restore
// code and the Recovery Kit, and the administrator works there with the new password.
func TestReplicaCommands(t *testing.T) {
	ctx := context.Background()
	rst, err := cloudstore.OpenSQLite(ctx, filepath.Join(t.TempDir(), "relay.db"))
	if err != nil {
		t.Fatal(err)
	}
	pki, err := cloud.NewDevPKI(rand.Reader, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := (&cloud.Server{Store: rst, ClientCA: pki.ClientCA, ClientCAKey: pki.ClientCAKey}).HTTPServer("", pki.Server)
	go hs.ServeTLS(ln, "", "")
	t.Cleanup(func() { hs.Close(); rst.Close() })
	relayURL := "https://" + ln.Addr().String()
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: pki.CA.Raw}), 0o600)

	kc := &vault.MemKeychain{}
	state := t.TempDir()
	t.Setenv("SHELTER_BRIDGE_STATE", state)
	run := filepath.Join(t.TempDir(), "run")
	l, err := bridge.Listen(run)
	if err != nil {
		t.Fatal(err)
	}
	bctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- (&bridge.Server{Keychain: kc, ConfigPath: filepath.Join(state, "bridge.json")}).Serve(bctx, l)
	}()
	t.Cleanup(func() { cancel(); <-done })
	socket := filepath.Join(run, bridge.SocketName)
	tok, _, err := cloud.NewEnrolToken(ctx, rst, cloudstore.Office{Name: "relay customer"}, time.Hour, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := os.ReadFile(caFile)
	st, err := (&bridge.Client{Path: socket}).SyncEnrol(ctx, relayURL, string(ca), tok)
	if err != nil {
		t.Fatal(err)
	}

	old := newHarness(t, &vault.MemKeychain{})
	old.socket = socket
	kitFile := filepath.Join(t.TempDir(), "kit.txt")
	if r := old.run(pw, "--vault", old.dir, "init", "--office", "鹿児島社労士事務所", "--admin", "admin", "--second-factor", "optional", "--reason", noReaders, "--kit", kitFile); r.code != 0 {
		t.Fatalf("init: %d %s", r.code, r.stderr)
	}
	if r := old.run(pw, old.as("company", "add", "--name", "株式会社サンプル")...); r.code != 0 {
		t.Fatalf("company add: %d %s", r.code, r.stderr)
	}
	if r := old.run(pw, old.as("replica", "status")...); r.code != 0 || !strings.Contains(r.stdout, "last upload: none") {
		t.Fatalf("replica status: %d %q %q", r.code, r.stdout, r.stderr)
	}
	r := old.run(pw, old.as("replica", "upload")...)
	if r.code != 0 || !strings.Contains(r.stdout, "changes not yet uploaded: 0") || !strings.Contains(r.stdout, "last upload: 20") {
		t.Fatalf("replica upload: %d %q %q", r.code, r.stdout, r.stderr)
	}
	sn, err := rst.SnapshotInfo(ctx, st.Office)
	if err != nil || sn.Size == 0 {
		t.Fatalf("relay: %+v %v", sn, err)
	}
	code, _, err := cloud.NewRestoreCode(ctx, rst, st.Office, nil, nil) // the operator's shelter-cloud restore-code
	if err != nil {
		t.Fatal(err)
	}
	kitText, _ := os.ReadFile(kitFile)
	key := regexp.MustCompile(`リカバリーキー:\n((?:    \S+\n)+)`).FindStringSubmatch(string(kitText))
	kit := strings.Join(strings.Fields(key[1]), "")

	fresh := newHarness(t, &vault.MemKeychain{})
	const newPW = "the new PC's office passphrase\n"
	args := fresh.as("restore", "--from-relay", relayURL, "--ca", caFile, "--code", code)
	if r := fresh.run(kit+"\n"+newPW, args...); r.code != 0 {
		t.Fatalf("restore --from-relay: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := fresh.run(newPW, fresh.as("company", "list")...); r.code != 0 || !strings.Contains(r.stdout, "株式会社サンプル") {
		t.Fatalf("company list on the new PC: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := fresh.run(kit+"\n"+newPW, args...); r.code == 0 {
		t.Fatal("a second restore with the used code succeeded")
	}
}
