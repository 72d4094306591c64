package history

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/mynumber-shelter/shelter/app/share"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/backup"
	"github.com/mynumber-shelter/shelter/app/jpdate"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
	"github.com/mynumber-shelter/shelter/bridge"
)

// Verification is the history's check as 2-1 and `shelterctl audit verify` report it: the
// chain of MACs, and, for an office on the relay, the anchors the relay recorded.
type Verification struct {
	audit.VerifyResult
	// Anchored is true when the relay's anchors were compared (Anchors says what was found).
	Anchored bool
	Anchors  audit.AnchorResult
	// SealedSince is the entry from which the sessions' entries are sealed (0: none, or not
	// checked). A printed report names it: an earlier report that names an earlier one shows
	// the record was replaced.
	SealedSince int64
	// SealJA and SealEN say up to where the seals vouch (empty when not checked or none).
	SealJA, SealEN string
	// Unanchored is true when the office has been on the relay but its anchors could not be
	// read (the bridge or the relay did not answer): the chain was checked alone, and JA/EN
	// say so — a history rewritten with the key passes that check.
	Unanchored bool
	// JA and EN say the outcome for a supervisor.
	JA, EN string
	// Chains are the other members' histories of the shared companies (the office's other
	// workstations, a client's installation), each recomputed from the facts stored here.
	Chains []share.PeerChain
}

// AnchorState says what an AnchorSource could give.
type AnchorState int

const (
	// AnchorsNone: the office is not on the relay; the chain is checked alone.
	AnchorsNone AnchorState = iota
	// AnchorsUnavailable: the bridge or the relay did not answer.
	AnchorsUnavailable
	// AnchorsRead: the anchors were read (maybe none yet).
	AnchorsRead
)

// AnchorSource gives the relay's anchors of history chain.
type AnchorSource func(ctx context.Context, chain string) ([]audit.Anchor, AnchorState)

// RelayAnchors is the AnchorSource of the bridge's relay connection (nil client: none).
func RelayAnchors(c *bridge.Client, log *slog.Logger) AnchorSource {
	return func(ctx context.Context, chain string) ([]audit.Anchor, AnchorState) {
		if c == nil {
			return nil, AnchorsNone
		}
		st, err := c.SyncStatus(ctx)
		if err != nil {
			log.Info("audit anchors unavailable: the bridge does not answer", "err", err)
			return nil, AnchorsUnavailable
		}
		if !st.Enrolled {
			return nil, AnchorsNone
		}
		list, err := c.Anchors(ctx, chain)
		if err != nil {
			log.Info("audit anchors unavailable", "err", err)
			return nil, AnchorsUnavailable
		}
		anchors := make([]audit.Anchor, len(list))
		for i, x := range list {
			anchors[i] = audit.Anchor{ID: x.AuditID, Digest: x.Digest, At: x.Created}
		}
		return anchors, AnchorsRead
	}
}

// enrolledBefore reports whether the history records an enrolment with the relay (M-5): an
// office that never used the relay is not told that its anchors could not be read.
func enrolledBefore(ctx context.Context, db *store.DB) (bool, error) {
	var n int
	err := db.View(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(`SELECT count(*) FROM audit_log WHERE action = ? AND target_type = 'relay' AND result = ?`,
			string(audit.ActionSettingChange), string(audit.ResultOK)).Scan(&n)
	})
	return n > 0, err
}

// Verify checks the history of db with the audit key, then against the anchors src gives
// (nil: none). keys are a session's (the vault's id, and the root key that checks a restore's
// mark). Administrators and 事務取扱責任者 may. An anchor the chain no longer matches breaks the
// history from the anchor's entry on, even when the MACs check out (a history rewritten with
// the key), unless it is from before a restore the root key vouches for (backup.VouchWith).
// A failed anchor check is logged and leaves the chain's own result.
func Verify(ctx context.Context, db *store.DB, key []byte, keys *vault.Keys, p auth.Principal, src AnchorSource, log *slog.Logger) (Verification, error) {
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
	return check(ctx, db, key, keys, src, log)
}

// verifyChain checks the chain with key and, with a session's keys, the seals from where the
// vault's record under the root key says sealing began. It returns that entry (0: none).
func verifyChain(ctx context.Context, db *store.DB, key []byte, keys *vault.Keys) (audit.VerifyResult, int64, error) {
	if keys == nil {
		res, err := audit.Verify(ctx, db, key)
		return res, 0, err
	}
	sealKey, err := keys.AuditSealKey()
	if err != nil {
		return audit.VerifyResult{}, 0, err
	}
	defer clear(sealKey)
	var since int64
	var recordErr error
	err = db.View(ctx, func(tx *store.Tx) (err error) {
		since, _, recordErr = keys.AuditSealSince(tx)
		if errors.Is(recordErr, vault.ErrAuditRecordMissing) || errors.Is(recordErr, vault.ErrDecrypt) {
			return nil
		}
		return recordErr
	})
	if err != nil {
		return audit.VerifyResult{}, 0, err
	}
	res, err := audit.VerifySealed(ctx, db, key, sealKey, since)
	if err != nil {
		return res, 0, err
	}
	// Every vault has the record from its creation, and it names where sealing began before the
	// first seal is written: missing, altered, or older than the seals, it was tampered with,
	// and any session's entry may have lost its seal since.
	reason := ""
	switch {
	case errors.Is(recordErr, vault.ErrAuditRecordMissing):
		reason = "the audit key's record under the root key (where sealing began) was removed"
	case recordErr != nil:
		reason = "the audit key's record under the root key (where sealing began) was altered"
	case since == 0 && res.Sealed > 0:
		reason = "the audit key's record under the root key was replaced by a copy from before sealing began"
	}
	if reason != "" {
		// Where sealing began is unknown: the whole history is in doubt.
		res.OK, res.FirstBroken, res.Kind, res.Reason, res.Broken = false, 1, audit.BreakUnsealed, reason, res.Broken+1
	}
	return res, since, nil
}

// check is Verify without the role check: the chain with key, then the anchors src gives.
func check(ctx context.Context, db *store.DB, key []byte, keys *vault.Keys, src AnchorSource, log *slog.Logger) (Verification, error) {
	res, since, err := verifyChain(ctx, db, key, keys)
	if err != nil {
		return Verification{}, err
	}
	v := Verification{VerifyResult: res, SealedSince: since, JA: res.Kind.Label("ja"), EN: res.Reason}
	if v.Chains, err = share.VerifyPeerHistory(ctx, db); err != nil {
		return Verification{}, err
	}
	if res.OK {
		v.JA, v.EN = "改ざんは検出されませんでした。", "No tampering detected."
		if res.SealChecked && res.Sealed > 0 {
			v.SealJA = fmt.Sprintf("履歴 #%d から #%d までは、ログイン中に付けた封印（この事務所のルート鍵による）でも確認しました。", since, res.LastSealed)
			v.SealEN = fmt.Sprintf(" Entries #%d to #%d were also checked against the seals of the sessions that wrote them (under the office's root key).", since, res.LastSealed)
			if n := res.Unsealed(); n > 0 {
				v.SealJA += fmt.Sprintf("それより後の %d 件は、ログインしていない間の記録（ログイン失敗・ロックなど）で封印はありません。", n)
				v.SealEN += fmt.Sprintf(" The %d entries after it were written with nobody logged in (failed logins, locks) and carry no seal.", n)
			}
			v.JA += v.SealJA
			v.EN += v.SealEN
		}
	}
	if src == nil || keys == nil {
		return v, nil
	}
	actx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	anchors, state := src(actx, audit.ChainID(keys.VaultID()))
	switch state {
	case AnchorsNone:
		return v, nil
	case AnchorsUnavailable:
		enrolled, err := enrolledBefore(ctx, db)
		if err != nil {
			return v, err
		}
		if enrolled {
			v.Unanchored = true
			v.JA += "（中継サーバーの記録とは照合できませんでした。shelter-bridge と中継サーバーへの接続を確認してください）"
			v.EN += " (Not compared with the relay's records: check shelter-bridge and the connection to the relay.)"
		}
		return v, nil
	}
	ar, err := audit.CheckAnchors(actx, db, anchors, backup.VouchWith(keys))
	if err != nil {
		log.Warn("checking audit anchors", "err", err)
		return v, nil
	}
	v.Anchored, v.Anchors = true, ar
	if ar.Broken != 0 && (v.OK || ar.Broken < v.FirstBroken) {
		at := ar.BrokenAt.In(jpdate.JST).Format("2006-01-02 15:04")
		v.OK, v.FirstBroken, v.Broken = false, ar.Broken, max(v.Broken, 1)
		v.JA = "中継サーバーに " + at + " に記録した時点より後に、この履歴が書き換えられています（この PC の外に残した記録と一致しません）。"
		v.EN = "The history was rewritten after " + at + " JST, when the relay recorded it (it no longer matches the record kept outside this PC)."
	}
	return v, nil
}
