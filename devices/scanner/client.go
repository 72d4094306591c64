package scanner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Defaults for zero fields of Client and Backoff.
const (
	DefaultMaxPageBytes = 32 << 20 // an A4 colour JPEG at 600 dpi is about 5–10 MiB
	DefaultMaxPages     = 200
	DefaultBusyInitial  = 200 * time.Millisecond
	DefaultBusyMax      = 2 * time.Second
	DefaultBusyBudget   = 60 * time.Second // a cold lamp and a slow feeder can take this long

	cancelTimeout = 5 * time.Second
	drainBytes    = 4 << 10
)

// Client talks eSCL to one scanner. Its methods may be called concurrently; the scanner
// itself usually runs one job at a time and answers 503 to the rest.
type Client struct {
	// BaseURL is the scanner's eSCL root, e.g. "https://192.0.2.7/eSCL" (the "rs" TXT record
	// of its mDNS service). A trailing slash is optional.
	BaseURL string

	// HTTP sends the requests. nil means http.DefaultClient. Scanners serve HTTPS with
	// self-signed certificates; the caller supplies a client whose TLS configuration trusts
	// (pins) this scanner's certificate. Deadlines come from the context passed to each
	// method, so the client needs no Timeout.
	HTTP *http.Client

	// MaxPageBytes bounds one page; a larger page fails the scan with ErrPageTooLarge.
	// 0 means DefaultMaxPageBytes.
	MaxPageBytes int64

	// MaxPages bounds the pages of one job; 0 means DefaultMaxPages.
	MaxPages int

	// Busy is how long to keep asking a scanner that answers 503 Service Unavailable.
	Busy Backoff

	// Progress, if set, is called from the goroutine running Scan as the job advances.
	// It must not block for long.
	Progress func(Progress)
}

// Backoff is the retry policy for a busy scanner: waits start at Initial and double up to
// Max; a Retry-After header is honoured up to Max. When the waits for one request would
// exceed Budget the scan fails with ErrScannerBusy. Zero fields take the Default values.
type Backoff struct {
	Initial, Max, Budget time.Duration
}

// Page is one scanned page. Data is the image exactly as the scanner sent it; it has not been
// written anywhere.
type Page struct {
	Number      int    // 1-based, in the order the scanner delivered (front, back, front, ...)
	ContentType string // media type from the scanner, or the requested format if it sent none
	Data        []byte
}

// ProgressEvent names a step of a scan job.
type ProgressEvent string

// Progress events, in the order they occur.
const (
	EventJobCreated ProgressEvent = "job-created" // the scanner accepted the job
	EventBusy       ProgressEvent = "busy"        // the scanner said 503; Wait says for how long
	EventPage       ProgressEvent = "page"        // a page arrived and goes to the callback next
	EventDone       ProgressEvent = "done"        // the job ended normally
)

// Progress reports how a scan is going, for the UI ("scan:progress:<id>" events).
type Progress struct {
	Event ProgressEvent
	Job   string        // the job's path, e.g. "/eSCL/ScanJobs/<uuid>"
	Pages int           // pages received so far, including this one for EventPage
	Bytes int           // EventPage: the page's size
	Wait  time.Duration // EventBusy: the wait before asking again
}

// Capabilities fetches and parses GET ScannerCapabilities.
func (c *Client) Capabilities(ctx context.Context) (*Capabilities, error) {
	doc, err := c.getXML(ctx, "capabilities", "ScannerCapabilities")
	if err != nil {
		return nil, err
	}
	caps, err := ParseCapabilities(doc)
	if err != nil {
		return nil, fmt.Errorf("capabilities: %w", err)
	}
	return caps, nil
}

// Status fetches and parses GET ScannerStatus.
func (c *Client) Status(ctx context.Context) (*Status, error) {
	doc, err := c.getXML(ctx, "status", "ScannerStatus")
	if err != nil {
		return nil, err
	}
	st, err := ParseStatus(doc)
	if err != nil {
		return nil, fmt.Errorf("status: %w", err)
	}
	return st, nil
}

// Scan runs one scan job and hands each page to fn, in order, as it arrives.
//
// It first fetches the capabilities and checks s against them ([Settings.Check]), so that a
// request the scanner cannot honour fails with a [*SettingsError] before any paper moves.
// It then creates the job and pulls NextDocument until the scanner answers 404 (no more
// pages), waiting on 503 as Busy allows. If ctx is cancelled or fn returns an error, the job
// is cancelled on the scanner (DELETE) and Scan returns that error; fn is not called again.
// Problems the scanner reports come back as a [*DeviceError]. fn must not be nil; it owns
// each Page's Data once called.
func (c *Client) Scan(ctx context.Context, s Settings, fn func(Page) error) (err error) {
	base, err := c.base()
	if err != nil {
		return err
	}
	caps, err := c.Capabilities(ctx)
	if err != nil {
		return err
	}
	if s, err = s.Check(caps); err != nil {
		return err
	}
	job, err := c.createJob(ctx, base, s, encodeSettings(s, caps.source(s.Source, s.Duplex)))
	if err != nil {
		return err
	}
	ended := false
	defer func() {
		if err != nil && !ended {
			c.cancelJob(ctx, job)
		}
	}()
	c.emit(Progress{Event: EventJobCreated, Job: job.Path})

	next := job.JoinPath("NextDocument").String()
	pages := 0
	for {
		n := pages + 1
		// A feeder batch may end in a long 503 (the scanner finishing the job): ask the status
		// between waits, so that a completed job ends the batch instead of the busy budget.
		completed := func() bool {
			if s.Source != Feeder || pages == 0 {
				return false
			}
			st, err := c.Status(ctx)
			return err == nil && st.finished(job.Path)
		}
		resp, err := c.do(ctx, "next document", job.Path, pages, func() (*http.Request, error) {
			return http.NewRequestWithContext(ctx, http.MethodGet, next, nil)
		}, completed)
		if errors.Is(err, errJobEnded) {
			ended = true
			c.emit(Progress{Event: EventDone, Job: job.Path, Pages: pages})
			return nil
		}
		if err != nil {
			return fmt.Errorf("page %d: %w", n, err)
		}
		if resp.StatusCode != http.StatusOK {
			discard(resp)
			var done bool
			done, err = c.finish(ctx, s.Source, job.Path, pages, resp.StatusCode)
			ended = done
			if err != nil {
				return err
			}
			c.emit(Progress{Event: EventDone, Job: job.Path, Pages: pages})
			return nil
		}
		if n > c.maxPages() {
			discard(resp)
			return fmt.Errorf("page %d: %w (limit %d)", n, ErrTooManyPages, c.maxPages())
		}
		page, err := c.readPage(resp, n, s.Format)
		if errors.Is(err, ErrPageIncomplete) {
			// The device failed mid-read; its status says why (usually the job aborted).
			if st, serr := c.Status(ctx); serr == nil {
				if j := st.job(job.Path); j != nil && j.terminal() {
					ended = true
				}
				if perr := st.problem(s.Source, job.Path, n); perr != nil {
					return fmt.Errorf("%w: %w", err, perr)
				}
			}
		}
		if err != nil {
			return err
		}
		pages = n
		c.emit(Progress{Event: EventPage, Job: job.Path, Pages: n, Bytes: len(page.Data)})
		if err := fn(page); err != nil {
			return fmt.Errorf("page %d: %w", n, err)
		}
	}
}

// errJobEnded stops do's busy loop: the status shows the job completed.
var errJobEnded = errors.New("scanner: job completed")

// finish reads the job's final state after NextDocument answered code instead of a page, and
// decides how the job ended. A job ends normally when it delivered pages and then:
//
//   - the scanner answered 404 Not Found and its status shows nothing wrong (or cannot be
//     had: older firmware drops finished jobs and some have no status worth reading);
//   - or, from the feeder, the scanner answered 409 Conflict or 410 Gone while its status
//     shows the feeder empty or the job Completed (HP and others end a batch so; sane-airscan
//     reads the status the same way).
//
// Any problem in the status (jam, cover open, job aborted, scanner down) is its error; a job
// without pages is ErrFeederEmpty or ErrNoPages. done reports whether the job is over on the
// scanner, so that it is not DELETEd.
func (c *Client) finish(ctx context.Context, src InputSource, job string, pages, code int) (done bool, err error) {
	st, serr := c.Status(ctx)
	if serr != nil {
		switch {
		case code == http.StatusNotFound && pages > 0:
			return true, nil
		case code == http.StatusNotFound:
			return true, ErrNoPages
		}
		return false, &HTTPError{Op: "next document", StatusCode: code}
	}
	j := st.job(job)
	done = code == http.StatusNotFound || j != nil && j.terminal()
	if err := st.problem(src, job, pages); err != nil {
		return done, err
	}
	if pages == 0 {
		if code == http.StatusNotFound || done {
			return done, ErrNoPages
		}
		return done, &HTTPError{Op: "next document", StatusCode: code}
	}
	switch {
	case code == http.StatusNotFound, j != nil && j.State == "Completed":
		return true, nil
	case src == Feeder && (code == http.StatusConflict || code == http.StatusGone) && st.ADF == ADFEmpty:
		return j == nil || j.terminal(), nil
	}
	return done, &HTTPError{Op: "next document", StatusCode: code}
}

// createJob POSTs the settings and returns the job's URL (the Location path on BaseURL).
func (c *Client) createJob(ctx context.Context, base *url.URL, s Settings, body []byte) (*url.URL, error) {
	target := base.JoinPath("ScanJobs").String()
	resp, err := c.do(ctx, "create job", "", 0, func() (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
		if err == nil {
			req.Header.Set("Content-Type", "text/xml")
		}
		return req, err
	}, nil)
	if err != nil {
		return nil, err
	}
	discard(resp)
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		if err := c.diagnose(ctx, s.Source, "", 0); err != nil {
			return nil, err
		}
		return nil, &HTTPError{Op: "create job", StatusCode: resp.StatusCode}
	}
	// Only the path is used (as sane-airscan does): some scanners put the wrong scheme or
	// port in Location, and a scanner must not be able to redirect the client elsewhere.
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || strings.Trim(loc.Path, "/") == "" {
		return nil, fmt.Errorf("create job: %w: no usable Location header", ErrMalformed)
	}
	return base.ResolveReference(&url.URL{Path: loc.Path}), nil
}

// cancelJob asks the scanner to drop the job. It runs even when ctx is already cancelled,
// with its own short deadline, and ignores the answer: the job may have ended by itself.
func (c *Client) cancelJob(ctx context.Context, job *url.URL) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cancelTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, job.String(), nil)
	if err != nil {
		return
	}
	if resp, err := c.http().Do(req); err == nil {
		discard(resp)
	}
}

// diagnose asks for ScannerStatus after an unexpected answer and turns what it says into a
// DeviceError. It returns nil when the status cannot be had or shows nothing wrong.
func (c *Client) diagnose(ctx context.Context, src InputSource, job string, pages int) error {
	st, err := c.Status(ctx)
	if err != nil {
		return nil
	}
	return st.problem(src, job, pages)
}

// do sends a request, retrying while the scanner answers 503. The caller owns the response.
// completed, when not nil, is asked after each 503 whether the job has ended meanwhile; if so
// do returns errJobEnded.
func (c *Client) do(ctx context.Context, op, job string, pages int, newReq func() (*http.Request, error), completed func() bool) (*http.Response, error) {
	b := c.Busy
	if b.Initial <= 0 {
		b.Initial = DefaultBusyInitial
	}
	if b.Max <= 0 {
		b.Max = DefaultBusyMax
	}
	if b.Budget <= 0 {
		b.Budget = DefaultBusyBudget
	}
	delay, waited := b.Initial, time.Duration(0)
	for {
		req, err := newReq()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		resp, err := c.http().Do(req)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		if resp.StatusCode != http.StatusServiceUnavailable {
			return resp, nil
		}
		wait := min(delay, b.Max)
		if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && ra >= 0 {
			wait = min(time.Duration(ra)*time.Second, b.Max)
		}
		discard(resp)
		if completed != nil && completed() {
			return nil, errJobEnded
		}
		if waited+wait > b.Budget {
			return nil, fmt.Errorf("%s: %w", op, &DeviceError{State: StateProcessing, Err: ErrScannerBusy})
		}
		c.emit(Progress{Event: EventBusy, Job: job, Pages: pages, Wait: wait})
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("%s: %w", op, ctx.Err())
		case <-t.C:
		}
		waited += wait
		delay = min(2*delay, b.Max)
	}
}

// readPage reads one NextDocument body within MaxPageBytes and closes it.
func (c *Client) readPage(resp *http.Response, n int, format string) (Page, error) {
	defer resp.Body.Close()
	limit := c.maxPageBytes()
	if resp.ContentLength > limit {
		return Page{}, fmt.Errorf("page %d: %w (%d bytes, limit %d)", n, ErrPageTooLarge, resp.ContentLength, limit)
	}
	var buf bytes.Buffer
	if resp.ContentLength > 0 {
		buf.Grow(int(resp.ContentLength) + bytes.MinRead) // ReadFrom wants MinRead spare to see EOF
	}
	if _, err := buf.ReadFrom(io.LimitReader(resp.Body, limit+1)); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return Page{}, fmt.Errorf("page %d: %w (%d of %d bytes)", n, ErrPageIncomplete, buf.Len(), resp.ContentLength)
		}
		return Page{}, fmt.Errorf("page %d: reading: %w", n, err)
	}
	if int64(buf.Len()) > limit {
		return Page{}, fmt.Errorf("page %d: %w (limit %d bytes)", n, ErrPageTooLarge, limit)
	}
	if buf.Len() == 0 {
		return Page{}, fmt.Errorf("page %d: %w (no bytes)", n, ErrPageIncomplete)
	}
	ct := format
	if mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err == nil && mt != "application/octet-stream" {
		ct = mt
	}
	return Page{Number: n, ContentType: ct, Data: buf.Bytes()}, nil
}

// getXML GETs path under BaseURL and returns the body, bounded by maxXMLBytes.
func (c *Client) getXML(ctx context.Context, op, path string) ([]byte, error) {
	base, err := c.base()
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base.JoinPath(path).String(), nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	resp, err := c.http().Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		discard(resp)
		return nil, &HTTPError{Op: op, StatusCode: resp.StatusCode}
	}
	doc, err := io.ReadAll(io.LimitReader(resp.Body, maxXMLBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if len(doc) > maxXMLBytes {
		return nil, fmt.Errorf("%s: %w: document larger than %d bytes", op, ErrMalformed, maxXMLBytes)
	}
	return doc, nil
}

func (c *Client) base() (*url.URL, error) {
	u, err := url.Parse(c.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("scanner: base URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("scanner: base URL must be http:// or https:// with a host")
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	u.RawPath, u.RawQuery, u.Fragment = "", "", ""
	return u, nil
}

func (c *Client) http() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return http.DefaultClient
}

func (c *Client) maxPageBytes() int64 {
	if c.MaxPageBytes > 0 {
		return c.MaxPageBytes
	}
	return DefaultMaxPageBytes
}

func (c *Client) maxPages() int {
	if c.MaxPages > 0 {
		return c.MaxPages
	}
	return DefaultMaxPages
}

func (c *Client) emit(p Progress) {
	if c.Progress != nil {
		c.Progress(p)
	}
}

// discard drains a little of an unwanted body so the connection can be reused, and closes it.
func discard(resp *http.Response) {
	io.CopyN(io.Discard, resp.Body, drainBytes) //nolint:errcheck // best effort
	resp.Body.Close()
}
