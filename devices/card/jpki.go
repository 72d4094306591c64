package card

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"io"

	"github.com/mynumber-shelter/shelter/internal/jpkiauth"
)

// The card's answer to a challenge, and its offline check, are in internal/jpkiauth (the app
// checks them without linking PC/SC); these names keep this package's API.
type (
	AuthResponse = jpkiauth.Response
	AuthVerifier = jpkiauth.Verifier
)

// ChallengeSize is the size of a challenge from [NewChallenge], and the minimum
// [Authenticate] accepts.
const ChallengeSize = jpkiauth.ChallengeSize

// NewChallenge returns ChallengeSize random bytes from r (crypto/rand when nil).
func NewChallenge(r io.Reader) ([]byte, error) { return jpkiauth.NewChallenge(r) }

// digestInfoSHA256 is the DER prefix of a DigestInfo for SHA-256 (RFC 8017 §9.2 note 1).
var digestInfoSHA256 = []byte{0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20}

// CheckMyNumberCard reports whether the card in t is a My Number card (個人番号カード): its
// JPKI AP holds the token "JPKIAPICCTOKEN2" in EF 0006 (reference §1.5). Any other card gives
// an error wrapping [ErrNotMyNumberCard]; an old 住民基本台帳カード ("JPKIAPICCTOKEN") says so.
// No PIN is used.
func CheckMyNumberCard(t Transport) error {
	if err := t.Begin(); err != nil {
		return err
	}
	defer t.End(false)
	files, err := jpkiOf(t)
	if err != nil {
		return err
	}
	if err := selectDF(t, files.AID); err != nil {
		if errors.Is(err, ErrNotFound) || errors.Is(err, ErrUnsupported) {
			return fmt.Errorf("%w: no JPKI application", ErrNotMyNumberCard)
		}
		return fmt.Errorf("selecting JPKI: %w", err)
	}
	if err := selectEF(t, files.Token); err != nil {
		if errors.Is(err, ErrNotFound) {
			return fmt.Errorf("%w: no JPKI token", ErrNotMyNumberCard)
		}
		return err
	}
	tok, _, err := readBinary(t, 0, 0x20)
	if err != nil {
		return fmt.Errorf("reading JPKI token: %w", err)
	}
	switch string(bytes.TrimRight(tok, " \x00")) {
	case "JPKIAPICCTOKEN2":
		return nil
	case "JPKIAPICCTOKEN":
		return fmt.Errorf("%w: 住民基本台帳カード", ErrNotMyNumberCard)
	}
	return fmt.Errorf("%w: unknown JPKI token", ErrNotMyNumberCard)
}

// ReadAuthCertificate reads the JPKI 利用者証明用電子証明書 (EF 000A), which needs no PIN. It
// holds no name, address or number: identify a person by the certificate, not by its
// contents.
func ReadAuthCertificate(t Transport) (*x509.Certificate, error) {
	if err := t.Begin(); err != nil {
		return nil, err
	}
	defer t.End(false)
	files, err := selectJPKI(t)
	if err != nil {
		return nil, err
	}
	return readAuthCert(t, files)
}

// selectJPKI selects the card generation's JPKI AP and returns its files.
func selectJPKI(t Transport) (*JPKIFiles, error) {
	files, err := jpkiOf(t)
	if err != nil {
		return nil, err
	}
	if err := selectDF(t, files.AID); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, fmt.Errorf("%w: %w", ErrNotMyNumberCard, err)
		}
		return nil, fmt.Errorf("selecting JPKI: %w", err)
	}
	return files, nil
}

// readAuthCert reads the authentication certificate (EF 000A on Gen1): a DER certificate,
// 30 82 HH LL, read to its end.
func readAuthCert(t Transport, files *JPKIFiles) (*x509.Certificate, error) {
	der, err := readEF(t, files.AuthCert, limitCert)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("EF %04X: %w: %w", files.AuthCert, ErrMalformed, err)
	}
	return cert, nil
}

// AuthPINRetries returns how many tries the JPKI user-authentication PIN has left, without
// using one. A locked PIN gives an error wrapping [ErrPINLocked].
func AuthPINRetries(t Transport) (int, error) {
	return retries(t, func() ([]byte, uint16, error) {
		j, err := jpkiOf(t)
		if err != nil {
			return nil, 0, err
		}
		return j.AID, j.AuthPIN, nil
	})
}

// Authenticate signs challenge with the card's JPKI user-authentication key ("IC card
// login", reference §2.3), using the default [Options]. See [AuthenticateWith].
func Authenticate(t Transport, pin string, challenge []byte) (*AuthResponse, error) {
	return AuthenticateWith(t, pin, challenge, nil)
}

// AuthenticateWith reads the authentication certificate (EF 000A), checks the PIN counter
// (as [ReadKenhojoWith] does: a locked PIN is not tried, the last try needs
// o.AllowLastTry), verifies the 4-digit PIN (EF 0018) and has the card sign a SHA-256
// DigestInfo of challenge with EF 0017: COMPUTE DIGITAL SIGNATURE, 80 2A 00 80 (proprietary
// JPKI; OpenSC card-jpki.c jpki_compute_signature). The card is reset afterwards.
//
// The response proves nothing until [AuthVerifier.Verify] has checked it. o may be nil.
func AuthenticateWith(t Transport, pin string, challenge []byte, o *Options) (r *AuthResponse, err error) {
	if o == nil {
		o = &Options{}
	}
	if len(challenge) < ChallengeSize {
		return nil, fmt.Errorf("card: challenge of %d bytes, want at least %d", len(challenge), ChallengeSize)
	}
	if err := checkPIN(pin); err != nil {
		return nil, err
	}
	if err := t.Begin(); err != nil {
		return nil, err
	}
	defer func() {
		if endErr := t.End(true); endErr != nil && err == nil {
			r, err = nil, fmt.Errorf("resetting card after PIN use: %w", endErr)
		}
	}()
	files, err := selectJPKI(t)
	if err != nil {
		return nil, err
	}
	cert, err := readAuthCert(t, files)
	if err != nil {
		return nil, err
	}
	if err := unlock(t, files.AID, files.AuthPIN, pin, o); err != nil {
		return nil, err
	}
	if err := selectEF(t, files.AuthKey); err != nil {
		return nil, err
	}
	h := sha256.Sum256(challenge)
	di := append(append([]byte(nil), digestInfoSHA256...), h[:]...)
	sig, err := run(t, command{cla: 0x80, ins: 0x2A, p1: 0x00, p2: 0x80, data: di, le: 256})
	if err != nil {
		return nil, fmt.Errorf("signing challenge: %w", err)
	}
	return &AuthResponse{Certificate: cert, Signature: sig}, nil
}
