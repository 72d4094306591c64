package backup

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/mynumber-shelter/shelter/app/store"
)

const keysMagic = "MYNUMBER-SHELTER-KEYS 1\n"

// keysSchema is the key store schema written into a key backup's header.
const keysSchema = 1

// WriteKeys writes a backup of the key store (keys.db) alone to dest, which must not exist, in
// the format of [Write] with the first line "MYNUMBER-SHELTER-KEYS 1". Keep it apart from the
// data backups: together with a data backup and a user's password (or the Recovery Kit) it
// opens the numbers of everyone not disposed of when it was made.
func WriteKeys(ctx context.Context, db *store.DB, vaultID, dest string) (Header, error) {
	var h Header
	data, err := snapshot(dest, ".keys-backup-", store.KeysFileName, func(snap string) error { return db.BackupKeys(ctx, snap) })
	if err != nil {
		return h, err
	}
	sum := sha256.Sum256(data)
	h = Header{VaultID: vaultID, CreatedAt: store.FormatTime(db.Now()), Schema: keysSchema,
		Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])}
	if err := writeFile(dest, keysMagic, h, data, "key backup file"); err != nil {
		return h, err
	}
	return h, nil
}

// ReadKeysHeader reads and checks a key backup completely and returns its header and bytes.
// A data backup given by mistake is refused with a message that says so.
func ReadKeysHeader(path string) (Header, []byte, error) {
	h, data, err := readFile(path, keysMagic, "key backup")
	if err != nil && hasMagic(path, magic) {
		return h, nil, fmt.Errorf("%w: this is a data backup; restore it with restore, not keys restore", ErrCorrupt)
	}
	if err != nil {
		return h, nil, err
	}
	if h.Schema > keysSchema {
		return h, nil, fmt.Errorf("%w (key backup schema %d)", store.ErrTooNew, h.Schema)
	}
	return h, data, nil
}

// hasMagic reports whether the file at path starts with magic.
func hasMagic(path, magic string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	b := make([]byte, len(magic))
	_, err = io.ReadFull(f, b)
	return err == nil && string(b) == magic
}

// KeysRestored says what [RestoreKeys] did.
type KeysRestored struct {
	// Kept is the number of person keys in the restored key store.
	Kept int
	// Removed is the number of keys in the backup that were on a shred list (destroyed after
	// the backup was made) and so were not restored.
	Removed int
}

// RestoreKeys checks the key backup at path and, if every check passes, replaces the key store
// of the vault in vaultDir with it. The vault must be closed. wantVaultID, when not empty, must
// match the backup's vault. Before the replacement the shred lists of the live vault.db and the
// live keys.db (when they exist) are merged into the restored copy and every key on them is
// removed ([store.MergeShredLists]): a key destroyed by a disposal after the backup was made
// does not come back. The live key store is replaced by an atomic rename, so a failed restore
// leaves it as it was.
func RestoreKeys(ctx context.Context, path, vaultDir, wantVaultID string) (Header, KeysRestored, error) {
	var res KeysRestored
	h, data, err := ReadKeysHeader(path)
	if err != nil {
		return h, res, err
	}
	if wantVaultID != "" && h.VaultID != wantVaultID {
		return h, res, fmt.Errorf("key backup belongs to another vault (%s, this vault is %s)", h.VaultID, wantVaultID)
	}
	live := filepath.Join(vaultDir, store.KeysFileName)
	staged := live + ".restore-" + time.Now().UTC().Format("20060102T150405")
	if err := os.WriteFile(staged, data, 0o600); err != nil {
		return h, res, fmt.Errorf("staging key restore: %w", err)
	}
	defer func() {
		for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
			os.Remove(staged + suffix)
		}
	}()
	res.Kept, res.Removed, err = store.MergeShredLists(ctx, staged, h.VaultID, filepath.Join(vaultDir, store.FileName), live)
	if err != nil {
		return h, res, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		os.Remove(staged + suffix)
		if err := os.Remove(live + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return h, res, fmt.Errorf("removing old key store journal: %w", err)
		}
	}
	if err := os.Rename(staged, live); err != nil {
		return h, res, fmt.Errorf("replacing key store: %w", err)
	}
	return h, res, nil
}
