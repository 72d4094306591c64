// Package sharetest runs a real relay (cloud.Server with a SQLite store) on loopback TLS with a
// throwaway CA and enrols offices with it the way a bridge does, for the tests of packages that
// share a company between two installations (app/ui and its e2e test). It is test support
// only: nothing outside tests may import it, and it never holds personal data.
package sharetest

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/app/share"
	"github.com/mynumber-shelter/shelter/cloud"
	cstore "github.com/mynumber-shelter/shelter/cloud/store"
)

// Relay is shelter-cloud listening on 127.0.0.1 with TLS.
type Relay struct {
	// URL is "https://127.0.0.1:<port>".
	URL string
	// PKI is the development CA the relay's server and client certificates come from.
	PKI *cloud.DevPKI
	// Store is the relay's database (a SQLite file in Dir).
	Store cstore.Store
	// Dir holds relay.db.
	Dir string
}

// StartRelay starts a relay without rate limits; it stops when the test ends.
func StartRelay(t testing.TB) *Relay {
	t.Helper()
	dir := t.TempDir()
	st, err := cstore.OpenSQLite(context.Background(), filepath.Join(dir, "relay.db"))
	if err != nil {
		t.Fatal(err)
	}
	pki, err := cloud.NewDevPKI(rand.Reader, time.Now())
	if err != nil {
		st.Close()
		t.Fatal(err)
	}
	srv := &cloud.Server{Store: st, ClientCA: pki.ClientCA, ClientCAKey: pki.ClientCAKey,
		Limits: cloud.Limits{PerIP: cloud.Unlimited, PerOffice: cloud.Unlimited}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		st.Close()
		t.Fatal(err)
	}
	hs := srv.HTTPServer("", pki.Server)
	go hs.ServeTLS(ln, "", "")
	t.Cleanup(func() { hs.Close(); st.Close() })
	return &Relay{URL: "https://" + ln.Addr().String(), PKI: pki, Store: st, Dir: dir}
}

// Client returns an HTTPS client that trusts the relay's CA (TLS 1.2 at least) and presents
// cert when it is not nil.
func (r *Relay) Client(cert *tls.Certificate) *http.Client {
	pool := x509.NewCertPool()
	pool.AddCert(r.PKI.CA)
	cfg := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	if cert != nil {
		cfg.Certificates = []tls.Certificate{*cert}
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}, Timeout: 30 * time.Second}
}

// Enrol enrols a new office called name with a one-time token, a CSR and an Ed25519 signing
// key, as a bridge does, and returns a [share.RelayClient] that uses the issued client
// certificate.
func (r *Relay) Enrol(t testing.TB, name string) *share.RelayClient {
	t.Helper()
	tok, _, err := cloud.NewEnrolToken(context.Background(), r.Store, cstore.Office{Name: name}, time.Hour, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	tlsKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	csr, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "bridge"}}, tlsKey)
	if err != nil {
		t.Fatal(err)
	}
	pub, sign, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	body, err := json.Marshal(cloud.EnrolRequest{Token: tok, CSR: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: csr})),
		SigningKey: base64.StdEncoding.EncodeToString(pub)})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := r.Client(nil).Post(r.URL+"/v1/enrol", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("enrol: %d %s", resp.StatusCode, b)
	}
	var er cloud.EnrolResponse
	if err := json.Unmarshal(b, &er); err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode([]byte(er.Certificate))
	if block == nil {
		t.Fatal("enrol: no certificate in the answer")
	}
	cert := tls.Certificate{Certificate: [][]byte{block.Bytes}, PrivateKey: tlsKey}
	return &share.RelayClient{URL: r.URL, HTTP: r.Client(&cert), OfficeID: er.Office, SigningKey: sign}
}
