package daemon

import (
	"crypto/ecdh"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/mynumber-shelter/shelter/bridge"
	"github.com/mynumber-shelter/shelter/devices/scanner"
	"github.com/mynumber-shelter/shelter/internal/appdir"
	"github.com/mynumber-shelter/shelter/internal/atomicfile"
)

// Taking a hot-folder file exactly once (see the top of scan.go): every page's box, then one
// take record (the commit point), then the pages' sidecars, then the original's removal, then
// the record's removal.

// takeExt names a take record: StateDir()/inbox/<random id>.take.
const takeExt = ".take"

// maxTakeBytes bounds a take record read back (a record lists at most a TIFF's page limit).
const maxTakeBytes = 256 << 10

// takeRecord is the commit point of one file's pages. Digest is SHA-256 of the file's bytes
// (a scanned image, never a number alone): with Folder and Size it recognises the same file
// when a crash left it in the folder after the commit.
type takeRecord struct {
	Folder string             `json:"folder"`
	Size   int64              `json:"size"`
	Digest string             `json:"sha256"`
	Items  []bridge.InboxItem `json:"items"`
}

// crashAt, when set by a test, is called at each durable step of a take ("box 1", "record",
// "sidecar 1", …, "removed"); a test stops the goroutine there as a kill would.
var crashAt func(step string)

func crashPoint(format string, a ...any) {
	if crashAt != nil {
		crashAt(fmt.Sprintf(format, a...))
	}
}

// takeSource is the record of a take without its items: which file of which folder.
func takeSource(folder string, data []byte) takeRecord {
	sum := sha256.Sum256(data)
	return takeRecord{Folder: folder, Size: int64(len(data)), Digest: hex.EncodeToString(sum[:])}
}

// takePages seals pages of the file src describes (already split, e.g. a TIFF's) into the inbox
// as one batch and returns the id of its take record. Nothing is listed before the record is
// durable; after it, everything is, whatever happens. (atomicfile.WriteFile syncs the
// directory after each file.)
func (s *Server) takePages(rnd io.Reader, key *ecdh.PublicKey, src takeRecord, pages []scanner.File) (string, []bridge.InboxItem, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	dir := inboxDir()
	if err := appdir.MkdirPrivate(StateDir()); err != nil {
		return "", nil, err
	}
	if err := appdir.MkdirPrivate(dir); err != nil {
		return "", nil, err
	}
	rec := src
	undo := func() {
		for _, it := range rec.Items {
			removeInboxItem(dir, it.ID)
		}
	}
	for i, p := range pages {
		item, err := s.sealBox(rnd, key, p)
		if err != nil {
			undo()
			return "", nil, err
		}
		rec.Items = append(rec.Items, item)
		crashPoint("box %d", i+1)
	}
	id, err := newInboxID(rnd)
	if err != nil {
		undo()
		return "", nil, err
	}
	b, err := json.Marshal(rec)
	if err == nil {
		err = atomicfile.WriteFile(filepath.Join(dir, id+takeExt), b, 0o600)
	}
	if err != nil {
		os.Remove(filepath.Join(dir, id+takeExt))
		undo()
		return "", nil, fmt.Errorf("committing the pages: %w", err)
	}
	crashPoint("record")
	for i, it := range rec.Items {
		if err := writeSidecar(dir, it); err != nil {
			// Committed, but the sidecars cannot be written (a full disk): take it all back in
			// the order that a crash midway leaves either the whole batch or nothing: sidecars,
			// then the record, then the boxes.
			for _, it := range rec.Items {
				os.Remove(filepath.Join(dir, it.ID+".json"))
			}
			atomicfile.SyncDir(dir)
			os.Remove(filepath.Join(dir, id+takeExt))
			undo()
			return "", nil, err
		}
		crashPoint("sidecar %d", i+1)
	}
	return id, rec.Items, nil
}

// committedTake finds the take record of the file src describes, finishes it (the sidecars a
// crash did not write) and returns its id and items.
func (s *Server) committedTake(src takeRecord) (string, []bridge.InboxItem, bool) {
	for id, rec := range readTakeRecords() {
		if rec.Folder == src.Folder && rec.Size == src.Size && rec.Digest == src.Digest {
			return id, s.finishTake(rec), true
		}
	}
	return "", nil, false
}

// finishTake writes the sidecars a committed take is missing, for the boxes still there (a box
// gone means the app consumed the page), and returns the items listed.
func (s *Server) finishTake(rec takeRecord) []bridge.InboxItem {
	dir := inboxDir()
	var items []bridge.InboxItem
	for _, it := range rec.Items {
		if !bridge.ValidInboxID(it.ID) {
			continue
		}
		if _, err := os.Lstat(filepath.Join(dir, it.ID+".box")); err != nil {
			continue
		}
		if _, err := os.Lstat(filepath.Join(dir, it.ID+".json")); err != nil {
			if err := writeSidecar(dir, it); err != nil {
				s.Log.Warn("finishing a committed hot-folder take", "err", err)
				continue
			}
		}
		items = append(items, it)
	}
	return items
}

// readTakeRecords reads every take record in the inbox, by id.
func readTakeRecords() map[string]takeRecord {
	dir := inboxDir()
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	recs := map[string]takeRecord{}
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name(), takeExt)
		if !ok || !bridge.ValidInboxID(id) || !e.Type().IsRegular() {
			continue
		}
		b, err := readBounded(filepath.Join(dir, e.Name()), maxTakeBytes)
		if err != nil {
			continue
		}
		var rec takeRecord
		if json.Unmarshal(b, &rec) == nil {
			recs[id] = rec
		}
	}
	return recs
}

// dropTake removes a take record once its file is gone from the folder.
func (s *Server) dropTake(id string) {
	dir := inboxDir()
	if err := os.Remove(filepath.Join(dir, id+takeExt)); err != nil && !os.IsNotExist(err) {
		s.Log.Warn("removing a hot-folder take record", "err", err)
		return
	}
	if err := atomicfile.SyncDir(dir); err != nil {
		s.Log.Warn("syncing the inbox", "err", err)
	}
}

// sourceGone reports whether no file of rec's size is left in rec's folder (so its original
// was removed), and false when the folder cannot be read.
func sourceGone(rec takeRecord) bool {
	entries, err := os.ReadDir(rec.Folder)
	if os.IsNotExist(err) {
		return true
	}
	if err != nil {
		return false
	}
	for _, e := range entries {
		if info, err := e.Info(); err == nil && info.Mode().IsRegular() && info.Size() == rec.Size {
			return false
		}
	}
	return true
}
