package ui

import (
	"context"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/app/share/sharetest"
	"github.com/mynumber-shelter/shelter/bridge"
	"github.com/mynumber-shelter/shelter/cloud"
	cloudstore "github.com/mynumber-shelter/shelter/cloud/store"
	"github.com/mynumber-shelter/shelter/internal/keychain"
	"github.com/mynumber-shelter/shelter/internal/testenv"
)

// bridgeKeychain is the OS keychain under scripts/with-keyring.sh, else a memory keychain.
func bridgeKeychain(t *testing.T) keychain.Keychain {
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") != "" || os.Getenv("SHELTER_REQUIRE_KEYRING") == "1" {
		testenv.Keyring(t)
		return keychain.OS()
	}
	return &keychain.Mem{}
}

// startShareBridge runs a bridge with its own state directory and waits until it answers (the
// bridge reads SHELTER_BRIDGE_STATE when it builds its routes, so the next one may start then).
func startShareBridge(t *testing.T, kc keychain.Keychain) string {
	t.Helper()
	sock := syncBridge(t, filepath.Join(t.TempDir(), "bridge-state"), kc)
	c := &bridge.Client{Path: sock}
	for i := 0; ; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := c.Status(ctx)
		cancel()
		if err == nil {
			return sock
		}
		if i == 100 {
			t.Fatalf("bridge on %s does not answer: %v", sock, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// newBridgeShareSide is an installation whose App talks to the bridge on sock, with the
// product's wiring (the bridge supervisor's hook sets the share transport; the test sets none).
func newBridgeShareSide(t *testing.T, office, sock string) *shareSide {
	t.Helper()
	f := &fixture{clock: &clock{t: time.Now().UTC()}, kc: &keychain.Mem{}, dir: t.TempDir()}
	a, err := New(Config{VaultDir: f.dir, Keychain: f.kc, KDF: fastKDF, Version: "test", Now: f.clock.Now, Log: testLog(t),
		BridgeSocket: sock, BridgeCommand: []string{}, SecondFactor: "optional"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	f.app = a
	s := &shareSide{fixture: f, t: t, office: office, pw: map[string]string{"admin": adminPW}, ids: map[string]int64{}}
	kit, err := a.Session.Setup(SetupRequest{Office: Office{Name: office, Kind: "sharoushi"}, AdminLogin: "admin", AdminName: "管理 太郎", Password: adminPW})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Session.ConfirmRecoveryKit(kit.Key); err != nil {
		t.Fatal(err)
	}
	st, err := a.Session.State()
	if err != nil {
		t.Fatal(err)
	}
	s.ids["admin"] = st.User.ID
	return s
}

// enrolBridge enrols the bridge on sock with the relay as an office called name.
func enrolBridge(t *testing.T, relay *sharetest.Relay, sock, name string) string {
	t.Helper()
	ctx := context.Background()
	tok, _, err := cloud.NewEnrolToken(ctx, relay.Store, cloudstore.Office{Name: name}, time.Hour, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	caPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: relay.PKI.CA.Raw}))
	st, err := (&bridge.Client{Path: sock}).SyncEnrol(ctx, relay.URL, caPEM, tok)
	if err != nil || !st.Enrolled {
		t.Fatalf("enrol %s: %+v %v", name, st, err)
	}
	return st.Office
}

// TestShareThroughBridges is M-6 as the product runs it: two installations, each with its own
// vault and its own bridge (state directory, keychain, Unix socket), enrolled with a real relay
// on loopback TLS. Before the app connects to an enrolled bridge M-6 answers "no relay"; after
// it, A offers a company, B accepts, A registers a number and B sees it masked after syncing.
func TestShareThroughBridges(t *testing.T) {
	relay := sharetest.StartRelay(t)
	sockA := startShareBridge(t, bridgeKeychain(t))
	sockB := startShareBridge(t, bridgeKeychain(t))
	a := newBridgeShareSide(t, "ひまわり社労士事務所", sockA)
	b := newBridgeShareSide(t, "株式会社テスト", sockB)

	if _, err := a.app.Share.Identity(); code(t, err) != "conflict" || field(err) != "relay" {
		t.Fatalf("identity before enrolment: %v, want no relay", err)
	}
	officeA := enrolBridge(t, relay, sockA, "ひまわり社労士事務所")
	officeB := enrolBridge(t, relay, sockB, "株式会社テスト")
	for _, side := range []*shareSide{a, b} { // the supervisor connects; its hook sets the transport
		t.Cleanup(side.app.StartBridge())
		for i := 0; side.app.share.Transport == nil; i++ {
			if i == 200 {
				t.Fatalf("%s: no share transport after connecting to the enrolled bridge", side.office)
			}
			time.Sleep(25 * time.Millisecond)
		}
	}

	c1, err := a.app.Company.Create(Company{Code: "C001", Name: "株式会社テスト"})
	if err != nil {
		t.Fatal(err)
	}
	a.user("tanto")
	if _, err := a.app.Handlers.Set(c1.ID, []int64{a.ids["admin"]}, []int64{a.ids["tanto"]}); err != nil {
		t.Fatal(err)
	}
	idA, err := a.app.Share.Identity()
	if err != nil || idA.Office != officeA {
		t.Fatalf("A's identity = %+v, %v (bridge enrolled as %s)", idA, err, officeA)
	}
	idB, err := b.app.Share.Identity()
	if err != nil || idB.Office != officeB {
		t.Fatalf("B's identity = %+v, %v (bridge enrolled as %s)", idB, err, officeB)
	}
	peer, err := a.app.Share.LookupPeer(officeB)
	if err != nil || peer.Fingerprint != idB.Fingerprint || peer.Name != "株式会社テスト" {
		t.Fatalf("LookupPeer(B) = %+v, %v", peer, err)
	}
	if _, err := a.app.Share.LookupPeer("o-nobody"); code(t, err) != "not_found" {
		t.Fatalf("LookupPeer(unknown): %v", err)
	}
	if err := a.app.Share.Offer(ShareOfferIn{CompanyID: c1.ID, Office: officeB, Fingerprint: idB.Fingerprint}); err != nil {
		t.Fatal(err)
	}
	offers, err := b.app.Share.Offers()
	if err != nil || len(offers) != 1 || offers[0].FromOffice != officeA || offers[0].Fingerprint != idA.Fingerprint || offers[0].CompanyCode != "C001" {
		t.Fatalf("B's offers = %+v, %v", offers, err)
	}
	cb, err := b.app.Share.Accept(offers[0].RelayCompany, idA.Fingerprint)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.app.Handlers.Set(cb, []int64{b.ids["admin"]}, nil); err != nil {
		t.Fatal(err)
	}

	a.as("tanto")
	a.clock.Add(time.Minute)
	e, err := a.app.Employees.SaveEmployee(Employee{CompanyID: c1.ID, Code: "E001", Name: "山田 太郎", NameKana: "ヤマダ タロウ",
		BirthDate: "1990-01-01", Sex: "male", HiredOn: "2020-04-01"})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.app.Employees.SetNumber(c1.ID, e.ID, shareNumber, false); err != nil {
		t.Fatal(err)
	}
	if r := a.sync(c1.ID); r.Sent != 2 {
		t.Fatalf("A sent %+v, want 2 records (person, number)", r)
	}
	if r := b.sync(cb); r.Received != 2 || r.Conflicts != 0 {
		t.Fatalf("B received %+v, want 2 records", r)
	}
	eb := b.employee(cb, "E001")
	if eb.Name != "山田 太郎" || !eb.HasNumber || eb.MaskedNumber != "**** **** 9018" {
		t.Fatalf("B's employee = %q has %v %q", eb.Name, eb.HasNumber, eb.MaskedNumber)
	}
	if r := b.sync(cb); r.Received != 0 || r.Sent != 0 {
		t.Fatalf("a second sync of B did %+v", r)
	}

	// Every envelope on the relay was signed by A's or B's bridge key, with A's sequences
	// increasing.
	idBridgeA, err := (&bridge.Client{Path: sockA}).ShareIdentity(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	list, err := relay.Store.ListEnvelopes(context.Background(), offers[0].RelayCompany, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var fromA int
	var last uint64
	for _, env := range list {
		if string(env.Sender[:]) == string(idBridgeA.Sender) {
			if env.Seq <= last {
				t.Fatalf("A's sequences go backwards: %d after %d", env.Seq, last)
			}
			fromA, last = fromA+1, env.Seq
		}
	}
	if fromA < 2 { // the offer and the batch
		t.Fatalf("%d of %d envelopes on the relay are signed by A's bridge", fromA, len(list))
	}
}
