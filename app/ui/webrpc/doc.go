// Package webrpc serves the built frontend together with the Go services that Wails binds, over
// plain HTTP on loopback, so that the real frontend can run against the real services in an
// ordinary browser: the headless-Chromium end-to-end tests, and a browser dev mode.
//
// # Model
//
// [Handler] takes the frontend's files and the same struct pointers that main.go gives to Wails.
// It serves the files, and answers POST /rpc/<Struct>/<Method> with a JSON array of arguments
// by calling that exported method through reflection; each argument is decoded into the
// method's parameter type. The reply is always a JSON object: {"result": …} or
// {"error": "<err.Error()>"} with status 200, exactly what Wails passes to the frontend's
// promise. index.html gets a script (/webrpc.js) that defines window.go.<pkg>.<Struct>.<Method>
// — the path the Wails-generated bindings call — and a minimal window.runtime, so the frontend
// cannot tell it is not inside Wails.
//
// # What it must never do
//
// Listen anywhere but loopback ([ListenLoopback]); call anything but the exported methods of the
// structs it was given; answer a request whose Host is not a loopback name, or whose Origin is
// another site (a web page the user visits must not be able to drive the vault through DNS
// rebinding or a cross-site POST); put arguments or results in a log line or an error reply
// (they can hold passwords). It is a test and development tool: the shipped desktop app uses
// Wails' own in-process bridge, not this package.
package webrpc
