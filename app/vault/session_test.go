package vault

import (
	"bytes"
	"crypto/rand"
	"testing"

	"github.com/mynumber-shelter/shelter/app/store"
)

// TestSessionKeys: the sealed blob opens only with its session key, for its vault, unaltered,
// and the opened keys are the same root key (they open what the password's keys sealed).
func TestSessionKeys(t *testing.T) {
	e := newEnv(t)
	_, k := e.init()
	sk := make([]byte, SessionKeySize)
	rand.Read(sk)
	sealed, err := k.SealForSession(sk)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, rootOf(t, k)) {
		t.Fatal("the root key is in the blob")
	}
	opened, err := e.v.OpenSessionKeys(k.VaultID(), sk, sealed)
	if err != nil {
		t.Fatal(err)
	}
	defer opened.Close()
	if !bytes.Equal(rootOf(t, opened), rootOf(t, k)) || opened.VaultID() != k.VaultID() {
		t.Fatal("the opened keys are not the vault's")
	}

	other := append([]byte(nil), sk...)
	other[0] ^= 1
	altered := append([]byte(nil), sealed...)
	altered[len(altered)-1] ^= 1
	for _, c := range []struct {
		name    string
		vaultID string
		sk, box []byte
	}{
		{"wrong key", k.VaultID(), other, sealed},
		{"another vault", "00000000000000000000000000000000", sk, sealed},
		{"altered", k.VaultID(), sk, altered},
		{"short key", k.VaultID(), sk[:16], sealed},
		{"empty blob", k.VaultID(), sk, nil},
	} {
		if _, err := e.v.OpenSessionKeys(c.vaultID, c.sk, c.box); err == nil {
			t.Errorf("%s: opened", c.name)
		} else {
			wantErr(t, err, ErrDecrypt)
		}
	}
	if _, err := k.SealForSession(sk[:31]); err == nil {
		t.Fatal("sealed under a 31-byte key")
	}
	k2, err := e.v.OpenSessionKeys(k.VaultID(), sk, sealed)
	if err != nil {
		t.Fatal(err)
	}
	k2.Close()
	if _, err := k2.SealForSession(sk); err == nil {
		t.Fatal("closed keys sealed")
	} else {
		wantErr(t, err, ErrSealed)
	}
}

// TestFactorMAC: stable for a value, different across values, kinds and vaults.
func TestFactorMAC(t *testing.T) {
	e := newEnv(t)
	_, k := e.init()
	mac := func(k *Keys, kind string, v []byte) []byte {
		t.Helper()
		m, err := k.FactorMAC(kind, v)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	uid := []byte{0x04, 0x53, 0x49, 0x4D}
	a := mac(k, "card", uid)
	if len(a) != 32 || !bytes.Equal(a, mac(k, "card", uid)) {
		t.Fatal("the MAC is not stable")
	}
	if bytes.Equal(a, mac(k, "card", []byte{0x04, 0x53, 0x49, 0x4E})) || bytes.Equal(a, mac(k, "vein", uid)) {
		t.Fatal("different values give the same MAC")
	}
	e2 := newEnv(t)
	_, k2 := e2.init()
	if bytes.Equal(a, mac(k2, "card", uid)) {
		t.Fatal("two vaults give the same MAC")
	}
}

// TestAuditSealSince: a new vault's audit-key record says its history is sealed from entry 1;
// a vault made before seals (the 32-byte record) starts where its first session says, once;
// both forms give the same audit key; a removed or altered record is an error, never "none".
func TestAuditSealSince(t *testing.T) {
	e := newEnv(t)
	_, k := e.init()
	var auditKey []byte
	e.update(func(tx *store.Tx) error {
		since, ok, err := k.AuditSealSince(tx)
		if err != nil || !ok || since != 1 {
			t.Fatalf("new vault: since %d ok %v err %v", since, ok, err)
		}
		auditKey, err = k.AuditKey(tx)
		return err
	})

	// The record of a vault made before seals: the audit key alone.
	e.update(func(tx *store.Tx) error { return e.v.putVaultKey(tx, vaultKeyAudit, rootOf(t, k), auditKey) })
	e.update(func(tx *store.Tx) error {
		if since, ok, err := k.AuditSealSince(tx); err != nil || ok || since != 0 {
			t.Fatalf("older vault: since %d ok %v err %v", since, ok, err)
		}
		if err := k.BeginAuditSeal(tx, 7); err != nil {
			return err
		}
		if err := k.BeginAuditSeal(tx, 9); err != nil { // never moved
			return err
		}
		since, ok, err := k.AuditSealSince(tx)
		if err != nil || !ok || since != 7 {
			t.Fatalf("after BeginAuditSeal: since %d ok %v err %v", since, ok, err)
		}
		got, err := k.AuditKey(tx)
		if err != nil || !bytes.Equal(got, auditKey) {
			t.Fatalf("audit key after BeginAuditSeal: %v", err)
		}
		return nil
	})

	e.update(func(tx *store.Tx) error {
		_, err := tx.Exec(`UPDATE vault_keys SET wrapped = substr(wrapped, 1, length(wrapped) - 1) || x'00' WHERE name = ?`, vaultKeyAudit)
		return err
	})
	e.update(func(tx *store.Tx) error {
		_, _, err := k.AuditSealSince(tx)
		wantErr(t, err, ErrDecrypt)
		_, err = tx.Exec(`DELETE FROM vault_keys WHERE name = ?`, vaultKeyAudit)
		return err
	})
	e.update(func(tx *store.Tx) error {
		_, _, err := k.AuditSealSince(tx)
		wantErr(t, err, ErrAuditRecordMissing)
		wantErr(t, k.BeginAuditSeal(tx, 3), ErrAuditRecordMissing)
		return nil
	})
}
