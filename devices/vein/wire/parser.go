package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
)

// Stats counts what a Parser has seen and thrown away. It is for
// diagnostics (line quality), never for decisions.
type Stats struct {
	Bytes     uint64 // bytes fed
	Frames    uint64 // valid frames returned
	Dropped   uint64 // bytes discarded for any reason below
	BadHeader uint64 // sync bytes followed by a wrong version or an impossible length
	BadCRC    uint64 // complete candidates whose CRC did not match
	Stale     uint64 // candidates still incomplete when the line went quiet
}

// Parser turns a byte stream into frames, resynchronising after noise and
// partial frames. Feed it bytes as they arrive, take frames with Next, and
// call Gap when the line goes quiet. The zero value is ready to use. A
// Parser is not safe for concurrent use.
//
// Its buffer holds at most one candidate frame plus the last Feed, so a
// line of noise cannot make it grow.
type Parser struct {
	buf   []byte
	off   int // start of the unconsumed bytes in buf
	stale int // how many unconsumed bytes arrived before the last Gap
	stats Stats
}

var syncBytes = []byte{Sync0, Sync1}

// Feed appends b to the bytes waiting to be parsed. p does not keep b.
func (p *Parser) Feed(b []byte) {
	p.stats.Bytes += uint64(len(b))
	if p.off > 0 && (p.off == len(p.buf) || p.off >= cap(p.buf)/2) {
		n := copy(p.buf, p.buf[p.off:])
		p.buf, p.off = p.buf[:n], 0
	}
	p.buf = append(p.buf, b...)
}

// Gap tells p the line has gone quiet: every byte fed so far belongs to a
// burst that is over, so a frame still incomplete will never complete.
// The next calls to Next drop such candidates and keep scanning behind
// them.
func (p *Parser) Gap() { p.stale = len(p.buf) - p.off }

// Buffered returns how many fed bytes are not yet consumed or dropped.
func (p *Parser) Buffered() int { return len(p.buf) - p.off }

// Stats returns the counters so far.
func (p *Parser) Stats() Stats { return p.stats }

// Next returns the next valid frame, or false when the bytes fed so far
// hold none. The returned payload is a copy.
func (p *Parser) Next() (Frame, bool) {
	for {
		b := p.buf[p.off:]
		i := bytes.Index(b, syncBytes)
		if i < 0 {
			// Keep a trailing Sync0 (unless stale): it may be the
			// first half of the next sync.
			keep := 0
			if len(b) > 0 && b[len(b)-1] == Sync0 && p.stale < len(b) {
				keep = 1
			}
			p.consume(len(b)-keep, true)
			return Frame{}, false
		}
		p.consume(i, true)
		b = b[i:]

		if len(b) >= 3 && b[2] != Version {
			p.stats.BadHeader++
			p.consume(1, true)
			continue
		}
		if len(b) < HeaderLen {
			if p.dropStale() {
				continue
			}
			return Frame{}, false
		}
		n := int(binary.BigEndian.Uint16(b[5:7]))
		if n > MaxPayload {
			p.stats.BadHeader++
			p.consume(1, true)
			continue
		}
		end := HeaderLen + n
		if len(b) < end+TrailerLen {
			if p.dropStale() {
				continue
			}
			return Frame{}, false
		}
		if CRC16(b[2:end]) != binary.BigEndian.Uint16(b[end:]) {
			p.stats.BadCRC++
			p.consume(1, true)
			continue
		}
		f := Frame{Seq: b[3], Cmd: Command(b[4]), Payload: bytes.Clone(b[HeaderLen:end])}
		if f.Payload == nil {
			f.Payload = []byte{}
		}
		p.consume(end+TrailerLen, false)
		p.stats.Frames++
		return f, true
	}
}

// dropStale drops the first byte of an incomplete candidate that began
// before the last Gap and reports whether it did.
func (p *Parser) dropStale() bool {
	if p.stale == 0 {
		return false
	}
	p.stats.Stale++
	p.consume(1, true)
	return true
}

func (p *Parser) consume(n int, dropped bool) {
	p.off += n
	p.stale = max(0, p.stale-n)
	if dropped {
		p.stats.Dropped += uint64(n)
	}
	if p.off == len(p.buf) {
		p.buf, p.off = p.buf[:0], 0
	}
}

// ErrIdle is returned by Reader.ReadFrame when the line was quiet for a
// read and no complete frame is waiting. It is not a failure: it lets the
// caller look at its context or shutdown signal and read again.
var ErrIdle = errors.New("wire: line idle")

// Reader reads frames from a serial line.
type Reader struct {
	src io.Reader
	p   Parser
	buf []byte
	err error // read error to return once buffered frames are out
}

// NewReader returns a Reader of frames from src. src follows the
// convention of serial ports opened with a read timeout: a Read that
// returns 0 bytes and a nil error means the line was quiet for the
// timeout, which the Reader treats as a Gap. Any error from src ends the
// stream once the frames already received have been returned.
func NewReader(src io.Reader) *Reader {
	return &Reader{src: src, buf: make([]byte, 4096)}
}

// ReadFrame returns the next valid frame. It returns ErrIdle when a read
// brought nothing and no frame is complete, and src's error once src
// fails and no buffered frame is left.
func (r *Reader) ReadFrame() (Frame, error) {
	for {
		if f, ok := r.p.Next(); ok {
			return f, nil
		}
		if r.err != nil {
			return Frame{}, r.err
		}
		n, err := r.src.Read(r.buf)
		r.p.Feed(r.buf[:n])
		switch {
		case err != nil:
			r.err = err
			r.p.Gap()
		case n == 0:
			r.p.Gap()
			if f, ok := r.p.Next(); ok {
				return f, nil
			}
			return Frame{}, ErrIdle
		}
	}
}

// Stats returns the parser's counters.
func (r *Reader) Stats() Stats { return r.p.Stats() }
