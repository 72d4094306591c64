package history

import (
	"context"
	"log/slog"
	"time"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/jpdate"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/bridge"
)

// Verification is the history's check as 2-1 and `shelterctl audit verify` report it: the
// chain of MACs, and, for an office on the relay, the anchors the relay recorded.
type Verification struct {
	audit.VerifyResult
	// Anchored is true when the relay's anchors were compared (Anchors says what was found).
	Anchored bool
	Anchors  audit.AnchorResult
	// JA and EN say the outcome for a supervisor.
	JA, EN string
}

// AnchorSource gives the relay's anchors of history chain; ok is false when there are none to
// compare (the office is not on the relay, or it does not answer): the chain is then checked
// alone.
type AnchorSource func(ctx context.Context, chain string) (anchors []audit.Anchor, ok bool)

// RelayAnchors is the AnchorSource of the bridge's relay connection (nil client: none).
func RelayAnchors(c *bridge.Client, log *slog.Logger) AnchorSource {
	return func(ctx context.Context, chain string) ([]audit.Anchor, bool) {
		if c == nil {
			return nil, false
		}
		if st, err := c.SyncStatus(ctx); err != nil || !st.Enrolled {
			return nil, false
		}
		list, err := c.Anchors(ctx, chain)
		if err != nil {
			log.Info("audit anchors unavailable", "err", err)
			return nil, false
		}
		anchors := make([]audit.Anchor, len(list))
		for i, x := range list {
			anchors[i] = audit.Anchor{ID: x.AuditID, Digest: x.Digest, At: x.Created}
		}
		return anchors, true
	}
}

// Verify checks the history of db (vault vaultID) with the audit key, then against the
// anchors src gives (nil: none). Administrators and 事務取扱責任者 may. An anchor the chain no
// longer matches breaks the history from the anchor's entry on, even when the MACs check out
// (a history rewritten with the key). A failed anchor check is logged and leaves the chain's
// own result.
func Verify(ctx context.Context, db *store.DB, key []byte, vaultID string, p auth.Principal, src AnchorSource, log *slog.Logger) (Verification, error) {
	if !p.IsAdmin {
		var manager bool
		err := db.View(ctx, func(tx *store.Tx) (err error) {
			_, manager, err = auth.AssignmentsTx(tx, p)
			return err
		})
		if err != nil {
			return Verification{}, err
		}
		if !manager {
			return Verification{}, apperr.Forbidden("履歴の検証はシステム管理者・事務取扱責任者が行えます。", "Only administrators and managers can verify the history.")
		}
	}
	return check(ctx, db, key, vaultID, src, log)
}

// check is Verify without the role check: the chain with key, then the anchors src gives.
func check(ctx context.Context, db *store.DB, key []byte, vaultID string, src AnchorSource, log *slog.Logger) (Verification, error) {
	res, err := audit.Verify(ctx, db, key)
	if err != nil {
		return Verification{}, err
	}
	v := Verification{VerifyResult: res, JA: res.Kind.Label("ja"), EN: res.Reason}
	if res.OK {
		v.JA, v.EN = "改ざんは検出されませんでした。", "No tampering detected."
	}
	if src == nil {
		return v, nil
	}
	actx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	anchors, ok := src(actx, audit.ChainID(vaultID))
	if !ok {
		return v, nil
	}
	ar, err := audit.CheckAnchors(actx, db, anchors)
	if err != nil {
		log.Warn("checking audit anchors", "err", err)
		return v, nil
	}
	v.Anchored, v.Anchors = true, ar
	if ar.Broken != 0 && (v.OK || ar.Broken < v.FirstBroken) {
		at := ar.BrokenAt.In(jpdate.JST).Format("2006-01-02 15:04")
		v.OK, v.FirstBroken = false, ar.Broken
		v.JA = "中継サーバーに " + at + " に記録した時点より後に、この履歴が書き換えられています（この PC の外に残した記録と一致しません）。"
		v.EN = "The history was rewritten after " + at + " JST, when the relay recorded it (it no longer matches the record kept outside this PC)."
	}
	return v, nil
}
