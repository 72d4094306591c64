package daemon

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image/png"

	"golang.org/x/image/tiff"
)

// Office scanners often write TIFF (multi-page, black-and-white CCITT G4 included), which 1-3
// cannot store. The hot folder turns each page into a PNG page of its own before sealing it.

// Limits of one TIFF file: pages, and pixels per page (a decompression bomb is refused before
// it is decoded).
const (
	maxTIFFPages  = 100
	maxTIFFPixels = 120 << 20 // an A3 page at 600 dpi is about 70 M pixels
)

var errTIFF = errors.New("the TIFF file cannot be read (damaged, or a kind this app does not read); save the scan as PDF, JPEG or PNG")

// tiffPages decodes every page of a TIFF file and returns each as a PNG.
func tiffPages(data []byte) ([][]byte, error) {
	offsets, order, err := tiffIFDs(data)
	if err != nil {
		return nil, err
	}
	var pages [][]byte
	page := append([]byte(nil), data...) // the header's first-IFD offset is pointed at each page in turn
	defer clear(page)
	for i, off := range offsets {
		order.PutUint32(page[4:8], off)
		cfg, err := tiff.DecodeConfig(bytes.NewReader(page))
		if err != nil {
			return nil, fmt.Errorf("page %d: %w", i+1, errTIFF)
		}
		if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > maxTIFFPixels {
			return nil, fmt.Errorf("page %d is %d×%d pixels, more than this app takes; scan at a lower resolution", i+1, cfg.Width, cfg.Height)
		}
		img, err := tiff.Decode(bytes.NewReader(page))
		if err != nil {
			return nil, fmt.Errorf("page %d: %w", i+1, errTIFF)
		}
		var b bytes.Buffer
		if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&b, img); err != nil {
			return nil, err
		}
		pages = append(pages, b.Bytes())
	}
	return pages, nil
}

// tiffIFDs returns the offsets of the file's image directories (its pages) in order, following
// the chain from the header, refusing loops and more than maxTIFFPages pages.
func tiffIFDs(data []byte) ([]uint32, binary.ByteOrder, error) {
	if len(data) < 8 {
		return nil, nil, errTIFF
	}
	var order binary.ByteOrder
	switch string(data[:4]) {
	case "II\x2A\x00":
		order = binary.LittleEndian
	case "MM\x00\x2A":
		order = binary.BigEndian
	default:
		return nil, nil, errTIFF // BigTIFF and anything else
	}
	var offsets []uint32
	seen := map[uint32]bool{}
	for off := order.Uint32(data[4:8]); off != 0; {
		if seen[off] || int64(off)+2 > int64(len(data)) {
			return nil, nil, errTIFF
		}
		seen[off] = true
		offsets = append(offsets, off)
		if len(offsets) > maxTIFFPages {
			return nil, nil, fmt.Errorf("the TIFF file has more than %d pages; split it", maxTIFFPages)
		}
		n := int64(order.Uint16(data[off : off+2]))
		next := int64(off) + 2 + 12*n
		if next+4 > int64(len(data)) {
			return nil, nil, errTIFF
		}
		off = order.Uint32(data[next : next+4])
	}
	if len(offsets) == 0 {
		return nil, nil, errTIFF
	}
	return offsets, order, nil
}
