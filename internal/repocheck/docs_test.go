package repocheck

import (
	"os/exec"
	"strings"
	"testing"
)

// TestEveryPackageHasADoc: every package says what it is for in a package doc comment (the
// first thing a reader of the code, and `go doc`, shows). A main package's doc says what the
// program does.
func TestEveryPackageHasADoc(t *testing.T) {
	cmd := exec.Command("go", "list", "-tags", "webkit2_41", "-f", "{{.ImportPath}}\t{{.Doc}}", "./...")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) < 40 {
		t.Fatalf("listed %d packages: the check is blind", len(lines))
	}
	for _, line := range lines {
		path, doc, _ := strings.Cut(line, "\t")
		if strings.TrimSpace(doc) == "" {
			t.Errorf("%s has no package doc comment: say what it is for above its package clause (one file, e.g. doc.go)", path)
		}
	}
}
