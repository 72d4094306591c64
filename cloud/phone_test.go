package cloud

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/mynumber-shelter/shelter/internal/mynumber"
	"github.com/mynumber-shelter/shelter/internal/otp"
	"github.com/mynumber-shelter/shelter/internal/sealbox"
)

// Obviously fake test numbers (check digits right): self, dependent 1, dependent 2.
const (
	selfNumber = "123456789018"
	dep1Number = "987654321093"
	dep2Number = "111111111118"
)

// testPhoto writes a 2400×1800 PNG (bigger than the page keeps) and returns its path and bytes.
func testPhoto(t *testing.T) (string, []byte) {
	img := image.NewRGBA(image.Rect(0, 0, 2400, 1800))
	for y := range 1800 {
		for x := range 2400 {
			img.Set(x, y, color.RGBA{uint8(x / 10), uint8(y / 8), uint8((x ^ y) & 0xff), 0xff})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "card.png")
	if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p, buf.Bytes()
}

// openOnly lists the company's submissions as the bridge does, expects exactly one from
// employee, and opens it with the company's private key.
func openOnly(t *testing.T, r *relay, e *employer, employee string) (Item, SubmissionPlaintext) {
	t.Helper()
	items := e.submissions(r)
	if len(items) != 1 || items[0].Employee != employee {
		t.Fatalf("submissions: %d, want one from %s", len(items), employee)
	}
	pt, err := sealbox.Open(e.key, SubmissionAAD(e.company, employee), items[0].Body)
	if err != nil {
		t.Fatalf("opening the phone's box: %v", err)
	}
	var sub SubmissionPlaintext
	if err := json.Unmarshal(pt, &sub); err != nil {
		t.Fatalf("submission plaintext is not the contract's JSON: %v", err)
	}
	return items[0], sub
}

// login logs in on the page as E001 with the password typed the way people do.
func (b *phoneBrowser) loginAs(code string) {
	b.t.Helper()
	b.waitVisible("login-company")
	b.fill("login-code", code)
	b.fill("login-password", "abcd-efgh-jk23")
	b.click("login-submit")
}

func (b *phoneBrowser) purposesAndSelf(number string) {
	b.t.Helper()
	b.waitVisible("screen-purposes")
	b.click("purposes-ack")
	b.click("purposes-next")
	b.waitVisible("self-number")
	b.fill("self-number", number)
	b.waitText("self-hint", "確認しました")
	b.click("self-next")
	b.waitVisible("screen-dependents")
}

func (b *phoneBrowser) photoReviewSubmit(photo string) {
	b.t.Helper()
	b.click("deps-next")
	b.waitVisible("screen-photos")
	b.run("attach the photo", chromedp.SetUploadFiles(tid("photo-input"), []string{photo}, chromedp.ByQuery))
	b.waitText("photo-hint", "1枚")
	b.click("photos-next")
	b.waitVisible("screen-review")
}

func TestPhoneSubmission(t *testing.T) {
	r := startRelay(t, nil)
	e := r.employer("c1", time.Now().Add(24*time.Hour), "E001")
	b := startPhoneBrowser(t, r)
	photo, photoBytes := testPhoto(t)

	b.navigate(r.url + "/e/?c=c1")
	b.waitVisible("screen-login")
	var company string
	b.eval(`document.querySelector('[data-testid="login-company"]').value`, &company)
	if company != "c1" {
		t.Fatalf("company ID prefilled as %q", company)
	}
	var width int
	b.eval(`window.innerWidth`, &width)
	if width != 375 {
		t.Fatalf("viewport is %d px wide, want a phone's 375", width)
	}
	b.fill("login-password", "WRONG-WRONG-22")
	b.fill("login-code", "E001")
	b.click("login-submit")
	b.waitText("login-error", "正しくありません")

	b.loginAs("E001")
	b.waitVisible("screen-purposes")
	if got := b.text("purposes-list"); !strings.Contains(got, "源泉徴収票等の作成事務") || !strings.Contains(b.text("company-name"), "株式会社サンプル") {
		t.Fatalf("purposes: %q", got)
	}
	if !b.disabled("purposes-next") {
		t.Fatal("next enabled before the purposes were acknowledged")
	}
	b.purposesAndSelf("1234 5678 9018")
	b.screenshot("1-self")

	// Two dependents: one typed in full-width digits, one with a wrong check digit fixed after the hint.
	b.click("dep-add")
	b.set("dep-0-name", "見本 花子")
	b.set("dep-0-relation", "配偶者")
	b.set("dep-0-birthDate", "1990-05-01")
	b.set("dep-0-number", "９８７６ ５４３２ １０９３")
	b.waitText("dep-0-hint", "確認しました")
	b.click("dep-add")
	b.set("dep-1-name", "見本 太郎")
	b.set("dep-1-relation", "子")
	b.set("dep-1-birthDate", "2015-08-20")
	b.fill("dep-1-number", dep2Number[:11]+"0")
	b.waitText("dep-1-hint", "正しくありません")
	if !b.disabled("deps-next") {
		t.Fatal("next enabled with a wrong check digit")
	}
	b.screenshot("2-check-digit")
	b.fill("dep-1-number", dep2Number)
	b.waitText("dep-1-hint", "確認しました")
	b.photoReviewSubmit(photo)

	if got := b.text("review-self"); got != "**** **** 9018" {
		t.Fatalf("review shows the own number as %q", got)
	}
	if got := b.text("review-dep-0"); !strings.Contains(got, "**** **** 1093") || !strings.Contains(got, "見本 花子") {
		t.Fatalf("review shows dependent 1 as %q", got)
	}
	var page string
	b.eval(`document.body.innerText`, &page)
	for _, n := range []string{selfNumber, dep1Number, dep2Number} {
		if strings.Contains(page, n) {
			t.Fatal("the review shows a whole number")
		}
	}
	b.screenshot("3-review")
	b.click("submit")
	b.waitVisible("screen-status")
	b.waitText("status-title", "提出済み")

	// Everything entered is gone from the page.
	var leftovers []string
	b.eval(`[...document.querySelectorAll("main input, main select")].filter(e => e.id !== "login-company" && (e.type === "checkbox" ? e.checked : e.value)).map(e => e.id || e.dataset.testid)`, &leftovers)
	var rows int
	b.eval(`document.querySelectorAll("#deps-list *, #photo-list *, #review-list *").length`, &rows)
	if len(leftovers) != 0 || rows != 0 {
		t.Fatalf("after submitting the page still holds %v and %d rendered elements", leftovers, rows)
	}

	// The bridge opens what the phone sealed.
	first, sub := openOnly(t, r, e, "E001")
	if sub.V != 1 || sub.Company != "c1" || sub.Employee != "E001" || sub.Self.Number != selfNumber || len(sub.Dependents) != 2 ||
		strings.Join(sub.Acknowledged, ",") != "tax,social" {
		t.Fatalf("submission: v%d %s/%s, %d dependents, ack %v", sub.V, sub.Company, sub.Employee, len(sub.Dependents), sub.Acknowledged)
	}
	if _, err := time.Parse(time.RFC3339, sub.SubmittedAt); err != nil {
		t.Fatalf("submittedAt: %v", err)
	}
	want := []SubmittedDependent{{"見本 花子", "配偶者", "1990-05-01", dep1Number}, {"見本 太郎", "子", "2015-08-20", dep2Number}}
	for i, d := range sub.Dependents {
		if d != want[i] {
			t.Errorf("dependent %d differs from what was typed (name %v, relation %v, birth date %v, number %v)", i,
				d.Name == want[i].Name, d.Relation == want[i].Relation, d.BirthDate == want[i].BirthDate, d.Number == want[i].Number)
		}
	}
	if len(sub.Images) != 1 || sub.Images[0].ContentType != "image/jpeg" {
		t.Fatalf("images: %d", len(sub.Images))
	}
	jpg := sub.Images[0].Data
	img, err := jpeg.Decode(bytes.NewReader(jpg))
	if err != nil {
		t.Fatalf("the photo does not decode as JPEG: %v", err)
	}
	if bnd := img.Bounds(); bnd.Dx() != 1600 || bnd.Dy() != 1200 {
		t.Fatalf("photo is %v, want downscaled to 1600×1200", bnd)
	}

	// Send back; the employee sees the reason at the next login and submits again.
	reason := "マイナンバーカードの裏面の写真が不鮮明です。明るい所で撮り直してください。"
	e.put(r, "/employees/E001/sendback", SendBackRequest{Reason: reason}, http.StatusNoContent)
	b.click("logout")
	b.waitVisible("screen-login")
	b.loginAs("E001")
	b.waitVisible("screen-status")
	b.waitText("status-reason", reason)
	b.screenshot("4-returned")
	b.click("status-again")
	b.purposesAndSelf(selfNumber)
	b.photoReviewSubmit(photo)
	b.click("submit")
	b.waitText("status-title", "提出済み")
	second, sub2 := openOnly(t, r, e, "E001")
	if second.ID <= first.ID || sub2.Self.Number != selfNumber || len(sub2.Dependents) != 0 || len(sub2.Images) != 1 {
		t.Fatalf("resubmission: id %d after %d, %d dependents, %d images", second.ID, first.ID, len(sub2.Dependents), len(sub2.Images))
	}

	// Acknowledged by the bridge: the page says received.
	if code, _, _ := do(t, e.client, "DELETE", fmt.Sprintf("%s/v1/bridge/companies/c1/submissions/%d", r.url, second.ID), nil); code != http.StatusNoContent {
		t.Fatalf("ack: %d", code)
	}
	// 受付 ended the session: the page asks for the login again, then says received.
	b.navigate(r.url + "/e/?c=c1")
	b.waitVisible("screen-login")
	b.loginAs("E001")
	b.waitText("status-title", "受け付けました")

	// Nothing is kept on the phone but the HttpOnly session cookie, and the URL holds only c.
	var state struct {
		Local, Session, IDB, Caches int
		Search, Hash, Cookie        string
	}
	b.eval(`(async () => ({Local: localStorage.length, Session: sessionStorage.length,
		IDB: (await indexedDB.databases()).length, Caches: (await caches.keys()).length,
		Search: location.search, Hash: location.hash, Cookie: document.cookie}))()`, &state)
	if state.Local != 0 || state.Session != 0 || state.IDB != 0 || state.Caches != 0 || state.Search != "?c=c1" || state.Hash != "" || state.Cookie != "" {
		t.Fatalf("the phone keeps %+v", state)
	}
	var cookies []*network.Cookie
	b.run("read cookies", chromedp.ActionFunc(func(ctx context.Context) error {
		var err error
		cookies, err = network.GetCookies().Do(ctx)
		return err
	}))
	for _, c := range cookies {
		if c.Name != sessionCookie || !c.HTTPOnly || !c.Secure || c.SameSite != network.CookieSameSiteStrict {
			t.Errorf("cookie %s (HttpOnly %v, Secure %v, SameSite %v)", c.Name, c.HTTPOnly, c.Secure, c.SameSite)
		}
	}

	// The relay's database files and logs never held a number, the photo or the password.
	scanRelay(t, r, photoBytes, jpg)
}

// scanRelay fails if the relay's SQLite files (db, -wal, -shm) or its logs hold a
// check-digit-valid 12-digit string, a piece of either image, or the one-time password.
func scanRelay(t *testing.T, r *relay, images ...[]byte) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(r.dbDir, "relay.db*"))
	if len(files) < 2 {
		t.Fatalf("expected the database and its WAL, found %v", files)
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
		if off, ok := mynumber.ContainsValidIndividual(b); ok {
			t.Errorf("%s holds a check-digit-valid 12-digit string at offset %d", name, off)
		}
		for i, img := range images {
			for _, at := range []int{len(img) / 3, len(img) / 2, len(img) - 64} {
				if bytes.Contains(b, img[at:at+32]) {
					t.Errorf("%s holds bytes of image %d", name, i)
				}
			}
		}
		for _, s := range []string{testOTP, "abcd-efgh-jk23", selfNumber, dep1Number, dep2Number,
			base64.StdEncoding.EncodeToString([]byte(selfNumber))} {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s holds a secret in clear", name)
			}
		}
	}
	checkLogLines(t, r.logs.Bytes())
}

// TestSealboxJS seals in Chromium with cloud/web/sealbox.js and opens with internal/sealbox;
// it also checks mynumber.js against internal/mynumber.
func TestSealboxJS(t *testing.T) {
	r := startRelay(t, nil)
	b := startPhoneBrowser(t, r)
	b.navigate(r.url + "/e/")
	b.waitVisible("screen-login")

	k, err := sealbox.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	aad := "shelter-submission|v1|c1|E001"
	for _, size := range []int{0, 1, 1000, 300_000} {
		pt := bytes.Repeat([]byte("番号"), size/6+1)[:size]
		var boxB64 string
		b.eval(fmt.Sprintf(`(async () => {
			const m = await import(location.origin + "/e/sealbox.js");
			const dec = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
			const box = await m.seal(dec(%q), new TextEncoder().encode(%q), dec(%q));
			let s = ""; for (const x of box) s += String.fromCharCode(x);
			return btoa(s);
		})()`, base64.StdEncoding.EncodeToString(k.PublicKey().Bytes()), aad, base64.StdEncoding.EncodeToString(pt)), &boxB64)
		box, err := base64.StdEncoding.DecodeString(boxB64)
		if err != nil {
			t.Fatal(err)
		}
		if len(box) != len(pt)+sealbox.Overhead {
			t.Fatalf("box of %d bytes for %d", len(box), len(pt))
		}
		got, err := sealbox.Open(k, []byte(aad), box)
		if err != nil || !bytes.Equal(got, pt) {
			t.Fatalf("size %d: Go cannot open the browser's box: %v", size, err)
		}
		if _, err := sealbox.Open(k, []byte("shelter-submission|v1|c1|E002"), box); err == nil {
			t.Fatal("opened under another aad")
		}
	}

	// mynumber.js agrees with internal/mynumber and collect.NormalizeOTP.
	inputs := []string{"123456789018", "１２３４５６７８９０１８", "1234-5678-9018", "1234 5678 9018", "1234ー5678ー9018",
		"123456789010", "12345678901", "1234567890188", "12345678901a", "", "　１２３４　５６７８　９０１８　", "987654321093"}
	var js []struct {
		N     string
		Valid bool
		Mask  string
	}
	in, _ := json.Marshal(inputs)
	b.eval(fmt.Sprintf(`(async () => { const m = await import(location.origin + "/e/mynumber.js");
		return %s.map((s) => ({N: m.normalize(s), Valid: m.isValid(s), Mask: m.mask(s)})); })()`, in), &js)
	for i, s := range inputs {
		if js[i].N != mynumber.Normalize(s) || js[i].Valid != mynumber.IsValidIndividual(s) || js[i].Mask != mynumber.Mask(s) {
			t.Errorf("input #%d: mynumber.js says valid=%v, Go says %v (normalised or masked forms differ: %v %v)", i,
				js[i].Valid, mynumber.IsValidIndividual(s), js[i].N != mynumber.Normalize(s), js[i].Mask != mynumber.Mask(s))
		}
	}
	otps := []string{"abcd-efgh-jk23", "ＡＢＣＤ－ＥＦＧＨ－ＪＫ２３", " ABCD EFGH JK23 ", "abcdーefghーjk23", "ABCD\u3000EFGH\tJK23"}
	var gotOTP []string
	in, _ = json.Marshal(otps)
	b.eval(fmt.Sprintf(`(async () => { const m = await import(location.origin + "/e/mynumber.js"); return %s.map(m.normalizeOTP); })()`, in), &gotOTP)
	for i, s := range otps {
		if gotOTP[i] != testOTP || otp.Normalize(s) != testOTP {
			t.Errorf("OTP form #%d normalises to %q in JS, %q in Go", i, gotOTP[i], otp.Normalize(s))
		}
	}
}
