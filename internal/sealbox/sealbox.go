// Package sealbox seals bytes to a P-256 public key so that only the holder of the private key
// can open them. It is the one construction the system uses for that: the employee's phone
// seals a submission to the company's submission key (in the browser, with WebCrypto — see
// cloud/web/sealbox.js, its twin), and shelter-bridge seals pages from a scanner's hot folder
// to the app's inbox key while the window is closed.
//
// # Format (version 1)
//
//	0x01 | ephemeral public key (65 bytes, uncompressed point) | nonce (12 bytes) | AES-256-GCM ciphertext and tag
//
// The key is HKDF-SHA256 with the ECDH shared secret (the 32-byte X coordinate, what WebCrypto's
// deriveBits returns) as input, salt = ephemeral public key ‖ recipient public key, and info =
// "mynumber-shelter sealbox v1". The caller's aad is the GCM additional data: it binds the box to
// where it belongs (for example "submission|<company>|<employee code>"), so a box moved elsewhere
// does not open.
//
// It must never log or return the plaintext in an error; every failure to open is the one
// [ErrOpen].
package sealbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
)

// Version is the first byte of a sealed box.
const Version byte = 1

// Overhead is how many bytes Seal adds to the plaintext.
const Overhead = 1 + 65 + 12 + 16

const info = "mynumber-shelter sealbox v1"

// ErrOpen is returned for a box that is malformed, of another version, sealed to another key,
// bound to other aad or altered.
var ErrOpen = errors.New("sealbox: cannot open (wrong key, wrong context or damaged)")

// GenerateKey returns a new P-256 private key from rand (crypto/rand when nil).
func GenerateKey(r io.Reader) (*ecdh.PrivateKey, error) {
	if r == nil {
		r = rand.Reader
	}
	return ecdh.P256().GenerateKey(r)
}

// ParsePublicKey parses an uncompressed P-256 point (65 bytes starting 0x04).
func ParsePublicKey(b []byte) (*ecdh.PublicKey, error) {
	k, err := ecdh.P256().NewPublicKey(b)
	if err != nil {
		return nil, fmt.Errorf("sealbox: not a P-256 public key: %w", err)
	}
	return k, nil
}

func boxKey(shared, eph, recipient []byte) ([]byte, error) {
	salt := make([]byte, 0, len(eph)+len(recipient))
	salt = append(append(salt, eph...), recipient...)
	return hkdf.Key(sha256.New, shared, salt, info, 32)
}

// Seal seals plaintext to to, bound to aad. r is the randomness (crypto/rand when nil).
func Seal(r io.Reader, to *ecdh.PublicKey, aad, plaintext []byte) ([]byte, error) {
	if r == nil {
		r = rand.Reader
	}
	if to.Curve() != ecdh.P256() {
		return nil, errors.New("sealbox: recipient key is not P-256")
	}
	eph, err := ecdh.P256().GenerateKey(r)
	if err != nil {
		return nil, fmt.Errorf("sealbox: ephemeral key: %w", err)
	}
	shared, err := eph.ECDH(to)
	if err != nil {
		return nil, fmt.Errorf("sealbox: ecdh: %w", err)
	}
	ephPub := eph.PublicKey().Bytes()
	key, err := boxKey(shared, ephPub, to.Bytes())
	if err != nil {
		return nil, err
	}
	gcm, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, Overhead+len(plaintext))
	out = append(out, Version)
	out = append(out, ephPub...)
	nonce := make([]byte, 12)
	if _, err := io.ReadFull(r, nonce); err != nil {
		return nil, fmt.Errorf("sealbox: nonce: %w", err)
	}
	out = append(out, nonce...)
	return gcm.Seal(out, nonce, plaintext, aad), nil
}

// Open opens a box sealed to priv's public key with the same aad.
func Open(priv *ecdh.PrivateKey, aad, box []byte) ([]byte, error) {
	if len(box) < Overhead || box[0] != Version || priv.Curve() != ecdh.P256() {
		return nil, ErrOpen
	}
	ephPub := box[1:66]
	eph, err := ecdh.P256().NewPublicKey(ephPub)
	if err != nil {
		return nil, ErrOpen
	}
	shared, err := priv.ECDH(eph)
	if err != nil {
		return nil, ErrOpen
	}
	key, err := boxKey(shared, ephPub, priv.PublicKey().Bytes())
	if err != nil {
		return nil, ErrOpen
	}
	gcm, err := newGCM(key)
	if err != nil {
		return nil, ErrOpen
	}
	pt, err := gcm.Open(nil, box[66:78], box[78:], aad)
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("sealbox: %w", err)
	}
	return cipher.NewGCM(b)
}
