package repocheck

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestServicesKeepToThemselves: a bound service of app/ui (a method whose receiver is one of the
// App's *…Service fields) does not reach into another service's unexported fields or methods
// (s.a.Collect.fail, a.Devices.sup): what several services use belongs to the App (a.collect,
// a.relay, a.sup, a.share, a.collectFail, the held scan pages a.held). A collaboration that
// has to stay would be listed in known, counted, so that no new one joins it; none is left.
func TestServicesKeepToThemselves(t *testing.T) {
	known := map[string]int{}
	fset := token.NewFileSet()
	files, err := filepath.Glob("../../app/ui/*.go")
	if err != nil || len(files) < 20 {
		t.Fatalf("app/ui has %d files: the check is blind (%v)", len(files), err)
	}
	var parsed []*ast.File
	services := map[string]bool{} // the App's service fields: Collect, Scan, …
	serviceTypes := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		parsed = append(parsed, af)
		ast.Inspect(af, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok || ts.Name.Name != "App" {
				return true
			}
			for _, fld := range ts.Type.(*ast.StructType).Fields.List {
				star, ok := fld.Type.(*ast.StarExpr)
				if !ok {
					continue
				}
				id, ok := star.X.(*ast.Ident)
				if !ok || !strings.HasSuffix(id.Name, "Service") {
					continue
				}
				serviceTypes[id.Name] = true
				for _, name := range fld.Names {
					services[name.Name] = true
				}
			}
			return false
		})
	}
	if len(services) < 10 {
		t.Fatalf("found %d service fields of App: the check is blind", len(services))
	}
	got := map[string]int{}
	where := map[string][]string{}
	for _, af := range parsed {
		for _, d := range af.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || fn.Body == nil {
				continue
			}
			recv := fn.Recv.List[0].Type
			if star, ok := recv.(*ast.StarExpr); ok {
				recv = star.X
			}
			id, ok := recv.(*ast.Ident)
			if !ok || !serviceTypes[id.Name] {
				continue
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if !ok || ast.IsExported(sel.Sel.Name) {
					return true
				}
				inner, ok := sel.X.(*ast.SelectorExpr)
				if !ok || !services[inner.Sel.Name] {
					return true
				}
				key := id.Name + "→" + inner.Sel.Name + "." + sel.Sel.Name
				got[key]++
				where[key] = append(where[key], fset.Position(sel.Pos()).String())
				return true
			})
		}
	}
	var keys []string
	for k := range got {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if got[k] > known[k] {
			t.Errorf("%s: a service reaches into another's unexported field or method (%d times, allowed %d) at %s; give the App what both use",
				k, got[k], known[k], strings.Join(where[k], ", "))
		}
	}
	for k := range known {
		if got[k] == 0 {
			t.Errorf("%s no longer happens: take it off the list", k)
		}
	}
}
