package vault

import (
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/internal/sealbox"
)

// Sharing a company with another installation (app/share) needs three things from the vault,
// all here so that no key leaves this package in clear:
//
//   - an installation key pair (P-256): the public key is published in the relay's directory,
//     the private key is sealed under the root key in share_identity;
//   - wrapping a company's key and blind-index key to a peer's public key (sealbox) and
//     importing such a box as the keys of a new local company;
//   - a MAC only the two installations can compute (HMAC under HKDF of their static ECDH
//     secret), which authenticates a share offer to the peer whose fingerprint was compared.

func shareIdentityAAD() AAD { return AAD{Table: "share_identity", RowID: 1, Column: "private_key"} }

// Fingerprint is how administrators compare an installation key out of band: the first 16
// bytes of SHA-256 of the public key in upper-case hex, in groups of four.
func Fingerprint(pub []byte) string {
	sum := sha256.Sum256(pub)
	h := fmt.Sprintf("%X", sum[:16])
	var b strings.Builder
	for i := 0; i < len(h); i += 4 {
		if i > 0 {
			b.WriteByte('-')
		}
		b.WriteString(h[i : i+4])
	}
	return b.String()
}

// InstallationKey returns this installation's public sharing key (a 65-byte P-256 point),
// making the pair on first use inside tx.
func (k *Keys) InstallationKey(tx *store.Tx) ([]byte, error) {
	var pub []byte
	err := tx.QueryRow(`SELECT public_key FROM share_identity WHERE id = 1`).Scan(&pub)
	if err == nil {
		return pub, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("reading installation key: %w", err)
	}
	err = k.withRoot(func(root *symKey) error {
		priv, err := sealbox.GenerateKey(k.rand)
		if err != nil {
			return fmt.Errorf("making installation key: %w", err)
		}
		raw := priv.Bytes()
		defer clear(raw)
		sealed, err := root.seal(shareIdentityAAD(), raw)
		if err != nil {
			return err
		}
		pub = priv.PublicKey().Bytes()
		_, err = tx.Exec(`INSERT INTO share_identity(id, public_key, private_key, created_at) VALUES(1, ?, ?, ?)`, pub, sealed, tx.NowText())
		if err != nil {
			return fmt.Errorf("writing installation key: %w", err)
		}
		return nil
	})
	return pub, err
}

// installationPrivate unseals the installation's private key.
func (k *Keys) installationPrivate(tx *store.Tx) (*ecdh.PrivateKey, error) {
	var sealed []byte
	if err := tx.QueryRow(`SELECT private_key FROM share_identity WHERE id = 1`).Scan(&sealed); err != nil {
		return nil, fmt.Errorf("reading installation key: %w", err)
	}
	var priv *ecdh.PrivateKey
	err := k.withRoot(func(root *symKey) error {
		raw, err := root.open(shareIdentityAAD(), sealed)
		if err != nil {
			return err
		}
		defer clear(raw)
		priv, err = ecdh.P256().NewPrivateKey(raw)
		if err != nil {
			return fmt.Errorf("installation key: %w", ErrDecrypt)
		}
		return nil
	})
	return priv, err
}

// WrapCompanyTo seals company companyID's key and blind-index key to peer (a 65-byte P-256
// point) with sealbox under aad. Only the holder of peer's private key can open the box.
func (k *Keys) WrapCompanyTo(tx *store.Tx, companyID int64, peer, aad []byte) ([]byte, error) {
	ck, err := k.Company(tx, companyID)
	if err != nil {
		return nil, err
	}
	defer ck.Close()
	return k.WrapKeyTo(ck, peer, aad)
}

// ImportCompany opens a box made by [Keys.WrapCompanyTo] for this installation and stores its
// keys as company companyID's keys, wrapped under the root key as [Keys.CreateCompany] does.
// The company row must exist and have no keys ([ErrKeyExists]); a box that does not open with
// this installation's key and aad fails with [ErrDecrypt].
func (k *Keys) ImportCompany(tx *store.Tx, companyID int64, aad, box []byte) error {
	pt, err := k.openKeyBox(tx, aad, box)
	if err != nil {
		return err
	}
	defer clear(pt)
	return k.putCompany(tx, companyID, pt[:keySize], pt[keySize:])
}

// putCompany stores key and index as company companyID's keys, wrapped under the root key.
// [ErrKeyExists] if the company has keys already.
func (k *Keys) putCompany(tx *store.Tx, companyID int64, key, index []byte) error {
	return k.withRoot(func(root *symKey) error {
		var n int
		if err := tx.QueryRow(`SELECT count(*) FROM company_keys WHERE company_id = ?`, companyID).Scan(&n); err != nil {
			return fmt.Errorf("reading company %d key: %w", companyID, err)
		}
		if n > 0 {
			return fmt.Errorf("company %d: %w", companyID, ErrKeyExists)
		}
		wk, err := root.seal(companyKeyAAD(companyID), key)
		if err != nil {
			return err
		}
		wi, err := root.seal(companyIndexAAD(companyID), index)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(`INSERT INTO company_keys(company_id, wrapped_key, wrapped_index, created_at) VALUES(?, ?, ?, ?)`,
			companyID, wk, wi, tx.NowText()); err != nil {
			return fmt.Errorf("writing company %d key: %w", companyID, err)
		}
		return nil
	})
}

// PeerMAC returns HMAC-SHA256 over msg under a key derived (HKDF-SHA256) from the static ECDH
// secret of this installation's key and peer's. The peer computes the same value from its own
// private key and this installation's public key, so a valid MAC proves that msg comes from
// the holder of the key whose fingerprint was compared (or from this installation itself).
func (k *Keys) PeerMAC(tx *store.Tx, peer, msg []byte) ([]byte, error) {
	pub, err := sealbox.ParsePublicKey(peer)
	if err != nil {
		return nil, fmt.Errorf("peer key: %w", err)
	}
	priv, err := k.installationPrivate(tx)
	if err != nil {
		return nil, err
	}
	shared, err := priv.ECDH(pub)
	if err != nil {
		return nil, fmt.Errorf("peer key: %w", err)
	}
	defer clear(shared)
	// Both sides must use the same salt: the two public keys in byte order.
	a, b := priv.PublicKey().Bytes(), peer
	if string(a) > string(b) {
		a, b = b, a
	}
	mk, err := hkdf.Key(sha256.New, shared, append(append([]byte{}, a...), b...), "mynumber-shelter share mac v1", 32)
	if err != nil {
		return nil, fmt.Errorf("deriving share mac key: %w", err)
	}
	defer clear(mk)
	m := hmac.New(sha256.New, mk)
	m.Write(msg)
	return m.Sum(nil), nil
}

// CheckPeerMAC reports whether mac is [Keys.PeerMAC] of msg with peer (compared in constant
// time).
func (k *Keys) CheckPeerMAC(tx *store.Tx, peer, msg, mac []byte) (bool, error) {
	want, err := k.PeerMAC(tx, peer, msg)
	if err != nil {
		return false, err
	}
	return hmac.Equal(want, mac), nil
}

// OpenSealed opens a sealbox box made for this installation's public key under aad (for
// example the company details of a share offer). [ErrDecrypt] when it does not open.
func (k *Keys) OpenSealed(tx *store.Tx, aad, box []byte) ([]byte, error) {
	priv, err := k.installationPrivate(tx)
	if err != nil {
		return nil, err
	}
	pt, err := sealbox.Open(priv, aad, box)
	if err != nil {
		return nil, fmt.Errorf("opening sealed box: %w", ErrDecrypt)
	}
	return pt, nil
}
