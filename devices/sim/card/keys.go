package simcard

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
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

// holder is what the signing certificate says about its holder: the card's basic four facts.
type holder struct{ name, sex, birth, address string }

// OIDs of the holder's facts in the subjectAltName of a JPKI signing certificate, each an
// otherName (jpki/myna libmyna/jpki_ap.go before the Rust rewrite; reference §1.6).
var (
	oidJPKIName    = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 5, 1}
	oidJPKISex     = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 5, 3}
	oidJPKIBirth   = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 5, 4}
	oidJPKIAddress = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 5, 5}
	oidSubjectAlt  = asn1.ObjectIdentifier{2, 5, 29, 17}
)

// holderAltName encodes h as a subjectAltName extension: a GeneralNames SEQUENCE of
// otherName [0] { type-id, [0] EXPLICIT UTF8String } (RFC 5280 §4.2.1.6).
func holderAltName(h holder) (pkix.Extension, error) {
	var names []byte
	for _, f := range []struct {
		oid asn1.ObjectIdentifier
		v   string
	}{{oidJPKIName, h.name}, {oidJPKISex, h.sex}, {oidJPKIBirth, h.birth}, {oidJPKIAddress, h.address}} {
		s, err := asn1.MarshalWithParams(f.v, "utf8")
		if err != nil {
			return pkix.Extension{}, err
		}
		v, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: s})
		if err != nil {
			return pkix.Extension{}, err
		}
		id, err := asn1.Marshal(f.oid)
		if err != nil {
			return pkix.Extension{}, err
		}
		on, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: append(id, v...)})
		if err != nil {
			return pkix.Extension{}, err
		}
		names = append(names, on...)
	}
	seq, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSequence, IsCompound: true, Bytes: names})
	if err != nil {
		return pkix.Extension{}, err
	}
	return pkix.Extension{Id: oidSubjectAlt, Value: seq}, nil
}

// makeCerts issues the self-signed test CA certificates and the JPKI authentication and
// signing certificates for keys.Auth and keys.Sign, valid from an hour before now for
// validity. The signing certificate names h in its subjectAltName, as the real one does.
func makeCerts(keys *Keys, rnd io.Reader, now time.Time, validity time.Duration, h holder) (*certs, error) {
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
	// certificate for the signing key, with the holder's name, sex, birth date and address
	// (the card's fake test values) in its subjectAltName as on the real one.
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
	san, err := holderAltName(h)
	if err != nil {
		return nil, fmt.Errorf("simcard: encoding the signing certificate's subjectAltName: %w", err)
	}
	signTmpl.ExtraExtensions = []pkix.Extension{san}
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
