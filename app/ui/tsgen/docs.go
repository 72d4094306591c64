package tsgen

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
)

// pkgDocs is what the generator reads from one Go package's source: the doc comments of its
// types and struct fields, and the parameter names of its methods.
type pkgDocs struct {
	types  map[string]string   // type name → doc comment
	fields map[string]string   // "Type.Field" → doc comment, else its line comment
	params map[string][]string // "Type.Method" → parameter names
}

// docsOf parses the non-test Go files of a package of this module under g.root, once. A
// package outside the module, or no root, has no docs.
func (g *generator) docsOf(pkgPath string) (*pkgDocs, error) {
	if d, ok := g.docs[pkgPath]; ok {
		return d, nil
	}
	d := &pkgDocs{types: map[string]string{}, fields: map[string]string{}, params: map[string][]string{}}
	g.docs[pkgPath] = d
	rel, ok := strings.CutPrefix(pkgPath, module+"/")
	if !ok || g.root == "" {
		return d, nil
	}
	files, err := filepath.Glob(filepath.Join(g.root, filepath.FromSlash(rel), "*.go"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no Go files for %s under %s: is the root the repository?", pkgPath, g.root)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return nil, fmt.Errorf("reading the doc comments: %w", err)
		}
		for _, decl := range f.Decls {
			switch decl := decl.(type) {
			case *ast.GenDecl:
				if decl.Tok == token.TYPE {
					d.addTypes(decl)
				}
			case *ast.FuncDecl:
				if decl.Recv == nil || len(decl.Recv.List) != 1 {
					continue
				}
				recv := decl.Recv.List[0].Type
				if star, ok := recv.(*ast.StarExpr); ok {
					recv = star.X
				}
				id, ok := recv.(*ast.Ident)
				if !ok {
					continue
				}
				var names []string
				for _, p := range decl.Type.Params.List {
					for _, n := range p.Names {
						names = append(names, n.Name)
					}
					if len(p.Names) == 0 {
						names = append(names, "")
					}
				}
				d.params[id.Name+"."+decl.Name.Name] = names
			}
		}
	}
	return d, nil
}

func (d *pkgDocs) addTypes(decl *ast.GenDecl) {
	for _, spec := range decl.Specs {
		ts := spec.(*ast.TypeSpec)
		doc := ts.Doc
		if doc == nil && len(decl.Specs) == 1 {
			doc = decl.Doc
		}
		if _, seen := d.types[ts.Name.Name]; !seen {
			d.types[ts.Name.Name] = doc.Text()
		}
		st, ok := ts.Type.(*ast.StructType)
		if !ok {
			continue
		}
		for _, fl := range st.Fields.List {
			text := fl.Doc.Text()
			if text == "" {
				text = fl.Comment.Text()
			}
			for _, n := range fl.Names {
				d.fields[ts.Name.Name+"."+n.Name] = text
			}
		}
	}
}

// tsdoc renders a Go doc comment as a TSDoc comment indented by indent ("" when there is none).
func tsdoc(text, indent string) string {
	text = strings.TrimSpace(strings.ReplaceAll(text, "*/", "*\\/"))
	if text == "" {
		return ""
	}
	lines := strings.Split(text, "\n")
	if len(lines) == 1 {
		return indent + "/** " + lines[0] + " */\n"
	}
	var b strings.Builder
	b.WriteString(indent + "/**\n")
	for _, l := range lines {
		b.WriteString(strings.TrimRight(indent+" * "+l, " ") + "\n")
	}
	b.WriteString(indent + " */\n")
	return b.String()
}
