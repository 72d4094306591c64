package repocheck

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// A runtime import (not `import type`) of a relative module: `import … from "./x"`, over lines.
var tsImport = regexp.MustCompile(`(?s)(?:^|\n)import\s+(type\s+)?[^;]*?from\s+"(\.[^"]+)"`)

// TestFrontendHasNoImportCycle fails when the frontend's modules import each other in a
// circle at run time (type-only imports are erased and do not count): a cycle makes the order
// modules start in depend on which one is loaded first, the bug api.ts → ui/stepUp.ts →
// api_factors.ts → api.ts could become.
func TestFrontendHasNoImportCycle(t *testing.T) {
	root := filepath.Join("..", "..", "frontend", "src")
	deps := map[string][]string{}
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".ts") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		deps[rel] = nil
		for _, m := range tsImport.FindAllStringSubmatch(string(b), -1) {
			if m[1] != "" {
				continue // import type
			}
			to := filepath.Join(filepath.Dir(rel), m[2])
			if !strings.HasSuffix(to, ".ts") && !strings.HasSuffix(to, ".css") {
				to += ".ts"
			}
			deps[rel] = append(deps[rel], to)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(deps) < 20 || len(deps["app.ts"]) == 0 {
		t.Fatalf("read %d modules (app.ts imports %v): the scan is broken", len(deps), deps["app.ts"])
	}
	const (
		white = iota
		grey
		black
	)
	color := map[string]int{}
	var stack []string
	var visit func(m string)
	visit = func(m string) {
		color[m] = grey
		stack = append(stack, m)
		for _, d := range deps[m] {
			switch color[d] {
			case grey:
				i := slices.Index(stack, d)
				t.Errorf("import cycle: %s → %s", strings.Join(stack[i:], " → "), d)
			case white:
				visit(d)
			}
		}
		stack = stack[:len(stack)-1]
		color[m] = black
	}
	names := make([]string, 0, len(deps))
	for m := range deps {
		names = append(names, m)
	}
	slices.Sort(names)
	for _, m := range names {
		if color[m] == white {
			visit(m)
		}
	}
}
