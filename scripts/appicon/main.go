// Command appicon draws the MyNumber Shelter application icon: a white shield
// with a teal "MN" monogram and a keyhole on a rounded teal square.
//
// It writes the two files Wails builds from:
//
//	build/appicon.png           1024×1024 PNG (Linux, macOS, and the source Wails falls back to)
//	build/windows/icon.ico      ICO with PNG images at 256, 128, 64, 48, 32, 24 and 16 px
//
// The icon is vector shapes rendered with 4×4 supersampling at each size, so the
// small Windows sizes stay sharp. It uses only the standard library, so it runs
// on a fresh clone:
//
//	go run ./scripts/appicon -build build
//
// It never reads anything but its flags and never writes outside -build.
package main

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
)

// icoSizes are the images in icon.ico, largest first as Windows Explorer prefers.
var icoSizes = []int{256, 128, 64, 48, 32, 24, 16}

func main() {
	buildDir := flag.String("build", "build", "Wails build directory to write appicon.png and windows/icon.ico into")
	flag.Parse()
	if err := run(*buildDir); err != nil {
		fmt.Fprintln(os.Stderr, "appicon:", err)
		os.Exit(1)
	}
}

func run(buildDir string) error {
	var buf bytes.Buffer
	if err := png.Encode(&buf, Render(1024)); err != nil {
		return fmt.Errorf("encoding appicon.png: %w", err)
	}
	if err := os.WriteFile(filepath.Join(buildDir, "appicon.png"), buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("writing appicon.png: %w", err)
	}
	buf.Reset()
	if err := WriteICO(&buf, icoSizes); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(buildDir, "windows"), 0o755); err != nil {
		return fmt.Errorf("creating windows dir: %w", err)
	}
	if err := os.WriteFile(filepath.Join(buildDir, "windows", "icon.ico"), buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("writing icon.ico: %w", err)
	}
	return nil
}

// Colours of the icon.
var (
	tealDark  = [3]float64{0x0b, 0x5e, 0x59}
	tealLight = [3]float64{0x14, 0x9a, 0x8e}
	white     = [3]float64{0xff, 0xff, 0xff}
	mark      = [3]float64{0x0f, 0x76, 0x6e}
)

// Render draws the icon as a size×size image with a transparent outside.
func Render(size int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	const ss = 4 // samples per axis
	scale := 1024 / float64(size)
	for py := 0; py < size; py++ {
		for px := 0; px < size; px++ {
			var r, g, b, a float64
			for sy := 0; sy < ss; sy++ {
				for sx := 0; sx < ss; sx++ {
					// Sample point in the 1024-unit design space.
					x := (float64(px) + (float64(sx)+0.5)/ss) * scale
					y := (float64(py) + (float64(sy)+0.5)/ss) * scale
					c, ok := shade(x, y)
					if !ok {
						continue
					}
					r, g, b, a = r+c[0], g+c[1], b+c[2], a+1
				}
			}
			if a == 0 {
				continue
			}
			img.SetNRGBA(px, py, color.NRGBA{
				R: uint8(math.Round(r / a)),
				G: uint8(math.Round(g / a)),
				B: uint8(math.Round(b / a)),
				A: uint8(math.Round(255 * a / (ss * ss))),
			})
		}
	}
	return img
}

// shade returns the colour at design-space point (x, y), or false outside the icon.
func shade(x, y float64) ([3]float64, bool) {
	if !inRoundedSquare(x, y, 24, 1000, 200) {
		return [3]float64{}, false
	}
	if inShield(x, y) {
		if inMonogram(x, y) || inKeyhole(x, y) {
			return mark, true
		}
		return white, true
	}
	t := y / 1024 // vertical gradient, light at the top
	var c [3]float64
	for i := range c {
		c[i] = tealLight[i]*(1-t) + tealDark[i]*t
	}
	return c, true
}

func inRoundedSquare(x, y, lo, hi, radius float64) bool {
	if x < lo || x > hi || y < lo || y > hi {
		return false
	}
	cx := math.Min(math.Max(x, lo+radius), hi-radius)
	cy := math.Min(math.Max(y, lo+radius), hi-radius)
	return math.Hypot(x-cx, y-cy) <= radius
}

// inShield is a heater shield: a top edge that dips towards the middle, straight
// sides, and a lower half that narrows to a point.
func inShield(x, y float64) bool {
	const (
		cx, halfW     = 512.0, 300.0
		top, mid, bot = 170.0, 500.0, 900.0
	)
	dx := math.Abs(x - cx)
	if dx > halfW {
		return false
	}
	u := dx / halfW
	if y < top+45*(1-u*u) {
		return false
	}
	switch {
	case y <= mid:
		return true
	case y <= bot:
		t := (y - mid) / (bot - mid)
		return dx <= halfW*(1-t*t)
	}
	return false
}

// inMonogram draws "MN" with round-capped strokes.
func inMonogram(x, y float64) bool {
	const (
		w          = 46.0 // stroke width
		top, base  = 310.0, 540.0
		mL, mR     = 282.0, 472.0
		nL, nR     = 560.0, 740.0
		mMid, mVal = (mL + mR) / 2, 455.0
	)
	strokes := [][4]float64{
		{mL, base, mL, top}, {mL, top, mMid, mVal}, {mMid, mVal, mR, top}, {mR, top, mR, base},
		{nL, base, nL, top}, {nL, top, nR, base}, {nR, base, nR, top},
	}
	for _, s := range strokes {
		if distToSegment(x, y, s[0], s[1], s[2], s[3]) <= w/2 {
			return true
		}
	}
	return false
}

// inKeyhole is a round head over a flared slot, under the monogram.
func inKeyhole(x, y float64) bool {
	if math.Hypot(x-512, y-650) <= 42 {
		return true
	}
	if y < 650 || y > 770 {
		return false
	}
	half := 16 + (y-650)*0.15
	return math.Abs(x-512) <= half
}

func distToSegment(px, py, ax, ay, bx, by float64) float64 {
	vx, vy := bx-ax, by-ay
	t := ((px-ax)*vx + (py-ay)*vy) / (vx*vx + vy*vy)
	t = math.Max(0, math.Min(1, t))
	return math.Hypot(px-(ax+t*vx), py-(ay+t*vy))
}

// WriteICO writes an ICO file holding one PNG-compressed image per size
// (supported since Windows Vista). Sizes must be 1..256.
func WriteICO(w io.Writer, sizes []int) error {
	images := make([][]byte, len(sizes))
	for i, s := range sizes {
		if s < 1 || s > 256 {
			return fmt.Errorf("ico size %d out of range 1..256", s)
		}
		var buf bytes.Buffer
		if err := png.Encode(&buf, Render(s)); err != nil {
			return fmt.Errorf("encoding %dpx image: %w", s, err)
		}
		images[i] = buf.Bytes()
	}
	var out bytes.Buffer
	// ICONDIR: reserved, type 1 (icon), count.
	header := []uint16{0, 1, uint16(len(sizes))}
	if err := binary.Write(&out, binary.LittleEndian, header); err != nil {
		return fmt.Errorf("writing ico header: %w", err)
	}
	offset := 6 + 16*len(sizes)
	for i, s := range sizes {
		dim := uint8(s % 256) // 0 means 256
		entry := struct {
			Width, Height, Colors, Reserved uint8
			Planes, BitCount                uint16
			Size, Offset                    uint32
		}{dim, dim, 0, 0, 1, 32, uint32(len(images[i])), uint32(offset)}
		if err := binary.Write(&out, binary.LittleEndian, entry); err != nil {
			return fmt.Errorf("writing ico entry: %w", err)
		}
		offset += len(images[i])
	}
	for _, img := range images {
		out.Write(img)
	}
	if _, err := w.Write(out.Bytes()); err != nil {
		return fmt.Errorf("writing ico: %w", err)
	}
	return nil
}
