package vault

import (
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"

	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/internal/sealbox"
)

// A shared company's key epochs (app/share, "Removing a member"). Removing a member of a
// share moves the remaining members to a new epoch: a fresh key, wrapped to each of them, that
// seals every envelope and shared number from then on. The removed member keeps what it could
// already read and can open nothing sent under the new epoch.
//
// The company key itself is one epoch (the one a member began with); every other epoch's key
// is a row of share_keys wrapped under the root key. An epoch key is used through a
// [CompanyKey] whose Seal and Open use the epoch's key and whose blind-index key is the
// company's (which is never sent in an epoch's box). Person keys stay wrapped under the company
// key: the local store is not re-encrypted by a rotation.

func shareKeyAAD(companyID int64, epoch string) AAD {
	return AAD{Table: "share_keys", RowID: companyID, Column: epoch}
}

// NewShareKey makes a key for epoch of company companyID and stores it wrapped under the root
// key. [ErrKeyExists] if the epoch has a key already.
func (k *Keys) NewShareKey(tx *store.Tx, companyID int64, epoch string) error {
	raw, err := randomKey(k.rand)
	if err != nil {
		return err
	}
	defer clear(raw)
	return k.putShareKey(tx, companyID, epoch, raw)
}

func (k *Keys) putShareKey(tx *store.Tx, companyID int64, epoch string, raw []byte) error {
	if epoch == "" {
		return fmt.Errorf("company %d: an epoch key needs an epoch name", companyID)
	}
	return k.withRoot(func(root *symKey) error {
		var n int
		if err := tx.QueryRow(`SELECT count(*) FROM share_keys WHERE company_id = ? AND epoch = ?`, companyID, epoch).Scan(&n); err != nil {
			return fmt.Errorf("reading company %d epoch key: %w", companyID, err)
		}
		if n > 0 {
			return fmt.Errorf("company %d epoch %s: %w", companyID, epoch, ErrKeyExists)
		}
		w, err := root.seal(shareKeyAAD(companyID, epoch), raw)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(`INSERT INTO share_keys(company_id, epoch, wrapped, created_at) VALUES(?, ?, ?, ?)`,
			companyID, epoch, w, tx.NowText()); err != nil {
			return fmt.Errorf("writing company %d epoch key: %w", companyID, err)
		}
		return nil
	})
}

// ShareKey unwraps epoch's key of company companyID, with the company's blind-index key.
// [ErrNoCompanyKey] when this side holds no key for that epoch.
func (k *Keys) ShareKey(tx *store.Tx, companyID int64, epoch string) (*CompanyKey, error) {
	ck, err := k.Company(tx, companyID)
	if err != nil {
		return nil, err
	}
	var w []byte
	err = tx.QueryRow(`SELECT wrapped FROM share_keys WHERE company_id = ? AND epoch = ?`, companyID, epoch).Scan(&w)
	if errors.Is(err, sql.ErrNoRows) {
		ck.Close()
		return nil, fmt.Errorf("company %d epoch %s: %w", companyID, epoch, ErrNoCompanyKey)
	}
	if err != nil {
		ck.Close()
		return nil, fmt.Errorf("reading company %d epoch key: %w", companyID, err)
	}
	err = k.withRoot(func(root *symKey) error {
		raw, err := unwrap(root.raw, shareKeyAAD(companyID, epoch), w)
		if err != nil {
			return fmt.Errorf("company %d epoch %s key: %w", companyID, epoch, err)
		}
		sk, err := newSymKey(raw, k.rand)
		if err != nil {
			return err
		}
		ck.key.close()
		ck.key, ck.epoch = sk, epoch
		return nil
	})
	if err != nil {
		ck.Close()
		return nil, err
	}
	return ck, nil
}

// WrapKeyTo seals ck's key and blind-index key to peer (a 65-byte P-256 point) with sealbox
// under aad, in the form [Keys.ImportCompany] and [Keys.ImportShareKey] open. ck may be an
// epoch's key ([Keys.ShareKey]): a member joining after a removal receives the epoch's key as
// its company key.
func (k *Keys) WrapKeyTo(ck *CompanyKey, peer, aad []byte) ([]byte, error) {
	to, err := sealbox.ParsePublicKey(peer)
	if err != nil {
		return nil, fmt.Errorf("peer key: %w", err)
	}
	if ck.key.aead == nil || ck.index == nil {
		return nil, ErrSealed
	}
	pt := make([]byte, 0, 2*keySize)
	pt = append(append(pt, ck.key.raw...), ck.index...)
	defer clear(pt)
	return sealbox.Seal(k.rand, to, aad, pt)
}

// ImportShareKey opens a box made by [Keys.WrapKeyTo] for this installation and stores its key
// as epoch's key of company companyID. The box's blind-index key must be the company's: a box
// for another company does not import. [ErrDecrypt] when the box does not open with this
// installation's key and aad; [ErrKeyExists] when the epoch has a key already.
func (k *Keys) ImportShareKey(tx *store.Tx, companyID int64, epoch string, aad, box []byte) error {
	pt, err := k.openKeyBox(tx, aad, box)
	if err != nil {
		return err
	}
	defer clear(pt)
	ck, err := k.Company(tx, companyID)
	if err != nil {
		return err
	}
	same := subtle.ConstantTimeCompare(ck.index, pt[keySize:]) == 1
	ck.Close()
	if !same {
		return fmt.Errorf("shared epoch key of another company: %w", ErrDecrypt)
	}
	return k.putShareKey(tx, companyID, epoch, pt[:keySize])
}

// CreateCompanyFromBox opens a box made by [Keys.WrapKeyTo] for this installation and makes
// company companyID's keys from it: a fresh company key of this installation's own (which wraps
// its person keys and is never sent) and the box's blind-index key, which every member of a
// share holds so that duplicate checks agree. The box's key itself is an epoch's key: import it
// with [Keys.ImportShareKey]. [ErrKeyExists] if the company has keys; [ErrDecrypt] when the box
// does not open with this installation's key and aad.
func (k *Keys) CreateCompanyFromBox(tx *store.Tx, companyID int64, aad, box []byte) error {
	pt, err := k.openKeyBox(tx, aad, box)
	if err != nil {
		return err
	}
	defer clear(pt)
	ck, err := randomKey(k.rand)
	if err != nil {
		return err
	}
	defer clear(ck)
	return k.putCompany(tx, companyID, ck, pt[keySize:])
}

// DropShareKeys destroys every epoch key of company companyID but keep's, with SQLite's secure
// delete: once the members have moved to a new epoch, what was sealed under the ones before
// (shared numbers of people since disposed of, in envelopes and in copies of the relay's
// database) opens with no key any member holds.
func (k *Keys) DropShareKeys(tx *store.Tx, companyID int64, keep string) error {
	if err := secureDelete(tx); err != nil {
		return err
	}
	if _, err := tx.Exec(`DELETE FROM share_keys WHERE company_id = ? AND epoch <> ?`, companyID, keep); err != nil {
		return fmt.Errorf("destroying company %d epoch keys: %w", companyID, err)
	}
	return nil
}

// openKeyBox opens a box made by [Keys.WrapKeyTo] for this installation: a key and a
// blind-index key. [ErrDecrypt] when it does not open with this installation's key and aad.
// The caller clears the result.
func (k *Keys) openKeyBox(tx *store.Tx, aad, box []byte) ([]byte, error) {
	priv, err := k.installationPrivate(tx)
	if err != nil {
		return nil, err
	}
	pt, err := sealbox.Open(priv, aad, box)
	if err != nil || len(pt) != 2*keySize {
		clear(pt)
		return nil, fmt.Errorf("opening a shared company key: %w", ErrDecrypt)
	}
	return pt, nil
}
