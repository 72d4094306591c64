package daemon

import (
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
)

// TestRouteRegistrationStartsNothing: building the API's handler starts no goroutine (the
// watchers and the sync loop belong to Serve), and every route of the table is served by its
// own method, so a request that matches no route is the mux's 404, not a handler's.
func TestRouteRegistrationStartsNothing(t *testing.T) {
	s := &Server{ConfigPath: t.TempDir() + "/bridge.json"}
	s.init()
	before := startedHere()
	h := s.handler()
	for id, stack := range startedHere() {
		if _, ok := before[id]; !ok {
			t.Fatalf("registering the routes started a goroutine:\n%s", stack)
		}
	}
	seen := map[string]bool{}
	for _, rt := range routes {
		if seen[rt.pattern] {
			t.Errorf("%s is registered twice", rt.pattern)
		}
		seen[rt.pattern] = true
		if rt.serve == nil {
			t.Errorf("%s has no handler", rt.pattern)
		}
	}
	// Without the peer's uid in the request's context, every route is refused before its
	// handler runs (the peer check is in front of the whole table).
	for _, rt := range routes {
		method, path, _ := strings.Cut(rt.pattern, " ")
		path = strings.NewReplacer("{vault}", "v", "{user}", "u", "{id}", "x", "{office}", "o", "{company}", "c", "{seq}", "1").Replace(path)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(method, path, nil))
		if w.Code != http.StatusForbidden {
			t.Errorf("%s %s without a peer: %d, want 403", method, path, w.Code)
		}
	}
}

// startedHere lists, by id, the goroutines that the calling goroutine started and that still
// run (their stacks say "created by … in goroutine <caller>"). Goroutines of other tests that
// start or end meanwhile do not count, as they would with runtime.NumGoroutine.
func startedHere() map[string]string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	stacks := strings.Split(string(buf), "\n\n")
	me, _, _ := strings.Cut(strings.TrimPrefix(stacks[0], "goroutine "), " ") // the caller's stack comes first
	out := map[string]string{}
	for _, st := range stacks[1:] {
		if strings.Contains(st, " in goroutine "+me+"\n") || strings.HasSuffix(st, " in goroutine "+me) {
			id, _, _ := strings.Cut(strings.TrimPrefix(st, "goroutine "), " ")
			out[id] = st
		}
	}
	return out
}
