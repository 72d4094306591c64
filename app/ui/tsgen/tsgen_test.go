package tsgen

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/app/ui"
)

// TestContractIsCurrent: the committed frontend/src/contract.gen.ts is what the Go types of the
// bound services give. When it fails, a Go type changed (or the file was edited): run
// `make contract` and let `npm run build` show the frontend code that no longer fits.
func TestContractIsCurrent(t *testing.T) {
	root := filepath.Join("..", "..", "..")
	want, err := Generate(root)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(Path)))
	if err != nil {
		t.Fatalf("%v: run `make contract`", err)
	}
	got = bytes.ReplaceAll(got, []byte("\r\n"), []byte("\n")) // a checkout with Windows line ends
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is not what the Go types of app/ui give: run `make contract` (go run ./app/cmd/tsgen), then `cd frontend && npm run build`\n%s",
			Path, firstDifference(string(got), string(want)))
	}
	if !bytes.Contains(want, []byte("export interface SessionState {")) || !bytes.Contains(want, []byte("  SessionService: {")) {
		t.Fatal("the contract misses SessionState or SessionService: the generator is looking at the wrong services")
	}
}

// firstDifference shows the first line where the committed file and the generated one part.
func firstDifference(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range max(len(g), len(w)) {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return "line " + strconv.Itoa(i+1) + ":\n  committed: " + gl + "\n  generated: " + wl
		}
	}
	return ""
}

// The types of a made-up service, one for each rule of the package doc.
type (
	Inner struct {
		Deep string `json:"deep"`
	}
	Base struct {
		ID    int64  `json:"id"`
		Shade string `json:"name"` // loses to Outer's tagged field of the same name at depth 0
	}
	Code   string
	Marked struct{}
	Outer  struct {
		Base
		*Inner
		Name     string            `json:"name"`
		Hidden   string            `json:"-"`
		Untagged bool              // no tag: the Go name
		Count    int               `json:"count,string"`
		Maybe    *Inner            `json:"maybe"`
		Opt      *Inner            `json:"opt,omitempty"`
		List     []Inner           `json:"list"`
		OptList  []string          `json:"optList,omitempty"`
		Ptrs     []*Inner          `json:"ptrs"`
		ByName   map[string]int    `json:"byName"`
		ByID     map[int64][]Inner `json:"byId,omitempty"`
		When     time.Time         `json:"when"`
		WhenOpt  time.Time         `json:"whenOpt,omitempty"` // omitempty never leaves out a struct
		Zero     time.Time         `json:"zero,omitzero"`
		Raw      []byte            `json:"raw"`
		Any      any               `json:"any"`
		Code     Code              `json:"code"`
		Anon     struct {
			A int `json:"a"`
		} `json:"anon"`
	}
	fakeService  struct{}
	clashService struct{}
	// SessionState clashes with app/ui's type of that name.
	SessionState struct{}
	chanService  struct{}
)

func (*fakeService) Get(in Outer, n int) (*Outer, error) { return nil, nil }
func (*fakeService) List() ([]Outer, error)              { return nil, nil }
func (*fakeService) Do() error                           { return nil }
func (*fakeService) Mark(m Marked) error                 { return nil }

func (*clashService) State() (SessionState, error) { return SessionState{}, nil }
func (*chanService) Watch() (chan int, error)      { return nil, nil }

func TestGenerateRules(t *testing.T) {
	out, err := generate("", []any{&fakeService{}})
	if err != nil {
		t.Fatal(err)
	}
	want := `export interface Outer {
  id: number;
  deep: string;
  name: string;
  Untagged: boolean;
  count: string;
  maybe: Inner | null;
  opt?: Inner;
  list: Inner[] | null;
  optList?: string[];
  ptrs: (Inner | null)[] | null;
  byName: Record<string, number> | null;
  byId?: Record<string, Inner[] | null>;
  when: string;
  whenOpt: string;
  zero?: string;
  raw: string | null;
  any: unknown;
  code: string;
  anon: { a: number; };
}`
	if !strings.Contains(string(out), want) {
		t.Errorf("Outer:\n%s\nwant it to contain\n%s", out, want)
	}
	for _, w := range []string{
		"export interface Inner {\n  deep: string;\n}",
		"export interface Marked {\n}",
		"  fakeService: {\n    Do: () => Promise<void>;\n    Get: (arg0: Outer, arg1: number) => Promise<Outer | null>;\n    List: () => Promise<Outer[] | null>;\n    Mark: (arg0: Marked) => Promise<void>;\n  };",
	} {
		if !strings.Contains(string(out), w) {
			t.Errorf("the output misses\n%s\n---\n%s", w, out)
		}
	}
	if strings.Contains(string(out), "Hidden") || strings.Contains(string(out), "Shade") {
		t.Errorf("the output has a field encoding/json leaves out:\n%s", out)
	}
}

// TestGenerateRefuses: a name two Go types share, and a type without a JSON form, fail
// generation with a message that says which.
func TestGenerateRefuses(t *testing.T) {
	for _, c := range []struct {
		services []any
		want     string
	}{
		{[]any{&clashService{}, new(ui.App).Services()[0]}, "are both SessionState in TypeScript"},
		{[]any{&chanService{}}, "chanService.Watch result: chan int (chan) has no JSON form"},
		{[]any{fakeService{}}, "must be a pointer to a named struct"},
	} {
		_, err := generate("", c.services)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want one saying %q", err, c.want)
		}
	}
}

// TestFrontendNamesErrorCodes: the frontend compares an error's code with Code.X (generated
// from ui.ErrorCodes), never with the code's string, so a code changed in Go fails its type
// check instead of silently never matching.
func TestFrontendNamesErrorCodes(t *testing.T) {
	codes := map[string]bool{}
	for _, c := range ui.ErrorCodes {
		codes[c] = true
	}
	// code === "x", "x" !== e.code, with either quote, and case "x": (a switch on a code).
	compare := regexp.MustCompile(`\bcode\s*[!=]==?\s*["']([a-z_]+)["']|["']([a-z_]+)["']\s*[!=]==?\s*\w*\.?code\b|\bcase\s+["']([a-z_]+)["']\s*:`)
	src := filepath.Join("..", "..", "..", "frontend", "src")
	n := 0
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".ts") || strings.HasSuffix(path, ".gen.ts") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n++
		for i, line := range strings.Split(string(b), "\n") {
			for _, m := range compare.FindAllStringSubmatch(line, -1) {
				if c := m[1] + m[2] + m[3]; codes[c] {
					t.Errorf("%s:%d compares with %q: write Code.<name> (contract.gen.ts)", path, i+1, c)
				}
			}
		}
		return nil
	})
	if err != nil || n < 20 {
		t.Fatalf("read %d frontend files: %v", n, err)
	}
}
