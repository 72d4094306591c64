package wire

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// chunker reads data in chunks whose sizes come from sizes, with a quiet
// read after every chunk whose size byte is odd.
type chunker struct {
	data, sizes []byte
	quiet       bool
	neverQuiet  bool // a quiet read mid-frame drops the frame, by design
}

func (c *chunker) Read(b []byte) (int, error) {
	if c.quiet {
		c.quiet = false
		return 0, nil
	}
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := 1 + len(c.data)/3
	if len(c.sizes) > 0 {
		n = 1 + int(c.sizes[0])
		c.quiet = c.sizes[0]&1 == 1 && !c.neverQuiet
		c.sizes = c.sizes[1:]
	}
	n = min(n, len(c.data), len(b))
	copy(b, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}

func FuzzFrameReader(f *testing.F) {
	frame := func(seq uint8, cmd Command, p []byte) []byte {
		b, _ := AppendFrame(nil, Frame{Seq: seq, Cmd: cmd, Payload: p})
		return b
	}
	ok := frame(1, CmdVerify.Reply(), []byte{1, 0x03, 0x84})
	f.Add(ok, []byte{})
	f.Add(cat([]byte("noise"), ok, []byte{0xA5}, ok), []byte{0, 1, 2, 3})
	f.Add(cat(ok[:6], frame(2, CmdStatus, []byte{1, 0, 0}), ok), []byte{5, 5, 5})
	f.Add(cat([]byte{0xA5, 0x5A, 1, 9, 0x21, 0x01, 0xFF}, ok), []byte{200})
	f.Add(bytes.Repeat([]byte{0xA5, 0x5A}, 40), []byte{1})
	f.Add(frame(3, CmdInfo.Reply(), bytes.Repeat([]byte{0xA5}, MaxPayload)), []byte{255, 255, 255})

	f.Fuzz(func(t *testing.T, data, sizes []byte) {
		// 1. Arbitrary bytes: every frame returned is valid and really
		// was in the input, and every byte is accounted for.
		r := NewReader(&chunker{data: data, sizes: sizes})
		var framed uint64
		for {
			fr, err := r.ReadFrame()
			if errors.Is(err, ErrIdle) {
				continue
			}
			if err != nil {
				if err != io.EOF {
					t.Fatalf("err = %v, want io.EOF", err)
				}
				break
			}
			enc, err := AppendFrame(nil, fr)
			if err != nil {
				t.Fatalf("returned an unencodable frame: %v", err)
			}
			if !bytes.Contains(data, enc) {
				t.Fatalf("returned a frame not in the input: % x", enc)
			}
			framed += uint64(len(enc))
		}
		st := r.Stats()
		if st.Bytes != uint64(len(data)) || framed+st.Dropped != st.Bytes {
			t.Fatalf("accounting: %d framed + %d dropped, %d fed of %d", framed, st.Dropped, st.Bytes, len(data))
		}

		// 2. Valid frames separated by noise that holds no sync byte are
		// all found, in order, however the bytes are chunked (as long as
		// the line does not go quiet mid-frame).
		var stream []byte
		var want [][]byte
		rest := data
		for i := 0; len(rest) > 0; i++ {
			n := min(len(rest), 1+int(rest[0])%48)
			want = append(want, rest[:n])
			stream, _ = AppendFrame(stream, Frame{Seq: uint8(i), Cmd: CmdPing, Payload: rest[:n]})
			stream = append(stream, bytes.ReplaceAll(rest[:min(n, 5)], []byte{Sync0}, nil)...)
			rest = rest[n:]
		}
		r = NewReader(&chunker{data: stream, sizes: sizes, neverQuiet: true})
		for i := 0; ; {
			fr, err := r.ReadFrame()
			if errors.Is(err, ErrIdle) {
				continue
			}
			if err != nil {
				if i != len(want) {
					t.Fatalf("found %d of %d frames", i, len(want))
				}
				break
			}
			if i >= len(want) || fr.Seq != uint8(i) || !bytes.Equal(fr.Payload, want[i]) {
				t.Fatalf("frame %d: seq %d payload % x", i, fr.Seq, fr.Payload)
			}
			i++
		}
	})
}

// FuzzPayloads checks that no payload parser panics and that what parses
// encodes back to the same bytes.
func FuzzPayloads(f *testing.F) {
	f.Add([]byte{1, 0, 0, 0, 0, 1, 'a', 1, 'b', 1, 'c'})
	f.Add([]byte{1, 0, 0, 0, 7, 0, 9})
	f.Add([]byte{3})
	f.Fuzz(func(t *testing.T, p []byte) {
		check := func(name string, m interface{ Append([]byte) []byte }, err error) {
			if err == nil && !bytes.Equal(m.Append(nil), p) {
				t.Fatalf("%s: % x parsed to %+v which encodes to % x", name, p, m, m.Append(nil))
			}
		}
		m1, err := ParseInfoReply(p)
		check("info", m1, err)
		m2, err := ParseEnrollStart(p)
		check("enroll start", m2, err)
		m3, err := ParseEnrollCapture(p)
		check("enroll capture", m3, err)
		m4, err := ParseEnrollCaptureReply(p)
		check("capture reply", m4, err)
		m5, err := ParseVerify(p)
		check("verify", m5, err)
		m6, err := ParseVerifyReply(p)
		check("verify reply", m6, err)
		m7, err := ParseIdentifyReply(p)
		check("identify reply", m7, err)
		m8, err := ParseStatus(p)
		check("status", m8, err)
		m9, err := ParseError(p)
		check("error", m9, err)
		m10, err := ParseDelete(p)
		check("delete", m10, err)
	})
}
