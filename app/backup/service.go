package backup

import (
	"context"
	"crypto/hmac"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
)

// Meta keys (vault.db) of the last backup set made from this vault.
const (
	MetaLastBackupAt  = "last_backup_at"
	MetaLastBackupDir = "last_backup_dir"
)

// RemindAfter is how old the last backup set may get before the app reminds the administrator.
const RemindAfter = 7 * 24 * time.Hour

// Service makes backup sets for the app and shelterctl and records each in the history.
type Service struct {
	DB    *store.DB
	Audit *audit.Log
}

// Status is what the backup screen shows.
type Status struct {
	// LastAt is when the last backup set was made ("" when never); LastDir is where.
	LastAt  time.Time
	LastDir string
	// Due: no backup yet, or the last one is older than RemindAfter.
	Due bool
}

// Status reads the last backup's time and place.
func (s *Service) Status(ctx context.Context) (Status, error) {
	var st Status
	err := s.DB.View(ctx, func(tx *store.Tx) error {
		at, ok, err := tx.Meta(MetaLastBackupAt)
		if err != nil || !ok {
			return err
		}
		if st.LastAt, err = store.ParseTime(at); err != nil {
			return err
		}
		st.LastDir, _, err = tx.Meta(MetaLastBackupDir)
		return err
	})
	st.Due = st.LastAt.IsZero() || s.DB.Now().Sub(st.LastAt) > RemindAfter
	return st, err
}

// Make writes a backup set into parent ([WriteSet]) and records it: entry (who; the action and
// result are set here) goes into the history with the folder, and the vault remembers the time
// and place for the reminder. When the record cannot be written the set is removed again, so
// no backup exists that the history does not show.
func (s *Service) Make(ctx context.Context, entry audit.Entry, parent string) (Set, error) {
	var vaultID string
	if err := s.DB.View(ctx, func(tx *store.Tx) error {
		var ok bool
		var err error
		vaultID, ok, err = tx.Meta(store.MetaVaultID)
		if err == nil && !ok {
			err = errors.New("the vault is not set up")
		}
		return err
	}); err != nil {
		return Set{}, err
	}
	set, err := WriteSet(ctx, s.DB, vaultID, parent)
	if err != nil {
		return set, err
	}
	err = s.DB.Update(ctx, func(tx *store.Tx) error {
		entry.Action, entry.Result = audit.ActionBackup, audit.ResultOK
		entry.TargetType, entry.Detail = "vault", "backup set (data and key store) written to "+set.Dir
		if _, err := s.Audit.Append(tx, entry); err != nil {
			return err
		}
		if err := tx.SetMeta(MetaLastBackupAt, tx.NowText()); err != nil {
			return err
		}
		return tx.SetMeta(MetaLastBackupDir, set.Dir)
	})
	if err != nil {
		if rerr := removeAll(set.Dir); rerr != nil {
			err = errors.Join(err, fmt.Errorf("%w: delete %s (%v)", ErrLeftover, set.Dir, rerr))
		}
		return Set{}, err
	}
	return set, nil
}

// Restored records in the history (entry: who) that the vault was restored from set, and
// marks that entry under the root key of keys (a session's, just recovered): the relay's
// anchors of the history before the restore are then counted apart, for this restore only
// (app/history.Verify). Someone with the audit key but not the root key can write a restore
// entry, not its mark.
func (s *Service) Restored(ctx context.Context, keys *vault.Keys, entry audit.Entry, set Set) error {
	return s.DB.Update(ctx, func(tx *store.Tx) error {
		entry.Action, entry.Result = audit.ActionRestore, audit.ResultOK
		entry.TargetType, entry.Detail = "vault", "restored onto this PC from the backup set made "+set.Data.CreatedAt
		e, err := s.Audit.Append(tx, entry)
		if err != nil {
			return err
		}
		var mac []byte
		if err := tx.QueryRow(`SELECT mac FROM audit_log WHERE id = ?`, e.ID).Scan(&mac); err != nil {
			return fmt.Errorf("reading the restore entry: %w", err)
		}
		mark, err := restoreMark(keys, e.ID, mac)
		if err != nil {
			return err
		}
		return tx.SetMeta(audit.RestoreMarkMeta(e.ID), hex.EncodeToString(mark))
	})
}

// restoreMark is the mark of restore entry id with its MAC, under the root key of keys.
func restoreMark(keys *vault.Keys, id int64, mac []byte) ([]byte, error) {
	return keys.RestoreMark(audit.RestoreMarkData(audit.ChainID(keys.VaultID()), id, mac))
}

// VouchWith accepts a restore entry whose mark ([Service.Restored] writes it) the root key of
// keys confirms; nil keys accept none. app/history.Verify counts the relay's anchors from
// before a restore apart only for such an entry.
func VouchWith(keys *vault.Keys) audit.Vouch {
	if keys == nil {
		return nil
	}
	return func(tx *store.Tx, id int64, mac []byte) bool {
		v, ok, err := tx.Meta(audit.RestoreMarkMeta(id))
		if err != nil || !ok {
			return false
		}
		want, err := hex.DecodeString(v)
		if err != nil {
			return false
		}
		got, err := restoreMark(keys, id, mac)
		return err == nil && hmac.Equal(got, want)
	}
}
