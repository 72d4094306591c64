package vault

import (
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/mynumber-shelter/shelter/app/store"
)

// Keys is the unlocked vault: the office root key in memory. It is safe for concurrent use. Close
// it at logout or lock; afterwards every method returns [ErrSealed].
type Keys struct {
	mu      sync.RWMutex
	vaultID string
	root    *symKey // nil after Close
	rand    io.Reader
}

func newKeys(vaultID string, root []byte, rand io.Reader) (*Keys, error) {
	k, err := newSymKey(root, rand)
	if err != nil {
		return nil, err
	}
	return &Keys{vaultID: vaultID, root: k, rand: rand}, nil
}

// VaultID is the id of the vault these keys open.
func (k *Keys) VaultID() string { return k.vaultID }

// Close zeroes the root key. It is safe to call more than once.
func (k *Keys) Close() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.root.close()
	k.root = nil
}

// withRoot runs fn with the root key under the read lock, or returns ErrSealed.
func (k *Keys) withRoot(fn func(root *symKey) error) error {
	k.mu.RLock()
	defer k.mu.RUnlock()
	if k.root == nil {
		return ErrSealed
	}
	return fn(k.root)
}

// rootFor returns a copy of the root key after checking that it belongs to vaultID.
func (k *Keys) rootFor(vaultID string) ([]byte, error) {
	if k.vaultID != vaultID {
		return nil, fmt.Errorf("keys are for vault %s, database holds vault %s", k.vaultID, vaultID)
	}
	var root []byte
	err := k.withRoot(func(r *symKey) error {
		root = append([]byte(nil), r.raw...)
		return nil
	})
	return root, err
}

// AuditKey returns the audit MAC key unwrapped from the database with the root key. It equals
// [Vault.AuditKey] from the keychain; this one also works when the keychain entry is gone.
func (k *Keys) AuditKey(tx *store.Tx) ([]byte, error) {
	var key []byte
	err := k.withRoot(func(root *symKey) error {
		var err error
		key, _, err = readAuditRecord(tx, root.raw)
		return err
	})
	return key, err
}

func companyKeyAAD(id int64) AAD {
	return AAD{Table: "company_keys", RowID: id, Column: "wrapped_key"}
}

func companyIndexAAD(id int64) AAD {
	return AAD{Table: "company_keys", RowID: id, Column: "wrapped_index"}
}

func personKeyAAD(id int64) AAD {
	return AAD{Table: "person_keys", RowID: id, Column: "wrapped"}
}

// CreateCompany makes the company's key and blind-index key and stores them wrapped under the root
// key. The company row must exist. [ErrKeyExists] if the company has keys already.
func (k *Keys) CreateCompany(tx *store.Tx, companyID int64) error {
	return k.withRoot(func(root *symKey) error {
		var n int
		if err := tx.QueryRow(`SELECT count(*) FROM company_keys WHERE company_id = ?`, companyID).Scan(&n); err != nil {
			return fmt.Errorf("reading company %d key: %w", companyID, err)
		}
		if n > 0 {
			return fmt.Errorf("company %d: %w", companyID, ErrKeyExists)
		}
		ck, err := randomKey(k.rand)
		if err != nil {
			return err
		}
		defer clear(ck)
		ik, err := randomKey(k.rand)
		if err != nil {
			return err
		}
		defer clear(ik)
		wk, err := root.seal(companyKeyAAD(companyID), ck)
		if err != nil {
			return err
		}
		wi, err := root.seal(companyIndexAAD(companyID), ik)
		if err != nil {
			return err
		}
		_, err = tx.Exec(`INSERT INTO company_keys(company_id, wrapped_key, wrapped_index, created_at) VALUES(?, ?, ?, ?)`,
			companyID, wk, wi, tx.NowText())
		if err != nil {
			return fmt.Errorf("writing company %d key: %w", companyID, err)
		}
		return nil
	})
}

// Company unwraps the company's keys. [ErrNoCompanyKey] when it has none.
func (k *Keys) Company(tx *store.Tx, companyID int64) (*CompanyKey, error) {
	var c *CompanyKey
	err := k.withRoot(func(root *symKey) error {
		var wk, wi []byte
		err := tx.QueryRow(`SELECT wrapped_key, wrapped_index FROM company_keys WHERE company_id = ?`, companyID).Scan(&wk, &wi)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("company %d: %w", companyID, ErrNoCompanyKey)
		}
		if err != nil {
			return fmt.Errorf("reading company %d key: %w", companyID, err)
		}
		ck, err := unwrap(root.raw, companyKeyAAD(companyID), wk)
		if err != nil {
			return fmt.Errorf("company %d key: %w", companyID, err)
		}
		ik, err := unwrap(root.raw, companyIndexAAD(companyID), wi)
		if err != nil {
			clear(ck)
			return fmt.Errorf("company %d index key: %w", companyID, err)
		}
		sk, err := newSymKey(ck, k.rand)
		if err != nil {
			return err
		}
		c = &CompanyKey{id: companyID, key: sk, index: ik}
		return nil
	})
	return c, err
}

// CompanyKey is one client company's unwrapped key and blind-index key. It is safe for
// concurrent use, except that Close must not race with other methods.
type CompanyKey struct {
	id    int64
	key   *symKey
	index []byte
	// epoch is set on a shared epoch's key ([Keys.ShareKey]): it seals envelopes and shared
	// numbers, never person keys.
	epoch string
}

// errEpochKey refuses person keys under a shared epoch's key.
var errEpochKey = errors.New("vault: a shared epoch's key does not wrap person keys")

// CompanyID is the company these keys belong to.
func (c *CompanyKey) CompanyID() int64 { return c.id }

// Close zeroes the keys; later Seal and Open return [ErrSealed] and BlindIndex panics.
func (c *CompanyKey) Close() {
	c.key.close()
	clear(c.index)
	c.index = nil
}

// BlindIndex is HMAC-SHA256(index key, normalised): equal for equal values within one company,
// unrelated across companies. It is for duplicate detection only: never show it, never use it as
// an identifier or a lookup key for a person. The caller normalises (e.g. a My Number's 12 ASCII
// digits). It panics after Close, since a wrong index would silently miss duplicates.
func (c *CompanyKey) BlindIndex(normalised string) []byte {
	if c.index == nil {
		panic("vault: BlindIndex on a closed CompanyKey")
	}
	m := hmac.New(sha256.New, c.index)
	m.Write([]byte(normalised))
	return m.Sum(nil)
}

// Seal encrypts company-level data stored at aad.
func (c *CompanyKey) Seal(aad AAD, plaintext []byte) ([]byte, error) {
	return c.key.seal(aad, plaintext)
}

// Open decrypts what Seal wrote at the same aad. [ErrDecrypt] when it was moved or altered.
func (c *CompanyKey) Open(aad AAD, ciphertext []byte) ([]byte, error) {
	return c.key.open(aad, ciphertext)
}

// CreatePerson makes a key for a person of this company and stores it, wrapped under the company
// key, in the key store (keys.db, see app/store "Two files"). [ErrKeyExists] if the person has a
// key already; an error wrapping [ErrShredded] if the person was disposed of (their id is on the
// shred list). Person ids must never be reused (the roster's ids are AUTOINCREMENT), or a
// shredded person's ciphertext would fail with ErrDecrypt instead of ErrShredded.
func (c *CompanyKey) CreatePerson(tx *store.Tx, personID int64) error {
	var n, shredded int
	err := tx.QueryRow(`SELECT (SELECT count(*) FROM keys.person_keys WHERE person_id = ?),
		(SELECT count(*) FROM keys.shredded_keys WHERE person_id = ? AND whole = 1)`, personID, personID).Scan(&n, &shredded)
	if err != nil {
		return fmt.Errorf("reading person %d key: %w", personID, err)
	}
	if n > 0 {
		return fmt.Errorf("person %d: %w", personID, ErrKeyExists)
	}
	if shredded > 0 {
		return fmt.Errorf("person %d: %w", personID, ErrShredded)
	}
	id, w, err := c.newPersonKey(personID, nil)
	if err != nil {
		return err
	}
	_, err = tx.Exec(`INSERT INTO keys.person_keys(person_id, company_id, key_id, wrapped, created_at) VALUES(?, ?, ?, ?, ?)`,
		personID, c.id, id, w, tx.NowText())
	if err != nil {
		return fmt.Errorf("writing person %d key: %w", personID, err)
	}
	return nil
}

// newPersonKey draws a key and a key id for personID and returns the id and the wrapped key;
// when out is not nil it also receives the unwrapped key (which the caller must close).
func (c *CompanyKey) newPersonKey(personID int64, out **PersonKey) (keyID string, wrapped []byte, err error) {
	if c.epoch != "" {
		return "", nil, errEpochKey
	}
	if c.key.aead == nil {
		return "", nil, ErrSealed
	}
	idb := make([]byte, 16)
	if _, err := io.ReadFull(c.key.rand, idb); err != nil {
		return "", nil, fmt.Errorf("reading key id: %w", err)
	}
	pk, err := randomKey(c.key.rand)
	if err != nil {
		return "", nil, err
	}
	w, err := c.key.seal(personKeyAAD(personID), pk)
	if err != nil {
		clear(pk)
		return "", nil, err
	}
	if out == nil {
		clear(pk)
	} else {
		sk, err := newSymKey(pk, c.key.rand)
		if err != nil {
			clear(pk)
			return "", nil, err
		}
		*out = &PersonKey{id: personID, key: sk, rotated: true}
	}
	return keyIDText(idb), w, nil
}

// keyIDText writes a key id as 32 letters a–p (hex with the digits 0–9 written g–p): an id is
// never a run of digits, so a leak scan for 12-digit numbers cannot mistake one for a My Number.
// Migration 0005 writes ids of the same form.
func keyIDText(b []byte) string {
	h := []byte(hex.EncodeToString(b))
	for i, c := range h {
		if c >= '0' && c <= '9' {
			h[i] = 'g' + (c - '0')
		}
	}
	return string(h)
}

// Person unwraps the person's key. [ErrShredded] when it was destroyed or never made.
func (c *CompanyKey) Person(tx *store.Tx, personID int64) (*PersonKey, error) {
	pk, _, _, err := c.person(tx, personID)
	return pk, err
}

// person is Person that also returns the key id and the wrapped key.
func (c *CompanyKey) person(tx *store.Tx, personID int64) (*PersonKey, string, []byte, error) {
	var companyID int64
	var w []byte
	var keyID string
	var rotated bool
	err := tx.QueryRow(`SELECT k.company_id, k.key_id, k.wrapped,
		EXISTS(SELECT 1 FROM keys.shredded_keys s WHERE s.person_id = k.person_id)
			OR EXISTS(SELECT 1 FROM keys.retired_keys r WHERE r.person_id = k.person_id)
		FROM keys.person_keys k WHERE k.person_id = ?`, personID).Scan(&companyID, &keyID, &w, &rotated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", nil, fmt.Errorf("person %d: %w", personID, ErrShredded)
	}
	if err != nil {
		return nil, "", nil, fmt.Errorf("reading person %d key: %w", personID, err)
	}
	if companyID != c.id {
		return nil, "", nil, fmt.Errorf("person %d belongs to company %d, not %d", personID, companyID, c.id)
	}
	if c.key.aead == nil {
		return nil, "", nil, ErrSealed
	}
	if c.epoch != "" {
		return nil, "", nil, errEpochKey
	}
	p := &PersonKey{id: personID, rotated: rotated}
	if p.key, err = c.unwrapPerson(personID, w); err != nil {
		return nil, "", nil, err
	}
	if rotated {
		// A rotation whose transaction committed in the key store but not (yet) in vault.db
		// left the data under the retired key: it stays readable (see app/store "Two files").
		if p.retired, err = c.retiredKeys(tx, personID); err != nil {
			p.Close()
			return nil, "", nil, err
		}
	}
	return p, keyID, w, nil
}

func (c *CompanyKey) unwrapPerson(personID int64, wrapped []byte) (*symKey, error) {
	pk, err := unwrap(c.key.raw, personKeyAAD(personID), wrapped)
	if err != nil {
		return nil, fmt.Errorf("person %d key: %w", personID, err)
	}
	return newSymKey(pk, c.key.rand)
}

// retiredKeys unwraps the person's retired keys (newest first).
func (c *CompanyKey) retiredKeys(tx *store.Tx, personID int64) ([]*symKey, error) {
	rows, err := tx.Query(`SELECT wrapped FROM keys.retired_keys WHERE person_id = ? AND company_id = ? ORDER BY retired_at DESC`, personID, c.id)
	if err != nil {
		return nil, fmt.Errorf("reading person %d retired keys: %w", personID, err)
	}
	defer rows.Close()
	var out []*symKey
	for rows.Next() {
		var w []byte
		if err := rows.Scan(&w); err != nil {
			closeAll(out)
			return nil, fmt.Errorf("reading person %d retired keys: %w", personID, err)
		}
		k, err := c.unwrapPerson(personID, w)
		if err != nil {
			closeAll(out)
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

func closeAll(ks []*symKey) {
	for _, k := range ks {
		k.close()
	}
}

// RotatePerson replaces the person's key with a new one and destroys the old one. reseal runs
// first, inside tx, with both keys: it re-encrypts under next whatever of the person's data is
// to be kept (opening it with old) and deletes the rest. Ciphertext left under the old key can
// never be opened again, in this database or in any backup of it: the old key is deleted from
// the key store and its id goes on the shred list of both files, so restoring an older key
// backup does not bring it back either. Opening such ciphertext with the new key fails with an
// error that wraps both [ErrShredded] and [ErrDecrypt].
//
// A mask_number disposal uses it to delete a My Number while keeping the person's other data.
// If reseal returns an error, RotatePerson returns it and writes nothing; the caller rolls tx
// back. The keys passed to reseal are closed when RotatePerson returns.
//
// The old key does not leave the key store in this transaction: the key store commits before
// vault.db, and until vault.db holds the resealed data the old key must still open it. It moves
// to the key store's retired keys, and its id (with any earlier retired key of the person)
// goes on vault.db's shred list; once the transaction has committed in both files the store
// destroys it (app/store "Two files").
func (c *CompanyKey) RotatePerson(tx *store.Tx, personID int64, reseal func(old, next *PersonKey) error) error {
	old, oldID, oldWrapped, err := c.person(tx, personID)
	if err != nil {
		return err
	}
	defer old.Close()
	var next *PersonKey
	newID, w, err := c.newPersonKey(personID, &next)
	if err != nil {
		return err
	}
	defer next.Close()
	if err := reseal(old, next); err != nil {
		return err
	}
	if err := secureDelete(tx); err != nil {
		return err
	}
	if _, err := tx.Exec(`INSERT INTO keys.retired_keys(key_id, person_id, company_id, wrapped, retired_at) VALUES(?, ?, ?, ?, ?)`,
		oldID, personID, c.id, oldWrapped, tx.NowText()); err != nil {
		return fmt.Errorf("retiring person %d key: %w", personID, err)
	}
	// Every retired key of the person: an earlier rotation that never committed in vault.db
	// left one, and after this transaction no data is under it.
	if _, err := tx.Exec(`INSERT OR IGNORE INTO `+tx.VaultTable("shredded_keys")+`(key_id, person_id, company_id, whole, shredded_at)
		SELECT key_id, person_id, company_id, 0, ? FROM keys.retired_keys WHERE person_id = ?`, tx.NowText(), personID); err != nil {
		return fmt.Errorf("writing the shred list: %w", err)
	}
	_, err = tx.Exec(`UPDATE keys.person_keys SET key_id = ?, wrapped = ?, created_at = ? WHERE person_id = ?`,
		newID, w, tx.NowText(), personID)
	if err != nil {
		return fmt.Errorf("writing person %d key: %w", personID, err)
	}
	tx.NoteRetiredKey()
	return nil
}

// addToShredList records a destroyed key in the shred list of both files.
func addToShredList(tx *store.Tx, keyID string, personID, companyID int64, whole bool) error {
	for _, table := range []string{tx.VaultTable("shredded_keys"), "keys.shredded_keys"} {
		_, err := tx.Exec(`INSERT OR IGNORE INTO `+table+`(key_id, person_id, company_id, whole, shredded_at) VALUES(?, ?, ?, ?, ?)`,
			keyID, personID, companyID, whole, tx.NowText())
		if err != nil {
			return fmt.Errorf("writing the shred list: %w", err)
		}
	}
	return nil
}

// PersonKey is one person's data key: it encrypts that person's My Number and identity-document
// images. It is safe for concurrent use, except that Close must not race with other methods.
type PersonKey struct {
	id  int64
	key *symKey
	// rotated: the person had an earlier key that was destroyed or retired
	// ([CompanyKey.RotatePerson]).
	rotated bool
	// retired are keys of a rotation not yet committed in vault.db; Open tries them after key.
	retired []*symKey
}

// PersonID is the person this key belongs to.
func (p *PersonKey) PersonID() int64 { return p.id }

// Seal encrypts plaintext to be stored at aad (e.g. {"people", personID, "my_number"}).
func (p *PersonKey) Seal(aad AAD, plaintext []byte) ([]byte, error) {
	return p.key.seal(aad, plaintext)
}

// Open decrypts what Seal wrote at the same aad. [ErrDecrypt] when it was moved or altered. When
// the person's key was rotated and the ciphertext does not open, it was most likely sealed under
// the destroyed key (restored from an older backup): the error then wraps [ErrShredded] as well.
func (p *PersonKey) Open(aad AAD, ciphertext []byte) ([]byte, error) {
	pt, err := p.key.open(aad, ciphertext)
	for _, k := range p.retired {
		if err == nil || !errors.Is(err, ErrDecrypt) {
			break
		}
		pt, err = k.open(aad, ciphertext)
	}
	if err != nil && p.rotated && errors.Is(err, ErrDecrypt) {
		return nil, fmt.Errorf("%w (sealed under a destroyed key?): %w", ErrShredded, err)
	}
	return pt, err
}

// Close zeroes the key; later Seal and Open return [ErrSealed].
func (p *PersonKey) Close() {
	p.key.close()
	closeAll(p.retired)
}

// ShredPerson destroys the person's key (crypto-shredding, 削除): afterwards no ciphertext of the
// person, in this database, in a backup of it or copied elsewhere, can be opened through this
// vault. The key lives only in the key store (keys.db), which data backups do not include; its
// row is deleted with SQLite's secure_delete on, so its bytes are overwritten, and the person goes
// on the shred list of both files, so that restoring an older key backup does not bring the key
// back (app/store MergeShredLists) and no key can be made for the person again. Checkpoint the
// database after the transaction (store.DB.Checkpoint) to clear older copies of the page from
// the write-ahead log. It returns an error wrapping [ErrShredded] if the person had no key. The
// caller deletes the person's ciphertext and writes the 削除記録 in the same tx.
func ShredPerson(tx *store.Tx, personID int64) error {
	if err := secureDelete(tx); err != nil {
		return err
	}
	var keyID string
	var companyID int64
	err := tx.QueryRow(`SELECT key_id, company_id FROM keys.person_keys WHERE person_id = ?`, personID).Scan(&keyID, &companyID)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("person %d: %w", personID, ErrShredded)
	}
	if err != nil {
		return fmt.Errorf("reading person %d key: %w", personID, err)
	}
	if err := addToShredList(tx, keyID, personID, companyID, true); err != nil {
		return err
	}
	if _, err := tx.Exec(`DELETE FROM keys.person_keys WHERE person_id = ?`, personID); err != nil {
		return fmt.Errorf("deleting person %d key: %w", personID, err)
	}
	return shredRetired(tx, `person_id = ?`, personID)
}

// shredRetired destroys the retired keys matching cond (onto both shred lists, out of the key
// store).
func shredRetired(tx *store.Tx, cond string, arg int64) error {
	for _, table := range []string{tx.VaultTable("shredded_keys"), "keys.shredded_keys"} {
		_, err := tx.Exec(`INSERT OR IGNORE INTO `+table+`(key_id, person_id, company_id, whole, shredded_at)
			SELECT key_id, person_id, company_id, 0, ? FROM keys.retired_keys WHERE `+cond, tx.NowText(), arg)
		if err != nil {
			return fmt.Errorf("writing the shred list: %w", err)
		}
	}
	if _, err := tx.Exec(`DELETE FROM keys.retired_keys WHERE `+cond, arg); err != nil {
		return fmt.Errorf("deleting retired keys: %w", err)
	}
	return nil
}

// ShredCompany destroys the company's keys and every person key under it (contract end with a
// client: return or delete). Afterwards [Keys.Company] returns [ErrNoCompanyKey] and every
// person of the company is shredded (and on the shred list).
func ShredCompany(tx *store.Tx, companyID int64) error {
	if err := secureDelete(tx); err != nil {
		return err
	}
	for _, table := range []string{tx.VaultTable("shredded_keys"), "keys.shredded_keys"} {
		_, err := tx.Exec(`INSERT OR IGNORE INTO `+table+`(key_id, person_id, company_id, whole, shredded_at)
			SELECT key_id, person_id, company_id, 1, ? FROM keys.person_keys WHERE company_id = ?`, tx.NowText(), companyID)
		if err != nil {
			return fmt.Errorf("writing the shred list: %w", err)
		}
	}
	if err := shredRetired(tx, `company_id = ?`, companyID); err != nil {
		return err
	}
	if _, err := tx.Exec(`DELETE FROM keys.person_keys WHERE company_id = ?`, companyID); err != nil {
		return fmt.Errorf("deleting person keys of company %d: %w", companyID, err)
	}
	// A shared company's epoch keys open its numbers in the relay's envelopes.
	if _, err := tx.Exec(`DELETE FROM share_keys WHERE company_id = ?`, companyID); err != nil {
		return fmt.Errorf("deleting shared keys of company %d: %w", companyID, err)
	}
	res, err := tx.Exec(`DELETE FROM company_keys WHERE company_id = ?`, companyID)
	if err != nil {
		return fmt.Errorf("deleting company %d key: %w", companyID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("company %d: %w", companyID, ErrNoCompanyKey)
	}
	return nil
}

// secureDelete makes SQLite overwrite deleted content with zeros on this connection, so a
// destroyed key does not linger in a free page of the file.
func secureDelete(tx *store.Tx) error {
	if _, err := tx.Exec(`PRAGMA secure_delete = ON`); err != nil {
		return fmt.Errorf("enabling secure delete: %w", err)
	}
	return nil
}
