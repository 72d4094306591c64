package simescl_test

import (
	"context"
	"fmt"
	"image/png"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	simescl "github.com/mynumber-shelter/shelter/devices/sim/escl"
	"github.com/mynumber-shelter/shelter/internal/testenv"
)

// scanimage runs SANE's scanimage with the sane-airscan backend (independent software that
// drives real eSCL scanners) against the simulator, with a private configuration that names
// only it, and returns its output and the pages it wrote.
func scanimage(t *testing.T, sim *simescl.Scanner, args ...string) (out string, pages []string, err error) {
	t.Helper()
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	conf, dir := t.TempDir(), t.TempDir()
	os.WriteFile(filepath.Join(conf, "dll.conf"), []byte("airscan\n"), 0o600)
	os.WriteFile(filepath.Join(conf, "airscan.conf"), []byte(fmt.Sprintf("[devices]\n\"Shelter Sim\" = %s/eSCL, eSCL\n[options]\ndiscovery = disable\n", srv.URL)), 0o600)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "scanimage", append([]string{"-d", "airscan:e0:Shelter Sim", "--format=png"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "SANE_CONFIG_DIR="+conf, "HOME="+dir)
	b, err := cmd.CombinedOutput()
	pages, _ = filepath.Glob(filepath.Join(dir, "page*.png"))
	return string(b), pages, err
}

// pngSize decodes a page's header.
func pngSize(t *testing.T, path string) (w, h int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		t.Fatalf("%s: %v", filepath.Base(path), err)
	}
	return cfg.Width, cfg.Height
}

// TestSANEReadsTheSimulator: sane-airscan reads the simulator as it reads a real eSCL
// scanner: a feeder batch that ends with 409 and the feeder empty (HP and others) or with 404
// delivers every sheet, the pages have the size the request asked for, a flatbed scan gives one
// page, and a jam ends the batch with the pages before it and SANE's jam status.
func TestSANEReadsTheSimulator(t *testing.T) {
	testenv.SANE(t)
	for _, end := range []simescl.EndStyle{simescl.EndConflict, simescl.EndNotFound} {
		sim := &simescl.Scanner{Sheets: 3, End: end}
		out, pages, err := scanimage(t, sim, "--source", "ADF", "--resolution", "150", "--mode", "Gray", "--batch=page%d.png")
		if err != nil || len(pages) != 3 || !strings.Contains(out, "3 pages scanned") {
			t.Fatalf("end %d: %v, %d pages:\n%s", end, err, len(pages), out)
		}
		set := sim.Settings()
		if len(set) != 1 || set[0].InputSource != "Feeder" || set[0].XResolution != 150 || set[0].ColorMode != "Grayscale8" || set[0].Region == nil {
			t.Fatalf("the simulator was asked %+v", set)
		}
		w, h := pngSize(t, pages[0])
		if wantW, wantH := set[0].Region.Width*150/300, set[0].Region.Height*150/300; w != wantW || h != wantH {
			t.Errorf("end %d: page of %d×%d px, the request asked for %d×%d", end, w, h, wantW, wantH)
		}
	}

	sim := &simescl.Scanner{}
	_, pages, err := scanimage(t, sim, "--source", "Flatbed", "--resolution", "300", "-o", "page1.png")
	if err != nil || len(pages) != 1 {
		t.Fatalf("flatbed: %v, %d pages", err, len(pages))
	}
	if w, h := pngSize(t, pages[0]); w < 2400 || h < 3400 {
		t.Errorf("an A4 flatbed page at 300 dpi is %d×%d px", w, h)
	}

	jam := &simescl.Scanner{Sheets: 5, JamAfter: 2}
	out, pages, err := scanimage(t, jam, "--source", "ADF", "--resolution", "75", "--batch=page%d.png")
	if err == nil || len(pages) != 2 || !strings.Contains(strings.ToLower(out), "jam") {
		t.Fatalf("jam: %v, %d pages:\n%s", err, len(pages), out)
	}
}
