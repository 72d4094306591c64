// Package daemon is the hardware bridge: the per-user daemon (shelter-bridge) that owns the IC card
// readers, the vein sensor, the scanners and the OS keychain entries for session keys, and serves
// them to the desktop app over a local API.
//
// # Model
//
// On Linux and macOS the daemon listens on a Unix domain socket in a per-user directory of mode
// 0700 ([bridge.SocketPath]), and every connection's peer must be the daemon's own user: the
// kernel says who it is (SO_PEERCRED on Linux, LOCAL_PEERCRED — getpeereid — on macOS) and
// anyone else is refused. On Windows it listens on a named pipe (as tailscale's safesocket
// does): created with a security descriptor that admits only the daemon's user SID (protected
// DACL, one entry, remote clients rejected), and each connection's client process is traced to
// its token's user SID and refused unless it is the daemon's; the client checks the pipe's
// server the same way, so a pipe name squatted by another user is not trusted. One dial
// function serves all three ([bridge.Client]). The API is HTTP/1.1 with JSON bodies under /v1/
// (like tailscaled's LocalAPI): [Server] implements it; package bridge holds its wire types and
// the [bridge.Client] that the app and shelterctl call.
//
// # Routes
//
// Errors are a [bridge.Error] body {code, message, retries}; the codes are listed there.
//
//   - GET /v1/status, GET /v1/devices (the device panel: the "pcsc" service, each "reader"
//     with "card present" / "no card", the "vein" sensor, scanners, the hot folder, sync),
//     GET and PUT /v1/config ([bridge.Config], checked by [ValidateConfig], saved to
//     [Server.ConfigPath] and applied at once).
//   - GET /v1/events: Server-Sent Events, one "data: <Event JSON>" each ([bridge.Event]), a comment line
//     every 15 s. reader_added / reader_removed and card_inserted / card_removed come from a
//     reader watch on its own PC/SC context (it survives the service restarting);
//     pin_prompt (Retries, Message "kenhojo" or "jpki_auth") precedes every PIN operation;
//     vein_prompt (Step of Steps, Message the prompt) and vein_done (Message "ok",
//     "no_match" or the error code) frame every vein capture; device_state follows a change
//     on /v1/devices.
//   - Cards: GET /v1/readers; POST with {reader} ("" = the only reader) /v1/card/retries,
//     /v1/card/read {pin, allowLastTry} (number and basic 4 facts), /v1/card/uid (staff card
//     UID), /v1/card/jpki/retries, /v1/card/jpki/certificate, /v1/card/jpki/sign {pin,
//     challenge, allowLastTry}. One bridge-wide lock is held around every PC/SC operation:
//     concurrent calls queue and never interleave APDUs. PIN calls never retry.
//   - Vein, on the sensor of Config.VeinDriver (the serial protocol on Config.VeinPort, or
//     the external driver Config.VeinDriverPath, which PUT /v1/config starts once and refuses
//     when it is missing, not executable or does not answer hello with our protocol
//     version): GET /v1/vein, POST /v1/vein/enrol, /v1/vein/verify {templateId},
//     /v1/vein/identify, /v1/vein/cancel, DELETE /v1/vein/templates/{id}. Template ids are
//     the sensor's decimal ids.
//   - Session keys: PUT, GET, DELETE /v1/sessions/{vault}/{user}.
//   - Scanners, the hot-folder inbox and relay sync: see scan.go, inbox.go, sync_routes.go.
//
// The whole API is one table, routes in server.go: a pattern and the named method that serves it.
//
// Session keys: after a full login the app can hand the bridge a session key, which the bridge
// keeps in the OS keychain (account "session/<vault id>/<user id>") until the session's absolute
// end; idle-unlock and step-up then need only the second factor. Logout deletes it, and the
// bridge deletes any it holds at their expiry.
//
// # What it must never do
//
// Log or publish in an event a PIN, a My Number, a session key, card data or anything
// biometric (the vein protocol carries only template ids and scores, and the bridge passes on
// only ids); accept a connection from another user; listen on a network address. The My Number read from a card travels only over the local
// socket, to the app that asked, and is never written by the bridge.
package daemon
