package simvein_test

import (
	"errors"
	"os"
	"testing"
	"time"

	simvein "github.com/mynumber-shelter/shelter/devices/sim/vein"
	"github.com/mynumber-shelter/shelter/devices/vein"
	"github.com/mynumber-shelter/shelter/devices/vein/wire"
)

// client speaks raw frames to the simulator through tarm/serial.
type client struct {
	t *testing.T
	p vein.Port
	r *wire.Reader
}

func start(t *testing.T) (*simvein.Sim, *client) {
	t.Helper()
	sim, err := simvein.Start(simvein.Config{Dir: t.TempDir()})
	if errors.Is(err, errors.ErrUnsupported) {
		t.Skip("needs Linux ptys")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	p, err := vein.OpenPort(sim.Path(), 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return sim, &client{t: t, p: p, r: wire.NewReader(p)}
}

func (c *client) send(seq uint8, cmd wire.Command, payload []byte, noise ...byte) {
	c.t.Helper()
	b, err := wire.AppendFrame(noise, wire.Frame{Seq: seq, Cmd: cmd, Payload: payload})
	if err != nil {
		c.t.Fatal(err)
	}
	if _, err := c.p.Write(b); err != nil {
		c.t.Fatal(err)
	}
}

// next returns the next frame that is not a status prompt.
func (c *client) next() wire.Frame {
	c.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		f, err := c.r.ReadFrame()
		if errors.Is(err, wire.ErrIdle) {
			continue
		}
		if err != nil {
			c.t.Fatal(err)
		}
		if f.Cmd != wire.CmdStatus {
			return f
		}
	}
	c.t.Fatal("no frame within 5 s")
	return wire.Frame{}
}

func (c *client) expectError(seq uint8, code wire.Code) {
	c.t.Helper()
	f := c.next()
	e, err := wire.ParseError(f.Payload)
	if f.Cmd != wire.CmdError || f.Seq != seq || err != nil || e.Code != code {
		c.t.Fatalf("got %v seq %d payload % x, want error %v for seq %d", f.Cmd, f.Seq, f.Payload, code, seq)
	}
}

func TestRequestsAndErrors(t *testing.T) {
	_, c := start(t)

	c.send(1, wire.CmdPing, []byte{1, 2, 3}, 0x00, 0xA5, 0xFF) // after some noise
	if f := c.next(); f.Cmd != wire.CmdPing.Reply() || f.Seq != 1 || string(f.Payload) != "\x01\x02\x03" {
		t.Fatalf("ping reply = %+v", f)
	}
	c.send(2, wire.CmdInfo, nil)
	if f := c.next(); f.Cmd != wire.CmdInfo.Reply() || f.Seq != 2 {
		t.Fatalf("info reply = %+v", f)
	}

	c.send(3, wire.Command(0x66), nil)
	c.expectError(3, wire.CodeUnknownCommand)
	c.send(4, wire.CmdEnrollStart, []byte{0})
	c.expectError(4, wire.CodeMalformed)
	c.send(5, wire.CmdEnrollCapture, []byte{0})
	c.expectError(5, wire.CodeBadState)
	c.send(6, wire.CmdVerify, wire.Verify{Template: 99}.Append(nil))
	c.expectError(6, wire.CodeUnknownTemplate)
	c.send(7, wire.CmdPing, make([]byte, wire.MaxPing+1))
	c.expectError(7, wire.CodeMalformed)
}

func TestBusyAndCancel(t *testing.T) {
	sim, c := start(t)
	sim.Lift()
	c.send(1, wire.CmdIdentify, nil) // waits for a hand
	c.send(2, wire.CmdIdentify, nil)
	c.expectError(2, wire.CodeBusy)
	c.send(3, wire.CmdEnrollStart, []byte{2})
	c.expectError(3, wire.CodeBusy)

	c.send(4, wire.CmdCancel, nil)
	c.expectError(1, wire.CodeCancelled) // the identify ends first
	if f := c.next(); f.Cmd != wire.CmdCancel.Reply() || f.Seq != 4 {
		t.Fatalf("cancel reply = %+v", f)
	}
	if st := sim.Stats(); st.Cancels != 1 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestEnrolmentOutOfOrder(t *testing.T) {
	sim, c := start(t)
	sim.Place("alice")
	c.send(1, wire.CmdEnrollStart, []byte{2})
	if f := c.next(); f.Cmd != wire.CmdEnrollStart.Reply() {
		t.Fatalf("enroll start reply = %+v", f)
	}
	c.send(2, wire.CmdEnrollCapture, []byte{1}) // capture 0 skipped
	c.expectError(2, wire.CodeBadState)
}

func TestUnplugReplug(t *testing.T) {
	sim, c := start(t)
	path := sim.Path()
	if err := sim.Unplug(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("stable path still there after unplug: %v", err)
	}
	if sim.PTY() != "" {
		t.Fatalf("PTY() = %q while unplugged", sim.PTY())
	}
	// The old line is hung up.
	buf := make([]byte, 8)
	var err error
	for range 50 {
		if _, err = c.p.Read(buf); err != nil {
			break
		}
	}
	if err == nil {
		t.Fatal("reads on an unplugged line kept succeeding")
	}
	if err := sim.Replug(); err != nil {
		t.Fatal(err)
	}
	target, err := os.Readlink(path)
	if err != nil || target != sim.PTY() {
		t.Fatalf("link -> %q (%v), want %q", target, err, sim.PTY())
	}
	p, err := vein.OpenPort(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c = &client{t: t, p: p, r: wire.NewReader(p)}
	c.send(1, wire.CmdPing, nil)
	if f := c.next(); f.Cmd != wire.CmdPing.Reply() {
		t.Fatalf("ping after replug = %+v", f)
	}
}

func TestCloseRemovesOwnDir(t *testing.T) {
	sim, err := simvein.Start(simvein.Config{})
	if errors.Is(err, errors.ErrUnsupported) {
		t.Skip("needs Linux ptys")
	}
	if err != nil {
		t.Fatal(err)
	}
	path := sim.Path()
	if err := sim.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("link left behind: %v", err)
	}
	if err := sim.Replug(); err == nil {
		t.Fatal("Replug after Close succeeded")
	}
}

func TestDelete(t *testing.T) {
	sim, c := start(t)
	sim.Place("alice")
	c.send(1, wire.CmdEnrollStart, []byte{1})
	if f := c.next(); f.Cmd != wire.CmdEnrollStart.Reply() {
		t.Fatalf("enroll start reply = %+v", f)
	}
	c.send(2, wire.CmdEnrollCapture, []byte{0})
	f := c.next()
	r, err := wire.ParseEnrollCaptureReply(f.Payload)
	if f.Cmd != wire.CmdEnrollCapture.Reply() || err != nil || r.Template == 0 {
		t.Fatalf("capture reply = %+v, %v", f, err)
	}

	// Refused while a request that needs a hand runs.
	sim.Lift()
	c.send(3, wire.CmdIdentify, nil)
	c.send(4, wire.CmdDelete, wire.Delete{Template: r.Template}.Append(nil))
	c.expectError(4, wire.CodeBusy)
	c.send(5, wire.CmdCancel, nil)
	c.expectError(3, wire.CodeCancelled)
	if f := c.next(); f.Cmd != wire.CmdCancel.Reply() {
		t.Fatalf("cancel reply = %+v", f)
	}

	c.send(6, wire.CmdDelete, wire.Delete{Template: r.Template}.Append(nil))
	if f := c.next(); f.Cmd != wire.CmdDelete.Reply() || f.Seq != 6 || len(f.Payload) != 0 {
		t.Fatalf("delete reply = %+v", f)
	}
	if sim.Templates() != 0 {
		t.Fatalf("%d templates after delete", sim.Templates())
	}
	c.send(7, wire.CmdDelete, wire.Delete{Template: r.Template}.Append(nil))
	c.expectError(7, wire.CodeUnknownTemplate)
	c.send(8, wire.CmdDelete, []byte{0, 0, 0, 0})
	c.expectError(8, wire.CodeMalformed)
}
