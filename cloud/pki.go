package cloud

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"time"
)

// DevPKI is a development and test PKI: a server CA with a certificate for localhost,
// 127.0.0.1 and ::1, and a separate client CA for the bridges. It is never for production,
// where the server certificate comes from a real CA and the client CA is kept by the operator.
type DevPKI struct {
	CA          *x509.Certificate // trust anchor clients use for the server
	CAKey       crypto.Signer
	Server      tls.Certificate
	ClientCA    *x509.Certificate
	ClientCAKey crypto.Signer
}

// File names [DevPKI.WriteFiles] writes in its directory.
const (
	FileCA          = "ca.pem"
	FileCAKey       = "ca-key.pem"
	FileServer      = "server.pem"
	FileServerKey   = "server-key.pem"
	FileClientCA    = "client-ca.pem"
	FileClientCAKey = "client-ca-key.pem"
)

// NewDevPKI makes a fresh DevPKI (ECDSA P-256 keys) valid from now for a year.
func NewDevPKI(rnd io.Reader, now time.Time) (*DevPKI, error) {
	newCA := func(name string) (*x509.Certificate, crypto.Signer, error) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rnd)
		if err != nil {
			return nil, nil, err
		}
		serial, err := randSerial(rnd)
		if err != nil {
			return nil, nil, err
		}
		tmpl := &x509.Certificate{
			SerialNumber: serial, Subject: pkix.Name{CommonName: name},
			NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0),
			IsCA: true, BasicConstraintsValid: true, MaxPathLenZero: true,
			KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		}
		der, err := x509.CreateCertificate(rnd, tmpl, tmpl, key.Public(), key)
		if err != nil {
			return nil, nil, err
		}
		cert, err := x509.ParseCertificate(der)
		return cert, key, err
	}
	p := &DevPKI{}
	var err error
	if p.CA, p.CAKey, err = newCA("MyNumber Shelter dev server CA"); err != nil {
		return nil, fmt.Errorf("dev server CA: %w", err)
	}
	if p.ClientCA, p.ClientCAKey, err = newCA("MyNumber Shelter dev client CA"); err != nil {
		return nil, fmt.Errorf("dev client CA: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rnd)
	if err != nil {
		return nil, fmt.Errorf("dev server key: %w", err)
	}
	serial, err := randSerial(rnd)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:    []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rnd, tmpl, p.CA, key.Public(), p.CAKey)
	if err != nil {
		return nil, fmt.Errorf("dev server certificate: %w", err)
	}
	p.Server = tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	return p, nil
}

func pemKey(k crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

func pemCert(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// WriteFiles writes the PKI into dir (created 0700) as PEM files named by the File constants;
// keys are 0600. It refuses to overwrite existing files.
func (p *DevPKI) WriteFiles(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("dev-cert: %w", err)
	}
	files := []struct {
		name string
		key  crypto.Signer
		der  []byte
	}{
		{FileCA, nil, p.CA.Raw},
		{FileCAKey, p.CAKey, nil},
		{FileServer, nil, p.Server.Certificate[0]},
		{FileServerKey, p.Server.PrivateKey.(crypto.Signer), nil},
		{FileClientCA, nil, p.ClientCA.Raw},
		{FileClientCAKey, p.ClientCAKey, nil},
	}
	for _, f := range files {
		data, mode := pemCert(f.der), os.FileMode(0o644)
		if f.key != nil {
			var err error
			if data, err = pemKey(f.key); err != nil {
				return fmt.Errorf("dev-cert: %s: %w", f.name, err)
			}
			mode = 0o600
		}
		fh, err := os.OpenFile(filepath.Join(dir, f.name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
		if err != nil {
			return fmt.Errorf("dev-cert: %w", err)
		}
		_, err = fh.Write(data)
		if cerr := fh.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("dev-cert: %s: %w", f.name, err)
		}
	}
	return nil
}

// LoadCA reads a PEM CA certificate and its PEM PKCS#8 (or EC/PKCS#1) private key, checking
// that they match.
func LoadCA(certFile, keyFile string) (*x509.Certificate, crypto.Signer, error) {
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, nil, fmt.Errorf("loading CA: %w", err)
	}
	cert, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return nil, nil, fmt.Errorf("loading CA: %w", err)
	}
	if !cert.IsCA {
		return nil, nil, errors.New("loading CA: certificate is not a CA")
	}
	signer, ok := pair.PrivateKey.(crypto.Signer)
	if !ok {
		return nil, nil, errors.New("loading CA: key cannot sign")
	}
	return cert, signer, nil
}
