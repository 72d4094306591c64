package audit

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/mynumber-shelter/shelter/app/store"
)

// # Anchors
//
// The chain detects any change made without the audit key, but the key is on the PC: someone
// with the user's keychain and the files could rewrite the whole chain consistently. An anchor
// closes that: the digest of the chain at an entry (the entry's MAC covers every entry before
// it) is kept outside the PC, by the relay, which records when it arrived and never changes or
// deletes it. [CheckAnchors] compares the chain with every anchor: a chain rewritten after an
// anchor was taken no longer matches it. The digest reveals nothing of the entries.

// anchorMagic separates anchor digests from any other hash of a MAC.
const anchorMagic = "MYNUMBER-SHELTER-AUDIT-ANCHOR 1"

var chainEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// chainMagic separates chain ids from any other hash of a vault id.
const chainMagic = "MYNUMBER-SHELTER-AUDIT-CHAIN 1|"

// ChainID names the history chain of the vault vaultID on the relay: the first 16 bytes of
// SHA-256(magic ‖ vault id) in lower-case base32 (a–z, 2–7: never a run of digits a leak scan
// would take for a My Number). A vault created anew (a new vault id) starts a chain of its own
// at entry 1, so its anchors never meet those of the office's earlier vault; a vault restored
// from a backup or the relay keeps its id, its chain and its anchors. The relay cannot tell
// the vault id from it.
func ChainID(vaultID string) string {
	sum := sha256.Sum256([]byte(chainMagic + vaultID))
	return chainEncoding.EncodeToString(sum[:16])
}

// AnchorDigest is the digest of the chain at entry id: SHA-256(magic ‖ id ‖ mac_id).
func AnchorDigest(tx *store.Tx, id int64) ([]byte, error) {
	var mac []byte
	err := tx.QueryRow(`SELECT mac FROM audit_log WHERE id = ?`, id).Scan(&mac)
	if err != nil {
		return nil, fmt.Errorf("reading audit entry %d: %w", id, err)
	}
	return anchorDigest(id, mac), nil
}

func anchorDigest(id int64, mac []byte) []byte {
	h := sha256.New()
	h.Write([]byte(anchorMagic))
	h.Write(binary.BigEndian.AppendUint64(nil, uint64(id)))
	h.Write(mac)
	return h.Sum(nil)
}

// Anchor is one anchor as the relay keeps it.
type Anchor struct {
	ID     int64 // the entry
	Digest []byte
	At     time.Time // when the relay received it
}

// AnchorResult is what [CheckAnchors] found.
type AnchorResult struct {
	// Checked is the number of anchors compared; LastAt when the newest of them was taken, and
	// LastID the entry it anchors (the last position the relay vouches for).
	Checked int
	LastAt  time.Time
	LastID  int64
	// Broken is the entry of the first anchor the chain does not match (0: none), and BrokenAt
	// when that anchor was taken: the history up to that entry was changed after that time.
	Broken   int64
	BrokenAt time.Time
	// Diverged counts the anchors from the last restore on (RestoredAt, the id of that restore's
	// entry) that the chain does not match: a restore of an older copy continues the history
	// from an earlier point, so what the relay recorded after that point belongs to the history
	// before the restore. The restore itself is in the history for the supervisor to see.
	Diverged   int
	RestoredAt int64
	// Unvouched counts the restore entries after RestoredAt whose mark the vouch function did
	// not accept: written by someone with the audit key but not the root key, or by a version
	// that did not mark restores. They excuse no anchor.
	Unvouched int
}

// RestoreMarkMeta is the vault meta key holding the mark of restore entry id (hex).
func RestoreMarkMeta(id int64) string { return "restore_mark_" + strconv.FormatInt(id, 10) }

// RestoreMarkData is what a restore's mark authenticates: the chain, the entry's id and its MAC.
func RestoreMarkData(chain string, id int64, mac []byte) []byte {
	b := make([]byte, 0, len(chain)+1+8+len(mac))
	b = append(b, chain...)
	b = append(b, 0)
	b = binary.BigEndian.AppendUint64(b, uint64(id))
	return append(b, mac...)
}

// Vouch says whether restore entry id (with its MAC) is one a restore really wrote.
type Vouch func(tx *store.Tx, id int64, mac []byte) bool

// CheckAnchors compares the chain in db with anchors. Anchors from a restore on that the chain
// no longer matches are counted apart (Diverged) only for the newest restore entry vouch
// accepts; nil vouch accepts none.
func CheckAnchors(ctx context.Context, db *store.DB, anchors []Anchor, vouch Vouch) (AnchorResult, error) {
	var res AnchorResult
	err := db.View(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(`SELECT id, mac FROM audit_log WHERE action = ? ORDER BY id DESC`, string(ActionRestore))
		if err != nil {
			return err
		}
		type restore struct {
			id  int64
			mac []byte
		}
		var restores []restore
		for rows.Next() {
			var r restore
			if err := rows.Scan(&r.id, &r.mac); err != nil {
				rows.Close()
				return err
			}
			restores = append(restores, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, r := range restores {
			if vouch != nil && vouch(tx, r.id, r.mac) {
				res.RestoredAt = r.id
				break
			}
			res.Unvouched++
		}
		st, err := tx.Prepare(`SELECT mac FROM audit_log WHERE id = ?`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, a := range anchors {
			var mac []byte
			err := st.QueryRow(a.ID).Scan(&mac)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			res.Checked++
			if a.At.After(res.LastAt) {
				res.LastAt, res.LastID = a.At, a.ID
			}
			if mac != nil && subtle.ConstantTimeCompare(anchorDigest(a.ID, mac), a.Digest) == 1 {
				continue
			}
			switch {
			case res.RestoredAt > 0 && a.ID >= res.RestoredAt:
				res.Diverged++
			case res.Broken == 0:
				res.Broken, res.BrokenAt = a.ID, a.At
			}
		}
		return nil
	})
	return res, err
}
