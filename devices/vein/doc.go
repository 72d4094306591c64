// Package vein talks to the palm or finger vein sensor that staff use to
// unlock the vault again and to confirm a reveal, an export or a disposal
// (step-up) without retyping a password.
//
// # Model
//
// [Sensor] is what the rest of MyNumber Shelter sees: enrol a hand, verify
// a hand against one template (1:1), identify a hand among all templates
// (1:N), delete a template, cancel. Templates live inside the sensor; the
// host only ever holds a [TemplateID] and match scores. A vendor's SDK or
// protocol becomes another implementation of Sensor.
//
// [Serial] is the implementation for sensors that speak our frame protocol
// (package [github.com/mynumber-shelter/shelter/devices/vein/wire], which
// documents the bytes) over a serial line. It opens the line through a
// [Port], by default [OpenPort] with github.com/tarm/serial, so tests and
// other transports can plug in. devices/sim/vein is a sensor simulator on a
// pseudo-terminal pair; the tests here run the real driver against it
// through tarm/serial.
//
// # Time, cancellation and unplugging
//
// Every call takes a context. Its deadline bounds the whole call, including
// the time a person takes to put a hand on the sensor; calls that need no
// hand are also bounded by [Serial.CommandTimeout]. A call whose context ends,
// or that [Serial.Cancel] stops, tells the device to abort and returns
// [ErrTimeout] or [ErrCancelled].
//
// A line that fails (EOF or EIO after a USB unplug, or total silence after
// [Serial.Heartbeat] pings, as when an RS-232 cable is pulled) ends the call
// in progress with [ErrDisconnected]; the device lost that request anyway,
// and only the person at the sensor can redo it. The next call reopens
// [Serial.Path] with backoff for at most [Serial.OpenTimeout] (3 s): a port
// with nothing plugged in, or a device that does not answer the handshake,
// fails the call with ErrDisconnected within seconds, however long the
// person's deadline. Use a path that
// survives replugging (/dev/serial/by-id/... on Linux, a fixed COM port on
// Windows): the driver reopens the same path, it does not hunt for devices.
//
// Every time it opens the line the driver asks the device for its identity
// and refuses ([ErrWrongDevice]) a sensor other than the one it is bound to
// ([Serial.DeviceSerial], or else the first one it saw): template ids are
// only meaningful on the sensor that issued them.
//
// # tarm/serial on Linux
//
// tarm/serial opens the port in blocking mode, so Close cannot interrupt
// a read; [OpenPort] therefore sets a read timeout ([PollInterval]), which
// tarm/serial turns into VMIN=0/VTIME and reports as io.EOF. The Port it
// returns tells that quiet line apart from a hung-up one by how long the
// empty read took. Its termios calls succeed on a pseudo-terminal slave,
// which is how the tests reach the simulator.
//
// # What this package must never do
//
// It never receives, stores or logs biometric data (the protocol carries
// none), never logs frame payloads, and never decides on its own that a
// person is authorised: a [Match] says which template matched, and the
// caller decides what that template is allowed.
package vein
