package cloud

import (
	"bufio"
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/cloud/envelope"
	"github.com/mynumber-shelter/shelter/cloud/store/storetest"
	"github.com/mynumber-shelter/shelter/internal/sealbox"
)

func TestPlainHTTPRefused(t *testing.T) {
	r := startRelay(t, nil)
	for _, path := range []string{"/healthz", "/v1/bridge/companies/c1/envelopes"} {
		resp, err := http.Get("http://" + r.addr + path)
		if err != nil {
			t.Fatal(err)
		}
		body := new(bytes.Buffer)
		body.ReadFrom(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body.String(), "HTTPS") {
			t.Errorf("plain HTTP %s: %d %q, want 400 from the TLS server", path, resp.StatusCode, body)
		}
	}
	// And nothing below TLS 1.2.
	conn, err := tls.Dial("tcp", r.addr, &tls.Config{InsecureSkipVerify: true, MaxVersion: tls.VersionTLS11})
	if err == nil {
		conn.Close()
		t.Fatal("TLS 1.1 handshake succeeded")
	}
}

func TestHealthz(t *testing.T) {
	r := startRelay(t, nil)
	code, body, _ := do(t, r.client(nil), "GET", r.url+"/healthz", nil)
	if code != http.StatusOK || !strings.Contains(string(body), `"ok"`) {
		t.Fatalf("healthz: %d %s", code, body)
	}
}

func TestBridgeRequiresEnrolledClientCert(t *testing.T) {
	r := startRelay(t, nil)
	url := r.url + "/v1/bridge/companies/c1/envelopes"
	if code, _, _ := do(t, r.client(nil), "GET", url, nil); code != http.StatusUnauthorized {
		t.Errorf("no client certificate: %d, want 401", code)
	}

	// Signed by the right client CA but never enrolled (not in the store).
	req, tlsKey, _ := enrolRequest(t, "unused")
	h := &handler{Server: r.server}
	csr := parseCSR(t, req.CSR)
	der, _, err := h.issueClientCert(officeFor("office-x"), csr)
	if err != nil {
		t.Fatal(err)
	}
	stray := tls.Certificate{Certificate: [][]byte{der}, PrivateKey: tlsKey}
	if code, _, _ := do(t, r.client(&stray), "GET", url, nil); code != http.StatusUnauthorized {
		t.Errorf("unenrolled certificate: %d, want 401", code)
	}

	// From another CA: the handshake itself fails.
	other, err := NewDevPKI(rand.Reader, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	foreign := r.client(nil)
	foreign.Transport.(*http.Transport).TLSClientConfig.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
		return &other.Server, nil // sent even though the relay does not ask for this CA
	}
	if resp, err := foreign.Get(url); err == nil {
		resp.Body.Close()
		t.Errorf("certificate from a foreign CA: %d, want a failed handshake", resp.StatusCode)
	}

	o := r.enrol("Sato Office")
	r.registerCompany(o, "c1")
	if code, body, _ := do(t, o.client, "GET", url, nil); code != http.StatusOK {
		t.Errorf("enrolled bridge: %d %s", code, body)
	}
}

func TestEnrolToken(t *testing.T) {
	r := startRelay(t, nil)
	c := r.client(nil)
	tok := r.token("Sato Office")

	bad, _, _ := enrolRequest(t, tok)
	bad.CSR = "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"
	if code, _, _ := do(t, c, "POST", r.url+"/v1/enrol", mustJSON(t, bad)); code != http.StatusBadRequest {
		t.Fatalf("bad CSR: %d, want 400", code)
	}
	// The malformed request did not burn the token.
	req, _, _ := enrolRequest(t, tok)
	if code, body, _ := do(t, c, "POST", r.url+"/v1/enrol", mustJSON(t, req)); code != http.StatusCreated {
		t.Fatalf("enrol: %d %s", code, body)
	}
	again, _, _ := enrolRequest(t, tok)
	if code, _, _ := do(t, c, "POST", r.url+"/v1/enrol", mustJSON(t, again)); code != http.StatusForbidden {
		t.Fatalf("token reused: %d, want 403", code)
	}
	unknown, _, _ := enrolRequest(t, "shelter-enrol-nope")
	if code, _, _ := do(t, c, "POST", r.url+"/v1/enrol", mustJSON(t, unknown)); code != http.StatusForbidden {
		t.Fatalf("unknown token: %d, want 403", code)
	}
	// The same signing key cannot be enrolled twice.
	req2, _, _ := enrolRequest(t, r.token("Other"))
	req2.SigningKey = req.SigningKey
	if code, _, _ := do(t, c, "POST", r.url+"/v1/enrol", mustJSON(t, req2)); code != http.StatusConflict {
		t.Fatalf("signing key reused: %d, want 409", code)
	}
	if bytes.Contains(r.logs.Bytes(), []byte(tok)) {
		t.Fatal("the enrolment token is in the log")
	}
}

func TestEnvelopes(t *testing.T) {
	testEnvelopes(t, startRelay(t, nil))
}

// The same flow with the PostgreSQL store (several relays behind a load balancer).
func TestEnvelopesPostgres(t *testing.T) {
	testEnvelopes(t, startRelayOn(t, storetest.OpenPostgres(t), "", nil))
}

func testEnvelopes(t *testing.T, r *relay) {
	a, b := r.enrol("Office A"), r.enrol("Office B")
	r.registerCompany(a, "c1")
	post := func(o *office, env []byte) int {
		code, _, _ := do(t, o.client, "POST", r.url+"/v1/bridge/envelopes", env)
		return code
	}
	first := a.envelope(t, "c1", "person-1", []byte("ct1"))
	second := a.envelope(t, "c1", "person-1", []byte("ct2"))
	if code := post(a, second); code != http.StatusCreated {
		t.Fatalf("envelope: %d", code)
	}
	if code := post(a, second); code != http.StatusConflict {
		t.Errorf("replayed envelope: %d, want 409", code)
	}
	if code := post(a, first); code != http.StatusConflict {
		t.Errorf("older envelope: %d, want 409", code)
	}
	if code := post(b, a.envelope(t, "c1", "person-1", []byte("x"))); code != http.StatusForbidden {
		t.Errorf("another office uploads A's envelope: %d, want 403", code)
	}
	if code := post(b, b.envelope(t, "c1", "person-1", []byte("x"))); code != http.StatusForbidden {
		t.Errorf("non-member writes: %d, want 403", code)
	}
	tampered := a.envelope(t, "c1", "person-1", []byte("ct3"))
	tampered[len(tampered)-65] ^= 1
	if code := post(a, tampered); code != http.StatusBadRequest {
		t.Errorf("tampered envelope: %d, want 400", code)
	}
	if code := post(a, []byte("SHEV\x01garbage")); code != http.StatusBadRequest {
		t.Errorf("garbage: %d, want 400", code)
	}

	list := r.url + "/v1/bridge/companies/c1/envelopes"
	if code, _, _ := do(t, b.client, "GET", list, nil); code != http.StatusForbidden {
		t.Errorf("non-member lists: %d, want 403", code)
	}
	code, _, _ := do(t, a.client, "POST", r.url+"/v1/bridge/companies/c1/members", mustJSON(t, MemberRequest{Office: b.id}))
	if code != http.StatusNoContent {
		t.Fatalf("add member: %d", code)
	}
	code, body, _ := do(t, b.client, "GET", list, nil)
	var resp ListResponse
	json.Unmarshal(body, &resp)
	if code != http.StatusOK || len(resp.Items) != 1 || !bytes.Equal(resp.Items[0].Body, second) {
		t.Fatalf("member lists: %d %s", code, body)
	}
	del := fmt.Sprintf("%s/%d", list, resp.Items[0].ID)
	if code, _, _ := do(t, b.client, "DELETE", del, nil); code != http.StatusNoContent {
		t.Fatalf("delete: %d", code)
	}
	if code, _, _ := do(t, b.client, "DELETE", del, nil); code != http.StatusNotFound {
		t.Fatalf("second delete: %d", code)
	}
	// The sequence is kept after deletion: the deleted envelope cannot come back.
	if code := post(a, second); code != http.StatusConflict {
		t.Errorf("replay after delete: %d, want 409", code)
	}
}

func TestSizeLimits(t *testing.T) {
	r := startRelay(t, func(s *Server) {
		s.Limits = Limits{MaxJSON: 4 << 10, MaxEnvelope: 1 << 10, MaxSubmission: 2 << 10}
	})
	a := r.enrol("Office A")
	r.registerCompany(a, "c1")
	emp := r.employer("c2", time.Now().Add(time.Hour), "E001")
	for name, tc := range map[string]struct {
		c    *http.Client
		path string
		body []byte
	}{
		"envelope":   {a.client, "/v1/bridge/envelopes", a.envelope(t, "c1", "r", make([]byte, 2<<10))},
		"submission": {r.employeeSession(emp, "E001"), "/e/api/submission", make([]byte, 3<<10)},
		"enrol":      {r.client(nil), "/v1/enrol", bytes.Repeat([]byte(" "), 5<<10)},
	} {
		if code, _, _ := do(t, tc.c, "POST", r.url+tc.path, tc.body); code != http.StatusRequestEntityTooLarge {
			t.Errorf("%s over the limit: %d, want 413", name, code)
		}
	}
	if code, _, _ := do(t, a.client, "POST", r.url+"/v1/bridge/envelopes", a.envelope(t, "c1", "r", make([]byte, 512))); code != http.StatusCreated {
		t.Errorf("envelope under the limit: %d", code)
	}
}

func TestRateLimits(t *testing.T) {
	now := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	r := startRelay(t, func(s *Server) {
		s.Now = func() time.Time { return now }
		s.Limits = Limits{PerIP: Rate{PerSecond: 0.5, Burst: 3}, PerOffice: Unlimited}
	})
	c := r.client(nil)
	url := r.url + "/v1/companies/c1/submission-key"
	for i := range 3 {
		if code, _, _ := do(t, c, "GET", url, nil); code == http.StatusTooManyRequests {
			t.Fatalf("request %d limited", i)
		}
	}
	code, _, hdr := do(t, c, "GET", url, nil)
	if code != http.StatusTooManyRequests || hdr.Get("Retry-After") != "2" {
		t.Fatalf("4th request: %d Retry-After %q, want 429 and 2", code, hdr.Get("Retry-After"))
	}
	if code, _, _ := do(t, c, "GET", r.url+"/healthz", nil); code != http.StatusOK {
		t.Fatalf("healthz is limited: %d", code)
	}
	now = now.Add(2 * time.Second)
	if code, _, _ := do(t, c, "GET", url, nil); code == http.StatusTooManyRequests {
		t.Fatal("still limited after the bucket refilled")
	}

	// Per office, independent of IP.
	r2 := startRelay(t, func(s *Server) {
		s.Now = func() time.Time { return now }
		s.Limits = Limits{PerIP: Unlimited, PerOffice: Rate{PerSecond: 1, Burst: 2}}
	})
	a := r2.enrol("Office A")
	r2.registerCompany(a, "c1") // takes one token
	list := r2.url + "/v1/bridge/companies/c1/envelopes"
	do(t, a.client, "GET", list, nil)
	if code, _, hdr := do(t, a.client, "GET", list, nil); code != http.StatusTooManyRequests || hdr.Get("Retry-After") != "1" {
		t.Fatalf("office over its rate: %d %q", code, hdr.Get("Retry-After"))
	}
	b := r2.enrol("Office B") // another office still has its own bucket
	r2.registerCompany(b, "c2")
}

// marker stands for a My Number in a payload's plaintext; the relay must never store it.
const marker = "PLAINTEXT-MARKER-123456789018"

func TestRelayHoldsNoPlaintext(t *testing.T) {
	r := startRelay(t, nil)
	a, b := r.enrol("Office A"), r.enrol("Office B")
	companyKey := r.registerCompany(a, "c1")
	do(t, a.client, "POST", r.url+"/v1/bridge/companies/c1/members", mustJSON(t, MemberRequest{Office: b.id}))

	// The employee's submission, sealed before upload.
	priv, _ := companyKey.ECDH()
	emp := &employer{office: a, company: "c1", key: priv}
	emp.put(r, "/employees", EmployeesRequest{Employees: []EmployeeAccount{{Code: "E001", Verifier: verifierFor(t, testOTP), Expires: time.Now().Add(time.Hour)}}}, http.StatusNoContent)
	sealed := emp.seal(t, "E001", []byte(`{"number":"`+marker+`"}`))
	if code, body := r.postBox(r.employeeSession(emp, "E001"), sealed); code != http.StatusOK {
		t.Fatalf("submission: %d %s", code, body)
	}

	// A record shared A → B under a key the relay never sees, bound to the header.
	shared := make([]byte, 32)
	rand.Read(shared)
	a.seq++
	e := &envelope.Envelope{Company: "c1", Record: "person-1", Seq: a.seq}
	e.Sender = envelope.KeyIDOf(a.sign.Public().(ed25519.PublicKey))
	aad, _ := e.AAD()
	block, _ := aes.NewCipher(shared)
	gcm, _ := cipher.NewGCM(block)
	nonce := make([]byte, 12)
	rand.Read(nonce)
	e.Ciphertext = gcm.Seal(nonce, nonce, []byte(marker), aad)
	e.Sign(a.sign)
	raw, _ := e.Marshal()
	if code, _, _ := do(t, a.client, "POST", r.url+"/v1/bridge/envelopes", raw); code != http.StatusCreated {
		t.Fatalf("envelope: %d", code)
	}

	// The recipients get their plaintext back …
	var subs, envs ListResponse
	_, body, _ := do(t, a.client, "GET", r.url+"/v1/bridge/companies/c1/submissions", nil)
	json.Unmarshal(body, &subs)
	if len(subs.Items) != 1 {
		t.Fatalf("%d submissions", len(subs.Items))
	}
	if pt, err := sealbox.Open(priv, SubmissionAAD("c1", "E001"), subs.Items[0].Body); err != nil || !bytes.Contains(pt, []byte(marker)) {
		t.Fatal("office cannot open the submission")
	}
	_, body, _ = do(t, b.client, "GET", r.url+"/v1/bridge/companies/c1/envelopes", nil)
	json.Unmarshal(body, &envs)
	got, err := envelope.Parse(envs.Items[0].Body)
	if err != nil || got.Verify(a.sign.Public().(ed25519.PublicKey)) != nil {
		t.Fatalf("recipient: %v", err)
	}
	gotAAD, _ := got.AAD()
	pt, err := gcm.Open(nil, got.Ciphertext[:12], got.Ciphertext[12:], gotAAD)
	if err != nil || string(pt) != marker {
		t.Fatalf("recipient cannot open the envelope: %v", err)
	}

	// … but the relay's database files and logs never held it.
	var stored []byte
	files, _ := filepath.Glob(filepath.Join(r.dbDir, "*"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		stored = append(stored, b...)
	}
	if !bytes.Contains(stored, sealed[:40]) || !bytes.Contains(stored, raw[:40]) {
		t.Fatalf("the ciphertexts are not in %v: the check below would prove nothing", files)
	}
	if bytes.Contains(stored, []byte(marker)) {
		t.Fatal("a relay database file contains the plaintext marker")
	}
	logs := r.logs.Bytes()
	if bytes.Contains(logs, []byte(marker)) {
		t.Fatal("the relay log contains the plaintext marker")
	}
	checkLogLines(t, logs)
}

// checkLogLines: every line is JSON with a route and status, and no body.
func checkLogLines(t *testing.T, logs []byte) {
	t.Helper()
	sc := bufio.NewScanner(bytes.NewReader(logs))
	n := 0
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("log line is not JSON: %s", sc.Text())
		}
		if line["msg"] == "request" {
			n++
			if line["route"] == nil || line["status"] == nil || line["ip"] == nil {
				t.Fatalf("request line lacks fields: %s", sc.Text())
			}
		}
	}
	if n == 0 {
		t.Fatal("no request was logged")
	}
}
