package ui

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/bridge"
	"github.com/mynumber-shelter/shelter/cloud"
	cloudstore "github.com/mynumber-shelter/shelter/cloud/store"
	"github.com/mynumber-shelter/shelter/cloud/store/storetest"
	"github.com/mynumber-shelter/shelter/internal/keychain"
	"github.com/mynumber-shelter/shelter/internal/mynumber"
	"github.com/mynumber-shelter/shelter/internal/relaytest"
)

// TestReplicaEndToEnd is the office's second home, with a real bridge and a real relay on
// loopback TLS: enrolled in M-5, the office's vault goes to the relay sealed (the relay's
// database holds no name and no number); after a disposal the loop sends a new snapshot and the
// relay drops the old one; the PC dies, and a new PC restores the office from the cloud with a
// one-time code and the Recovery Kit — every number opens except the disposed one, the images
// open, the history verifies and says what happened.
func TestReplicaEndToEnd(t *testing.T) {
	t.Run("SQLite", func(t *testing.T) {
		r := relaytest.Start(t)
		replicaEndToEnd(t, r, r)
	})
	// Two relays on one PostgreSQL, as behind a load balancer: the office uploads through one
	// and the new PC restores through the other.
	t.Run("TwoRelaysOnePostgreSQL", func(t *testing.T) {
		sts := storetest.OpenPostgresPair(t, 2)
		up, down := relaytest.StartPair(t, sts[0], sts[1])
		replicaEndToEnd(t, up, down)
	})
}

// replicaEndToEnd is TestReplicaEndToEnd with the office's bridge on relay up and the new PC
// fetching from relay down (the same relay, or another on the same database); the relay's
// files are scanned when it is SQLite.
func replicaEndToEnd(t *testing.T, up, down *relaytest.Relay) {
	relayURL, caPEM, rst, relayDB := up.URL, up.CAPEM, up.Store, up.DBFile
	kc := &keychain.Mem{}
	sock := syncBridge(t, filepath.Join(t.TempDir(), "bridge-state"), kc)
	f := newDisposeFixture(t)
	a := f.app
	a.relay = &bridge.Client{Path: sock}
	ctx := context.Background()

	f.as("admin")
	if _, err := a.Replica.UploadNow(); code(t, err) != "not_enrolled" {
		t.Fatalf("upload before enrolment: %v", err)
	}
	tok, _, err := cloud.NewEnrolToken(ctx, rst, cloudstore.Office{Name: "relay customer 7"}, time.Hour, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Sync.Enrol(SyncEnrolInput{URL: "https://relay.example.jp", CAPEM: caPEM, Token: tok}); field(err) != "url" {
		t.Fatalf("the form's example address: %v", err)
	}
	st, err := a.Sync.Enrol(SyncEnrolInput{URL: relayURL, CAPEM: caPEM, Token: tok})
	if err != nil {
		t.Fatal(err)
	}
	v, err := a.Replica.Status()
	if err != nil || !v.Enrolled || v.Pending == 0 || v.LastAt != "" {
		t.Fatalf("before the first upload: %+v %v", v, err)
	}
	if v, err = a.Replica.UploadNow(); err != nil || v.LastAt == "" || v.LastBytes == 0 || v.Waiting || v.Pending != 0 || v.LastError != "" {
		t.Fatalf("after UploadNow: %+v %v", v, err)
	}
	first, err := rst.SnapshotInfo(ctx, st.Office)
	if err != nil || first.Size != v.LastBytes {
		t.Fatalf("relay snapshot: %+v %v", first, err)
	}

	// A disposal; the loop (as main.go starts it) sends the change.
	f.as("tanto")
	f.clock.Add(time.Minute)
	f.app.Replica.svc.MinGap = time.Millisecond
	defer func(d time.Duration) { replicaTick = d }(replicaTick)
	replicaTick = 10 * time.Millisecond
	if x := f.dispose("shred", "E001"); x.Status != "executed" {
		t.Fatalf("%+v", x)
	}
	stop := a.StartReplica()
	deadline := time.Now().Add(20 * time.Second)
	var second cloudstore.Snapshot
	for {
		second, err = rst.SnapshotInfo(ctx, st.Office)
		if err == nil && second.ID != first.ID {
			break
		}
		if time.Now().After(deadline) {
			stop()
			t.Fatalf("the change never reached the relay: %+v %v", second, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	stop()
	if l, _ := f.app.Replica.svc.Local(ctx); l.Pending() != 0 {
		t.Fatalf("%d changes not in the snapshot the loop sent", l.Pending())
	}

	// The relay holds one snapshot, sealed: nothing of the office in its database.
	secrets := [][]byte{[]byte("山田 太郎"), []byte("鈴木 花子"), []byte("株式会社エー"), []byte("テスト社労士事務所"), []byte("licence image of E004")}
	var local []byte
	for _, name := range []string{"vault.db", "vault.db-wal"} {
		b, _ := os.ReadFile(filepath.Join(f.dir, name))
		local = append(local, b...)
	}
	if !bytes.Contains(local, secrets[0]) {
		t.Fatal("scan is blind: the name is not in the local vault file either")
	}
	if relayDB != "" {
		relayFiles(t, relayDB, secrets)
	}
	f.as("admin")
	rc, err := a.Replica.RestoreCode()
	if err != nil || len(rc.Code) != 24 {
		t.Fatalf("restore code: %+v %v", rc, err)
	}

	// The new PC.
	f.app.Session.Logout()
	f.app.Close()
	f.fixture.dir, f.fixture.kc = t.TempDir(), &keychain.Mem{}
	f.app = f.fixture.open(t)
	req := CloudRestoreRequest{URL: down.URL, CAPEM: down.CAPEM, Code: "AAAA-BBBB-CCCC-DDDD-EEEE", RecoveryKey: f.kit.Key,
		Login: "admin", NewPassword: "the new PC's long passphrase"}
	if _, err := f.app.Replica.RestoreFromCloud(req); field(err) != "code" {
		t.Fatalf("a wrong code: %v", err)
	}
	example := req
	example.URL = "https://relay.example.jp/"
	if _, err := f.app.Replica.RestoreFromCloud(example); field(err) != "url" {
		t.Fatalf("the form's example address: %v", err)
	}
	req.Code = strings.ToLower(rc.Code)
	req.RecoveryKey = setup(t).kit.Key
	if _, err := f.app.Replica.RestoreFromCloud(req); field(err) != "recoveryKey" {
		t.Fatalf("another office's kit: %v", err)
	}
	// The code is used up at the relay, but the snapshot fetched with it waits for the retry.
	req.RecoveryKey = f.kit.Key
	s, err := f.app.Replica.RestoreFromCloud(req)
	if err != nil || !s.LoggedIn || s.User.Login != "admin" {
		t.Fatalf("restore from the cloud: %+v %v", s, err)
	}
	if _, err := f.app.Replica.RestoreFromCloud(req); code(t, err) != "already_set_up" {
		t.Fatalf("a second restore: %v", err)
	}
	if m, _, err := f.open(f.ids["E002"]); err != nil || m != "**** **** "+uiNumber(2)[8:] {
		t.Fatalf("E002 after the restore: %q %v", m, err)
	}
	if _, docs, err := f.open(f.ids["E004"]); err != nil || len(docs) != 2 {
		t.Fatalf("E004's images after the restore: %v %v", docs, err)
	}
	if m, _, err := f.open(f.ids["E001"]); !isShredded(err) || m != "" {
		t.Fatalf("the disposed E001 opens after the restore: %q %v", m, err)
	}
	if hv, err := f.app.History.Verify(); err != nil || !hv.OK {
		t.Fatalf("history: %+v %v", hv, err)
	}
	for _, action := range []string{"replica", "restore", "dispose"} {
		if page, err := f.app.History.Query(HistoryFilter{Action: action, Limit: 10}); err != nil || len(page.Entries) == 0 {
			t.Errorf("no %s entry in the restored history: %v", action, err)
		}
	}
}

// relayFiles fails the test when a file of the relay's database (the SQLite file, its WAL)
// holds one of secrets or a check-digit-valid 12-digit number.
func relayFiles(t *testing.T, dbFile string, secrets [][]byte) {
	t.Helper()
	for _, name := range []string{dbFile, dbFile + "-wal"} {
		b, err := os.ReadFile(name)
		if err != nil {
			continue
		}
		for _, sec := range secrets {
			if bytes.Contains(b, sec) {
				t.Errorf("%s holds %q", filepath.Base(name), sec)
			}
		}
		if _, hit := mynumber.ContainsValidIndividual(b); hit {
			t.Errorf("%s holds a check-digit-valid 12-digit number", filepath.Base(name))
		}
	}
}

// TestAuditAnchorsOnTheRelay: each snapshot leaves the history's digest on the relay; 2-1's
// verification compares the chain with them. A thief with the user's keychain who rewrites the
// whole history with the audit key gets a chain that verifies by itself — and is caught by the
// anchors, with the time the relay recorded the older history. The office was enrolled before
// with another vault (a PC set up anew, not restored), whose longer history anchored the same
// entry ids: those anchors belong to the other vault's chain and neither block nor fail this one.
func TestAuditAnchorsOnTheRelay(t *testing.T) {
	relay := relaytest.Start(t)
	sock := syncBridge(t, filepath.Join(t.TempDir(), "bridge-state"), &keychain.Mem{})
	f := setup(t)
	a := f.app
	a.relay = &bridge.Client{Path: sock}
	ctx := context.Background()
	if v, err := a.History.Verify(); err != nil || !v.OK || v.Anchors != 0 {
		t.Fatalf("before enrolment: %+v %v", v, err)
	}
	st, err := a.Sync.Enrol(SyncEnrolInput{URL: relay.URL, CAPEM: relay.CAPEM, Token: relay.Token(t, "relay customer")})
	if err != nil {
		t.Fatal(err)
	}
	var vaultID string
	if err := a.DB.View(ctx, func(tx *store.Tx) (err error) { vaultID, err = a.Vault.VaultID(tx); return err }); err != nil {
		t.Fatal(err)
	}
	chain := audit.ChainID(vaultID)
	earlier := audit.ChainID("an earlier vault of the office")
	for id := int64(1); id <= 500; id++ {
		if err := relay.Store.PutAnchor(ctx, st.Office, earlier, id, bytes.Repeat([]byte{byte(id)}, 32), time.Now().Add(-24*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.Replica.UploadNow(); err != nil {
		t.Fatal(err)
	}
	if as, err := relay.Store.ListAnchors(ctx, st.Office, chain, 0, 10); err != nil || len(as) != 1 {
		t.Fatalf("anchors on the relay: %+v %v", as, err)
	}
	v, err := a.History.Verify()
	if err != nil || !v.OK || v.Anchors != 1 || v.AnchoredAt == "" {
		t.Fatalf("after the upload: %+v %v", v, err)
	}
	if text := reportText(t, a); !regexp.MustCompile(`中継サーバーの記録 1 件とも一致。最後の記録は履歴番号 [1-9]\d*、20\d\d-`).MatchString(text) {
		t.Fatalf("the report of the anchored history:\n%s", text)
	}
	// The bridge stops answering: an office on the relay is told that the anchors were not
	// compared (a rewrite with the key would pass the chain alone), on screen and in the report.
	live := a.relay
	a.relay = &bridge.Client{Path: filepath.Join(t.TempDir(), "stopped.sock")}
	if v, err := a.History.Verify(); err != nil || !v.OK || v.Anchors != 0 || !strings.Contains(v.ReasonJA, "照合できませんでした") {
		t.Fatalf("with the bridge stopped: %+v %v", v, err)
	}
	if text := reportText(t, a); !strings.Contains(text, "中継サーバーの記録とは照合できませんでした") {
		t.Fatalf("the report with the bridge stopped:\n%s", text)
	}
	a.relay = live

	// The rewrite, with the audit key from the keychain: every entry replaced by one.
	if err := a.DB.Update(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(`DELETE FROM audit_log`); err != nil {
			return err
		}
		if _, err := tx.Exec(`DELETE FROM ` + tx.VaultTable("meta") + ` WHERE key = 'audit_head'`); err != nil {
			return err
		}
		if _, err := a.Audit.Append(tx, audit.Entry{Login: "admin", Action: audit.ActionSetup, Result: audit.ResultOK}); err != nil {
			return err
		}
		// A restore entry right after it would count every anchor as from before a restore
		// ("diverged", not broken): the key from the keychain writes the entry, not its mark.
		_, err := a.Audit.Append(tx, audit.Entry{Login: "admin", Action: audit.ActionRestore, Result: audit.ResultOK, TargetType: "vault"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if local, err := audit.Verify(ctx, a.DB, a.Audit.CurrentKey()); err != nil || !local.OK {
		t.Fatalf("the rewritten chain should verify by itself: %+v %v", local, err)
	}
	v, err = a.History.Verify()
	if err != nil || v.OK || !strings.Contains(v.ReasonJA, "書き換え") {
		t.Fatalf("the rewrite was not caught: %+v %v", v, err)
	}
	// The report a supervisor signs says the same (it said "no tampering" before: it checked
	// the chain alone).
	if text := reportText(t, a); !strings.Contains(text, "改ざんを検出") || !strings.Contains(text, "書き換えられています") {
		t.Fatalf("the report of a rewritten history:\n%s", text)
	}
}
