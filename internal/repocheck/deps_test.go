package repocheck

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/mynumber-shelter/shelter"

// goList runs `go list` in the repository root for the given arguments and returns its lines.
func goList(t *testing.T, args ...string) []string {
	return goListFor(t, "", args...)
}

// goListFor is goList for another GOOS ("" = this one).
func goListFor(t *testing.T, goos string, args ...string) []string {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	cmd.Dir = "../.."
	if goos != "" {
		cmd.Env = append(os.Environ(), "GOOS="+goos, "CGO_ENABLED=0")
	}
	out, err := cmd.Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("go list %s: %v\n%s", strings.Join(args, " "), err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	return strings.Fields(string(out))
}

// TestAppLinksNoDeviceCode: the desktop app's binary (the main package, built for Linux with
// WebKitGTK 4.1 and for Windows) holds no device driver, no PC/SC or serial library and not
// the bridge daemon: it reaches devices only through the bridge's client. shelterctl may read
// a card itself (`shelterctl card read`), but never links the daemon.
func TestAppLinksNoDeviceCode(t *testing.T) {
	forbidden := []string{module + "/devices/", module + "/bridge/daemon", "github.com/ebfe/scard", "github.com/tarm/serial"}
	for _, goos := range []string{"linux", "windows"} {
		deps := goListFor(t, goos, "-deps", "-tags", "webkit2_41", ".")
		if len(deps) < 50 {
			t.Fatalf("go list -deps found only %d packages: the check is blind", len(deps))
		}
		sawClient := false
		for _, d := range deps {
			sawClient = sawClient || d == module+"/bridge"
			for _, f := range forbidden {
				if strings.HasPrefix(d, f) {
					t.Errorf("the app (%s) depends on %s", goos, d)
				}
			}
		}
		if !sawClient {
			t.Errorf("the app (%s) does not link the bridge client: the check is looking at the wrong package", goos)
		}
	}
	for _, d := range goList(t, "-deps", "./app/cmd/shelterctl") {
		if strings.HasPrefix(d, module+"/bridge/daemon") {
			t.Errorf("shelterctl depends on %s", d)
		}
	}
}

// TestLayers: the layers below the app (bridge/, cloud/, devices/, internal/) never import
// app/: what they share with it lives in internal/. Test files are included, except the
// end-to-end tests of bridge/sync, which drive a real vault against the relay.
func TestLayers(t *testing.T) {
	allowedInTests := map[string]bool{module + "/bridge/sync": true}
	n := 0
	for _, line := range goList(t, "-f", `{{.ImportPath}}|{{join .Imports ","}}|{{join .TestImports ","}},{{join .XTestImports ","}}`,
		"./bridge/...", "./cloud/...", "./devices/...", "./internal/...") {
		n++
		parts := strings.SplitN(line, "|", 3)
		pkg, imports, testImports := parts[0], parts[1], parts[2]
		for _, imp := range strings.Split(imports, ",") {
			if strings.HasPrefix(imp, module+"/app/") {
				t.Errorf("%s imports %s", pkg, imp)
			}
		}
		if allowedInTests[pkg] || pkg == module+"/internal/relaytest" {
			continue
		}
		for _, imp := range strings.Split(testImports, ",") {
			if strings.HasPrefix(imp, module+"/app/") {
				t.Errorf("%s's tests import %s", pkg, imp)
			}
		}
	}
	if n < 20 {
		t.Fatalf("checked only %d packages: the check is blind", n)
	}
}

// TestSealboxOnlyInTheVault: in the app, only app/vault makes box keys, opens sealed boxes or
// seals to a peer (app/vault/boxes.go); tests that play the phone or the bridge may seal.
func TestSealboxOnlyInTheVault(t *testing.T) {
	n := 0
	for _, line := range goList(t, "-f", `{{.ImportPath}}|{{join .Imports ","}}`, "./app/...", ".") {
		n++
		pkg, imports, _ := strings.Cut(line, "|")
		if pkg == module+"/app/vault" {
			if !strings.Contains(imports, module+"/internal/sealbox") {
				t.Error("app/vault no longer uses sealbox: the check is looking at the wrong place")
			}
			continue
		}
		for _, imp := range strings.Split(imports, ",") {
			if imp == module+"/internal/sealbox" {
				t.Errorf("%s uses sealbox directly; use the vault's box methods", pkg)
			}
		}
	}
	if n < 10 {
		t.Fatalf("checked only %d packages: the check is blind", n)
	}
}

// TestThinBoundServices: the bound services in app/ui check the session and the role, call a
// domain package and map the result; they run no SQL and write no history entries themselves
// (2-1's query, with the shared companies' entries merged in, is app/history.Query).
func TestThinBoundServices(t *testing.T) {
	known := map[string]int{}
	files, err := filepath.Glob("../../app/ui/*.go")
	if err != nil || len(files) < 20 {
		t.Fatalf("app/ui has %d files: the check is blind (%v)", len(files), err)
	}
	for _, f := range files {
		name := filepath.Base(f)
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src := string(b)
		n := 0
		for _, call := range []string{"tx.Query(", "tx.QueryRow(", "tx.Exec(", ".QueryContext(", ".ExecContext("} {
			n += strings.Count(src, call)
		}
		if n > known[name] {
			t.Errorf("app/ui/%s runs %d SQL statements (allowed %d): move them into a domain package", name, n, known[name])
		}
		if strings.Contains(src, ".Append(tx") {
			t.Errorf("app/ui/%s appends to the history itself: let the domain package record it", name)
		}
	}
}
