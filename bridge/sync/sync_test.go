package relaysync_test

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	relaysync "github.com/mynumber-shelter/shelter/bridge/sync"
	"github.com/mynumber-shelter/shelter/cloud"
	"github.com/mynumber-shelter/shelter/internal/keychain"
	"github.com/mynumber-shelter/shelter/internal/sealbox"
	"github.com/mynumber-shelter/shelter/internal/testenv"
)

func newSyncer(t testing.TB, kc keychain.Keychain) *relaysync.Syncer {
	t.Helper()
	s := &relaysync.Syncer{Dir: filepath.Join(t.TempDir(), "sync"), Keychain: kc}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestTLSConfigRefusesOtherCAAndOldTLS(t *testing.T) {
	r := startRelay(t)
	other, err := cloud.NewDevPKI(rand.Reader, r.pki.CA.NotBefore)
	if err != nil {
		t.Fatal(err)
	}
	get := func(caPEM []byte, url string) error {
		cfg, err := relaysync.TLSConfig(caPEM, nil)
		if err != nil {
			return err
		}
		resp, err := (&http.Client{Transport: &http.Transport{TLSClientConfig: cfg}}).Get(url)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	if err := get([]byte(r.caPEM), r.URL+"/healthz"); err != nil {
		t.Fatalf("the enrolled relay's CA: %v", err)
	}
	otherPEM := pemCert(other.CA.Raw)
	var ua x509.UnknownAuthorityError
	if err := get(otherPEM, r.URL+"/healthz"); !errors.As(err, &ua) {
		t.Fatalf("relay certificate from another CA: want unknown authority, got %v", err)
	}
	if _, err := relaysync.TLSConfig([]byte("not pem"), nil); !errors.Is(err, relaysync.ErrNoCA) {
		t.Fatalf("garbage CA: %v", err)
	}
	// A server that speaks at most TLS 1.1 with a certificate the CA did sign.
	old := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	old.TLS = &tls.Config{Certificates: []tls.Certificate{r.pki.Server}, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}
	old.StartTLS()
	defer old.Close()
	if err := get([]byte(r.caPEM), old.URL); err == nil || !strings.Contains(err.Error(), "version") {
		t.Fatalf("TLS 1.1 server: want a protocol version error, got %v", err)
	}
	cfg, _ := relaysync.TLSConfig([]byte(r.caPEM), nil)
	//lint:ignore SA1019 the pool is built from our CA alone, never the system's
	if cfg.MinVersion != tls.VersionTLS12 || cfg.InsecureSkipVerify || len(cfg.RootCAs.Subjects()) != 1 {
		t.Fatalf("policy: %+v", cfg)
	}
}

func pemCert(der []byte) []byte {
	return []byte("-----BEGIN CERTIFICATE-----\n" + base64.StdEncoding.EncodeToString(der) + "\n-----END CERTIFICATE-----\n")
}

// submissionKey registers company through the outbox and returns its public key as the
// employee's browser gets it.
func publish(t testing.TB, ctx context.Context, s *relaysync.Syncer, company string) *ecdh.PrivateKey {
	t.Helper()
	priv, err := sealbox.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(priv.PublicKey())
	body, _ := json.Marshal(map[string]string{"submission_key": base64.StdEncoding.EncodeToString(der)})
	if n, err := s.Enqueue(ctx, []relaysync.OutboxItem{{Key: "register/" + company, Method: "PUT", Path: "/v1/bridge/companies/" + company, Body: body}}); err != nil || n != 1 {
		t.Fatalf("enqueue: %d %v", n, err)
	}
	if _, err := s.SyncNow(ctx); err != nil {
		t.Fatal(err)
	}
	return priv
}

func testEnrolPullAck(t *testing.T, kc keychain.Keychain) {
	r := startRelay(t)
	ctx := context.Background()
	s := newSyncer(t, kc)
	if _, err := s.SyncNow(ctx); !errors.Is(err, relaysync.ErrNotEnrolled) {
		t.Fatalf("round before enrolment: %v", err)
	}
	tok := r.token()
	rel, err := s.Enrol(ctx, r.URL, r.caPEM, tok)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (&relaysync.Syncer{Dir: t.TempDir(), Keychain: &keychain.Mem{}}).Enrol(ctx, r.URL, r.caPEM, tok); !errors.Is(err, relaysync.ErrEnrolRefused) {
		t.Fatalf("token used twice: %v", err)
	}
	for _, acct := range []string{"relay-client-key/" + rel.Office, "relay-signing-key/" + rel.Office} {
		if b, err := kc.Get(acct); err != nil || len(b) == 0 {
			t.Fatalf("keychain %s: %v", acct, err)
		}
	}
	filepath.Walk(s.Dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			b, _ := os.ReadFile(p)
			if bytes.Contains(b, []byte("PRIVATE KEY")) {
				t.Errorf("%s holds a private key", p)
			}
		}
		return nil
	})

	priv := publish(t, ctx, s, "c-test")
	employees(t, s, "c-test", "ABCD-EFGH-JKLM", "E1", "E2", "E3")
	for i, code := range []string{"E1", "E2", "E3"} {
		box, err := sealbox.Seal(nil, priv.PublicKey(), []byte("aad"), []byte{byte(i)})
		if err != nil {
			t.Fatal(err)
		}
		r.phoneSubmit(t, "c-test", code, "abcdefghjklm", box)
	}
	res, err := s.SyncNow(ctx)
	if err != nil || res.Pulled != 3 {
		t.Fatalf("pull: %+v %v", res, err)
	}
	if res, _ := s.SyncNow(ctx); res.Pulled != 0 {
		t.Fatalf("the cursor did not move: pulled %d again", res.Pulled)
	}
	items, err := s.Inbox(ctx, "c-test", 0)
	if err != nil || len(items) != 3 {
		t.Fatalf("inbox: %v %v", items, err)
	}
	for i, it := range items {
		if it.Employee != fmt.Sprintf("E%d", i+1) {
			t.Errorf("item %d: employee %q", i, it.Employee)
		}
		_, box, err := s.Box(ctx, it.ID)
		if err != nil {
			t.Fatal(err)
		}
		if pt, err := sealbox.Open(priv, []byte("aad"), box); err != nil || pt[0] != byte(i) {
			t.Fatalf("box %d: %v", i, err)
		}
		if err := s.Ack(ctx, it.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.Ack(ctx, it.ID); err != nil {
			t.Fatalf("second ack: %v", err)
		}
	}
	if res, err := s.SyncNow(ctx); err != nil || res.Sent != 3 {
		t.Fatalf("acks: %+v %v", res, err)
	}
	if left, _ := r.st.ListSubmissions(ctx, "c-test", 0, 0); len(left) != 0 {
		t.Fatalf("relay still holds %d acknowledged submissions", len(left))
	}
	st, _ := s.Status(ctx)
	if !st.Enrolled || st.Pending != 0 || st.Failed != 0 || st.Inbox != 0 || len(st.Companies) != 1 {
		t.Fatalf("status: %+v", st)
	}
}

func TestEnrolPullAckMem(t *testing.T) { testEnrolPullAck(t, &keychain.Mem{}) }

// TestEnrolPullAckOSKeychain: the bridge's private keys go to the real keychain.
func TestEnrolPullAckOSKeychain(t *testing.T) {
	testenv.Keyring(t)
	testEnrolPullAck(t, keychain.OS())
}

// TestOfflineOutbox: with the relay down, items stay queued (in order, once); when it is back
// they are delivered exactly once, and handing the same key over again does nothing.
func TestOfflineOutbox(t *testing.T) {
	r := startRelay(t)
	ctx := context.Background()
	s := newSyncer(t, &keychain.Mem{})
	if _, err := s.Enrol(ctx, r.URL, r.caPEM, r.token()); err != nil {
		t.Fatal(err)
	}
	publish(t, ctx, s, "c-off")
	r.stop()
	before := r.puts.Load()
	der := func() []byte {
		k, _ := sealbox.GenerateKey(nil)
		d, _ := x509.MarshalPKIXPublicKey(k.PublicKey())
		b, _ := json.Marshal(map[string]string{"submission_key": base64.StdEncoding.EncodeToString(d)})
		return b
	}
	item := relaysync.OutboxItem{Key: "rotate/1", Method: "PUT", Path: "/v1/bridge/companies/c-off", Body: der()}
	if n, _ := s.Enqueue(ctx, []relaysync.OutboxItem{item}); n != 1 {
		t.Fatal("not queued")
	}
	for range 3 {
		if _, err := s.SyncNow(ctx); err == nil {
			t.Fatal("round with the relay down succeeded")
		}
	}
	if st, _ := s.Status(ctx); st.Pending != 1 || st.LastError == "" {
		t.Fatalf("offline status: %+v", st)
	}
	if n, _ := s.Enqueue(ctx, []relaysync.OutboxItem{item}); n != 0 {
		t.Fatal("the same key was queued twice")
	}
	r.start()
	if res, err := s.SyncNow(ctx); err != nil || res.Sent != 1 {
		t.Fatalf("back online: %+v %v", res, err)
	}
	if n, _ := s.Enqueue(ctx, []relaysync.OutboxItem{item}); n != 0 {
		t.Fatal("a delivered key was queued again")
	}
	if res, _ := s.SyncNow(ctx); res.Sent != 0 {
		t.Fatal("delivered twice")
	}
	if got := r.puts.Load() - before; got != 1 {
		t.Fatalf("relay saw %d PUTs, want exactly 1", got)
	}
	// A request the relay refuses (4xx) is marked failed and does not block the queue.
	bad := relaysync.OutboxItem{Key: "bad", Method: "PUT", Path: "/v1/bridge/companies/c-off", Body: []byte(`{"submission_key":"AAAA"}`)}
	if _, err := s.Enqueue(ctx, []relaysync.OutboxItem{bad, {Key: "good", Method: "PUT", Path: "/v1/bridge/companies/c-off", Body: der()}}); err != nil {
		t.Fatal(err)
	}
	if res, err := s.SyncNow(ctx); err != nil || res.Sent != 1 || res.Failed != 1 {
		t.Fatalf("refused item: %+v %v", res, err)
	}
	// Malformed items never enter the queue.
	for _, it := range []relaysync.OutboxItem{
		{Key: "", Method: "PUT", Path: "/v1/bridge/x"},
		{Key: "k", Method: "GET", Path: "/v1/bridge/x"},
		{Key: "k", Method: "PUT", Path: "/v1/enrol"},
		{Key: "k", Method: "PUT", Path: "/v1/bridge/../enrol"},
		{Key: "k", Method: "PUT", Path: "/v1/bridge/x", Body: []byte("{")},
	} {
		if _, err := s.Enqueue(ctx, []relaysync.OutboxItem{it}); !errors.Is(err, relaysync.ErrBadItem) {
			t.Errorf("%+v: %v", it, err)
		}
	}
}
