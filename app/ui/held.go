package ui

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/auth"
)

// heldPages are the pages of 1-3 STEP2 between a scan (or a page opened from the folder inbox)
// and the check that seals them: in this process's memory only, under random handles, for the
// session and company that made them. The App owns them: ScanService puts pages in and
// CollectService takes them out when it records a check, without either reaching into the
// other.
//
// A handle is dropped by discard, when its session ends (the janitor sweeps every second while
// any is held), ttl after it was made (by the App's clock), and a session's oldest beyond
// maxHeld. Dropping zeroes the bytes. Pages are never written to disk, logged or put in an
// error.
type heldPages struct {
	now     func() time.Time
	session func() *auth.Session // the current session: a handle of any other is dropped
	// ttl is how long pages are held; 15 minutes.
	ttl time.Duration

	mu      sync.Mutex
	held    map[string]*heldScan
	seq     uint64 // the order handles were made in
	janitor bool
}

type heldScan struct {
	sess      *auth.Session
	companyID int64
	expires   time.Time
	seq       uint64      // made after every handle of a lower seq
	pages     []*heldPage // an entry is nil once used
}

type heldPage struct {
	contentType string
	data        []byte
	inboxID     string // the bridge inbox item it came from, if any
}

// maxHeld bounds the handles one session holds; the oldest goes first.
const maxHeld = 16

// refPrefix starts a reference to a held page in CollectImage.Data: "scan:<handle>/<n>".
const refPrefix = "scan:"

// errHeldGone is returned for a reference whose pages are no longer held.
var errHeldGone = &Error{Code: apperr.CodeInvalid, Field: "images",
	JA: "読み取ったページの保持期限が切れたか、破棄されました。もう一度読み取ってください。",
	EN: "The scanned page expired or was discarded. Scan it again."}

func newHeldPages(now func() time.Time, session func() *auth.Session) *heldPages {
	return &heldPages{now: now, session: session, ttl: 15 * time.Minute, held: map[string]*heldScan{}}
}

// put keeps pages for sess and company under a new handle and returns it with its expiry.
func (h *heldPages) put(sess *auth.Session, companyID int64, pages []*heldPage) (handle string, expires time.Time, err error) {
	var rb [20]byte
	if _, err := rand.Read(rb[:]); err != nil {
		return "", time.Time{}, err
	}
	handle = strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(rb[:]))
	expires = h.now().Add(h.ttl)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seq++
	h.held[handle] = &heldScan{sess: sess, companyID: companyID, expires: expires, seq: h.seq, pages: pages}
	h.trimLocked(sess)
	if !h.janitor {
		h.janitor = true
		go h.janitorLoop()
	}
	return handle, expires, nil
}

// discard drops handle when it is sess's for company.
func (h *heldPages) discard(sess *auth.Session, companyID int64, handle string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if s, ok := h.held[handle]; ok && s.sess == sess && s.companyID == companyID {
		h.dropLocked(handle)
	}
}

// count is the number of handles held.
func (h *heldPages) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.held)
}

// trimLocked drops a session's oldest handles beyond maxHeld.
func (h *heldPages) trimLocked(sess *auth.Session) {
	for {
		n, oldest, first := 0, "", uint64(0)
		for k, s := range h.held {
			if s.sess != sess {
				continue
			}
			n++
			if oldest == "" || s.seq < first {
				oldest, first = k, s.seq
			}
		}
		if n <= maxHeld {
			return
		}
		h.dropLocked(oldest)
	}
}

// dropLocked forgets a handle and zeroes its pages.
func (h *heldPages) dropLocked(handle string) {
	if s, ok := h.held[handle]; ok {
		for _, p := range s.pages {
			if p != nil {
				clear(p.data)
			}
		}
		delete(h.held, handle)
	}
}

// sweep drops the handles of ended sessions and the expired ones; it reports whether any is left.
func (h *heldPages) sweep() bool {
	cur, now := h.session(), h.now()
	h.mu.Lock()
	defer h.mu.Unlock()
	for k, s := range h.held {
		if s.sess != cur || !now.Before(s.expires) {
			h.dropLocked(k)
		}
	}
	if len(h.held) == 0 {
		h.janitor = false
		return false
	}
	return true
}

// janitorLoop sweeps every second while pages are held, so a logout drops them at once.
func (h *heldPages) janitorLoop() {
	for {
		time.Sleep(time.Second)
		if !h.sweep() {
			return
		}
	}
}

// image returns a copy of the bytes and the type of a held page of sess and company when
// data is a reference (ok false when it is not one: uploaded data), or errHeldGone.
func (h *heldPages) image(sess *auth.Session, companyID int64, data string) (b []byte, contentType string, ok bool, err error) {
	if !strings.HasPrefix(data, refPrefix) {
		return nil, "", false, nil
	}
	h.sweep()
	h.mu.Lock()
	defer h.mu.Unlock()
	p := h.pageLocked(sess, companyID, data)
	if p == nil {
		return nil, "", true, errHeldGone
	}
	return append([]byte(nil), p.data...), p.contentType, true, nil
}

// pageLocked is the held page ref points to, if it is sess's for company and not used.
func (h *heldPages) pageLocked(sess *auth.Session, companyID int64, ref string) *heldPage {
	handle, n, ok := strings.Cut(strings.TrimPrefix(ref, refPrefix), "/")
	i, err := strconv.Atoi(n)
	s := h.held[handle]
	if !strings.HasPrefix(ref, refPrefix) || !ok || err != nil || s == nil || s.sess != sess || s.companyID != companyID ||
		i < 0 || i >= len(s.pages) {
		return nil
	}
	return s.pages[i]
}

// used drops the pages refs point to (a check was recorded with them) and returns the bridge
// inbox items they came from, to be deleted when the check kept its images.
func (h *heldPages) used(sess *auth.Session, companyID int64, refs []string) (inbox []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, ref := range refs {
		p := h.pageLocked(sess, companyID, ref)
		if p == nil {
			continue
		}
		if p.inboxID != "" {
			inbox = append(inbox, p.inboxID)
		}
		clear(p.data)
		handle, _, _ := strings.Cut(strings.TrimPrefix(ref, refPrefix), "/")
		s := h.held[handle]
		left := false
		for i, q := range s.pages {
			if q == p {
				s.pages[i] = nil
			}
			left = left || s.pages[i] != nil
		}
		if !left {
			delete(h.held, handle)
		}
	}
	return inbox
}

// deleteInboxItems deletes pages from the bridge's folder inbox (their check kept them sealed
// in the vault). Failures are logged: the handler can still delete them in the inbox list.
func (a *App) deleteInboxItems(ids []string) {
	if len(ids) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), bridgeTimeout)
	defer cancel()
	for _, id := range ids {
		if err := a.sup.client.DeleteInboxItem(ctx, id); err != nil {
			a.log.Warn("deleting an attached page from the bridge inbox", "err", err)
		}
	}
}
