package simescl

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
)

// Page images are ID-1 shaped (85.6 × 54 mm) and tiny, whatever resolution was asked for:
// the simulator tests the protocol, not the optics.
const pageWidth, pageHeight = 86, 54

// page renders page n (sheet, side) of a job in the requested format and colour mode, padded
// to at least pad bytes.
func page(set Settings, n, sheet int, back bool, pad int) ([]byte, error) {
	img := render(set.ColorMode, n, sheet, back)
	var b bytes.Buffer
	var err error
	switch set.Format() {
	case "image/png":
		err = png.Encode(&b, img)
	case "application/pdf":
		err = writePDF(&b, img)
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

// render draws a card-like picture that differs per page: the background hue follows the page
// number, one bar per sheet number is drawn down the left edge, and the back side has a
// stripe along the bottom.
func render(mode string, n, sheet int, back bool) image.Image {
	bg := color.RGBA{R: uint8(40 * n), G: uint8(255 - 30*n), B: uint8(90 + 70*n), A: 255}
	rgba := image.NewRGBA(image.Rect(0, 0, pageWidth, pageHeight))
	for y := range pageHeight {
		for x := range pageWidth {
			c := bg
			switch {
			case x < 2*min(sheet, 30) && x%2 == 0:
				c = color.RGBA{A: 255}
			case back && y > pageHeight-8:
				c = color.RGBA{R: 255, G: 255, B: 255, A: 255}
			}
			rgba.SetRGBA(x, y, c)
		}
	}
	switch mode {
	case "Grayscale8", "BlackAndWhite1":
		g := image.NewGray(rgba.Bounds())
		for y := range pageHeight {
			for x := range pageWidth {
				v := color.GrayModel.Convert(rgba.At(x, y)).(color.Gray)
				if mode == "BlackAndWhite1" {
					if v.Y >= 128 {
						v.Y = 255
					} else {
						v.Y = 0
					}
				}
				g.SetGray(x, y, v)
			}
		}
		return g
	}
	return rgba
}

// writePDF writes a one-page PDF that shows img as a JPEG (DCTDecode) image.
func writePDF(b *bytes.Buffer, img image.Image) error {
	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, img, &jpeg.Options{Quality: 90}); err != nil {
		return err
	}
	space := "/DeviceRGB"
	if _, ok := img.(*image.Gray); ok {
		space = "/DeviceGray"
	}
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	content := fmt.Sprintf("q %d 0 0 %d 0 0 cm /Im0 Do Q", w, h)
	var offsets []int
	obj := func(body string) {
		offsets = append(offsets, b.Len())
		fmt.Fprintf(b, "%d 0 obj\n%s\nendobj\n", len(offsets), body)
	}
	b.WriteString("%PDF-1.4\n")
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>", w, h))
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
