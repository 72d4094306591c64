// Package bridge is the hardware bridge: a per-user daemon (shelter-bridge) that owns the IC card
// readers, the vein sensor, the scanners and the OS keychain entries for session keys, and serves
// them to the desktop app over a local API.
//
// # Model
//
// The daemon listens on a Unix domain socket in a per-user directory of mode 0700
// ([SocketPath]); AF_UNIX works on Linux, macOS and Windows 10+. Every connection's peer must be
// the same user as the daemon: on Linux the kernel says who it is (SO_PEERCRED) and anyone else
// is refused; elsewhere the 0700 directory is the guard. The API is HTTP/1.1 with JSON bodies
// under /v1/ (like tailscaled's LocalAPI): [Server] implements it, [Client] calls it.
//
// Session keys: after a full login the app can hand the bridge a session key, which the bridge
// keeps in the OS keychain (account "session/<vault id>/<user id>") until the session's absolute
// end; idle-unlock and step-up then need only the second factor. Logout deletes it, and the
// bridge deletes any it holds at their expiry.
//
// # What it must never do
//
// Log a PIN, a My Number, a session key or card data; accept a connection from another user;
// listen on a network address. The My Number read from a card travels only over the local
// socket, to the app that asked, and is never written by the bridge.
package bridge
