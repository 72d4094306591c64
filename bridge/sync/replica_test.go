package relaysync_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	relaysync "github.com/mynumber-shelter/shelter/bridge/sync"
	"github.com/mynumber-shelter/shelter/internal/keychain"
)

// TestReplicaSnapshotOffline: a snapshot staged while the relay is down waits in a file and
// survives a restart of the bridge; a newer one replaces it; once the relay is back exactly the
// newest arrives, once; what a killed bridge half-wrote is dropped. Then a restore code fetches
// it once, and only with the relay's CA.
func TestReplicaSnapshotOffline(t *testing.T) {
	r := startRelay(t)
	ctx := context.Background()
	kc := &keychain.Mem{}
	s := newSyncer(t, kc)
	rel, err := s.Enrol(ctx, r.URL, r.caPEM, r.token())
	if err != nil {
		t.Fatal(err)
	}
	r.stop()
	first, second := bytes.Repeat([]byte("sealed-1 "), 1000), bytes.Repeat([]byte("sealed-2 "), 2000)
	if err := s.StageSnapshot(ctx, "20261205T000000.000000000Z-aa", bytes.NewReader(first), 1<<20, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SyncNow(ctx); err == nil {
		t.Fatal("a round with the relay down succeeded")
	}
	if st := s.ReplicaStatus(); st.Waiting != "20261205T000000.000000000Z-aa" || st.LastError == "" || st.LastID != "" {
		t.Fatalf("offline: %+v", st)
	}
	anchor := &relaysync.Anchor{Chain: "abcdefghijklmnopqrstuvwxyz", AuditID: 42, Digest: bytes.Repeat([]byte{7}, 32)}
	if err := s.StageSnapshot(ctx, "20261205T000100.000000000Z-bb", bytes.NewReader(second), 1<<20, anchor); err != nil {
		t.Fatal(err)
	}
	if err := s.StageSnapshot(ctx, "bad/id", bytes.NewReader(first), 1<<20, nil); !errors.Is(err, relaysync.ErrBadSnapshot) {
		t.Fatalf("a bad id: %v", err)
	}
	if err := s.StageSnapshot(ctx, "20261205T000200.000000000Z-cc", bytes.NewReader(second), 100, nil); !errors.Is(err, relaysync.ErrBadSnapshot) {
		t.Fatalf("too large: %v", err)
	}

	// The bridge restarts (a new Syncer on the same directory), with a half-written staging
	// file left by a kill.
	s.Close()
	dir := filepath.Join(s.Dir, relaysync.ReplicaDirName)
	if err := os.WriteFile(filepath.Join(dir, ".staging-killed"), []byte("half"), 0o600); err != nil {
		t.Fatal(err)
	}
	// …and an anchor whose snapshot never got its name (killed between the two files).
	if err := os.WriteFile(filepath.Join(dir, "20261205T000050.000000000Z-zz.anchor"), []byte(`{"audit_id":1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	s2 := &relaysync.Syncer{Dir: s.Dir, Keychain: kc, Relay: &rel}
	t.Cleanup(func() { s2.Close() })
	if st := s2.ReplicaStatus(); st.Waiting != "20261205T000100.000000000Z-bb" || st.WaitingBytes != int64(len(second)) {
		t.Fatalf("after the restart: %+v", st)
	}
	r.start()
	before := r.puts.Load()
	if _, err := s2.SyncNow(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s2.SyncNow(ctx); err != nil {
		t.Fatal(err)
	}
	if got := r.puts.Load() - before; got != 1 {
		t.Fatalf("the relay saw %d snapshot PUTs, want 1", got)
	}
	sn, err := r.st.LatestSnapshot(ctx, rel.Office)
	if err != nil || sn.ID != "20261205T000100.000000000Z-bb" || !bytes.Equal(sn.Body, second) {
		t.Fatalf("relay holds %q (%d bytes) %v", sn.ID, len(sn.Body), err)
	}
	st := s2.ReplicaStatus()
	if st.Waiting != "" || st.LastID != sn.ID || st.LastBytes != int64(len(second)) || st.LastAt == "" || st.LastError != "" {
		t.Fatalf("after the upload: %+v", st)
	}
	if left, _ := os.ReadDir(dir); len(left) != 1 { // state.json
		t.Fatalf("left in the replica directory: %v", left)
	}
	// The snapshot's anchor followed it to the relay (through the outbox, once the relay had
	// the snapshot); while the relay was down it stayed with the snapshot.
	if as, _ := r.st.ListAnchors(ctx, rel.Office, anchor.Chain, 0, 10); len(as) != 1 || as[0].AuditID != 42 || !bytes.Equal(as[0].Digest, anchor.Digest) {
		t.Fatalf("anchors on the relay: %+v", as)
	}

	code, _, err := s2.RestoreCode(ctx)
	if err != nil || len(code) != 24 {
		t.Fatalf("restore code %q %v", code, err)
	}
	if _, _, err := relaysync.FetchReplica(ctx, r.URL, string(pemCert(r.pki.ClientCA.Raw)), code, 1<<20); err == nil {
		t.Fatal("fetched with another CA")
	}
	id, body, err := relaysync.FetchReplica(ctx, r.URL, r.caPEM, strings.ToLower(code), 1<<20)
	if err != nil || id != sn.ID || !bytes.Equal(body, second) {
		t.Fatalf("fetch: %q %d %v", id, len(body), err)
	}
	if _, _, err := relaysync.FetchReplica(ctx, r.URL, r.caPEM, code, 1<<20); !errors.Is(err, relaysync.ErrRestoreCode) {
		t.Fatalf("a used code: %v", err)
	}
	code2, _, _ := s2.RestoreCode(ctx)
	if _, _, err := relaysync.FetchReplica(ctx, r.URL, r.caPEM, code2, 100); !errors.Is(err, relaysync.ErrBadSnapshot) {
		t.Fatalf("a snapshot over the limit: %v", err)
	}
}
