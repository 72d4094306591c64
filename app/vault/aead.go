package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"fmt"
	"io"
)

// AAD names where a ciphertext lives: the table, the row id and the column. It is bound to the
// ciphertext as AEAD additional data, so a ciphertext copied to another row, column or table does
// not open. Wrapped keys use the AAD of the column that stores them.
type AAD struct {
	Table  string
	RowID  int64
	Column string
}

// String is "table/row/column", for error messages; it holds no secret.
func (a AAD) String() string { return fmt.Sprintf("%s/%d/%s", a.Table, a.RowID, a.Column) }

const (
	// keyVersion1 is the leading byte of every ciphertext written by this program: AES-256-GCM
	// with a 96-bit random nonce under version 1 of the key. A later key rotation writes 2, …
	keyVersion1 byte = 1

	keySize   = 32 // every key in the hierarchy is 256 bits
	nonceSize = 12
	tagSize   = 16

	// Overhead is how many bytes [PersonKey.Seal] and [CompanyKey.Seal] add to a plaintext.
	Overhead = 1 + nonceSize + tagSize
)

// bytes encodes the AAD unambiguously: the key-version byte, then the table and the column each
// with a 4-byte big-endian length prefix, with the row id as 8 bytes big-endian in between.
func (a AAD) bytes(version byte) []byte {
	b := make([]byte, 0, 1+4+len(a.Table)+8+4+len(a.Column))
	b = append(b, version)
	b = binary.BigEndian.AppendUint32(b, uint32(len(a.Table)))
	b = append(b, a.Table...)
	b = binary.BigEndian.AppendUint64(b, uint64(a.RowID))
	b = binary.BigEndian.AppendUint32(b, uint32(len(a.Column)))
	b = append(b, a.Column...)
	return b
}

// symKey is one 256-bit AES-GCM key with the randomness source for its nonces.
type symKey struct {
	raw  []byte
	aead cipher.AEAD
	rand io.Reader
}

func newSymKey(raw []byte, rand io.Reader) (*symKey, error) {
	if len(raw) != keySize {
		return nil, fmt.Errorf("key is %d bytes, want %d", len(raw), keySize)
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, fmt.Errorf("creating cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("creating cipher: %w", err)
	}
	return &symKey{raw: raw, aead: aead, rand: rand}, nil
}

// seal returns version ‖ nonce ‖ AES-GCM(plaintext, aad).
func (k *symKey) seal(aad AAD, plaintext []byte) ([]byte, error) {
	if k.aead == nil {
		return nil, ErrSealed
	}
	out := make([]byte, 1+nonceSize, 1+nonceSize+len(plaintext)+tagSize)
	out[0] = keyVersion1
	if _, err := io.ReadFull(k.rand, out[1:]); err != nil {
		return nil, fmt.Errorf("reading nonce: %w", err)
	}
	return k.aead.Seal(out, out[1:], plaintext, aad.bytes(keyVersion1)), nil
}

// open reverses seal. It never returns any part of the plaintext with an error.
func (k *symKey) open(aad AAD, ct []byte) ([]byte, error) {
	if k.aead == nil {
		return nil, ErrSealed
	}
	if len(ct) < 1 {
		return nil, fmt.Errorf("opening %s: empty: %w", aad, ErrDecrypt)
	}
	if ct[0] != keyVersion1 {
		return nil, fmt.Errorf("opening %s: version %d: %w", aad, ct[0], ErrUnknownVersion)
	}
	if len(ct) < Overhead {
		return nil, fmt.Errorf("opening %s: too short: %w", aad, ErrDecrypt)
	}
	pt, err := k.aead.Open(nil, ct[1:1+nonceSize], ct[1+nonceSize:], aad.bytes(ct[0]))
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", aad, ErrDecrypt)
	}
	return pt, nil
}

// close zeroes the raw key and drops the cipher. Go cannot promise that no copy of the expanded
// key schedule survives in freed memory; this is best effort.
func (k *symKey) close() {
	if k == nil {
		return
	}
	clear(k.raw)
	k.aead = nil
}

// randomKey reads a fresh 256-bit key.
func randomKey(rand io.Reader) ([]byte, error) {
	b := make([]byte, keySize)
	if _, err := io.ReadFull(rand, b); err != nil {
		return nil, fmt.Errorf("reading random key: %w", err)
	}
	return b, nil
}

// wrap seals key under kek with aad; unwrap opens it and checks its length.
func wrap(kek []byte, rand io.Reader, aad AAD, key []byte) ([]byte, error) {
	k, err := newSymKey(kek, rand)
	if err != nil {
		return nil, err
	}
	return k.seal(aad, key)
}

func unwrap(kek []byte, aad AAD, wrapped []byte) ([]byte, error) {
	k, err := newSymKey(kek, nil)
	if err != nil {
		return nil, err
	}
	key, err := k.open(aad, wrapped)
	if err != nil {
		return nil, err
	}
	if len(key) != keySize {
		clear(key)
		return nil, fmt.Errorf("unwrapping %s: key is %d bytes: %w", aad, len(key), ErrDecrypt)
	}
	return key, nil
}
