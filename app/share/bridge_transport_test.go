package share_test

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/app/share"
	"github.com/mynumber-shelter/shelter/app/share/sharetest"
	"github.com/mynumber-shelter/shelter/bridge"
	"github.com/mynumber-shelter/shelter/bridge/daemon"
	"github.com/mynumber-shelter/shelter/cloud"
	"github.com/mynumber-shelter/shelter/cloud/envelope"
	cstore "github.com/mynumber-shelter/shelter/cloud/store"
	"github.com/mynumber-shelter/shelter/internal/keychain"
)

// startBridge runs a real shelter-bridge on a Unix socket with its own state directory.
func startBridge(t *testing.T) *bridge.Client {
	t.Helper()
	state := t.TempDir()
	t.Setenv("SHELTER_BRIDGE_STATE", state)
	l, err := daemon.Listen(filepath.Join(t.TempDir(), "run"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- (&daemon.Server{Keychain: &keychain.Mem{}, ConfigPath: filepath.Join(state, "bridge.json")}).Serve(ctx, l)
	}()
	t.Cleanup(func() { cancel(); <-done })
	c := &bridge.Client{Path: l.Addr().String()}
	for i := 0; ; i++ {
		if _, err := c.Status(ctx); err == nil {
			return c
		} else if i == 100 {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestBridgeTransport runs share.BridgeTransport against a real bridge enrolled with a real
// relay on loopback TLS, with a peer office talking to the relay directly.
func TestBridgeTransport(t *testing.T) {
	relay := sharetest.StartRelay(t)
	c := startBridge(t)
	tr := &share.BridgeTransport{Bridge: c, PageSize: 1}
	ctx := context.Background()

	if _, err := tr.Companies(ctx); !errors.Is(err, share.ErrNoRelay) {
		t.Fatalf("before enrolment: %v, want ErrNoRelay", err)
	}
	if tr.Office() != "" {
		t.Fatal("an office before enrolment")
	}
	down := &share.BridgeTransport{Bridge: &bridge.Client{Path: filepath.Join(t.TempDir(), "none.sock")}}
	if err := down.PublishKey(ctx, make([]byte, 65)); !errors.Is(err, share.ErrBridgeUnavailable) {
		t.Fatalf("bridge down: %v", err)
	}

	tok, _, err := cloud.NewEnrolToken(ctx, relay.Store, cstore.Office{Name: "事務所A"}, time.Hour, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := c.SyncEnrol(ctx, relay.URL, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: relay.PKI.CA.Raw})), tok)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Office() != st.Office || tr.Sender() == (envelope.KeyID{}) {
		t.Fatalf("identity %q %x after enrolling as %q", tr.Office(), tr.Sender(), st.Office)
	}
	peer := relay.Enrol(t, "事務所B")

	// Directory both ways.
	kA, _ := ecdh.P256().GenerateKey(rand.Reader)
	kB, _ := ecdh.P256().GenerateKey(rand.Reader)
	if err := tr.PublishKey(ctx, kA.PublicKey().Bytes()); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.PeerKey(ctx, peer.Office()); !errors.Is(err, share.ErrNotFound) {
		t.Fatalf("unpublished peer: %v", err)
	}
	if err := peer.PublishKey(ctx, kB.PublicKey().Bytes()); err != nil {
		t.Fatal(err)
	}
	if k, err := tr.PeerKey(ctx, peer.Office()); err != nil || k.Name != "事務所B" || !bytes.Equal(k.PublicKey, kB.PublicKey().Bytes()) {
		t.Fatalf("peer key = %+v, %v", k, err)
	}
	if k, err := peer.PeerKey(ctx, tr.Office()); err != nil || !bytes.Equal(k.PublicKey, kA.PublicKey().Bytes()) {
		t.Fatalf("A's key seen by the peer = %+v, %v", k, err)
	}

	// A company with the peer as member.
	const company = "c-bridgetransport001"
	der, _ := x509.MarshalPKIXPublicKey(kA.PublicKey())
	if err := tr.RegisterCompany(ctx, company, der); err != nil {
		t.Fatal(err)
	}
	if err := tr.AddMember(ctx, company, peer.Office()); err != nil {
		t.Fatal(err)
	}
	if list, err := peer.Companies(ctx); err != nil || !slices.Contains(list, company) {
		t.Fatalf("peer's companies = %v, %v", list, err)
	}

	// An envelope larger than the bridge's 1 MiB body cap, sealed against the bridge's header.
	big := make([]byte, 1500<<10)
	rand.Read(big)
	var gotAAD []byte
	if err := tr.Send(ctx, company, "batch", func(aad []byte) ([]byte, error) {
		gotAAD = bytes.Clone(aad)
		return big, nil
	}); err != nil {
		t.Fatal(err)
	}
	// A send that is overtaken by a later one is refused by the relay as older.
	err = tr.Send(ctx, company, "batch", func([]byte) ([]byte, error) {
		if err := tr.Send(ctx, company, "batch", func([]byte) ([]byte, error) { return []byte("later"), nil }); err != nil {
			return nil, err
		}
		return []byte("earlier"), nil
	})
	if !errors.Is(err, share.ErrReplay) {
		t.Fatalf("overtaken send: %v, want ErrReplay", err)
	}

	// The peer receives both, signed by the bridge's key, in order; Receive pages through them.
	got, err := peer.Receive(ctx, company, 0)
	if err != nil || len(got) != 2 {
		t.Fatalf("peer received %d, %v", len(got), err)
	}
	e, err := envelope.Parse(got[0].Body)
	if err != nil {
		t.Fatal(err)
	}
	aad, _ := e.AAD()
	if e.Sender != tr.Sender() || !bytes.Equal(aad, gotAAD) || !bytes.Equal(e.Ciphertext, big) || e.Company != company || e.Record != "batch" {
		t.Fatal("the peer's envelope is not the one sealed against the bridge's header")
	}
	e2, _ := envelope.Parse(got[1].Body)
	if e2.Seq <= e.Seq || string(e2.Ciphertext) != "later" {
		t.Fatalf("second envelope seq %d after %d", e2.Seq, e.Seq)
	}
	mine, err := tr.Receive(ctx, company, 0)
	if err != nil || len(mine) != 2 || mine[0].ID != got[0].ID || mine[1].ID != got[1].ID {
		t.Fatalf("Receive through the bridge = %d items, %v", len(mine), err)
	}
	if rest, err := tr.Receive(ctx, company, got[0].ID); err != nil || len(rest) != 1 || rest[0].ID != got[1].ID {
		t.Fatalf("Receive after the first = %+v, %v", rest, err)
	}
}

// TestRemoveMemberTransports ends memberships through both transports against a real relay:
// share.BridgeTransport through a real bridge, and share.RelayClient straight to the relay. A
// removed office cannot receive the company's envelopes; a member not in the company is
// ErrNotFound; the last member's removal is ErrLastMember.
func TestRemoveMemberTransports(t *testing.T) {
	relay := sharetest.StartRelay(t)
	tr := &share.BridgeTransport{Bridge: startBridge(t)}
	ctx := context.Background()
	tok, _, err := cloud.NewEnrolToken(ctx, relay.Store, cstore.Office{Name: "事務所A"}, time.Hour, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Bridge.SyncEnrol(ctx, relay.URL, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: relay.PKI.CA.Raw})), tok); err != nil {
		t.Fatal(err)
	}
	peer, third, outsider := relay.Enrol(t, "事務所B"), relay.Enrol(t, "事務所C"), relay.Enrol(t, "事務所D")
	const company = "c-removemember001"
	k, _ := ecdh.P256().GenerateKey(rand.Reader)
	der, _ := x509.MarshalPKIXPublicKey(k.PublicKey())
	if err := tr.RegisterCompany(ctx, company, der); err != nil {
		t.Fatal(err)
	}
	for _, o := range []share.Transport{peer, third} {
		if err := tr.AddMember(ctx, company, o.Office()); err != nil {
			t.Fatal(err)
		}
	}
	if err := tr.Send(ctx, company, "batch", func([]byte) ([]byte, error) { return []byte("ct"), nil }); err != nil {
		t.Fatal(err)
	}
	receives := func(name string, o share.Transport) bool {
		t.Helper()
		got, err := o.Receive(ctx, company, 0)
		if err == nil && len(got) != 1 {
			t.Fatalf("%s received %d envelopes, want 1", name, len(got))
		}
		return err == nil
	}
	if !receives("B", peer) || !receives("A", tr) {
		t.Fatal("a member cannot receive")
	}

	// Through the bridge: a non-member is ErrNotFound; A removes B.
	if err := tr.RemoveMember(ctx, company, outsider.Office()); !errors.Is(err, share.ErrNotFound) {
		t.Fatalf("bridge: removing a non-member: %v, want ErrNotFound", err)
	}
	if err := outsider.RemoveMember(ctx, company, peer.Office()); !errors.Is(err, share.ErrNotMember) {
		t.Fatalf("relay client: a non-member removes B: %v, want the relay's 403", err)
	}
	if err := tr.RemoveMember(ctx, company, peer.Office()); err != nil {
		t.Fatalf("bridge: A removes B: %v", err)
	}
	if receives("B", peer) {
		t.Fatal("the removed office still receives")
	}
	if list, err := peer.Companies(ctx); err != nil || slices.Contains(list, company) {
		t.Fatalf("B's companies after the removal = %v, %v", list, err)
	}
	if err := tr.RemoveMember(ctx, company, peer.Office()); !errors.Is(err, share.ErrNotFound) {
		t.Fatalf("bridge: removing B again: %v, want ErrNotFound", err)
	}

	// Straight to the relay: C removes A (the bridge's office), which then cannot receive.
	if err := third.RemoveMember(ctx, company, outsider.Office()); !errors.Is(err, share.ErrNotFound) {
		t.Fatalf("relay client: removing a non-member: %v, want ErrNotFound", err)
	}
	if err := third.RemoveMember(ctx, company, tr.Office()); err != nil {
		t.Fatalf("relay client: C removes A: %v", err)
	}
	if receives("A", tr) {
		t.Fatal("the office removed from the company still receives through the bridge")
	}
	if err := tr.AddMember(ctx, company, peer.Office()); !errors.Is(err, share.ErrNotMember) {
		t.Fatalf("bridge: the removed office adds B back: %v, want ErrNotMember", err)
	}
	if err := third.RemoveMember(ctx, company, third.Office()); !errors.Is(err, share.ErrLastMember) {
		t.Fatalf("relay client: the last member leaves: %v, want ErrLastMember", err)
	}

	// C adds A back and leaves; A, now the last member, cannot leave through the bridge.
	if err := third.AddMember(ctx, company, tr.Office()); err != nil {
		t.Fatal(err)
	}
	if err := third.RemoveMember(ctx, company, third.Office()); err != nil {
		t.Fatalf("relay client: C leaves: %v", err)
	}
	if receives("C", third) {
		t.Fatal("the office that left still receives")
	}
	if err := tr.RemoveMember(ctx, company, tr.Office()); !errors.Is(err, share.ErrLastMember) {
		t.Fatalf("bridge: the last member leaves: %v, want ErrLastMember", err)
	}
	if !receives("A", tr) {
		t.Fatal("the refused leave ended A's membership")
	}

	// With B back, A leaves through the bridge and B keeps the company.
	if err := tr.AddMember(ctx, company, peer.Office()); err != nil {
		t.Fatal(err)
	}
	if err := tr.RemoveMember(ctx, company, tr.Office()); err != nil {
		t.Fatalf("bridge: A leaves: %v", err)
	}
	if receives("A", tr) || !receives("B", peer) {
		t.Fatal("after A left, A still receives or B does not")
	}
}
