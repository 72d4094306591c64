package simcard

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"
)

// fakeVPCD plays the vpcd side of the protocol on a loopback listener.
type fakeVPCD struct {
	t    *testing.T
	conn net.Conn
}

func (f *fakeVPCD) send(msg []byte) {
	f.t.Helper()
	f.conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := f.conn.Write(append(binary.BigEndian.AppendUint16(nil, uint16(len(msg))), msg...)); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fakeVPCD) recv() ([]byte, error) {
	f.conn.SetDeadline(time.Now().Add(5 * time.Second))
	var hdr [2]byte
	if _, err := io.ReadFull(f.conn, hdr[:]); err != nil {
		return nil, err
	}
	msg := make([]byte, binary.BigEndian.Uint16(hdr[:]))
	_, err := io.ReadFull(f.conn, msg)
	return msg, err
}

func insertFake(t *testing.T, c *Card) (*fakeVPCD, *Slot) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	slot, err := c.Insert(context.Background(), ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	conn, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(); slot.Pull() })
	return &fakeVPCD{t: t, conn: conn}, slot
}

// TestVPCDProtocol: control frames get no reply, GET ATR and APDUs do, and the power cycle
// drops the PIN state.
func TestVPCDProtocol(t *testing.T) {
	c := newCard(t, Config{})
	v, _ := insertFake(t, c)

	for _, ctrl := range []byte{ctrlOn, ctrlOff, ctrlOn} {
		v.send([]byte{ctrl})
	}
	v.send([]byte{ctrlATR})
	if got, err := v.recv(); err != nil || !bytes.Equal(got, ATR) {
		t.Fatalf("ATR: % X, %v (a control frame must not be answered)", got, err)
	}
	for _, s := range []struct{ cmd, want string }{
		{selKenhojo, "9000"},
		{"00A4020C02 0011", "9000"},
		{"0020008004 31323334", "9000"},
		{"00200080", "63C3"},
	} {
		v.send(h(s.cmd))
		if got, err := v.recv(); err != nil || !bytes.Equal(got, h(s.want)) {
			t.Fatalf("%s: % X, %v", s.cmd, got, err)
		}
	}
	v.send([]byte{ctrlReset})
	v.send(h("00A4020C02 0011")) // no DF after reset
	if got, _ := v.recv(); !bytes.Equal(got, h("6A82")) {
		t.Fatalf("after reset: % X, want 6A82", got)
	}
}

// TestVPCDPull: with PullAfter the card closes the connection instead of answering, and
// Slot.Pull closes it from the test side.
func TestVPCDPull(t *testing.T) {
	c := newCard(t, Config{PullAfter: 1})
	v, slot := insertFake(t, c)
	v.send(h(selKenhojo))
	if got, err := v.recv(); err != nil || !bytes.Equal(got, h("9000")) {
		t.Fatalf("first APDU: % X, %v", got, err)
	}
	v.send(h(selKenhojo))
	if got, err := v.recv(); err == nil {
		t.Fatalf("second APDU answered % X after the pull", got)
	}
	select {
	case <-slot.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("slot still served after the pull")
	}
	if err := slot.Err(); err != nil {
		t.Fatalf("Err = %v, want nil", err)
	}

	c2 := newCard(t, Config{})
	v2, slot2 := insertFake(t, c2)
	slot2.Pull()
	if _, err := v2.recv(); err == nil {
		t.Fatal("connection open after Slot.Pull")
	}
}
