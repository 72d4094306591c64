package relaysync_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/app/collect"
	relaysync "github.com/mynumber-shelter/shelter/bridge/sync"
	"github.com/mynumber-shelter/shelter/cloud"
	"github.com/mynumber-shelter/shelter/cloud/store"
)

// relay is a real shelter-cloud on loopback TLS with a dev PKI and a SQLite file. It can be
// stopped and started again on the same address (offline tests). hits counts requests per
// "METHOD path-pattern".
type relay struct {
	t     testing.TB
	pki   *cloud.DevPKI
	st    store.Store
	srv   *cloud.Server
	h     http.Handler
	addr  string
	URL   string
	mu    sync.Mutex
	hs    *http.Server
	puts  atomic.Int64 // PUT /v1/bridge/companies/... requests seen
	caPEM string
}

func startRelay(t testing.TB) *relay {
	t.Helper()
	st, err := store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "relay.db"))
	if err != nil {
		t.Fatal(err)
	}
	pki, err := cloud.NewDevPKI(rand.Reader, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	r := &relay{t: t, pki: pki, st: st}
	r.srv = &cloud.Server{Store: st, ClientCA: pki.ClientCA, ClientCAKey: pki.ClientCAKey,
		Limits: cloud.Limits{PerIP: cloud.Unlimited, PerOffice: cloud.Unlimited, PerIPLogin: cloud.Unlimited, MaxSubmission: 25 << 20}}
	inner := r.srv.Handler()
	r.h = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method == http.MethodPut {
			r.puts.Add(1)
		}
		inner.ServeHTTP(w, req)
	})
	r.caPEM = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: pki.CA.Raw}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.addr = ln.Addr().String()
	r.URL = "https://" + r.addr
	r.serve(ln)
	t.Cleanup(func() {
		r.stop()
		st.Close()
	})
	return r
}

func (r *relay) serve(ln net.Listener) {
	hs := r.srv.HTTPServer("", r.pki.Server)
	hs.Handler = r.h
	r.mu.Lock()
	r.hs = hs
	r.mu.Unlock()
	go hs.ServeTLS(ln, "", "")
}

// stop takes the relay offline (connections refused).
func (r *relay) stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.hs != nil {
		r.hs.Close()
		r.hs = nil
	}
}

// start brings it back on the same address.
func (r *relay) start() {
	r.t.Helper()
	var ln net.Listener
	var err error
	for range 50 {
		if ln, err = net.Listen("tcp", r.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		r.t.Fatal(err)
	}
	r.serve(ln)
}

func (r *relay) token() string {
	r.t.Helper()
	tok, _, err := cloud.NewEnrolToken(context.Background(), r.st, store.Office{Name: "テスト事務所"}, time.Hour, nil, nil)
	if err != nil {
		r.t.Fatal(err)
	}
	return tok
}

// login logs in as the employee on the relay's employee API, as the phone page does.
func (r *relay) login(t testing.TB, company, code, password string) *http.Client {
	t.Helper()
	cfg, err := relaysync.TLSConfig([]byte(r.caPEM), nil)
	if err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: cfg, ForceAttemptHTTP2: true}, Jar: jar, Timeout: 30 * time.Second}
	body, _ := json.Marshal(map[string]string{"company": company, "code": code, "password": password})
	if st := r.postAs(t, c, "/e/api/login", "application/json", body); st != http.StatusOK {
		t.Fatalf("employee login: %d", st)
	}
	return c
}

func (r *relay) postAs(t testing.TB, c *http.Client, path, ct string, body []byte) int {
	req, _ := http.NewRequest(http.MethodPost, r.URL+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Origin", r.URL)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// post uploads a sealed box as the logged-in employee of c.
func (r *relay) post(t testing.TB, c *http.Client, box []byte) {
	if st := r.postAs(t, c, "/e/api/submission", "application/octet-stream", box); st != http.StatusOK {
		t.Fatalf("employee submission: %d", st)
	}
}

// phoneSubmit logs in and posts one box.
func (r *relay) phoneSubmit(t testing.TB, company, code, password string, box []byte) {
	t.Helper()
	r.post(t, r.login(t, company, code, password), box)
}

// employees queues accounts for codes, each with password pw, and syncs them to the relay.
func employees(t testing.TB, s *relaysync.Syncer, company, pw string, codes ...string) {
	t.Helper()
	var accts []map[string]string
	for _, c := range codes {
		v, err := collect.OTPVerifier(nil, pw)
		if err != nil {
			t.Fatal(err)
		}
		accts = append(accts, map[string]string{"code": c, "verifier": v, "expires": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)})
	}
	body, _ := json.Marshal(map[string]any{"employees": accts})
	if _, err := s.Enqueue(context.Background(), []relaysync.OutboxItem{{Key: "employees/" + company + "/" + codes[0] + "/" + fmt.Sprint(len(codes)),
		Method: "PUT", Path: "/v1/bridge/companies/" + company + "/employees", Body: body}}); err != nil {
		t.Fatal(err)
	}
	if res, err := s.SyncNow(context.Background()); err != nil || res.Failed != 0 {
		t.Fatalf("employees: %+v %v", res, err)
	}
}
