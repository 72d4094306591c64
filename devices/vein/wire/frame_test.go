package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"testing"
)

func encode(t testing.TB, f Frame) []byte {
	t.Helper()
	b, err := AppendFrame(nil, f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func TestCRC16CheckValue(t *testing.T) {
	// The catalogued check value of CRC-16/CCITT-FALSE.
	if got := CRC16([]byte("123456789")); got != 0x29B1 {
		t.Fatalf("CRC16(123456789) = %#04x, want 0x29b1", got)
	}
	if got := CRC16(nil); got != 0xFFFF {
		t.Fatalf("CRC16(nil) = %#04x, want 0xffff", got)
	}
}

func TestAppendFrameLayout(t *testing.T) {
	got := encode(t, Frame{Seq: 7, Cmd: CmdVerify, Payload: []byte{0, 0, 0, 42}})
	want := []byte{0xA5, 0x5A, 1, 7, 0x20, 0, 4, 0, 0, 0, 42}
	want = binary.BigEndian.AppendUint16(want, CRC16(want[2:]))
	if !bytes.Equal(got, want) {
		t.Fatalf("frame = % x, want % x", got, want)
	}
	if _, err := AppendFrame(nil, Frame{Payload: make([]byte, MaxPayload+1)}); !errors.Is(err, ErrPayloadTooLong) {
		t.Fatalf("oversized payload: err = %v, want ErrPayloadTooLong", err)
	}
}

// parseAll feeds in in chunks of size chunk (0: all at once), then signals
// a gap and drains, returning the seqs of the frames found.
func parseAll(in []byte, chunk int) ([]uint8, Stats) {
	var p Parser
	var seqs []uint8
	drain := func() {
		for {
			f, ok := p.Next()
			if !ok {
				return
			}
			seqs = append(seqs, f.Seq)
		}
	}
	if chunk == 0 {
		chunk = len(in) + 1
	}
	for b := range slices.Chunk(in, chunk) {
		p.Feed(b)
		drain()
	}
	p.Gap()
	drain()
	return seqs, p.Stats()
}

func TestParserCorruption(t *testing.T) {
	f1 := encode(t, Frame{Seq: 1, Cmd: CmdVerify.Reply(), Payload: []byte{1, 0x03, 0x84}})
	f2 := encode(t, Frame{Seq: 2, Cmd: CmdStatus, Payload: []byte{1, 0, 0}})
	long := encode(t, Frame{Seq: 3, Cmd: CmdInfo.Reply(), Payload: bytes.Repeat([]byte{'x'}, 200)})
	empty := encode(t, Frame{Seq: 4, Cmd: CmdCancel.Reply()})
	withSync := encode(t, Frame{Seq: 5, Cmd: CmdPing.Reply(), Payload: []byte{0xA5, 0x5A, 1, 0xA5, 0x5A}})
	maxed := encode(t, Frame{Seq: 6, Cmd: CmdInfo.Reply(), Payload: bytes.Repeat([]byte{0xA5}, MaxPayload)})

	flip := func(b []byte, i int) []byte { c := bytes.Clone(b); c[i] ^= 0x10; return c }
	v2 := func(b []byte) []byte { // a well-formed frame of another version
		c := bytes.Clone(b)
		c[2] = 2
		binary.BigEndian.PutUint16(c[len(c)-2:], CRC16(c[2:len(c)-2]))
		return c
	}
	tooLong := []byte{0xA5, 0x5A, 1, 9, 0x21, 0x02, 0x01} // len 513
	// A valid header claiming 20 payload bytes, then nothing of it.
	falseStart := []byte{0xA5, 0x5A, 1, 9, 0x21, 0x00, 20}

	tests := []struct {
		name string
		in   []byte
		want []uint8
		// stats that must be non-zero
		badHeader, badCRC, stale bool
	}{
		{name: "clean", in: f1, want: []uint8{1}},
		{name: "back to back", in: cat(f1, f2, long), want: []uint8{1, 2, 3}},
		{name: "empty payload", in: cat(empty, f1), want: []uint8{4, 1}},
		{name: "payload holds sync bytes", in: cat(withSync, f2), want: []uint8{5, 2}},
		{name: "payload at MaxPayload", in: cat(maxed, f1), want: []uint8{6, 1}},
		{name: "leading garbage", in: cat([]byte{0, 0xFF, 0x5A, 0x13}, f1), want: []uint8{1}},
		{name: "garbage between frames", in: cat(f1, []byte("\x00noise\xff"), f2), want: []uint8{1, 2}},
		{name: "lone first sync bytes", in: cat([]byte{0xA5, 0xA5, 0x00, 0xA5}, f1), want: []uint8{1}},
		{name: "trailing garbage", in: cat(f1, []byte{1, 2, 0xA5}), want: []uint8{1}},
		{name: "wrong version", in: cat(v2(f1), f2), want: []uint8{2}, badHeader: true},
		{name: "length over bound", in: cat(tooLong, f1), want: []uint8{1}, badHeader: true},
		{name: "payload bit flip", in: cat(flip(f1, 8), f2), want: []uint8{2}, badCRC: true},
		{name: "crc bit flip", in: cat(flip(f1, len(f1)-1), f2), want: []uint8{2}, badCRC: true},
		{name: "seq bit flip", in: cat(flip(f1, 3), f2), want: []uint8{2}, badCRC: true},
		{name: "length bit flip", in: cat(flip(f1, 6), f2, long), want: []uint8{2, 3}, badCRC: true},
		{
			name: "partial frame resolved by later bytes",
			in:   cat(f2[:6], long, f1), want: []uint8{3, 1}, badCRC: true,
		},
		{
			name: "partial frame resolved by the gap",
			in:   cat(long[:20], f1), want: []uint8{1}, stale: true,
		},
		{
			name: "false start swallowing a frame",
			in:   cat(falseStart, f1), want: []uint8{1}, stale: true,
		},
		{
			name: "false start, then enough bytes for its crc",
			in:   cat(falseStart, f1, f2, f1), want: []uint8{1, 2, 1}, badCRC: true,
		},
		{name: "truncated at the end", in: cat(f1, f2[:len(f2)-1]), want: []uint8{1}, stale: true},
		{name: "header only", in: f1[:HeaderLen], want: nil, stale: true},
		{name: "only noise", in: bytes.Repeat([]byte{0xA5, 0x5A, 0x01}, 50), want: nil},
	}
	for _, tt := range tests {
		for _, chunk := range []int{0, 1, 3, 16} {
			t.Run(fmt.Sprintf("%s/chunk=%d", tt.name, chunk), func(t *testing.T) {
				got, st := parseAll(tt.in, chunk)
				if !slices.Equal(got, tt.want) {
					t.Fatalf("frames (by seq) = %v, want %v", got, tt.want)
				}
				if tt.badHeader && st.BadHeader == 0 || tt.badCRC && st.BadCRC == 0 || tt.stale && st.Stale == 0 {
					t.Errorf("stats = %+v, want badHeader=%v badCRC=%v stale=%v", st, tt.badHeader, tt.badCRC, tt.stale)
				}
				// Every byte is either in a frame or counted as dropped.
				var framed uint64
				for _, s := range got {
					for _, f := range [][]byte{f1, f2, long, empty, withSync, maxed} {
						if f[3] == s {
							framed += uint64(len(f))
						}
					}
				}
				if st.Bytes != uint64(len(tt.in)) || framed+st.Dropped != st.Bytes {
					t.Errorf("accounting: %d framed + %d dropped != %d fed (input %d)", framed, st.Dropped, st.Bytes, len(tt.in))
				}
			})
		}
	}
}

func TestParserPayloadIsACopy(t *testing.T) {
	var p Parser
	in := encode(t, Frame{Seq: 1, Cmd: CmdPing, Payload: []byte{1, 2, 3}})
	p.Feed(in)
	f, ok := p.Next()
	if !ok {
		t.Fatal("no frame")
	}
	p.Feed(bytes.Repeat([]byte{0xEE}, 64))
	p.Next()
	if !bytes.Equal(f.Payload, []byte{1, 2, 3}) {
		t.Fatalf("payload changed under the caller: % x", f.Payload)
	}
}

func TestParserBufferStaysBounded(t *testing.T) {
	var p Parser
	noise := bytes.Repeat([]byte{0xA5, 0x5A, 1, 0, 0, 0x01, 0xFF}, 100) // headers claiming 511 bytes
	for range 1000 {
		p.Feed(noise)
		for {
			if _, ok := p.Next(); !ok {
				break
			}
		}
		if p.Buffered() > MaxFrameLen+len(noise) {
			t.Fatalf("buffered %d bytes", p.Buffered())
		}
	}
}

// script is an io.Reader returning its steps in turn: bytes, a quiet read
// (nil) or an error.
type script []any

func (s *script) Read(b []byte) (int, error) {
	if len(*s) == 0 {
		return 0, io.EOF
	}
	step := (*s)[0]
	*s = (*s)[1:]
	switch v := step.(type) {
	case nil:
		return 0, nil
	case error:
		return 0, v
	case []byte:
		return copy(b, v), nil
	}
	panic("bad step")
}

func TestReaderGapsAndErrors(t *testing.T) {
	f1 := encode(t, Frame{Seq: 1, Cmd: CmdPing.Reply()})
	f2 := encode(t, Frame{Seq: 2, Cmd: CmdPing.Reply()})
	boom := errors.New("boom")
	src := script{
		f1[:4], f1[4:], // a frame in two reads
		nil,         // quiet
		f2[:5], nil, // a partial, then quiet: dropped
		cat(f2[5:], f1), // the rest of the partial is noise, f1 is found
		cat(f2, f2[:3]), // a frame and the start of another, then the line fails
		boom,
	}
	r := NewReader(&src)
	var got []string
	for {
		f, err := r.ReadFrame()
		if errors.Is(err, ErrIdle) {
			got = append(got, "idle")
			continue
		}
		if err != nil {
			if !errors.Is(err, boom) {
				t.Fatalf("err = %v, want boom", err)
			}
			break
		}
		got = append(got, fmt.Sprint(f.Seq))
	}
	want := []string{"1", "idle", "idle", "1", "2"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if st := r.Stats(); st.Stale == 0 || st.Frames != 3 {
		t.Fatalf("stats = %+v", st)
	}
}
