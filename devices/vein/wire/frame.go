package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Frame layout constants; see the package documentation for the diagram.
const (
	Sync0   = 0xA5 // first sync byte
	Sync1   = 0x5A // second sync byte
	Version = 1    // the only protocol version this package speaks

	// HeaderLen is sync, ver, seq, cmd and len.
	HeaderLen = 7
	// TrailerLen is the CRC.
	TrailerLen = 2
	// MaxPayload bounds len. Our payloads are tens of bytes; the bound
	// keeps a corrupt length from making the parser wait for a frame
	// that never ends.
	MaxPayload = 512
	// MaxFrameLen is the longest valid frame.
	MaxFrameLen = HeaderLen + MaxPayload + TrailerLen
)

// Command is a frame's cmd byte.
type Command uint8

// Commands. A request's reply is Cmd.Reply(); CmdStatus and CmdError come
// only from the device.
const (
	CmdInfo          Command = 0x01 // host asks for the device's identity: InfoReply
	CmdPing          Command = 0x02 // liveness probe; the reply echoes the payload (≤ 8 bytes)
	CmdEnrollStart   Command = 0x10 // EnrollStart: begin an enrolment of n captures
	CmdEnrollCapture Command = 0x11 // EnrollCapture: take capture i; EnrollCaptureReply
	CmdVerify        Command = 0x20 // Verify: 1:1 against a template; VerifyReply
	CmdIdentify      Command = 0x21 // no payload: 1:N over all templates; IdentifyReply
	CmdDelete        Command = 0x22 // Delete: remove a template; the reply has no payload
	CmdCancel        Command = 0x30 // no payload: abort the request in progress
	CmdStatus        Command = 0x40 // device event: Status (a prompt)
	CmdError         Command = 0x7F // device error: Error, seq of the failed request

	// ReplyFlag is set in the cmd byte of a reply.
	ReplyFlag Command = 0x80
)

// Reply returns the command byte of c's reply.
func (c Command) Reply() Command { return c | ReplyFlag }

// IsReply reports whether c is a reply.
func (c Command) IsReply() bool { return c&ReplyFlag != 0 }

func (c Command) String() string {
	name := map[Command]string{
		CmdInfo: "info", CmdPing: "ping", CmdEnrollStart: "enroll-start",
		CmdEnrollCapture: "enroll-capture", CmdVerify: "verify", CmdIdentify: "identify", CmdDelete: "delete",
		CmdCancel: "cancel", CmdStatus: "status", CmdError: "error",
	}[c&^ReplyFlag]
	if name == "" {
		name = fmt.Sprintf("0x%02x", uint8(c&^ReplyFlag))
	}
	if c.IsReply() {
		return name + "-reply"
	}
	return name
}

// Frame is one decoded frame.
type Frame struct {
	Seq     uint8
	Cmd     Command
	Payload []byte
}

// ErrPayloadTooLong is returned by AppendFrame for a payload over MaxPayload.
var ErrPayloadTooLong = errors.New("wire: payload too long")

// AppendFrame appends the encoding of f to dst.
func AppendFrame(dst []byte, f Frame) ([]byte, error) {
	if len(f.Payload) > MaxPayload {
		return dst, ErrPayloadTooLong
	}
	start := len(dst)
	dst = append(dst, Sync0, Sync1, Version, f.Seq, byte(f.Cmd))
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(f.Payload)))
	dst = append(dst, f.Payload...)
	return binary.BigEndian.AppendUint16(dst, CRC16(dst[start+2:])), nil
}

// CRC16 returns the CRC-16/CCITT-FALSE of b: polynomial 0x1021, initial
// value 0xFFFF, no reflection, no final xor.
func CRC16(b []byte) uint16 {
	crc := uint16(0xFFFF)
	for _, c := range b {
		crc = crc<<8 ^ crcTable[byte(crc>>8)^c]
	}
	return crc
}

var crcTable = func() (t [256]uint16) {
	for i := range t {
		c := uint16(i) << 8
		for range 8 {
			if c&0x8000 != 0 {
				c = c<<1 ^ 0x1021
			} else {
				c <<= 1
			}
		}
		t[i] = c
	}
	return t
}()
