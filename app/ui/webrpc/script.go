package webrpc

import (
	"encoding/json"
	"fmt"
)

// scriptTemplate defines window.go.<pkg>.<Struct>.<Method>(...args) → Promise, resolving with
// the result and rejecting with the error string, as Wails' generated bindings do, and a
// minimal window.runtime for the calls the frontend may make outside a Wails window; its
// EventsOn family listens to GET /events (see [Events]).
const scriptTemplate = `// webrpc: Wails-compatible bindings over HTTP (test and development only).
(function () {
  "use strict";
  var table = %s;
  function call(s, m, args) {
    return fetch("/rpc/" + encodeURIComponent(s) + "/" + encodeURIComponent(m), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(args),
      credentials: "same-origin",
    }).then(
      function (res) {
        return res.json().then(
          function (body) {
            if (body && Object.prototype.hasOwnProperty.call(body, "error")) throw body.error;
            if (!res.ok) throw "webrpc: HTTP " + res.status;
            return body ? body.result : undefined;
          },
          function () { throw "webrpc: HTTP " + res.status; });
      },
      function (e) { throw "webrpc: " + e; });
  }
  var go = (window.go = window.go || {});
  Object.keys(table).forEach(function (pkg) {
    var p = (go[pkg] = go[pkg] || {});
    Object.keys(table[pkg]).forEach(function (s) {
      var o = (p[s] = p[s] || {});
      table[pkg][s].forEach(function (m) {
        o[m] = function () { return call(s, m, Array.prototype.slice.call(arguments)); };
      });
    });
  });
  var noop = function () {};
  // Go's events arrive on one Server-Sent Events stream (GET /events), opened on the first
  // listener; each message is {name, data} and goes to the listeners of that name.
  var listeners = {};
  var stream = null;
  function listen() {
    if (stream || typeof EventSource === "undefined") return;
    stream = new EventSource("/events");
    stream.onmessage = function (m) {
      var ev;
      try { ev = JSON.parse(m.data); } catch (e) { return; }
      (listeners[ev.name] || []).slice().forEach(function (l) {
        if (l.left === 0) return;
        if (l.left > 0) l.left--;
        try { l.fn(ev.data); } catch (e) { /* a listener's failure is its own */ }
      });
    };
  }
  function on(name, fn, times) {
    var l = { fn: fn, left: times };
    (listeners[name] = listeners[name] || []).push(l);
    listen();
    return function () {
      listeners[name] = (listeners[name] || []).filter(function (x) { return x !== l; });
    };
  }
  window.runtime = Object.assign({
    EventsOn: function (name, fn) { return on(name, fn, -1); },
    EventsOnce: function (name, fn) { return on(name, fn, 1); },
    EventsOnMultiple: function (name, fn, n) { return on(name, fn, n); },
    EventsOff: function (name) {
      Array.prototype.slice.call(arguments).forEach(function (n) { delete listeners[n]; });
    },
    EventsOffAll: function () { listeners = {}; },
    EventsEmit: noop,
    LogPrint: noop, LogTrace: noop, LogDebug: noop, LogInfo: noop, LogWarning: noop, LogError: noop, LogFatal: noop,
    WindowSetTitle: noop,
    WindowReload: function () { location.reload(); },
    BrowserOpenURL: function (url) { window.open(url, "_blank", "noopener"); },
    ClipboardSetText: function (text) {
      return navigator.clipboard.writeText(text).then(function () { return true; }, function () { return false; });
    },
    ClipboardGetText: function () { return navigator.clipboard.readText(); },
    Environment: function () { return Promise.resolve({ buildType: "webrpc", platform: "browser", arch: "" }); },
    Quit: noop,
  }, window.runtime || {});
})();
`

// bindingScript renders the script for a package → struct → methods table.
func bindingScript(table map[string]map[string][]string) []byte {
	b, err := json.Marshal(table)
	if err != nil { // a map of strings always marshals
		panic(err)
	}
	return fmt.Appendf(nil, scriptTemplate, b)
}
