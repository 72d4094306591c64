package share

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
	"sync"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/roster"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
	"github.com/mynumber-shelter/shelter/cloud"
	cstore "github.com/mynumber-shelter/shelter/cloud/store"
	"github.com/mynumber-shelter/shelter/internal/keychain"
)

// testRelay is shelter-cloud on loopback TLS with a test CA and a real SQLite file.
type testRelay struct {
	url   string
	pki   *cloud.DevPKI
	store cstore.Store
	dir   string
}

func startRelay(t testing.TB) *testRelay {
	t.Helper()
	st, err := cstore.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "relay.db"))
	if err != nil {
		t.Fatal(err)
	}
	return startRelayOn(t, st)
}

// startRelayOn is startRelay on the relay store st (closed at cleanup).
func startRelayOn(t testing.TB, st cstore.Store) *testRelay {
	t.Helper()
	pki, err := cloud.NewDevPKI(rand.Reader, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return startRelayWith(t, st, pki)
}

// startRelayPair is two relay processes, as behind a load balancer: one PKI, each on its own
// handle of the same database (st1, st2: two connection pools on one PostgreSQL).
func startRelayPair(t testing.TB, st1, st2 cstore.Store) (*testRelay, *testRelay) {
	t.Helper()
	pki, err := cloud.NewDevPKI(rand.Reader, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return startRelayWith(t, st1, pki), startRelayWith(t, st2, pki)
}

func startRelayWith(t testing.TB, st cstore.Store, pki *cloud.DevPKI) *testRelay {
	t.Helper()
	dir := t.TempDir()
	srv := &cloud.Server{Store: st, ClientCA: pki.ClientCA, ClientCAKey: pki.ClientCAKey,
		Limits: cloud.Limits{PerIP: cloud.Unlimited, PerOffice: cloud.Unlimited}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := srv.HTTPServer("", pki.Server)
	go hs.ServeTLS(ln, "", "")
	t.Cleanup(func() { hs.Close(); st.Close() })
	return &testRelay{url: "https://" + ln.Addr().String(), pki: pki, store: st, dir: dir}
}

func (r *testRelay) client(cert *tls.Certificate) *http.Client {
	pool := x509.NewCertPool()
	pool.AddCert(r.pki.CA)
	cfg := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	if cert != nil {
		cfg.Certificates = []tls.Certificate{*cert}
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}, Timeout: 30 * time.Second}
}

// enrol enrols an office the way a bridge does and returns its Transport.
func (r *testRelay) enrol(t testing.TB, name string) *RelayClient {
	t.Helper()
	tok, _, err := cloud.NewEnrolToken(context.Background(), r.store, cstore.Office{Name: name}, time.Hour, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	tlsKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	csr, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "bridge"}}, tlsKey)
	if err != nil {
		t.Fatal(err)
	}
	pub, sign, _ := ed25519.GenerateKey(rand.Reader)
	body, _ := json.Marshal(cloud.EnrolRequest{Token: tok, CSR: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: csr})),
		SigningKey: base64.StdEncoding.EncodeToString(pub)})
	resp, err := r.client(nil).Post(r.url+"/v1/enrol", "application/json", bytes.NewReader(body))
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
	cert := tls.Certificate{Certificate: [][]byte{block.Bytes}, PrivateKey: tlsKey}
	return &RelayClient{URL: r.url, HTTP: r.client(&cert), OfficeID: er.Office, SigningKey: sign}
}

// side is one installation: its vault, an administrator who is also the handler of the shared
// company, and its share service.
type side struct {
	t      testing.TB
	db     *store.DB
	keys   *vault.Keys
	log    *audit.Log
	roster *roster.Service
	share  *Service
	admin  auth.Principal
	relay  *RelayClient

	mu  sync.Mutex
	now time.Time
}

func (s *side) setNow(t time.Time) { s.mu.Lock(); s.now = t; s.mu.Unlock() }

func newSide(t testing.TB, r *testRelay, officeName string, start time.Time) *side {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s := &side{t: t, db: db, now: start, admin: auth.Principal{UserID: 1, Login: "admin-" + officeName, IsAdmin: true}}
	db.Now = func() time.Time { s.mu.Lock(); defer s.mu.Unlock(); return s.now }
	v := &vault.Vault{Keychain: &keychain.Mem{}, KDF: vault.KDFParams{MemoryKiB: 64, Time: 1, Threads: 1}}
	s.log = &audit.Log{Workstation: officeName}
	err = db.Update(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(`INSERT INTO users(id, login, display_name, is_admin, created_at, updated_at) VALUES(1, ?, ?, 1, ?, ?)`,
			s.admin.Login, s.admin.Login, tx.NowText(), tx.NowText()); err != nil {
			return err
		}
		_, keys, err := v.Init(tx, 1, "correct horse battery staple")
		if err != nil {
			return err
		}
		s.keys = keys
		s.log.Key, err = keys.AuditKey(tx)
		if err != nil {
			return err
		}
		return roster.SaveOfficeTx(tx, roster.Office{Name: officeName, Kind: roster.KindSharoushi})
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.keys.Close)
	s.roster = &roster.Service{DB: db, Audit: s.log}
	s.relay = r.enrol(t, officeName)
	s.share = &Service{DB: db, Audit: s.log, Transport: s.relay}
	return s
}

// assign makes the administrator the company's handler (roster use cases need the role).
func (s *side) assign(companyID int64) {
	s.exec(`INSERT INTO assignments(company_id, user_id, role, assigned_at) VALUES(?, 1, 'handler', 'x')`, companyID)
}

func (s *side) exec(q string, args ...any) {
	s.t.Helper()
	if err := s.db.Update(context.Background(), func(tx *store.Tx) error {
		_, err := tx.Exec(q, args...)
		return err
	}); err != nil {
		s.t.Fatalf("%s: %v", q, err)
	}
}

func (s *side) count(q string, args ...any) int {
	s.t.Helper()
	var n int
	if err := s.db.View(context.Background(), func(tx *store.Tx) error { return tx.QueryRow(q, args...).Scan(&n) }); err != nil {
		s.t.Fatalf("%s: %v", q, err)
	}
	return n
}

func (s *side) sync(companyID int64) SyncResult {
	s.t.Helper()
	res, err := s.share.Sync(context.Background(), s.admin, s.keys, companyID)
	if err != nil {
		s.t.Fatalf("sync: %v", err)
	}
	return res
}

// employeeByCode returns the employee with code in companyID.
func (s *side) employeeByCode(companyID int64, code string) roster.Employee {
	s.t.Helper()
	page, err := s.roster.Employees(context.Background(), s.admin, s.keys, roster.EmployeeQuery{CompanyID: companyID, Search: code})
	if err != nil {
		s.t.Fatal(err)
	}
	for _, e := range page.Employees {
		if e.Code == code {
			return e
		}
	}
	s.t.Fatalf("no employee %s in company %d", code, companyID)
	return roster.Employee{}
}
