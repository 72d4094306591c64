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

// Where sealing began
//
// The audit key's record under the root key (vault_keys "audit") also says from which history
// entry on the entries of a session carry a seal: 40 bytes, the audit key ‖ that entry's id
// (big-endian). [Vault.Init] writes it with entry 1; a vault made before seals has the 32-byte
// form until its first session ([Keys.BeginAuditSeal]). Every vault has the record from its
// creation (a recovery needs it), so it cannot be removed unnoticed, and only the root key
// makes one: the older form exists only for a vault made before seals, as a copy kept from
// before its upgrade.

// ErrAuditRecordMissing means the vault has no audit-key record under the root key, which
// every vault has from its creation: it was removed.
var ErrAuditRecordMissing = errors.New("the audit key's record under the root key is missing")

// auditRecord returns the plaintext of the audit-key record: key ‖ since (since 0: the form
// without, from before seals).
func auditRecord(key []byte, since int64) []byte {
	rec := append([]byte(nil), key...)
	if since > 0 {
		rec = binary.BigEndian.AppendUint64(rec, uint64(since))
	}
	return rec
}

// readAuditRecord opens the audit-key record with the root key: the audit key, and the entry
// sealing began at (0 when the record has the form from before seals).
func readAuditRecord(tx *store.Tx, root []byte) (key []byte, since int64, err error) {
	var w []byte
	err = tx.QueryRow(`SELECT wrapped FROM vault_keys WHERE name = ?`, vaultKeyAudit).Scan(&w)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, ErrAuditRecordMissing
	}
	if err != nil {
		return nil, 0, fmt.Errorf("reading audit key: %w", err)
	}
	sk, err := newSymKey(root, nil)
	if err != nil {
		return nil, 0, err
	}
	rec, err := sk.open(vaultKeyAAD(vaultKeyAudit), w)
	if err != nil {
		return nil, 0, fmt.Errorf("opening audit key: %w", err)
	}
	switch len(rec) {
	case keySize:
		return rec, 0, nil
	case keySize + 8:
		since = int64(binary.BigEndian.Uint64(rec[keySize:]))
		if since < 1 {
			clear(rec)
			return nil, 0, fmt.Errorf("audit key record names entry %d: %w", since, ErrDecrypt)
		}
		return rec[:keySize:keySize], since, nil
	}
	clear(rec)
	return nil, 0, fmt.Errorf("audit key record is %d bytes: %w", len(rec), ErrDecrypt)
}

// AuditSealSince returns the id of the first history entry written under seals (app/audit,
// "Seals"). ok is false for a vault made before seals that no session has opened since;
// [ErrAuditRecordMissing] when the record was removed.
func (k *Keys) AuditSealSince(tx *store.Tx) (id int64, ok bool, err error) {
	err = k.withRoot(func(root *symKey) error {
		key, since, err := readAuditRecord(tx, root.raw)
		clear(key)
		id = since
		return err
	})
	return id, err == nil && id > 0, err
}

// BeginAuditSeal records id as the first history entry written under seals in a vault made
// before seals. A record that names an entry already is kept (it is never moved).
func (k *Keys) BeginAuditSeal(tx *store.Tx, id int64) error {
	return k.withRoot(func(root *symKey) error {
		key, since, err := readAuditRecord(tx, root.raw)
		defer clear(key)
		if err != nil || since > 0 {
			return err
		}
		sk, err := newSymKey(root.raw, k.rand)
		if err != nil {
			return err
		}
		w, err := sk.seal(vaultKeyAAD(vaultKeyAudit), auditRecord(key, id))
		if err != nil {
			return fmt.Errorf("sealing the audit key record: %w", err)
		}
		if _, err := tx.Exec(`UPDATE vault_keys SET wrapped = ? WHERE name = ?`, w, vaultKeyAudit); err != nil {
			return fmt.Errorf("writing the audit key record: %w", err)
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
