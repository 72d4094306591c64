package daemon

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mynumber-shelter/shelter/bridge"

	"github.com/mynumber-shelter/shelter/devices/scanner"
	"github.com/mynumber-shelter/shelter/internal/sealbox"
)

func newInboxKey(t testing.TB) *ecdh.PrivateKey {
	t.Helper()
	k, err := sealbox.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// testJPEG is a JPEG header followed by random bytes that appear nowhere else.
func testJPEG(t testing.TB, n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	copy(b, []byte{0xFF, 0xD8, 0xFF, 0xE0})
	return b
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

func waitInbox(t *testing.T, c *bridge.Client, n int) []bridge.InboxItem {
	t.Helper()
	var items []bridge.InboxItem
	waitFor(t, "the inbox to hold the page", func() bool {
		var err error
		items, err = c.Inbox(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return len(items) >= n
	})
	return items
}

// noPlaintext fails if any file under dir contains a piece of secret.
func noPlaintext(t *testing.T, dir string, secret []byte) {
	t.Helper()
	probe := secret[len(secret)/2 : len(secret)/2+64]
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, probe) {
			t.Errorf("%s holds page bytes in the clear", path)
		}
		return nil
	})
}

// watchClock is the hot-folder watcher's clock in a test: it stands still until the test
// moves it, and counts the watcher's readings (one per poll) so the test can wait for polls.
type watchClock struct {
	mu    sync.Mutex
	t     time.Time
	reads int
	read  chan struct{} // closed and replaced on each reading
}

func newWatchClock() *watchClock {
	return &watchClock{t: time.Now(), read: make(chan struct{})}
}

func (c *watchClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reads++
	close(c.read)
	c.read = make(chan struct{})
	return c.t
}

func (c *watchClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// waitPolls waits until the watcher has read the clock twice more, so that at least one whole
// poll (a folder listing, then a reading) happened after the call.
func (c *watchClock) waitPolls(t *testing.T) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	c.mu.Lock()
	want := c.reads + 2
	for c.reads < want {
		ch := c.read
		c.mu.Unlock()
		select {
		case <-ch:
		case <-deadline:
			t.Fatal("the hot-folder watcher stopped polling")
		}
		c.mu.Lock()
	}
	c.mu.Unlock()
}

func TestInboxSealsHotFolder(t *testing.T) {
	clk := newWatchClock()
	srv, c, _ := scanServer(t, func(st *scanState) { st.settle, st.now = 300*time.Millisecond, clk.Now })
	ctx := context.Background()
	folder := t.TempDir()
	key := newInboxKey(t)
	if err := c.SetInboxKey(ctx, key.PublicKey().Bytes()); err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(StateDir(), "inbox.key")
	if b, err := os.ReadFile(keyFile); err != nil || !bytes.Equal(b, key.PublicKey().Bytes()) {
		t.Fatalf("inbox.key: %v", err)
	}
	if fi, _ := os.Stat(keyFile); fi.Mode().Perm() != 0o600 {
		t.Errorf("inbox.key mode %v", fi.Mode().Perm())
	}
	if err := c.SetConfig(ctx, bridge.Config{HotFolder: folder}); err != nil {
		t.Fatal(err)
	}
	evctx, cancel := context.WithCancel(ctx)
	defer cancel()
	events, err := c.Events(evctx)
	if err != nil {
		t.Fatal(err)
	}

	// The scanner writes the page in two pieces, pausing for less than the 300 ms settle time
	// in between; only the whole page may be taken. The watcher's clock moves only when the
	// test moves it, so the pause is exactly as long as the test says, however slow the machine.
	page := testJPEG(t, 256<<10)
	path := filepath.Join(folder, "scan0001.jpg")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(page[:100<<10])
	clk.waitPolls(t) // the watcher has seen the first piece
	clk.Add(250 * time.Millisecond)
	clk.waitPolls(t) // and looked again, 250 ms later: not settled
	if !exists(path) {
		t.Fatal("a page was taken before it settled")
	}
	f.Write(page[100<<10:])
	f.Close()
	clk.waitPolls(t) // the watcher has seen the change: settling starts again
	clk.Add(250 * time.Millisecond)
	clk.waitPolls(t) // 500 ms after the first piece, 250 ms after the second: not settled
	if !exists(path) {
		t.Fatal("a page was taken less than the settle time after it last changed")
	}
	clk.Add(time.Second)

	items := waitInbox(t, c, 1)
	it := items[0]
	if len(items) != 1 || it.Name != "scan0001.jpg" || it.ContentType != "image/jpeg" || it.Size != int64(len(page)) {
		t.Fatalf("inbox %+v", items)
	}
	if _, err := time.Parse(time.RFC3339, it.Received); err != nil {
		t.Errorf("received %q: %v", it.Received, err)
	}
	box, err := c.InboxBox(ctx, it.ID)
	if err != nil {
		t.Fatal(err)
	}
	got, err := sealbox.Open(key, []byte(bridge.InboxAAD+it.ID), box)
	if err != nil || !bytes.Equal(got, page) {
		t.Fatalf("the box does not open to the page: %v", err)
	}
	if _, err := sealbox.Open(key, []byte(bridge.InboxAAD+"other"), box); !errors.Is(err, sealbox.ErrOpen) {
		t.Error("the box opens under another id")
	}
	waitFor(t, "the original to be removed", func() bool { return !exists(path) })
	for _, name := range []string{it.ID + ".box", it.ID + ".json"} {
		if fi, err := os.Stat(filepath.Join(inboxDir(), name)); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v", name, err)
		}
	}
	if fi, _ := os.Stat(inboxDir()); fi.Mode().Perm() != 0o700 {
		t.Errorf("inbox dir mode %v", fi.Mode().Perm())
	}
	noPlaintext(t, StateDir(), page)
	waitFor(t, "the inbox_page event", func() bool {
		select {
		case e := <-events:
			return e.Type == bridge.EventInboxPage && e.ID == it.ID && e.Device == folder
		default:
			return false
		}
	})
	if d, _ := device(srv, "hotfolder", folder); d.State != "ok" {
		t.Errorf("hot folder device %+v", d)
	}

	// A new key replaces the old one for the next pages.
	key2 := newInboxKey(t)
	if err := c.SetInboxKey(ctx, key2.PublicKey().Bytes()); err != nil {
		t.Fatal(err)
	}
	page2 := testJPEG(t, 4096)
	os.WriteFile(filepath.Join(folder, "scan0002.jpg"), page2, 0o600)
	clk.waitPolls(t)
	clk.Add(time.Second)
	items = waitInbox(t, c, 2)
	box, _ = c.InboxBox(ctx, items[1].ID)
	if got, err := sealbox.Open(key2, []byte(bridge.InboxAAD+items[1].ID), box); err != nil || !bytes.Equal(got, page2) {
		t.Errorf("second page under the new key: %v", err)
	}

	// Deleting: once, then not found; ids that could leave the directory are refused.
	if err := c.DeleteInboxItem(ctx, it.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteInboxItem(ctx, it.ID); code(err) != "not_found" {
		t.Errorf("second delete: %v", err)
	}
	if items, _ := c.Inbox(ctx); len(items) != 1 || items[0].ID == it.ID {
		t.Errorf("inbox after delete %+v", items)
	}
	if _, err := c.InboxBox(ctx, "../inbox.key"); !errors.Is(err, bridge.ErrBadInboxID) {
		t.Errorf("client accepted a path as an id: %v", err)
	}
	for _, p := range []string{"/v1/inbox/..%2Finbox.key", "/v1/inbox/" + strings.ToUpper(items[0].ID), "/v1/inbox/%2e%2e"} {
		if err := c.Call(ctx, "GET", p, nil, &bridge.InboxBox{}); code(err) != "bad_request" && code(err) != "" {
			t.Errorf("GET %s: %v", p, err)
		} else if err == nil {
			t.Errorf("GET %s answered", p)
		}
	}
	if err := c.SetInboxKey(ctx, []byte{4, 1, 2}); code(err) != "bad_request" {
		t.Errorf("short key: %v", err)
	}
}

func TestInboxWaitsForKey(t *testing.T) {
	srv, c, stop := scanServer(t, nil)
	ctx := context.Background()
	folder := t.TempDir()
	if err := c.SetConfig(ctx, bridge.Config{HotFolder: folder}); err != nil {
		t.Fatal(err)
	}
	page := testJPEG(t, 2048)
	path := filepath.Join(folder, "waiting.jpg")
	os.WriteFile(path, page, 0o600)
	time.Sleep(400 * time.Millisecond) // well past the settle time
	if !exists(path) {
		t.Fatal("a file was taken without an inbox key")
	}
	d, _ := device(srv, "hotfolder", folder)
	if d.State != "disabled" || d.Detail != "waiting for the app's inbox key" {
		t.Errorf("hot folder device %+v", d)
	}
	if items, err := c.Inbox(ctx); err != nil || len(items) != 0 {
		t.Errorf("inbox %+v %v", items, err)
	}
	noPlaintext(t, StateDir(), page)

	// The key persists: a bridge started later on the same state seals without a new PUT.
	key := newInboxKey(t)
	if err := c.SetInboxKey(ctx, key.PublicKey().Bytes()); err != nil {
		t.Fatal(err)
	}
	waitInbox(t, c, 1)
	waitFor(t, "the original to be removed once the key came", func() bool { return !exists(path) })
	stop()
	// The config file and the key are both in the state dir: no call from the app is needed.
	srv2, c2, _ := scanServerAt(t, StateDir(), nil)
	os.WriteFile(filepath.Join(folder, "later.png"), append([]byte("\x89PNG\r\n\x1a\n"), page...), 0o600)
	items := waitInbox(t, c2, 2)
	if items[1].Name != "later.png" || items[1].ContentType != "image/png" {
		t.Errorf("inbox %+v", items)
	}
	if d, _ := device(srv2, "hotfolder", folder); d.State != "ok" {
		t.Errorf("device %+v", d)
	}
}

func TestInboxRefusesOtherFiles(t *testing.T) {
	srv, c, _ := scanServer(t, nil)
	ctx := context.Background()
	folder := t.TempDir()
	key := newInboxKey(t)
	c.SetInboxKey(ctx, key.PublicKey().Bytes())
	if err := c.SetConfig(ctx, bridge.Config{HotFolder: folder}); err != nil {
		t.Fatal(err)
	}
	txt := filepath.Join(folder, "notes.txt")
	os.WriteFile(txt, []byte("not a page"), 0o600)
	fake := filepath.Join(folder, "fake.jpg") // the name says JPEG, the bytes do not
	os.WriteFile(fake, []byte("GIF89a..."), 0o600)
	waitFor(t, "the refusal in the device panel", func() bool {
		d, _ := device(srv, "hotfolder", folder)
		return strings.Contains(d.LastError, "notes.txt") || strings.Contains(d.LastError, "fake.jpg")
	})
	time.Sleep(300 * time.Millisecond)
	d, _ := device(srv, "hotfolder", folder)
	if !strings.Contains(d.LastError, "not a JPEG, PNG, PDF or TIFF") || d.LastErrorAt == "" {
		t.Errorf("device %+v", d)
	}
	if !exists(txt) || !exists(fake) {
		t.Error("a refused file was removed")
	}
	if items, _ := c.Inbox(ctx); len(items) != 0 {
		t.Errorf("inbox %+v", items)
	}
}

// TestInboxCrashLeftovers: what an interrupted seal leaves is cleaned when the watcher starts;
// committed items stay.
func TestInboxCrashLeftovers(t *testing.T) {
	_, c, _ := scanServer(t, nil)
	ctx := context.Background()
	dir := inboxDir()
	os.MkdirAll(dir, 0o700)
	const kept, orphan, lone = "aaaaaaaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbbbb", "cccccccccccccccccccccccccc"
	os.WriteFile(filepath.Join(dir, kept+".box"), []byte("box"), 0o600)
	os.WriteFile(filepath.Join(dir, kept+".json"), []byte(`{"id":"`+kept+`","name":"a.jpg","contentType":"image/jpeg","size":1,"received":"2025-01-01T00:00:00Z"}`), 0o600)
	os.WriteFile(filepath.Join(dir, orphan+".box"), []byte("box"), 0o600)
	os.WriteFile(filepath.Join(dir, lone+".json"), []byte(`{}`), 0o600)
	os.WriteFile(filepath.Join(dir, "."+orphan+".json.tmp-123"), []byte("half"), 0o600)
	key := newInboxKey(t)
	c.SetInboxKey(ctx, key.PublicKey().Bytes())
	if err := c.SetConfig(ctx, bridge.Config{HotFolder: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	// The watcher deletes the leftovers one by one in its own goroutine: wait for all of them,
	// not just the first (the temporary file sorts first and goes first).
	leftovers := []string{"." + orphan + ".json.tmp-123", orphan + ".box", lone + ".json"}
	waitFor(t, "the watcher to clean up", func() bool {
		for _, name := range leftovers {
			if exists(filepath.Join(dir, name)) {
				return false
			}
		}
		return true
	})
	if items, _ := c.Inbox(ctx); len(items) != 1 || items[0].ID != kept {
		t.Errorf("inbox %+v", items)
	}
}

func TestInboxName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"scan0001.jpg", "scan0001.jpg"},
		{"123456789018.jpg", "page.jpg"},     // a My Number as the name
		{"1234-5678-9018 表.PDF", "page.pdf"}, // digits with separators count too
		{"ｍｙ番号１２３４５６７８９０１８.png", "page.png"}, // full-width digits
		{"../../etc/passwd", "passwd"},
		{"a\x00b\x1f.jpg", "ab.jpg"},
		{strings.Repeat("あ", 100) + ".jpg", strings.Repeat("あ", 40)},
		{"", "page"},
	}
	for _, tt := range tests {
		if got := inboxName(tt.in); got != tt.want {
			t.Errorf("inboxName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzInboxName(f *testing.F) {
	for _, s := range []string{"scan.jpg", "123456789018.jpg", "../x", "\xff\xfe.png", "a/b\\c.pdf"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		got := inboxName(name)
		digits := 0
		for _, r := range got {
			if r >= '0' && r <= '9' || r >= '０' && r <= '９' {
				digits++
			}
		}
		if len(got) > 120 || got == "" || strings.ContainsAny(got, "/\x00") || !utf8.ValidString(got) || digits >= 12 {
			t.Fatalf("inboxName(%q) = %q", name, got)
		}
	})
}

// BenchmarkInboxSeal takes 1 MB one-page files into the inbox (seal, the box, the take record
// and the sidecar fsynced, two directory syncs).
func BenchmarkInboxSeal(b *testing.B) {
	b.Setenv("SHELTER_BRIDGE_STATE", b.TempDir())
	srv := &Server{}
	srv.init()
	key := newInboxKey(b)
	page := testJPEG(b, 1<<20)
	b.SetBytes(int64(len(page)))
	b.ResetTimer()
	for range b.N {
		f := scanner.File{Name: "p.jpg", ContentType: "image/jpeg", Data: page}
		id, items, err := srv.takePages(nil, key.PublicKey(), takeSource(b.TempDir(), page), []scanner.File{f})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		srv.dropTake(id)
		removeInboxItem(inboxDir(), items[0].ID)
		b.StartTimer()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
}
