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

// TestLeftoversOfAKilledWrite: what a killed write of the same file left (a temporary file of
// the saved download, which may hold numbers) is removed by the next write once it is older
// than LeftoverAge; a younger one (maybe a write under way) and other files stay.
func TestLeftoversOfAKilledWrite(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, ".numbers.csv.tmp-111")
	young := filepath.Join(dir, ".numbers.csv.tmp-222")
	other := filepath.Join(dir, ".other.csv.tmp-333")
	for _, p := range []string{old, young, other} {
		if err := os.WriteFile(p, []byte("half a file"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	long := time.Now().Add(-2 * LeftoverAge)
	os.Chtimes(old, long, long)
	os.Chtimes(other, long, long)
	if err := WriteFile(filepath.Join(dir, "numbers.csv"), []byte("whole"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Error("the old leftover is still there")
	}
	for _, p := range []string{young, other} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s was removed", filepath.Base(p))
		}
	}
}
