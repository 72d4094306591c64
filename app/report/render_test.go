package report

import (
	"bytes"
	"image/png"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/mynumber-shelter/shelter/internal/testenv"
)

// cellTexts returns the text of every non-empty cell of every sheet of an xlsx.
func cellTexts(t *testing.T, data []byte) []string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("opening workbook: %v", err)
	}
	defer f.Close()
	var out []string
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range rows {
			for _, v := range row {
				if strings.TrimSpace(v) != "" {
					out = append(out, v)
				}
			}
		}
	}
	return out
}

// renderCase is a workbook as this package writes it and what its print must look like.
type renderCase struct {
	data      []byte
	landscape bool
	pages     int // exact page count; 0: at least one
}

// checkRendered prints every workbook with LibreOffice and checks, from the PDF: every cell's
// whole text is there (nothing cut off by a row that is too low or a column too narrow), no
// text is printed over other text, the paper is A4 in the intended orientation, and the page
// count is as intended.
func checkRendered(t *testing.T, cases map[string]renderCase) map[string]*testenv.Rendered {
	t.Helper()
	docs := make(map[string][]byte, len(cases))
	for name, c := range cases {
		docs[name] = c.data
	}
	out := testenv.Render(t, docs)
	for name, c := range cases {
		r := out[name]
		if missing := r.Missing(cellTexts(t, c.data)...); len(missing) > 0 {
			t.Errorf("%s: %d cell texts are not printed whole, e.g. %q (PDF %s)", name, len(missing), missing[0], r.PDF)
		}
		if ov := r.Overlaps(); len(ov) > 0 {
			t.Errorf("%s: text printed over text (%d), e.g. %s (PDF %s)", name, len(ov), ov[0], r.PDF)
		}
		if err := r.A4(c.landscape); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if c.pages > 0 && r.Pages != c.pages {
			t.Errorf("%s: %d pages, want %d", name, r.Pages, c.pages)
		}
	}
	return out
}

func TestWorkbooksRender(t *testing.T) {
	testenv.LibreOffice(t)
	var notices, history, cert, register bytes.Buffer
	n := fixtureNotices()
	if err := WriteNoticeLetters(&notices, n, Options{}); err != nil {
		t.Fatal(err)
	}
	// 60 rows, some with long, multi-line details: several landscape pages.
	if _, err := WriteHistoryReport(&history, fixtureHeader(), fixtureRows(60), Options{}); err != nil {
		t.Fatal(err)
	}
	c := fixtureCertificate()
	c.Items[2].Kind = "本人確認書類の画像（運転免許証の表面・裏面、健康保険の被保険者証、住民票の写し）3件"
	if err := WriteDisposalCertificate(&cert, c, Options{}); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileRegister(&register, fixtureRegister(), Options{}); err != nil {
		t.Fatal(err)
	}
	out := checkRendered(t, map[string]renderCase{
		"notices":     {data: notices.Bytes(), pages: len(n.Letters)},
		"history":     {data: history.Bytes(), landscape: true},
		"certificate": {data: cert.Bytes(), pages: 1},
		"register":    {data: register.Bytes(), landscape: true},
	})
	// The summary a 責任者 signs: counts and the signature box, printed.
	if missing := out["history"].Missing("集計・確認", "事務取扱責任者　確認欄", "署名・印", "佐藤 花子 (sato)"); len(missing) > 0 {
		t.Errorf("the history report's summary lacks %q", missing)
	}
	// Each letter is one page, and its page number is its own: "1 / 1", never "3 / 4".
	if strings.Contains(out["notices"].Text, "/ 4") {
		t.Errorf("notice letters number their pages across letters:\n%s", out["notices"].Text)
	}
}

// The QR code of a letter ends above the password warning, and the warning stays left of the
// picture's columns: a printed letter never has the picture over the warning. (Pictures are
// not text, so the rendered PDF cannot show this; the sheet's geometry does.)
func TestNoticeQRClearOfWarning(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteNoticeLetters(&buf, fixtureNotices(), Options{}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, sheet := range f.GetSheetList() {
		cells, err := f.GetPictureCells(sheet)
		if err != nil || len(cells) != 1 {
			t.Fatalf("%s: picture cells %v %v", sheet, cells, err)
		}
		pics, err := f.GetPictures(sheet, cells[0])
		if err != nil || len(pics) != 1 {
			t.Fatalf("%s: pictures %v", sheet, err)
		}
		img, err := png.DecodeConfig(bytes.NewReader(pics[0].File))
		if err != nil {
			t.Fatal(err)
		}
		_, qrRow, _ := excelize.CellNameToCoordinates(cells[0])
		rows, _ := f.GetRows(sheet)
		warnRow := 0
		for r, row := range rows {
			for c, v := range row {
				if strings.Contains(v, "初回パスワードは一度だけ") {
					warnRow = r + 1
					if c+1 > 6 {
						t.Errorf("%s: warning starts in column %d", sheet, c+1)
					}
				}
			}
		}
		merges, _ := f.GetMergeCells(sheet)
		for _, m := range merges {
			if _, r, _ := excelize.CellNameToCoordinates(m.GetStartAxis()); r == warnRow {
				if end, _, _ := excelize.CellNameToCoordinates(m.GetEndAxis()); end >= 7 {
					t.Errorf("%s: warning merged through column %d, under the QR code", sheet, end)
				}
			}
		}
		var above float64
		for r := qrRow; r < warnRow; r++ {
			h, err := f.GetRowHeight(sheet, r)
			if err != nil {
				t.Fatal(err)
			}
			above += h
		}
		if qr := float64(img.Height) * 72 / 96; above < qr {
			t.Errorf("%s: rows %d–%d are %.0f pt high, the QR code %.0f pt: it covers the warning", sheet, qrRow, warnRow-1, above, qr)
		}
	}
}
