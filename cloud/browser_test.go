package cloud

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/device"

	"github.com/mynumber-shelter/shelter/internal/testenv"
)

// phoneBrowser drives one headless Chromium tab emulating a phone (iPhone 8: 375×667, mobile
// user agent, touch) against a relay on loopback. Chromium trusts exactly the relay's server
// key (--ignore-certificate-errors-spki-list), nothing else. Every helper fails the test.
type phoneBrowser struct {
	t   *testing.T
	ctx context.Context
}

const phoneStep = 20 * time.Second

func startPhoneBrowser(t *testing.T, r *relay) *phoneBrowser {
	t.Helper()
	path := testenv.Chromium(t)
	leaf, err := x509.ParseCertificate(r.pki.Server.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	pin := sha256.Sum256(leaf.RawSubjectPublicKeyInfo)
	// Not t.TempDir: Chromium's helpers may write to the profile for a moment after exit.
	profile, err := os.MkdirTemp("", "shelter-phone-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(375, 667),
		chromedp.Flag("ignore-certificate-errors-spki-list", base64.StdEncoding.EncodeToString(pin[:])),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "ja-JP"),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
		for range 20 {
			if os.RemoveAll(profile) == nil {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	// The first Run starts the browser and must use the long-lived context: cancelling the
	// context of the first Run closes the browser.
	if err := chromedp.Run(ctx, chromedp.Emulate(device.IPhone8)); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return &phoneBrowser{t: t, ctx: ctx}
}

func tid(id string) string { return `[data-testid="` + id + `"]` }

func (b *phoneBrowser) run(what string, actions ...chromedp.Action) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, phoneStep)
	defer cancel()
	if err := chromedp.Run(ctx, actions...); err != nil {
		b.screenshot("failure")
		b.t.Fatalf("%s: %v", what, err)
	}
}

// screenshot saves the viewport under build/test-artifacts (best effort).
func (b *phoneBrowser) screenshot(name string) {
	var png []byte
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	if chromedp.Run(ctx, chromedp.CaptureScreenshot(&png)) == nil {
		dir := filepath.Join("..", "build", "test-artifacts")
		if os.MkdirAll(dir, 0o755) == nil {
			os.WriteFile(filepath.Join(dir, "phone-"+name+".png"), png, 0o644)
		}
	}
}

func (b *phoneBrowser) navigate(url string) { b.t.Helper(); b.run("open page", chromedp.Navigate(url)) }

func (b *phoneBrowser) waitVisible(id string) {
	b.t.Helper()
	b.run("wait for "+id, chromedp.WaitVisible(tid(id), chromedp.ByQuery))
}

func (b *phoneBrowser) click(id string) {
	b.t.Helper()
	b.run("tap "+id, chromedp.Click(tid(id), chromedp.ByQuery, chromedp.NodeVisible))
}

// fill types ASCII key by key; other text (entered through an IME) is set with input events.
func (b *phoneBrowser) fill(id, value string) {
	b.t.Helper()
	if !isASCIIText(value) {
		b.set(id, value)
		return
	}
	s := tid(id)
	b.run("type into "+id, chromedp.WaitVisible(s, chromedp.ByQuery),
		chromedp.Evaluate(fmt.Sprintf(`document.querySelector(%q).value = ""`, s), nil),
		chromedp.SendKeys(s, value, chromedp.ByQuery))
}

// set sets a value (a date, a select, IME text) and fires input and change.
func (b *phoneBrowser) set(id, value string) {
	b.t.Helper()
	s := tid(id)
	b.run("set "+id, chromedp.WaitVisible(s, chromedp.ByQuery), chromedp.SetValue(s, value, chromedp.ByQuery),
		chromedp.Evaluate(fmt.Sprintf(`{ const e = document.querySelector(%q);
			e.dispatchEvent(new Event("input", {bubbles: true})); e.dispatchEvent(new Event("change", {bubbles: true})); }`, s), nil))
}

func isASCIIText(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func (b *phoneBrowser) text(id string) string {
	b.t.Helper()
	var s string
	b.eval(fmt.Sprintf(`(document.querySelector(%q) || {}).textContent || ""`, tid(id)), &s)
	return s
}

func (b *phoneBrowser) eval(js string, res any) {
	b.t.Helper()
	b.run("evaluate", chromedp.Evaluate(js, res, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
}

func (b *phoneBrowser) waitText(id, want string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, phoneStep)
	defer cancel()
	err := chromedp.Run(ctx, chromedp.PollFunction(
		`(s, want) => { const e = document.querySelector(s); return !!e && e.textContent.includes(want); }`,
		nil, chromedp.WithPollingArgs(tid(id), want), chromedp.WithPollingInterval(50*time.Millisecond)))
	if err != nil {
		b.screenshot("failure")
		b.t.Fatalf("waiting for %s to show %q: %v; it shows %q", id, want, err, b.text(id))
	}
}

func (b *phoneBrowser) disabled(id string) bool {
	b.t.Helper()
	var d bool
	b.eval(fmt.Sprintf(`document.querySelector(%q).disabled`, tid(id)), &d)
	return d
}
