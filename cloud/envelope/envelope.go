// Package envelope is the wire format of the records that offices exchange through the cloud
// relay (patterns 1 and 3 of the mission): a versioned header that binds an opaque ciphertext to
// one company, one record and one position in its sender's sequence, signed by the sender's
// enrolled Ed25519 key.
//
// # Format, version 1
//
// All integers are big-endian; an envelope is exactly these fields with no trailing bytes:
//
//	magic       4 bytes  "SHEV"
//	version     1 byte   1
//	company     1 byte length n (1..64), n bytes of [A-Za-z0-9._-]
//	record      1 byte length n (1..64), n bytes of [A-Za-z0-9._-]
//	sequence    8 bytes  1 ≤ seq ≤ 2^63-1, strictly increasing per (company, sender)
//	sender key 16 bytes  [KeyID] of the sender's Ed25519 public key
//	ciphertext  4 bytes length n (0..MaxCiphertext), n opaque bytes
//	signature  64 bytes  Ed25519 over SignContext ‖ every preceding byte
//
// # Who checks what
//
// The relay checks the structure, the signature against the key the sending office enrolled
// (so an office cannot write as another one), that the company is one the sending office
// belongs to, and that the sequence is greater than the last one it stored for that
// (company, sender key): a replayed or older envelope is rejected. The relay cannot read or
// check the ciphertext.
//
// The recipient checks the same signature and then opens the ciphertext, an AEAD (AES-256-GCM
// under a key the two installations share, for example a company key wrapped to the other
// installation) whose additional data is [Envelope.AAD]: the header without the ciphertext. A
// ciphertext therefore cannot be moved to another company, record or sequence number, and the
// relay, which never holds the AEAD key, can neither read nor forge one. This package does not
// encrypt; app/vault is the one place that does.
//
// This package must never log, and never interpret the ciphertext.
package envelope

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
)

// Version1 is the only version this package writes and reads.
const Version1 = 1

// Limits of the format.
const (
	MaxIDLen      = 64
	MaxCiphertext = 16 << 20
	KeyIDSize     = 16
	// Overhead is the number of bytes every envelope carries besides its ids and ciphertext.
	Overhead = 4 + 1 + 1 + 1 + 8 + KeyIDSize + 4 + ed25519.SignatureSize
)

// SignContext prefixes the signed bytes so a signature made for an envelope means nothing in
// another protocol that uses the same key.
const SignContext = "mynumber-shelter envelope v1\x00"

var magic = [4]byte{'S', 'H', 'E', 'V'}

// Errors returned by [Parse] and [Envelope.Verify]. Parse errors wrap [ErrMalformed].
var (
	ErrMalformed    = errors.New("envelope: malformed")
	ErrVersion      = errors.New("envelope: unsupported version")
	ErrBadSignature = errors.New("envelope: bad signature")
)

// KeyID names an Ed25519 public key: the first 16 bytes of its SHA-256.
type KeyID [KeyIDSize]byte

// KeyIDOf returns the [KeyID] of pub.
func KeyIDOf(pub ed25519.PublicKey) KeyID {
	sum := sha256.Sum256(pub)
	var id KeyID
	copy(id[:], sum[:KeyIDSize])
	return id
}

// Envelope is one parsed or to-be-sent envelope. Ciphertext is opaque here.
type Envelope struct {
	Company    string
	Record     string
	Seq        uint64
	Sender     KeyID
	Ciphertext []byte
	Signature  [ed25519.SignatureSize]byte
}

// ValidID reports whether s can be a company or record id: 1 to 64 bytes of [A-Za-z0-9._-].
func ValidID(s string) bool { return validChars(s, MaxIDLen) }

// MaxSnapshotIDLen bounds an office replica snapshot's id (app/replica makes 38 bytes).
const MaxSnapshotIDLen = 100

// ValidSnapshotID reports whether s can be a replica snapshot's id, as the bridge stages it and
// the relay stores it: 1 to 100 bytes of [A-Za-z0-9._-].
func ValidSnapshotID(s string) bool { return validChars(s, MaxSnapshotIDLen) }

// MaxChainIDLen bounds an audit chain's id (app/audit's ChainID is 26 characters).
const MaxChainIDLen = 64

// ValidChainID reports whether s can name an audit chain on the relay: lower-case base32
// (a–z, 2–7), at most MaxChainIDLen; "" is the one chain of bridges from before chains were
// told apart.
func ValidChainID(s string) bool {
	return len(s) <= MaxChainIDLen && strings.Trim(s, "abcdefghijklmnopqrstuvwxyz234567") == ""
}

// validChars reports whether s is 1 to max bytes of [A-Za-z0-9._-].
func validChars(s string, max int) bool {
	if len(s) == 0 || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

func (e *Envelope) check() error {
	switch {
	case !ValidID(e.Company):
		return fmt.Errorf("%w: company id", ErrMalformed)
	case !ValidID(e.Record):
		return fmt.Errorf("%w: record id", ErrMalformed)
	case e.Seq == 0 || e.Seq > math.MaxInt64:
		return fmt.Errorf("%w: sequence out of range", ErrMalformed)
	case len(e.Ciphertext) > MaxCiphertext:
		return fmt.Errorf("%w: ciphertext too long", ErrMalformed)
	}
	return nil
}

// AAD returns the header (every field before the ciphertext), the additional data the
// recipient's AEAD must authenticate. It fails like [Envelope.Marshal] on invalid fields.
func (e *Envelope) AAD() ([]byte, error) {
	if err := e.check(); err != nil {
		return nil, err
	}
	b := make([]byte, 0, 5+2+len(e.Company)+len(e.Record)+8+KeyIDSize)
	b = append(b, magic[:]...)
	b = append(b, Version1, byte(len(e.Company)))
	b = append(b, e.Company...)
	b = append(b, byte(len(e.Record)))
	b = append(b, e.Record...)
	b = binary.BigEndian.AppendUint64(b, e.Seq)
	b = append(b, e.Sender[:]...)
	return b, nil
}

// signed returns the bytes before the signature.
func (e *Envelope) signed() ([]byte, error) {
	b, err := e.AAD()
	if err != nil {
		return nil, err
	}
	b = binary.BigEndian.AppendUint32(b, uint32(len(e.Ciphertext)))
	return append(b, e.Ciphertext...), nil
}

func signedMessage(body []byte) []byte {
	return append([]byte(SignContext), body...)
}

// Sign sets e.Sender to the key id of priv's public key and e.Signature to priv's signature.
func (e *Envelope) Sign(priv ed25519.PrivateKey) error {
	e.Sender = KeyIDOf(priv.Public().(ed25519.PublicKey))
	body, err := e.signed()
	if err != nil {
		return err
	}
	copy(e.Signature[:], ed25519.Sign(priv, signedMessage(body)))
	return nil
}

// Verify checks that pub is the sender's key and that the signature is pub's over e.
func (e *Envelope) Verify(pub ed25519.PublicKey) error {
	if len(pub) != ed25519.PublicKeySize || KeyIDOf(pub) != e.Sender {
		return fmt.Errorf("%w: key is not the sender's", ErrBadSignature)
	}
	body, err := e.signed()
	if err != nil {
		return err
	}
	if !ed25519.Verify(pub, signedMessage(body), e.Signature[:]) {
		return ErrBadSignature
	}
	return nil
}

// Marshal returns the wire form of e. It does not sign: call [Envelope.Sign] first.
func (e *Envelope) Marshal() ([]byte, error) {
	body, err := e.signed()
	if err != nil {
		return nil, err
	}
	return append(body, e.Signature[:]...), nil
}

// Parse reads one envelope of version 1. It checks the structure only; the caller must
// [Envelope.Verify] it. The returned Ciphertext is a copy, not an alias of b.
func Parse(b []byte) (*Envelope, error) {
	r := reader{b: b}
	if m := r.next(4); m == nil || !bytes.Equal(m, magic[:]) {
		return nil, fmt.Errorf("%w: magic", ErrMalformed)
	}
	v := r.next(1)
	if v == nil {
		return nil, fmt.Errorf("%w: short", ErrMalformed)
	}
	if v[0] != Version1 {
		return nil, fmt.Errorf("%w %d", ErrVersion, v[0])
	}
	e := &Envelope{Company: string(r.short()), Record: string(r.short())}
	if s := r.next(8); s != nil {
		e.Seq = binary.BigEndian.Uint64(s)
	}
	copy(e.Sender[:], r.next(KeyIDSize))
	var n uint32
	if l := r.next(4); l != nil {
		n = binary.BigEndian.Uint32(l)
	}
	if n > MaxCiphertext {
		return nil, fmt.Errorf("%w: ciphertext too long", ErrMalformed)
	}
	ct := r.next(int(n))
	sig := r.next(ed25519.SignatureSize)
	if r.bad || sig == nil {
		return nil, fmt.Errorf("%w: short", ErrMalformed)
	}
	if len(r.b) != 0 {
		return nil, fmt.Errorf("%w: trailing bytes", ErrMalformed)
	}
	e.Ciphertext = bytes.Clone(ct)
	if e.Ciphertext == nil {
		e.Ciphertext = []byte{}
	}
	copy(e.Signature[:], sig)
	if err := e.check(); err != nil {
		return nil, err
	}
	return e, nil
}

type reader struct {
	b   []byte
	bad bool
}

func (r *reader) next(n int) []byte {
	if r.bad || n < 0 || len(r.b) < n {
		r.bad = true
		return nil
	}
	out := r.b[:n:n]
	r.b = r.b[n:]
	return out
}

func (r *reader) short() []byte {
	l := r.next(1)
	if l == nil {
		return nil
	}
	return r.next(int(l[0]))
}
