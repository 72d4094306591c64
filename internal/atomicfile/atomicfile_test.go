package atomicfile

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/internal/testenv"
)

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "state.json")
	if err := WriteFile(p, []byte(`{"a":1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(p, []byte(`{"a":2}`), 0o600); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	fi, _ := os.Stat(p)
	if string(b) != `{"a":2}` || fi.Mode().Perm() != 0o600 {
		t.Fatalf("%q %v", b, fi.Mode())
	}
	if es, _ := os.ReadDir(dir); len(es) != 1 {
		t.Fatalf("%d files in the folder, want 1", len(es))
	}
}

// A full disk: the error reaches the caller, the old file is whole, no temporary file stays.
func TestWriteFileFullDisk(t *testing.T) {
	dir := testenv.Tmpfs(t, 64<<10)
	p := filepath.Join(dir, "bridge.json")
	old := []byte(`{"veinPort":"/dev/ttyUSB0"}`)
	if err := WriteFile(p, old, 0o600); err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("x"), 128<<10)
	err := WriteFile(p, big, 0o600)
	if err == nil || !strings.Contains(err.Error(), syscall.ENOSPC.Error()) {
		t.Fatalf("writing onto a full disk: %v", err)
	}
	if b, _ := os.ReadFile(p); !bytes.Equal(b, old) {
		t.Fatalf("the old file became %d bytes", len(b))
	}
	if es, _ := os.ReadDir(dir); len(es) != 1 {
		t.Fatalf("%d files in the folder after the failed write, want 1", len(es))
	}
}

// TestLeftoversOfAKilledWrite: what a killed write left in a folder (a temporary file of a saved
// download, which may hold numbers) is removed by the next write into that folder, of the same
// file or another, once it is older than LeftoverAge; a younger one (maybe a write under way)
// and files that are not WriteFile's temporaries stay. RemoveLeftovers(dir, 0) removes them all.
func TestLeftoversOfAKilledWrite(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, ".numbers.csv.tmp-111")
	young := filepath.Join(dir, ".numbers.csv.tmp-222")
	other := filepath.Join(dir, ".other.csv.tmp-333") // a download never saved under that name again
	notOurs := []string{filepath.Join(dir, ".config.tmp-backup"), filepath.Join(dir, "a.tmp-1"), filepath.Join(dir, ".tmp-")}
	for _, p := range append([]string{old, young, other}, notOurs...) {
		if err := os.WriteFile(p, []byte("half a file"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	long := time.Now().Add(-2 * LeftoverAge)
	for _, p := range append([]string{old, other}, notOurs...) {
		os.Chtimes(p, long, long)
	}
	if err := WriteFile(filepath.Join(dir, "numbers.csv"), []byte("whole"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{old, other} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("the old leftover %s is still there", filepath.Base(p))
		}
	}
	for _, p := range append([]string{young}, notOurs...) {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s was removed", filepath.Base(p))
		}
	}
	RemoveLeftovers(dir, 0)
	if _, err := os.Stat(young); !os.IsNotExist(err) {
		t.Error("RemoveLeftovers(dir, 0) left the young leftover")
	}
}
