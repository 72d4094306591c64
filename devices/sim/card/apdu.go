package simcard

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/subtle"
)

// AIDs of the card's applications (reference §0).
var (
	aidKenhojo = []byte{0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08} // 券面事項入力補助AP
	aidKenkaku = []byte{0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x02} // 券面事項確認AP
	aidJPKI    = []byte{0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01} // JPKI AP
)

// Status words (ISO/IEC 7816-4:2013 §5.6).
const (
	swOK             = 0x9000
	swEndOfFile      = 0x6282 // end of file reached before reading Le bytes
	swWrongLength    = 0x6700
	swSecurityStatus = 0x6982
	swNotAllowed     = 0x6986 // command not allowed (no current EF)
	swWrongData      = 0x6A80
	swNotFound       = 0x6A82
	swWrongP1P2      = 0x6A86
	swWrongOffset    = 0x6B00
	swWrongLe        = 0x6C00 // 6C xx: wrong Le, xx is right
	swINSUnknown     = 0x6D00
	swCLAUnknown     = 0x6E00
)

// command is a parsed short command APDU (ISO/IEC 7816-4:2013 §5.1).
type command struct {
	cla, ins, p1, p2 byte
	data             []byte
	le               int // -1: absent; 1..256
}

// parse splits a short APDU into its cases 1–4. Extended-length APDUs are not supported.
func parse(b []byte) (command, bool) {
	if len(b) < 4 {
		return command{}, false
	}
	c := command{cla: b[0], ins: b[1], p1: b[2], p2: b[3], le: -1}
	body := b[4:]
	switch {
	case len(body) == 0: // case 1
	case len(body) == 1: // case 2
		c.le = int(body[0])
	case body[0] == 0: // extended
		return command{}, false
	case len(body) == 1+int(body[0]): // case 3
		c.data = body[1:]
	case len(body) == 2+int(body[0]): // case 4
		c.data = body[1 : len(body)-1]
		c.le = int(body[len(body)-1])
	default:
		return command{}, false
	}
	if c.le == 0 {
		c.le = 256
	}
	return c, true
}

// process runs one APDU against the card state; c.mu is held.
func (c *Card) process(b []byte) []byte {
	cmd, ok := parse(b)
	if !ok {
		return sw(swWrongLength)
	}
	switch cmd.cla {
	case 0x00:
		switch cmd.ins {
		case 0xA4:
			return c.selectFile(cmd)
		case 0x20:
			return c.verify(cmd)
		case 0xB0:
			return c.readBinary(cmd)
		}
		return sw(swINSUnknown)
	case 0x80:
		if cmd.ins == 0x2A {
			return c.sign(cmd)
		}
		return sw(swINSUnknown)
	case 0xFF:
		// PC/SC Part 3 §3.2.2.1.3 GET DATA: normally answered by the reader driver; vpcd
		// passes it through to the card.
		if cmd.ins == 0xCA {
			if cmd.p1 != 0x00 || cmd.p2 != 0x00 {
				return sw(swWrongP1P2)
			}
			return append(append([]byte(nil), c.cfg.UID...), 0x90, 0x00)
		}
		return sw(swINSUnknown)
	}
	return sw(swCLAUnknown)
}

// selectFile: SELECT by DF name (P1=04) or by EF identifier under the current DF (P1=02),
// P2=0C (no response data) or 00.
func (c *Card) selectFile(cmd command) []byte {
	if cmd.p2 != 0x0C && cmd.p2 != 0x00 {
		return sw(swWrongP1P2)
	}
	switch cmd.p1 {
	case 0x04:
		for _, a := range c.apps {
			if bytes.Equal(a.aid, cmd.data) {
				if a != c.cur {
					c.resetLocked() // leaving a DF drops its security state
				}
				c.cur, c.curEF = a, nil
				return sw(swOK)
			}
		}
		return sw(swNotFound)
	case 0x02:
		if len(cmd.data) != 2 {
			return sw(swWrongData)
		}
		if c.cur == nil {
			return sw(swNotFound)
		}
		f, ok := c.cur.files[uint16(cmd.data[0])<<8|uint16(cmd.data[1])]
		if !ok {
			return sw(swNotFound)
		}
		c.curEF = f
		return sw(swOK)
	}
	return sw(swWrongP1P2)
}

// verify: VERIFY on the selected PIN EF (P2=80). Without data it reports the state.
func (c *Card) verify(cmd command) []byte {
	if cmd.p1 != 0x00 || cmd.p2 != 0x80 {
		return sw(swWrongP1P2)
	}
	if c.curEF == nil || c.curEF.pin == nil {
		return sw(swNotAllowed)
	}
	p := c.curEF.pin
	if p.left == 0 {
		return sw(c.cfg.LockedSW)
	}
	if cmd.data == nil {
		if p.verified && c.cfg.VerifiedSW9000 {
			return sw(swOK)
		}
		return sw(0x63C0 | uint16(p.left))
	}
	if subtle.ConstantTimeCompare(cmd.data, []byte(p.value)) == 1 {
		p.left, p.verified = p.max, true
		return sw(swOK)
	}
	p.left--
	p.verified = false
	return sw(0x63C0 | uint16(p.left))
}

// readBinary: READ BINARY from the selected EF at offset P1P2 (no short EF identifiers).
func (c *Card) readBinary(cmd command) []byte {
	if cmd.p1&0x80 != 0 {
		return sw(swWrongP1P2)
	}
	if cmd.le < 0 || cmd.data != nil {
		return sw(swWrongLength)
	}
	f := c.curEF
	if f == nil || f.data == nil {
		return sw(swNotAllowed)
	}
	if !f.readable() {
		return sw(swSecurityStatus)
	}
	off := int(cmd.p1)<<8 | int(cmd.p2)
	if off >= len(f.data) {
		return sw(swWrongOffset)
	}
	end, status := off+cmd.le, uint16(swOK)
	if end > len(f.data) {
		end = len(f.data)
		switch c.cfg.EOF {
		case EOF6282:
			status = swEndOfFile
		case EOF6Cxx:
			return sw(swWrongLe | uint16(end-off)&0xFF)
		}
	}
	return append(append([]byte(nil), f.data[off:end]...), byte(status>>8), byte(status))
}

// readable reports whether the EF's data may be read now: it is free, or one of the PINs
// that open it is verified.
func (f *file) readable() bool {
	if len(f.readPINs) == 0 {
		return true
	}
	for _, p := range f.readPINs {
		if p.verified {
			return true
		}
	}
	return false
}

// sign: COMPUTE DIGITAL SIGNATURE (80 2A 00 80) with the selected key EF. The data is a
// DigestInfo; the card adds PKCS#1 v1.5 type-1 padding (reference §2.3).
func (c *Card) sign(cmd command) []byte {
	if cmd.p1 != 0x00 || cmd.p2 != 0x80 {
		return sw(swWrongP1P2)
	}
	f := c.curEF
	if f == nil || f.key == nil {
		return sw(swNotAllowed)
	}
	if !f.keyPIN.verified {
		return sw(swSecurityStatus)
	}
	key := f.key
	if c.forged != nil && key == c.cfg.Keys.Auth {
		key = c.forged
	}
	if len(cmd.data) == 0 || len(cmd.data) > key.Size()-11 {
		return sw(swWrongData)
	}
	sig, err := rsa.SignPKCS1v15(nil, key, crypto.Hash(0), cmd.data)
	if err != nil {
		return sw(swWrongData)
	}
	return append(sig, 0x90, 0x00)
}

func sw(s uint16) []byte { return []byte{byte(s >> 8), byte(s)} }
