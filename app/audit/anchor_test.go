package audit

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/app/store"
)

// TestAnchorsDetectARewrittenChain: a chain rewritten with the audit key (the thief with the
// user's keychain) verifies by itself, but no longer matches the anchors taken before; an
// untouched chain matches them all.
func TestAnchorsDetectARewrittenChain(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	l := &Log{}
	l.SetKey(make([]byte, KeySize))
	appendAll(t, db, l, sampleEntries(5)...)
	var anchors []Anchor
	for _, id := range []int64{2, 5} {
		if err := db.View(ctx, func(tx *store.Tx) error {
			d, err := AnchorDigest(tx, id)
			anchors = append(anchors, Anchor{ID: id, Digest: d, At: time.Date(2026, 12, 1, 9, 0, int(id), 0, time.UTC)})
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	res, err := CheckAnchors(ctx, db, anchors, nil)
	if err != nil || res.Checked != 2 || res.Broken != 0 || !res.LastAt.Equal(anchors[1].At) {
		t.Fatalf("untouched chain: %+v %v", res, err)
	}

	// The rewrite: every entry and the head removed, the history written again with the key,
	// one entry different.
	raw := rawDB(t, db)
	mustExec(t, raw, `DELETE FROM audit_log`)
	mustExec(t, raw, `DELETE FROM meta WHERE key = ?`, headKey)
	es := sampleEntries(5)
	es[3].Detail = "a different story"
	appendAll(t, db, l, es...)
	if v := mustVerify(t, db, l.CurrentKey()); !v.OK || v.Entries != 5 {
		t.Fatalf("the rewritten chain should verify by itself: %+v", v)
	}
	res, err = CheckAnchors(ctx, db, anchors, nil)
	if err != nil || res.Broken != 2 || !res.BrokenAt.Equal(anchors[0].At) {
		t.Fatalf("rewritten chain: %+v %v", res, err)
	}
	// An anchor of an entry the chain no longer has is broken too.
	mustExec(t, raw, `DELETE FROM audit_log WHERE id = 5`)
	if res, _ := CheckAnchors(ctx, db, anchors[1:], nil); res.Broken != 5 {
		t.Fatalf("missing entry: %+v", res)
	}
}

// TestAnchorsAfterARestore: a restore of an older copy continues the history from an earlier
// point; the relay's anchors from that point on belong to the history before the restore and
// are counted apart, while a change before the restore is still caught.
func TestAnchorsAfterARestore(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	l := &Log{}
	l.SetKey(make([]byte, KeySize))
	appendAll(t, db, l, sampleEntries(6)...)
	var anchors []Anchor
	for _, id := range []int64{2, 6} {
		db.View(ctx, func(tx *store.Tx) error {
			d, err := AnchorDigest(tx, id)
			anchors = append(anchors, Anchor{ID: id, Digest: d})
			return err
		})
	}
	// The older copy ended at entry 3; the restore is entry 4, then work goes on.
	raw := rawDB(t, db)
	mustExec(t, raw, `DELETE FROM audit_log WHERE id > 3`)
	var mac []byte
	raw.QueryRow(`SELECT mac FROM audit_log WHERE id = 3`).Scan(&mac)
	mustExec(t, raw, `UPDATE meta SET value = ? WHERE key = ?`, formatHead(3, mac), headKey)
	appendAll(t, db, l, Entry{Login: "admin", Action: ActionRestore, Result: ResultOK, TargetType: "vault"},
		Entry{Login: "admin", Action: ActionLogin, Result: ResultOK}, Entry{Login: "admin", Action: ActionLogin, Result: ResultOK})
	if v := mustVerify(t, db, l.CurrentKey()); !v.OK {
		t.Fatalf("the restored chain: %+v", v)
	}
	vouched := func(tx *store.Tx, id int64, mac []byte) bool { return id == 4 } // the restore's mark checks out
	res, err := CheckAnchors(ctx, db, anchors, vouched)
	if err != nil || res.Broken != 0 || res.Diverged != 1 || res.RestoredAt != 4 || res.Unvouched != 0 {
		t.Fatalf("after the restore: %+v %v", res, err)
	}
	// A restore entry without a mark (written with the audit key alone) excuses nothing: the
	// anchor after it is broken.
	if res, _ := CheckAnchors(ctx, db, anchors, nil); res.Broken != 6 || res.Diverged != 0 || res.RestoredAt != 0 || res.Unvouched != 1 {
		t.Fatalf("an unvouched restore: %+v", res)
	}
	// A change before the restore is still a change.
	anchors[0].Digest = bytes.Repeat([]byte{9}, 32)
	if res, _ := CheckAnchors(ctx, db, anchors, vouched); res.Broken != 2 {
		t.Fatalf("a change before the restore: %+v", res)
	}
}
