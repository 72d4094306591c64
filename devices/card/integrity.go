package card

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"math/big"
)

// Tags of EF 0003 and EF 0004 (reference §1.3).
const (
	tagSigObj    Tag = 0xFF30
	tagDigestNum Tag = 0xDF31
	tagDigest4   Tag = 0xDF32
	tagSignature Tag = 0xDF33
	tagCVCert    Tag = 0x7F21
	tagCVBody    Tag = 0x5F4E
)

// DigestMode says which bytes the EF 0003 digests (DF31 over EF 0001, DF32 over EF 0002)
// cover. No public source says (reference §1.6), so both readings are implemented until one
// is confirmed on a real card.
type DigestMode int

const (
	// DigestAuto accepts DigestWholeTLV or DigestValueOnly, tried in that order; the same
	// variant must match both files.
	DigestAuto DigestMode = iota
	// DigestWholeTLV: SHA-256 over each file's whole TLV (tag, length and value).
	DigestWholeTLV
	// DigestValueOnly: SHA-256 over each file's container value only.
	DigestValueOnly
)

func (m DigestMode) String() string {
	switch m {
	case DigestWholeTLV:
		return "whole TLV"
	case DigestValueOnly:
		return "value only"
	}
	return "auto"
}

// SignatureCheck says how the EF 0003 signature (DF33) was checked.
type SignatureCheck int

const (
	// SignatureNotChecked: the card has no EF 0004, so there was no key to check with.
	SignatureNotChecked SignatureCheck = iota
	// SignatureOverTLVs: DF33 verified as RSASSA-PKCS1-v1_5/SHA-256 over DF31 ‖ DF32 as TLVs.
	SignatureOverTLVs
	// SignatureOverValues: DF33 verified over the two 32-byte digests only.
	SignatureOverValues
)

func (s SignatureCheck) String() string {
	switch s {
	case SignatureOverTLVs:
		return "over digest TLVs"
	case SignatureOverValues:
		return "over digest values"
	}
	return "not checked"
}

// Integrity reports how [ReadKenhojoWith] checked the data it returns.
//
// It proves that the data is what the card itself vouches for: the digests in EF 0003 match
// and, when the card has EF 0004, the signature over them verifies with EF 0004's key. It does
// not prove that J-LIS issued the card: EF 0004 is signed by a J-LIS key that is not public,
// so a clone can carry its own key (reference §1.6). JPKI ([Authenticate]) is the way to
// prove a genuine card.
type Integrity struct {
	// Digest is the variant that matched: DigestWholeTLV or DigestValueOnly.
	Digest DigestMode

	// Signature is how DF33 was verified, or SignatureNotChecked without EF 0004.
	Signature SignatureCheck
}

// checkIntegrity compares EF 0001 and EF 0002 with the digests in EF 0003 and verifies DF33
// with the key in EF 0004 when ef4 is not nil.
func checkIntegrity(ef1, ef2, ef3, ef4 []byte, mode DigestMode) (Integrity, error) {
	obj, _, err := ParseTLV(ef3)
	if err != nil || obj.Tag != tagSigObj {
		return Integrity{}, fmt.Errorf("EF 0003: %w", ErrMalformed)
	}
	parts, err := obj.Children()
	if err != nil {
		return Integrity{}, fmt.Errorf("EF 0003: %w", err)
	}
	dNum, ok1 := Find(parts, tagDigestNum)
	d4, ok2 := Find(parts, tagDigest4)
	sig, ok3 := Find(parts, tagSignature)
	if !ok1 || !ok2 || !ok3 || len(dNum.Value) != sha256.Size || len(d4.Value) != sha256.Size {
		return Integrity{}, fmt.Errorf("EF 0003: %w: digests or signature missing", ErrMalformed)
	}

	var res Integrity
	modes := []DigestMode{DigestWholeTLV, DigestValueOnly}
	if mode != DigestAuto {
		modes = []DigestMode{mode}
	}
	for _, m := range modes {
		if digestMatches(ef1, dNum.Value, m) && digestMatches(ef2, d4.Value, m) {
			res.Digest = m
			break
		}
	}
	if res.Digest == DigestAuto {
		return Integrity{}, fmt.Errorf("EF 0003 (%v): %w", mode, ErrIntegrity)
	}

	if ef4 == nil {
		return res, nil
	}
	pub, err := parseTextKey(ef4)
	if err != nil {
		return Integrity{}, err
	}
	candidates := []struct {
		msg   []byte
		check SignatureCheck
	}{
		{append(append([]byte(nil), dNum.Raw...), d4.Raw...), SignatureOverTLVs},
		{append(append([]byte(nil), dNum.Value...), d4.Value...), SignatureOverValues},
	}
	for _, c := range candidates {
		h := sha256.Sum256(c.msg)
		if rsa.VerifyPKCS1v15(pub, crypto.SHA256, h[:], sig.Value) == nil {
			res.Signature = c.check
			return res, nil
		}
	}
	return Integrity{}, fmt.Errorf("EF 0003 DF33: %w", ErrSignature)
}

// digestMatches reports whether SHA-256 over the file's TLV (or its value) equals want.
func digestMatches(file, want []byte, m DigestMode) bool {
	t, _, err := ParseTLV(file)
	if err != nil {
		return false
	}
	data := t.Raw
	if m == DigestValueOnly {
		data = t.Value
	}
	got := sha256.Sum256(data)
	return subtle.ConstantTimeCompare(got[:], want) == 1
}

// parseTextKey reads the RSA key from EF 0004: 7F21 { 5F4E body, 5F37 signature }, body =
// issuer ID (16) ‖ subject ID (16) ‖ TLV(e) ‖ TLV(n) (reference §1.3, after jsapdu). The
// tags of e and n are not documented, so the shorter of the two values is taken as e.
func parseTextKey(ef4 []byte) (*rsa.PublicKey, error) {
	bad := func(what string) error { return fmt.Errorf("EF 0004: %w: %s", ErrMalformed, what) }
	cert, _, err := ParseTLV(ef4)
	if err != nil || cert.Tag != tagCVCert {
		return nil, bad("no 7F21 certificate")
	}
	parts, err := cert.Children()
	if err != nil {
		return nil, fmt.Errorf("EF 0004: %w", err)
	}
	body, ok := Find(parts, tagCVBody)
	if !ok || len(body.Value) < 32 {
		return nil, bad("no 5F4E body")
	}
	nums, err := ParseTLVs(body.Value[32:])
	if err != nil || len(nums) < 2 {
		return nil, bad("no exponent and modulus")
	}
	e, n := nums[0].Value, nums[1].Value
	if len(e) > len(n) {
		e, n = n, e
	}
	n = bytes.TrimLeft(n, "\x00")
	if len(e) == 0 || len(e) > 4 || len(n)*8 < 2048 || len(n)*8 > 4096 {
		return nil, bad("unusable RSA key size")
	}
	exp := int(new(big.Int).SetBytes(e).Int64())
	if exp < 3 || exp%2 == 0 {
		return nil, bad("unusable RSA exponent")
	}
	return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: exp}, nil
}
