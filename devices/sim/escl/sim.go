// Package simescl is a simulated eSCL (AirScan) network scanner: an http.Handler that answers
// like a flatbed-plus-duplex-feeder office scanner. Tests serve it with httptest.NewTLSServer
// or on loopback; the app's demo mode may serve it too, and then must say so on screen. It is
// never used silently in place of a real scanner.
//
// Pages are generated images of the size the settings ask for (the scan region, or A4, at the
// requested resolution: an A4 page at 300 dpi is megabytes, as from a real scanner), each
// different, so that tests can check order by hash against [Scanner.Served]. The simulator
// records the settings it received and the jobs it was asked to cancel.
//
// It ends jobs the ways real scanners do, so that clients are tested against each: a feeder
// batch ends with 404 Not Found ([EndNotFound]) or with 409 Conflict while ScannerStatus shows
// ScannerAdfEmpty and the job Completed ([EndConflict]); it can be busy (503, with or without
// Retry-After), jam its feeder, have its cover opened mid-batch, or fail while sending a page
// (200 with an empty or truncated body, then the job Aborted), and it can pad its pages to
// test size limits.
//
// It must never hold or produce a real document: everything it serves is synthetic.
package simescl

import (
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
)

// Scanner is the simulated scanner. Configure the exported fields before serving the first
// request; after that use the methods, which are safe for concurrent use. The zero value is
// a flatbed plus a duplex feeder with no paper loaded.
type Scanner struct {
	// MakeAndModel is pwg:MakeAndModel; default "MyNumber Shelter eSCL simulator (demo)".
	MakeAndModel string

	NoPlaten bool // leave the flatbed out of the capabilities
	NoFeeder bool // leave the document feeder out
	NoDuplex bool // the feeder scans one side only

	// Sheets is the number of sheets loaded in the feeder. A feeder job takes them all.
	Sheets int

	// Busy is how many times NextDocument answers 503 before each page is ready.
	Busy int

	// JamAfter makes the feeder jam once it has delivered this many pages of a job (0: never).
	// From then on NextDocument answers JamCode and ScannerStatus reports ScannerAdfJam until
	// ClearJam.
	JamAfter int
	// JamCode is the status NextDocument answers once jammed; default 409 Conflict. Some real
	// scanners answer 404 and report the jam only in ScannerStatus.
	JamCode int

	// End is how NextDocument answers once a feeder job has delivered its last page.
	End EndStyle

	// RetryAfter, when > 0, is sent as Retry-After (seconds) with every busy 503.
	RetryAfter int

	// CoverOpenAfter opens the feeder hatch once a feeder job has delivered this many pages
	// (0: never): NextDocument answers 409, ScannerStatus reports ScannerAdfHatchOpen and the
	// job is Aborted.
	CoverOpenAfter int

	// FailPage makes the device fail while sending this page of a job (1-based; 0: never):
	// NextDocument answers 200 with an empty body (or, with Truncate, a Content-Length for
	// the whole page and only half of it) and the job is Aborted, as real scanners do when the
	// sensor or the feeder fails mid-read.
	FailPage int
	Truncate bool

	// PageBytes pads every page with trailing zero bytes to at least this size (decoders
	// ignore bytes after the image's end); 0 means no padding.
	PageBytes int
	// BeforePage, when set, is called before each page is sent (n counts the pages of all
	// jobs from 1): a test holds a page back there to see what a slow scanner does.
	BeforePage func(n int)

	// Rand makes job UUIDs; default crypto/rand.Reader.
	Rand io.Reader

	once sync.Once
	mux  *http.ServeMux

	mu        sync.Mutex
	jobs      map[string]*job
	order     []string // job ids in creation order
	settings  []Settings
	canceled  []string
	served    []Served
	log       []string
	jammed    bool
	pagesSent int  // pages of all jobs, for BeforePage
	open      bool // the feeder hatch is open
}

// EndStyle is how a simulated feeder job ends.
type EndStyle int

// End styles of real scanners.
const (
	// EndNotFound answers the NextDocument after the last page with 404 Not Found.
	EndNotFound EndStyle = iota
	// EndConflict answers it with 409 Conflict; ScannerStatus shows the feeder empty and the
	// job Completed (HP and others).
	EndConflict
)

// Served records one page the simulator delivered.
type Served struct {
	Job         string   // job id (UUID)
	Page        int      // 1-based within the job
	Sheet       int      // 1-based sheet; 1 for the flatbed
	Back        bool     // the back side of a duplex sheet
	ContentType string   // media type sent
	Size        int      // bytes sent, padding included
	SHA256      [32]byte // of the bytes sent
}

type job struct {
	id        string
	settings  Settings
	total     int // pages this job will deliver
	delivered int
	busyLeft  int
	state     string // Processing, Completed, Canceled, Aborted
}

// ServeHTTP implements http.Handler under the path prefix /eSCL/.
func (s *Scanner) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.once.Do(s.init)
	rec := &recorder{ResponseWriter: w, code: http.StatusOK}
	s.mux.ServeHTTP(rec, r)
	s.mu.Lock()
	s.log = append(s.log, r.Method+" "+r.URL.Path+" "+strconv.Itoa(rec.code))
	s.mu.Unlock()
}

func (s *Scanner) init() {
	s.jobs = make(map[string]*job)
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("GET /eSCL/ScannerCapabilities", s.capabilities)
	s.mux.HandleFunc("GET /eSCL/ScannerStatus", s.status)
	s.mux.HandleFunc("POST /eSCL/ScanJobs", s.create)
	s.mux.HandleFunc("GET /eSCL/ScanJobs/{id}/NextDocument", s.nextDocument)
	s.mux.HandleFunc("DELETE /eSCL/ScanJobs/{id}", s.cancel)
}

// LoadSheets puts n more sheets into the feeder.
func (s *Scanner) LoadSheets(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Sheets += n
}

// ClearJam clears a feeder jam and closes the feeder hatch.
func (s *Scanner) ClearJam() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.jammed, s.open = false, false
}

// Settings returns the scan settings received so far, in order (including refused ones).
func (s *Scanner) Settings() []Settings {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Settings(nil), s.settings...)
}

// Canceled returns the ids of the jobs a client cancelled with DELETE, in order.
func (s *Scanner) Canceled() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.canceled...)
}

// Served returns every page delivered so far, in order.
func (s *Scanner) Served() []Served {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Served(nil), s.served...)
}

// Requests returns one line per request handled: "METHOD path status".
func (s *Scanner) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.log...)
}

// Jobs returns the ids of the jobs created so far, in order.
func (s *Scanner) Jobs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.order...)
}

func (s *Scanner) capabilities(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/xml")
	io.WriteString(w, s.capabilitiesXML()) //nolint:errcheck // client went away
}

func (s *Scanner) status(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	doc := s.statusXML()
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/xml")
	io.WriteString(w, doc) //nolint:errcheck // client went away
}

func (s *Scanner) create(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		http.Error(w, "reading body", http.StatusBadRequest)
		return
	}
	set, err := ParseSettings(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	id, err := s.uuid()
	if err != nil {
		http.Error(w, "uuid", http.StatusInternalServerError)
		return
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	s.settings = append(s.settings, set)
	if code, reason := s.refuse(set); code != 0 {
		http.Error(w, reason, code)
		return
	}
	j := &job{id: id, settings: set, total: 1, busyLeft: s.Busy, state: "Processing"}
	if set.InputSource == "Feeder" {
		j.total = s.Sheets
		if set.Duplex {
			j.total *= 2
		}
		s.Sheets = 0
	}
	s.jobs[id] = j
	s.order = append(s.order, id)
	w.Header().Set("Location", "/eSCL/ScanJobs/"+id)
	w.WriteHeader(http.StatusCreated)
}

// refuse says why the simulator will not start a job with set: 409 Conflict for settings or
// paper problems, 503 while another job runs; code 0 means it will.
func (s *Scanner) refuse(set Settings) (code int, reason string) {
	switch set.InputSource {
	case "Platen":
		if s.NoPlaten {
			return http.StatusConflict, "no platen"
		}
	case "Feeder":
		switch {
		case s.NoFeeder:
			return http.StatusConflict, "no feeder"
		case set.Duplex && s.NoDuplex:
			return http.StatusConflict, "no duplex"
		case s.jammed:
			return http.StatusConflict, "feeder jammed"
		case s.open:
			return http.StatusConflict, "feeder hatch open"
		case s.Sheets == 0:
			return http.StatusConflict, "feeder empty"
		}
	default:
		return http.StatusConflict, "unknown input source"
	}
	switch set.ColorMode {
	case "RGB24", "Grayscale8", "BlackAndWhite1":
	default:
		return http.StatusConflict, "unsupported colour mode"
	}
	if _, ok := formats[set.Format()]; !ok {
		return http.StatusConflict, "unsupported document format"
	}
	if set.XResolution != set.YResolution || !resolutionOK(set.XResolution) {
		return http.StatusConflict, "unsupported resolution"
	}
	for _, j := range s.jobs {
		if j.state == "Processing" {
			return http.StatusServiceUnavailable, "another job is running"
		}
	}
	return 0, ""
}

func (s *Scanner) nextDocument(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	j := s.jobs[r.PathValue("id")]
	if j == nil || j.state != "Processing" {
		end := j != nil && j.state == "Completed" && s.End == EndConflict
		s.mu.Unlock()
		if end {
			w.WriteHeader(http.StatusConflict)
			return
		}
		http.NotFound(w, r)
		return
	}
	feeder := j.settings.InputSource == "Feeder"
	if s.jammed || (s.JamAfter > 0 && feeder && j.delivered >= s.JamAfter && j.delivered < j.total) {
		s.jammed = true
		j.state = "Aborted"
		code := s.JamCode
		if code == 0 {
			code = http.StatusConflict
		}
		s.mu.Unlock()
		w.WriteHeader(code)
		return
	}
	if s.CoverOpenAfter > 0 && feeder && j.delivered >= s.CoverOpenAfter && j.delivered < j.total {
		s.open = true
		j.state = "Aborted"
		s.mu.Unlock()
		w.WriteHeader(http.StatusConflict)
		return
	}
	if j.delivered == j.total {
		j.state = "Completed"
		end := s.End
		s.mu.Unlock()
		if end == EndConflict && feeder {
			w.WriteHeader(http.StatusConflict)
			return
		}
		http.NotFound(w, r)
		return
	}
	if j.busyLeft > 0 {
		j.busyLeft--
		retry := s.RetryAfter
		s.mu.Unlock()
		if retry > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(retry))
		}
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	j.delivered++
	j.busyLeft = s.Busy
	n := j.delivered
	sheet, back := n, false
	if j.settings.Duplex {
		sheet, back = (n+1)/2, n%2 == 0
	}
	set, pad := j.settings, s.PageBytes
	fail, truncate := n == s.FailPage, s.Truncate
	if fail {
		j.state = "Aborted"
	}
	s.pagesSent++
	before, count := s.BeforePage, s.pagesSent
	s.mu.Unlock()
	if before != nil {
		before(count)
	}

	ct := set.Format()
	if fail && !truncate {
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(http.StatusOK)
		return
	}
	data, err := page(set, n, sheet, back, pad)
	if err != nil {
		http.Error(w, "rendering page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	if fail {
		w.Write(data[:len(data)/2]) //nolint:errcheck // the server closes the short answer
		return
	}
	s.mu.Lock()
	s.served = append(s.served, Served{Job: j.id, Page: n, Sheet: sheet, Back: back,
		ContentType: ct, Size: len(data), SHA256: sha256.Sum256(data)})
	s.mu.Unlock()
	w.Write(data) //nolint:errcheck // client went away
}

func (s *Scanner) cancel(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j := s.jobs[r.PathValue("id")]
	if j == nil {
		http.NotFound(w, r)
		return
	}
	s.canceled = append(s.canceled, j.id)
	if j.state == "Processing" {
		j.state = "Canceled"
	}
	w.WriteHeader(http.StatusOK)
}

func (s *Scanner) uuid() (string, error) {
	rnd := s.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	var b [16]byte
	if _, err := io.ReadFull(rnd, b[:]); err != nil {
		return "", err
	}
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:]), nil
}

// recorder remembers the status code for the request log.
type recorder struct {
	http.ResponseWriter
	code int
}

func (r *recorder) WriteHeader(code int) {
	r.code = code
	r.ResponseWriter.WriteHeader(code)
}
