package scanner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Defaults for zero fields of Watcher.
const (
	DefaultSettle       = 2 * time.Second
	DefaultPollInterval = 500 * time.Millisecond
	DefaultMaxFileBytes = 64 << 20
)

// defaultPatterns are the file names a Watcher picks up when Patterns is empty.
var defaultPatterns = []string{"*.jpg", "*.jpeg", "*.png", "*.pdf", "*.tif", "*.tiff"}

// Hot-folder errors, reported through Watcher.OnError.
var (
	// ErrUnsafeFile: the name is a symbolic link, a hard link to a file elsewhere, or not a
	// regular file. It is left alone.
	ErrUnsafeFile = errors.New("scanner: not a plain file in the hot folder")
	// ErrFileTooLarge: the file exceeds Watcher.MaxFileBytes. It is left alone.
	ErrFileTooLarge = errors.New("scanner: file too large")
)

// errGrowing means the file changed while it was read; it is tried again after settling.
var errGrowing = errors.New("file still being written")

// Watcher picks up pages that a scanner drops into a folder. It polls, which works the same on
// Windows, macOS and Linux and on network shares where change notifications are unreliable.
//
// A file is handed over once its size and modification time have not changed for Settle. Names
// starting with "." or "~", and names ending in ".tmp", ".part", ".partial", ".crdownload" or
// "~", are never touched: scanners and copy tools write under such names and rename at the end.
type Watcher struct {
	// Dir is the folder to watch. It must exist when Run starts.
	Dir string
	// Patterns are filepath.Match patterns for base names, compared case-insensitively.
	// Empty means *.jpg *.jpeg *.png *.pdf *.tif *.tiff.
	Patterns []string
	// Settle is how long a file must stay unchanged before it is read; 0 means DefaultSettle.
	Settle time.Duration
	// Interval is the time between polls; 0 means DefaultPollInterval.
	Interval time.Duration
	// MaxFileBytes bounds one file; 0 means DefaultMaxFileBytes.
	MaxFileBytes int64
	// OnError, if set, is told about a file that could not be handed over or removed, or a
	// folder that could not be listed. Each problem is reported once, not on every poll.
	// name is the file's base name, "" for the folder.
	OnError func(name string, err error)
	// Now returns the current time; default time.Now.
	Now func() time.Time
	// Removed, if set, is called with a file's base name once a handed-over file is gone from
	// Dir (removed by the Watcher, or already gone), from the goroutine that called Run.
	Removed func(name string)
}

// File is one file picked up from the hot folder.
type File struct {
	Name        string // base name in Dir
	ContentType string // sniffed from the first bytes; "application/octet-stream" if unknown
	ModTime     time.Time
	Data        []byte
}

// fileState is what the watcher remembers about a name between polls.
type fileState struct {
	size    int64
	mod     time.Time
	since   time.Time // when size and mod last changed
	stuck   bool      // handed over or refused at this size and mod; wait for a change
	lastErr string    // the error last reported for this file
}

// Run polls Dir until ctx is done, handing each settled file to fn and removing it once fn
// returns nil. If fn fails, the file stays, the error goes to OnError once, and the file is
// offered again only after it changes. Files are handed over in name order, one at a time,
// from the goroutine that called Run. Run returns ctx.Err(), or an error at once if Dir
// cannot be read when it starts.
func (w *Watcher) Run(ctx context.Context, fn func(File) error) error {
	if _, err := os.ReadDir(w.Dir); err != nil {
		return fmt.Errorf("hot folder: %w", err)
	}
	interval := w.Interval
	if interval <= 0 {
		interval = DefaultPollInterval
	}
	seen := make(map[string]*fileState)
	var dirErr string
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := w.poll(ctx, seen, fn); err != nil {
			if err.Error() != dirErr {
				w.report("", err)
			}
			dirErr = err.Error()
		} else {
			dirErr = ""
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// poll looks at the folder once.
func (w *Watcher) poll(ctx context.Context, seen map[string]*fileState, fn func(File) error) error {
	entries, err := os.ReadDir(w.Dir)
	if err != nil {
		return fmt.Errorf("hot folder: %w", err)
	}
	now := w.now()
	present := make(map[string]bool, len(entries))
	for _, e := range entries {
		if ctx.Err() != nil {
			return nil
		}
		name := e.Name()
		if e.IsDir() || !w.wanted(name) {
			continue
		}
		present[name] = true
		st := seen[name]
		if e.Type()&os.ModeSymlink != 0 || !e.Type().IsRegular() {
			if st == nil {
				st = &fileState{}
				seen[name] = st
			}
			w.fail(name, st, fmt.Errorf("%w (%s)", ErrUnsafeFile, e.Type()))
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // removed between ReadDir and Info
		}
		if st == nil || st.size != info.Size() || !st.mod.Equal(info.ModTime()) {
			if st == nil {
				st = &fileState{}
				seen[name] = st
			}
			// New or changed: start settling, and let a file that failed before fail (and be
			// reported) again.
			st.size, st.mod, st.since, st.stuck, st.lastErr = info.Size(), info.ModTime(), now, false, ""
			continue
		}
		if st.stuck || now.Sub(st.since) < w.settle() {
			continue
		}
		w.take(name, st, fn)
	}
	for name := range seen {
		if !present[name] {
			delete(seen, name)
		}
	}
	return nil
}

// take reads a settled file, hands it to fn and removes it.
func (w *Watcher) take(name string, st *fileState, fn func(File) error) {
	path := filepath.Join(w.Dir, name)
	f, err := w.read(path)
	switch {
	case errors.Is(err, errGrowing):
		st.since = w.now()
		return
	case errors.Is(err, ErrUnsafeFile), errors.Is(err, ErrFileTooLarge):
		w.fail(name, st, err)
		return
	case err != nil:
		// Opening or reading failed, e.g. the scanner still holds the file open on Windows.
		// Report it once and try again after another settle period.
		w.fail(name, st, err)
		st.stuck, st.since = false, w.now()
		return
	}
	f.Name = name
	if err := fn(f); err != nil {
		w.fail(name, st, fmt.Errorf("handing over: %w", err))
		return
	}
	st.stuck = true // do not hand it over twice, even if removal fails
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		w.fail(name, st, fmt.Errorf("removing: %w", err))
		return
	}
	if w.Removed != nil {
		w.Removed(name)
	}
}

// read opens path without following links, checks it is the plain file it appears to be, and
// reads it within MaxFileBytes.
func (w *Watcher) read(path string) (File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|openFlags, 0)
	if err != nil {
		return File{}, fmt.Errorf("opening: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return File{}, fmt.Errorf("stat: %w", err)
	}
	// The name may have been swapped for a link between listing and opening: the file we hold
	// must still be the regular file the name points at, with no other names.
	linfo, err := os.Lstat(path)
	if err != nil {
		return File{}, fmt.Errorf("stat: %w", err)
	}
	if !info.Mode().IsRegular() || !linfo.Mode().IsRegular() || !os.SameFile(info, linfo) || extraLinks(info) {
		return File{}, ErrUnsafeFile
	}
	limit := w.maxFileBytes()
	if info.Size() > limit {
		return File{}, fmt.Errorf("%w (%d bytes, limit %d)", ErrFileTooLarge, info.Size(), limit)
	}
	var buf bytes.Buffer
	buf.Grow(int(info.Size()) + bytes.MinRead) // ReadFrom wants MinRead spare to see EOF
	if _, err := buf.ReadFrom(io.LimitReader(f, limit+1)); err != nil {
		return File{}, fmt.Errorf("reading: %w", err)
	}
	if int64(buf.Len()) > limit {
		return File{}, fmt.Errorf("%w (limit %d)", ErrFileTooLarge, limit)
	}
	after, err := f.Stat()
	if err != nil {
		return File{}, fmt.Errorf("stat: %w", err)
	}
	if int64(buf.Len()) != after.Size() || !after.ModTime().Equal(info.ModTime()) {
		return File{}, errGrowing
	}
	return File{ContentType: sniff(buf.Bytes()), ModTime: info.ModTime(), Data: buf.Bytes()}, nil
}

// fail reports err for name unless the same error was already reported, and parks the file
// until it changes.
func (w *Watcher) fail(name string, st *fileState, err error) {
	st.stuck = true
	if msg := err.Error(); msg != st.lastErr {
		st.lastErr = msg
		w.report(name, err)
	}
}

func (w *Watcher) report(name string, err error) {
	if w.OnError != nil {
		w.OnError(name, err)
	}
}

// wanted reports whether name matches Patterns and is not a temporary or hidden name.
func (w *Watcher) wanted(name string) bool {
	lower := strings.ToLower(name)
	if strings.HasPrefix(lower, ".") || strings.HasPrefix(lower, "~") || strings.HasSuffix(lower, "~") {
		return false
	}
	for _, suffix := range []string{".tmp", ".part", ".partial", ".crdownload"} {
		if strings.HasSuffix(lower, suffix) {
			return false
		}
	}
	patterns := w.Patterns
	if len(patterns) == 0 {
		patterns = defaultPatterns
	}
	for _, p := range patterns {
		if ok, _ := filepath.Match(strings.ToLower(p), lower); ok {
			return true
		}
	}
	return false
}

func (w *Watcher) settle() time.Duration {
	if w.Settle > 0 {
		return w.Settle
	}
	return DefaultSettle
}

func (w *Watcher) maxFileBytes() int64 {
	if w.MaxFileBytes > 0 {
		return w.MaxFileBytes
	}
	return DefaultMaxFileBytes
}

func (w *Watcher) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

// sniff names the format of a scanned file from its first bytes.
func sniff(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}):
		return FormatJPEG
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return FormatPNG
	case bytes.HasPrefix(b, []byte("%PDF-")):
		return FormatPDF
	case bytes.HasPrefix(b, []byte("II*\x00")), bytes.HasPrefix(b, []byte("MM\x00*")):
		return "image/tiff"
	}
	return "application/octet-stream"
}
