package vault

import (
	"bytes"
	"errors"
	"testing"

	"github.com/mynumber-shelter/shelter/app/store"
)

// TestReplicaSeal: a sealed snapshot opens with the Recovery Kit alone (no keychain, no
// database), and not with another vault's kit, nor after a byte of its header or body changed;
// the sealed bytes hold nothing of the plaintext.
func TestReplicaSeal(t *testing.T) {
	f := newEnv(t)
	kit, keys := f.init()
	plain := bytes.Repeat([]byte("snapshot of the office 山田 太郎 "), 100)
	var sealed []byte
	f.update(func(tx *store.Tx) (err error) {
		sealed, err = keys.SealReplica(tx, "20261205T000000.000000000Z-abc", plain)
		return err
	})
	if bytes.Contains(sealed, []byte("山田")) {
		t.Fatal("the sealed snapshot holds the plaintext")
	}
	vaultID, got, err := OpenReplica(kit.Key, sealed)
	if err != nil || !bytes.Equal(got, plain) || vaultID != keys.VaultID() {
		t.Fatalf("OpenReplica: %q %v", vaultID, err)
	}
	otherKit, _ := newEnv(t).init()
	if _, _, err := OpenReplica(otherKit.Key, sealed); !errors.Is(err, ErrBadRecoveryKey) {
		t.Fatalf("another vault's kit: %v", err)
	}
	for _, at := range []int{len(replicaMagic) + 12, len(sealed) - 5} {
		bad := bytes.Clone(sealed)
		bad[at] ^= 1
		if _, _, err := OpenReplica(kit.Key, bad); err == nil {
			t.Fatalf("a changed byte at %d went unnoticed", at)
		}
	}
	if _, _, err := OpenReplica(kit.Key, []byte("PK\x03\x04 not a snapshot")); !errors.Is(err, ErrNotReplica) {
		t.Fatalf("not a snapshot: %v", err)
	}
}
