package repocheck

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// reserved are the names Windows keeps for devices, with or without an extension.
var reserved = regexp.MustCompile(`(?i)^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$`)

// TestFileNamesWorkOnWindows: every file and folder of the repository can be checked out on
// Windows (Git for Windows refuses reserved device names, and names with <>:"|?* or a
// trailing dot or space).
func TestFileNamesWorkOnWindows(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("not the repository root: %s", root)
	}
	n := 0
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() && (name == ".git" || name == "node_modules" || name == "build" || name == "dist") && path != root {
			return filepath.SkipDir
		}
		n++
		rel, _ := filepath.Rel(root, path)
		switch {
		case reserved.MatchString(name):
			t.Errorf("%s: %q is a reserved device name on Windows", rel, name)
		case strings.ContainsAny(name, `<>:"|?*\`):
			t.Errorf("%s: a character Windows refuses in a name", rel)
		case path != root && (strings.HasSuffix(name, ".") || strings.HasSuffix(name, " ")):
			t.Errorf("%s: a name ending with a dot or a space", rel)
		}
		return nil
	})
	if n < 100 {
		t.Fatalf("walked only %d names: the check is blind", n)
	}
}

// TestNoRecoveryKitInTheTree: a Recovery Kit opens a vault; one saved by a test run or a
// download into the working directory must never be committed (one was, once).
func TestNoRecoveryKitInTheTree(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if (name == ".git" || name == "node_modules" || name == "build") && path != root {
				return filepath.SkipDir
			}
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		if strings.Contains(strings.ToLower(name), "recovery-kit") && !strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, ".ts") {
			t.Errorf("%s: a Recovery Kit file in the source tree", rel)
			return nil
		}
		if info, err := d.Info(); err == nil && info.Size() < 1<<20 && strings.HasSuffix(name, ".txt") {
			if b, err := os.ReadFile(path); err == nil && strings.Contains(string(b), "リカバリーキー:") && !strings.Contains(rel, "testdata") {
				t.Errorf("%s: holds a Recovery Kit", rel)
			}
		}
		return nil
	})
}
