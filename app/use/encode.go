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

// Kinds of [RowProblem].
const (
	// ProblemUnencodable: a character the file's encoding (CP932) cannot hold, such as 𠮷.
	ProblemUnencodable = "unencodable"
	// ProblemTooLong: a value longer than its column's MaxWidth (弥生's 20 half-width units).
	ProblemTooLong = "too_long"
)

// RowProblem is a value of one person that the download's format cannot hold as it is. It
// names the person and the column, never the number.
type RowProblem struct {
	PersonID     int64
	EmployeeCode string // the employee's code (a dependent's: their employee's)
	Name         string
	Relation     string // "本人" or the dependent's 続柄
	Column       string // the column's title, e.g. "従業員名"
	Kind         string // ProblemUnencodable or ProblemTooLong
	// Char is the character CP932 cannot hold, or "" when showing it could show part of a
	// number or it is invisible.
	Char string
	// Width and Max are the value's width and the column's limit, in half-width units.
	Width, Max int
	// Written is the value as written after substitution (ProblemUnencodable with
	// [ProblemChoice.Substitute]).
	Written string
}

// Japanese describes the problem for the user.
func (p RowProblem) Japanese() string {
	who := fmt.Sprintf("従業員コード %s %s（%s）", p.EmployeeCode, p.Name, p.Relation)
	switch p.Kind {
	case ProblemTooLong:
		return fmt.Sprintf("%s：「%s」が長すぎます（半角%d桁分、上限%d桁）。1-2で登録内容を短くするか、この方を除いて出力してください。",
			who, p.Column, p.Width, p.Max)
	default:
		c := "文字"
		if p.Char != "" {
			c = "文字「" + p.Char + "」"
		}
		if p.Written != "" {
			return fmt.Sprintf("%s：「%s」の Shift_JIS (CP932) で書けない%sを置き換えて「%s」と出力しました。", who, p.Column, c, p.Written)
		}
		return fmt.Sprintf("%s：「%s」に Shift_JIS (CP932) で書けない%sがあります。代わりの文字で出力する、この方を除く、UTF-8 のフォーマットを使う、のいずれかを選んでください。",
			who, p.Column, c)
	}
}

// English describes the problem in English.
func (p RowProblem) English() string {
	who := fmt.Sprintf("employee %s %s (%s)", p.EmployeeCode, p.Name, p.Relation)
	switch p.Kind {
	case ProblemTooLong:
		return fmt.Sprintf("%s: %q is too long (%d half-width units, at most %d). Shorten it in 1-2 or leave this person out.", who, p.Column, p.Width, p.Max)
	default:
		if p.Written != "" {
			return fmt.Sprintf("%s: %q had a character CP932 cannot hold; written as %q.", who, p.Column, p.Written)
		}
		return fmt.Sprintf("%s: %q has a character CP932 cannot hold. Substitute it, leave this person out, or use a UTF-8 format.", who, p.Column)
	}
}

// ProblemChoice is what the user chose to do about rows the format cannot hold as they are.
// The zero value writes nothing and lists the problems.
type ProblemChoice struct {
	// Substitute writes characters CP932 lacks as their everyday form (𠮷 → 吉) or 〓, and lists
	// each substitution.
	Substitute bool
	// Omit leaves out every row that still has a problem, and lists them.
	Omit bool
}

// prepared is a download's rows as they will be written, after the user's choice.
type prepared struct {
	rows [][]string
	kept []*record
	// problems are the ones left unresolved: when there are any, nothing is written.
	problems, substituted, omitted []RowProblem
}

// prepare turns records into the rows of a file of type ft, checking each value against the
// encoding (CSV in CP932) and the column widths, and applying choice.
func (sp *Spec) prepare(records []*record, ft FileType, choice ProblemChoice) prepared {
	var p prepared
	var enc *report.CP932Encoder
	if ft == FileCSV && sp.Encoding == CP932 {
		enc = new(report.CP932Encoder)
	}
	for _, r := range records {
		cells := sp.cells(r, ft == FileCSV && !sp.NoFormulaGuard)
		var rowProblems, rowSubstituted []RowProblem
		for i, v := range cells {
			c := sp.Columns[i]
			problem := RowProblem{PersonID: r.personID, EmployeeCode: r.employeeCode, Name: r.name, Relation: r.relationLabel(), Column: c.title()}
			if enc != nil {
				if _, err := enc.Encode(v); err != nil {
					problem.Kind = ProblemUnencodable
					var ee *report.EncodingError
					if errors.As(err, &ee) {
						problem.Char = ee.Char
					}
					if !choice.Substitute {
						rowProblems = append(rowProblems, problem)
						continue
					}
					v, _ = enc.Substitute(v)
					cells[i] = v
					problem.Written = v
					rowSubstituted = append(rowSubstituted, problem)
				}
			}
			if c.MaxWidth > 0 {
				if w := halfWidth(v); w > c.MaxWidth {
					problem.Kind, problem.Char, problem.Written, problem.Width, problem.Max = ProblemTooLong, "", "", w, c.MaxWidth
					rowProblems = append(rowProblems, problem)
				}
			}
		}
		switch {
		case len(rowProblems) == 0:
			p.rows = append(p.rows, cells)
			p.kept = append(p.kept, r)
			p.substituted = append(p.substituted, rowSubstituted...)
		case choice.Omit:
			p.omitted = append(p.omitted, rowProblems...)
		default:
			p.problems = append(p.problems, rowProblems...)
		}
	}
	return p
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

// cells returns the row's values in column order, with NoSpaces applied and, when guard is
// set, free text that a spreadsheet would run as a formula defused with a leading apostrophe.
// Only a CSV file meant for a spreadsheet needs the guard: an xlsx cell is always text, and a
// payroll package importing a CSV would keep the apostrophe as part of the name.
func (sp *Spec) cells(r *record, guard bool) []string {
	out := make([]string, len(sp.Columns))
	for i, c := range sp.Columns {
		v, text := sp.value(c, r)
		if c.NoSpaces {
			v = strings.NewReplacer(" ", "", "\u3000", "").Replace(v)
		}
		if guard && text && v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
			v = "'" + v
		}
		out[i] = v
	}
	return out
}

// relationLabel is "本人" for an employee, else the dependent's 続柄.
func (r *record) relationLabel() string {
	if r.kind == KindEmployee {
		return "本人"
	}
	return r.relation.Label("ja")
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

// field appends s; prepare has checked that CP932 holds it, so an error here is internal.
func (c *csvWriter) field(s string, first bool) error {
	quote := strings.ContainsAny(s, ",\"\r\n")
	var b []byte
	if c.cp932 == nil {
		b = []byte(s)
	} else {
		var err error
		if b, err = c.cp932.Encode(s); err != nil {
			return fmt.Errorf("writing a CSV field: %w", err)
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

// writeCSV writes the header (when the spec has one) and the prepared rows.
func writeCSV(sp *Spec, rows [][]string) ([]byte, error) {
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
			// Titles were checked against CP932 when the format was saved.
			if err := c.field(col.title(), i == 0); err != nil {
				return nil, err
			}
		}
		c.buf.WriteString(c.eol)
	}
	for _, cells := range rows {
		for i, v := range cells {
			if err := c.field(v, i == 0); err != nil {
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
func writeXLSX(sp *Spec, rows [][]string, password string) ([]byte, error) {
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
	for _, cells := range rows {
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
