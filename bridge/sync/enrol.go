package relaysync

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"github.com/mynumber-shelter/shelter/internal/atomicfile"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// Relay is the enrolled relay: what the bridge keeps in its Config.Relay.
type Relay struct {
	URL    string `json:"url"`
	CAPEM  string `json:"caPem"`
	Office string `json:"office,omitempty"`
}

// Keychain accounts of the bridge's relay keys.
func clientKeyAccount(office string) string  { return "relay-client-key/" + office }
func signingKeyAccount(office string) string { return "relay-signing-key/" + office }

// CertFile is the issued client certificate (public) in [Syncer.Dir].
const CertFile = "client-cert.pem"

// Errors the caller must tell apart.
var (
	// ErrNotEnrolled: the bridge has no relay enrolment.
	ErrNotEnrolled = errors.New("relay sync: not enrolled")
	// ErrEnrolRefused: the relay refused the token (used, expired or unknown).
	ErrEnrolRefused = errors.New("relay sync: enrolment token refused")
)

// checkRelayURL accepts https URLs without query, fragment or user info.
func checkRelayURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", errors.New("relay URL: want https://host[:port]")
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// Enrol enrols this bridge with the relay at relayURL, whose server certificate must chain to
// caPEM, using the operator's one-time token. It generates the TLS client key and the Ed25519
// signing key, stores both in the keychain under the office id the relay assigns, writes the
// certificate to Dir, and starts using the new enrolment. The token is never stored or logged.
func (s *Syncer) Enrol(ctx context.Context, relayURL, caPEM, token string) (Relay, error) {
	if err := s.open(ctx); err != nil {
		return Relay{}, err
	}
	u, err := checkRelayURL(relayURL)
	if err != nil {
		return Relay{}, err
	}
	cfg, err := TLSConfig([]byte(caPEM), nil)
	if err != nil {
		return Relay{}, err
	}
	tlsKey, err := ecdsa.GenerateKey(elliptic.P256(), s.rand())
	if err != nil {
		return Relay{}, fmt.Errorf("generating client key: %w", err)
	}
	csr, err := x509.CreateCertificateRequest(s.rand(), &x509.CertificateRequest{Subject: pkix.Name{CommonName: "shelter-bridge"}}, tlsKey)
	if err != nil {
		return Relay{}, fmt.Errorf("creating CSR: %w", err)
	}
	signPub, signKey, err := ed25519.GenerateKey(s.rand())
	if err != nil {
		return Relay{}, fmt.Errorf("generating signing key: %w", err)
	}
	body, _ := json.Marshal(map[string]string{
		"token":       strings.TrimSpace(token),
		"csr":         string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: csr})),
		"signing_key": base64.StdEncoding.EncodeToString(signPub),
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u+"/v1/enrol", bytes.NewReader(body))
	if err != nil {
		return Relay{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := httpClient(cfg, s.timeout()).Do(req)
	if err != nil {
		return Relay{}, fmt.Errorf("enrolling with the relay: %w", err)
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode == http.StatusForbidden {
		return Relay{}, ErrEnrolRefused
	}
	if resp.StatusCode != http.StatusCreated {
		return Relay{}, fmt.Errorf("enrolling with the relay: status %d", resp.StatusCode)
	}
	var er struct {
		Office      string `json:"office"`
		Certificate string `json:"certificate"`
	}
	if err := json.Unmarshal(rb, &er); err != nil || er.Office == "" {
		return Relay{}, errors.New("enrolling with the relay: malformed answer")
	}
	block, _ := pem.Decode([]byte(er.Certificate))
	if block == nil {
		return Relay{}, errors.New("enrolling with the relay: no certificate in the answer")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return Relay{}, fmt.Errorf("enrolling with the relay: %w", err)
	}
	if pub, ok := cert.PublicKey.(*ecdsa.PublicKey); !ok || !pub.Equal(&tlsKey.PublicKey) {
		return Relay{}, errors.New("enrolling with the relay: the certificate is not for our key")
	}
	if !validID(er.Office) {
		return Relay{}, errors.New("enrolling with the relay: invalid office id")
	}
	der, err := x509.MarshalPKCS8PrivateKey(tlsKey)
	if err != nil {
		return Relay{}, err
	}
	if err := s.Keychain.Set(clientKeyAccount(er.Office), der); err != nil {
		return Relay{}, fmt.Errorf("storing the client key: %w", err)
	}
	clear(der)
	if err := s.Keychain.Set(signingKeyAccount(er.Office), signKey.Seed()); err != nil {
		return Relay{}, fmt.Errorf("storing the signing key: %w", err)
	}
	if err := writeFile(filepath.Join(s.Dir, CertFile), []byte(er.Certificate)); err != nil {
		return Relay{}, err
	}
	r := Relay{URL: u, CAPEM: caPEM, Office: er.Office}
	s.mu.Lock()
	s.relay, s.hc, s.sign = &r, nil, nil
	s.mu.Unlock()
	s.state("ok", "", "enrolled as "+er.Office)
	return r, nil
}

// connect returns the mTLS client for the enrolled relay and the signing key, loading the keys
// from the keychain on first use.
func (s *Syncer) connect() (*http.Client, ed25519.PrivateKey, Relay, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.relay == nil || s.relay.Office == "" {
		return nil, nil, Relay{}, ErrNotEnrolled
	}
	r := *s.relay
	if s.hc != nil {
		return s.hc, s.sign, r, nil
	}
	certPEM, err := os.ReadFile(filepath.Join(s.Dir, CertFile))
	if err != nil {
		return nil, nil, r, fmt.Errorf("%w: no client certificate: %v", ErrNotEnrolled, err)
	}
	der, err := s.Keychain.Get(clientKeyAccount(r.Office))
	if err != nil {
		return nil, nil, r, fmt.Errorf("%w: client key: %v", ErrNotEnrolled, err)
	}
	key, err := x509.ParsePKCS8PrivateKey(der)
	clear(der)
	if err != nil {
		return nil, nil, r, fmt.Errorf("client key: %w", err)
	}
	block, _ := pem.Decode(certPEM)
	if block == nil {
		return nil, nil, r, errors.New("client certificate: not PEM")
	}
	cert := tls.Certificate{Certificate: [][]byte{block.Bytes}, PrivateKey: key}
	seed, err := s.Keychain.Get(signingKeyAccount(r.Office))
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, nil, r, fmt.Errorf("%w: signing key missing", ErrNotEnrolled)
	}
	cfg, err := TLSConfig([]byte(r.CAPEM), &cert)
	if err != nil {
		return nil, nil, r, err
	}
	s.hc, s.sign = httpClient(cfg, s.timeout()), ed25519.NewKeyFromSeed(seed)
	clear(seed)
	return s.hc, s.sign, r, nil
}

// writeFile writes b to path atomically with mode 0600.
func writeFile(path string, b []byte) error { return atomicfile.WriteFile(path, b, 0o600) }
