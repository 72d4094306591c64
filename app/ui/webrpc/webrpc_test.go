package webrpc

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

// Calc is a service with every method shape the handler must support or refuse.
type Calc struct{ calls int }

type Point struct {
	X    int64    `json:"x"`
	Y    int64    `json:"y"`
	Tags []string `json:"tags"`
}

func (c *Calc) Add(a, b int) (int, error) { c.calls++; return a + b, nil }
func (c *Calc) Fail(msg string) error     { return errors.New(msg) }
func (c *Calc) FailValue() (Point, error) {
	return Point{X: 1}, errors.New(`{"code":"invalid","ja":"だめ","en":"no"}`)
}
func (c *Calc) Move(p Point, dx int64) Point { p.X += dx; return p }
func (c *Calc) Sum(xs []int64) (int64, error) {
	var s int64
	for _, x := range xs {
		s += x
	}
	return s, nil
}
func (c *Calc) Nothing()                 { c.calls++ }
func (c *Calc) Boom() error              { panic("secret-value-in-panic") }
func (c *Calc) Many(xs ...int) int       { return len(xs) }
func (c *Calc) Three() (int, int, error) { return 1, 2, nil }

//lint:ignore U1000 an unexported method, to check it is never served
func (c *Calc) hidden() int { return 42 }

// Other is a second service, to check names are kept apart.
type Other struct{}

func (Other) Ping() string { return "pong" }

var dist = fstest.MapFS{
	"index.html":     {Data: []byte("<!doctype html><html><HEAD><title>t</title><script type=\"module\" src=\"/assets/app.js\"></script></HEAD><body></body></html>")},
	"assets/app.js":  {Data: []byte("console.log(1)")},
	"assets/app.css": {Data: []byte("body{}")},
}

func newServer(t *testing.T) (*httptest.Server, *Calc) {
	t.Helper()
	c := &Calc{}
	srv := httptest.NewServer(Handler(dist, c, &Other{}))
	t.Cleanup(srv.Close)
	return srv, c
}

type rpcReply struct {
	Result json.RawMessage `json:"result"`
	Error  *string         `json:"error"`
}

func post(t *testing.T, srv *httptest.Server, path, body string) (int, rpcReply) {
	t.Helper()
	res, err := http.Post(srv.URL+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var r rpcReply
	if err := json.NewDecoder(res.Body).Decode(&r); err != nil {
		t.Fatalf("%s: reply is not JSON: %v", path, err)
	}
	return res.StatusCode, r
}

func TestDispatch(t *testing.T) {
	srv, c := newServer(t)
	tests := []struct {
		name, path, body string
		status           int
		result           string // JSON, when the call succeeds
		err              string // the error text, when it fails
	}{
		{"ints", "/rpc/Calc/Add", "[2,3]", 200, "5", ""},
		{"struct and int64", "/rpc/Calc/Move", `[{"x":9007199254740000,"y":2,"tags":["a"]},5]`, 200, `{"x":9007199254740005,"y":2,"tags":["a"]}`, ""},
		{"slice", "/rpc/Calc/Sum", "[[1,2,3]]", 200, "6", ""},
		{"null slice", "/rpc/Calc/Sum", "[null]", 200, "0", ""},
		{"no result", "/rpc/Calc/Nothing", "[]", 200, "null", ""},
		{"value receiver", "/rpc/Other/Ping", "[]", 200, `"pong"`, ""},
		{"error string passed as is", "/rpc/Calc/Fail", `["disk full"]`, 200, "", "disk full"},
		{"error wins over value", "/rpc/Calc/FailValue", `[]`, 200, "", `{"code":"invalid","ja":"だめ","en":"no"}`},
		{"too few args", "/rpc/Calc/Add", "[1]", 400, "", "webrpc: want 2 arguments, got 1"},
		{"too many args", "/rpc/Calc/Add", "[1,2,3]", 400, "", "webrpc: want 2 arguments, got 3"},
		{"wrong type", "/rpc/Calc/Add", `["1",2]`, 400, "", "webrpc: argument 1 is not a valid int"},
		{"not an array", "/rpc/Calc/Add", `{"a":1}`, 400, "", "webrpc: arguments must be a JSON array"},
		{"trailing data", "/rpc/Calc/Add", `[1,2][3]`, 400, "", "webrpc: arguments must be one JSON array"},
		{"empty body", "/rpc/Calc/Add", ``, 400, "", "webrpc: arguments must be a JSON array"},
		{"unknown method", "/rpc/Calc/Sub", "[]", 404, "", "webrpc: no such method"},
		{"unexported method", "/rpc/Calc/hidden", "[]", 404, "", "webrpc: no such method"},
		{"variadic method", "/rpc/Calc/Many", "[1]", 404, "", "webrpc: no such method"},
		{"three results", "/rpc/Calc/Three", "[]", 404, "", "webrpc: no such method"},
		{"unknown struct", "/rpc/Nope/Add", "[1,2]", 404, "", "webrpc: no such method"},
		{"method of other struct", "/rpc/Other/Add", "[1,2]", 404, "", "webrpc: no such method"},
		{"extra path", "/rpc/Calc/Add/x", "[1,2]", 404, "", "webrpc: no such method"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, r := post(t, srv, tt.path, tt.body)
			if status != tt.status {
				t.Fatalf("status %d, want %d", status, tt.status)
			}
			if tt.err != "" {
				if r.Error == nil || *r.Error != tt.err {
					t.Fatalf("error %v, want %q", r.Error, tt.err)
				}
				return
			}
			if r.Error != nil {
				t.Fatalf("unexpected error %q", *r.Error)
			}
			if string(r.Result) != tt.result {
				t.Fatalf("result %s, want %s", r.Result, tt.result)
			}
		})
	}
	if c.calls != 2 { // Add and Nothing, each once; refused calls never reach the method
		t.Errorf("methods ran %d times, want 2", c.calls)
	}
}

func TestPanicIsGeneric(t *testing.T) {
	srv, _ := newServer(t)
	status, r := post(t, srv, "/rpc/Calc/Boom", "[]")
	if status != 500 || r.Error == nil {
		t.Fatalf("status %d error %v, want 500 with an error", status, r.Error)
	}
	if strings.Contains(*r.Error, "secret") {
		t.Fatalf("panic value leaked into the reply: %q", *r.Error)
	}
}

func TestRefusals(t *testing.T) {
	srv, _ := newServer(t)
	do := func(method, path, ctype, host, origin string) int {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader("[1,2]"))
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		if host != "" {
			req.Host = host
		}
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	host := strings.TrimPrefix(srv.URL, "http://")
	tests := []struct {
		name                              string
		method, path, ctype, host, origin string
		want                              int
	}{
		{"GET a method", "GET", "/rpc/Calc/Add", "", "", "", 405},
		{"form post (no preflight)", "POST", "/rpc/Calc/Add", "text/plain", "", "", 415},
		{"DNS rebinding host", "POST", "/rpc/Calc/Add", "application/json", "evil.example:80", "", 403},
		{"rebinding host for files", "GET", "/", "", "evil.example", "", 403},
		{"cross-site origin", "POST", "/rpc/Calc/Add", "application/json", "", "http://evil.example", 403},
		{"same origin", "POST", "/rpc/Calc/Add", "application/json", "", "http://" + host, 200},
		{"localhost name", "POST", "/rpc/Calc/Add", "application/json", "localhost:1", "", 200},
		{"ipv6 loopback", "POST", "/rpc/Calc/Add", "application/json", "[::1]:1", "", 200},
	}
	for _, tt := range tests {
		if got := do(tt.method, tt.path, tt.ctype, tt.host, tt.origin); got != tt.want {
			t.Errorf("%s: status %d, want %d", tt.name, got, tt.want)
		}
	}
}

func get(t *testing.T, url string) (int, http.Header, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(b)
}

func TestFilesAndScript(t *testing.T) {
	srv, _ := newServer(t)
	for _, p := range []string{"/", "/index.html"} {
		status, hdr, body := get(t, srv.URL+p)
		if status != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") {
			t.Fatalf("%s: status %d type %q", p, status, hdr.Get("Content-Type"))
		}
		inj := strings.Index(body, `<script src="/webrpc.js"></script>`)
		mod := strings.Index(body, `type="module"`)
		if inj < 0 || inj > mod || !strings.Contains(body, "<HEAD><script src=\"/webrpc.js\">") {
			t.Fatalf("%s: binding script not injected first in <head>:\n%s", p, body)
		}
	}
	if status, _, body := get(t, srv.URL+"/assets/app.js"); status != 200 || body != "console.log(1)" {
		t.Fatalf("asset: %d %q", status, body)
	}
	if status, _, _ := get(t, srv.URL+"/assets/missing.js"); status != 404 {
		t.Fatalf("missing asset: %d", status)
	}
	status, hdr, js := get(t, srv.URL+"/webrpc.js")
	if status != 200 || !strings.Contains(hdr.Get("Content-Type"), "javascript") {
		t.Fatalf("webrpc.js: %d %q", status, hdr.Get("Content-Type"))
	}
	// The table names the package (from the Go import path), structs and exposed methods only.
	for _, want := range []string{`"webrpc":{`, `"Calc":["Add","Boom","Fail","FailValue","Move","Nothing","Sum"]`, `"Other":["Ping"]`, "window.runtime", "ClipboardSetText"} {
		if !strings.Contains(js, want) {
			t.Errorf("webrpc.js lacks %s", want)
		}
	}
	for _, not := range []string{"hidden", "Many", "Three"} {
		if strings.Contains(js, `"`+not+`"`) {
			t.Errorf("webrpc.js exposes %s", not)
		}
	}
}

func TestHandlerPanicsOnBadService(t *testing.T) {
	for name, svc := range map[string][]any{
		"non-pointer": {Calc{}},
		"nil pointer": {(*Calc)(nil)},
		"duplicate":   {&Calc{}, &Calc{}},
		"not struct":  {new(int)},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: Handler did not panic", name)
				}
			}()
			Handler(dist, svc...)
		}()
	}
}

func TestListenLoopback(t *testing.T) {
	url, closeFn, err := ListenLoopback(Handler(dist, &Calc{}))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("url %q is not on 127.0.0.1", url)
	}
	res, err := http.Post(url+"/rpc/Calc/Add", "application/json", strings.NewReader("[40,2]"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if strings.TrimSpace(string(b)) != `{"result":42}` {
		t.Fatalf("reply %s", b)
	}
	closeFn()
	if _, err := http.Post(url+"/rpc/Calc/Add", "application/json", strings.NewReader("[1,1]")); err == nil {
		t.Fatal("server still answers after closeFn")
	}
}

// FuzzRPCBody checks that no request body makes the dispatcher panic or answer with anything
// but a JSON reply and 200 (a call) or 400 (bad arguments).
func FuzzRPCBody(f *testing.F) {
	for _, s := range []string{"[1,2]", "[]", "[null,null]", `["a",{}]`, "[1e400,1]", "[[",
		`[{"x":1},2]`, "\x00", `[9223372036854775808,1]`} {
		f.Add("Add", s)
		f.Add("Move", s)
		f.Add("Sum", s)
	}
	h := Handler(dist, &Calc{})
	f.Fuzz(func(t *testing.T, method, body string) {
		if method != "Add" && method != "Move" && method != "Sum" {
			return
		}
		req := httptest.NewRequest("POST", "http://127.0.0.1/rpc/Calc/"+method, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 200 && w.Code != 400 {
			t.Fatalf("status %d for %q", w.Code, body)
		}
		var r rpcReply
		if err := json.Unmarshal(w.Body.Bytes(), &r); err != nil {
			t.Fatalf("reply is not JSON: %q", w.Body.String())
		}
	})
}
