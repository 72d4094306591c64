package simescl

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
)

// Default page geometry when the settings name no region: A4 in 1/300 inch, as eSCL clients
// ask for a whole-glass scan.
const (
	a4Width, a4Height = 2480, 3508
	maxPixels         = 120 << 20 // refuse a page over 120 Mpx (600 dpi A3 is about 70 Mpx)
)

// pageSize is the pixel size of a page for set: its scan region (in 1/300 inch, or A4 when
// it names none) at its resolution, as a real scanner sends it.
func pageSize(set Settings) (w, h int, err error) {
	uw, uh := a4Width, a4Height
	if r := set.Region; r != nil && r.Width > 0 && r.Height > 0 {
		uw, uh = r.Width, r.Height
	}
	xdpi, ydpi := set.XResolution, set.YResolution
	if xdpi <= 0 {
		xdpi = 300
	}
	if ydpi <= 0 {
		ydpi = xdpi
	}
	w, h = max(1, uw*xdpi/300), max(1, uh*ydpi/300)
	if w*h > maxPixels {
		return 0, 0, fmt.Errorf("page of %d×%d px is too large", w, h)
	}
	return w, h, nil
}

// page renders page n (sheet, side) of a job in the requested format, colour mode, size and
// resolution, padded to at least pad bytes.
func page(set Settings, n, sheet int, back bool, pad int) ([]byte, error) {
	w, h, err := pageSize(set)
	if err != nil {
		return nil, err
	}
	img := render(set.ColorMode, w, h, n, sheet, back)
	var b bytes.Buffer
	switch set.Format() {
	case "image/png":
		err = (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&b, img)
	case "application/pdf":
		err = writePDF(&b, img, set.XResolution, set.YResolution)
	default:
		err = jpeg.Encode(&b, img, &jpeg.Options{Quality: 90})
	}
	if err != nil {
		return nil, err
	}
	if b.Len() < pad {
		b.Grow(pad - b.Len())
		var zeros [4096]byte
		for b.Len() < pad {
			b.Write(zeros[:min(len(zeros), pad-b.Len())])
		}
	}
	return b.Bytes(), nil
}

// render draws a picture that differs per page: the background hue follows the page number,
// one bar per sheet number is drawn down the left edge, and the back side has a stripe along
// the bottom. A little deterministic grain (paper texture, sensor noise) keeps JPEG pages of
// real-scan size: an A4 page at 300 dpi is megabytes, as from a real scanner.
func render(mode string, w, h, n, sheet int, back bool) image.Image {
	bg := [3]uint8{uint8(40 * n), uint8(255 - 30*n), uint8(90 + 70*n)}
	bar := max(1, w/43)          // the 86 px card had 1 px bars
	stripe := h - max(1, h*8/54) // the bottom 8/54 of the page
	gray := mode == "Grayscale8" || mode == "BlackAndWhite1"
	bw := mode == "BlackAndWhite1"
	var rgba *image.RGBA
	var g *image.Gray
	if gray {
		g = image.NewGray(image.Rect(0, 0, w, h))
	} else {
		rgba = image.NewRGBA(image.Rect(0, 0, w, h))
	}
	seed := uint32(n)*2654435761 + 1
	for y := range h {
		for x := range w {
			c := bg
			switch {
			case x < 2*bar*min(sheet, 30) && (x/bar)%2 == 0:
				c = [3]uint8{}
			case back && y >= stripe:
				c = [3]uint8{255, 255, 255}
			default:
				seed ^= seed << 13 // xorshift32: grain of ±8 levels
				seed ^= seed >> 17
				seed ^= seed << 5
				d := int(seed&15) - 8
				c = [3]uint8{clamp(int(c[0]) + d), clamp(int(c[1]) + d), clamp(int(c[2]) + d)}
			}
			if gray {
				v := uint8((299*int(c[0]) + 587*int(c[1]) + 114*int(c[2])) / 1000)
				if bw {
					v = map[bool]uint8{false: 0, true: 255}[v >= 128]
				}
				g.Pix[y*g.Stride+x] = v
				continue
			}
			i := y*rgba.Stride + 4*x
			rgba.Pix[i], rgba.Pix[i+1], rgba.Pix[i+2], rgba.Pix[i+3] = c[0], c[1], c[2], 255
		}
	}
	if gray {
		return g
	}
	return rgba
}

func clamp(v int) uint8 { return uint8(min(255, max(0, v))) }

// writePDF writes a one-page PDF that shows img as a JPEG (DCTDecode) image at its resolution.
func writePDF(b *bytes.Buffer, img image.Image, xdpi, ydpi int) error {
	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, img, &jpeg.Options{Quality: 90}); err != nil {
		return err
	}
	space := "/DeviceRGB"
	if _, ok := img.(*image.Gray); ok {
		space = "/DeviceGray"
	}
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	// The page is the paper's size in points (1/72 inch); the image fills it.
	pw, ph := points(w, xdpi), points(h, ydpi)
	content := fmt.Sprintf("q %d 0 0 %d 0 0 cm /Im0 Do Q", pw, ph)
	var offsets []int
	obj := func(body string) {
		offsets = append(offsets, b.Len())
		fmt.Fprintf(b, "%d 0 obj\n%s\nendobj\n", len(offsets), body)
	}
	b.WriteString("%PDF-1.4\n")
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>", pw, ph))
	obj(fmt.Sprintf("<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace %s /BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n%s\nendstream",
		w, h, space, jpg.Len(), jpg.Bytes()))
	obj(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content))
	xref := b.Len()
	fmt.Fprintf(b, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, off := range offsets {
		fmt.Fprintf(b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	return nil
}

// points converts px at dpi to PDF points, at least 1.
func points(px, dpi int) int {
	if dpi <= 0 {
		dpi = 300
	}
	return max(1, px*72/dpi)
}
