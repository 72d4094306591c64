// Package tsgen generates the TypeScript contract of the desktop app, frontend/src/contract.gen.ts:
// the types of what the bound services of app/ui take and return, as encoding/json puts them on
// the wire. The frontend's type check (tsc, in `npm run build`) then fails when a screen uses a
// field Go no longer sends, and this package's test fails when the committed file is not what
// the Go types give: `make contract` (go run ./app/cmd/tsgen) rewrites it.
//
// # What it generates
//
// It starts from the services [ui.App.Services] returns (what Wails binds and webrpc serves),
// and takes the parameters and results of every exported method (not a context.Context, not the
// error). For each named struct type it reaches it declares `export interface Name`, with the
// Go doc comments as TSDoc:
//
//   - The members are the JSON object's, as encoding/json marshals it: the json tag's name,
//     json:"-" left out, embedded structs flattened, of two fields of one name the dominant one.
//   - bool is boolean, the numbers are number (a ",string" one is string), string is string;
//     time.Time and an encoding.TextMarshaler are string, []byte is string (base64); slices
//     and arrays are T[], maps Record<string, T>, interfaces unknown.
//   - null: a value that can marshal as null (a nil pointer, slice or map) is `T | null`. A
//     field that omitempty (or omitzero) can leave out is optional (`name?: T`) and not null:
//     the nil value is the one left out (a pointer to a nil slice aside).
//   - A named type that is not a struct is its underlying type (a named string type is
//     string: the contract's fields are plain strings in Go, their values documented).
//   - Parameters get the same types: the frontend sends whole objects (Go would take a missing
//     member as its zero value, but the contract asks for every member Go always marshals).
//   - A type whose Go name another Go type already has fails generation, unless [renames] gives
//     one of them another TypeScript name (as ui.Error, which would shadow JavaScript's Error).
//
// It also declares Code, the error codes the frontend tells apart ([ui.ErrorCodes]), and BoundServices: each service's methods, with the Go parameter names and the
// result as a Promise, in the shape of window.go.ui; and BoundEvents: the data of each event
// the App emits to the frontend ([events]).
//
// # What it must never do
//
// Guess: a type it cannot map (a channel, a function, a json.Marshaler not in [overrides], a
// generic type) fails generation with the Go type's name and where it was reached.
package tsgen

import (
	"cmp"
	"context"
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mynumber-shelter/shelter/app/ui"
	"github.com/mynumber-shelter/shelter/bridge"
)

const module = "github.com/mynumber-shelter/shelter"

// Path is where the generated file lives, from the repository root.
const Path = "frontend/src/contract.gen.ts"

// renames gives Go types ("import/path.Name") another TypeScript name: one that would shadow a
// JavaScript global, or clash with a type of another package.
var renames = map[string]string{
	module + "/app/ui.Error": "ErrorInfo",   // Error is JavaScript's error class
	module + "/bridge.Event": "BridgeEvent", // Event is the DOM's
}

// events are the events the App emits to the frontend (ui.App.SetEventSink), by name, with the
// Go type of their data.
var events = []struct {
	name string
	data reflect.Type
}{
	{ui.EventBridge, reflect.TypeFor[bridge.Event]()},
	{ui.EventBridgeState, reflect.TypeFor[ui.BridgeState]()},
}

// overrides are the TypeScript types of Go types that marshal themselves.
var overrides = map[reflect.Type]string{
	reflect.TypeFor[time.Time]():       "string", // RFC 3339
	reflect.TypeFor[json.RawMessage](): "unknown",
}

var (
	contextType       = reflect.TypeFor[context.Context]()
	errorType         = reflect.TypeFor[error]()
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

// Generate returns the contents of [Path] for the services the desktop app binds. root is the
// repository root, whose Go sources give the doc comments and parameter names.
func Generate(root string) ([]byte, error) {
	return generate(root, new(ui.App).Services())
}

type generator struct {
	root  string
	docs  map[string]*pkgDocs     // by package path
	decls map[reflect.Type]*decl  // the named types declared
	names map[string]reflect.Type // TypeScript name → its Go type
	queue []reflect.Type          // struct types whose body is still to render
	err   error                   // the first failure
	where []string                // how the type being mapped was reached
}

// decl is one declared TypeScript type.
type decl struct {
	name string
	doc  string
	body string // "interface Name {…}"
	pkg  string
}

// service is one bound service: its methods in the order of reflect (by name).
type service struct {
	name    string
	methods []string // rendered signatures
}

func generate(root string, services []any) ([]byte, error) {
	g := &generator{root: root, docs: map[string]*pkgDocs{}, decls: map[reflect.Type]*decl{}, names: map[string]reflect.Type{}}
	var svcs []service
	for _, s := range services {
		svc, err := g.service(reflect.TypeOf(s))
		if err != nil {
			return nil, err
		}
		svcs = append(svcs, svc)
	}
	var evs []string
	for _, e := range events {
		g.where = []string{"event " + e.name}
		evs = append(evs, fmt.Sprintf("%s: %s;", strconv.Quote(e.name), g.withNull(g.ts(e.data), e.data)))
	}
	for len(g.queue) > 0 && g.err == nil {
		t := g.queue[0]
		g.queue = g.queue[1:]
		g.where = []string{t.String()}
		g.decls[t].body = "interface " + g.decls[t].name + " " + g.object(t, false)
	}
	if g.err != nil {
		return nil, g.err
	}
	return g.render(svcs, evs), nil
}

func (g *generator) service(t reflect.Type) (service, error) {
	if t == nil || t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct || t.Elem().Name() == "" {
		return service{}, fmt.Errorf("tsgen: a bound service must be a pointer to a named struct, not %v", t)
	}
	name := t.Elem().Name()
	docs, err := g.docsOf(t.Elem().PkgPath())
	if err != nil {
		return service{}, err
	}
	svc := service{name: name}
	for i := range t.NumMethod() {
		m := t.Method(i)
		mt := m.Type
		where := name + "." + m.Name
		names := docs.params[name+"."+m.Name]
		if len(names) != mt.NumIn()-1 {
			names = nil
		}
		var params []string
		for j := 1; j < mt.NumIn(); j++ {
			in := mt.In(j)
			if in == contextType {
				continue
			}
			pn := "arg" + strconv.Itoa(j-1)
			if names != nil && names[j-1] != "" && names[j-1] != "_" {
				pn = names[j-1]
				if reserved[pn] {
					pn += "_"
				}
			}
			g.where = []string{where + " parameter " + pn}
			params = append(params, pn+": "+g.withNull(g.ts(in), in))
		}
		result := "void"
		n := 0
		for j := range mt.NumOut() {
			out := mt.Out(j)
			if out == errorType {
				continue
			}
			if n++; n > 1 {
				return service{}, fmt.Errorf("tsgen: %s returns more than one value besides the error: Wails cannot bind it", where)
			}
			g.where = []string{where + " result"}
			result = g.withNull(g.ts(out), out)
		}
		svc.methods = append(svc.methods, fmt.Sprintf("%s: (%s) => Promise<%s>;", m.Name, strings.Join(params, ", "), result))
	}
	return svc, g.err
}

func (g *generator) fail(format string, args ...any) string {
	if g.err == nil {
		g.err = fmt.Errorf("tsgen: %s: %s", strings.Join(g.where, " → "), fmt.Sprintf(format, args...))
	}
	return "never"
}

// ts is the TypeScript type of a Go value of type t that is not nil.
func (g *generator) ts(t reflect.Type) string {
	if s, ok := overrides[t]; ok {
		return s
	}
	if t.Kind() == reflect.Pointer {
		return g.ts(t.Elem())
	}
	if t.Implements(marshalerType) || reflect.PointerTo(t).Implements(marshalerType) {
		return g.fail("%s marshals itself (json.Marshaler): give it a TypeScript type in overrides", t)
	}
	if t.Implements(textMarshalerType) || reflect.PointerTo(t).Implements(textMarshalerType) {
		return "string"
	}
	switch t.Kind() {
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
		return "number"
	case reflect.String:
		return "string"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 && !reflect.PointerTo(t.Elem()).Implements(marshalerType) &&
			!reflect.PointerTo(t.Elem()).Implements(textMarshalerType) {
			return "string" // base64
		}
		return g.elem(t.Elem()) + "[]"
	case reflect.Array:
		return g.elem(t.Elem()) + "[]"
	case reflect.Map:
		switch k := t.Key(); {
		case k.Kind() == reflect.String, k.Implements(textMarshalerType):
		case k.Kind() >= reflect.Int && k.Kind() <= reflect.Uintptr:
		default:
			return g.fail("map key %s does not marshal", k)
		}
		return "Record<string, " + g.withNull(g.ts(t.Elem()), t.Elem()) + ">"
	case reflect.Interface:
		return "unknown"
	case reflect.Struct:
		if t.Name() == "" {
			return g.object(t, true)
		}
		return g.named(t)
	}
	return g.fail("%s (%s) has no JSON form", t, t.Kind())
}

// elem is the type of an element of an array or slice: null included, in parentheses.
func (g *generator) elem(t reflect.Type) string {
	s := g.withNull(g.ts(t), t)
	if strings.Contains(s, " ") && !strings.HasPrefix(s, "{") {
		return "(" + s + ")"
	}
	return s
}

// withNull adds null to s when a value of type t can marshal as null.
func (g *generator) withNull(s string, t reflect.Type) string {
	if nullable(t) && s != "unknown" {
		return s + " | null"
	}
	return s
}

// nullable reports whether encoding/json can write a value of type t as null: a nil pointer,
// slice or map (an interface is unknown, which holds null already).
func nullable(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map:
		return true
	}
	return false
}

// omittable reports whether omitempty leaves out a value of type t when it is empty.
func omittable(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Struct:
		return false
	case reflect.Array:
		return t.Len() == 0
	}
	return true
}

// named declares the named struct type t once (its body is rendered from the queue) and
// returns its TypeScript name.
func (g *generator) named(t reflect.Type) string {
	if d, ok := g.decls[t]; ok {
		return d.name
	}
	name := cmp.Or(renames[typeKey(t)], t.Name())
	if strings.ContainsAny(name, "[]") {
		return g.fail("%s is generic: give its instance a TypeScript name in renames", t)
	}
	if other, ok := g.names[name]; ok {
		return g.fail("%s and %s are both %s in TypeScript: give one another name in renames", other, t, name)
	}
	docs, err := g.docsOf(t.PkgPath())
	if err != nil {
		g.err = cmp.Or(g.err, err)
		return "never"
	}
	d := &decl{name: name, doc: docs.types[t.Name()], pkg: t.PkgPath()}
	if name != t.Name() {
		d.doc = strings.TrimSpace(strings.TrimSpace(d.doc) + "\n\n(Go: " + t.String() + ")")
	}
	g.names[name], g.decls[t] = t, d
	g.queue = append(g.queue, t)
	return name
}

// object renders the JSON object of struct type t: one member a line, or on one line (inline).
func (g *generator) object(t reflect.Type, inline bool) string {
	var b strings.Builder
	b.WriteString("{")
	for _, f := range jsonFields(t) {
		optional := f.omitZero || f.omitEmpty && omittable(f.typ)
		typ := "string"
		if !f.quoted {
			g.where = append(g.where, f.sf.Name)
			typ = g.ts(f.typ)
			g.where = g.where[:len(g.where)-1]
		}
		null := nullable(f.typ)
		if optional {
			null = f.typ.Kind() == reflect.Pointer && nullable(f.typ.Elem())
		}
		if null && typ != "unknown" {
			typ += " | null"
		}
		member := propName(f.name) + map[bool]string{true: "?"}[optional] + ": " + typ + ";"
		if inline {
			b.WriteString(" " + member)
			continue
		}
		b.WriteString("\n")
		if f.owner.Name() != "" {
			if docs, err := g.docsOf(f.owner.PkgPath()); err == nil {
				b.WriteString(tsdoc(docs.fields[f.owner.Name()+"."+f.sf.Name], "  "))
			}
		}
		b.WriteString("  " + member)
	}
	if inline {
		b.WriteString(" }")
	} else {
		b.WriteString("\n}")
	}
	return b.String()
}

// reserved are the words of JavaScript and TypeScript a parameter cannot be named.
var reserved = func() map[string]bool {
	m := map[string]bool{}
	for w := range strings.FieldsSeq(`break case catch class const continue debugger default delete do else enum export
		extends false finally for function if import in instanceof new null return super switch this throw true try
		typeof var void while with implements interface let package private protected public static yield await`) {
		m[w] = true
	}
	return m
}()

var identifier = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]*$`)

func propName(s string) string {
	if identifier.MatchString(s) {
		return s
	}
	return strconv.Quote(s)
}

func typeKey(t reflect.Type) string { return t.PkgPath() + "." + t.Name() }

// render writes the file: the header, the declarations by Go package and name, BoundServices
// and BoundEvents.
func (g *generator) render(svcs []service, events []string) []byte {
	var b strings.Builder
	b.WriteString("// Code generated by go run ./app/cmd/tsgen (make contract); DO NOT EDIT.\n")
	b.WriteString("//\n")
	b.WriteString("// The JSON contract of the services app/ui binds: what each bound method takes and returns,\n")
	b.WriteString("// as encoding/json marshals it (package app/ui/tsgen says how Go types map to these).\n")
	decls := make([]*decl, 0, len(g.decls))
	for _, d := range g.decls {
		decls = append(decls, d)
	}
	slices.SortFunc(decls, func(a, b *decl) int {
		return cmp.Or(strings.Compare(a.pkg, b.pkg), strings.Compare(a.name, b.name))
	})
	pkg := ""
	for _, d := range decls {
		if d.pkg != pkg {
			pkg = d.pkg
			fmt.Fprintf(&b, "\n// ---- %s\n", strings.TrimPrefix(pkg, module+"/"))
		}
		b.WriteString("\n" + tsdoc(d.doc, "") + "export " + d.body + "\n")
	}
	b.WriteString("\n// ---- the bound services\n\n")
	b.WriteString("/** BoundServices is window.go.ui: each bound service's methods, as Wails calls them. */\n")
	b.WriteString("export interface BoundServices {\n")
	for _, s := range svcs {
		b.WriteString("  " + s.name + ": {\n")
		for _, m := range s.methods {
			b.WriteString("    " + m + "\n")
		}
		b.WriteString("  };\n")
	}
	b.WriteString("}\n")
	b.WriteString("\n/** Code names the error codes the frontend tells apart (ApiError.code), from app/ui's ErrorCodes. */\n")
	b.WriteString("export const Code = {\n")
	names := make([]string, 0, len(ui.ErrorCodes))
	for n := range ui.ErrorCodes {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		fmt.Fprintf(&b, "  %s: %q,\n", n, ui.ErrorCodes[n])
	}
	b.WriteString("} as const;\n")
	b.WriteString("\n/** BoundEvents are the events the App emits to the frontend (runtime.EventsOn), with their data. */\n")
	b.WriteString("export interface BoundEvents {\n")
	for _, e := range events {
		b.WriteString("  " + e + "\n")
	}
	b.WriteString("}\n")
	return []byte(b.String())
}
