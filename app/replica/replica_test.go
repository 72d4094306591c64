package replica_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/mynumber-shelter/shelter/app/replica"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
	"github.com/mynumber-shelter/shelter/internal/keychain"
)

// TestMakeAndRestore: a snapshot restores into an empty vault on another "PC" with the
// Recovery Kit alone; what a killed snapshot left in the vault directory is removed by the
// next one; ids order by time.
func TestMakeAndRestore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.Open(ctx, filepath.Join(dir, store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	v := &vault.Vault{Keychain: &keychain.Mem{}, KDF: vault.KDFParams{MemoryKiB: 64, Time: 1, Threads: 1}}
	var kit vault.RecoveryKit
	var keys *vault.Keys
	err = db.Update(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(`INSERT INTO users(id, login, display_name, is_admin, created_at, updated_at) VALUES(1, 'admin', 'admin', 1, '', '')`); err != nil {
			return err
		}
		kit, keys, err = v.Init(tx, 1, "a long enough passphrase")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	left := filepath.Join(dir, ".replica-killed")
	if err := os.MkdirAll(left, 0o700); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(left, "vault.backup"), []byte("half a copy"), 0o600)
	sn, err := replica.Make(ctx, db, keys)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(left); !os.IsNotExist(err) {
		t.Fatalf("the killed snapshot's copy is still there: %v", err)
	}
	if later := replica.NewID(db.Now().Add(1)); later <= sn.ID {
		t.Fatalf("ids do not order by time: %s then %s", sn.ID, later)
	}

	other, err := store.Open(ctx, filepath.Join(t.TempDir(), store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, vr, err := replica.Restore(ctx, other, kit.Key, sn.Sealed); err != nil || !vr.OK {
		t.Fatalf("restore: %+v %v", vr, err)
	}
	var id string
	if err := other.View(ctx, func(tx *store.Tx) (err error) { id, err = v.VaultID(tx); return err }); err != nil || id != keys.VaultID() {
		t.Fatalf("restored vault %q %v", id, err)
	}
}
