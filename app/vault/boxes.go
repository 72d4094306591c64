package vault

import (
	"crypto/ecdh"
	"database/sql"
	"errors"
	"fmt"
	"io"

	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/internal/sealbox"
)

// # Sealed boxes
//
// Other processes and other installations encrypt *to* this vault with sealed boxes
// (internal/sealbox: ECDH P-256, HKDF-SHA256, AES-256-GCM): the bridge seals each hot-folder
// page to the vault's inbox key, an employee's phone seals a submission to the company's
// submission key, another office seals a shared company key to this installation's key. The
// private keys live here, sealed under the root key or a company key, and this package is the
// only one of the app that makes box keys, opens boxes or seals one to a peer. (The bridge and
// the relay are other processes: the bridge seals pages with the public key only, the relay only
// checks a box's shape.)

// BoxKey is a private key for sealed boxes, held for one purpose. It never leaves the vault's
// methods as bytes.
type BoxKey struct{ priv *ecdh.PrivateKey }

// Public is the key's public point (65 bytes, uncompressed P-256).
func (b *BoxKey) Public() []byte { return b.priv.PublicKey().Bytes() }

// Open opens a box sealed to this key under aad; a box for another key or aad, or an altered
// one, fails with [ErrDecrypt].
func (b *BoxKey) Open(aad, box []byte) ([]byte, error) {
	pt, err := sealbox.Open(b.priv, aad, box)
	if err != nil {
		return nil, fmt.Errorf("opening a sealed box: %w", ErrDecrypt)
	}
	return pt, nil
}

// NewBoxKey makes a box key, sealed under company key c with aad for storage by the caller:
// the public point, the sealed private key, and the key itself.
func (c *CompanyKey) NewBoxKey(r io.Reader, aad AAD) (pub, sealed []byte, key *BoxKey, err error) {
	priv, err := sealbox.GenerateKey(r)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("making a box key: %w", err)
	}
	raw := priv.Bytes()
	defer clear(raw)
	if sealed, err = c.Seal(aad, raw); err != nil {
		return nil, nil, nil, err
	}
	return priv.PublicKey().Bytes(), sealed, &BoxKey{priv}, nil
}

// OpenBoxKey opens a box key made by [CompanyKey.NewBoxKey], checking it against its stored
// public point.
func (c *CompanyKey) OpenBoxKey(aad AAD, sealed, pub []byte) (*BoxKey, error) {
	raw, err := c.Open(aad, sealed)
	if err != nil {
		return nil, err
	}
	defer clear(raw)
	return boxKey(raw, pub)
}

func boxKey(raw, pub []byte) (*BoxKey, error) {
	priv, err := ecdh.P256().NewPrivateKey(raw)
	if err != nil {
		return nil, fmt.Errorf("box key: %w", ErrDecrypt)
	}
	if pub != nil && string(priv.PublicKey().Bytes()) != string(pub) {
		return nil, fmt.Errorf("box key does not match its public key: %w", ErrDecrypt)
	}
	return &BoxKey{priv}, nil
}

// SealTo seals plaintext to a peer's public key (a 65-byte P-256 point) under aad.
func SealTo(r io.Reader, peer, aad, plaintext []byte) ([]byte, error) {
	to, err := sealbox.ParsePublicKey(peer)
	if err != nil {
		return nil, fmt.Errorf("peer key: %w", err)
	}
	return sealbox.Seal(r, to, aad, plaintext)
}

// The hot-folder inbox key (table inbox_keys, one row): the bridge seals each page of the hot
// folder to its public key; the private key is sealed under the root key, so only an unlocked
// session opens a page, and the pair is checked on every open.
var inboxKeyAAD = AAD{Table: "inbox_keys", RowID: 1, Column: "sealed_key"}

// InboxPublicKey returns the vault's inbox public key, or nil when it has none yet.
func InboxPublicKey(tx *store.Tx) ([]byte, error) {
	var pub []byte
	err := tx.QueryRow(`SELECT public_key FROM inbox_keys WHERE id = 1`).Scan(&pub)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return pub, err
}

// InboxKey returns the vault's inbox key, making it on first use inside tx.
func (k *Keys) InboxKey(tx *store.Tx) (*BoxKey, error) {
	var pub, sealed []byte
	err := tx.QueryRow(`SELECT public_key, sealed_key FROM inbox_keys WHERE id = 1`).Scan(&pub, &sealed)
	if err == nil {
		raw, err := k.OpenRoot(inboxKeyAAD, sealed)
		if err != nil {
			return nil, fmt.Errorf("inbox key does not open (altered or of another vault): %w", ErrDecrypt)
		}
		defer clear(raw)
		return boxKey(raw, pub)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	priv, err := sealbox.GenerateKey(k.rand)
	if err != nil {
		return nil, err
	}
	raw := priv.Bytes()
	defer clear(raw)
	if sealed, err = k.SealRoot(inboxKeyAAD, raw); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(`INSERT INTO inbox_keys(id, public_key, sealed_key, created_at) VALUES(1, ?, ?, ?)`,
		priv.PublicKey().Bytes(), sealed, tx.NowText()); err != nil {
		return nil, err
	}
	return &BoxKey{priv}, nil
}
