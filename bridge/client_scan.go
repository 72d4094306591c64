package bridge

import (
	"context"
	"errors"
	"net/url"
	"regexp"
)

// The scan and inbox API's wire types (served by scan.go and inbox.go) and the Client's calls.

// ScannerInfo is one entry of GET /v1/scanners.
type ScannerInfo struct {
	Name string `json:"name"`
	URL  string `json:"url"`
	// State is "ok", "busy", "absent" or "error", as in the device panel.
	State string `json:"state"`
	// Sources are "Platen" and/or "Feeder"; empty when the scanner could not be asked.
	Sources     []string `json:"sources"`
	Duplex      bool     `json:"duplex"`
	Resolutions []int    `json:"resolutions"`
}

// ScanRequest is the body of POST /v1/scan.
type ScanRequest struct {
	// Scanner names a configured scanner; "" picks the only one.
	Scanner string `json:"scanner"`
	// Source is "Platen" (default) or "Feeder".
	Source string `json:"source,omitempty"`
	// Duplex scans both sides of each sheet (Feeder only).
	Duplex bool `json:"duplex,omitempty"`
	// Color is "RGB24" (default) or "Grayscale8".
	Color string `json:"color,omitempty"`
	// DPI defaults to 300.
	DPI int `json:"dpi,omitempty"`
}

// ScannedPage is one page of a scan, in the order the scanner delivered it (front, back,
// front… for a duplex feeder job). Data is the image as the scanner sent it (base64 in JSON).
type ScannedPage struct {
	ContentType string `json:"contentType"`
	Data        []byte `json:"data"`
}

// ScanResult is the answer to POST /v1/scan.
type ScanResult struct {
	Pages []ScannedPage `json:"pages"`
	// Stopped is set when the job failed after some pages had arrived (a jam, a cover opened,
	// the device failed mid-read): Pages are those read before, kept for the user to use or
	// discard, and Stopped says why the rest is missing.
	Stopped *Error `json:"stopped,omitempty"`
}

// ScanStopped is the error of [Client.Scan] that comes with the pages read before a scan
// stopped (see ScanResult.Stopped).
type ScanStopped struct{ Reason *Error }

func (e *ScanStopped) Error() string { return "scan stopped: " + e.Reason.Error() }
func (e *ScanStopped) Unwrap() error { return e.Reason }

// InboxItem is one sealed page in the bridge's inbox (GET /v1/inbox). It is also the sidecar
// StateDir()/inbox/<id>.json kept next to the box.
type InboxItem struct {
	ID string `json:"id"`
	// Name is the file's name in the hot folder ("page.jpg" when it held a long run of digits).
	Name        string `json:"name"`
	ContentType string `json:"contentType"` // image/jpeg, image/png, application/pdf or image/tiff
	Size        int64  `json:"size"`        // bytes before sealing
	Received    string `json:"received"`    // RFC 3339
}

// InboxKey is the body of PUT /v1/inbox/key: the app's inbox public key, an uncompressed
// P-256 point (65 bytes, base64 in JSON).
type InboxKey struct {
	PublicKey []byte `json:"publicKey"`
}

// InboxBox is the answer to GET /v1/inbox/{id}: the sealbox box (base64 in JSON), opened with
// the inbox private key and aad InboxAAD + id.
type InboxBox struct {
	Box []byte `json:"box"`
}

// Scanners lists the configured eSCL scanners with what each can do, asking each one afresh
// (a scanner that does not answer within a few seconds is listed as "absent").
func (c *Client) Scanners(ctx context.Context) ([]ScannerInfo, error) {
	var out []ScannerInfo
	err := c.Call(ctx, "GET", "/v1/scanners", nil, &out)
	return out, err
}

// Scan runs one scan job and returns its pages in the order the scanner delivered them. The
// pages are only in memory, here and in the bridge. Errors are *Error with code no_scanner,
// scanner_busy, jam, scan_error, too_large or bad_request.
//
// When the scan stopped after some pages, it returns those pages and a *ScanStopped.
func (c *Client) Scan(ctx context.Context, req ScanRequest) ([]ScannedPage, error) {
	var out ScanResult
	if err := c.Call(ctx, "POST", "/v1/scan", req, &out); err != nil {
		return nil, err
	}
	if out.Stopped != nil {
		return out.Pages, &ScanStopped{Reason: out.Stopped}
	}
	return out.Pages, nil
}

// SetInboxKey registers (or replaces) the app's inbox public key, an uncompressed P-256 point
// of 65 bytes. The bridge keeps it so that the hot folder is sealed while the app is closed.
func (c *Client) SetInboxKey(ctx context.Context, pub []byte) error {
	return c.Call(ctx, "PUT", "/v1/inbox/key", InboxKey{PublicKey: pub}, nil)
}

// Inbox lists the sealed pages waiting in the bridge's inbox, oldest first.
func (c *Client) Inbox(ctx context.Context) ([]InboxItem, error) {
	var out []InboxItem
	err := c.Call(ctx, "GET", "/v1/inbox", nil, &out)
	return out, err
}

// InboxBox returns the sealed box of inbox item id; open it with sealbox.Open(inbox private
// key, InboxAAD+id, box).
func (c *Client) InboxBox(ctx context.Context, id string) ([]byte, error) {
	if err := checkInboxID(id); err != nil {
		return nil, err
	}
	var out InboxBox
	if err := c.Call(ctx, "GET", "/v1/inbox/"+url.PathEscape(id), nil, &out); err != nil {
		return nil, err
	}
	return out.Box, nil
}

// DeleteInboxItem removes inbox item id (after the app has stored the page).
func (c *Client) DeleteInboxItem(ctx context.Context, id string) error {
	if err := checkInboxID(id); err != nil {
		return err
	}
	return c.Call(ctx, "DELETE", "/v1/inbox/"+url.PathEscape(id), nil, nil)
}

// ErrBadInboxID is returned by the client for an id that cannot be an inbox id.
var ErrBadInboxID = errors.New("bridge: bad inbox id")

// inboxIDPattern: an inbox id is 26 lower-case base32 letters (16 random bytes).
var inboxIDPattern = regexp.MustCompile(`^[a-z2-7]{26}$`)

// ValidInboxID reports whether id can be an inbox id (the daemon names its files by it).
func ValidInboxID(id string) bool { return inboxIDPattern.MatchString(id) }

func checkInboxID(id string) error {
	if !ValidInboxID(id) {
		return ErrBadInboxID
	}
	return nil
}

// InboxAAD is the sealbox additional data of inbox item id: InboxAAD + id.
const InboxAAD = "shelter-inbox|"
