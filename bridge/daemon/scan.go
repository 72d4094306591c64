// Scanners (eSCL) and the hot-folder inbox.
//
// # Scanning
//
// POST /v1/scan runs one job on a configured eSCL scanner and answers with the pages. Pages
// exist only in memory: they are never written by the bridge, and their buffers are cleared
// once the answer is written. A job is bounded in pages and bytes (too_large beyond), and
// each scanner runs one job at a time (scanner_busy for a second request).
//
// # What the inbox guarantees
//
// A scanner that can only drop files into a folder (Config.HotFolder) is served by a
// devices/scanner Watcher. For each settled file the bridge:
//
//  1. refuses it, leaving it in the folder with a device last error, unless its first bytes
//     say JPEG, PNG, PDF or TIFF (and the Watcher refuses links, non-plain files and files
//     over the size limit the same way);
//  2. seals the bytes in memory with sealbox to the app's inbox key (aad
//     "shelter-inbox|<id>"), one item per page (a TIFF's pages become PNG pages), then clears
//     the buffers;
//  3. writes each page's StateDir()/inbox/<id>.box, then one take record <rid>.take (the
//     folder, the file's size and SHA-256, the items: no page bytes), then each page's
//     sidecar <id>.json (name, contentType, size, received), each to a temporary file that is
//     fsynced and renamed, and fsyncs the directory; the take record's rename is the commit
//     point, and an item is listed only once its sidecar is there;
//  4. only then lets the Watcher remove the original from the folder, and removes the take
//     record after it.
//
// So a page is sealed and durable before its original is removed, and plaintext page bytes
// never touch the state directory. The bridge holds only the public key: it cannot open what
// it sealed. Without a key no file is read and every file stays in the folder; the hotfolder
// device says "waiting for the app's inbox key".
//
// A file is taken exactly once, whatever kills the bridge (TestInboxTakeKilledAtEveryStep):
// before the commit point, the original is still in the folder and is taken again under new
// ids, and the boxes of the interrupted take are deleted when the watcher next starts. After
// it, the watcher's start writes the sidecars the take is missing, and the original, found
// again in the folder by its size and digest, is removed without being sealed again; a page
// the app already consumed (its box deleted) does not come back.

package daemon

import (
	"context"
	"crypto/ecdh"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mynumber-shelter/shelter/bridge"

	"github.com/mynumber-shelter/shelter/devices/scanner"
)

// Limits of one scan job and timings; scanState fields override them (tests).
const (
	DefaultScanMaxPages     = 50
	DefaultScanMaxPageBytes = 16 << 20
	DefaultScanMaxBytes     = 64 << 20
	scanTimeout             = 10 * time.Minute
	probeTimeout            = 3 * time.Second
)

// scanState returns the Server's scanner and inbox state (a field of Server).
func (s *Server) scanState() *scanState { return &s.scanSt }

// scanState is the running scanner clients and hot-folder watcher of one Server.
type scanState struct {
	applyMu  sync.Mutex         // serialises applyScanConfig, inbox key changes and stopScan
	hooked   bool               // stopScan runs when Serve ends; guarded by applyMu
	folder   string             // Config.HotFolder; guarded by applyMu
	shown    string             // the hotfolder device in the panel; guarded by applyMu
	watch    *watchRun          // guarded by applyMu
	probeEnd context.CancelFunc // ends the last apply's probes; guarded by applyMu
	probes   sync.WaitGroup

	mu       sync.Mutex // guards scanners, names and key
	scanners map[string]*scannerEntry
	names    []string        // configured order
	key      *ecdh.PublicKey // the app's inbox key; nil = none

	// Zero means the default; tests shorten them before the first applyScanConfig.
	maxPages     int
	maxPageBytes int64
	maxBytes     int64
	busy         scanner.Backoff
	settle       time.Duration
	interval     time.Duration
	retry        time.Duration    // before restarting a watcher whose folder went away
	now          func() time.Time // the watcher's clock, for settling; nil means Server.Now
	rand         io.Reader
}

// scannerEntry is one configured scanner.
type scannerEntry struct {
	cfg      bridge.ScannerConfig
	client   scanner.Client // copied per job
	cfgErr   error          // the configuration cannot be used (bad URL or CAPEM)
	scanning atomic.Bool

	mu    sync.Mutex
	caps  *scanner.Capabilities // from the last good probe
	model string
	jobs  int // jobs started so far; a probe that began before the last one records nothing
}

// applyScanConfig starts, changes or stops the scanners and the hot folder for c. It is safe
// to call repeatedly and concurrently with requests; unchanged scanners keep their client
// (and any job in progress), and the watcher restarts only when the folder changed.
func (s *Server) applyScanConfig(c bridge.Config) {
	s.init()
	st := s.scanState()
	st.applyMu.Lock()
	defer st.applyMu.Unlock()
	if !st.hooked {
		// Stop with Serve: its background group waits for this goroutine.
		s.mu.Lock()
		ctx, stopped := s.bgCtx, s.bgStopped
		s.mu.Unlock()
		if stopped || ctx != nil && ctx.Err() != nil {
			return // Serve has ended; nothing would stop what this started
		}
		if ctx != nil {
			st.hooked = true
			s.goBackground(func(ctx context.Context) {
				<-ctx.Done()
				s.stopScan()
			})
		}
	}
	s.applyScanners(st, c.Scanners)
	st.folder = c.HotFolder
	st.mu.Lock()
	if st.key == nil {
		st.key = s.loadInboxKey()
	}
	st.mu.Unlock()
	s.reconcileWatcher(st, false)
}

// stopScan stops the watcher and the probes and forgets the scanners; for Serve's shutdown.
func (s *Server) stopScan() {
	st := s.scanState()
	st.applyMu.Lock()
	s.applyScanners(st, nil)
	st.folder = ""
	s.reconcileWatcher(st, false)
	st.hooked = false
	st.applyMu.Unlock()
}

// applyScanners replaces the scanner set and re-probes it. The caller holds st.applyMu.
func (s *Server) applyScanners(st *scanState, cfgs []bridge.ScannerConfig) {
	if st.probeEnd != nil {
		st.probeEnd()
		st.probes.Wait()
		st.probeEnd = nil
	}
	st.mu.Lock()
	old := st.scanners
	next := make(map[string]*scannerEntry, len(cfgs))
	var names []string
	for _, sc := range cfgs {
		if sc.Name == "" || next[sc.Name] != nil {
			continue // ValidateConfig refuses these
		}
		e := old[sc.Name]
		if e == nil || e.cfg != sc {
			e = newScannerEntry(sc, st.busy)
		}
		next[sc.Name] = e
		names = append(names, sc.Name)
	}
	st.scanners, st.names = next, names
	st.mu.Unlock()
	for name, e := range old {
		if next[name] != e {
			e.close()
		}
		if next[name] == nil {
			s.removeDevice("scanner", name)
		}
	}
	if len(next) == 0 {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	st.probeEnd = cancel
	for _, e := range next {
		st.probes.Add(1)
		go func() {
			defer st.probes.Done()
			s.probeScanner(ctx, e)
		}()
	}
}

func newScannerEntry(sc bridge.ScannerConfig, busy scanner.Backoff) *scannerEntry {
	e := &scannerEntry{cfg: sc}
	hc, err := scannerHTTP(sc)
	e.cfgErr = err // a bad URL fails in the scanner client, with its own message
	e.client = scanner.Client{BaseURL: sc.URL, HTTP: hc, Busy: busy}
	return e
}

func (e *scannerEntry) close() {
	if e.client.HTTP != nil {
		e.client.HTTP.CloseIdleConnections()
	}
}

// errScannerCert: the scanner's certificate is not the pinned one (ScannerConfig.CAPEM).
var errScannerCert = errors.New("the scanner's certificate does not match the pinned certificate")

// scannerHTTP is the one place that sets the TLS policy for talking to scanners. With CAPEM
// the scanner must present exactly one of the pinned certificates (its self-signed one; its
// dates and host name are not checked, since scanners rarely get either right and the pin is
// the trust) or a chain to one of them; without CAPEM the system roots and the host name
// apply. Proxies are never used: scanners are on the local network.
func scannerHTTP(sc bridge.ScannerConfig) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	if sc.CAPEM != "" {
		pinned, err := parseCerts(sc.CAPEM)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		for _, c := range pinned {
			pool.AddCert(c)
		}
		tr.TLSClientConfig.InsecureSkipVerify = true // VerifyConnection below does the checking
		tr.TLSClientConfig.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errScannerCert
			}
			leaf := cs.PeerCertificates[0]
			for _, c := range pinned {
				if leaf.Equal(c) {
					return nil
				}
			}
			inter := x509.NewCertPool()
			for _, c := range cs.PeerCertificates[1:] {
				inter.AddCert(c)
			}
			if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, Intermediates: inter}); err != nil {
				return fmt.Errorf("%w: %v", errScannerCert, err)
			}
			return nil
		}
	}
	return &http.Client{Transport: tr}, nil
}

func parseCerts(p string) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for b, rest := pem.Decode([]byte(p)); b != nil; b, rest = pem.Decode(rest) {
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("scanner certificate: %w", err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("scanner certificate: no PEM certificate found")
	}
	return out, nil
}

// probeScanner asks a scanner for its capabilities and status and records its device state,
// unless ctx ended (the scanner was reconfigured) or a job ran meanwhile (setScannerDevice).
func (s *Server) probeScanner(ctx context.Context, e *scannerEntry) (*scanner.Capabilities, bridge.DeviceState) {
	d := bridge.DeviceState{Kind: "scanner", Name: e.cfg.Name}
	if e.cfgErr != nil {
		d.State, d.LastError = "error", "the configuration cannot be used: "+e.cfgErr.Error()
		s.setScannerDevice(e, -1, d)
		return nil, d
	}
	e.mu.Lock()
	jobs, caps, model, busy := e.jobs, e.caps, e.model, e.scanning.Load()
	e.mu.Unlock()
	if busy {
		d.State, d.Detail = "busy", model
		return caps, d
	}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	caps, err := e.client.Capabilities(ctx)
	var st *scanner.Status
	if err == nil {
		st, err = e.client.Status(ctx)
	}
	if ctx.Err() == context.Canceled {
		return nil, d
	}
	if err != nil {
		d.State, d.LastError = "absent", "the scanner does not answer"
		if !unreachable(err) {
			d.State, d.LastError = "error", err.Error()
		}
		s.setScannerDevice(e, jobs, d)
		return nil, d
	}
	e.mu.Lock()
	e.caps, e.model = caps, caps.MakeAndModel
	e.mu.Unlock()
	d.Detail = caps.MakeAndModel
	switch {
	case st.ADF == scanner.ADFJam || st.ADF == scanner.ADFMispick || st.ADF == scanner.ADFMultipick:
		d.State, d.LastError = "error", "paper jam in the document feeder"
	case st.State == scanner.StateStopped || st.State == scanner.StateDown:
		d.State, d.LastError = "error", "the scanner reports "+string(st.State)
	case st.State == scanner.StateProcessing:
		d.State = "busy"
	default:
		d.State = "ok"
	}
	s.setScannerDevice(e, jobs, d)
	return caps, d
}

// setScannerDevice records d for e unless e was replaced or removed (applyScanners swaps the
// set under st.mu, then removes the devices: a late probe or job cannot put one back), or,
// for a probe that began after e's probeJobs-th job (-1: not a probe), a job started since:
// the probe's answer may predate it (a jam not yet seen, the job still running).
func (s *Server) setScannerDevice(e *scannerEntry, probeJobs int, d bridge.DeviceState) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if probeJobs >= 0 && (e.jobs != probeJobs || e.scanning.Load()) {
		return
	}
	st := s.scanState()
	st.mu.Lock()
	if st.scanners[e.cfg.Name] == e {
		s.setDevice(d)
	}
	st.mu.Unlock()
}

// unreachable reports whether err means the scanner could not be reached at all (as opposed
// to answering wrongly or failing the certificate check).
func unreachable(err error) bool {
	var he *scanner.HTTPError
	var cv *tls.CertificateVerificationError
	switch {
	case errors.As(err, &he), errors.Is(err, scanner.ErrMalformed), errors.Is(err, errScannerCert), errors.As(err, &cv):
		return false
	}
	var ue *url.Error
	return errors.As(err, &ue) || errors.Is(err, context.DeadlineExceeded)
}

func (s *Server) listScanners(w http.ResponseWriter, r *http.Request) {
	st := s.scanState()
	st.mu.Lock()
	entries := make([]*scannerEntry, len(st.names))
	for i, n := range st.names {
		entries[i] = st.scanners[n]
	}
	st.mu.Unlock()
	out := make([]bridge.ScannerInfo, len(entries))
	var wg sync.WaitGroup
	for i, e := range entries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			caps, d := s.probeScanner(r.Context(), e)
			out[i] = scannerInfo(e.cfg, caps, d.State)
		}()
	}
	wg.Wait()
	writeJSON(w, http.StatusOK, out)
}

// standardDPI are the resolutions offered from a scanner that states a range.
var standardDPI = []int{75, 100, 150, 200, 300, 400, 600, 1200}

func scannerInfo(sc bridge.ScannerConfig, caps *scanner.Capabilities, state string) bridge.ScannerInfo {
	if state == "" {
		state = "absent"
	}
	info := bridge.ScannerInfo{Name: sc.Name, URL: sc.URL, State: state, Sources: []string{}, Resolutions: []int{}}
	if caps == nil {
		return info
	}
	if caps.HasPlaten() {
		info.Sources = append(info.Sources, string(scanner.Platen))
	}
	if caps.HasFeeder() {
		info.Sources = append(info.Sources, string(scanner.Feeder))
	}
	info.Duplex = caps.HasFeeder() && caps.Duplex
	for _, src := range []*scanner.SourceCaps{caps.Platen, caps.Feeder, caps.FeederDuplex} {
		if src == nil {
			continue
		}
		for _, r := range src.Resolutions {
			if r.X == r.Y && !slices.Contains(info.Resolutions, r.X) {
				info.Resolutions = append(info.Resolutions, r.X)
			}
		}
		if src.ResolutionRange != nil {
			for _, dpi := range standardDPI {
				if src.SupportsResolution(dpi) && !slices.Contains(info.Resolutions, dpi) {
					info.Resolutions = append(info.Resolutions, dpi)
				}
			}
		}
	}
	slices.Sort(info.Resolutions)
	return info
}

// errScanTooLarge: the job's pages together exceed the byte limit.
var errScanTooLarge = errors.New("the scanned pages exceed the size limit")

func scanSettings(req bridge.ScanRequest) (scanner.Settings, *bridge.Error) {
	set := scanner.Settings{Source: scanner.InputSource(req.Source), Duplex: req.Duplex,
		ColorMode: scanner.ColorMode(req.Color), Resolution: req.DPI}
	switch set.Source {
	case "":
		set.Source = scanner.Platen
	case scanner.Platen, scanner.Feeder:
	default:
		return set, &bridge.Error{Code: "bad_request", Message: `source must be "Platen" or "Feeder"`}
	}
	switch set.ColorMode {
	case "", scanner.RGB24, scanner.Grayscale8:
	default:
		return set, &bridge.Error{Code: "bad_request", Message: `color must be "RGB24" or "Grayscale8"`}
	}
	if req.DPI < 0 || req.DPI > 1200 {
		return set, &bridge.Error{Code: "bad_request", Message: "dpi must be between 1 and 1200"}
	}
	return set, nil
}

// pick returns the named scanner, or the only one.
func (st *scanState) pick(name string) (*scannerEntry, *bridge.Error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if name == "" && len(st.names) == 1 {
		name = st.names[0]
	}
	if e := st.scanners[name]; e != nil {
		return e, nil
	}
	if name == "" && len(st.names) > 1 {
		return nil, &bridge.Error{Code: "no_scanner", Message: "several scanners are configured; choose one"}
	}
	return nil, &bridge.Error{Code: "no_scanner", Message: "no such scanner is configured"}
}

func (s *Server) scan(w http.ResponseWriter, r *http.Request) {
	var req bridge.ScanRequest
	if e := readJSON(r, &req); e != nil {
		writeErr(w, http.StatusBadRequest, e)
		return
	}
	set, apiErr := scanSettings(req)
	if apiErr != nil {
		writeErr(w, http.StatusBadRequest, apiErr)
		return
	}
	st := s.scanState()
	e, apiErr := st.pick(req.Scanner)
	if apiErr != nil {
		writeErr(w, http.StatusNotFound, apiErr)
		return
	}
	if e.cfgErr != nil {
		writeErr(w, http.StatusServiceUnavailable, &bridge.Error{Code: "scan_error", Message: "the scanner's configuration cannot be used"})
		return
	}
	if !e.scanning.CompareAndSwap(false, true) {
		writeErr(w, http.StatusConflict, &bridge.Error{Code: "scanner_busy", Message: "the scanner is already scanning"})
		return
	}
	defer e.scanning.Store(false)
	name := e.cfg.Name
	e.mu.Lock()
	e.jobs++ // from now on no probe that began before this job records its state
	model := e.model
	e.mu.Unlock()
	s.setScannerDevice(e, -1, bridge.DeviceState{Kind: "scanner", Name: name, State: "busy", Detail: model})

	c := e.client
	c.MaxPages = orDefault(st.maxPages, DefaultScanMaxPages)
	c.MaxPageBytes = orDefault(st.maxPageBytes, DefaultScanMaxPageBytes)
	maxBytes := orDefault(st.maxBytes, DefaultScanMaxBytes)
	var pages []bridge.ScannedPage
	var total int64
	defer func() {
		for _, p := range pages {
			clear(p.Data)
		}
	}()
	ctx, cancel := context.WithTimeout(r.Context(), scanTimeout)
	defer cancel()
	err := c.Scan(ctx, set, func(p scanner.Page) error {
		total += int64(len(p.Data))
		if total > maxBytes {
			clear(p.Data)
			return errScanTooLarge
		}
		pages = append(pages, bridge.ScannedPage{ContentType: p.ContentType, Data: p.Data})
		s.publish(bridge.Event{Type: bridge.EventScanProgress, Device: name, Step: len(pages)})
		return nil
	})
	d := bridge.DeviceState{Kind: "scanner", Name: name, State: "ok", Detail: model}
	if err != nil {
		status, apiErr := scanError(err)
		s.Log.Info("scan failed", "scanner", name, "code", apiErr.Code, "err", err)
		s.publish(bridge.Event{Type: bridge.EventScanDone, Device: name, Message: apiErr.Code, Step: len(pages)})
		switch apiErr.Code {
		case "no_scanner":
			d.State = "absent"
		case "jam":
			d.State = "error"
		case "scanner_busy":
			d.State = "busy"
		}
		if errors.Is(err, errScannerCert) {
			d.State = "error"
		}
		d.LastError = apiErr.Message
		s.setScannerDevice(e, -1, d)
		if r.Context().Err() != nil {
			return
		}
		if len(pages) > 0 && apiErr.Code != "too_large" {
			// A feeder that jams on the tenth sheet has read nine: they are the user's to keep
			// or to scan again, not to lose.
			writeJSON(w, http.StatusOK, bridge.ScanResult{Pages: pages, Stopped: apiErr})
			return
		}
		writeErr(w, status, apiErr)
		return
	}
	s.publish(bridge.Event{Type: bridge.EventScanDone, Device: name, Message: "ok", Step: len(pages)})
	s.setScannerDevice(e, -1, d)
	writeJSON(w, http.StatusOK, bridge.ScanResult{Pages: pages})
}

func orDefault[T ~int | ~int64](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}

// scanErrors maps devices/scanner errors to the API's codes, with messages fit for the handler
// that carry nothing from the document; the first match wins.
var scanErrors = []struct {
	err       error
	status    int
	code, msg string
}{
	{errScanTooLarge, http.StatusRequestEntityTooLarge, "too_large", tooLarge},
	{scanner.ErrPageTooLarge, http.StatusRequestEntityTooLarge, "too_large", tooLarge},
	{scanner.ErrTooManyPages, http.StatusRequestEntityTooLarge, "too_large", tooLarge},
	{scanner.ErrJammed, http.StatusConflict, "jam", "paper jam in the document feeder; clear it and scan again"},
	{scanner.ErrScannerBusy, http.StatusConflict, "scanner_busy", "the scanner is busy with another job"},
	{scanner.ErrFeederEmpty, http.StatusConflict, "scan_error", "there is no paper in the document feeder"},
	{scanner.ErrCoverOpen, http.StatusConflict, "scan_error", "a cover of the scanner is open"},
	{scanner.ErrScannerDown, http.StatusConflict, "scan_error", "the scanner reports that it is stopped"},
	{scanner.ErrJobAborted, http.StatusConflict, "scan_error", "the scanner aborted the job"},
	{scanner.ErrNoPages, http.StatusConflict, "scan_error", "the scanner delivered no pages"},
	{errScannerCert, http.StatusBadGateway, "scan_error", errScannerCert.Error()},
}

const tooLarge = "the scan has too many pages or bytes; scan fewer sheets at a time"

func scanError(err error) (int, *bridge.Error) {
	var se *scanner.SettingsError
	if errors.As(err, &se) {
		return http.StatusBadRequest, &bridge.Error{Code: "scan_error", Message: se.EN}
	}
	for _, m := range scanErrors {
		if errors.Is(err, m.err) {
			return m.status, &bridge.Error{Code: m.code, Message: m.msg}
		}
	}
	if unreachable(err) {
		return http.StatusServiceUnavailable, &bridge.Error{Code: "no_scanner", Message: "the scanner does not answer"}
	}
	return http.StatusBadGateway, &bridge.Error{Code: "scan_error", Message: "the scan failed"}
}
