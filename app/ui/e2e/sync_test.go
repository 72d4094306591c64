package e2e

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/mynumber-shelter/shelter/app/collect"
	"github.com/mynumber-shelter/shelter/app/ui"
	"github.com/mynumber-shelter/shelter/cloud"
	cloudstore "github.com/mynumber-shelter/shelter/cloud/store"
	"github.com/mynumber-shelter/shelter/internal/keychain"
	"github.com/mynumber-shelter/shelter/internal/sealbox"
)

// employeePhone is an employee's phone on the relay's /e/api (cookie session).
type employeePhone struct {
	t      *testing.T
	relay  string
	client *http.Client
}

func newPhone(t *testing.T, relayURL, caPEM string) *employeePhone {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM([]byte(caPEM))
	jar, _ := cookiejar.New(nil)
	return &employeePhone{t: t, relay: relayURL,
		client: &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Jar: jar, Timeout: 30 * time.Second}}
}

// status returns the HTTP status of a request as the phone page sends it.
func (p *employeePhone) status(method, path string) int {
	p.t.Helper()
	req, _ := http.NewRequest(method, p.relay+path, nil)
	req.Header.Set("Origin", p.relay)
	resp, err := p.client.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// do sends a request as the phone page does and decodes the Me it answers.
func (p *employeePhone) do(method, path, ct string, body []byte) cloud.Me {
	p.t.Helper()
	req, _ := http.NewRequest(method, p.relay+path, bytes.NewReader(body))
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	req.Header.Set("Origin", p.relay)
	resp, err := p.client.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	var me cloud.Me
	if resp.StatusCode != http.StatusOK {
		p.t.Fatalf("%s %s: HTTP %d", method, path, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&me); err != nil {
		p.t.Fatalf("%s %s: %v", method, path, err)
	}
	return me
}

func (p *employeePhone) login(company, code, password string) cloud.Me {
	b, _ := json.Marshal(cloud.LoginRequest{Company: company, Code: code, Password: password})
	return p.do("POST", "/e/api/login", "application/json", b)
}

// submit seals the submission to the company's key (as the page does with WebCrypto) and posts it.
func (p *employeePhone) submit(me cloud.Me, self string, dependents []map[string]string, img []byte, ack string) {
	p.t.Helper()
	raw, err := base64.StdEncoding.DecodeString(me.SubmissionKey)
	if err != nil {
		p.t.Fatal(err)
	}
	ek, err := ecdh.P256().NewPublicKey(raw)
	if err != nil {
		p.t.Fatal(err)
	}
	plain, _ := json.Marshal(map[string]any{"v": 1, "company": me.Company, "employee": me.Employee,
		"submittedAt": time.Now().UTC().Format(time.RFC3339), "self": map[string]string{"number": self}, "dependents": dependents,
		"images":       []map[string]string{{"name": "card.png", "contentType": "image/png", "data": base64.StdEncoding.EncodeToString(img)}},
		"acknowledged": []string{ack}})
	box, err := sealbox.Seal(nil, ek, collect.SubmissionAAD(me.Company, me.Employee), plain)
	if err != nil {
		p.t.Fatal(err)
	}
	p.do("POST", "/e/api/submission", "application/octet-stream", box)
}

// cardPhoto is a "photo" of a card: a PNG big enough to see in a screenshot.
func cardPhoto(t *testing.T) []byte {
	im := image.NewRGBA(image.Rect(0, 0, 240, 150))
	for y := range 150 {
		for x := range 240 {
			c := color.RGBA{0xe8, 0xf0, 0xfa, 0xff}
			if y < 30 {
				c = color.RGBA{0x1f, 0x5f, 0xa8, 0xff}
			} else if x > 170 && x < 225 && y > 50 && y < 130 {
				c = color.RGBA{0x99, 0x99, 0x99, 0xff}
			}
			im.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, im); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// otpsOf reads each employee's one-time password from the notice workbook (one sheet each).
func otpsOf(t *testing.T, f ui.CollectFile) map[string]string {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(f.Data)
	if err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	otp := regexp.MustCompile(`[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}`)
	code := regexp.MustCompile(`\bE00[0-9]\b`)
	out := map[string]string{}
	for _, sh := range x.GetSheetList() {
		rows, _ := x.GetRows(sh)
		var text strings.Builder
		for _, r := range rows {
			text.WriteString(strings.Join(r, "\t") + "\n")
		}
		if c, p := code.FindString(sh+"\n"+text.String()), otp.FindString(text.String()); c != "" && p != "" {
			out[c] = p
		}
	}
	return out
}

// TestBrowserSync is the online collection: the administrator enrols the bridge with the relay
// in M-5 with the operator's token and publishes the company; tanaka's STEP1 letters carry the
// passwords; two employees submit from their phones (sealed to the company's key); tanaka opens
// 1-3, sees both 提出済 with masked numbers and the photo, sends E002 back (a reason holding a
// number refused at the field; the relay then tells the phone "returned" with the reason) and
// accepts E001 → 登録済. Real relay on loopback TLS, real bridge, the OS keychain when present.
func TestBrowserSync(t *testing.T) {
	prepareShots(t, "sync")
	ctx := context.Background()

	// The relay on loopback TLS with a dev PKI and an enrolment token from the operator.
	rst, relayURL, caPEM := startRelay(t)
	token, _, err := cloud.NewEnrolToken(ctx, rst, cloudstore.Office{Name: officeName}, time.Hour, nil, nil)
	if err != nil {
		t.Fatal(err)
	}

	// The bridge (its relay client key in the OS keychain when there is one) and the app.
	socket := startBridge(t)
	cfg := shippedConfig(t, &keychain.Mem{})
	cfg.BridgeSocket, cfg.BridgeCommand = socket, []string{} // the test's own bridge
	app, err := ui.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = app.Close() })

	// Through the Go services: C001 with tanaka its 担当者; E001 (with a child) and E002.
	companyID, temp := staffCompany(t, app)
	firstLogin(t, app, "tanaka", temp["tanaka"], tanakaPassword)
	e1 := saveEmployee(t, app, ui.Employee{CompanyID: companyID, Code: "E001", Name: "山田 太郎", NameKana: "ヤマダ タロウ"})
	saveEmployee(t, app, ui.Employee{CompanyID: companyID, Code: "E002", Name: "鈴木 次郎", NameKana: "スズキ ジロウ"})
	if _, err := app.Employees.SaveDependent(ui.Dependent{CompanyID: companyID, EmployeeID: e1.ID, Relation: "child", Name: "山田 花子"}); err != nil {
		t.Fatal(err)
	}
	if err := app.Session.Logout(); err != nil {
		t.Fatal(err)
	}

	// --- M-5 as the administrator: a wrong token is refused at its field, the right one enrols.
	b, url := openBrowser(t, app)
	s := &storyShots{b: b, story: "sync"}
	b.navigate(url)
	loginAs(b, adminLogin, adminPassword)
	b.click("menu-M-5")
	b.waitVisible("sync-enrol-form")
	b.waitVisible("sync-not-enrolled")
	b.fill("sync-enrol-url", relayURL)
	b.set("sync-enrol-ca", caPEM)
	b.fill("sync-enrol-token", "not-the-token")
	b.click("sync-enrol")
	b.waitText("sync-enrol-token-error", "登録トークン")
	b.fill("sync-enrol-token", token)
	b.click("sync-enrol")
	b.waitText("sync-ok", "登録しました")
	b.waitVisible("sync-enrolled")
	b.waitText("sync-url", relayURL)
	b.click("sync-publish-C001")
	b.waitText("sync-ok", "公開しました")
	b.waitText("sync-portal-C001", relayURL+"/e/?c=c-")
	rc := strings.TrimSpace(b.text("sync-relay-company-C001"))
	if !strings.HasPrefix(rc, "c-") {
		t.Fatalf("relay company id %q", rc)
	}
	if _, err := rst.SubmissionKey(ctx, rc); err != nil {
		t.Fatalf("the relay has no submission key for %s: %v", rc, err)
	}
	s.shot("published")

	// --- STEP1 online (through Go, as tanaka): the letters carry the passwords; the accounts
	// reach the relay with the next round.
	if err := app.Session.Logout(); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Session.Login("tanaka", tanakaPassword); err != nil {
		t.Fatal(err)
	}
	purposes, err := app.Collect.Purposes()
	if err != nil || len(purposes) == 0 {
		t.Fatalf("purposes: %v", err)
	}
	n, err := app.Collect.CreateRequest(ui.CollectRequestInput{CompanyID: companyID, EmployeeIDs: []int64{e1.ID, employeeOf(t, app, companyID, "E002").ID},
		Purposes: []string{purposes[0].Code}, Online: true})
	if err != nil {
		t.Fatal(err)
	}
	otps := otpsOf(t, n.File)
	if otps["E001"] == "" || otps["E002"] == "" {
		t.Fatalf("passwords found for %d employees, want 2", len(otps))
	}
	if _, err := app.Sync.ImportSubmissions(companyID); err != nil { // hands the accounts to the relay
		t.Fatal(err)
	}

	// --- The phones: E001 with the child, E002 alone; both with a photo of the card.
	photo := cardPhoto(t)
	p1 := newPhone(t, relayURL, caPEM)
	me1 := p1.login(rc, "E001", otps["E001"])
	p1.submit(me1, "123456789018", []map[string]string{{"name": "山田 花子", "relation": "子", "birthDate": "", "number": "987654321018"}}, photo, purposes[0].Code)
	p2 := newPhone(t, relayURL, caPEM)
	me2 := p2.login(rc, "E002", otps["E002"])
	p2.submit(me2, fakeNumber(t, "11122233344"), []map[string]string{}, photo, purposes[0].Code)

	// --- tanaka in 1-3: opening the board imports both: 提出済, numbers masked, the photo shown.
	if err := app.Session.Logout(); err != nil {
		t.Fatal(err)
	}
	b.navigate(url)
	loginAs(b, "tanaka", tanakaPassword)
	b.click("menu-1-3")
	b.waitVisible("sub-panel")
	b.waitVisible("sub-item-E001")
	b.waitVisible("sub-item-E002")
	b.waitText("sub-E001-masked", "**** **** 9018")
	b.waitText("sub-E001-dep-0-masked", "**** **** 1018")
	b.waitText("col-status-E001", "提出済")
	b.waitText("col-status-E002", "提出済")
	if left, _ := rst.ListSubmissions(ctx, rc, 0, 0); len(left) != 0 {
		t.Fatalf("the relay still holds %d submissions after the import", len(left))
	}
	b.click("sub-E001-show-0")
	b.waitVisible("sub-E001-img-0")
	var w int
	b.eval(`document.querySelector('[data-testid="sub-E001-img-0"]').naturalWidth`, &w)
	if w != 240 {
		t.Fatalf("the preview is %d px wide, want the 240 px photo", w)
	}
	if html := b.text("sub-panel"); strings.Contains(html, "123456789018") || strings.Contains(html, "987654321018") {
		t.Fatal("the panel shows a number in clear")
	}
	s.shot("submitted")

	// --- 差戻し of E002: a reason holding a number is refused at the field; a plain one is sent
	// and the relay tells the phone.
	b.fill("sub-E002-reason", "番号 "+fakeNumber(t, "11122233344")+" を確認")
	b.click("sub-E002-sendback")
	b.waitText("sub-E002-reason-error", "個人番号")
	b.fill("sub-E002-reason", "写真がぼやけています。撮り直してください")
	b.click("sub-E002-sendback")
	b.waitText("col-notice", "差し戻しました")
	b.waitText("col-status-E002", "差戻し")
	b.waitGone("sub-item-E002")
	// The send-back reaches the relay, which ends E002's open session at once; at the next
	// login the phone shows the reason.
	ended := false
	for deadline := time.Now().Add(stepTimeout); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if ended = p2.status("GET", "/e/api/me") == http.StatusUnauthorized; ended {
			break
		}
	}
	if !ended {
		t.Fatal("E002's session outlived the send-back")
	}
	me := p2.login(rc, "E002", otps["E002"])
	if me.Status != "returned" || me.Reason != "写真がぼやけています。撮り直してください" {
		t.Fatalf("the relay tells E002 %q (%q), want returned with the reason", me.Status, me.Reason)
	}
	s.shot("sentback")

	// --- 受付 of E001: checked and registered in one step.
	b.click("sub-E001-accept")
	b.waitText("col-notice", "受付けました")
	b.waitText("col-status-E001", "登録済")
	b.waitVisible("sub-none")
	if eb := employeeOf(t, app, companyID, "E001"); eb.MaskedNumber != "**** **** 9018" {
		t.Fatalf("E001's number after 受付: %q", eb.MaskedNumber)
	}
	s.shot("accepted")
}
