//go:build unix

package testenv

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// vpcdSettle is how long after a test let go of a slot the next one waits (pcscd's poll of the
// vpcd reader is well under a second).
const vpcdSettle = 1500 * time.Millisecond

// VPCDBasePort is the TCP port of vpcd's first virtual reader (slot 0); slot n listens on
// VPCDBasePort+n.
const VPCDBasePort = 35963

// VPCDSlot reserves vpcd slot n for the rest of the test and returns the address a virtual
// card connects to and the name pcscd gives the reader. Packages run in parallel under
// `go test ./...`; two tests inserting cards into the same slot would see each other's
// cards, so the slot is held with an exclusive flock on /tmp/shelter-vpcd-slot<n>.lock, which
// waits for another holder (and lets pcscd see its card go), and is released at the test's cleanup (or when the process dies).
// It does not check that pcscd runs: the caller does.
func VPCDSlot(t testing.TB, n int) (addr, reader string) {
	t.Helper()
	path := filepath.Join(os.TempDir(), fmt.Sprintf("shelter-vpcd-slot%d.lock", n))
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatalf("vpcd slot lock: %v", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		t.Fatalf("vpcd slot lock: %v", err)
	}
	// pcscd polls the reader: a card put in right after the last holder pulled its own would
	// be taken for the old one (reads then fail). The holder writes when it let go; wait.
	if b, err := io.ReadAll(f); err == nil {
		if ns, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil {
			if d := time.Until(time.Unix(0, ns).Add(vpcdSettle)); d > 0 && d <= vpcdSettle {
				time.Sleep(d)
			}
		}
	}
	t.Cleanup(func() {
		f.Truncate(0)
		f.WriteAt([]byte(strconv.FormatInt(time.Now().UnixNano(), 10)), 0)
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	})
	return fmt.Sprintf("127.0.0.1:%d", VPCDBasePort+n), fmt.Sprintf("Virtual PCD 00 %02d", n)
}
