// Package replica is the office's second, encrypted home on the relay: a snapshot of the whole
// vault (data and key store), sealed on this PC so that only the office's Recovery Kit opens
// it, uploaded through the bridge after changes, and restored onto a new PC with a one-time
// code and the kit.
//
// # What is in a snapshot, and who can open it
//
// A snapshot is a packed backup set (app/backup: vault.db and keys.db in their backup
// formats) sealed by app/vault ("The office replica's seal"): a fresh key per snapshot, wrapped
// under the root key, and the root key's Recovery Kit wrap in the header. The relay stores the
// sealed bytes, their size and an id that orders snapshots by time; it keeps only the newest
// per office and deletes the one before in the same transaction.
//
// # Disposals (crypto-shredding) and the residual limit
//
// A disposal destroys the person's key in keys.db; the next snapshot does not hold it and
// replaces the older one on the relay at once (the app makes a snapshot right after a
// disposal). What remains: a copy of the relay's database taken before that replacement (the
// operator's database backups, a PostgreSQL page not yet vacuumed) holds the older snapshot,
// and the Recovery Kit (or the root key of a current session) opens it. The shred is complete
// on the relay's side when the operator's backups from before the disposal have expired; the
// README's security model states this bound.
//
// # What it must never do
//
// Send anything unsealed, or write the plaintext snapshot anywhere but the vault's own
// directory (where the temporary copies of a backup are made and removed).
package replica

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/backup"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
)

// Snapshot is one sealed snapshot.
type Snapshot struct {
	// ID orders snapshots by time: UTC time to the nanosecond, then random hex.
	ID     string
	Sealed []byte
	// AuditHead is the id of the last history entry the snapshot holds: the vault has changed
	// since when its history goes further.
	AuditHead int64
	// Anchor is the history's digest at AuditHead (audit.AnchorDigest; nil with no history),
	// for the relay to keep under the vault's chain (audit.ChainID).
	Anchor []byte
	Chain  string
}

// NewID is a snapshot id made at now: sortable by time, unique by its random part.
func NewID(now time.Time) string {
	b := make([]byte, 6)
	rand.Read(b)
	return now.UTC().Format("20060102T150405.000000000Z") + "-" + hex.EncodeToString(b)
}

// AuditHead is the id of the vault's last history entry (0 with none).
func AuditHead(ctx context.Context, db *store.DB) (int64, error) {
	var head int64
	err := db.View(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(`SELECT coalesce(max(id), 0) FROM audit_log`).Scan(&head)
	})
	return head, err
}

// Make takes a snapshot of db and seals it with keys (a logged-in session's).
func Make(ctx context.Context, db *store.DB, keys *vault.Keys) (Snapshot, error) {
	var sn Snapshot
	head, err := AuditHead(ctx, db)
	if err != nil {
		return sn, err
	}
	packed, _, err := backup.Pack(ctx, db, keys.VaultID())
	if err != nil {
		return sn, err
	}
	defer clear(packed)
	sn.ID, sn.AuditHead, sn.Chain = NewID(db.Now()), head, audit.ChainID(keys.VaultID())
	err = db.View(ctx, func(tx *store.Tx) error {
		if head > 0 {
			if sn.Anchor, err = audit.AnchorDigest(tx, head); err != nil {
				return err
			}
		}
		sn.Sealed, err = keys.SealReplica(tx, sn.ID, packed)
		return err
	})
	if err != nil {
		return Snapshot{}, fmt.Errorf("sealing the snapshot: %w", err)
	}
	return sn, nil
}

// Restore opens sealed with the Recovery Kit's key and restores it into db, an empty vault, with
// every check of backup.RestorePacked (the kit, SQLite's checks, the history) before anything
// is replaced.
func Restore(ctx context.Context, db *store.DB, recoveryKey string, sealed []byte) (backup.Set, audit.VerifyResult, error) {
	_, packed, err := vault.OpenReplica(recoveryKey, sealed)
	if err != nil {
		return backup.Set{}, audit.VerifyResult{}, err
	}
	defer clear(packed)
	return backup.RestorePacked(ctx, db, packed, recoveryKey)
}
