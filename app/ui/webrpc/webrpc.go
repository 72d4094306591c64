package webrpc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"path"
	"reflect"
	"strings"
)

// maxBody bounds one call's JSON arguments.
const maxBody = 16 << 20

var errorType = reflect.TypeFor[error]()

// method is one callable exported method.
type method struct {
	fn     reflect.Value // bound to its receiver
	in     []reflect.Type
	result bool // the first return value is a result
	err    bool // the last return value is an error
}

type handler struct {
	files   http.Handler
	dist    fs.FS
	methods map[string]map[string]method // struct name → method name → method
	script  []byte
	events  *Events // GET /events; nil answers 204
}

// Handler returns an http.Handler that serves dist (the built frontend; index.html gets the
// /webrpc.js script injected) and the exported methods of services at POST
// /rpc/<Struct>/<Method>.
//
// Each service must be a non-nil pointer to a named struct, and struct names must be unique;
// Handler panics otherwise (a programming error, like http.ServeMux on a bad pattern). Methods
// are exposed when they take no variadic argument and return nothing, one value, an error, or
// a value and an error — the shapes Wails binds. Every other path under /rpc/ is 404.
//
// An [*Events] among services is not bound: it becomes the Server-Sent Events stream at
// GET /events (without one, /events answers 204 No Content).
func Handler(dist fs.FS, services ...any) http.Handler {
	h := &handler{
		files:   http.FileServerFS(dist),
		dist:    dist,
		methods: map[string]map[string]method{},
	}
	table := map[string]map[string][]string{} // package → struct → methods, for the script
	for _, s := range services {
		if ev, ok := s.(*Events); ok && ev != nil {
			h.events = ev
			continue
		}
		v := reflect.ValueOf(s)
		if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct || v.Elem().Type().Name() == "" {
			panic(fmt.Sprintf("webrpc: service %T is not a non-nil pointer to a named struct", s))
		}
		st := v.Elem().Type()
		if _, dup := h.methods[st.Name()]; dup {
			panic(fmt.Sprintf("webrpc: two services named %s", st.Name()))
		}
		pkg := path.Base(st.PkgPath())
		ms := map[string]method{}
		var names []string
		t := v.Type()
		for i := range t.NumMethod() {
			m := t.Method(i) // exported methods only, sorted by name
			mt := m.Type
			if mt.IsVariadic() {
				continue
			}
			var meth method
			switch mt.NumOut() {
			case 0:
			case 1:
				meth.err = mt.Out(0) == errorType
				meth.result = !meth.err
			case 2:
				if mt.Out(1) != errorType {
					continue
				}
				meth.result, meth.err = true, true
			default:
				continue
			}
			meth.fn = v.Method(i)
			for j := 1; j < mt.NumIn(); j++ { // In(0) is the receiver
				meth.in = append(meth.in, mt.In(j))
			}
			ms[m.Name] = meth
			names = append(names, m.Name)
		}
		h.methods[st.Name()] = ms
		if table[pkg] == nil {
			table[pkg] = map[string][]string{}
		}
		table[pkg][st.Name()] = names
	}
	h.script = bindingScript(table)
	return h
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if !loopbackHost(r.Host) {
		http.Error(w, "webrpc serves loopback names only", http.StatusForbidden)
		return
	}
	if o := r.Header.Get("Origin"); o != "" && o != "http://"+r.Host {
		http.Error(w, "cross-origin request refused", http.StatusForbidden)
		return
	}
	switch {
	case strings.HasPrefix(r.URL.Path, "/rpc/"):
		h.serveRPC(w, r)
	case r.URL.Path == "/events":
		h.serveEvents(w, r)
	case r.URL.Path == "/webrpc.js":
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(h.script)
	case r.URL.Path == "/" || r.URL.Path == "/index.html":
		h.serveIndex(w)
	default:
		h.files.ServeHTTP(w, r)
	}
}

// loopbackHost reports whether a Host header names this machine's loopback interface.
func loopbackHost(hostport string) bool {
	host := hostport
	if hh, _, err := net.SplitHostPort(hostport); err == nil {
		host = hh
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// serveIndex serves index.html with the binding script placed first in <head>, so it runs
// before the frontend's module script.
func (h *handler) serveIndex(w http.ResponseWriter) {
	b, err := fs.ReadFile(h.dist, "index.html")
	if err != nil {
		http.Error(w, "index.html not found", http.StatusNotFound)
		return
	}
	tag := []byte(`<script src="/webrpc.js"></script>`)
	if i := bytes.Index(bytes.ToLower(b), []byte("<head>")); i >= 0 {
		i += len("<head>")
		b = append(b[:i:i], append(tag, b[i:]...)...)
	} else {
		b = append(tag, b...)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b)
}

// reply is the body of every /rpc answer.
type reply struct {
	Result any     `json:"result"`
	Error  *string `json:"error,omitempty"`
}

func writeReply(w http.ResponseWriter, status int, rep reply) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(rep)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeReply(w, status, reply{Error: &msg})
}

func (h *handler) serveRPC(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/rpc/"), "/")
	if len(parts) != 2 {
		writeError(w, http.StatusNotFound, "webrpc: no such method")
		return
	}
	m, ok := h.methods[parts[0]][parts[1]]
	if !ok {
		writeError(w, http.StatusNotFound, "webrpc: no such method")
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, http.StatusMethodNotAllowed, "webrpc: use POST")
		return
	}
	// A JSON content type cannot be sent cross-site without a CORS preflight, which is never
	// granted here.
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		writeError(w, http.StatusUnsupportedMediaType, "webrpc: send application/json")
		return
	}
	args, err := decodeArgs(http.MaxBytesReader(w, r.Body, maxBody), m.in)
	if err != nil {
		writeError(w, http.StatusBadRequest, "webrpc: "+err.Error())
		return
	}
	status, rep := call(m, args)
	writeReply(w, status, rep)
}

// decodeArgs reads a JSON array and decodes element i into a new value of type in[i].
// The error names the argument's position and type, never its content.
func decodeArgs(body io.Reader, in []reflect.Type) ([]reflect.Value, error) {
	var raw []json.RawMessage
	dec := json.NewDecoder(body)
	if err := dec.Decode(&raw); err != nil {
		return nil, errors.New("arguments must be a JSON array")
	}
	if dec.More() {
		return nil, errors.New("arguments must be one JSON array")
	}
	if len(raw) != len(in) {
		return nil, fmt.Errorf("want %d arguments, got %d", len(in), len(raw))
	}
	args := make([]reflect.Value, len(in))
	for i, t := range in {
		p := reflect.New(t)
		if err := json.Unmarshal(raw[i], p.Interface()); err != nil {
			return nil, fmt.Errorf("argument %d is not a valid %s", i+1, t)
		}
		args[i] = p.Elem()
	}
	return args, nil
}

// call invokes m; a panic becomes a 500 with a generic message (its value may hold anything).
func call(m method, args []reflect.Value) (status int, rep reply) {
	defer func() {
		if recover() != nil {
			msg := "webrpc: internal error"
			status, rep = http.StatusInternalServerError, reply{Error: &msg}
		}
	}()
	out := m.fn.Call(args)
	if m.err {
		if e := out[len(out)-1]; !e.IsNil() {
			msg := e.Interface().(error).Error()
			return http.StatusOK, reply{Error: &msg}
		}
	}
	if m.result {
		return http.StatusOK, reply{Result: out[0].Interface()}
	}
	return http.StatusOK, reply{}
}
