package ui

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/collect"
	"github.com/mynumber-shelter/shelter/app/vault"
	"github.com/mynumber-shelter/shelter/bridge"
)

// ScanService is the scanner and the folder inbox of 1-3 STEP2 (本人確認): a network scanner
// (eSCL) scans documents through the shelter-bridge, or pages a scanner dropped into the hot
// folder (sealed by the bridge to this vault's inbox key) are opened. Either way the pages are
// held in this process's memory only, under a random handle, and the frontend gets small
// previews and references ("scan:<handle>/<n>") to put in [CollectCheckInput.Images].
// [CollectService.RecordCheck] seals the referenced pages at once under the person's key; then
// they are dropped, and pages from the folder are deleted from the bridge's inbox.
//
// Held pages are dropped on [ScanService.Discard], at logout (within seconds) and 15 minutes
// after the scan. They are never written to disk, logged or put in an error. Every method is
// for the company's 事務取扱責任者 and 事務取扱担当者 only (code "forbidden" otherwise, recorded
// as denied).
type ScanService struct {
	a *App

	mu sync.Mutex
	// cancelScan ends the scan in progress (Cancel); nil when none runs.
	cancelScan context.CancelFunc
}

func newScanService(a *App) *ScanService {
	a.sup.onConnect(func(ctx context.Context, c *bridge.Client) {
		a.inbox.forget()
		a.registerInboxKey(ctx, c)
	})
	return &ScanService{a: a}
}

// ScanScanner is one scanner the bridge knows, with what it can do.
type ScanScanner struct {
	Name        string      `json:"name"`
	State       DeviceLabel `json:"state"`
	Sources     []string    `json:"sources"` // "Platen", "Feeder"
	Duplex      bool        `json:"duplex"`
	Resolutions []int       `json:"resolutions"`
}

// ScanInput is one scan: scanner by name ("" = the only one), source "Platen" or "Feeder",
// duplex (feeder only), color "RGB24" or "Grayscale8", dpi (0 = 300).
type ScanInput struct {
	Scanner string `json:"scanner"`
	Source  string `json:"source"`
	Duplex  bool   `json:"duplex"`
	Color   string `json:"color"`
	DPI     int    `json:"dpi"`
}

// ScanPage is one held page: ref goes into a check's images (as data); preview is a small JPEG
// data: URL ("" for a PDF).
type ScanPage struct {
	Ref         string `json:"ref"`
	Name        string `json:"name"`
	ContentType string `json:"contentType"`
	Size        int    `json:"size"`
	Preview     string `json:"preview"`
}

// ScanResult is a set of held pages under one handle, kept until expires (RFC 3339).
type ScanResult struct {
	Handle  string     `json:"handle"`
	Pages   []ScanPage `json:"pages"`
	Expires string     `json:"expires"`
	// Stopped is set when the scanner stopped after some pages (a jam, a cover opened, a
	// failure mid-read): the pages read before are here, for the user to use or scan again.
	Stopped *Error `json:"stopped,omitempty"`
}

// InboxEntry is one page waiting in the folder inbox (sealed; its content is not read to list it).
type InboxEntry struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	ContentType string `json:"contentType"`
	Size        int64  `json:"size"`
	Received    string `json:"received"`
}

// scanTimeout bounds one scan (a feeder of many sheets takes a while).
const scanTimeout = 10 * time.Minute

// allowed checks the session, the keys and the caller's role in the company (and that person,
// when not 0, belongs to it); a refusal is recorded as denied.
func (s *ScanService) allowed(companyID, personID int64, what string) (*auth.Session, *vault.Keys, error) {
	sess, keys, err := s.a.unlocked()
	if err != nil {
		return nil, nil, err
	}
	err = s.a.collect.CheckAccess(context.Background(), sess.Principal, companyID, personID)
	if err != nil {
		return nil, nil, s.a.collectFail(sess, companyID, audit.ActionView, what, err)
	}
	s.a.held.sweep()
	return sess, keys, nil
}

// Scanners lists the scanners configured in the bridge. It also makes sure the bridge has this
// vault's inbox key (created on first use), so the hot folder works from now on.
func (s *ScanService) Scanners(companyID int64) ([]ScanScanner, error) {
	_, keys, err := s.allowed(companyID, 0, "list scanners")
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), bridgeTimeout)
	defer cancel()
	s.a.ensureInboxKey(ctx, keys)
	ss, err := s.client().Scanners(ctx)
	if err != nil {
		return nil, s.scanErr(err)
	}
	out := []ScanScanner{}
	for _, sc := range ss {
		out = append(out, ScanScanner{Name: sc.Name, State: deviceLabel(deviceStates, sc.State), Sources: append([]string{}, sc.Sources...),
			Duplex: sc.Duplex, Resolutions: append([]int{}, sc.Resolutions...)})
	}
	return out, nil
}

// Scan scans with the bridge for personID of companyID and holds the pages (progress arrives
// as scan_progress events). Scanner errors carry the bridge's code: no_scanner, scanner_busy,
// jam, scan_error, too_large, bridge_unavailable.
func (s *ScanService) Scan(companyID, personID int64, in ScanInput) (ScanResult, error) {
	sess, _, err := s.allowed(companyID, personID, "scan")
	if err != nil {
		return ScanResult{}, err
	}
	if in.Source == "" {
		in.Source = "Platen"
	}
	if in.Color == "" {
		in.Color = "RGB24"
	}
	if in.Source != "Platen" && in.Source != "Feeder" || in.Color != "RGB24" && in.Color != "Grayscale8" || in.DPI < 0 || in.DPI > 1200 {
		return ScanResult{}, &Error{Code: apperr.CodeInvalid, Field: "scan",
			JA: "読み取りの設定が正しくありません。", EN: "The scan settings are not valid."}
	}
	ctx, cancel := context.WithTimeout(context.Background(), scanTimeout)
	defer cancel()
	s.mu.Lock()
	if s.cancelScan != nil {
		s.mu.Unlock()
		return ScanResult{}, &Error{Code: "scanner_busy", JA: "読み取り中です。終わるまで待つか、中止してください。",
			EN: "A scan is running. Wait for it or cancel it."}
	}
	s.cancelScan = cancel
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.cancelScan = nil
		s.mu.Unlock()
	}()
	pages, err := s.client().Scan(ctx, bridge.ScanRequest{Scanner: in.Scanner, Source: in.Source, Duplex: in.Duplex && in.Source == "Feeder",
		Color: in.Color, DPI: in.DPI})
	var stopped *bridge.ScanStopped
	if errors.Is(ctx.Err(), context.Canceled) {
		for _, p := range pages {
			clear(p.Data)
		}
		return ScanResult{}, errScanCancelled
	}
	if err != nil && !(errors.As(err, &stopped) && len(pages) > 0) {
		return ScanResult{}, s.scanErr(err)
	}
	held := make([]*heldPage, 0, len(pages))
	for _, p := range pages {
		held = append(held, &heldPage{contentType: p.ContentType, data: p.Data})
	}
	res, err := s.hold(sess, companyID, held, func(i int) string { return fmt.Sprintf("scan-%d", i+1) })
	if err == nil && stopped != nil {
		why := s.scanErr(stopped.Reason).(*Error)
		res.Stopped = &Error{Code: why.Code,
			JA: fmt.Sprintf("読み取りが途中で止まりました（%s）。読み取れた %d ページを表示しています。使うか、やり直してください。", why.JA, len(pages)),
			EN: fmt.Sprintf("The scan stopped part way (%s). The %d pages read are shown: use them or scan again.", why.EN, len(pages))}
	}
	return res, err
}

// errScanCancelled: the user cancelled the scan; nothing was kept.
var errScanCancelled = &Error{Code: "scan_cancelled", JA: "読み取りを中止しました。何も保存していません。",
	EN: "The scan was cancelled. Nothing was kept."}

// Cancel ends the scan in progress (a feeder batch or a slow page): the bridge stops the
// scanner's job and the pages read so far are dropped. No scan running is not an error.
func (s *ScanService) Cancel() error {
	if _, err := s.a.ready(); err != nil {
		return err
	}
	s.mu.Lock()
	cancel := s.cancelScan
	s.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	return nil
}

// Inbox lists the pages waiting in the folder inbox, oldest first. It makes sure the bridge has
// this vault's inbox key (created on first use).
func (s *ScanService) Inbox(companyID int64) ([]InboxEntry, error) {
	_, keys, err := s.allowed(companyID, 0, "list inbox")
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), bridgeTimeout)
	defer cancel()
	s.a.ensureInboxKey(ctx, keys)
	items, err := s.client().Inbox(ctx)
	if err != nil {
		return nil, s.scanErr(err)
	}
	out := []InboxEntry{}
	for _, it := range items {
		out = append(out, InboxEntry{ID: it.ID, Name: it.Name, ContentType: it.ContentType, Size: it.Size, Received: it.Received})
	}
	return out, nil
}

// OpenInbox opens the inbox page id with the vault's inbox key and holds it like a scanned
// page. The page stays in the bridge's inbox until a check that uses it is recorded.
func (s *ScanService) OpenInbox(companyID int64, id string) (ScanResult, error) {
	sess, keys, err := s.allowed(companyID, 0, "open inbox page")
	if err != nil {
		return ScanResult{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), bridgeTimeout)
	defer cancel()
	priv, err := s.a.inboxKey(ctx, keys)
	if err != nil {
		return ScanResult{}, s.a.fail("inbox key", err)
	}
	var name string
	if items, err := s.client().Inbox(ctx); err == nil {
		for _, it := range items {
			if it.ID == id {
				name = it.Name
			}
		}
	}
	box, err := s.client().InboxBox(ctx, id)
	if err != nil {
		return ScanResult{}, s.scanErr(err)
	}
	data, err := priv.Open(inboxAAD(id), box)
	if err != nil {
		return ScanResult{}, &Error{Code: "inbox_unreadable",
			JA: "このページは別の保管庫向けに暗号化されているか、壊れているため開けません。",
			EN: "This page was sealed for another vault or is damaged, so it cannot be opened."}
	}
	if name == "" {
		name = "inbox"
	}
	return s.hold(sess, companyID, []*heldPage{{data: data, inboxID: id}}, func(int) string { return name })
}

// Discard drops the pages held under handle (the handler chose not to attach them).
func (s *ScanService) Discard(companyID int64, handle string) error {
	sess, _, err := s.allowed(companyID, 0, "discard scan")
	if err != nil {
		return err
	}
	s.a.held.discard(sess, companyID, handle)
	return nil
}

// hold checks each page's type by its bytes, keeps the pages under a new handle and returns
// their previews.
func (s *ScanService) hold(sess *auth.Session, companyID int64, pages []*heldPage, name func(int) string) (ScanResult, error) {
	for _, p := range pages {
		ct, _, _ := strings.Cut(http.DetectContentType(p.data), ";")
		if ct != collect.TypeJPEG && ct != collect.TypePNG && ct != collect.TypePDF {
			return ScanResult{}, &Error{Code: apperr.CodeInvalid, Field: "images",
				JA: "JPEG・PNG・PDF 以外の形式のページは取り込めません。スキャナーの保存形式を確認してください。",
				EN: "Only JPEG, PNG and PDF pages can be attached. Check the scanner's file format."}
		}
		p.contentType = ct
	}
	handle, expires, err := s.a.held.put(sess, companyID, pages)
	if err != nil {
		return ScanResult{}, s.a.fail("scan handle", err)
	}
	out := ScanResult{Handle: handle, Pages: []ScanPage{}, Expires: expires.UTC().Format(time.RFC3339)}
	for i, p := range pages {
		ext := map[string]string{collect.TypeJPEG: ".jpg", collect.TypePNG: ".png", collect.TypePDF: ".pdf"}[p.contentType]
		n := name(i)
		if !strings.Contains(n, ".") {
			n += ext
		}
		out.Pages = append(out.Pages, ScanPage{Ref: refPrefix + handle + "/" + strconv.Itoa(i), Name: n, ContentType: p.contentType,
			Size: len(p.data), Preview: preview(p.data, p.contentType)})
	}
	return out, nil
}

func (s *ScanService) client() *bridge.Client { return s.a.sup.client }

// scanErr maps the error of a scan or inbox call.
func (s *ScanService) scanErr(err error) error { return s.a.bridgeErr(err, errBridgeUnavailable) }
