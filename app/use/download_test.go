package use

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mynumber-shelter/shelter/app/report"
	"github.com/mynumber-shelter/shelter/internal/testenv"

	"github.com/xuri/excelize/v2"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/internal/mynumber"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// handlerPW is the handler's login password in the fixture.
const handlerPW = testPW + " tanaka"

func (f *fixture) download(req DownloadRequest) (File, error) {
	if req.CompanyID == 0 {
		req.CompanyID = f.a
	}
	return f.svc.Download(context.Background(), f.sess["handler"], req)
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run with -update after checking):\n got %q\nwant %q", name, got, want)
	}
}

var goldenColumns = []Column{{Field: FieldEmployeeCode}, {Field: FieldName}, {Field: FieldNameKana}, {Field: FieldBirthDate},
	{Field: FieldRelation}, {Field: FieldNumber}, {Field: FieldDepartment}}

// TestDownloadGolden writes the same people in CP932 and in UTF-8 with BOM with 和暦 dates, and
// in the 弥生給与 preset, and compares the bytes with reviewed files.
func TestDownloadGolden(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	cp932, err := f.svc.SaveFormat(ctx, f.sess["handler"].Principal, f.a, Format{Name: "給与システム用 (CP932)",
		Spec: Spec{Columns: goldenColumns, Encoding: CP932, Header: true, Dates: DatesWareki, LineEnding: CRLF}})
	if err != nil {
		t.Fatal(err)
	}
	utf8, err := f.svc.SaveFormat(ctx, f.sess["handler"].Principal, f.a, Format{Name: "UTF-8 和暦",
		Spec: Spec{Columns: append(slices.Clone(goldenColumns), Column{Field: FieldSex, Title: "性別区分"}, Column{Field: FieldPersonKind},
			Column{Field: FieldHiredOn}), Encoding: UTF8BOM, Header: true, Dates: DatesWareki, LineEnding: LF}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		golden string
		req    DownloadRequest
		ctype  string
	}{
		{"cp932_wareki.csv", DownloadRequest{FormatID: cp932.ID}, "text/csv; charset=Shift_JIS"},
		{"utf8bom_wareki.csv", DownloadRequest{FormatID: utf8.ID}, "text/csv; charset=utf-8"},
		{"yayoi.csv", DownloadRequest{Preset: PresetYayoi}, "text/csv; charset=Shift_JIS"},
	} {
		t.Run(c.golden, func(t *testing.T) {
			before := f.lastID()
			req := c.req
			req.Selection, req.Purpose, req.FileType, req.Password = Selection{All: true}, "TAX-WH", FileCSV, handlerPW
			file, err := f.download(req)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, c.golden, file.Data)
			// Yamada and Hanako are notified of TAX-WH; Sato is not, Suzuki has no number.
			// Skipped people are named as the user knows them, not by an id.
			wantSkips := []Skip{{f.sato, SkipNotNotified, "E002", "佐藤 次郎", "本人"}, {f.suzuki, SkipNoNumber, "E010", "鈴木 三郎", "本人"}}
			if file.Rows != 2 || !slices.Equal(file.Skipped, wantSkips) || file.ContentType != c.ctype ||
				file.Name != "mynumber_C001_TAX-WH_20260401_100000.csv" {
				t.Fatalf("file: rows %d skipped %v type %q name %q", file.Rows, file.Skipped, file.ContentType, file.Name)
			}
			es := f.entries(before)
			if len(es) != 1 {
				t.Fatalf("entries: %+v", es)
			}
			e := es[0]
			wantDetail := fmt.Sprintf("rows=2; skipped: not notified 1, no number 1, disposed 0; substituted=0; omitted=0; persons=%d,%d", f.yamada, f.hanako)
			if e.Action != audit.ActionExport || e.Result != audit.ResultOK || e.Purpose != "TAX-WH" || e.ID != file.EntryID ||
				!strings.Contains(e.Detail, wantDetail) || !strings.Contains(e.Detail, "file="+file.Name) {
				t.Fatalf("entry %+v", e)
			}
		})
	}
}

func TestDownloadBulkNeedsPassword(t *testing.T) {
	f := newFixture(t)
	base := DownloadRequest{Preset: PresetYayoi, Purpose: "TAX-WH", FileType: FileCSV}
	// One person: no password needed.
	one := base
	one.PersonIDs = []int64{f.yamada}
	if file, err := f.download(one); err != nil || file.Rows != 1 {
		t.Fatalf("single download: %+v %v", file, err)
	}
	for name, sel := range map[string]Selection{
		"two people":          {PersonIDs: []int64{f.yamada, f.hanako}},
		"all":                 {All: true},
		"with his dependents": {PersonIDs: []int64{f.yamada}, IncludeDependents: true},
	} {
		t.Run(name, func(t *testing.T) {
			req := base
			req.Selection = sel
			before := f.lastID()
			if _, err := f.download(req); !errors.Is(err, ErrPasswordRequired) {
				t.Fatalf("without the password: %v", err)
			}
			if len(f.entries(before)) != 0 {
				t.Fatal("a download asked for a password but wrote history")
			}
			req.Password = "not my password"
			if _, err := f.download(req); codeOf(err) != "bad_credentials" {
				t.Fatalf("wrong password: %v", err)
			}
			es := f.entries(before)
			if len(es) != 1 || es[0].Result != audit.ResultDenied || !strings.Contains(es[0].Detail, "re-authentication failed") {
				t.Fatalf("wrong password entry: %+v", es)
			}
			req.Password = handlerPW
			file, err := f.download(req)
			if err != nil || file.Rows != 2 {
				t.Fatalf("with the password: %d rows, %v", file.Rows, err)
			}
		})
	}
	if strings.Contains(f.auditText(), "not my password") || strings.Contains(f.auditText(), handlerPW) {
		t.Fatal("a password reached the history")
	}
	// Wrong passwords in a row lock the session.
	req := base
	req.All, req.Password = true, "guess"
	var err error
	for i := 0; i < MaxStepUpFailures; i++ {
		_, err = f.download(req)
	}
	if !errors.Is(err, auth.ErrLocked) || !f.sess["handler"].Locked() {
		t.Fatalf("after %d wrong passwords: %v, locked %v", MaxStepUpFailures, err, f.sess["handler"].Locked())
	}
}

func TestDownloadXLSXNeedsItsPassword(t *testing.T) {
	f := newFixture(t)
	req := DownloadRequest{Preset: PresetYayoi, Purpose: "TAX-WH", FileType: FileXLSX, Password: handlerPW,
		Selection: Selection{PersonIDs: []int64{f.yamada}, IncludeDependents: true}}
	if _, err := f.download(req); codeOf(err) != "invalid" {
		t.Fatalf("xlsx without a file password: %v", err)
	}
	req.FilePassword = "受け渡し用 passphrase"
	file, err := f.download(req)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(file.Name, ".xlsx") || file.Rows != 2 {
		t.Fatalf("%+v", file)
	}
	if _, ok := mynumber.ContainsValidIndividual(file.Data); ok || bytes.Contains(file.Data, []byte(f.numbers[f.yamada])) {
		t.Fatal("the encrypted workbook holds a number in clear")
	}
	for _, pw := range []string{"", "wrong password"} {
		if wb, err := excelize.OpenReader(bytes.NewReader(file.Data), excelize.Options{Password: pw}); err == nil {
			rows, _ := wb.GetRows(sheetName)
			t.Fatalf("opened with password %q: %d rows", pw, len(rows))
		}
	}
	wb, err := excelize.OpenReader(bytes.NewReader(file.Data), excelize.Options{Password: req.FilePassword})
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	rows, err := wb.GetRows(sheetName)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"山田太郎", "", "", "", f.numbers[f.yamada]}, {"山田太郎", "山田花子", "", "", f.numbers[f.hanako]}}
	if fmt.Sprint(rows) != fmt.Sprint(want) {
		t.Fatalf("rows %q, want %q", rows, want)
	}
	if typ, _ := wb.GetCellType(sheetName, "E1"); typ == excelize.CellTypeNumber {
		t.Error("the number is a numeric cell (leading zeros would be lost)")
	}
	es := f.entries(file.EntryID - 1)
	if len(es) != 1 || !strings.Contains(es[0].Detail, "(encrypted)") {
		t.Fatalf("entry %+v", es)
	}
}

func TestDownloadRefusals(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	// 𠮷 (U+20BB7) is not in CP932; a name starting with = would run as a formula in Excel.
	f.exec(`UPDATE persons SET name = '𠮷田 花子' WHERE id = ?`, f.hanako)
	f.exec(`UPDATE persons SET name = '=1+1', name_kana = '-ﾃｽﾄ' WHERE id = ?`, f.sato)
	f.notify(f.sato, "TAX-WH")
	long, err := f.svc.SaveFormat(ctx, f.sess["handler"].Principal, f.a, Format{Name: "名前20桁", Spec: Spec{Columns: []Column{
		{Field: FieldName}, {Field: FieldNumber}}, Encoding: UTF8BOM}})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		req    DownloadRequest
		code   string
		denied bool // a denied entry is written
		msg    string
		setup  func()
	}{
		{"other as purpose", DownloadRequest{Preset: PresetYayoi, Purpose: "OTHER"}, "invalid", false, "", nil},
		{"unknown purpose", DownloadRequest{Preset: PresetYayoi, Purpose: "NOPE"}, "invalid", false, "", nil},
		{"no selection", DownloadRequest{Preset: PresetYayoi, Purpose: "TAX-WH", Selection: Selection{}}, "invalid", false, "", nil},
		{"bad file type", DownloadRequest{Preset: PresetYayoi, Purpose: "TAX-WH", FileType: "pdf"}, "invalid", false, "", nil},
		{"unknown format", DownloadRequest{FormatID: 999, Purpose: "TAX-WH"}, "not_found", false, "", nil},
		{"unknown preset", DownloadRequest{Preset: "nope", Purpose: "TAX-WH"}, "not_found", false, "", nil},
		{"person of another company", DownloadRequest{Preset: PresetYayoi, Purpose: "TAX-WH",
			Selection: Selection{PersonIDs: []int64{f.yamada, f.bPerson}}}, "not_found", false, "", nil},
		{"nobody notified", DownloadRequest{Preset: PresetYayoi, Purpose: "SI-KOYO", Selection: Selection{All: true}}, "no_rows", true, "", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.setup != nil {
				c.setup()
			}
			req := c.req
			if req.FileType == "" {
				req.FileType = FileCSV
			}
			if !req.All && req.PersonIDs == nil && c.name != "no selection" {
				req.PersonIDs = []int64{f.yamada}
			}
			req.Password = handlerPW
			before := f.lastID()
			file, err := f.download(req)
			if codeOf(err) != c.code || file.Data != nil {
				t.Fatalf("code %q (%v), want %q", codeOf(err), err, c.code)
			}
			if c.msg != "" && !strings.Contains(err.Error()+mustJA(err), c.msg) {
				t.Errorf("message %q lacks %q", mustJA(err), c.msg)
			}
			es := f.entries(before)
			if c.denied != (len(es) == 1 && es[0].Result == audit.ResultDenied) || (!c.denied && len(es) != 0) {
				t.Fatalf("entries %+v", es)
			}
		})
	}
	// UTF-8 holds 𠮷, and free text that a spreadsheet would run is defused (a saved format
	// for a spreadsheet keeps the guard).
	file, err := f.download(DownloadRequest{FormatID: long.ID, Purpose: "TAX-WH", FileType: FileCSV, Password: handlerPW,
		Selection: Selection{PersonIDs: []int64{f.hanako, f.sato}}})
	if err != nil {
		t.Fatal(err)
	}
	want := "\uFEFF𠮷田 花子," + f.numbers[f.hanako] + "\r\n'=1+1," + f.numbers[f.sato] + "\r\n"
	if string(file.Data) != want {
		t.Fatalf("got %q, want %q", file.Data, want)
	}
}

// A download whose rows the format cannot hold as they are lists every such row by person
// and column, writes and records nothing, and then does what the user chose: substitute the
// characters CP932 lacks (𠮷 → 吉), or leave those rows out. A name that starts with "-" goes
// to 弥生 as it is (no formula guard where a program, not a spreadsheet, reads the file).
func TestDownloadRowProblems(t *testing.T) {
	f := newFixture(t)
	f.exec(`UPDATE persons SET name = '𠮷田 花子' WHERE id = ?`, f.hanako)
	f.exec(`UPDATE persons SET name = '山田太郎左衛門之助兵衛' WHERE id = ?`, f.yamada) // 11 kanji = 22 half-width units
	f.exec(`UPDATE persons SET name = '-佐藤 次郎' WHERE id = ?`, f.sato)
	f.notify(f.sato, "TAX-WH")
	req := DownloadRequest{Preset: PresetYayoi, Purpose: "TAX-WH", FileType: FileCSV, Password: handlerPW,
		Selection: Selection{All: true}}

	before := f.lastID()
	file, err := f.download(req)
	if err != nil {
		t.Fatal(err)
	}
	if file.Data != nil || len(f.entries(before)) != 0 {
		t.Fatalf("a file or an entry before the user chose: %d bytes, entries %+v", len(file.Data), f.entries(before))
	}
	// Every problem, not just the first: 山田's long name in his own row and as 従業員名 of
	// 花子's row, and 花子's 𠮷.
	var got []string
	for _, p := range file.Problems {
		got = append(got, fmt.Sprintf("%s/%s/%s/%s/%s", p.EmployeeCode, p.Name, p.Relation, p.Column, p.Kind))
		if strings.Contains(p.Japanese(), f.numbers[f.yamada]) || p.Japanese() == "" || p.English() == "" {
			t.Errorf("message %q", p.Japanese())
		}
	}
	want := []string{
		"E001/山田太郎左衛門之助兵衛/本人/従業員名/too_long",
		"E001/𠮷田 花子/配偶者/従業員名/too_long",
		"E001/𠮷田 花子/配偶者/扶養親族等名/unencodable",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("problems:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if p := file.Problems[2]; p.Char != "𠮷" || !strings.Contains(p.Japanese(), "従業員コード E001 𠮷田 花子（配偶者）") {
		t.Errorf("unencodable: %+v %q", p, p.Japanese())
	}

	// Substitute alone cannot shorten a name: still problems, still nothing written.
	req.OnProblem = ProblemChoice{Substitute: true}
	if file, err = f.download(req); err != nil || file.Data != nil || len(file.Problems) != 2 {
		t.Fatalf("substitute only: %v, %d bytes, problems %+v", err, len(file.Data), file.Problems)
	}
	// Leave out what cannot be written: only 佐藤, his name as 弥生 must match it.
	req.OnProblem = ProblemChoice{Omit: true}
	before = f.lastID()
	if file, err = f.download(req); err != nil {
		t.Fatal(err)
	}
	if wantCSV, _ := new(report.CP932Encoder).Encode("-佐藤次郎,,,," + f.numbers[f.sato] + "\r\n"); !bytes.Equal(file.Data, wantCSV) {
		t.Fatalf("omit: %q, want %q", file.Data, wantCSV)
	}
	if len(file.Omitted) != 3 || len(file.Substituted) != 0 || file.Rows != 1 {
		t.Fatalf("omit: %+v", file)
	}
	if es := f.entries(before); len(es) != 1 || !strings.Contains(es[0].Detail, "omitted=3") || !strings.Contains(es[0].Detail, fmt.Sprint("persons=", f.sato)) {
		t.Fatalf("entry %+v", es)
	}
	// With 山田's name shortened in 1-2, substitution writes 花子's row with 吉.
	f.exec(`UPDATE persons SET name = '山田 太郎' WHERE id = ?`, f.yamada)
	req.OnProblem = ProblemChoice{Substitute: true}
	if file, err = f.download(req); err != nil {
		t.Fatal(err)
	}
	wantCSV, _ := new(report.CP932Encoder).Encode("山田太郎,,,," + f.numbers[f.yamada] + "\r\n山田太郎,吉田花子,,," + f.numbers[f.hanako] +
		"\r\n-佐藤次郎,,,," + f.numbers[f.sato] + "\r\n")
	if !bytes.Equal(file.Data, wantCSV) || len(file.Substituted) != 1 || file.Substituted[0].Written != "吉田花子" {
		t.Fatalf("substitute: %q, %+v", file.Data, file.Substituted)
	}
	if !strings.Contains(file.Substituted[0].Japanese(), "「吉田花子」と出力しました") {
		t.Errorf("substitution note %q", file.Substituted[0].Japanese())
	}
}

func mustJA(err error) string {
	if e, ok := apperr.As(err); ok {
		return e.JA
	}
	return ""
}

// TestDownloadNumberShapedNames: a company code or format name that looks like a number is
// recorded redacted, and never stops the download.
func TestDownloadNumberShapedNames(t *testing.T) {
	f := newFixture(t)
	f.exec(`UPDATE companies SET code = '123456789012' WHERE id = ?`, f.a)
	saved, err := f.svc.SaveFormat(context.Background(), f.sess["handler"].Principal, f.a, Format{Name: "様式 1234-5678-9012",
		Spec: Spec{Columns: []Column{{Field: FieldNumber}}}})
	if err != nil {
		t.Fatal(err)
	}
	file, err := f.download(DownloadRequest{FormatID: saved.ID, Purpose: "TAX-WH", FileType: FileCSV,
		Selection: Selection{PersonIDs: []int64{f.yamada}}})
	if err != nil || file.Name != "mynumber_123456789012_TAX-WH_20260401_100000.csv" {
		t.Fatalf("%q %v", file.Name, err)
	}
	es := f.entries(file.EntryID - 1)
	want := fmt.Sprintf("format=様式 ####-####-####; file=mynumber_############_TAX-WH_########_######.csv (cp932); rows=1; skipped: not notified 0, no number 0, disposed 0; substituted=0; omitted=0; persons=%d", f.yamada)
	if len(es) != 1 || es[0].Detail != want {
		t.Fatalf("detail %q\nwant   %q", es[0].Detail, want)
	}
}

// The protected workbook, opened with its password, prints on A4 landscape with its title,
// every row whole and one page wide.
func TestDownloadXLSXPrints(t *testing.T) {
	testenv.LibreOffice(t)
	f := newFixture(t)
	req := DownloadRequest{Preset: PresetYayoi, Purpose: "TAX-WH", FileType: FileXLSX, Password: handlerPW,
		FilePassword: "受け渡し用 passphrase", Selection: Selection{PersonIDs: []int64{f.yamada}, IncludeDependents: true}}
	file, err := f.download(req)
	if err != nil {
		t.Fatal(err)
	}
	wb, err := excelize.OpenReader(bytes.NewReader(file.Data), excelize.Options{Password: req.FilePassword})
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	// LibreOffice cannot be given the password on its command line: print the same workbook
	// as the holder of the password sees it.
	var plain bytes.Buffer
	if _, err := wb.WriteTo(&plain, excelize.Options{}); err != nil {
		t.Fatal(err)
	}
	r := testenv.Render(t, map[string][]byte{"download": plain.Bytes()})["download"]
	if err := r.A4(true); err != nil {
		t.Error(err)
	}
	if r.Pages != 1 {
		t.Errorf("%d pages, want 1", r.Pages)
	}
	if missing := r.Missing(xlsxTitle, "山田太郎", "山田花子", f.numbers[f.yamada], f.numbers[f.hanako]); len(missing) > 0 {
		t.Errorf("not printed: %q", missing)
	}
}
