package vein_test

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	simvein "github.com/mynumber-shelter/shelter/devices/sim/vein"
	"github.com/mynumber-shelter/shelter/devices/vein"
	"github.com/mynumber-shelter/shelter/devices/vein/wire"
)

func TestWrongDeviceOnTheSamePort(t *testing.T) {
	first := startSim(t, simvein.Config{Serial: "SIM-A"})
	second := startSim(t, simvein.Config{Serial: "SIM-B"})
	// One by-id path, first pointing at one sensor, then at another.
	byID := filepath.Join(t.TempDir(), "usb-vein-if00")
	if err := os.Symlink(first.PTY(), byID); err != nil {
		t.Fatal(err)
	}
	s := &vein.Serial{Path: byID}
	t.Cleanup(func() { s.Close() })
	alice := enroll(t, s, first, "alice")

	first.Unplug()
	os.Remove(byID)
	if err := os.Symlink(second.PTY(), byID); err != nil {
		t.Fatal(err)
	}
	// The second sensor would happily match its own template with
	// the same id. (Enrolled through a driver closed at once: two
	// readers on one tty steal each other's bytes.)
	other := &vein.Serial{Path: second.Path()}
	if id := enroll(t, other, second, "mallory"); id != alice {
		t.Fatalf("second sensor gave id %d, want %d for the scenario", id, alice)
	}
	other.Close()
	second.Place("mallory")
	_, err := s.Verify(timeout(t, 5*time.Second), alice, nil)
	if !errors.Is(err, vein.ErrWrongDevice) {
		t.Fatalf("err = %v, want ErrWrongDevice", err)
	}

	// A driver bound to SIM-B by configuration accepts it.
	b := &vein.Serial{Path: byID, DeviceSerial: "SIM-B"}
	if _, err := b.Info(timeout(t, 5*time.Second)); err != nil {
		t.Fatalf("driver bound to SIM-B: %v", err)
	}
	b.Close()
	c := &vein.Serial{Path: byID, DeviceSerial: "SIM-A"}
	t.Cleanup(func() { c.Close() })
	if _, err := c.Info(timeout(t, 5*time.Second)); !errors.Is(err, vein.ErrWrongDevice) {
		t.Fatalf("driver bound to SIM-A: err = %v, want ErrWrongDevice", err)
	}
}

// scriptedPort is an in-memory Port whose device answers each request with
// whatever reply returns: the driver needs no hardware and no pty to be
// tested against replies the simulator would never send.
type scriptedPort struct {
	reply func(req wire.Frame) []wire.Frame

	mu     sync.Mutex
	out    []byte
	p      wire.Parser
	closed bool
}

var _ vein.Port = (*scriptedPort)(nil)

func (p *scriptedPort) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return 0, os.ErrClosed
	}
	p.p.Feed(b)
	for {
		f, ok := p.p.Next()
		if !ok {
			return len(b), nil
		}
		for _, r := range p.reply(f) {
			p.out, _ = wire.AppendFrame(p.out, r)
		}
	}
}

func (p *scriptedPort) Read(b []byte) (int, error) {
	for range 10 {
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return 0, os.ErrClosed
		}
		n := copy(b, p.out)
		p.out = p.out[n:]
		p.mu.Unlock()
		if n > 0 {
			return n, nil
		}
		time.Sleep(time.Millisecond)
	}
	return 0, nil
}

func (p *scriptedPort) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	return nil
}

func TestProtocolViolations(t *testing.T) {
	info := func(protocol uint8) []byte {
		return wire.InfoReply{Protocol: protocol, Serial: "X"}.Append(nil)
	}
	tests := []struct {
		name  string
		info  []byte                      // reply to the handshake
		reply func(wire.Frame) wire.Frame // reply to the verify
	}{
		{"other protocol version", info(2), nil},
		{"malformed info", []byte{1, 0}, nil},
		{"malformed verify reply", info(1), func(f wire.Frame) wire.Frame {
			return wire.Frame{Seq: f.Seq, Cmd: wire.CmdVerify.Reply(), Payload: []byte{1}}
		}},
		{"malformed error", info(1), func(f wire.Frame) wire.Frame {
			return wire.Frame{Seq: f.Seq, Cmd: wire.CmdError}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &vein.Serial{
				Path:           "scripted",
				CommandTimeout: 200 * time.Millisecond,
				Open: func(string) (vein.Port, error) {
					return &scriptedPort{reply: func(f wire.Frame) []wire.Frame {
						switch f.Cmd {
						case wire.CmdInfo:
							return []wire.Frame{{Seq: f.Seq, Cmd: wire.CmdInfo.Reply(), Payload: tt.info}}
						case wire.CmdVerify:
							return []wire.Frame{tt.reply(f)}
						}
						return nil
					}}, nil
				},
			}
			defer s.Close()
			_, err := s.Verify(timeout(t, 2*time.Second), 1, nil)
			if !errors.Is(err, vein.ErrProtocol) {
				t.Fatalf("err = %v, want ErrProtocol", err)
			}
		})
	}
}

func TestStaleRepliesAreIgnored(t *testing.T) {
	// The device answers each verify twice: first as if to an older
	// request, then properly. Only the second may count.
	s := &vein.Serial{Path: "scripted", Open: func(string) (vein.Port, error) {
		return &scriptedPort{reply: func(f wire.Frame) []wire.Frame {
			switch f.Cmd {
			case wire.CmdInfo:
				return []wire.Frame{{Seq: f.Seq, Cmd: wire.CmdInfo.Reply(), Payload: wire.InfoReply{Protocol: 1}.Append(nil)}}
			case wire.CmdVerify:
				return []wire.Frame{
					{Seq: f.Seq - 1, Cmd: wire.CmdVerify.Reply(), Payload: wire.VerifyReply{Match: true, Score: 999}.Append(nil)},
					{Seq: f.Seq, Cmd: wire.CmdVerify.Reply(), Payload: wire.VerifyReply{Score: 10}.Append(nil)},
				}
			}
			return nil
		}}, nil
	}}
	defer s.Close()
	m, err := s.Verify(timeout(t, 2*time.Second), 1, nil)
	if !errors.Is(err, vein.ErrNoMatch) || m.Score != 10 {
		t.Fatalf("verify = %+v, %v; want the current request's no-match", m, err)
	}
}
