package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/cloud/store"
)

// runReplicaContract runs the contract of [store.ReplicaStore], each test on a fresh store.
func runReplicaContract(t *testing.T, open func(t *testing.T) store.Store) {
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, store.Store)
	}{
		{"Snapshots", testSnapshots},
		{"RestoreCodeOnceConcurrently", testRestoreCodeOnceConcurrently},
		{"Anchors", testAnchors},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() { s.Close() })
			tc.fn(t, s)
		})
	}
}

// testSnapshots: only the latest snapshot of an office is kept (a superseded one is gone at
// once), a retried upload changes nothing, offices do not see each other's.
func testSnapshots(t *testing.T, s store.Store) {
	ctx := context.Background()
	office(t, s, "o1")
	office(t, s, "o2")
	if _, err := s.SnapshotInfo(ctx, "o1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("no snapshot yet: %v", err)
	}
	if err := s.PutSnapshot(ctx, "o9", "s1", []byte("x"), t0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("snapshot of an unknown office: %v", err)
	}
	must(t, s.PutSnapshot(ctx, "o1", "s1", []byte("first sealed bytes"), t0))
	must(t, s.PutSnapshot(ctx, "o2", "s1", []byte("another office"), t0))
	must(t, s.PutSnapshot(ctx, "o1", "s2", []byte("second, longer sealed bytes"), t0.Add(time.Minute)))
	// The retried upload of s2, then a late retry of s1 (it came back after s2 committed):
	// the latest by time stays.
	must(t, s.PutSnapshot(ctx, "o1", "s2", []byte("second, longer sealed bytes"), t0.Add(2*time.Minute)))
	must(t, s.PutSnapshot(ctx, "o1", "s1", []byte("first sealed bytes"), t0.Add(3*time.Minute)))
	sn, err := s.LatestSnapshot(ctx, "o1")
	must(t, err)
	if sn.ID != "s2" || !bytes.Equal(sn.Body, []byte("second, longer sealed bytes")) || sn.Size != int64(len(sn.Body)) || !sn.Created.Equal(t0.Add(time.Minute)) {
		t.Fatalf("latest: %+v", sn)
	}
	info, err := s.SnapshotInfo(ctx, "o1")
	must(t, err)
	if info.ID != "s2" || info.Body != nil || info.Size != sn.Size {
		t.Fatalf("info: %+v", info)
	}
	other, err := s.LatestSnapshot(ctx, "o2")
	must(t, err)
	if string(other.Body) != "another office" {
		t.Fatalf("o2's snapshot: %q", other.Body)
	}
}

// testRestoreCodeOnceConcurrently: a restore code opens its office's snapshot once, across
// concurrent callers; an expired or unknown code never.
func testRestoreCodeOnceConcurrently(t *testing.T, s store.Store) {
	ctx := context.Background()
	office(t, s, "o1")
	code := store.HashToken("restore-code-1")
	if err := s.CreateRestoreCode(ctx, "o9", code, t0.Add(time.Hour)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("code of an unknown office: %v", err)
	}
	must(t, s.CreateRestoreCode(ctx, "o1", code, t0.Add(time.Hour)))
	expired := store.HashToken("restore-code-2")
	must(t, s.CreateRestoreCode(ctx, "o1", expired, t0.Add(time.Minute)))
	if _, err := s.UseRestoreCode(ctx, expired, t0.Add(2*time.Minute)); !errors.Is(err, store.ErrCodeUsed) {
		t.Fatalf("expired code: %v", err)
	}
	if _, err := s.UseRestoreCode(ctx, store.HashToken("never issued"), t0); !errors.Is(err, store.ErrCodeUsed) {
		t.Fatalf("unknown code: %v", err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins, errs := 0, []error{}
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o, err := s.UseRestoreCode(ctx, code, t0)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil && o == "o1":
				wins++
			case errors.Is(err, store.ErrCodeUsed):
			default:
				errs = append(errs, fmt.Errorf("office %q: %w", o, err))
			}
		}()
	}
	wg.Wait()
	if wins != 1 || len(errs) > 0 {
		t.Fatalf("the code was used %d times (want 1); errors: %v", wins, errs)
	}
}

// testAnchors: anchors are listed in order, per office and per chain; the first digest for an
// entry of a chain stays (a retry changes nothing, a different digest for the same entry is not
// taken), and another chain of the same office (a vault created anew) anchors the same entry
// ids for itself.
func testAnchors(t *testing.T, s store.Store) {
	ctx := context.Background()
	office(t, s, "o1")
	office(t, s, "o2")
	const chain, newVault = "chainaaaaaaaaaaaaaaaaaaaaa", "chainbbbbbbbbbbbbbbbbbbbbb"
	if err := s.PutAnchor(ctx, "o9", chain, 1, []byte("d"), t0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("anchor of an unknown office: %v", err)
	}
	for i := int64(1); i <= 5; i++ {
		must(t, s.PutAnchor(ctx, "o1", chain, i*10, []byte(fmt.Sprintf("digest-%d", i)), t0.Add(time.Duration(i)*time.Minute)))
	}
	must(t, s.PutAnchor(ctx, "o1", chain, 30, []byte("digest-3"), t0.Add(time.Hour)))
	must(t, s.PutAnchor(ctx, "o1", chain, 30, []byte("rewritten"), t0.Add(time.Hour)))
	must(t, s.PutAnchor(ctx, "o2", chain, 10, []byte("other office"), t0))
	must(t, s.PutAnchor(ctx, "o1", newVault, 30, []byte("new vault"), t0.Add(2*time.Hour)))
	first, err := s.ListAnchors(ctx, "o1", chain, 0, 3)
	must(t, err)
	rest, err := s.ListAnchors(ctx, "o1", chain, first[len(first)-1].Seq, 10)
	must(t, err)
	all := append(first, rest...)
	if len(first) != 3 || len(all) != 5 {
		t.Fatalf("listed %d then %d anchors", len(first), len(rest))
	}
	for i, a := range all {
		if a.AuditID != int64(i+1)*10 || string(a.Digest) != fmt.Sprintf("digest-%d", i+1) || !a.Created.Equal(t0.Add(time.Duration(i+1)*time.Minute)) {
			t.Fatalf("anchor %d: %+v", i, a)
		}
	}
	if o2, _ := s.ListAnchors(ctx, "o2", chain, 0, 10); len(o2) != 1 || string(o2[0].Digest) != "other office" {
		t.Fatalf("o2's anchors: %+v", o2)
	}
	if nv, _ := s.ListAnchors(ctx, "o1", newVault, 0, 10); len(nv) != 1 || nv[0].AuditID != 30 || string(nv[0].Digest) != "new vault" {
		t.Fatalf("the new vault's chain: %+v", nv)
	}
}
