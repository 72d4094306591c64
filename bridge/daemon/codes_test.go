package daemon

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mynumber-shelter/shelter/bridge"
)

// TestEveryCodeHasWords reads the daemon's source for the codes it answers with (bridge.Error
// literals, the Code constants, the scan error table) and fails for a code that the bridge's
// one table of words (bridge/messages.go) lacks: the user would read "code X" instead of what
// happened and what to do.
func TestEveryCodeHasWords(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	codes := map[string]string{} // code → where
	add := func(lit ast.Expr) {
		if bl, ok := lit.(*ast.BasicLit); ok && bl.Kind == token.STRING {
			if c, err := strconv.Unquote(bl.Value); err == nil {
				codes[c] = fset.Position(bl.Pos()).String()
			}
		}
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CompositeLit:
				if sel, ok := n.Type.(*ast.SelectorExpr); ok && sel.Sel.Name == "Error" {
					for _, el := range n.Elts {
						if kv, ok := el.(*ast.KeyValueExpr); ok && kv.Key.(*ast.Ident).Name == "Code" {
							add(kv.Value)
						}
					}
				}
			case *ast.ValueSpec:
				for i, id := range n.Names {
					if strings.HasPrefix(id.Name, "Code") && i < len(n.Values) {
						add(n.Values[i])
					}
					if id.Name == "scanErrors" && i < len(n.Values) {
						for _, el := range n.Values[i].(*ast.CompositeLit).Elts {
							add(el.(*ast.CompositeLit).Elts[2])
						}
					}
				}
			}
			return true
		})
	}
	if len(codes) < 40 {
		t.Fatalf("found only %d codes in the daemon's source: the search is broken", len(codes))
	}
	t.Logf("%d codes in the daemon's source", len(codes))
	for c, where := range codes {
		if !bridge.Known(c) {
			t.Errorf("%s: code %q has no words in bridge/messages.go", where, c)
		}
		e := &bridge.Error{Code: c}
		if e.Japanese() == "" || e.English() == "" || strings.Contains(e.Japanese(), c) {
			t.Errorf("code %q: %q / %q", c, e.Japanese(), e.English())
		}
	}
}
