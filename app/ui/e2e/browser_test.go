package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

const (
	chromiumPath = "/usr/bin/chromium"
	// stepTimeout bounds every wait for the page to show something.
	stepTimeout = 15 * time.Second
)

// browser drives one Chromium tab. Every helper fails the test (after a screenshot of the
// failure) instead of returning an error: a step that cannot happen ends the story.
type browser struct {
	t         *testing.T
	ctx       context.Context
	artifacts string
	shots     int
}

// startBrowser launches headless Chromium with a fresh profile, or skips the test when the
// browser is missing (fails under SHELTER_REQUIRE_BROWSER=1).
func startBrowser(t *testing.T, artifacts string) *browser {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		skipOrFail(t, "chromium not installed at "+chromiumPath)
	}
	// Not t.TempDir: Chromium's helpers may still write to the profile for a moment after the
	// browser exits, which would fail TempDir's strict cleanup.
	profile, err := os.MkdirTemp("", "shelter-e2e-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "ja-JP"),
		// A computer set to another time zone: what the user sees must still be Japan time.
		chromedp.Env("TZ=America/Los_Angeles"),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1366, 900),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 5*time.Minute)
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
	if err := chromedp.Run(ctx, chromedp.EmulateViewport(1366, 900)); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return &browser{t: t, ctx: ctx, artifacts: artifacts}
}

func skipOrFail(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("SHELTER_REQUIRE_BROWSER") == "1" {
		t.Fatal(why + " (SHELTER_REQUIRE_BROWSER=1)")
	}
	t.Skip(why)
}

func sel(testid string) string { return `[data-testid="` + testid + `"]` }

// run performs actions; on error it saves a screenshot and fails with what.
func (b *browser) run(what string, actions ...chromedp.Action) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Run(ctx, actions...); err != nil {
		b.failShot()
		b.t.Fatalf("%s: %v", what, err)
	}
}

// failShot saves the page as it was when a step failed.
func (b *browser) failShot() {
	var png []byte
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	if chromedp.Run(ctx, chromedp.CaptureScreenshot(&png)) == nil {
		_ = os.WriteFile(filepath.Join(b.artifacts, "e2e-failure.png"), png, 0o644)
	}
}

// shot saves a numbered screenshot of the viewport.
func (b *browser) shot(name string) {
	b.t.Helper()
	var png []byte
	b.run("screenshot "+name, chromedp.CaptureScreenshot(&png))
	b.shots++
	p := filepath.Join(b.artifacts, fmt.Sprintf("e2e-%02d-%s.png", b.shots, name))
	if err := os.WriteFile(p, png, 0o644); err != nil {
		b.t.Fatalf("saving screenshot: %v", err)
	}
}

func (b *browser) navigate(url string) { b.t.Helper(); b.run("open "+url, chromedp.Navigate(url)) }

func (b *browser) waitVisible(testid string) {
	b.t.Helper()
	b.run("wait for "+testid, chromedp.WaitVisible(sel(testid), chromedp.ByQuery))
}

// waitAny waits until one of the elements is visible and returns its test id.
func (b *browser) waitAny(testids ...string) string {
	b.t.Helper()
	sels := make([]string, len(testids))
	for i, id := range testids {
		sels[i] = sel(id)
	}
	var found string
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	err := chromedp.Run(ctx, chromedp.PollFunction(
		`(sels) => { for (const s of sels) { const e = document.querySelector(s); if (e && e.offsetParent !== null) return e.dataset.testid; } return false; }`,
		&found, chromedp.WithPollingArgs(sels), chromedp.WithPollingInterval(50*time.Millisecond)))
	if err != nil {
		b.failShot()
		b.t.Fatalf("waiting for any of %v: %v", testids, err)
	}
	return found
}

func (b *browser) waitGone(testid string) {
	b.t.Helper()
	b.run("wait for "+testid+" to go", chromedp.WaitNotPresent(sel(testid), chromedp.ByQuery))
}

// waitHidden waits until the element is on the page but not shown.
func (b *browser) waitHidden(testid string) {
	b.t.Helper()
	b.run("wait for "+testid+" to hide", chromedp.WaitNotVisible(sel(testid), chromedp.ByQuery))
}

// click clicks the element as a user would. A screen that redraws between finding the element
// and clicking it (a list refreshed by an event) replaces the node; the click is then made on
// the new one, as a user's next click would be, within the step's time.
func (b *browser) click(testid string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	for {
		err := chromedp.Run(ctx, chromedp.Click(sel(testid), chromedp.ByQuery, chromedp.NodeVisible))
		if err == nil {
			return
		}
		if !strings.Contains(err.Error(), "Could not find node with given id") || ctx.Err() != nil {
			b.failShot()
			b.t.Fatalf("click %s: %v", testid, err)
		}
	}
}

// fill replaces a text input's value the way a user would: ASCII is typed key by key; other
// text (Japanese, which a user enters through an IME) is set as by [browser.set].
func (b *browser) fill(testid, value string) {
	b.t.Helper()
	if !isASCII(value) {
		b.set(testid, value)
		return
	}
	s := sel(testid)
	// (chromedp.SetValue cannot set "": it sends the empty argument as undefined.)
	b.run("fill "+testid, chromedp.WaitVisible(s, chromedp.ByQuery),
		chromedp.Evaluate(fmt.Sprintf(`document.querySelector(%q).value = ""`, s), nil),
		chromedp.SendKeys(s, value, chromedp.ByQuery))
}

// set sets an input's value (a date picker's, or IME text) and fires input and change.
// set gives an input or a select a value as a user would, waiting until the element is shown
// and (for a select) has that option: screens fill their lists asynchronously and redraw them on
// device events, so a node found a moment earlier may already be replaced.
func (b *browser) set(testid, value string) {
	b.t.Helper()
	s := sel(testid)
	js := fmt.Sprintf(`(() => { const e = document.querySelector(%q);
		if (!e || e.offsetParent === null) return false;
		if (e.tagName === "SELECT" && ![...e.options].some(o => o.value === %q)) return false;
		e.value = %q;
		e.dispatchEvent(new Event("input", {bubbles: true})); e.dispatchEvent(new Event("change", {bubbles: true}));
		return e.value === %q; })()`, s, value, value, value)
	b.run("set "+testid, chromedp.Poll(js, nil, chromedp.WithPollingInterval(50*time.Millisecond)))
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// printPDF prints the page as the print dialog would (print stylesheet applied).
func (b *browser) printPDF() []byte {
	b.t.Helper()
	var pdf []byte
	b.run("print to PDF", chromedp.ActionFunc(func(ctx context.Context) error {
		var err error
		pdf, _, err = page.PrintToPDF().WithPreferCSSPageSize(true).Do(ctx)
		return err
	}))
	return pdf
}

// text returns the element's textContent ("" when absent).
func (b *browser) text(testid string) string {
	b.t.Helper()
	var s string
	b.run("read "+testid, chromedp.Evaluate(fmt.Sprintf(`(document.querySelector(%q) || {}).textContent || ""`, sel(testid)), &s))
	return s
}

// eval evaluates a JavaScript expression into res.
func (b *browser) eval(js string, res any) {
	b.t.Helper()
	b.run("evaluate", chromedp.Evaluate(js, res))
}

// waitText waits until the element's text contains want.
func (b *browser) waitText(testid, want string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	err := chromedp.Run(ctx, chromedp.PollFunction(
		`(s, want) => { const e = document.querySelector(s); return !!e && e.textContent.includes(want); }`,
		nil, chromedp.WithPollingArgs(sel(testid), want), chromedp.WithPollingInterval(50*time.Millisecond)))
	if err != nil {
		got := b.text(testid)
		b.failShot()
		b.t.Fatalf("waiting for %s to show %q: %v; it shows %q", testid, want, err, got)
	}
}
