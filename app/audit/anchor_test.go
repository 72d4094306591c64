package audit

import (
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
	res, err := CheckAnchors(ctx, db, anchors)
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
	res, err = CheckAnchors(ctx, db, anchors)
	if err != nil || res.Broken != 2 || !res.BrokenAt.Equal(anchors[0].At) {
		t.Fatalf("rewritten chain: %+v %v", res, err)
	}
	// An anchor of an entry the chain no longer has is broken too.
	mustExec(t, raw, `DELETE FROM audit_log WHERE id = 5`)
	if res, _ := CheckAnchors(ctx, db, anchors[1:]); res.Broken != 5 {
		t.Fatalf("missing entry: %+v", res)
	}
}
