package keychain

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/mynumber-shelter/shelter/internal/testenv"
)

// keychainContract is the behaviour every Keychain must have; it runs against MemKeychain and
// the real OS keychain.
func keychainContract(t *testing.T, kc Keychain) {
	suffix := make([]byte, 8)
	rand.Read(suffix)
	account := "test/contract-" + hex.EncodeToString(suffix)
	t.Cleanup(func() { kc.Delete(account) })

	if _, err := kc.Get(account); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get of a missing account: %v, want ErrNotFound", err)
	}
	if err := kc.Delete(account); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Delete of a missing account: %v, want ErrNotFound", err)
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
	if _, err := kc.Get(account); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after Delete: %v, want ErrNotFound", err)
	}
}

func TestMemContract(t *testing.T) {
	keychainContract(t, &Mem{})
}

// osForTest returns the OS keychain, or skips the test when there is none (fails under
// SHELTER_REQUIRE_KEYRING=1; see scripts/with-keyring.sh).
func osForTest(t *testing.T) Keychain {
	t.Helper()
	testenv.Keyring(t)
	return OS()
}

func TestOSRoundTrip(t *testing.T) {
	keychainContract(t, osForTest(t))
}
