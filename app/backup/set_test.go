package backup

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/mynumber-shelter/shelter/app/store"
)

// TestStalePartialSetsRemoved: a half-written set that a killed backup left on the drive is a
// hidden copy of the vault; the next backup to the same folder removes it once it is older than
// any backup still being written, and leaves a recent one (another PC may be writing it).
func TestStalePartialSetsRemoved(t *testing.T) {
	ctx := context.Background()
	db := openVault(t, t.TempDir())
	defer db.Close()
	update(t, db, func(tx *store.Tx) error {
		if err := tx.SetMeta(store.MetaVaultID, "vault-a"); err != nil {
			return err
		}
		return tx.SetKeysMeta(store.MetaVaultID, "vault-a")
	})
	drive := t.TempDir()
	old := filepath.Join(drive, ".MyNumberShelter-20261201-090000.partial-123")
	fresh := filepath.Join(drive, ".MyNumberShelter-20261205-120000.partial-456")
	other := filepath.Join(drive, ".not-ours.partial-1")
	for _, d := range []string{old, fresh, other} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(d, SetDataFile), []byte("half a copy"), 0o600)
	}
	long := db.Now().Add(-2 * partialAge)
	for _, d := range []string{old, other} {
		if err := os.Chtimes(d, long, long); err != nil {
			t.Fatal(err)
		}
	}
	set, err := WriteSet(ctx, db, "vault-a", drive)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Errorf("the stale half-written set is still there: %v", err)
	}
	for _, d := range []string{fresh, other, set.Dir} {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("%s was removed: %v", filepath.Base(d), err)
		}
	}
}
