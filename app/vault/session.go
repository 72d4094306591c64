package vault

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/mynumber-shelter/shelter/app/store"
)

// Session keys
//
// A logged-in session can be idle-locked and later unlocked by a second factor alone, without the
// password. For that, the app draws a random 32-byte session key SK at a completed login, keeps
// the root key sealed under SK in memory ([Keys.SealForSession]) and hands SK to the
// shelter-bridge, which keeps it in the OS keychain until the session's absolute end. The idle
// lock drops the [Keys] but keeps the sealed blob; after a verified factor the app asks the
// bridge for SK and opens the blob ([Vault.OpenSessionKeys]). Neither half alone opens anything:
// the blob never leaves the app's memory, SK never enters the database.

// sessionAAD binds a sealed session blob to its vault.
func sessionAAD(vaultID string) AAD {
	return AAD{Table: "session", Column: "root/" + vaultID}
}

// SessionKeySize is the size of a session key.
const SessionKeySize = keySize

// SealForSession returns the root key sealed under the session key sk (32 bytes), in the
// ciphertext format of the package, bound to this vault's id. The blob is for memory only:
// never store it.
func (k *Keys) SealForSession(sk []byte) ([]byte, error) {
	if len(sk) != SessionKeySize {
		return nil, fmt.Errorf("session key is %d bytes, want %d", len(sk), SessionKeySize)
	}
	var sealed []byte
	err := k.withRoot(func(root *symKey) error {
		var err error
		sealed, err = wrap(sk, k.rand, sessionAAD(k.vaultID), root.raw)
		return err
	})
	return sealed, err
}

// OpenSessionKeys opens a blob made by [Keys.SealForSession] for vaultID with the session key
// sk and returns the unlocked keys. A wrong key, another vault's blob or an altered blob fails
// with an error wrapping [ErrDecrypt].
func (v *Vault) OpenSessionKeys(vaultID string, sk, sealed []byte) (*Keys, error) {
	if len(sk) != SessionKeySize {
		return nil, fmt.Errorf("session key is %d bytes, want %d: %w", len(sk), SessionKeySize, ErrDecrypt)
	}
	root, err := unwrap(sk, sessionAAD(vaultID), sealed)
	if err != nil {
		return nil, fmt.Errorf("opening session keys: %w", err)
	}
	return newKeys(vaultID, root, v.rand())
}

// restoreMarkInfo is the HKDF info of the key that marks a genuine restore entry.
const restoreMarkInfo = "mynumber-shelter restore-mark v1"

// RestoreMark returns HMAC-SHA256(K, data), where K = HKDF-SHA256(root key, salt vault id,
// info "mynumber-shelter restore-mark v1"). A restore marks its own history entry with it
// (data: audit.RestoreMarkData), so that the relay's anchors from before a restore are counted
// apart only for a restore that happened: someone with the audit key from the keychain but
// not the root key can write a restore entry, not its mark.
func (k *Keys) RestoreMark(data []byte) ([]byte, error) {
	var sum []byte
	err := k.withRoot(func(root *symKey) error {
		key, err := hkdf.Key(sha256.New, root.raw, []byte(k.vaultID), restoreMarkInfo, keySize)
		if err != nil {
			return fmt.Errorf("deriving restore-mark key: %w", err)
		}
		defer clear(key)
		m := hmac.New(sha256.New, key)
		m.Write(data)
		sum = m.Sum(nil)
		return nil
	})
	return sum, err
}

// auditSealInfo is the HKDF info of the key that seals history entries written in a session.
const auditSealInfo = "mynumber-shelter audit-seal v1"

// AuditSealKey returns K = HKDF-SHA256(root key, salt vault id, info
// "mynumber-shelter audit-seal v1"), the key app/audit seals the entries of a logged-in
// session with (app/audit's Log.Seal). Unlike the audit key, which the OS keychain holds so that
// failed logins can be recorded before anyone logs in, this key exists only while a session
// holds the root key: a process that reads the keychain can re-chain the history, not re-seal
// it. The caller owns the returned slice (clear it when done).
func (k *Keys) AuditSealKey() ([]byte, error) {
	var key []byte
	err := k.withRoot(func(root *symKey) error {
		var err error
		key, err = hkdf.Key(sha256.New, root.raw, []byte(k.vaultID), auditSealInfo, keySize)
		if err != nil {
			return fmt.Errorf("deriving audit seal key: %w", err)
		}
		return nil
	})
	return key, err
}

// vaultKeySealSince names the vault_keys row that says from which history entry on the
// entries of a session carry a seal.
const vaultKeySealSince = "audit_seal_since"

// AuditSealSince returns the id of the first history entry written under seals (app/audit,
// "Seals"), as recorded by [Keys.BeginAuditSeal]: sealed under the root key, so that it can be
// removed (the vault then looks like one that never sealed, as before version 0012) but not
// moved. ok is false when none is recorded.
func (k *Keys) AuditSealSince(tx *store.Tx) (id int64, ok bool, err error) {
	var w []byte
	err = tx.QueryRow(`SELECT wrapped FROM vault_keys WHERE name = ?`, vaultKeySealSince).Scan(&w)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("reading the history's seal record: %w", err)
	}
	err = k.withRoot(func(root *symKey) error {
		sk, err := newSymKey(root.raw, nil)
		if err != nil {
			return err
		}
		v, err := sk.open(vaultKeyAAD(vaultKeySealSince), w)
		if err != nil {
			return fmt.Errorf("opening the history's seal record: %w", err)
		}
		if len(v) != 8 {
			return fmt.Errorf("the history's seal record is %d bytes: %w", len(v), ErrDecrypt)
		}
		id = int64(binary.BigEndian.Uint64(v))
		return nil
	})
	return id, err == nil, err
}

// BeginAuditSeal records id as the first history entry written under seals, unless a record
// exists already (it is never moved).
func (k *Keys) BeginAuditSeal(tx *store.Tx, id int64) error {
	if _, ok, err := k.AuditSealSince(tx); err != nil || ok {
		return err
	}
	return k.withRoot(func(root *symKey) error {
		sk, err := newSymKey(root.raw, k.rand)
		if err != nil {
			return err
		}
		w, err := sk.seal(vaultKeyAAD(vaultKeySealSince), binary.BigEndian.AppendUint64(nil, uint64(id)))
		if err != nil {
			return fmt.Errorf("sealing the history's seal record: %w", err)
		}
		if _, err := tx.Exec(`INSERT INTO vault_keys(name, wrapped, created_at) VALUES(?, ?, ?)`, vaultKeySealSince, w, tx.NowText()); err != nil {
			return fmt.Errorf("writing the history's seal record: %w", err)
		}
		return nil
	})
}

// factorMACInfo is the HKDF info of the second-factor MAC key.
const factorMACInfo = "mynumber-shelter factor-mac v1"

// FactorMAC returns HMAC-SHA256(K, kind ‖ 0x00 ‖ value), where K = HKDF-SHA256(root key, salt
// vault id, info "mynumber-shelter factor-mac v1"). app/auth stores it instead of a staff IC
// card's UID: equal for equal UIDs in this vault, meaningless without the root key. kind keeps
// values of different factor kinds apart.
func (k *Keys) FactorMAC(kind string, value []byte) ([]byte, error) {
	var sum []byte
	err := k.withRoot(func(root *symKey) error {
		key, err := hkdf.Key(sha256.New, root.raw, []byte(k.vaultID), factorMACInfo, keySize)
		if err != nil {
			return fmt.Errorf("deriving factor key: %w", err)
		}
		defer clear(key)
		m := hmac.New(sha256.New, key)
		m.Write([]byte(kind))
		m.Write([]byte{0})
		m.Write(value)
		sum = m.Sum(nil)
		return nil
	})
	return sum, err
}
