package simcard

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
)

// VPCDAddr is where the vpcd driver inside pcscd waits for a virtual card for its first slot,
// reader "Virtual PCD 00 00". The second slot ("Virtual PCD 00 01") is port 35964.
const VPCDAddr = "127.0.0.1:35963"

// Control bytes vpcd sends as one-byte frames (vsmartcard vpcd.h VPCD_CTRL_*).
const (
	ctrlOff   = 0x00
	ctrlOn    = 0x01
	ctrlReset = 0x02
	ctrlATR   = 0x04
)

// Slot is a card inserted in a vpcd reader: an open TCP connection to vpcd that serves the
// card until [Slot.Pull] or until vpcd hangs up.
type Slot struct {
	conn net.Conn
	done chan struct{}
	once sync.Once
	err  error
}

// Insert dials vpcd at addr (normally [VPCDAddr]) and serves the card on that connection in a
// new goroutine: pcscd then sees a card in the reader. vpcd accepts one card per slot, so the
// previous card must have been pulled and its removal noticed (pcscd polls about every 0.4 s)
// before another is inserted.
func (c *Card) Insert(ctx context.Context, addr string) (*Slot, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("simcard: connecting to vpcd: %w", err)
	}
	c.mu.Lock()
	c.pulled = false
	c.resetLocked()
	c.mu.Unlock()
	s := &Slot{conn: conn, done: make(chan struct{})}
	go func() {
		err := c.Serve(quickAckConn{conn})
		s.once.Do(func() { s.err = err })
		conn.Close()
		close(s.done)
	}()
	return s, nil
}

// quickAckConn sets TCP_QUICKACK before every read (see quickAck).
type quickAckConn struct{ net.Conn }

func (q quickAckConn) Read(p []byte) (int, error) {
	quickAck(q.Conn)
	return q.Conn.Read(p)
}

// Pull takes the card out of the reader by closing the connection to vpcd, and waits until
// the serving goroutine has stopped.
func (s *Slot) Pull() {
	s.once.Do(func() {})
	s.conn.Close()
	<-s.done
}

// Done is closed when the card stops being served (pulled, or vpcd went away).
func (s *Slot) Done() <-chan struct{} { return s.done }

// Err returns why serving stopped: nil after [Slot.Pull] or when the card pulled itself
// ([Config.PullAfter]), otherwise the connection error. It is valid after Done is closed.
func (s *Slot) Err() error {
	<-s.done
	return s.err
}

// Serve speaks the vpcd protocol on rw until it fails or the card is pulled (see reference
// §3.1): every message in both directions is a 2-byte big-endian length and that many bytes;
// one-byte messages from vpcd are control (power off, power on, reset, get ATR), longer ones
// are command APDUs. Only GET ATR and APDUs get an answer. Serve returns nil when the card
// was pulled by [Config.PullAfter] or the peer closed the connection cleanly between frames.
func (c *Card) Serve(rw io.ReadWriter) error {
	var hdr [2]byte
	buf := make([]byte, 0xFFFF)
	for {
		if _, err := io.ReadFull(rw, hdr[:]); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("simcard: reading from vpcd: %w", err)
		}
		n := int(binary.BigEndian.Uint16(hdr[:]))
		msg := buf[:n]
		if _, err := io.ReadFull(rw, msg); err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("simcard: reading from vpcd: %w", err)
		}
		var reply []byte
		switch {
		case n == 0:
			continue
		case n == 1:
			switch msg[0] {
			case ctrlOff, ctrlOn, ctrlReset:
				c.Reset()
				continue
			case ctrlATR:
				reply = ATR
			default:
				continue
			}
		default:
			r, err := c.Transmit(msg)
			if errors.Is(err, ErrPulled) {
				return nil // no answer: vpcd sees the card vanish mid-command
			}
			if err != nil {
				return err
			}
			reply = r
		}
		out := binary.BigEndian.AppendUint16(make([]byte, 0, 2+len(reply)), uint16(len(reply)))
		if _, err := rw.Write(append(out, reply...)); err != nil {
			return fmt.Errorf("simcard: writing to vpcd: %w", err)
		}
	}
}
