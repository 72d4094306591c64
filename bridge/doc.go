// Package bridge is the app's side of the hardware bridge: the wire types of its local API
// ([Status], [CardData], [Config], [Event], [Error], …), where its socket is ([SocketPath]),
// and the [Client] that the desktop app and shelterctl call.
//
// The daemon itself (shelter-bridge: PC/SC, the vein sensor's serial line, scanners, the
// keychain entries for session keys, relay sync) is package bridge/daemon. Only
// cmd/shelter-bridge links it, so the app's binary holds no device code; the dependency test in
// this package keeps it so.
package bridge
