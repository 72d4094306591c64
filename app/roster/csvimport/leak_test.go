package csvimport

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mynumber-shelter/shelter/internal/mynumber"
)

// scanForNumbers fails the test for every file under root that holds a check-digit-valid
// 12-digit run, and returns how many files it read.
func scanForNumbers(t *testing.T, root string) int {
	t.Helper()
	files := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) { // a temporary file removed while walking
				return nil
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		b, err := os.ReadFile(path)
		if os.IsNotExist(err) {
			return nil
		}
		if err != nil {
			return err
		}
		files++
		if off, hit := mynumber.ContainsValidIndividual(b); hit {
			t.Errorf("%s holds a check-digit-valid 12-digit string at byte %d", path, off)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestNoNumberInFiles imports 3,000 employees with numbers, then scans vault.db, vault.db-wal
// and SQLite's temporary directory for any check-digit-valid 12-digit string, while the vault is
// open and again after it is closed.
func TestNoNumberInFiles(t *testing.T) {
	if _, hit := mynumber.ContainsValidIndividual([]byte("x" + testNumber(1) + "y")); !hit {
		t.Fatal("the scanner does not find a test number")
	}
	sqliteTmp := filepath.Join(t.TempDir(), "sqlite-tmp")
	if err := os.Mkdir(sqliteTmp, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TMPDIR", sqliteTmp)
	t.Setenv("SQLITE_TMPDIR", sqliteTmp)
	f := newFixture(t)
	var b strings.Builder
	b.WriteString(header)
	const n = 3000
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "E%05d,社員 %d,シャイン,1980-01-01,男,部署%d,2020-04-01,,e%d@example.jp,%s\n", i, i, i%7, i, testNumber(i))
	}
	rep, err := f.commit(b.String(), Mapping{})
	if err != nil || rep.Numbers != n {
		t.Fatalf("import: %v %+v", err, rep)
	}
	// A preview of the same file (all numbers already registered) reads them all back.
	if rep := f.preview(b.String(), Mapping{}); rep.Unchanged != n {
		t.Fatalf("preview after import: %+v", rep)
	}
	if _, err := os.Stat(filepath.Join(f.dir, "vault.db-wal")); err != nil {
		t.Fatalf("no WAL to scan: %v", err)
	}
	if files := scanForNumbers(t, f.dir) + scanForNumbers(t, sqliteTmp); files < 2 {
		t.Fatalf("scanned %d files", files)
	}
	if err := f.db.Close(); err != nil {
		t.Fatal(err)
	}
	scanForNumbers(t, f.dir)
	scanForNumbers(t, sqliteTmp)
}
