package daemon

import (
	"bytes"
	"context"
	"encoding/binary"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mynumber-shelter/shelter/bridge"
	"github.com/mynumber-shelter/shelter/internal/sealbox"
)

// grayTIFF writes a little-endian, uncompressed, 8-bit grey TIFF with one page per shade, each
// w×h and filled with that shade.
func grayTIFF(w, h int, shades ...byte) []byte {
	le := binary.LittleEndian
	var b bytes.Buffer
	b.Write([]byte("II\x2A\x00\x00\x00\x00\x00")) // first IFD offset patched below
	prevNext := 4
	for _, shade := range shades {
		data := bytes.Repeat([]byte{shade}, w*h)
		dataOff := b.Len()
		b.Write(data)
		if b.Len()%2 == 1 {
			b.WriteByte(0)
		}
		ifd := b.Len()
		out := b.Bytes()
		le.PutUint32(out[prevNext:], uint32(ifd))
		tags := [][3]uint32{{256, 4, uint32(w)}, {257, 4, uint32(h)}, {258, 3, 8}, {259, 3, 1}, {262, 3, 1},
			{273, 4, uint32(dataOff)}, {277, 3, 1}, {278, 4, uint32(h)}, {279, 4, uint32(w * h)}}
		e := make([]byte, 2+12*len(tags)+4)
		le.PutUint16(e, uint16(len(tags)))
		for i, tg := range tags {
			o := 2 + 12*i
			le.PutUint16(e[o:], uint16(tg[0]))
			le.PutUint16(e[o+2:], uint16(tg[1]))
			le.PutUint32(e[o+4:], 1)
			if tg[1] == 3 {
				le.PutUint16(e[o+8:], uint16(tg[2]))
			} else {
				le.PutUint32(e[o+8:], tg[2])
			}
		}
		b.Write(e)
		prevNext = ifd + 2 + 12*len(tags)
	}
	return b.Bytes()
}

func TestTIFFPages(t *testing.T) {
	pages, err := tiffPages(grayTIFF(40, 30, 10, 128, 250))
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) != 3 {
		t.Fatalf("%d pages, want 3", len(pages))
	}
	for i, want := range []uint8{10, 128, 250} {
		img, err := png.Decode(bytes.NewReader(pages[i]))
		if err != nil {
			t.Fatalf("page %d is not a PNG: %v", i+1, err)
		}
		if b := img.Bounds(); b.Dx() != 40 || b.Dy() != 30 {
			t.Errorf("page %d is %v", i+1, b)
		}
		if r, _, _, _ := img.At(5, 5).RGBA(); uint8(r>>8) != want {
			t.Errorf("page %d has shade %d, want %d (pages mixed up)", i+1, r>>8, want)
		}
	}
	loop := grayTIFF(4, 4, 1, 2)
	binary.LittleEndian.PutUint32(loop[len(loop)-4:], binary.LittleEndian.Uint32(loop[4:8])) // the last page points back to the first
	for name, data := range map[string][]byte{
		"empty": nil, "not a TIFF": []byte("GIF89a......"), "truncated": grayTIFF(40, 30, 1)[:60],
		"a loop of pages": loop, "BigTIFF": []byte("II\x2B\x00\x08\x00\x00\x00"),
	} {
		if _, err := tiffPages(data); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	huge := grayTIFF(4, 4, 1) // its one IFD is at 8+16: ImageWidth's value at +10, ImageLength's at +22
	binary.LittleEndian.PutUint32(huge[24+10:], 20000)
	binary.LittleEndian.PutUint32(huge[24+22:], 20000)
	if _, err := tiffPages(huge); err == nil || !strings.Contains(err.Error(), "20000×20000 pixels") {
		t.Errorf("a 400-megapixel page: %v, want refused before decoding", err)
	}
}

// A CCITT Group 4 black-and-white multi-page TIFF, as office scanners write, made by ImageMagick
// (independent software) when it is installed.
func TestTIFFPagesFromImageMagick(t *testing.T) {
	convert, err := exec.LookPath("convert")
	if err != nil {
		t.Skip("ImageMagick's convert is not installed")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "scan.tif")
	cmd := exec.Command(convert, "-size", "850x1100", "xc:white", "-fill", "black", "-draw", "rectangle 100,100 300,300",
		"(", "-size", "850x1100", "xc:black", ")", "-compress", "Group4", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("convert cannot write Group 4 TIFF here: %v %s", err, b)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	pages, err := tiffPages(data)
	if err != nil {
		t.Fatalf("a Group 4 TIFF from ImageMagick: %v", err)
	}
	if len(pages) != 2 {
		t.Fatalf("%d pages, want 2", len(pages))
	}
	first, _ := png.Decode(bytes.NewReader(pages[0]))
	second, _ := png.Decode(bytes.NewReader(pages[1]))
	if r, _, _, _ := first.At(200, 200).RGBA(); r != 0 {
		t.Error("page 1 lost its black square")
	}
	if r, _, _, _ := first.At(600, 600).RGBA(); r == 0 {
		t.Error("page 1 is black where it is white")
	}
	if r, _, _, _ := second.At(600, 600).RGBA(); r != 0 {
		t.Error("page 2 is not the black page")
	}
}

// TestInboxTIFF: a multi-page TIFF in the hot folder becomes one PNG inbox item per page; a
// damaged one is refused in the device panel and stays in the folder.
func TestInboxTIFF(t *testing.T) {
	srv, c, _ := scanServer(t, nil)
	ctx := context.Background()
	folder := t.TempDir()
	key := newInboxKey(t)
	c.SetInboxKey(ctx, key.PublicKey().Bytes())
	if err := c.SetConfig(ctx, bridge.Config{HotFolder: folder}); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(folder, "scan0007.tif"), grayTIFF(64, 48, 30, 200), 0o600)
	items := waitInbox(t, c, 2)
	names := map[string]bool{}
	for _, it := range items {
		names[it.Name] = true
		if it.ContentType != "image/png" {
			t.Errorf("item %+v is not a PNG", it)
		}
		box, err := c.InboxBox(ctx, it.ID)
		if err != nil {
			t.Fatal(err)
		}
		pt, err := sealbox.Open(key, []byte(bridge.InboxAAD+it.ID), box)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := png.Decode(bytes.NewReader(pt)); err != nil {
			t.Errorf("%s does not decode as PNG: %v", it.Name, err)
		}
	}
	if !names["scan0007-1.png"] || !names["scan0007-2.png"] {
		t.Errorf("names %v", names)
	}
	bad := filepath.Join(folder, "broken.tif")
	os.WriteFile(bad, grayTIFF(64, 48, 1)[:50], 0o600)
	waitFor(t, "the refusal in the device panel", func() bool {
		d, _ := device(srv, "hotfolder", folder)
		return strings.Contains(d.LastError, "broken.tif") && strings.Contains(d.LastError, "TIFF")
	})
	if !exists(bad) {
		t.Error("the refused TIFF was removed")
	}
	if items, _ := c.Inbox(ctx); len(items) != 2 {
		t.Errorf("inbox has %d items after the refusal, want 2", len(items))
	}
}
