package ui

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/app/collect"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/bridge"
	"github.com/mynumber-shelter/shelter/cloud"
	cloudstore "github.com/mynumber-shelter/shelter/cloud/store"
	"github.com/mynumber-shelter/shelter/internal/keychain"
	"github.com/mynumber-shelter/shelter/internal/mynumber"
	"github.com/mynumber-shelter/shelter/internal/relaytest"
	"github.com/mynumber-shelter/shelter/internal/sealbox"
	"github.com/mynumber-shelter/shelter/internal/testenv"
)

// syncRelay runs shelter-cloud on loopback TLS with a dev PKI and a SQLite file.
func syncRelay(t *testing.T) (url, caPEM string, st cloudstore.Store) {
	t.Helper()
	url, caPEM, st, _ = syncRelayFile(t)
	return url, caPEM, st
}

// syncRelayFile is syncRelay that also returns the relay database's file.
func syncRelayFile(t *testing.T) (url, caPEM string, st cloudstore.Store, dbFile string) {
	t.Helper()
	r := relaytest.Start(t)
	return r.URL, r.CAPEM, r.Store, r.DBFile
}

// syncBridge runs a real bridge on a Unix socket with its state in stateDir.
func syncBridge(t *testing.T, stateDir string, kc keychain.Keychain) string {
	t.Helper()
	return relaytest.Bridge(t, kc, stateDir)
}

// phone logs in on the employee page's API and posts a box, as the phone page does.
func phone(t *testing.T, relayURL, caPEM, company, code, password string, box []byte) {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM([]byte(caPEM))
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Jar: jar}
	post := func(path, ct string, body []byte) int {
		req, _ := http.NewRequest("POST", relayURL+path, bytes.NewReader(body))
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Origin", relayURL)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	login, _ := json.Marshal(map[string]string{"company": company, "code": code, "password": password})
	if s := post("/e/api/login", "application/json", login); s != http.StatusOK {
		t.Fatalf("employee login: %d", s)
	}
	if s := post("/e/api/submission", "application/octet-stream", box); s != http.StatusOK {
		t.Fatalf("employee submission: %d", s)
	}
}

// pngImage is a tiny valid PNG (the "photo" of the card).
var pngImage = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"),
	[]byte("\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x04\x00\x09\xfb\x03\xfd\xe3U\xf2\x9c\x00\x00\x00\x00IEND\xaeB`\x82")...)

// TestSyncSubmissionsEndToEnd: enrol a real bridge with a relay on loopback TLS, publish a
// company, issue a STEP1 notice (the password's verifier goes to the relay), submit from the
// "phone" with sealbox as the browser does, import (提出済, numbers masked; the relay no longer
// holds it), refuse a replay, accept (checked and registered), and scan the vault and the
// bridge's state for numbers and the image.
func TestSyncSubmissionsEndToEnd(t *testing.T) {
	var kc keychain.Keychain = &keychain.Mem{}
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") != "" || os.Getenv("SHELTER_REQUIRE_KEYRING") == "1" {
		testenv.Keyring(t)
		kc = keychain.OS()
	}
	relayURL, caPEM, rst := syncRelay(t)
	stateDir := filepath.Join(t.TempDir(), "bridge-state")
	sock := syncBridge(t, stateDir, kc)
	f := newCollectFixture(t)
	a := f.app
	a.relay = &bridge.Client{Path: sock}
	f.clock.Add(time.Since(f.clock.Now())) // the relay checks password expiry against the real clock
	ctx := context.Background()

	f.login("admin", adminPW)
	tok, _, err := cloud.NewEnrolToken(ctx, rst, cloudstore.Office{Name: "テスト社労士事務所"}, time.Hour, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := a.Sync.Enrol(SyncEnrolInput{URL: relayURL, CAPEM: caPEM, Token: tok})
	if err != nil || !st.Enrolled || st.Office == "" {
		t.Fatalf("enrol: %+v %v", st, err)
	}
	if _, err := kc.Get("relay-client-key/" + st.Office); err != nil {
		t.Fatalf("client key not in the keychain: %v", err)
	}
	if _, err := a.Sync.Enrol(SyncEnrolInput{URL: relayURL, CAPEM: caPEM, Token: tok}); code(t, err) != "enrol_refused" {
		t.Fatalf("token reused: %v", err)
	}
	pub, err := a.Sync.PublishCompany(f.c1)
	if err != nil || pub.RelayCompany == "" || pub.PortalURL != relayURL+"/e/" {
		t.Fatalf("publish: %+v %v", pub, err)
	}
	rc := pub.RelayCompany
	if cs, err := a.Sync.Companies(); err != nil || !slices.ContainsFunc(cs, func(c SyncCompany) bool { return c.ID == f.c1 && c.RelayCompany == rc }) {
		t.Fatalf("companies after publishing: %+v %v", cs, err)
	}
	der, err := rst.SubmissionKey(ctx, rc)
	if err != nil {
		t.Fatalf("relay has no submission key: %v", err)
	}

	// STEP1 online notice: the letter prints the relay company id, URL and password.
	f.login("tanaka", collectPW)
	n, err := a.Collect.CreateRequest(CollectRequestInput{CompanyID: f.c1, EmployeeIDs: []int64{f.e1}, Purposes: []string{"TAX-WH"}, Online: true})
	if err != nil {
		t.Fatal(err)
	}
	text := workbookText(t, collectFileBytes(t, n.File))
	otp := regexp.MustCompile(`[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}`).FindString(text)
	if otp == "" || !bytes.Contains([]byte(text), []byte(rc)) || !bytes.Contains([]byte(text), []byte(relayURL+"/e/")) {
		t.Fatalf("letter lacks the relay company, URL or password")
	}
	var queued string
	a.DB.View(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(`SELECT body FROM sync_outbox WHERE path LIKE '%/employees'`).Scan(&queued)
	})
	if !regexp.MustCompile(`"verifier":"argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}"`).MatchString(queued) {
		t.Fatalf("no verifier queued: %q", queued)
	}
	if _, err := a.Sync.ImportSubmissions(f.c1); err != nil { // hands the accounts over
		t.Fatal(err)
	}

	// The phone: seal the submission to the company's key with the contract's aad.
	k, _ := x509.ParsePKIXPublicKey(der)
	ek, _ := k.(*ecdsa.PublicKey).ECDH()
	plain, _ := json.Marshal(map[string]any{"v": 1, "company": rc, "employee": "E001", "submittedAt": time.Now().UTC().Format(time.RFC3339),
		"self":         map[string]string{"number": "1234 5678 9018"},
		"dependents":   []map[string]string{{"name": "山田 花子", "relation": "妻", "birthDate": "1990-01-02", "number": "987654321018"}},
		"images":       []map[string]string{{"name": "card.png", "contentType": "image/png", "data": base64.StdEncoding.EncodeToString(pngImage)}},
		"acknowledged": []string{"TAX-WH"}})
	box, err := sealbox.Seal(nil, ek, collect.SubmissionAAD(rc, "E001"), plain)
	if err != nil {
		t.Fatal(err)
	}
	phone(t, relayURL, caPEM, rc, "E001", otp, box)
	if _, err := rst.PutSubmission(ctx, rc, box, time.Now()); err != nil { // the same box replayed
		t.Fatal(err)
	}
	imp, err := a.Sync.ImportSubmissions(f.c1)
	if err != nil || imp.Imported != 1 || imp.Duplicates != 1 || imp.Quarantined != 0 {
		t.Fatalf("import: %+v %v", imp, err)
	}
	if left, _ := rst.ListSubmissions(ctx, rc, 0, 0); len(left) != 0 {
		t.Fatalf("the relay still holds %d submissions", len(left))
	}
	if again, err := a.Sync.ImportSubmissions(f.c1); err != nil || again.Imported+again.Duplicates != 0 {
		t.Fatalf("second import: %+v %v", again, err)
	}
	subs, err := a.Sync.Submitted(f.c1)
	if err != nil || len(subs) != 1 {
		t.Fatalf("submitted: %+v %v", subs, err)
	}
	s0 := subs[0]
	if s0.Masked != "**** **** 9018" || len(s0.Dependents) != 1 || s0.Dependents[0].PersonID != f.dep || len(s0.Images) != 1 {
		t.Fatalf("submitted view: %+v", s0)
	}
	if len(s0.Acknowledged) != 1 || s0.Acknowledged[0] != "給与所得の源泉徴収票・給与支払報告書の作成" {
		t.Fatalf("acknowledged purposes are not shown by name: %q", s0.Acknowledged)
	}
	board, err := a.Collect.StatusBoard(CollectBoardFilter{CompanyID: f.c1, Status: "submitted"})
	if err != nil || len(board.Rows) != 1 {
		t.Fatalf("board: %+v %v", board, err)
	}
	im, err := a.Sync.SubmittedImage(f.c1, s0.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if b := collectFileBytes(t, im); !bytes.Equal(b, pngImage) {
		t.Fatal("image preview differs")
	}
	acc, err := a.Sync.Accept(SyncAcceptInput{CompanyID: f.c1, SubmissionID: s0.ID, NumberDoc: "mynumber_card",
		IdentityDocs: []string{"mynumber_card"}, ImageKinds: []string{"mynumber_card"}})
	if err != nil || acc.Status != "registered" || acc.Masked[f.dep] != "**** **** 1018" {
		t.Fatalf("accept: %+v %v", acc, err)
	}

	// Nothing readable at rest: no check-digit-valid number, no image bytes.
	files := f.vaultBytes(t)
	filepath.Walk(stateDir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			files[p], _ = os.ReadFile(p)
		}
		return nil
	})
	for p, b := range files {
		if _, ok := mynumber.ContainsValidIndividual(b); ok {
			t.Errorf("%s holds a check-digit-valid number", filepath.Base(p))
		}
		if bytes.Contains(b, pngImage[16:]) || bytes.Contains(b, []byte("PRIVATE KEY")) {
			t.Errorf("%s holds the image or a private key", filepath.Base(p))
		}
	}
}
