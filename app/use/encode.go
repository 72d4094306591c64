package use

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/mynumber-shelter/shelter/app/jpdate"
	"github.com/mynumber-shelter/shelter/app/report"
	"github.com/mynumber-shelter/shelter/app/roster"
)

// EncodingError says which cell of a CSV download holds a character that CP932 cannot
// represent (a JIS X 0213 kanji such as 𠮷, an emoji). Nothing is downloaded.
type EncodingError struct {
	// Row is the 1-based data row (the header line is not counted).
	Row int
	// EmployeeCode is the row's employee code (a dependent's: their employee's).
	EmployeeCode string
	// Column is the column's title, e.g. "氏名".
	Column string
	// Char is the character, or "" when showing it could show part of a number or it is
	// invisible.
	Char string
}

// Error is an English message naming the row and column; it quotes at most one character.
func (e *EncodingError) Error() string {
	c := "a character"
	if e.Char != "" {
		c = fmt.Sprintf("%q", e.Char)
	}
	return fmt.Sprintf("row %d (employee %s) column %s: %s cannot be written in CP932", e.Row, e.EmployeeCode, e.Column, c)
}

// Japanese is the message for the user.
func (e *EncodingError) Japanese() string {
	c := "文字"
	if e.Char != "" {
		c = "文字「" + e.Char + "」"
	}
	return fmt.Sprintf("%d件目（従業員コード %s）の「%s」に Shift_JIS (CP932) で書けない%sがあります。UTF-8 のフォーマットを使うか、登録内容を確認してください。",
		e.Row, e.EmployeeCode, e.Column, c)
}

// WidthError says that a value is longer than its column's MaxWidth. Nothing is downloaded.
type WidthError struct {
	Row          int
	EmployeeCode string
	Column       string
	Width, Max   int
}

// Error is an English message naming the row and column.
func (e *WidthError) Error() string {
	return fmt.Sprintf("row %d (employee %s) column %s: %d half-width units, at most %d", e.Row, e.EmployeeCode, e.Column, e.Width, e.Max)
}

// Japanese is the message for the user.
func (e *WidthError) Japanese() string {
	return fmt.Sprintf("%d件目（従業員コード %s）の「%s」が長すぎます（半角%d桁分、上限%d桁）。",
		e.Row, e.EmployeeCode, e.Column, e.Width, e.Max)
}

// record is one person as a download row needs them. number is cleared after use.
type record struct {
	personID     int64
	kind         string
	employeeCode string
	name         string
	nameKana     string
	birthDate    string
	sex          roster.Sex
	relation     roster.Relation
	department   string
	employeeName string
	hiredOn      string
	leftOn       string
	number       []byte
}

// date writes an ISO date in the spec's style; "" stays "".
func (sp *Spec) date(iso string) string {
	if iso == "" {
		return ""
	}
	t, err := jpdate.ParseISO(iso)
	if err != nil {
		return iso
	}
	if sp.Dates == DatesWareki {
		return jpdate.Wareki(t)
	}
	return t.Format("2006/01/02")
}

// value is the text of column c for r, before width checks. text reports free text, which is
// defused against spreadsheet formula injection.
func (sp *Spec) value(c Column, r *record) (v string, text bool) {
	switch c.Field {
	case FieldEmployeeCode:
		return r.employeeCode, true
	case FieldName:
		return r.name, true
	case FieldNameKana:
		return r.nameKana, true
	case FieldBirthDate:
		return sp.date(r.birthDate), false
	case FieldSex:
		return r.sex.Label("ja"), false
	case FieldPersonKind:
		if r.kind == KindDependent {
			return "扶養親族", false
		}
		return "本人", false
	case FieldRelation:
		if r.kind == KindEmployee {
			return "本人", false
		}
		return r.relation.Label("ja"), false
	case FieldNumber:
		return string(r.number), false
	case FieldDepartment:
		return r.department, true
	case FieldEmployeeName:
		return r.employeeName, true
	case FieldDependentName:
		if r.kind == KindDependent {
			return r.name, true
		}
		return "", false
	case FieldHiredOn:
		return sp.date(r.hiredOn), false
	case FieldLeftOn:
		return sp.date(r.leftOn), false
	}
	return "", false
}

// cells returns the row's values in column order, with NoSpaces, MaxWidth and formula
// defusing applied. n is the 1-based data row for errors.
func (sp *Spec) cells(r *record, n int) ([]string, error) {
	out := make([]string, len(sp.Columns))
	for i, c := range sp.Columns {
		v, text := sp.value(c, r)
		if c.NoSpaces {
			v = strings.NewReplacer(" ", "", "\u3000", "").Replace(v)
		}
		if text && v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
			v = "'" + v
		}
		if c.MaxWidth > 0 {
			if w := halfWidth(v); w > c.MaxWidth {
				return nil, &WidthError{Row: n, EmployeeCode: r.employeeCode, Column: c.title(), Width: w, Max: c.MaxWidth}
			}
		}
		out[i] = v
	}
	return out, nil
}

// halfWidth counts s in half-width units: ASCII and half-width katakana 1, anything else 2.
func halfWidth(s string) int {
	n := 0
	for _, r := range s {
		if r < 0x80 || (r >= 0xFF61 && r <= 0xFF9F) {
			n++
		} else {
			n += 2
		}
	}
	return n
}

// csvWriter writes CSV fields, quoting only fields that need it (a comma, a quote or a line
// break), so that importers that do not understand quotes read plain fields.
type csvWriter struct {
	buf   bytes.Buffer
	cp932 *report.CP932Encoder // nil for UTF-8
	eol   string
}

// field appends s; it returns an *EncodingError (Char set, position left to the caller) when
// s cannot be written in CP932.
func (c *csvWriter) field(s string, first bool) error {
	quote := strings.ContainsAny(s, ",\"\r\n")
	var b []byte
	if c.cp932 == nil {
		b = []byte(s)
	} else {
		var err error
		if b, err = c.cp932.Encode(s); err != nil {
			ee := &EncodingError{}
			var re *report.EncodingError
			if errors.As(err, &re) {
				ee.Char = re.Char
			}
			return ee
		}
	}
	if !first {
		c.buf.WriteByte(',')
	}
	if !quote {
		c.buf.Write(b)
		return nil
	}
	// '"' (0x22) is never a byte of a multi-byte character in UTF-8 or CP932.
	c.buf.WriteByte('"')
	c.buf.Write(bytes.ReplaceAll(b, []byte(`"`), []byte(`""`)))
	c.buf.WriteByte('"')
	return nil
}

// writeCSV writes the header (when the spec has one) and the rows.
func writeCSV(sp *Spec, records []*record) ([]byte, error) {
	c := &csvWriter{eol: "\r\n"}
	if sp.LineEnding == LF {
		c.eol = "\n"
	}
	if sp.Encoding == UTF8BOM {
		c.buf.WriteString("\uFEFF")
	} else {
		c.cp932 = new(report.CP932Encoder)
	}
	if sp.Header {
		for i, col := range sp.Columns {
			if err := c.field(col.title(), i == 0); err != nil {
				if ee, ok := err.(*EncodingError); ok {
					ee.Column = col.title()
				}
				return nil, err
			}
		}
		c.buf.WriteString(c.eol)
	}
	for n, r := range records {
		cells, err := sp.cells(r, n+1)
		if err != nil {
			return nil, err
		}
		for i, v := range cells {
			if err := c.field(v, i == 0); err != nil {
				if ee, ok := err.(*EncodingError); ok {
					ee.Row, ee.EmployeeCode, ee.Column = n+1, r.employeeCode, sp.Columns[i].title()
				}
				return nil, err
			}
		}
		c.buf.WriteString(c.eol)
	}
	return c.buf.Bytes(), nil
}

// sheetName is the one sheet of an xlsx download.
const sheetName = "個人番号"

// xlsxTitle is printed at the top of every page of an xlsx download.
const xlsxTitle = "個人番号一覧（特定個人情報・取扱注意）"

// pageSetup makes the download print on A4 landscape, one page wide, with the title on every
// page, the heading row repeated (when there is one) and page numbers.
func pageSetup(f *excelize.File, heading bool) error {
	size, orientation, one, zero, fit := 9, "landscape", 1, 0, true
	if err := f.SetSheetProps(sheetName, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return fmt.Errorf("page setup: %w", err)
	}
	if err := f.SetPageLayout(sheetName, &excelize.PageLayoutOptions{
		Size: &size, Orientation: &orientation, FitToWidth: &one, FitToHeight: &zero,
	}); err != nil {
		return fmt.Errorf("page setup: %w", err)
	}
	if err := f.SetHeaderFooter(sheetName, &excelize.HeaderFooterOptions{
		OddHeader: "&L" + xlsxTitle, OddFooter: "&R&P / &N",
	}); err != nil {
		return fmt.Errorf("page header: %w", err)
	}
	if heading {
		if err := f.SetDefinedName(&excelize.DefinedName{
			Name: "_xlnm.Print_Titles", RefersTo: "'" + sheetName + "'!$1:$1", Scope: sheetName,
		}); err != nil {
			return fmt.Errorf("print titles: %w", err)
		}
	}
	return nil
}

// writeXLSX writes the rows as a workbook encrypted with password (ECMA-376 Standard
// Encryption, what excelize writes; see app/report's package documentation). Every cell is
// text, so that a number keeps its leading zeros.
func writeXLSX(sp *Spec, records []*record, password string) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", sheetName); err != nil {
		return nil, fmt.Errorf("naming sheet: %w", err)
	}
	widths := make([]int, len(sp.Columns))
	row := 1
	put := func(cells []string) error {
		for i, v := range cells {
			cell, err := excelize.CoordinatesToCellName(i+1, row)
			if err != nil {
				return err
			}
			if err := f.SetCellStr(sheetName, cell, v); err != nil {
				return fmt.Errorf("writing cell: %w", err)
			}
			widths[i] = max(widths[i], halfWidth(v))
		}
		row++
		return nil
	}
	if sp.Header {
		titles := make([]string, len(sp.Columns))
		for i, c := range sp.Columns {
			titles[i] = c.title()
		}
		if err := put(titles); err != nil {
			return nil, err
		}
	}
	for n, r := range records {
		cells, err := sp.cells(r, n+1)
		if err != nil {
			return nil, err
		}
		if err := put(cells); err != nil {
			return nil, err
		}
	}
	for i, w := range widths {
		col, err := excelize.ColumnNumberToName(i + 1)
		if err != nil {
			return nil, err
		}
		if err := f.SetColWidth(sheetName, col, col, float64(min(max(w, 6), 60))+2); err != nil {
			return nil, fmt.Errorf("column width: %w", err)
		}
	}
	if err := pageSetup(f, sp.Header); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if _, err := f.WriteTo(&out, excelize.Options{Password: password}); err != nil {
		return nil, fmt.Errorf("writing workbook: %w", err)
	}
	return out.Bytes(), nil
}
