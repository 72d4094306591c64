package vault

import (
	"bytes"
	"testing"

	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/internal/keychain"
	"github.com/mynumber-shelter/shelter/internal/testenv"
)

func TestInitUnlockWithOSKeychain(t *testing.T) {
	testenv.Keyring(t)
	kc := keychain.OS()
	e := newEnv(t)
	e.kc = nil
	e.v.Keychain = kc
	kit, k := e.init()
	t.Cleanup(func() {
		kc.Delete(deviceSecretAccount(kit.VaultID))
		kc.Delete(auditKeyAccount(kit.VaultID))
	})

	device, err := kc.Get(deviceSecretAccount(kit.VaultID))
	if err != nil || len(device) != keySize {
		t.Fatalf("device secret in OS keychain: %d bytes, %v", len(device), err)
	}
	k2 := e.mustUnlock(1, adminPassword)
	if !bytes.Equal(rootOf(t, k), rootOf(t, k2)) {
		t.Fatal("unlock through the OS keychain gave another root key")
	}
	e.update(func(tx *store.Tx) error {
		a, err := e.v.AuditKey(tx)
		if err != nil {
			return err
		}
		b, err := k.AuditKey(tx)
		if err != nil {
			return err
		}
		if !bytes.Equal(a, b) {
			t.Error("audit key in the OS keychain differs from the wrapped one")
		}
		return nil
	})

	// Losing the keychain entry and recovering with the kit, against the real keychain.
	if err := kc.Delete(deviceSecretAccount(kit.VaultID)); err != nil {
		t.Fatal(err)
	}
	_, err = e.unlock(1, adminPassword)
	wantErr(t, err, ErrDeviceSecretMissing)
	e.update(func(tx *store.Tx) error {
		k, err := e.v.Recover(tx, kit.Key, 1, "after recovery")
		if err == nil {
			k.Close()
		}
		return err
	})
	if d, err := kc.Get(deviceSecretAccount(kit.VaultID)); err != nil || bytes.Equal(d, device) {
		t.Fatalf("Recover did not store a new device secret: %v", err)
	}
	e.mustUnlock(1, "after recovery")
}
