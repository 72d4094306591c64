package vault

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"github.com/mynumber-shelter/shelter/internal/testenv"
	"testing"

	"github.com/mynumber-shelter/shelter/app/store"
)

// keychainContract is the behaviour every Keychain must have; it runs against MemKeychain and
// the real OS keychain.
func keychainContract(t *testing.T, kc Keychain) {
	suffix := make([]byte, 8)
	rand.Read(suffix)
	account := "test/contract-" + hex.EncodeToString(suffix)
	t.Cleanup(func() { kc.Delete(account) })

	if _, err := kc.Get(account); !errors.Is(err, ErrNotInKeychain) {
		t.Fatalf("Get of a missing account: %v, want ErrNotInKeychain", err)
	}
	if err := kc.Delete(account); !errors.Is(err, ErrNotInKeychain) {
		t.Fatalf("Delete of a missing account: %v, want ErrNotInKeychain", err)
	}
	first := []byte{0, 1, 2, 0xff, 0xfe, '\n', 0}
	if err := kc.Set(account, first); err != nil {
		t.Fatal(err)
	}
	first[0] = 9 // the keychain keeps its own copy
	if got, err := kc.Get(account); err != nil || !bytes.Equal(got, []byte{0, 1, 2, 0xff, 0xfe, '\n', 0}) {
		t.Fatalf("Get = %x, %v", got, err)
	}
	second := make([]byte, 32)
	rand.Read(second)
	if err := kc.Set(account, second); err != nil {
		t.Fatal(err)
	}
	if got, err := kc.Get(account); err != nil || !bytes.Equal(got, second) {
		t.Fatalf("Set did not replace the entry: %x, %v", got, err)
	}
	if err := kc.Delete(account); err != nil {
		t.Fatal(err)
	}
	if _, err := kc.Get(account); !errors.Is(err, ErrNotInKeychain) {
		t.Fatalf("Get after Delete: %v, want ErrNotInKeychain", err)
	}
}

func TestMemKeychainContract(t *testing.T) {
	keychainContract(t, &MemKeychain{})
}

// osKeychainForTest returns the OS keychain, or skips the test when there is none (fails under
// SHELTER_REQUIRE_KEYRING=1; see scripts/with-keyring.sh).
func osKeychainForTest(t *testing.T) Keychain {
	t.Helper()
	testenv.Keyring(t)
	return OSKeychain()
}

func TestOSKeychainRoundTrip(t *testing.T) {
	keychainContract(t, osKeychainForTest(t))
}

func TestInitUnlockWithOSKeychain(t *testing.T) {
	kc := osKeychainForTest(t)
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
