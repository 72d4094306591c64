package vein

import (
	"fmt"
	"io"
	"time"

	"github.com/tarm/serial"
)

// Port is an open serial line to a sensor: the seam where another
// transport, or a test, plugs into Serial.
type Port interface {
	// Read reads what has arrived. When nothing arrives within a short
	// poll interval (at most a second) it returns 0 and a nil error, so
	// that the driver can notice cancellation and treat the quiet as the
	// end of a burst. Any error means the line is gone: unplugged, hung
	// up or closed.
	Read(p []byte) (int, error)
	// Write writes all of p or returns an error.
	Write(p []byte) (int, error)
	// Close closes the line. A Read in progress returns within the poll
	// interval.
	Close() error
}

// PollInterval is how long a Read on a Port from OpenPort waits for a
// byte before it reports a quiet line.
const PollInterval = 100 * time.Millisecond

// DefaultBaud is the line speed OpenPort uses when given 0.
const DefaultBaud = 115200

// OpenPort opens the serial device at path with github.com/tarm/serial:
// baud (0 means DefaultBaud), 8 data bits, no parity, 1 stop bit, raw
// mode, reads timing out after PollInterval.
//
// On Linux this works on a pseudo-terminal slave (/dev/pts/N) as well as
// on /dev/ttyUSB*, /dev/ttyACM* and their /dev/serial/by-id links: the
// termios calls tarm/serial makes succeed on a pty, which ignores the
// speed.
func OpenPort(path string, baud int) (Port, error) {
	if baud == 0 {
		baud = DefaultBaud
	}
	p, err := serial.OpenPort(&serial.Config{Name: path, Baud: baud, ReadTimeout: PollInterval})
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	return &tarmPort{p: p}, nil
}

// tarmPort adapts a tarm/serial port to the Port contract.
//
// With a read timeout, tarm/serial on POSIX sets VMIN=0 and VTIME, so a
// quiet line makes read(2) return 0, which os.File reports as io.EOF.
// A hung-up line (USB unplugged, pty master closed) also returns 0, but at
// once and forever. So a zero read that took about the poll interval is a
// quiet line, and zero reads that come back at once, three in a row, are
// a hangup.
type tarmPort struct {
	p *serial.Port
}

func (t *tarmPort) Read(b []byte) (int, error) {
	for range 3 {
		start := time.Now()
		n, err := t.p.Read(b)
		if n > 0 {
			return n, nil
		}
		if err != nil && err != io.EOF {
			return 0, err
		}
		if time.Since(start) >= PollInterval/4 {
			return 0, nil
		}
	}
	return 0, fmt.Errorf("line hung up: %w", io.EOF)
}

func (t *tarmPort) Write(b []byte) (int, error) { return t.p.Write(b) }
func (t *tarmPort) Close() error                { return t.p.Close() }
