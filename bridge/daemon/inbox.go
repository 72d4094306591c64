package daemon

import (
	"context"
	"crypto/ecdh"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mynumber-shelter/shelter/bridge"

	"github.com/mynumber-shelter/shelter/devices/scanner"
	"github.com/mynumber-shelter/shelter/internal/appdir"
	"github.com/mynumber-shelter/shelter/internal/atomicfile"
	"github.com/mynumber-shelter/shelter/internal/sealbox"
)

// The inbox: pages from the hot folder sealed to the app's inbox key (see the top of scan.go
// for what it guarantees).

// MaxInboxFileBytes bounds one hot-folder file; a larger one stays in the folder.
const MaxInboxFileBytes = 64 << 20

const (
	waitingForKey   = "waiting for the app's inbox key"
	watchingFolder  = "watching; pages are sealed to the app's inbox key"
	inboxKeyFile    = "inbox.key"
	inboxDirName    = "inbox"
	maxSidecarBytes = 4 << 10
)

var (
	errNoInboxKey = errors.New("no inbox key: " + waitingForKey)
	errNotAPage   = errors.New("the file is not a JPEG, PNG, PDF or TIFF image")
)

// inboxTypes are the content types the inbox accepts, as the Watcher sniffs them.
var inboxTypes = map[string]bool{
	scanner.FormatJPEG: true, scanner.FormatPNG: true, scanner.FormatPDF: true, "image/tiff": true,
}

var inboxIDEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

func inboxDir() string { return filepath.Join(StateDir(), inboxDirName) }

// watchRun is one running hot-folder watcher.
type watchRun struct {
	dir    string
	cancel context.CancelFunc
	done   chan struct{} // closed when the watcher's goroutine has ended
}

// loadInboxKey reads the persisted inbox key; nil when there is none or it is damaged.
func (s *Server) loadInboxKey() *ecdh.PublicKey {
	b, err := os.ReadFile(filepath.Join(StateDir(), inboxKeyFile))
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			s.Log.Warn("reading the inbox key", "err", err)
		}
		return nil
	}
	k, err := sealbox.ParsePublicKey(b)
	if err != nil {
		s.Log.Warn("the inbox key file is damaged; waiting for the app to register its key again")
		return nil
	}
	return k
}

func (s *Server) putInboxKey(w http.ResponseWriter, r *http.Request) {
	var body bridge.InboxKey
	if e := readJSON(r, &body); e != nil {
		writeErr(w, http.StatusBadRequest, e)
		return
	}
	key, err := sealbox.ParsePublicKey(body.PublicKey)
	if err != nil || len(body.PublicKey) != 65 {
		writeErr(w, http.StatusBadRequest, &bridge.Error{Code: "bad_request", Message: "publicKey must be a 65-byte uncompressed P-256 point in base64"})
		return
	}
	st := s.scanState()
	st.applyMu.Lock()
	defer st.applyMu.Unlock()
	// One err for both steps: a failed write must reach the answer (an inner err once hid it).
	err = appdir.MkdirPrivate(StateDir())
	if err == nil {
		err = atomicfile.WriteFile(filepath.Join(StateDir(), inboxKeyFile), key.Bytes(), 0o600)
	}
	if err != nil {
		s.Log.Warn("saving the inbox key", "err", err)
		writeErr(w, http.StatusInternalServerError, &bridge.Error{Code: "state_error", Message: "the inbox key could not be saved"})
		return
	}
	st.mu.Lock()
	st.key = key
	st.mu.Unlock()
	// Restart the watcher so that files it parked (refused before) are offered again.
	s.reconcileWatcher(st, true)
	w.WriteHeader(http.StatusNoContent)
}

// reconcileWatcher runs a watcher on the configured folder when there is a key, and stops it
// otherwise; restart replaces a running one. The caller holds st.applyMu.
func (s *Server) reconcileWatcher(st *scanState, restart bool) {
	st.mu.Lock()
	key := st.key
	st.mu.Unlock()
	folder := st.folder
	if w := st.watch; w != nil && (restart || key == nil || w.dir != folder) {
		w.cancel()
		<-w.done
		st.watch = nil
	}
	if st.shown != "" && st.shown != folder {
		s.removeDevice("hotfolder", st.shown)
	}
	st.shown = folder
	switch {
	case folder == "":
		return
	case key == nil:
		s.setDevice(bridge.DeviceState{Kind: "hotfolder", Name: folder, State: "disabled", Detail: waitingForKey})
		return
	case st.watch != nil:
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	w := &watchRun{dir: folder, cancel: cancel, done: make(chan struct{})}
	st.watch = w
	go s.runWatcher(ctx, st, w)
}

// runWatcher watches w.dir until ctx ends, starting again after a pause when the folder
// cannot be read.
func (s *Server) runWatcher(ctx context.Context, st *scanState, w *watchRun) {
	defer close(w.done)
	now := st.now
	if now == nil {
		now = s.Now
	}
	for {
		s.cleanInbox()
		watcher := &scanner.Watcher{
			Dir:          w.dir,
			Patterns:     []string{"*"}, // every file, so that a wrong one is reported, not ignored
			Settle:       st.settle,
			Interval:     st.interval,
			MaxFileBytes: MaxInboxFileBytes,
			Now:          now,
			OnError: func(name string, err error) {
				d := bridge.DeviceState{Kind: "hotfolder", Name: w.dir, State: "ok", Detail: watchingFolder}
				switch {
				case errors.Is(err, errNoInboxKey):
					d.State, d.Detail = "disabled", waitingForKey
				case name == "":
					d.State, d.LastError = "error", err.Error()
				default:
					d.LastError = name + ": " + err.Error()
				}
				s.setDevice(d)
			},
		}
		// taken: the take record of each file handed over, dropped once the file has left the
		// folder (only this goroutine uses it).
		taken := map[string]string{}
		watcher.Removed = func(name string) {
			if id, ok := taken[name]; ok {
				delete(taken, name)
				crashPoint("removed")
				s.dropTake(id)
			}
		}
		s.setDevice(bridge.DeviceState{Kind: "hotfolder", Name: w.dir, State: "ok", Detail: watchingFolder})
		err := watcher.Run(ctx, func(f scanner.File) error {
			id, err := s.takeFile(st, w.dir, f)
			if err == nil {
				taken[f.Name] = id
			}
			return err
		})
		if ctx.Err() != nil {
			return
		}
		s.setDevice(bridge.DeviceState{Kind: "hotfolder", Name: w.dir, State: "error",
			Detail: "the folder cannot be read; trying again", LastError: err.Error()})
		t := time.NewTimer(orDefault(st.retry, 5*time.Second))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// takeFile seals one settled hot-folder file into the inbox, all its pages or none, and returns
// the id of its take record. It returns nil (and the Watcher removes the original) only once
// the pages are committed; a file committed before a crash is recognised and not sealed again.
func (s *Server) takeFile(st *scanState, folder string, f scanner.File) (string, error) {
	defer clear(f.Data)
	st.mu.Lock()
	key := st.key
	st.mu.Unlock()
	if key == nil {
		return "", errNoInboxKey
	}
	if !inboxTypes[f.ContentType] {
		return "", errNotAPage
	}
	src := takeSource(folder, f.Data)
	id, items, done := s.committedTake(src)
	if !done {
		pages := []scanner.File{f}
		if f.ContentType == "image/tiff" {
			// Each page of a TIFF becomes a PNG page of its own (1-3 stores JPEG, PNG and PDF).
			pngs, err := tiffPages(f.Data)
			if err != nil {
				return "", err
			}
			pages = pages[:0]
			base := strings.TrimSuffix(f.Name, filepath.Ext(f.Name))
			for i, b := range pngs {
				name := base + ".png"
				if len(pngs) > 1 {
					name = fmt.Sprintf("%s-%d.png", base, i+1)
				}
				pages = append(pages, scanner.File{Name: name, ContentType: scanner.FormatPNG, Data: b})
			}
			defer func() {
				for _, p := range pages {
					clear(p.Data)
				}
			}()
		}
		var err error
		if id, items, err = s.takePages(st.rand, key, src, pages); err != nil {
			s.Log.Warn("sealing a hot-folder file", "err", err)
			return "", err
		}
	}
	s.setDevice(bridge.DeviceState{Kind: "hotfolder", Name: folder, State: "ok", Detail: watchingFolder})
	for _, item := range items {
		s.publish(bridge.Event{Type: bridge.EventInboxPage, Device: folder, ID: item.ID})
	}
	return id, nil
}

// newInboxID is a fresh random inbox id.
func newInboxID(rnd io.Reader) (string, error) {
	var raw [16]byte
	if _, err := io.ReadFull(rnd, raw[:]); err != nil {
		return "", fmt.Errorf("inbox id: %w", err)
	}
	return inboxIDEncoding.EncodeToString(raw[:]), nil
}

// sealBox writes f sealed to key as the box of a new inbox item, and returns the item its
// sidecar will hold. The item is not listed until writeSidecar.
func (s *Server) sealBox(rnd io.Reader, key *ecdh.PublicKey, f scanner.File) (bridge.InboxItem, error) {
	id, err := newInboxID(rnd)
	if err != nil {
		return bridge.InboxItem{}, err
	}
	box, err := sealbox.Seal(rnd, key, []byte(bridge.InboxAAD+id), f.Data)
	if err != nil {
		return bridge.InboxItem{}, err
	}
	item := bridge.InboxItem{ID: id, Name: inboxName(f.Name), ContentType: f.ContentType, Size: int64(len(f.Data)),
		Received: s.Now().UTC().Format(time.RFC3339Nano)}
	if err := atomicfile.WriteFile(filepath.Join(inboxDir(), id+".box"), box, 0o600); err != nil {
		return bridge.InboxItem{}, err
	}
	return item, nil
}

// writeSidecar writes item's sidecar <id>.json: the item is listed from then on.
func writeSidecar(dir string, item bridge.InboxItem) error {
	meta, err := json.Marshal(item)
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(dir, item.ID+".json"), meta, 0o600)
}

// cleanInbox finishes what a crash interrupted: a committed take gets its missing sidecars
// (and its record goes once the original has left the folder); temporary files, boxes of an
// uncommitted take and sidecars without a box are deleted.
func (s *Server) cleanInbox() {
	dir := inboxDir()
	// Only this watcher writes here, and it has not started: every temporary file is a leftover.
	atomicfile.RemoveLeftovers(dir, 0)
	inTake := map[string]bool{}
	for id, rec := range readTakeRecords() {
		s.finishTake(rec)
		if sourceGone(rec) {
			s.dropTake(id)
			continue
		}
		for _, it := range rec.Items {
			inTake[it.ID] = true
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	has := map[string]bool{}
	for _, e := range entries {
		has[e.Name()] = true
	}
	for _, e := range entries {
		name := e.Name()
		id, ext, _ := strings.Cut(name, ".")
		switch {
		case bridge.ValidInboxID(id) && ext == "box" && !has[id+".json"] && !inTake[id]:
		case bridge.ValidInboxID(id) && ext == "json" && !has[id+".box"]:
		default:
			continue
		}
		if err := os.Remove(filepath.Join(dir, name)); err != nil {
			s.Log.Warn("cleaning the inbox", "err", err)
		}
	}
}

// inboxName is the name kept in the clear in the sidecar: the base name, without control
// characters, at most 120 bytes, and "page"+ext when it holds 12 or more digits (a file
// named after a My Number must not put the number on disk in the clear).
func inboxName(name string) string {
	name = filepath.Base(name)
	ext := strings.ToLower(filepath.Ext(name))
	if len(ext) < 2 || len(ext) > 6 || strings.ContainsFunc(ext[1:], func(r rune) bool { return !('a' <= r && r <= 'z' || '0' <= r && r <= '9') }) {
		ext = ""
	}
	digits := 0
	for _, r := range name {
		if unicode.IsDigit(r) {
			digits++
		}
	}
	if digits >= 12 {
		return "page" + ext
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, name)
	for len(name) > 120 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	if name == "" || name == "." || name == string(filepath.Separator) {
		return "page" + ext
	}
	return name
}

func (s *Server) listInbox(w http.ResponseWriter, r *http.Request) {
	items, err := readInbox()
	if err != nil {
		s.Log.Warn("listing the inbox", "err", err)
		writeErr(w, http.StatusInternalServerError, &bridge.Error{Code: "state_error", Message: "the inbox cannot be read"})
		return
	}
	writeJSON(w, http.StatusOK, items)
}

// readInbox lists the committed items (a sidecar and its box), oldest first.
func readInbox() ([]bridge.InboxItem, error) {
	dir := inboxDir()
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return []bridge.InboxItem{}, nil
	}
	if err != nil {
		return nil, err
	}
	items := []bridge.InboxItem{}
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || !bridge.ValidInboxID(id) || !e.Type().IsRegular() {
			continue
		}
		b, err := readBounded(filepath.Join(dir, e.Name()), maxSidecarBytes)
		if err != nil {
			continue
		}
		var it bridge.InboxItem
		if json.Unmarshal(b, &it) != nil || it.ID != id {
			continue
		}
		if _, err := os.Lstat(filepath.Join(dir, id+".box")); err != nil {
			continue
		}
		items = append(items, it)
	}
	slices.SortFunc(items, func(a, b bridge.InboxItem) int {
		ta, _ := time.Parse(time.RFC3339Nano, a.Received)
		tb, _ := time.Parse(time.RFC3339Nano, b.Received)
		if c := ta.Compare(tb); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return items, nil
}

func inboxID(w http.ResponseWriter, r *http.Request) (string, bool) {
	id := r.PathValue("id")
	if !bridge.ValidInboxID(id) {
		writeErr(w, http.StatusBadRequest, &bridge.Error{Code: "bad_request", Message: "bad inbox id"})
		return "", false
	}
	return id, true
}

var errNoInboxItem = &bridge.Error{Code: "not_found", Message: "no such inbox item"}

func (s *Server) getInboxItem(w http.ResponseWriter, r *http.Request) {
	id, ok := inboxID(w, r)
	if !ok {
		return
	}
	b, err := readBounded(filepath.Join(inboxDir(), id+".box"), MaxInboxFileBytes+sealbox.Overhead)
	if errors.Is(err, os.ErrNotExist) {
		writeErr(w, http.StatusNotFound, errNoInboxItem)
		return
	}
	if err != nil {
		s.Log.Warn("reading an inbox box", "err", err)
		writeErr(w, http.StatusInternalServerError, &bridge.Error{Code: "state_error", Message: "the inbox item cannot be read"})
		return
	}
	writeJSON(w, http.StatusOK, bridge.InboxBox{Box: b})
}

func (s *Server) deleteInboxItem(w http.ResponseWriter, r *http.Request) {
	id, ok := inboxID(w, r)
	if !ok {
		return
	}
	dir := inboxDir()
	errMeta, errBox := removeInboxItem(dir, id)
	if errors.Is(errMeta, os.ErrNotExist) && errors.Is(errBox, os.ErrNotExist) {
		writeErr(w, http.StatusNotFound, errNoInboxItem)
		return
	}
	for _, err := range []error{errMeta, errBox} {
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			s.Log.Warn("deleting an inbox item", "err", err)
			writeErr(w, http.StatusInternalServerError, &bridge.Error{Code: "state_error", Message: "the inbox item could not be deleted"})
			return
		}
	}
	if err := atomicfile.SyncDir(dir); err != nil {
		s.Log.Warn("syncing the inbox", "err", err)
	}
	w.WriteHeader(http.StatusNoContent)
}

// removeInboxItem removes item id's box, then its sidecar: without the box the item is no
// longer listed (and a committed take is never finished with it again), and a sidecar left
// alone is removed by cleanInbox at the next start.
func removeInboxItem(dir, id string) (errMeta, errBox error) {
	errBox = os.Remove(filepath.Join(dir, id+".box"))
	errMeta = os.Remove(filepath.Join(dir, id+".json"))
	return errMeta, errBox
}

// readBounded reads a regular file of at most limit bytes, refusing links.
func readBounded(path string, limit int64) ([]byte, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", filepath.Base(path))
	}
	if fi.Size() > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", filepath.Base(path), limit)
	}
	return os.ReadFile(path)
}
