// Package wire is the serial frame protocol spoken between MyNumber Shelter
// and a vein sensor: framing, CRC, a resynchronising parser and the payload
// of every message.
//
// Vendors' sensors (Fujitsu PalmSecure, Hitachi finger vein) come with their
// own SDKs and protocols. This protocol is ours: it is what the device
// simulator in devices/sim/vein speaks, what a small bridge firmware in front
// of a vendor module can speak, and the reference for the driver in
// devices/vein. A vendor protocol is added as another driver behind the
// vein.Sensor interface, not by bending this one.
//
// The package never does I/O on its own, never logs, and carries no
// biometric data: templates stay inside the sensor and only their numeric ids
// and match scores cross the wire.
//
// # Frame
//
// Every message, in both directions, is one frame. Multi-byte integers are
// big-endian.
//
//	 0      1      2      3      4      5      6      7 .. 7+n-1   7+n   8+n
//	+------+------+------+------+------+------+------+-----------+-----+-----+
//	| 0xA5 | 0x5A | ver  | seq  | cmd  |   len (n)   |  payload  |  crc16    |
//	+------+------+------+------+------+------+------+-----------+-----+-----+
//	 \____ sync ___/\______________ covered by crc16 ___________/
//
// The fields:
//
//   - sync: 0xA5 0x5A, marks a frame start. It may also occur inside a
//     payload; the parser never trusts it alone.
//   - ver: [Version] (1). A frame with another version is dropped.
//   - seq: chosen by the host for each request (1..255, wrapping, never 0)
//     and echoed by the device in every reply, status event and error about
//     that request. seq 0 is for device events not tied to a request. A
//     host drops a frame whose seq is not the one it is waiting for, so a
//     late reply to an abandoned request cannot be taken for a new one.
//   - cmd: a [Command]. Replies are the request's command with bit 7 set
//     ([Command.Reply]).
//   - len: payload length, 0..[MaxPayload]. A longer length is a corrupt
//     header.
//   - crc16: CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection,
//     no final xor; check value 0x29B1) over ver..payload.
//
// # Conversation
//
// The host sends one request at a time and waits for its reply (cmd|0x80)
// or a [CmdError] frame with the same seq. While a request that needs a
// hand runs, the device pushes [CmdStatus] frames (prompts: place hand,
// capture ok, lift hand, timeout) with that request's seq. The device must
// answer [CmdPing] and [CmdCancel] at any time, also while a capture runs;
// the host pings when the line has been quiet for a while and treats a
// silent line as a pulled cable.
//
//	host                                   device
//	Info            ───────────────▶
//	                ◀───────────────       Info|0x80 (model, firmware, ...)
//	EnrollStart{3}  ───────────────▶
//	                ◀───────────────       EnrollStart|0x80
//	EnrollCapture{0}───────────────▶
//	                ◀───────────────       Status{place hand}
//	                ◀───────────────       Status{capture ok, quality}
//	                ◀───────────────       EnrollCapture|0x80 {0, quality, 0}
//	EnrollCapture{1}───────────────▶
//	                ◀───────────────       Status{lift hand}, Status{place hand}, ...
//	  ... the reply to the last capture carries the new template id.
//	Verify{id}      ───────────────▶
//	                ◀───────────────       Status{place hand}, Status{capture ok}
//	                ◀───────────────       Verify|0x80 {match, score}
//	Delete{id}      ───────────────▶
//	                ◀───────────────       Delete|0x80 (or Error{unknown template})
//	Cancel          ───────────────▶       (while a capture waits)
//	                ◀───────────────       Error{cancelled} with the capture's seq
//	                ◀───────────────       Cancel|0x80
//
// Delete (0x22, payload template u32, never 0) removes one template from
// the device's storage, as when a handler leaves or re-enrols; the device
// frees its slot, never reuses the id within the device's life, and
// answers an empty reply. It needs no hand, so it is refused with
// [CodeBusy] while a capture runs; an id the device does not hold gets
// [CodeUnknownTemplate].
//
// # Resynchronisation
//
// A serial line delivers noise (a device booting, a cable being plugged)
// and partial frames (a device reset mid-frame). [Parser] scans for the sync
// bytes, checks the version and length bounds, then the CRC; on any failure
// it drops one byte and scans again, so a real frame hidden behind a false
// start is still found. A line going quiet ([Parser.Gap]) ends a burst:
// a frame still incomplete then will never complete and is dropped.
package wire
