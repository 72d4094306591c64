package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mynumber-shelter/shelter/internal/atomicfile"
)

// ErrNotEmpty is returned by [DB.Replace] when the vault already holds an office: a restore
// onto a new PC never overwrites one.
var ErrNotEmpty = errors.New("this vault already holds an office")

// Replace puts vaultSrc and keysSrc — complete copies of a vault.db and its keys.db, checked by
// the caller (a restored backup) — in place of this vault's two files and opens them as [Open]
// does, keeping this *DB (so everything that holds it sees the restored vault). The vault must
// hold no office yet ([ErrNotEmpty]). The copies are moved by rename, so they must be in the
// vault's directory (or a folder inside it), on the same disk.
//
// No transaction runs while the files are swapped. The key store is moved first: a crash
// between the two renames leaves an empty vault.db beside the restored key store, whose keys
// the next Open removes as orphans, so the vault is empty again and the restore can be run
// again from the same copies; never the restored numbers without their keys.
func (db *DB) Replace(ctx context.Context, vaultSrc, keysSrc string) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.writer == nil {
		return errClosed
	}
	var id string
	err := db.writer.QueryRowContext(ctx, `SELECT value FROM vault.meta WHERE key = ?`, MetaVaultID).Scan(&id)
	if err == nil && id != "" {
		return ErrNotEmpty
	}
	if err := db.closePools(); err != nil {
		return fmt.Errorf("closing the vault: %w", err)
	}
	for _, p := range []string{db.path, db.keysPath} {
		for _, suffix := range []string{"-wal", "-shm"} {
			if err := os.Remove(p + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("removing old journal: %w", err)
			}
		}
	}
	if err := os.Rename(keysSrc, db.keysPath); err != nil {
		return fmt.Errorf("putting the key store in place: %w", err)
	}
	if err := atomicfile.SyncDir(filepath.Dir(db.path)); err != nil {
		return fmt.Errorf("putting the key store in place: %w", err)
	}
	if err := os.Rename(vaultSrc, db.path); err != nil {
		return fmt.Errorf("putting the vault in place: %w", err)
	}
	if err := atomicfile.SyncDir(filepath.Dir(db.path)); err != nil {
		return fmt.Errorf("putting the vault in place: %w", err)
	}
	return db.open(ctx)
}
