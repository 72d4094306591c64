package card

import "sync/atomic"

// Transport carries APDUs to one card. [*Conn] is the PC/SC implementation; tests use an
// in-process virtual card. Implementations need not be safe for concurrent use: the
// functions of this package use a Transport from one goroutine between Begin and End.
type Transport interface {
	// Transmit sends one command APDU and returns the response APDU: data ‖ SW1 SW2.
	// A card that left the reader gives an error wrapping [ErrCardRemoved].
	Transmit(cmd []byte) ([]byte, error)

	// Begin starts exclusive use of the card for a sequence of APDUs that must not be
	// interleaved with another program's (SCardBeginTransaction). When the card was reset
	// since the last use, Begin reconnects once and tries again.
	Begin() error

	// End ends exclusive use. With reset it also resets the card, which drops every
	// verified PIN; the functions of this package always reset after using a PIN.
	End(reset bool) error
}

// Counter is a Transport that counts the APDUs sent through it, for benchmarks and tests of
// how many round trips an operation takes. It is safe for concurrent use.
type Counter struct {
	Transport
	n atomic.Int64
}

// Transmit counts one APDU and passes it on.
func (c *Counter) Transmit(cmd []byte) ([]byte, error) {
	c.n.Add(1)
	return c.Transport.Transmit(cmd)
}

// APDUs returns the number of APDUs sent so far.
func (c *Counter) APDUs() int64 { return c.n.Load() }

// ResetCount sets the count back to zero.
func (c *Counter) ResetCount() { c.n.Store(0) }

var _ Transport = (*Counter)(nil)
