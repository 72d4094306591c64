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
	before := runtime.NumGoroutine()
	h := s.handler()
	if after := runtime.NumGoroutine(); after != before {
		t.Fatalf("registering the routes started %d goroutines", after-before)
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
