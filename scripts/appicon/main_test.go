package main

import (
	"bytes"
	"encoding/binary"
	"image/png"
	"testing"
)

func TestRenderShapes(t *testing.T) {
	img := Render(256)
	if got := img.Bounds().Dx(); got != 256 {
		t.Fatalf("width = %d, want 256", got)
	}
	cases := []struct {
		name string
		x, y int
		want func(r, g, b, a uint8) bool
	}{
		{"corner is transparent", 1, 1, func(_, _, _, a uint8) bool { return a == 0 }},
		{"background is opaque teal", 128, 16, func(r, g, b, a uint8) bool { return a == 255 && g > r && b > r }},
		{"shield is white", 80, 150, func(r, g, b, a uint8) bool { return a == 255 && r == 255 && g == 255 && b == 255 }},
		{"keyhole is teal", 128, 170, func(r, g, _, a uint8) bool { return a == 255 && g > r }},
	}
	for _, c := range cases {
		p := img.NRGBAAt(c.x, c.y)
		if !c.want(p.R, p.G, p.B, p.A) {
			t.Errorf("%s: pixel (%d,%d) = %v", c.name, c.x, c.y, p)
		}
	}
}

func TestWriteICO(t *testing.T) {
	sizes := []int{256, 32, 16}
	var buf bytes.Buffer
	if err := WriteICO(&buf, sizes); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	var hdr [3]uint16
	if err := binary.Read(bytes.NewReader(data), binary.LittleEndian, &hdr); err != nil {
		t.Fatal(err)
	}
	if hdr != [3]uint16{0, 1, uint16(len(sizes))} {
		t.Fatalf("header = %v", hdr)
	}
	for i, want := range sizes {
		e := data[6+16*i : 6+16*(i+1)]
		dim := int(e[0])
		if dim == 0 {
			dim = 256
		}
		size := binary.LittleEndian.Uint32(e[8:])
		off := binary.LittleEndian.Uint32(e[12:])
		if dim != want || int(e[1]) != int(e[0]) {
			t.Errorf("entry %d: %dx%d, want %d", i, e[0], e[1], want)
		}
		img, err := png.Decode(bytes.NewReader(data[off : off+size]))
		if err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
		if b := img.Bounds(); b.Dx() != want || b.Dy() != want {
			t.Errorf("entry %d: png is %v, want %dpx", i, b, want)
		}
	}
	if err := WriteICO(&buf, []int{512}); err == nil {
		t.Error("WriteICO accepted a 512px image")
	}
}
