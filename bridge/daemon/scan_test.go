package daemon

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/bridge"

	"github.com/mynumber-shelter/shelter/devices/scanner"
	simescl "github.com/mynumber-shelter/shelter/devices/sim/escl"
	"github.com/mynumber-shelter/shelter/internal/keychain"
)

// scanServer starts a bridge on a real Unix socket with its state in a temp dir and fast
// scanner and watcher timings; tune may change them further before it starts. stop ends
// Serve and waits for it (it also runs at cleanup).
func scanServer(t *testing.T, tune func(*scanState)) (srv *Server, c *bridge.Client, stop func()) {
	t.Helper()
	return scanServerAt(t, t.TempDir(), tune)
}

// scanServerAt is scanServer on an existing state directory.
func scanServerAt(t *testing.T, state string, tune func(*scanState)) (srv *Server, c *bridge.Client, stop func()) {
	t.Helper()
	t.Setenv("SHELTER_BRIDGE_STATE", state)
	srv = &Server{Keychain: &keychain.Mem{}, OpenPCSC: noPCSC, ConfigPath: filepath.Join(state, "bridge.json")}
	st := srv.scanState()
	st.busy = scanner.Backoff{Initial: time.Millisecond, Max: 4 * time.Millisecond, Budget: 2 * time.Second}
	st.settle, st.interval, st.retry = 150*time.Millisecond, 10*time.Millisecond, 50*time.Millisecond
	if tune != nil {
		tune(st)
	}
	c, stop = runBridge(t, srv)
	return srv, c, stop
}

// serveSim serves sim over loopback TLS and returns its config (URL and pinned certificate).
func serveSim(t *testing.T, name string, sim *simescl.Scanner) bridge.ScannerConfig {
	t.Helper()
	return serveHandler(t, name, sim)
}

// serveHandler is serveSim for any handler (a simulator wrapped by the test).
func serveHandler(t *testing.T, name string, h http.Handler) bridge.ScannerConfig {
	t.Helper()
	ts := httptest.NewUnstartedServer(h)
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // the pinning test's refused handshakes
	ts.StartTLS()
	t.Cleanup(ts.Close)
	p := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw})
	return bridge.ScannerConfig{Name: name, URL: ts.URL + "/eSCL", CAPEM: string(p)}
}

func device(srv *Server, kind, name string) (bridge.DeviceState, bool) {
	for _, d := range srv.deviceStates() {
		if d.Kind == kind && d.Name == name {
			return d, true
		}
	}
	return bridge.DeviceState{}, false
}

// waitFor polls cond for up to 30 s: generous, since CI runs on two busy cores.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// scanEvents collects scan events from ch until scan_done.
func scanEvents(t *testing.T, ch <-chan bridge.Event) []bridge.Event {
	t.Helper()
	var got []bridge.Event
	timeout := time.After(5 * time.Second)
	for {
		select {
		case e, ok := <-ch:
			if !ok {
				t.Fatal("event stream ended")
			}
			if e.Type == bridge.EventScanProgress || e.Type == bridge.EventScanDone {
				got = append(got, e)
			}
			if e.Type == bridge.EventScanDone {
				return got
			}
		case <-timeout:
			t.Fatalf("no scan_done; got %+v", got)
		}
	}
}

func TestScanDuplexFeeder(t *testing.T) {
	srv, c, _ := scanServer(t, nil)
	ctx := context.Background()
	sim := &simescl.Scanner{Sheets: 2}
	sc := serveSim(t, "desk", sim)
	if err := c.SetConfig(ctx, bridge.Config{Scanners: []bridge.ScannerConfig{sc}}); err != nil {
		t.Fatal(err)
	}
	list, err := c.Scanners(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []bridge.ScannerInfo{{Name: "desk", URL: sc.URL, State: "ok", Sources: []string{"Platen", "Feeder"}, Duplex: true,
		Resolutions: []int{75, 150, 200, 300, 600}}}
	if !reflect.DeepEqual(list, want) {
		t.Fatalf("scanners = %+v\nwant %+v", list, want)
	}

	evctx, cancel := context.WithCancel(ctx)
	defer cancel()
	events, err := c.Events(evctx)
	if err != nil {
		t.Fatal(err)
	}
	pages, err := c.Scan(ctx, bridge.ScanRequest{Scanner: "desk", Source: "Feeder", Duplex: true, Color: "Grayscale8", DPI: 200})
	if err != nil {
		t.Fatal(err)
	}
	served := sim.Served()
	if len(pages) != 4 || len(served) != 4 {
		t.Fatalf("got %d pages, simulator served %d", len(pages), len(served))
	}
	for i, p := range pages {
		if sha256.Sum256(p.Data) != served[i].SHA256 || p.ContentType != served[i].ContentType || p.ContentType != "image/jpeg" {
			t.Errorf("page %d is not the simulator's page %d (sheet %d back %v)", i+1, served[i].Page, served[i].Sheet, served[i].Back)
		}
	}
	got := sim.Settings()[0]
	if got.InputSource != "Feeder" || !got.Duplex || got.ColorMode != "Grayscale8" || got.XResolution != 200 {
		t.Errorf("the scanner received %+v", got)
	}
	evs := scanEvents(t, events)
	var steps []int
	for _, e := range evs {
		if e.Device != "desk" {
			t.Errorf("event for %q", e.Device)
		}
		steps = append(steps, e.Step)
	}
	if !reflect.DeepEqual(steps, []int{1, 2, 3, 4, 4}) || evs[4].Message != "ok" {
		t.Errorf("events %+v", evs)
	}
	if d, _ := device(srv, "scanner", "desk"); d.State != "ok" || !strings.Contains(d.Detail, "simulator") {
		t.Errorf("device %+v", d)
	}
}

func TestScanErrors(t *testing.T) {
	srv, c, _ := scanServer(t, func(st *scanState) {
		st.busy = scanner.Backoff{Initial: 10 * time.Millisecond, Max: 10 * time.Millisecond, Budget: 300 * time.Millisecond}
		st.maxPages = 3
		st.maxBytes = 8 << 20 // the simulator sends pages of the requested size: A4 pages of a few hundred KB
	})
	ctx := context.Background()
	jam := &simescl.Scanner{Sheets: 3, JamAfter: 2}
	// slow holds its page until the test opens the gate: a job on it runs as long as the test
	// needs, however slow the machine.
	gate, slowSim := make(chan struct{}), &simescl.Scanner{}
	var openGate sync.Once
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/NextDocument") {
			<-gate
		}
		slowSim.ServeHTTP(w, r)
	})
	stuck := &simescl.Scanner{Busy: 1 << 20} // never ready
	many := &simescl.Scanner{Sheets: 4}      // one page over maxPages
	big := &simescl.Scanner{Sheets: 2, PageBytes: 5 << 20}
	empty := &simescl.Scanner{}
	dead := net.JoinHostPort("127.0.0.1", "1") // nothing listens on port 1
	cfg := bridge.Config{Scanners: []bridge.ScannerConfig{serveSim(t, "jam", jam), serveHandler(t, "slow", slow), serveSim(t, "stuck", stuck),
		serveSim(t, "many", many), serveSim(t, "big", big), serveSim(t, "empty", empty),
		{Name: "dead", URL: "https://" + dead + "/eSCL"}}}
	// Registered after the servers' Close, so it runs first: Close waits for the held request.
	t.Cleanup(func() { openGate.Do(func() { close(gate) }) })
	other := serveSim(t, "pinned", &simescl.Scanner{})
	other.CAPEM = selfSignedPEM(t)
	cfg.Scanners = append(cfg.Scanners, other)
	if err := c.SetConfig(ctx, cfg); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		req       bridge.ScanRequest
		code      string
		state     string // device state after the failure
		lastError string
		pages     int // read before the failure and kept for the user
	}{
		{bridge.ScanRequest{Scanner: "jam", Source: "Feeder"}, "jam", "error", "paper jam", 2},
		{bridge.ScanRequest{Scanner: "stuck"}, "scanner_busy", "busy", "busy", 0},
		{bridge.ScanRequest{Scanner: "many", Source: "Feeder"}, "too_large", "ok", "too many pages", 0},
		{bridge.ScanRequest{Scanner: "big", Source: "Feeder"}, "too_large", "ok", "too many pages or bytes", 0},
		{bridge.ScanRequest{Scanner: "empty", Source: "Feeder"}, "scan_error", "ok", "no paper", 0},
		{bridge.ScanRequest{Scanner: "dead"}, "no_scanner", "absent", "does not answer", 0},
		{bridge.ScanRequest{Scanner: "pinned"}, "scan_error", "error", "certificate", 0},
		{bridge.ScanRequest{Scanner: "nope"}, "no_scanner", "", "", 0},
		{bridge.ScanRequest{}, "no_scanner", "", "", 0}, // several scanners: a name is needed
		{bridge.ScanRequest{Scanner: "jam", Source: "Glass"}, "bad_request", "", "", 0},
		{bridge.ScanRequest{Scanner: "jam", Color: "CMYK"}, "bad_request", "", "", 0},
		{bridge.ScanRequest{Scanner: "empty", Duplex: true}, "scan_error", "ok", "feeder", 0}, // duplex needs the feeder
	}
	for _, tt := range tests {
		pages, err := c.Scan(ctx, tt.req)
		var stopped *bridge.ScanStopped
		if code(err) != tt.code || len(pages) != tt.pages || (tt.pages > 0) != errors.As(err, &stopped) {
			t.Errorf("%+v: %d pages, err %v; want code %s and %d pages", tt.req, len(pages), err, tt.code, tt.pages)
			continue
		}
		if tt.state == "" {
			continue
		}
		d, _ := device(srv, "scanner", tt.req.Scanner)
		if d.State != tt.state || !strings.Contains(d.LastError, tt.lastError) {
			t.Errorf("%s: device %+v, want state %s and last error with %q", tt.req.Scanner, d, tt.state, tt.lastError)
		}
	}
	if len(jam.Served()) != 2 || len(many.Canceled()) != 1 || len(big.Canceled()) != 1 {
		t.Errorf("jam served %d pages; many cancelled %d jobs, big %d", len(jam.Served()), len(many.Canceled()), len(big.Canceled()))
	}

	// The jammed feeder shows in the device panel on the next probe; clearing it clears it.
	list, _ := c.Scanners(ctx)
	states := map[string]string{}
	for _, s := range list {
		states[s.Name] = s.State
	}
	if states["jam"] != "error" || states["dead"] != "absent" || states["pinned"] != "error" || states["slow"] != "ok" {
		t.Errorf("states %v", states)
	}
	jam.ClearJam()
	if list, _ := c.Scanners(ctx); list[0].State != "ok" {
		t.Errorf("after clearing the jam: %+v", list[0])
	}

	// One job at a time per scanner.
	done := make(chan error, 1)
	go func() {
		_, err := c.Scan(ctx, bridge.ScanRequest{Scanner: "slow"})
		done <- err
	}()
	waitFor(t, "the slow scanner to be busy", func() bool { d, _ := device(srv, "scanner", "slow"); return d.State == "busy" })
	if _, err := c.Scan(ctx, bridge.ScanRequest{Scanner: "slow"}); code(err) != "scanner_busy" {
		t.Errorf("second scan on a busy scanner: %v", err)
	}
	if list, _ := c.Scanners(ctx); list[1].State != "busy" || len(list[1].Sources) != 2 {
		t.Errorf("busy scanner listed as %+v", list[1])
	}
	openGate.Do(func() { close(gate) })
	if err := <-done; err != nil {
		t.Errorf("first scan: %v", err)
	}
	if pages, err := c.Scan(ctx, bridge.ScanRequest{Scanner: "slow"}); err != nil || len(pages) != 1 {
		t.Errorf("scan after the first ended: %d pages, %v", len(pages), err)
	}
}

// selfSignedPEM is a certificate no simulator presents.
func selfSignedPEM(t *testing.T) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "other scanner"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// TestApplyScanConfigConcurrent changes the config while requests run, then removes
// everything: the watcher's goroutine must end and the devices leave the panel.
func TestApplyScanConfigConcurrent(t *testing.T) {
	srv, c, stop := scanServer(t, nil)
	ctx := context.Background()
	sim := &simescl.Scanner{}
	a, b := serveSim(t, "a", sim), serveSim(t, "b", &simescl.Scanner{})
	folder := t.TempDir()
	key := newInboxKey(t)
	if err := c.SetInboxKey(ctx, key.PublicKey().Bytes()); err != nil {
		t.Fatal(err)
	}
	cfgs := []bridge.Config{{Scanners: []bridge.ScannerConfig{a}, HotFolder: folder}, {Scanners: []bridge.ScannerConfig{a, b}}, {Scanners: []bridge.ScannerConfig{b}, HotFolder: folder}}
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 5 {
				switch (i + j) % 3 {
				case 0:
					srv.applyScanConfig(cfgs[(i+j)%len(cfgs)])
				case 1:
					c.Scanners(ctx)
					c.Devices(ctx)
				case 2:
					c.Scan(ctx, bridge.ScanRequest{Scanner: "a"})
				}
			}
		}()
	}
	wg.Wait()

	srv.applyScanConfig(cfgs[0])
	st := srv.scanState()
	st.applyMu.Lock()
	w := st.watch
	st.applyMu.Unlock()
	if w == nil {
		t.Fatal("no watcher for the hot folder")
	}
	srv.applyScanConfig(bridge.Config{})
	select {
	case <-w.done:
	default:
		t.Fatal("the watcher's goroutine is still running after the hot folder was removed")
	}
	for _, d := range srv.deviceStates() {
		if d.Kind == "scanner" || d.Kind == "hotfolder" {
			t.Errorf("device left in the panel: %+v", d)
		}
	}

	// Serve's end stops the watcher too.
	srv.applyScanConfig(cfgs[0])
	st.applyMu.Lock()
	w = st.watch
	st.applyMu.Unlock()
	stop()
	select {
	case <-w.done:
	default:
		t.Error("the watcher outlived Serve")
	}
}

// TestScanProbeAfterJob: a probe whose answer predates a job must not overwrite the state the
// job recorded. The background probe that a config change starts reads the scanner's status
// before the feeder jams, and its answer arrives only after the jammed job has ended.
func TestScanProbeAfterJob(t *testing.T) {
	srv, c, _ := scanServer(t, nil)
	ctx := context.Background()
	sim := &simescl.Scanner{Sheets: 3, JamAfter: 2}
	held, release := make(chan struct{}), make(chan struct{})
	var holdOnce, releaseOnce sync.Once
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/ScannerStatus") {
			sim.ServeHTTP(w, r)
			return
		}
		hold := false
		holdOnce.Do(func() { hold = true })
		if !hold {
			sim.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		sim.ServeHTTP(rec, r) // the status now: idle, no jam
		close(held)
		<-release
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	})
	sc := serveHandler(t, "jam", h)
	t.Cleanup(func() { releaseOnce.Do(func() { close(release) }) }) // before the server's Close
	if err := c.SetConfig(ctx, bridge.Config{Scanners: []bridge.ScannerConfig{sc}}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-held:
	case <-time.After(30 * time.Second):
		t.Fatal("the config change did not probe the scanner")
	}
	if _, err := c.Scan(ctx, bridge.ScanRequest{Scanner: "jam", Source: "Feeder"}); code(err) != "jam" {
		t.Fatalf("scan: %v, want a jam", err)
	}
	releaseOnce.Do(func() { close(release) })
	st := srv.scanState()
	st.probes.Wait() // the held probe has finished
	if d, _ := device(srv, "scanner", "jam"); d.State != "error" || !strings.Contains(d.LastError, "paper jam") {
		t.Errorf("device after a stale probe: %+v, want the jam", d)
	}
}

// TestScanFeederBatchEnds: a feeder batch ends the way the scanner ends it — 404 for the
// request after the last page, or 409 with the feeder empty and the job completed (HP and
// others) — and every page arrives; a device that fails mid-read after two pages gives the two
// pages and says why the rest is missing.
func TestScanFeederBatchEnds(t *testing.T) {
	_, c, _ := scanServer(t, nil)
	ctx := context.Background()
	notFound := &simescl.Scanner{Sheets: 3, End: simescl.EndNotFound}
	conflict := &simescl.Scanner{Sheets: 3, End: simescl.EndConflict}
	failing := &simescl.Scanner{Sheets: 4, FailPage: 3}
	if err := c.SetConfig(ctx, bridge.Config{Scanners: []bridge.ScannerConfig{serveSim(t, "notfound", notFound), serveSim(t, "conflict", conflict),
		serveSim(t, "failing", failing)}}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"notfound", "conflict"} {
		pages, err := c.Scan(ctx, bridge.ScanRequest{Scanner: name, Source: "Feeder"})
		if err != nil || len(pages) != 3 {
			t.Errorf("%s: %d pages, %v", name, len(pages), err)
		}
	}
	pages, err := c.Scan(ctx, bridge.ScanRequest{Scanner: "failing", Source: "Feeder"})
	var stopped *bridge.ScanStopped
	if len(pages) != 2 || !errors.As(err, &stopped) || stopped.Reason.Code != "scan_error" {
		t.Errorf("failing mid-read: %d pages, %v", len(pages), err)
	}
}

// TestScanOutlastsTheRequestTimeout: a feeder batch on a slow scanner takes longer than the
// client's per-request timeout and still comes back whole (the scan is bounded by its context
// only, not cut by a fixed client timeout).
func TestScanOutlastsTheRequestTimeout(t *testing.T) {
	_, c, _ := scanServer(t, nil)
	ctx := context.Background()
	const timeout = 300 * time.Millisecond
	sim := &simescl.Scanner{Sheets: 3, BeforePage: func(n int) {
		if n == 2 {
			<-time.After(2 * timeout) // a slow sheet: the batch outlasts one request's timeout
		}
	}}
	if err := c.SetConfig(ctx, bridge.Config{Scanners: []bridge.ScannerConfig{serveSim(t, "slow", sim)}}); err != nil {
		t.Fatal(err)
	}
	short := &bridge.Client{Path: c.Path, Timeout: timeout}
	if _, err := short.Status(ctx); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	pages, err := short.Scan(ctx, bridge.ScanRequest{Scanner: "slow", Source: "Feeder"})
	if err != nil || len(pages) != 3 {
		t.Fatalf("a slow feeder batch: %d pages, %v", len(pages), err)
	}
	if took := time.Since(start); took < 2*timeout {
		t.Fatalf("the batch took %v: the slow sheet was not slow, the test proves nothing", took)
	}
}
