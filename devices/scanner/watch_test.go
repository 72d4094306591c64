package scanner

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"
)

var (
	jpegBytes = append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, bytes.Repeat([]byte{7}, 100)...)
	pdfBytes  = []byte("%PDF-1.4\n%…\n%%EOF\n")
)

// hotFolder runs a Watcher on a fresh temp dir and records what it hands over and reports.
type hotFolder struct {
	t    *testing.T
	dir  string
	w    *Watcher
	mu   sync.Mutex
	got  []File
	errs []error
	fail func(File) error // nil: accept
	stop func()
	done chan error
}

func newHotFolder(t *testing.T, settle time.Duration) *hotFolder {
	h := &hotFolder{t: t, dir: t.TempDir(), done: make(chan error, 1)}
	h.w = &Watcher{Dir: h.dir, Settle: settle, Interval: 5 * time.Millisecond,
		OnError: func(name string, err error) {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.errs = append(h.errs, err)
		}}
	return h
}

func (h *hotFolder) start() {
	ctx, cancel := context.WithCancel(context.Background())
	h.stop = cancel
	go func() {
		h.done <- h.w.Run(ctx, func(f File) error {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.got = append(h.got, f)
			if h.fail != nil {
				return h.fail(f)
			}
			return nil
		})
	}()
	h.t.Cleanup(func() {
		cancel()
		if err := <-h.done; !errors.Is(err, context.Canceled) {
			h.t.Errorf("Run returned %v", err)
		}
	})
}

func (h *hotFolder) write(name string, data []byte) {
	h.t.Helper()
	if err := os.WriteFile(filepath.Join(h.dir, name), data, 0o600); err != nil {
		h.t.Fatal(err)
	}
}

func (h *hotFolder) exists(name string) bool {
	_, err := os.Lstat(filepath.Join(h.dir, name))
	return err == nil
}

// snapshot returns copies of what was handed over and reported so far.
func (h *hotFolder) snapshot() ([]File, []error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]File(nil), h.got...), append([]error(nil), h.errs...)
}

// waitFor polls cond for up to 5 s.
func (h *hotFolder) waitFor(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestWatcherPickUpAndRemove(t *testing.T) {
	h := newHotFolder(t, 50*time.Millisecond)
	ignored := []string{".scan.jpg", "scan.jpg.tmp", "~$scan.jpg", "notes.txt", "scan.JPG.part", "scan.jpg~"}
	for _, name := range ignored {
		h.write(name, jpegBytes)
	}
	h.write("a.jpg", jpegBytes)
	h.write("b.pdf", pdfBytes)
	h.write("C.JPEG", []byte("not an image"))
	h.start()
	h.waitFor("three files", func() bool { got, _ := h.snapshot(); return len(got) == 3 })
	h.waitFor("removal", func() bool { return !h.exists("a.jpg") && !h.exists("b.pdf") && !h.exists("C.JPEG") })

	got, errs := h.snapshot()
	want := []struct{ name, ct string }{{"C.JPEG", "application/octet-stream"}, {"a.jpg", FormatJPEG}, {"b.pdf", FormatPDF}}
	for i, w := range want {
		if got[i].Name != w.name || got[i].ContentType != w.ct {
			t.Errorf("file %d = %s (%s), want %s (%s)", i, got[i].Name, got[i].ContentType, w.name, w.ct)
		}
	}
	if !bytes.Equal(got[1].Data, jpegBytes) || !bytes.Equal(got[2].Data, pdfBytes) {
		t.Error("data differs from the files")
	}
	for _, name := range ignored {
		if !h.exists(name) {
			t.Errorf("%s was removed", name)
		}
	}
	if len(errs) != 0 {
		t.Errorf("errors reported: %v", errs)
	}
}

func TestWatcherSlowWriter(t *testing.T) {
	h := newHotFolder(t, 300*time.Millisecond)
	h.start()
	f, err := os.Create(filepath.Join(h.dir, "slow.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	chunk := bytes.Repeat([]byte{0xAB}, 1024)
	var want []byte
	for i := range 20 {
		c := chunk
		if i == 0 {
			c = append([]byte{0xFF, 0xD8, 0xFF}, chunk[3:]...)
		}
		if _, err := f.Write(c); err != nil {
			t.Fatal(err)
		}
		want = append(want, c...)
		time.Sleep(10 * time.Millisecond)
		if got, _ := h.snapshot(); len(got) != 0 {
			t.Fatalf("handed over after %d of 20 chunks", i+1)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	h.waitFor("the file", func() bool { got, _ := h.snapshot(); return len(got) == 1 && !h.exists("slow.jpg") })
	got, _ := h.snapshot()
	if !bytes.Equal(got[0].Data, want) {
		t.Errorf("got %d bytes, want the whole %d", len(got[0].Data), len(want))
	}
}

func TestWatcherFailingCallbackLeavesFile(t *testing.T) {
	h := newHotFolder(t, 20*time.Millisecond)
	errVault := errors.New("vault sealed")
	var mu sync.Mutex
	refuse := true
	h.fail = func(File) error {
		mu.Lock()
		defer mu.Unlock()
		if refuse {
			return errVault
		}
		return nil
	}
	h.write("id.jpg", jpegBytes)
	h.start()
	h.waitFor("the first attempt", func() bool { got, _ := h.snapshot(); return len(got) == 1 })
	time.Sleep(30 * h.w.Interval) // many polls: no retry in a loop
	got, errs := h.snapshot()
	if len(got) != 1 || len(errs) != 1 || !errors.Is(errs[0], errVault) {
		t.Fatalf("attempts %d, reports %v; want one of each", len(got), errs)
	}
	if !h.exists("id.jpg") {
		t.Fatal("a refused file was removed")
	}

	// Once the file changes it is offered again; this time it is taken and removed.
	mu.Lock()
	refuse = false
	mu.Unlock()
	h.write("id.jpg", append(jpegBytes, 1))
	h.waitFor("the second attempt", func() bool { got, _ := h.snapshot(); return len(got) == 2 })
	h.waitFor("removal", func() bool { return !h.exists("id.jpg") })
}

func TestWatcherRefusesLinks(t *testing.T) {
	h := newHotFolder(t, 20*time.Millisecond)
	outside := filepath.Join(t.TempDir(), "secret.jpg")
	if err := os.WriteFile(outside, jpegBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(h.dir, "link.jpg")); err != nil {
		t.Skipf("symlinks unavailable: %v", err)
	}
	links := []string{"link.jpg"}
	if runtime.GOOS != "windows" {
		if err := os.Link(outside, filepath.Join(h.dir, "hard.jpg")); err != nil {
			t.Fatal(err)
		}
		links = append(links, "hard.jpg")
	}
	h.write("ok.jpg", jpegBytes)
	h.start()
	h.waitFor("ok.jpg", func() bool { return !h.exists("ok.jpg") })
	h.waitFor("reports", func() bool { _, errs := h.snapshot(); return len(errs) == len(links) })
	time.Sleep(20 * h.w.Interval)

	got, errs := h.snapshot()
	if len(got) != 1 || got[0].Name != "ok.jpg" {
		t.Errorf("handed over %d files, want only ok.jpg", len(got))
	}
	if len(errs) != len(links) {
		t.Errorf("reports = %v, want one per link", errs)
	}
	for _, err := range errs {
		if !errors.Is(err, ErrUnsafeFile) {
			t.Errorf("report %v is not ErrUnsafeFile", err)
		}
	}
	for _, name := range links {
		if !h.exists(name) {
			t.Errorf("%s was removed", name)
		}
	}
	if b, err := os.ReadFile(outside); err != nil || !bytes.Equal(b, jpegBytes) {
		t.Error("the file outside the folder was touched")
	}
}

func TestWatcherTooLarge(t *testing.T) {
	h := newHotFolder(t, 20*time.Millisecond)
	h.w.MaxFileBytes = 50
	h.write("big.jpg", jpegBytes)
	h.start()
	h.waitFor("the report", func() bool { _, errs := h.snapshot(); return len(errs) == 1 })
	time.Sleep(20 * h.w.Interval)
	got, errs := h.snapshot()
	if len(got) != 0 || len(errs) != 1 || !errors.Is(errs[0], ErrFileTooLarge) || !h.exists("big.jpg") {
		t.Errorf("handed %d, reports %v; want none, one ErrFileTooLarge, file kept", len(got), errs)
	}
}

func TestWatcherMissingDir(t *testing.T) {
	w := &Watcher{Dir: filepath.Join(t.TempDir(), "missing")}
	if err := w.Run(context.Background(), func(File) error { return nil }); err == nil {
		t.Fatal("Run on a missing folder returned nil")
	}
}

func TestWatcherWanted(t *testing.T) {
	w := &Watcher{Patterns: []string{"SCAN_*.PDF"}}
	for name, want := range map[string]bool{
		"scan_001.pdf": true, "SCAN_002.PDF": true, "scan_003.jpg": false, "other.pdf": false,
		".scan_004.pdf": false, "scan_005.pdf.tmp": false,
	} {
		if got := w.wanted(name); got != want {
			t.Errorf("wanted(%q) = %v, want %v", name, got, want)
		}
	}
}
