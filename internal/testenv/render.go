package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// Rendered is a document printed to PDF by LibreOffice, as poppler reads it back.
type Rendered struct {
	// Name is the file's name without extension.
	Name string
	// PDF is the path of the rendered file (kept under the test's temp dir).
	PDF string
	// Pages is the page count; Width and Height the size of the first page in points.
	Pages         int
	Width, Height float64
	// PageSizes are every page's size in points.
	PageSizes [][2]float64
	// Text is the whole text (pdftotext -raw), pages separated by form feeds.
	Text string
	// Words are the words with their boxes, page by page (pdftotext -bbox).
	Words []Word
}

// Word is one word of a rendered page and its box in points (origin top left).
type Word struct {
	Page                   int
	XMin, YMin, XMax, YMax float64
	Text                   string
}

// A4 sizes in points, portrait.
const (
	A4Width  = 595.3
	A4Height = 841.9
)

// LibreOffice returns when soffice, pdftotext and pdfinfo can run; otherwise it skips, or fails
// under SHELTER_REQUIRE_LIBREOFFICE=1 (as `make test` sets).
func LibreOffice(t testing.TB) {
	t.Helper()
	for _, tool := range []string{"soffice", "pdftotext", "pdfinfo"} {
		if _, err := exec.LookPath(tool); err != nil {
			unavailable(t, "SHELTER_REQUIRE_LIBREOFFICE", "LibreOffice and poppler",
				tool+" is not on PATH; apt-get install libreoffice-calc poppler-utils")
		}
	}
}

// Render prints each document (name → .xlsx bytes) to PDF with one headless LibreOffice run
// and reads every PDF back. It skips or fails as [LibreOffice] does when the tools are missing.
func Render(t testing.TB, docs map[string][]byte) map[string]*Rendered {
	t.Helper()
	LibreOffice(t)
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in"), filepath.Join(dir, "out")
	for _, d := range []string{in, out} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	args := []string{"-env:UserInstallation=file://" + filepath.Join(dir, "profile"),
		"--headless", "--norestore", "--nolockcheck", "--convert-to", "pdf", "--outdir", out}
	for name, b := range docs {
		p := filepath.Join(in, name+".xlsx")
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, p)
	}
	cmd := exec.Command("soffice", args...)
	cmd.Env = append(os.Environ(), "HOME="+dir, "SAL_USE_VCLPLUGIN=svp")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice --convert-to pdf: %v\n%s", err, b)
	}
	res := make(map[string]*Rendered, len(docs))
	for name := range docs {
		r, err := readPDF(filepath.Join(out, name+".pdf"))
		if err != nil {
			t.Fatalf("rendering %s: %v", name, err)
		}
		r.Name = name
		res[name] = r
		if keep := os.Getenv("SHELTER_RENDER_DIR"); keep != "" {
			// Kept for a person to look at (make test sets build/test-artifacts/render).
			if b, err := os.ReadFile(r.PDF); err == nil && os.MkdirAll(keep, 0o755) == nil {
				_ = os.WriteFile(filepath.Join(keep, t.Name()+"-"+name+".pdf"), b, 0o644)
			}
		}
	}
	return res
}

var (
	pagesRe    = regexp.MustCompile(`(?m)^Pages:\s+(\d+)`)
	pageSizeRe = regexp.MustCompile(`(?m)^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts`)
	wordRe     = regexp.MustCompile(`<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>`)
)

func readPDF(pdf string) (*Rendered, error) {
	r := &Rendered{PDF: pdf}
	info, err := exec.Command("pdfinfo", "-f", "1", "-l", "9999", pdf).Output()
	if err != nil {
		return nil, fmt.Errorf("pdfinfo: %w", err)
	}
	m := pagesRe.FindSubmatch(info)
	if m == nil {
		return nil, fmt.Errorf("pdfinfo: no page count")
	}
	r.Pages, _ = strconv.Atoi(string(m[1]))
	for _, s := range pageSizeRe.FindAllSubmatch(info, -1) {
		w, _ := strconv.ParseFloat(string(s[1]), 64)
		h, _ := strconv.ParseFloat(string(s[2]), 64)
		r.PageSizes = append(r.PageSizes, [2]float64{w, h})
	}
	if len(r.PageSizes) > 0 {
		r.Width, r.Height = r.PageSizes[0][0], r.PageSizes[0][1]
	}
	// -raw keeps the order LibreOffice draws in, cell by cell, so a cell's wrapped lines stay
	// together (-layout interleaves the lines of neighbouring cells).
	text, err := exec.Command("pdftotext", "-raw", pdf, "-").Output()
	if err != nil {
		return nil, fmt.Errorf("pdftotext: %w", err)
	}
	r.Text = string(text)
	bbox, err := exec.Command("pdftotext", "-bbox", pdf, "-").Output()
	if err != nil {
		return nil, fmt.Errorf("pdftotext -bbox: %w", err)
	}
	for i, page := range strings.Split(string(bbox), "<page ")[1:] {
		for _, w := range wordRe.FindAllStringSubmatch(page, -1) {
			f := func(s string) float64 { v, _ := strconv.ParseFloat(s, 64); return v }
			r.Words = append(r.Words, Word{Page: i + 1, XMin: f(w[1]), YMin: f(w[2]), XMax: f(w[3]), YMax: f(w[4]),
				Text: htmlUnescape(w[5])})
		}
	}
	return r, nil
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&quot;", `"`, "&#39;", "'").Replace(s)
}

// squash drops white space, so that text wrapped over lines or spread by layout compares equal.
func squash(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// Missing returns the texts that do not appear whole in the rendered text (white space
// ignored, so a text wrapped over several lines counts; a text cut off or hidden does not).
func (r *Rendered) Missing(texts ...string) []string {
	all := squash(r.Text)
	var missing []string
	for _, s := range texts {
		if q := squash(s); q != "" && !strings.Contains(all, q) {
			missing = append(missing, s)
		}
	}
	return missing
}

// Overlaps returns pairs of words on one page whose boxes overlap by more than a third of the
// smaller one's height and width: text printed over other text (a wrapped cell spilling into
// the next row, a picture's neighbour, a line cut by a row that is too low).
func (r *Rendered) Overlaps() []string {
	var out []string
	for i := range r.Words {
		a := r.Words[i]
		for j := i + 1; j < len(r.Words); j++ {
			b := r.Words[j]
			if a.Page != b.Page {
				continue
			}
			dx := min(a.XMax, b.XMax) - max(a.XMin, b.XMin)
			dy := min(a.YMax, b.YMax) - max(a.YMin, b.YMin)
			if dx <= 0 || dy <= 0 {
				continue
			}
			if dx > min(a.XMax-a.XMin, b.XMax-b.XMin)/3 && dy > min(a.YMax-a.YMin, b.YMax-b.YMin)/3 {
				out = append(out, fmt.Sprintf("page %d: %q (%.0f,%.0f) over %q (%.0f,%.0f)",
					a.Page, a.Text, a.XMin, a.YMin, b.Text, b.XMin, b.YMin))
			}
		}
	}
	return out
}

// A4 reports whether every page is A4 in the given orientation.
func (r *Rendered) A4(landscape bool) error {
	for i, s := range r.PageSizes {
		w, h := s[0], s[1]
		if landscape {
			w, h = h, w
		}
		if abs(w-A4Width) > 2 || abs(h-A4Height) > 2 {
			return fmt.Errorf("page %d is %.1f × %.1f pt, want A4 %s", i+1, s[0], s[1], map[bool]string{true: "landscape", false: "portrait"}[landscape])
		}
	}
	return nil
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
