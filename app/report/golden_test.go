package report

import (
	"archive/zip"
	"bytes"
	"flag"
	"fmt"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// dumpBook opens an xlsx and returns a stable text dump of what a reader sees: the sheet
// names in order, each sheet's page setup, every non-empty cell as "Sheet!A1=value" (line
// breaks as \n), the merged ranges and the pictures.
func dumpBook(t *testing.T, data []byte, password string) string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{Password: password})
	if err != nil {
		t.Fatalf("opening workbook: %v", err)
	}
	defer f.Close()
	var b strings.Builder
	for _, sheet := range f.GetSheetList() {
		fmt.Fprintf(&b, "sheet %s\n", sheet)
		lay, err := f.GetPageLayout(sheet)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "layout %s paper=%d orientation=%s fitToWidth=%d\n", sheet, deref(lay.Size), deref(lay.Orientation), deref(lay.FitToWidth))
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		for r, row := range rows {
			for c, v := range row {
				if v == "" {
					continue
				}
				fmt.Fprintf(&b, "%s!%s=%s\n", sheet, cellName(c+1, r+1), strings.ReplaceAll(v, "\n", `\n`))
			}
		}
		merges, err := f.GetMergeCells(sheet)
		if err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(merges, func(a, b excelize.MergeCell) int {
			ac, ar, _ := excelize.CellNameToCoordinates(a.GetStartAxis())
			bc, br, _ := excelize.CellNameToCoordinates(b.GetStartAxis())
			if ar != br {
				return ar - br
			}
			return ac - bc
		})
		for _, m := range merges {
			fmt.Fprintf(&b, "merge %s!%s:%s\n", sheet, m.GetStartAxis(), m.GetEndAxis())
		}
		cells, err := f.GetPictureCells(sheet)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(cells)
		for _, c := range cells {
			pics, err := f.GetPictures(sheet, c)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range pics {
				img, err := png.DecodeConfig(bytes.NewReader(p.File))
				if err != nil {
					t.Fatalf("picture at %s!%s is not a PNG: %v", sheet, c, err)
				}
				fmt.Fprintf(&b, "picture %s!%s %s %dx%d alt=%s\n", sheet, c, p.Extension, img.Width, img.Height, p.Format.AltText)
			}
		}
	}
	return b.String()
}

func deref[T any](p *T) T {
	var z T
	if p == nil {
		return z
	}
	return *p
}

// golden compares got with testdata/name.golden, or rewrites the file with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got == string(want) {
		return
	}
	gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
	for i := 0; i < max(len(gl), len(wl)); i++ {
		var g, w string
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if g != w {
			t.Fatalf("%s differs at line %d:\n got: %s\nwant: %s\n(run go test -update if the change is intended)", path, i+1, g, w)
		}
	}
}

// zipParts returns the decompressed content of every part of an (unencrypted) xlsx.
func zipParts(t *testing.T, data []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("reading xlsx zip: %v", err)
	}
	parts := map[string][]byte{}
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		parts[zf.Name] = b
	}
	return parts
}
