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
