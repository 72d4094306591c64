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

// takePages seals pages of the file f (already split, e.g. a TIFF's) into the inbox as one
// batch and returns the id of its take record. Nothing is listed before the record is durable;
// after it, everything is, whatever happens.
func (s *Server) takePages(rnd io.Reader, key *ecdh.PublicKey, folder string, f scanner.File, pages []scanner.File) (string, []bridge.InboxItem, error) {
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
	sum := sha256.Sum256(f.Data)
	rec := takeRecord{Folder: folder, Size: int64(len(f.Data)), Digest: hex.EncodeToString(sum[:])}
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
	if err == nil {
		err = syncDir(dir)
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
			syncDir(dir)
			os.Remove(filepath.Join(dir, id+takeExt))
			undo()
			return "", nil, err
		}
		crashPoint("sidecar %d", i+1)
	}
	if err := syncDir(dir); err != nil {
		return "", nil, fmt.Errorf("syncing the inbox: %w", err)
	}
	return id, rec.Items, nil
}

// committedTake finds the take record of a file with these bytes in folder, finishes it (the
// sidecars a crash did not write) and returns its id and items.
func (s *Server) committedTake(folder string, data []byte) (string, []bridge.InboxItem, bool) {
	sum := sha256.Sum256(data)
	digest := hex.EncodeToString(sum[:])
	for id, rec := range readTakeRecords() {
		if rec.Folder == folder && rec.Size == int64(len(data)) && rec.Digest == digest {
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
	wrote := false
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
			wrote = true
		}
		items = append(items, it)
	}
	if wrote {
		if err := syncDir(dir); err != nil {
			s.Log.Warn("syncing the inbox", "err", err)
		}
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
	if err := syncDir(dir); err != nil {
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
