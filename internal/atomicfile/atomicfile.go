// Package atomicfile writes a file so that it holds either its old content or the whole new
// content, whatever happens (a crash, a kill, a full disk): the data goes to a temporary file
// in the same folder, which is synced, closed and renamed over the target, and the folder is
// synced so that the rename itself is durable. Every error reaches the caller, and a failed
// write leaves the old file as it was and no temporary file behind.
//
// It is the one place the bridge and the app write whole files: the bridge's state (its config,
// its relay enrolment, the inbox key) and the files a user saves from the app's screens. A kill
// -9 between creating and renaming the temporary file can leave it behind (hidden, mode 0600,
// next to the target, named ".<target>.tmp-<digits>"): the next write into the same folder,
// of any file, removes such leftovers once they are older than [LeftoverAge] (a saved
// download may hold numbers; it must not linger until the same name is saved again), and
// [RemoveLeftovers] lets a program that owns a folder clear them when it starts.
package atomicfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// LeftoverAge is how old a temporary file of a write of the same target must be before
// WriteFile takes it for the leftover of a killed write (a younger one may be a write under way).
const LeftoverAge = 10 * time.Minute

// WriteFile writes data to path with mode perm, atomically (see the package documentation).
func WriteFile(path string, data []byte, perm os.FileMode) (err error) {
	dir := filepath.Dir(path)
	prefix := "." + filepath.Base(path) + ".tmp-"
	RemoveLeftovers(dir, LeftoverAge)
	tmp, err := os.CreateTemp(dir, prefix+"*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", filepath.Base(path), err)
	}
	defer func() {
		if err != nil {
			os.Remove(tmp.Name())
		}
	}()
	_, werr := tmp.Write(data)
	err = errors.Join(werr, tmp.Chmod(perm), tmp.Sync())
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err == nil {
		err = SyncDir(dir)
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", filepath.Base(path), err)
	}
	return nil
}

// RemoveLeftovers removes the temporary files of killed writes in dir (of any target) that are
// older than age; 0 removes all of them, for a caller that knows no write is under way there.
func RemoveLeftovers(dir string, age time.Duration) {
	es, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range es {
		if !e.Type().IsRegular() || !isTemp(e.Name()) {
			continue
		}
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) >= age {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// isTemp reports whether name is one of WriteFile's temporary names: ".<target>.tmp-<digits>".
func isTemp(name string) bool {
	i := strings.LastIndex(name, ".tmp-")
	if !strings.HasPrefix(name, ".") || i < 2 || i == len(name)-len(".tmp-") {
		return false
	}
	return strings.Trim(name[i+len(".tmp-"):], "0123456789") == ""
}

// SyncDir makes a rename in dir durable. Windows cannot sync a folder (NTFS journals renames
// itself): there it does nothing.
func SyncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}
