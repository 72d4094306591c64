package report

import (
	"bytes"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/mynumber-shelter/shelter/internal/mynumber"
)

var guid = regexp.MustCompile(`\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}`)

// scanBook returns the places in an xlsx where a valid-looking Individual Number appears:
// every cell of every sheet (as a reader sees it) and every part of the package (the raw
// XML, so that nothing hides in properties, shared strings or drawings).
func scanBook(t *testing.T, data []byte) []string {
	t.Helper()
	var hits []string
	for _, line := range strings.Split(dumpBook(t, data, ""), "\n") {
		if _, ok := mynumber.ContainsValidIndividual([]byte(line)); ok {
			cell, _, _ := strings.Cut(line, "=")
			hits = append(hits, "cell "+cell)
		}
	}
	for name, part := range zipParts(t, data) {
		// excelize writes xr:uid="{00000000-0001-0000-0000-000000000000}": the last group
		// of a GUID is twelve digits, and twelve zeros pass the check digit.
		part = guid.ReplaceAll(part, nil)
		if _, ok := mynumber.ContainsValidIndividual(part); ok {
			hits = append(hits, "part "+name)
		}
	}
	return hits
}

// TestScanFindsNumbers proves that scanBook sees a number in a normal cell, in a streamed
// (inline string) cell and in document properties, so that the next test means something.
func TestScanFindsNumbers(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetCellValue("Sheet1", "C3", "番号 "+validNumber+" です"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.NewSheet("Stream"); err != nil {
		t.Fatal(err)
	}
	sw, err := f.NewStreamWriter("Stream")
	if err != nil {
		t.Fatal(err)
	}
	if err := sw.SetRow("B2", []any{"x", validNumber}); err != nil {
		t.Fatal(err)
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.SetDocProps(&excelize.DocProperties{Subject: validNumber}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	hits := strings.Join(scanBook(t, buf.Bytes()), "; ")
	for _, want := range []string{"cell Sheet1!C3", "cell Stream!C2", "part docProps/core.xml"} {
		if !strings.Contains(hits, want) {
			t.Errorf("scan missed %s (found: %s)", want, hits)
		}
	}
}

// TestWorkbooksHoldNoNumber scans every generated workbook. The fixtures hold other digit
// runs (phone numbers, codes, a 12-digit run with a wrong check digit), which must pass.
func TestWorkbooksHoldNoNumber(t *testing.T) {
	books := map[string][]byte{
		"notices":     writeNotices(t, fixtureNotices(), Options{}),
		"history":     writeHistory(t, fixtureHeader(), 50, Options{}),
		"certificate": writeCertificate(t, fixtureCertificate(), Options{}),
		"register":    writeRegister(t, fixtureRegister(), Options{}),
	}
	for name, data := range books {
		if hits := scanBook(t, data); len(hits) > 0 {
			t.Errorf("%s workbook holds a valid-looking My Number at %v", name, hits)
		}
	}
	if !strings.Contains(dumpBook(t, books["certificate"], ""), invalidNumber) {
		t.Error("the certificate fixture lost its invalid 12-digit run; the scan proves less")
	}
}

// TestWritersRefuseNumbers gives each writer a number in one field, in the forms people
// write it, and expects ErrMyNumber naming the field and nothing written.
func TestWritersRefuseNumbers(t *testing.T) {
	forms := map[string]string{
		"plain":      validNumber,
		"in text":    "番号は" + validNumber + "です",
		"full-width": "１２３４５６７８９０１８",
		"grouped":    "1234 5678 9018",
		"hyphens":    "1234-5678-9018",
	}
	writers := []struct {
		name  string
		field string
		write func(w *bytes.Buffer, s string) error
	}{
		{"notice addressee", "Letters[1].Addressee", func(w *bytes.Buffer, s string) error {
			n := fixtureNotices()
			n.Letters[1].Addressee = s
			return WriteNoticeLetters(w, n, Options{})
		}},
		{"notice purpose", "Purposes[2]", func(w *bytes.Buffer, s string) error {
			n := fixtureNotices()
			n.Purposes[2] = s
			return WriteNoticeLetters(w, n, Options{})
		}},
		{"history detail", "row 3 (id 3) 詳細", func(w *bytes.Buffer, s string) error {
			r := fixtureRow(3)
			r.Detail = s
			_, err := WriteHistoryReport(w, fixtureHeader(), rowsOf(fixtureRow(1), fixtureRow(2), r), Options{})
			return err
		}},
		{"history csv target", "row 2 (id 9) 対象", func(w *bytes.Buffer, s string) error {
			r := fixtureRow(9)
			r.Target = s
			_, err := WriteHistoryCSV(w, rowsOf(fixtureRow(1), r), UTF8BOM)
			return err
		}},
		{"history header", "Conditions", func(w *bytes.Buffer, s string) error {
			h := fixtureHeader()
			h.Conditions = s
			_, err := WriteHistoryReport(w, h, fixtureRows(1), Options{})
			return err
		}},
		{"certificate name", "Items[1].Name", func(w *bytes.Buffer, s string) error {
			c := fixtureCertificate()
			c.Items[1].Name = s
			return WriteDisposalCertificate(w, c, Options{})
		}},
		{"certificate note", "Note", func(w *bytes.Buffer, s string) error {
			c := fixtureCertificate()
			c.Note = s
			return WriteDisposalCertificate(w, c, Options{})
		}},
		{"register access", "Files[0].AccessHolders[1]", func(w *bytes.Buffer, s string) error {
			r := fixtureRegister()
			r.Files[0].AccessHolders[1] = s
			return WriteFileRegister(w, r, Options{})
		}},
	}
	for _, wr := range writers {
		for form, s := range forms {
			t.Run(wr.name+"/"+form, func(t *testing.T) {
				var buf bytes.Buffer
				err := wr.write(&buf, s)
				if !errors.Is(err, ErrMyNumber) {
					t.Fatalf("err = %v, want ErrMyNumber", err)
				}
				if !strings.Contains(err.Error(), wr.field+":") {
					t.Errorf("error %q does not name %s", err, wr.field)
				}
				if strings.Contains(err.Error(), "9018") || strings.Contains(err.Error(), "９０１８") {
					t.Error("the error quotes the number")
				}
				if wr.name != "history csv target" && buf.Len() != 0 {
					t.Errorf("%d bytes written", buf.Len())
				}
			})
		}
	}
}

func TestHoldsNumber(t *testing.T) {
	tests := []struct {
		s    string
		want bool
	}{
		{validNumber, true},
		{"x" + validNumber + "x", true},
		{"１２３４５６７８９０１８", true},
		{"1234 5678 9018", true},
		{"1234-5678-9018", true},
		{invalidNumber, false},
		{"1234 5678 9012", false},
		{"9" + validNumber, false},     // 13 digits: not an Individual Number
		{"91234 5678 9018", false},     // the groups are part of a longer run
		{"03-1234-5678", false},        // phone number
		{"2025-04-01 09:30:15", false}, // timestamps
		{"MS-2025-0001", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := mynumber.HoldsIndividual(tt.s); got != tt.want {
			t.Errorf("HoldsIndividual(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
}
