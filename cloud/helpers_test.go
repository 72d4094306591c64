package cloud

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
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/cloud/envelope"
	"github.com/mynumber-shelter/shelter/cloud/store"
)

// syncBuffer collects the relay's log lines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.b.Bytes())
}

// relay is a running shelter-cloud on loopback with a test PKI and a real SQLite file.
type relay struct {
	t      testing.TB
	pki    *DevPKI
	store  store.Store
	dbDir  string
	url    string
	addr   string
	logs   *syncBuffer
	server *Server
}

func startRelay(t testing.TB, configure func(*Server)) *relay {
	t.Helper()
	dir := t.TempDir()
	st, err := store.OpenSQLite(context.Background(), filepath.Join(dir, "relay.db"))
	if err != nil {
		t.Fatal(err)
	}
	return startRelayOn(t, st, dir, configure)
}

// startRelayOn runs a relay on st; dbDir (may be empty) holds its database files.
func startRelayOn(t testing.TB, st store.Store, dir string, configure func(*Server)) *relay {
	t.Helper()
	pki, err := NewDevPKI(rand.Reader, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	srv := &Server{Store: st, ClientCA: pki.ClientCA, ClientCAKey: pki.ClientCAKey,
		Log: slog.New(slog.NewJSONHandler(logs, nil))}
	if configure != nil {
		configure(srv)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := srv.HTTPServer("", pki.Server)
	go hs.ServeTLS(LimitListener(ln, 0), "", "")
	t.Cleanup(func() {
		hs.Close()
		st.Close()
	})
	return &relay{t: t, pki: pki, store: st, dbDir: dir, url: "https://" + ln.Addr().String(), addr: ln.Addr().String(), logs: logs, server: srv}
}

// client trusts the relay's CA and presents cert when not nil.
func (r *relay) client(cert *tls.Certificate) *http.Client {
	pool := x509.NewCertPool()
	pool.AddCert(r.pki.CA)
	cfg := &tls.Config{RootCAs: pool}
	if cert != nil {
		cfg.Certificates = []tls.Certificate{*cert}
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: cfg, ForceAttemptHTTP2: true}, Timeout: 30 * time.Second}
}

// do sends a request and returns the status and body.
func do(t testing.TB, c *http.Client, method, url string, body []byte) (int, []byte, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// office is an enrolled bridge: its TLS client certificate and envelope signing key.
type office struct {
	id     string
	cert   tls.Certificate
	sign   ed25519.PrivateKey
	client *http.Client
	seq    uint64
}

func (r *relay) token(name string) string {
	r.t.Helper()
	tok, _, err := NewEnrolToken(context.Background(), r.store, store.Office{Name: name}, time.Hour, nil, nil)
	if err != nil {
		r.t.Fatal(err)
	}
	return tok
}

// enrolRequest makes a CSR and signing key the way a bridge does.
func enrolRequest(t testing.TB, token string) (EnrolRequest, *ecdsa.PrivateKey, ed25519.PrivateKey) {
	t.Helper()
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
	return EnrolRequest{
		Token:      token,
		CSR:        string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: csr})),
		SigningKey: base64.StdEncoding.EncodeToString(pub),
	}, tlsKey, sign
}

func (r *relay) enrol(name string) *office {
	r.t.Helper()
	req, tlsKey, sign := enrolRequest(r.t, r.token(name))
	code, body, _ := do(r.t, r.client(nil), "POST", r.url+"/v1/enrol", mustJSON(r.t, req))
	if code != http.StatusCreated {
		r.t.Fatalf("enrol: %d %s", code, body)
	}
	var resp EnrolResponse
	if err := json.Unmarshal(body, &resp); err != nil {
		r.t.Fatal(err)
	}
	block, _ := pem.Decode([]byte(resp.Certificate))
	cert := tls.Certificate{Certificate: [][]byte{block.Bytes}, PrivateKey: tlsKey}
	return &office{id: resp.Office, cert: cert, sign: sign, client: r.client(&cert)}
}

// registerCompany registers company with a fresh P-256 submission key and returns the key.
func (r *relay) registerCompany(o *office, company string) *ecdsa.PrivateKey {
	r.t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		r.t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(key.Public())
	code, body, _ := do(r.t, o.client, "PUT", r.url+"/v1/bridge/companies/"+company,
		mustJSON(r.t, CompanyRequest{SubmissionKey: base64.StdEncoding.EncodeToString(der)}))
	if code != http.StatusNoContent {
		r.t.Fatalf("register company: %d %s", code, body)
	}
	return key
}

// envelope signs an envelope with o's next sequence number.
func (o *office) envelope(t testing.TB, company, record string, ct []byte) []byte {
	t.Helper()
	o.seq++
	e := &envelope.Envelope{Company: company, Record: record, Seq: o.seq, Ciphertext: ct}
	if err := e.Sign(o.sign); err != nil {
		t.Fatal(err)
	}
	b, err := e.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func parseCSR(t testing.TB, p string) *x509.CertificateRequest {
	t.Helper()
	block, _ := pem.Decode([]byte(p))
	csr, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return csr
}

func officeFor(id string) store.Office { return store.Office{ID: id, Name: id} }
