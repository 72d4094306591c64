package simcard

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"math/big"
	"time"
)

// Keys are the RSA-2048 test keys of a virtual card. Generating them is slow (a few hundred
// milliseconds on a small machine), so tests generate one set and share it between cards.
// Every field must be set.
type Keys struct {
	// CA is the test certificate authority's key. It signs the JPKI authentication
	// certificate (EF 000A) and stands in for J-LIS in the EF 0004 certificate.
	CA *rsa.PrivateKey

	// Auth is the JPKI 利用者証明用 key (EF 0017): COMPUTE DIGITAL SIGNATURE uses it and
	// EF 000A certifies it.
	Auth *rsa.PrivateKey

	// Sign is the JPKI 署名用 key (EF 001A), certified by EF 0001. The test CA key also
	// issues the signing CA certificate (EF 0002), under its own subject.
	Sign *rsa.PrivateKey

	// Text is the 券面事項入力補助AP key: it signs EF 0003 and EF 0004 holds its public half.
	Text *rsa.PrivateKey
}

// GenerateKeys makes a fresh set of RSA-2048 test keys from rand (crypto/rand when nil).
func GenerateKeys(rand io.Reader) (*Keys, error) {
	rand = randOrDefault(rand)
	var ks [4]*rsa.PrivateKey
	for i := range ks {
		k, err := rsa.GenerateKey(rand, 2048)
		if err != nil {
			return nil, fmt.Errorf("simcard: generating test key: %w", err)
		}
		ks[i] = k
	}
	return &Keys{CA: ks[0], Auth: ks[1], Text: ks[2], Sign: ks[3]}, nil
}

func randOrDefault(r io.Reader) io.Reader {
	if r == nil {
		return rand.Reader
	}
	return r
}

// certs are the DER certificates a card serves and the parsed ones for tests.
type certs struct {
	caDER, authDER, signCADER, signDER []byte
	ca, auth, signCA, sign             *x509.Certificate
}

// makeCerts issues the self-signed test CA certificates and the JPKI authentication and
// signing certificates for keys.Auth and keys.Sign, valid from an hour before now for
// validity.
func makeCerts(keys *Keys, rnd io.Reader, now time.Time, validity time.Duration) (*certs, error) {
	serial := func() (*big.Int, error) {
		return rand.Int(rnd, new(big.Int).Lsh(big.NewInt(1), 63))
	}
	notBefore := now.Add(-time.Hour).UTC()
	notAfter := now.Add(validity).UTC()

	caSerial, err := serial()
	if err != nil {
		return nil, fmt.Errorf("simcard: certificate serial: %w", err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber: caSerial,
		Subject: pkix.Name{
			Country:            []string{"JP"},
			Organization:       []string{"JPKI TEST ONLY"},
			OrganizationalUnit: []string{"TEST ONLY virtual card CA for user authentication (simcard)"},
		},
		NotBefore:             notBefore,
		NotAfter:              notAfter.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	caDER, err := x509.CreateCertificate(rnd, caTmpl, caTmpl, &keys.CA.PublicKey, keys.CA)
	if err != nil {
		return nil, fmt.Errorf("simcard: issuing test CA certificate: %w", err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, fmt.Errorf("simcard: parsing test CA certificate: %w", err)
	}

	authSerial, err := serial()
	if err != nil {
		return nil, fmt.Errorf("simcard: certificate serial: %w", err)
	}
	authTmpl := &x509.Certificate{
		SerialNumber: authSerial,
		// Like the real 利用者証明用 certificate, no name, address or number: only an
		// opaque subject.
		Subject: pkix.Name{
			Country:    []string{"JP"},
			CommonName: fmt.Sprintf("TEST ONLY simcard user %x", authSerial.Bytes()[:4]),
		},
		NotBefore:   notBefore,
		NotAfter:    notAfter,
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	authDER, err := x509.CreateCertificate(rnd, authTmpl, ca, &keys.Auth.PublicKey, keys.CA)
	if err != nil {
		return nil, fmt.Errorf("simcard: issuing test authentication certificate: %w", err)
	}
	auth, err := x509.ParseCertificate(authDER)
	if err != nil {
		return nil, fmt.Errorf("simcard: parsing test authentication certificate: %w", err)
	}

	// The signing side: its own CA subject (J-LIS has one CA for each side) and a
	// certificate for the signing key. The real one carries the holder's name, address,
	// birth date and sex in its subjectAltName; this one carries only "TEST ONLY" names.
	signCATmpl := *caTmpl
	if signCATmpl.SerialNumber, err = serial(); err != nil {
		return nil, fmt.Errorf("simcard: certificate serial: %w", err)
	}
	signCATmpl.Subject.OrganizationalUnit = []string{"TEST ONLY virtual card CA for digital signature (simcard)"}
	signCADER, err := x509.CreateCertificate(rnd, &signCATmpl, &signCATmpl, &keys.CA.PublicKey, keys.CA)
	if err != nil {
		return nil, fmt.Errorf("simcard: issuing test signing CA certificate: %w", err)
	}
	signCA, err := x509.ParseCertificate(signCADER)
	if err != nil {
		return nil, fmt.Errorf("simcard: parsing test signing CA certificate: %w", err)
	}
	signSerial, err := serial()
	if err != nil {
		return nil, fmt.Errorf("simcard: certificate serial: %w", err)
	}
	signTmpl := &x509.Certificate{
		SerialNumber: signSerial,
		Subject: pkix.Name{
			Country:    []string{"JP"},
			Locality:   []string{"TEST ONLY"},
			CommonName: fmt.Sprintf("TEST ONLY simcard signer %x", signSerial.Bytes()[:4]),
		},
		NotBefore: notBefore,
		NotAfter:  notAfter,
		KeyUsage:  x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
	}
	signDER, err := x509.CreateCertificate(rnd, signTmpl, signCA, &keys.Sign.PublicKey, keys.CA)
	if err != nil {
		return nil, fmt.Errorf("simcard: issuing test signing certificate: %w", err)
	}
	sign, err := x509.ParseCertificate(signDER)
	if err != nil {
		return nil, fmt.Errorf("simcard: parsing test signing certificate: %w", err)
	}
	return &certs{caDER: caDER, authDER: authDER, signCADER: signCADER, signDER: signDER,
		ca: ca, auth: auth, signCA: signCA, sign: sign}, nil
}
