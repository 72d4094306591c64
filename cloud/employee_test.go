package cloud

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/cloud/store"

	"golang.org/x/crypto/argon2"

	"github.com/mynumber-shelter/shelter/internal/mynumber"
	"github.com/mynumber-shelter/shelter/internal/sealbox"
)

// testOTP is a one-time password in collect.NormalizeOTP form; people type it as the letter
// prints it, "ABCD-EFGH-JK23", or anyhow.
const testOTP = "ABCDEFGHJK23"

// verifierFor makes the Argon2id verifier the bridge uploads for otp.
func verifierFor(t testing.TB, otp string) string {
	t.Helper()
	salt := make([]byte, 16)
	rand.Read(salt)
	hash := argon2.IDKey([]byte(otp), salt, 2, 19456, 1, 32)
	return "argon2id$v=19$m=19456,t=2,p=1$" + base64.RawStdEncoding.EncodeToString(salt) + "$" + base64.RawStdEncoding.EncodeToString(hash)
}

// employer is an enrolled office with a registered company, its portal and accounts.
type employer struct {
	*office
	company string
	key     *ecdh.PrivateKey // the company's submission private key
}

func (r *relay) employer(company string, expires time.Time, codes ...string) *employer {
	r.t.Helper()
	o := r.enrol("Office " + company)
	k := r.registerCompany(o, company)
	priv, err := k.ECDH()
	if err != nil {
		r.t.Fatal(err)
	}
	e := &employer{office: o, company: company, key: priv}
	e.put(r, "/portal", PortalRequest{CompanyName: "株式会社サンプル", Purposes: []Purpose{
		{Code: "tax", Label: "源泉徴収票等の作成事務"}, {Code: "social", Label: "健康保険・厚生年金保険の届出事務"}}}, http.StatusNoContent)
	var accounts []EmployeeAccount
	for _, c := range codes {
		accounts = append(accounts, EmployeeAccount{Code: c, Verifier: verifierFor(r.t, testOTP), Expires: expires})
	}
	e.put(r, "/employees", EmployeesRequest{Employees: accounts}, http.StatusNoContent)
	return e
}

// put sends a bridge request under /v1/bridge/companies/{company} and checks the status.
func (e *employer) put(r *relay, path string, body any, want int) []byte {
	r.t.Helper()
	method := "PUT"
	if strings.HasSuffix(path, "/sendback") {
		method = "POST"
	}
	code, resp, _ := do(r.t, e.client, method, r.url+"/v1/bridge/companies/"+e.company+path, mustJSON(r.t, body))
	if code != want {
		r.t.Fatalf("%s %s: %d %s, want %d", method, path, code, resp, want)
	}
	return resp
}

func (e *employer) submissions(r *relay) []Item {
	r.t.Helper()
	code, body, _ := do(r.t, e.client, "GET", r.url+"/v1/bridge/companies/"+e.company+"/submissions", nil)
	if code != http.StatusOK {
		r.t.Fatalf("list submissions: %d %s", code, body)
	}
	var list ListResponse
	if err := json.Unmarshal(body, &list); err != nil {
		r.t.Fatal(err)
	}
	return list.Items
}

// phone is an employee's HTTP client with a cookie jar.
func (r *relay) phone() *http.Client {
	c := r.client(nil)
	c.Jar, _ = cookiejar.New(nil)
	return c
}

// login posts the login form and returns the status, the decoded body and the headers.
func (r *relay) login(c *http.Client, company, code, password string) (int, map[string]any, http.Header) {
	r.t.Helper()
	status, body, hdr := do(r.t, c, "POST", r.url+"/e/api/login", mustJSON(r.t, LoginRequest{Company: company, Code: code, Password: password}))
	var m map[string]any
	json.Unmarshal(body, &m)
	return status, m, hdr
}

func (r *relay) me(c *http.Client) (int, Me) {
	r.t.Helper()
	status, body, _ := do(r.t, c, "GET", r.url+"/e/api/me", nil)
	var m Me
	json.Unmarshal(body, &m)
	return status, m
}

// postBox posts a submission body as the page does.
func (r *relay) postBox(c *http.Client, box []byte) (int, []byte) {
	r.t.Helper()
	req, _ := http.NewRequest("POST", r.url+"/e/api/submission", bytes.NewReader(box))
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := c.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	b := new(bytes.Buffer)
	b.ReadFrom(resp.Body)
	return resp.StatusCode, b.Bytes()
}

// seal seals plaintext to the company's key as the page does.
func (e *employer) seal(t testing.TB, employee string, plaintext []byte) []byte {
	t.Helper()
	box, err := sealbox.Seal(nil, e.key.PublicKey(), SubmissionAAD(e.company, employee), plaintext)
	if err != nil {
		t.Fatal(err)
	}
	return box
}

// employeeSession is a logged-in phone of employee E001 of company c1.
func (r *relay) employeeSession(e *employer, code string) *http.Client {
	r.t.Helper()
	c := r.phone()
	if status, body, _ := r.login(c, e.company, code, testOTP); status != http.StatusOK {
		r.t.Fatalf("login: %d %v", status, body)
	}
	return c
}

func TestEmployeeLogin(t *testing.T) {
	now := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	r := startRelay(t, func(s *Server) {
		s.Now = func() time.Time { return now }
		// This test is about the store's lockout: the rate limits in front of it are off.
		s.Limits = Limits{PerIPLogin: Unlimited, PerAccountLogin: Unlimited}
	})
	e := r.employer("c1", now.Add(14*24*time.Hour), "E001", "E002")
	r.employer("c2", now.Add(-time.Hour), "E001") // expired

	c := r.phone()
	var badBody map[string]any
	for _, tc := range []struct {
		name, company, code, password string
		want                          int
		wantCode                      string
	}{
		{"as printed", "c1", "E001", "ABCD-EFGH-JK23", http.StatusOK, ""},
		{"lower case and spaces", "c1", "E001", " abcd efgh jk23 ", http.StatusOK, ""},
		{"full-width", "c1", "Ｅ００１", "ＡＢＣＤ－ＥＦＧＨ－ＪＫ２３", http.StatusOK, ""},
		{"wrong password", "c1", "E002", "ABCD-EFGH-JK22", http.StatusUnauthorized, "bad_credentials"},
		{"unknown code", "c1", "E999", testOTP, http.StatusUnauthorized, "bad_credentials"},
		{"unknown company", "c9", "E001", testOTP, http.StatusUnauthorized, "bad_credentials"},
		{"malformed company", "c1/../x", "E001", testOTP, http.StatusUnauthorized, "bad_credentials"},
		{"expired", "c2", "E001", testOTP, http.StatusUnauthorized, "expired"},
	} {
		status, body, _ := r.login(c, tc.company, tc.code, tc.password)
		if status != tc.want || (tc.wantCode != "" && body["code"] != tc.wantCode) {
			t.Errorf("%s: %d %v, want %d %s", tc.name, status, body, tc.want, tc.wantCode)
		}
		if tc.wantCode == "bad_credentials" {
			if badBody == nil {
				badBody = body
			} else if fmt.Sprint(body) != fmt.Sprint(badBody) {
				t.Errorf("%s: answer %v differs from %v", tc.name, body, badBody)
			}
		}
	}
	if status, me := r.me(c); status != http.StatusOK || me.Employee != "E001" || me.Company != "c1" || me.CompanyName != "株式会社サンプル" ||
		me.Status != "requested" || len(me.Purposes) != 2 || me.Purposes[0].Code != "tax" {
		t.Fatalf("me: %d %+v", status, me)
	}
	if status, me := r.me(c); status == http.StatusOK {
		pub, err := base64.StdEncoding.DecodeString(me.SubmissionKey)
		if err != nil || !bytes.Equal(pub, e.key.PublicKey().Bytes()) {
			t.Fatalf("submissionKey is not the company's 65-byte point")
		}
	}

	// Lockout: the 5th wrong password locks E002 for 15 minutes; the right one then gets the
	// same answer as a wrong one, until the lock ends.
	for range 4 { // one wrong try above already
		r.login(r.phone(), "c1", "E002", "WRONGWRONG22")
	}
	status, body, _ := r.login(r.phone(), "c1", "E002", testOTP)
	if status != http.StatusUnauthorized || fmt.Sprint(body) != fmt.Sprint(badBody) {
		t.Fatalf("right password while locked: %d %v", status, body)
	}
	now = now.Add(14 * time.Minute)
	if status, _, _ := r.login(r.phone(), "c1", "E002", testOTP); status != http.StatusUnauthorized {
		t.Fatalf("still locked after 14 min: %d", status)
	}
	now = now.Add(2 * time.Minute)
	if status, body, _ := r.login(r.phone(), "c1", "E002", testOTP); status != http.StatusOK {
		t.Fatalf("after the lock: %d %v", status, body)
	}

	// Sessions end after 30 minutes, and at logout.
	now = now.Add(31 * time.Minute)
	if status, _ := r.me(c); status != http.StatusUnauthorized {
		t.Fatalf("session after 31 min: %d", status)
	}
	c = r.employeeSession(e, "E001")
	if code, _, hdr := do(t, c, "POST", r.url+"/e/api/logout", nil); code != http.StatusNoContent || hdr.Get("Clear-Site-Data") == "" {
		t.Fatalf("logout: %d %v", code, hdr)
	}
	if status, _ := r.me(c); status != http.StatusUnauthorized {
		t.Fatalf("session after logout: %d", status)
	}
	// Deleting the account ends its sessions.
	c = r.employeeSession(e, "E001")
	if code, _, _ := do(t, e.client, "DELETE", r.url+"/v1/bridge/companies/c1/employees/E001", nil); code != http.StatusNoContent {
		t.Fatalf("delete employee: %d", code)
	}
	if status, _ := r.me(c); status != http.StatusUnauthorized {
		t.Fatalf("session of a deleted account: %d", status)
	}

	// Neither the logs nor the database files hold the password in any form.
	assertNotStored(t, r, []byte(testOTP), []byte("ABCD-EFGH-JK23"), []byte("abcd efgh jk23"))
}

// assertNotStored fails when the relay's database files or logs contain any of secrets.
func assertNotStored(t *testing.T, r *relay, secrets ...[]byte) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(r.dbDir, "*"))
	if len(files) == 0 {
		t.Fatal("no database files to scan")
	}
	blobs := map[string][]byte{"logs": r.logs.Bytes()}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		blobs[filepath.Base(f)] = b
	}
	for name, b := range blobs {
		for i, s := range secrets {
			if bytes.Contains(b, s) {
				t.Errorf("%s contains secret #%d", name, i)
			}
		}
	}
}

func TestEmployeeLoginRateLimit(t *testing.T) {
	r := startRelay(t, func(s *Server) { s.Limits = Limits{PerIPLogin: Rate{PerSecond: 0.01, Burst: 2}} })
	r.employer("c1", time.Now().Add(time.Hour), "E001")
	c := r.phone()
	r.login(c, "c1", "E001", "x")
	r.login(c, "c1", "E001", "x")
	status, body, hdr := r.login(c, "c1", "E001", testOTP)
	if status != http.StatusTooManyRequests || body["code"] != "rate_limited" || hdr.Get("Retry-After") == "" {
		t.Fatalf("3rd login: %d %v", status, body)
	}
}

// TestEmployeeLoginPerAccount: guesses at one account from 30 addresses (each within its own
// per-address limit) are limited per account all together: the burst, then 429 for everyone.
func TestEmployeeLoginPerAccount(t *testing.T) {
	r := startRelay(t, func(s *Server) {
		s.Limits = Limits{PerIPLogin: Unlimited, PerAccountLogin: Rate{PerSecond: 0.001, Burst: 5}}
	})
	r.employer("c1", time.Now().Add(time.Hour), "E001")
	passed := 0
	for i := range 30 {
		c := r.phone()
		local := &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(10+i))}
		c.Transport.(*http.Transport).DialContext = (&net.Dialer{LocalAddr: local}).DialContext
		status, body, _ := r.login(c, "c1", "E001", fmt.Sprintf("WRONG-%04d-GUESS", i))
		switch {
		case status == http.StatusTooManyRequests && body["code"] == "rate_limited":
		case status == http.StatusUnauthorized || status == http.StatusForbidden:
			passed++
		default:
			t.Fatalf("guess %d from %s: %d %v", i, local.IP, status, body)
		}
	}
	if passed != 5 {
		t.Fatalf("%d of 30 guesses from 30 addresses reached the password check, want the burst of 5", passed)
	}
}

func TestLimitKeyIPv6Network(t *testing.T) {
	key := func(addr string) string { return limitKey(&http.Request{RemoteAddr: addr}) }
	if a, b := key("[2001:db8:1:2::1]:443"), key("[2001:db8:1:2:ffff::9]:5000"); a != b || a != "2001:db8:1:2::/64" {
		t.Errorf("one /64: %q and %q", a, b)
	}
	if key("[2001:db8:1:3::1]:1") == key("[2001:db8:1:2::1]:1") {
		t.Error("two /64 networks share a bucket")
	}
	if key("192.0.2.7:80") != "192.0.2.7" {
		t.Error("IPv4 keys on the address")
	}
}

func TestEmployeePageHeaders(t *testing.T) {
	r := startRelay(t, nil)
	e := r.employer("c1", time.Now().Add(time.Hour), "E001")
	c := r.phone()
	_, _, hdr := r.login(c, "c1", "E001", testOTP)
	cookie := hdr.Get("Set-Cookie")
	for _, attr := range []string{"shelter_session=", "Path=/e/", "Max-Age=1800", "HttpOnly", "Secure", "SameSite=Strict"} {
		if !strings.Contains(cookie, attr) {
			t.Errorf("session cookie %q lacks %s", strings.SplitN(cookie, "=", 2)[0], attr)
		}
	}
	for _, tc := range []struct {
		method, path string
		want         int
		ctype        string
	}{
		{"GET", "/e/", 200, "text/html; charset=utf-8"},
		{"GET", "/e/?c=c1", 200, "text/html; charset=utf-8"},
		{"GET", "/e/app.js", 200, "text/javascript; charset=utf-8"},
		{"GET", "/e/sealbox.js", 200, "text/javascript; charset=utf-8"},
		{"GET", "/e/mynumber.js", 200, "text/javascript; charset=utf-8"},
		{"GET", "/e/style.css", 200, "text/css; charset=utf-8"},
		{"GET", "/e/index.html", 404, ""},
		{"GET", "/e/api/nope", 404, ""},
		{"DELETE", "/e/api/me", 404, ""},
		{"GET", "/e/api/me", 200, "application/json"},
		{"POST", "/e/api/login", 400, "application/json"},
	} {
		code, body, h := do(t, c, tc.method, r.url+tc.path, nil)
		if code != tc.want || (tc.ctype != "" && h.Get("Content-Type") != tc.ctype) {
			t.Errorf("%s %s: %d %q, want %d %q", tc.method, tc.path, code, h.Get("Content-Type"), tc.want, tc.ctype)
		}
		if h.Get("Cache-Control") != "no-store" || h.Get("Content-Security-Policy") != pageCSP || h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s %s: Cache-Control %q, CSP %q", tc.method, tc.path, h.Get("Cache-Control"), h.Get("Content-Security-Policy"))
		}
		if tc.path == "/e/" && !bytes.Contains(body, []byte(`<html lang="ja">`)) {
			t.Errorf("/e/ is not the page")
		}
	}
	if !strings.Contains(pageCSP, "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'") {
		t.Errorf("CSP = %q", pageCSP)
	}
	// A cross-origin write is refused even with the cookie.
	req, _ := http.NewRequest("POST", r.url+"/e/api/submission", bytes.NewReader(e.seal(t, "E001", []byte("x"))))
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("Origin", "https://evil.example")
	if resp, err := c.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-origin submission: %v %v", resp, err)
	}

	// The page loads nothing from anywhere else and has no inline script or style.
	inline := regexp.MustCompile(`<script(?:\s+type="module")?>|<script\s+(?:[^>]*\s)?(?:on\w+)=|\son\w+="|<style|style="`)
	src := regexp.MustCompile(`<script[^>]*\ssrc="([^"]+)"`)
	entries, _ := webFiles.ReadDir("web")
	for _, f := range entries {
		b, _ := webFiles.ReadFile("web/" + f.Name())
		if bytes.Contains(b, []byte("http://")) || bytes.Contains(b, []byte("https://")) || bytes.Contains(b, []byte("//cdn")) {
			t.Errorf("%s refers to another server", f.Name())
		}
		for _, bad := range []string{"localStorage", "sessionStorage", "indexedDB", "caches.", "document.cookie", "serviceWorker", "pushState"} {
			if bytes.Contains(b, []byte(bad)) {
				t.Errorf("%s uses %s", f.Name(), bad)
			}
		}
		if strings.HasSuffix(f.Name(), ".html") {
			if inline.Match(b) {
				t.Errorf("%s has inline script or style", f.Name())
			}
			for _, m := range src.FindAllSubmatch(b, -1) {
				if _, ok := staticFiles[string(m[1])]; !ok {
					t.Errorf("%s loads %s, which is not served", f.Name(), m[1])
				}
			}
		}
	}
}

func TestEmployeeSubmissionReplaces(t *testing.T) {
	r := startRelay(t, nil)
	e := r.employer("c1", time.Now().Add(time.Hour), "E001", "E002")
	c := r.employeeSession(e, "E001")

	if code, _ := r.postBox(r.phone(), e.seal(t, "E001", []byte("x"))); code != http.StatusUnauthorized {
		t.Errorf("submission without a session: %d", code)
	}
	if code, _ := r.postBox(c, []byte("not a box at all, just some bytes to see the relay refuse them, long enough")); code != http.StatusBadRequest {
		t.Errorf("not a box: %d", code)
	}
	if code, _, _ := do(t, c, "POST", r.url+"/e/api/submission", e.seal(t, "E001", []byte("x"))); code != http.StatusUnsupportedMediaType {
		t.Errorf("without the octet-stream type: %d", code)
	}

	first := e.seal(t, "E001", []byte(`{"v":1,"n":1}`))
	code, body := r.postBox(c, first)
	var me Me
	json.Unmarshal(body, &me)
	if code != http.StatusOK || me.Status != "submitted" {
		t.Fatalf("submit: %d %s", code, body)
	}
	second := e.seal(t, "E001", []byte(`{"v":1,"n":2}`))
	if code, body := r.postBox(c, second); code != http.StatusOK {
		t.Fatalf("resubmit: %d %s", code, body)
	}
	other := r.employeeSession(e, "E002")
	if code, _ := r.postBox(other, e.seal(t, "E002", []byte(`{"v":1}`))); code != http.StatusOK {
		t.Fatalf("E002 submit: %d", code)
	}
	items := e.submissions(r)
	if len(items) != 2 || items[0].Employee != "E001" || !bytes.Equal(items[0].Body, second) || items[1].Employee != "E002" {
		t.Fatalf("submissions: %+v", items)
	}
	pt, err := sealbox.Open(e.key, SubmissionAAD("c1", "E001"), items[0].Body)
	if err != nil || string(pt) != `{"v":1,"n":2}` {
		t.Fatalf("open: %q %v", pt, err)
	}
	if _, err := sealbox.Open(e.key, SubmissionAAD("c1", "E002"), items[0].Body); err == nil {
		t.Fatal("a box opened under another employee's aad")
	}

	// Ack: received; the employee cannot replace it any more.
	if code, _, _ := do(t, e.client, "DELETE", fmt.Sprintf("%s/v1/bridge/companies/c1/submissions/%d", r.url, items[0].ID), nil); code != http.StatusNoContent {
		t.Fatalf("ack: %d", code)
	}
	// 受付 ends the open session; at the next login the employee sees it received.
	if code, _ := r.me(c); code != http.StatusUnauthorized {
		t.Fatalf("the session outlived 受付: %d", code)
	}
	c = r.employeeSession(e, "E001")
	if _, me := r.me(c); me.Status != "received" {
		t.Fatalf("after ack: %+v", me)
	}
	if code, body := r.postBox(c, first); code != http.StatusConflict {
		t.Fatalf("submit after received: %d %s", code, body)
	}
}

func TestEmployeeSendBack(t *testing.T) {
	r := startRelay(t, nil)
	e := r.employer("c1", time.Now().Add(time.Hour), "E001")
	stranger := r.enrol("Stranger")
	c := r.employeeSession(e, "E001")
	r.postBox(c, e.seal(t, "E001", []byte("x")))

	for _, reason := range []string{
		"番号 123456789018 が違います",
		"番号１２３４５６７８９０１８",
		"番号 1234-5678-9018 を確認",
		"番号 1234 5678 9018",
		"",
		strings.Repeat("長", 1001),
	} {
		e.put(r, "/employees/E001/sendback", SendBackRequest{Reason: reason}, http.StatusBadRequest)
	}
	e.put(r, "/employees/E999/sendback", SendBackRequest{Reason: "x"}, http.StatusNotFound)
	if code, _, _ := do(t, stranger.client, "POST", r.url+"/v1/bridge/companies/c1/employees/E001/sendback", mustJSON(t, SendBackRequest{Reason: "x"})); code != http.StatusForbidden {
		t.Fatalf("send back by a non-member: %d", code)
	}
	// Twelve digits that fail the check digit, and a phone number, are fine.
	reason := "裏面の写真が不鮮明です。撮り直してください（受付番号 123456789010、電話 03-1234-5678）。"
	e.put(r, "/employees/E001/sendback", SendBackRequest{Reason: reason}, http.StatusNoContent)
	// The send-back ends the open session; the reason is shown at the next login.
	if code, _ := r.me(c); code != http.StatusUnauthorized {
		t.Fatalf("the session outlived the send-back: %d", code)
	}
	c = r.employeeSession(e, "E001")
	if _, me := r.me(c); me.Status != "returned" || me.Reason != reason {
		t.Fatalf("after send-back: %+v", me)
	}
	if code, _ := r.postBox(c, e.seal(t, "E001", []byte("y"))); code != http.StatusOK {
		t.Fatalf("resubmit after send-back: %d", code)
	}
	if _, me := r.me(c); me.Status != "submitted" || me.Reason != "" {
		t.Fatalf("after resubmitting: %+v", me)
	}
}

func TestEmployeeBridgeValidation(t *testing.T) {
	r := startRelay(t, nil)
	e := r.employer("c1", time.Now().Add(time.Hour))
	good := verifierFor(t, testOTP)
	exp := time.Now().Add(time.Hour)
	for name, a := range map[string]EmployeeAccount{
		"12 digits in the code": {Code: "E123456789012", Verifier: good, Expires: exp},
		"slash in the code":     {Code: "E/1", Verifier: good, Expires: exp},
		"not argon2id":          {Code: "E1", Verifier: strings.Replace(good, "argon2id", "argon2i", 1), Expires: exp},
		"memory too large":      {Code: "E1", Verifier: strings.Replace(good, "m=19456", "m=1048576", 1), Expires: exp},
		"too many passes":       {Code: "E1", Verifier: strings.Replace(good, "t=2", "t=100", 1), Expires: exp},
		"short hash":            {Code: "E1", Verifier: good[:strings.LastIndex(good, "$")+5], Expires: exp},
		"no expiry":             {Code: "E1", Verifier: good},
	} {
		code, body, _ := do(t, e.client, "PUT", r.url+"/v1/bridge/companies/c1/employees", mustJSON(t, EmployeesRequest{Employees: []EmployeeAccount{a}}))
		if code != http.StatusBadRequest {
			t.Errorf("%s: %d %s", name, code, body)
		}
	}
	for name, p := range map[string]PortalRequest{
		"no name":       {Purposes: []Purpose{{Code: "tax", Label: "x"}}},
		"bad code":      {CompanyName: "x", Purposes: []Purpose{{Code: "a b", Label: "x"}}},
		"control chars": {CompanyName: "x\x00", Purposes: nil},
	} {
		code, _, _ := do(t, e.client, "PUT", r.url+"/v1/bridge/companies/c1/portal", mustJSON(t, p))
		if code != http.StatusBadRequest {
			t.Errorf("portal %s: %d", name, code)
		}
	}
	stranger := r.enrol("Stranger")
	code, _, _ := do(t, stranger.client, "PUT", r.url+"/v1/bridge/companies/c1/employees", mustJSON(t, EmployeesRequest{}))
	if code != http.StatusForbidden {
		t.Errorf("accounts by a non-member: %d", code)
	}
	if code, _, _ := do(t, r.client(nil), "PUT", r.url+"/v1/bridge/companies/c1/portal", mustJSON(t, PortalRequest{CompanyName: "x"})); code != http.StatusUnauthorized {
		t.Errorf("portal without a client certificate: %d", code)
	}
}

func TestContainsNumber(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{"123456789018", true},
		{"a123456789018b", true},
		{"１２３４５６７８９０１８", true},
		{"1234-5678-9018", true},
		{"1234 5678 9018", true},
		{"123456789010", false},    // wrong check digit
		{"1123456789018", false},   // 13 digits
		{"電話 03-1234-5678", false}, // 10 digits
		{"写真が不鮮明です", false},
	} {
		if got := mynumber.HoldsIndividual(tc.s); got != tc.want {
			t.Errorf("HoldsIndividual(#%d) = %v", len(tc.s), got)
		}
	}
	if !mynumber.IsValidIndividual("123456789018") {
		t.Fatal("test number is not valid")
	}
}

func FuzzParseVerifier(f *testing.F) {
	f.Add("argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g")
	f.Add("argon2id$v=19$m=4294967295,t=1,p=1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA")
	f.Add("$$$$")
	f.Fuzz(func(t *testing.T, v string) {
		p, err := parseVerifier(v)
		if err != nil {
			return
		}
		if p.memory > 64<<10 || p.time > 8 || p.threads > 4 || p.threads == 0 || p.memory < 8*uint32(p.threads) || len(p.hash) < 16 {
			t.Fatalf("accepted out-of-bounds parameters %+v", p)
		}
	})
}

// TestRelayFilesAndFloodLog: the relay's database files are 0600, and a flood of refused
// requests writes one summary line, not one line a request.
func TestRelayFilesAndFloodLog(t *testing.T) {
	r := startRelay(t, func(s *Server) { s.Limits = Limits{PerIP: Rate{PerSecond: 0.001, Burst: 1}} })
	c := r.phone()
	refused := 0
	for range 200 {
		if status, _, _ := do(t, c, "GET", r.url+"/e/", nil); status == http.StatusTooManyRequests {
			refused++
		}
	}
	if refused < 190 {
		t.Fatalf("only %d of 200 refused", refused)
	}
	if n := strings.Count(string(r.logs.Bytes()), `"msg":"rate limited"`); n < 1 || n > 2 {
		t.Errorf("%d log lines for %d refused requests", n, refused)
	}
	if n := strings.Count(string(r.logs.Bytes()), `"status":429`); n != 0 {
		t.Errorf("%d request lines for refused requests", n)
	}
	entries, _ := os.ReadDir(r.dbDir)
	for _, e := range entries {
		if fi, err := e.Info(); err == nil && strings.HasPrefix(e.Name(), "relay.db") && fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v", e.Name(), fi.Mode().Perm())
		}
	}
}

// TestClientCertRevocation: an office that enrols again (a new PC) keeps only its new
// certificate: the old one is refused on every request; and the operator's revoke refuses the
// new one too.
func TestClientCertRevocation(t *testing.T) {
	r := startRelay(t, nil)
	first := r.enrol("鹿児島社労士事務所")
	r.registerCompany(first, "c1")
	tok, _, err := NewEnrolToken(context.Background(), r.store, store.Office{ID: first.id, Name: "鹿児島社労士事務所"}, time.Hour, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	req, tlsKey, _ := enrolRequest(t, tok)
	code, body, _ := do(t, r.client(nil), "POST", r.url+"/v1/enrol", mustJSON(t, req))
	if code != http.StatusCreated {
		t.Fatalf("re-enrol: %d %s", code, body)
	}
	var resp EnrolResponse
	json.Unmarshal(body, &resp)
	block, _ := pem.Decode([]byte(resp.Certificate))
	cert := tls.Certificate{Certificate: [][]byte{block.Bytes}, PrivateKey: tlsKey}
	second := r.client(&cert)
	list := func(c *http.Client) int {
		code, _, _ := do(t, c, "GET", r.url+"/v1/bridge/companies/c1/submissions", nil)
		return code
	}
	if c := list(first.client); c != http.StatusUnauthorized {
		t.Fatalf("the old certificate after re-enrolment: %d", c)
	}
	if c := list(second); c != http.StatusOK {
		t.Fatalf("the new certificate: %d", c)
	}
	if n, err := r.store.RevokeClientCerts(context.Background(), first.id, [32]byte{}, time.Now()); err != nil || n != 1 {
		t.Fatalf("revoke: %d %v", n, err)
	}
	if c := list(second); c != http.StatusUnauthorized {
		t.Fatalf("a revoked certificate: %d", c)
	}
}

// TestConnectionsPerAddress: one address holding connections open (slow headers) gets at
// most MaxConnsPerIP of them; the rest are closed at once, and a connection freed is usable
// again by another client.
func TestConnectionsPerAddress(t *testing.T) {
	r := startRelay(t, nil)
	var held []net.Conn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	for range MaxConnsPerIP {
		c, err := net.Dial("tcp", r.addr)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	// The next one is accepted by the kernel and closed by the relay: a read ends at once.
	extra, err := net.Dial("tcp", r.addr)
	if err != nil {
		t.Fatal(err)
	}
	extra.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = extra.Read(make([]byte, 1))
	if ne, ok := err.(net.Error); err == nil || (ok && ne.Timeout()) {
		t.Fatalf("a connection beyond the cap was kept open: %v", err)
	}
	extra.Close()
	// Another address is not affected.
	other := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 77)}}
	c := r.phone()
	c.Transport.(*http.Transport).DialContext = other.DialContext
	if status, _, _ := do(t, c, "GET", r.url+"/e/", nil); status != http.StatusOK {
		t.Fatalf("another address: %d", status)
	}
}
