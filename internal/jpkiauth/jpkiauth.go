// Package jpkiauth checks a My Number card's JPKI user-authentication answer offline ("log in
// with the IC card"): the certificate chains to the trust anchors and is within its dates, and
// the card's signature over the challenge verifies with the certificate's key. It holds no
// PC/SC code: devices/card asks the card, the app checks the answer with this package.
package jpkiauth

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"time"
)

var (
	// ErrSignature: a signature made or held by the card does not verify.
	ErrSignature = errors.New("card: signature does not verify")

	// ErrUntrusted: a certificate does not chain to the given trust anchors or is outside
	// its validity dates.
	ErrUntrusted = errors.New("card: certificate not trusted")
)

// ChallengeSize is the size of a challenge from [NewChallenge], and the minimum
// devices/card.Authenticate and [Verifier.Verify] accept.
const ChallengeSize = 32

// Response is the card's answer to a challenge: its authentication certificate and its
// signature. Check it with [Verifier.Verify].
type Response struct {
	Certificate *x509.Certificate
	// Signature is RSASSA-PKCS1-v1_5 over SHA-256 of the challenge.
	Signature []byte
}

// NewChallenge returns ChallengeSize random bytes from r (crypto/rand when nil) for
// devices/card.Authenticate. Use a fresh one for every login.
func NewChallenge(r io.Reader) ([]byte, error) {
	if r == nil {
		r = rand.Reader
	}
	c := make([]byte, ChallengeSize)
	if _, err := io.ReadFull(r, c); err != nil {
		return nil, fmt.Errorf("card: challenge: %w", err)
	}
	return c, nil
}

// Verifier checks a card's [Response] offline: the certificate chains to Roots and is
// within its dates, and the signature over the challenge verifies with the certificate's
// key. Revocation (J-LIS CRL/OCSP) is not checked: that needs an agreement with J-LIS as a
// platform operator.
type Verifier struct {
	// Roots are the trust anchors: J-LIS's 利用者証明用 CA certificates, checked against
	// J-LIS's published fingerprints. Required.
	Roots *x509.CertPool

	// Intermediates are optional further CA certificates (for example EF 000B).
	Intermediates *x509.CertPool

	// Now is the clock for the validity dates, default time.Now.
	Now func() time.Time
}

// Verify checks resp against challenge. Errors wrap [ErrUntrusted] (chain or dates; the
// x509 error is wrapped too) or [ErrSignature].
func (v *Verifier) Verify(resp *Response, challenge []byte) error {
	if v.Roots == nil {
		return errors.New("jpkiauth: Verifier needs Roots")
	}
	if resp == nil || resp.Certificate == nil {
		return fmt.Errorf("%w: no certificate", ErrUntrusted)
	}
	if len(challenge) < ChallengeSize {
		return fmt.Errorf("card: challenge of %d bytes, want at least %d", len(challenge), ChallengeSize)
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	_, err := resp.Certificate.Verify(x509.VerifyOptions{
		Roots:         v.Roots,
		Intermediates: v.Intermediates,
		CurrentTime:   now(),
		// The JPKI certificate's extended key usages are not documented; the chain and the
		// dates are what is checked.
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUntrusted, err)
	}
	pub, ok := resp.Certificate.PublicKey.(*rsa.PublicKey)
	if !ok {
		return fmt.Errorf("%w: certificate key is not RSA", ErrSignature)
	}
	h := sha256.Sum256(challenge)
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, h[:], resp.Signature); err != nil {
		return fmt.Errorf("%w: %w", ErrSignature, err)
	}
	return nil
}
