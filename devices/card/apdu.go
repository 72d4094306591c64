package card

import (
	"errors"
	"fmt"
)

// command is a short command APDU (ISO/IEC 7816-4:2013 §5.1).
type command struct {
	cla, ins, p1, p2 byte
	data             []byte // nil: no Lc field
	le               int    // 0: no Le field; 1..256 (256 is sent as 00)
}

func (c command) bytes() []byte {
	b := make([]byte, 4, 4+1+len(c.data)+1)
	b[0], b[1], b[2], b[3] = c.cla, c.ins, c.p1, c.p2
	if c.data != nil {
		b = append(b, byte(len(c.data)))
		b = append(b, c.data...)
	}
	if c.le > 0 {
		b = append(b, byte(c.le)) // 256 → 00
	}
	return b
}

// transmit sends c and splits the response into data and status word.
func transmit(t Transport, c command) ([]byte, uint16, error) {
	r, err := t.Transmit(c.bytes())
	if err != nil {
		return nil, 0, err
	}
	if len(r) < 2 {
		return nil, 0, fmt.Errorf("%w: response of %d bytes", ErrMalformed, len(r))
	}
	n := len(r) - 2
	return r[:n], uint16(r[n])<<8 | uint16(r[n+1]), nil
}

// run sends c and returns its data, or the status word as an error.
func run(t Transport, c command) ([]byte, error) {
	data, sw, err := transmit(t, c)
	if err != nil {
		return nil, err
	}
	if err := checkSW(sw); err != nil {
		return nil, err
	}
	return data, nil
}

// selectDF selects an application by its DF name: ISO/IEC 7816-4:2013 §11.1.1 SELECT,
// P1=04 (by DF name), P2=0C (no response data).
func selectDF(t Transport, aid []byte) error {
	_, err := run(t, command{cla: 0x00, ins: 0xA4, p1: 0x04, p2: 0x0C, data: aid})
	return err
}

// selectEF selects an EF under the current DF: ISO/IEC 7816-4:2013 §11.1.1 SELECT, P1=02
// (EF under the current DF), P2=0C.
func selectEF(t Transport, fid uint16) error {
	_, err := run(t, command{cla: 0x00, ins: 0xA4, p1: 0x02, p2: 0x0C, data: []byte{byte(fid >> 8), byte(fid)}})
	if err != nil {
		return fmt.Errorf("selecting EF %04X: %w", fid, err)
	}
	return nil
}

// errVerified is pinState's answer when the PIN is already verified in this card session.
var errVerified = errors.New("card: PIN already verified")

// pinState asks for the tries left of the selected PIN EF: ISO/IEC 7816-4:2013 §11.5.6
// VERIFY, P2=80 (specific reference data), case 1 without data; the card answers 63 Cx.
// A locked PIN gives an error wrapping [ErrPINLocked]; 90 00 (already verified) gives
// errVerified.
func pinState(t Transport) (int, error) {
	_, sw, err := transmit(t, command{cla: 0x00, ins: 0x20, p1: 0x00, p2: 0x80})
	switch {
	case err != nil:
		return 0, err
	case sw == 0x9000:
		return 0, errVerified
	case sw&0xFFF0 == 0x63C0 && sw != 0x63C0:
		return int(sw & 0x0F), nil
	}
	return 0, &StatusError{SW: sw}
}

// verifyPIN presents pin to the selected PIN EF: ISO/IEC 7816-4:2013 §11.5.6 VERIFY,
// P2=80, the PIN as ASCII. The command buffer is cleared afterwards.
func verifyPIN(t Transport, pin string) error {
	c := command{cla: 0x00, ins: 0x20, p1: 0x00, p2: 0x80, data: []byte(pin)}
	b := c.bytes()
	defer clear(b)
	clear(c.data)
	r, err := t.Transmit(b)
	if err != nil {
		return err
	}
	if len(r) != 2 {
		return fmt.Errorf("%w: VERIFY response of %d bytes", ErrMalformed, len(r))
	}
	return checkSW(uint16(r[0])<<8 | uint16(r[1]))
}

// checkPIN checks that pin is 4 ASCII digits without saying anything about it.
func checkPIN(pin string) error {
	if len(pin) != 4 {
		return ErrPINFormat
	}
	for i := 0; i < len(pin); i++ {
		if pin[i] < '0' || pin[i] > '9' {
			return ErrPINFormat
		}
	}
	return nil
}

// readBinary reads up to n (1..256) bytes of the selected EF at off: ISO/IEC 7816-4:2013
// §11.2.3 READ BINARY, offset in P1P2 (b8 of P1 zero: no short EF identifier). eof reports
// that the card said the file ends there: 62 82 (end of file before Le bytes, with data) or
// 6B 00 (offset beyond the end). 6C xx (wrong Le, xx is right) is retried once with xx.
func readBinary(t Transport, off, n int) (data []byte, eof bool, err error) {
	if off > 0x7FFF {
		return nil, false, fmt.Errorf("%w: offset %d beyond READ BINARY's reach", ErrMalformed, off)
	}
	c := command{cla: 0x00, ins: 0xB0, p1: byte(off >> 8), p2: byte(off), le: n}
	for try := 0; ; try++ {
		data, sw, err := transmit(t, c)
		switch {
		case err != nil:
			return nil, false, err
		case sw == 0x9000:
			if len(data) > n {
				data = data[:n]
			}
			return data, false, nil
		case sw == 0x6282:
			return data, true, nil
		case sw == 0x6B00 && off > 0:
			return nil, true, nil
		case sw&0xFF00 == 0x6C00 && try == 0:
			c.le = int(sw & 0xFF)
			if c.le == 0 {
				c.le = 256
			}
			continue
		}
		return nil, false, &StatusError{SW: sw}
	}
}

// headerRead is how many bytes readFile asks for first: enough for a 2-byte tag and an
// 82 LL LL length (jpki/myna reads 7).
const headerRead = 8

// readFile reads the selected EF, which holds one BER-TLV, to the end of that TLV: the
// first bytes give the length, the rest comes in chunks of at most 256 bytes with the offset
// in P1P2. Bytes after the TLV are not read. A TLV longer than limit is refused.
func readFile(t Transport, limit int) ([]byte, error) {
	buf, eof, err := readBinary(t, 0, headerRead)
	if err != nil {
		return nil, err
	}
	_, h, n, err := parseHeader(buf)
	if err != nil {
		return nil, err
	}
	total := h + n
	if total > limit {
		return nil, fmt.Errorf("%w: file of %d bytes, limit %d", ErrMalformed, total, limit)
	}
	for len(buf) < total {
		if eof {
			return nil, fmt.Errorf("%w: file ends at byte %d of %d", ErrMalformed, len(buf), total)
		}
		var chunk []byte
		chunk, eof, err = readBinary(t, len(buf), min(256, total-len(buf)))
		if err != nil {
			return nil, err
		}
		if len(chunk) == 0 && !eof {
			return nil, fmt.Errorf("%w: empty READ BINARY at byte %d of %d", ErrMalformed, len(buf), total)
		}
		buf = append(buf, chunk...)
	}
	return buf[:total:total], nil
}

// readEF selects fid and reads it with readFile, with the EF in the error context.
func readEF(t Transport, fid uint16, limit int) ([]byte, error) {
	if err := selectEF(t, fid); err != nil {
		return nil, err
	}
	b, err := readFile(t, limit)
	if err != nil {
		return nil, fmt.Errorf("reading EF %04X: %w", fid, err)
	}
	return b, nil
}

// UID returns the contactless card's UID, for staff cards used as a login factor: the PC/SC
// pseudo-APDU GET DATA (FF CA 00 00 00, PC/SC Part 3 §3.2.2.1.3), which the reader driver
// answers. Contact readers and cards without a UID give an error wrapping [ErrUnsupported].
func UID(t Transport) ([]byte, error) {
	if err := t.Begin(); err != nil {
		return nil, err
	}
	defer t.End(false)
	uid, err := run(t, command{cla: 0xFF, ins: 0xCA, p1: 0x00, p2: 0x00, le: 256})
	if err != nil {
		return nil, fmt.Errorf("reading UID: %w", err)
	}
	if len(uid) == 0 {
		return nil, fmt.Errorf("reading UID: %w: empty UID", ErrMalformed)
	}
	return uid, nil
}
