package csvimport

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Problem codes. They are stable: the UI and scripts may match on them.
const (
	CodeEncoding           = "encoding"            // bytes that are not text in a known encoding
	CodeFormat             = "format"              // CSV syntax (quotes), too large, no data
	CodeMapping            = "mapping"             // a mapped column is missing, ambiguous or mapped twice
	CodeColumns            = "columns"             // a line has a different number of columns than the header
	CodeInvalid            = "invalid"             // a value is not valid for its field
	CodeDuplicateCode      = "duplicate_code"      // the employee code appears on an earlier line too
	CodeNumber             = "number"              // the My Number is not a valid Individual Number
	CodeDuplicateNumber    = "duplicate_number"    // the same number is on an earlier line or another person
	CodeNumberConflict     = "number_conflict"     // the employee already has a different number
	CodeDisposed           = "disposed"            // the employee's number was disposed of
	CodeDepartment         = "department"          // the department name matches several departments
	CodeImplausible        = "implausible"         // a warning: dates that are unlikely (roster.Employee.Plausibility)
	CodeIgnored            = "ignored"             // a warning: what the file holds and the import leaves alone (columns no field takes, registered dependents it does not name)
	CodeNoEmployee         = "no_employee"         // a dependent's line whose employee is neither in the file nor registered
	CodeDuplicateDependent = "duplicate_dependent" // the same dependent of an employee twice in the file
)

// Problem is one reason a file, or a line of it, cannot be imported. Its texts never contain a
// value from the file except a header name and an employee code.
type Problem struct {
	// Line is the 1-based line of the file (the header is line 1 unless the mapping says there
	// is none); 0 for the file as a whole.
	Line int `json:"line"`
	// Column is the header name of the column (or "列N" / "column N" without a header); "" for
	// the whole line.
	Column string `json:"column"`
	// Field is the roster field concerned (roster.FieldCode, …), or "".
	Field string `json:"field"`
	Code  string `json:"code"`
	JA    string `json:"ja"`
	EN    string `json:"en"`
}

// Error is "line L, column C: EN" (parts left out when unknown).
func (p *Problem) Error() string {
	var b strings.Builder
	if p.Line > 0 {
		fmt.Fprintf(&b, "line %d", p.Line)
	} else {
		b.WriteString("file")
	}
	if p.Column != "" {
		fmt.Fprintf(&b, ", column %s", p.Column)
	}
	return b.String() + ": " + p.EN
}

// UserCode is the problem's code (apperr.Coded).
func (p *Problem) UserCode() string { return p.Code }

// UserField is "": the problem's field is a column of the file, not of the screen's form.
func (p *Problem) UserField() string { return "" }

// Japanese is p.JA.
func (p *Problem) Japanese() string { return p.JA }

// English is p.EN.
func (p *Problem) English() string { return p.EN }

// Limits of a file.
const (
	// MaxBytes is the largest file Read accepts (64 MiB: about 500,000 employees).
	MaxBytes = 64 << 20
	// MaxRows is the most data lines Read accepts.
	MaxRows = 500_000
)

// Sheet is a decoded CSV file: every non-blank record with its line number.
type Sheet struct {
	Encoding  Encoding
	Delimiter rune // ',' or '\t'
	Records   []Record
}

// Record is one CSV record and the line it starts on.
type Record struct {
	Line   int
	Fields []string
}

// Read decodes data (see [Decode]) and splits it into records. A comma or, when the first
// line has more tabs than commas, a tab separates fields. Records whose fields are all blank
// are skipped. Any error is a [*Problem].
func Read(data []byte) (*Sheet, error) {
	if len(data) > MaxBytes {
		return nil, &Problem{Code: CodeFormat,
			JA: fmt.Sprintf("ファイルが大きすぎます（%d MiB まで）。分割して取り込んでください。", MaxBytes>>20),
			EN: fmt.Sprintf("The file is too large (at most %d MiB). Split it and import the parts.", MaxBytes>>20)}
	}
	text, enc, err := Decode(data)
	if err != nil {
		return nil, err
	}
	s := &Sheet{Encoding: enc, Delimiter: ','}
	first, _, _ := strings.Cut(text, "\n")
	if strings.Count(first, "\t") > strings.Count(first, ",") {
		s.Delimiter = '\t'
	}
	r := csv.NewReader(strings.NewReader(text))
	r.Comma = s.Delimiter
	r.FieldsPerRecord = -1
	for {
		fields, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			p := &Problem{Code: CodeFormat,
				JA: "CSV の書式が正しくありません（引用符 \" の対応を確かめてください）。",
				EN: "The CSV is malformed (check that every quote \" is closed and doubled inside quoted fields)."}
			if errors.As(err, &pe) {
				p.Line = pe.Line
			}
			return nil, p
		}
		line, _ := r.FieldPos(0)
		if blank(fields) {
			continue
		}
		if len(s.Records) > MaxRows {
			return nil, &Problem{Line: line, Code: CodeFormat,
				JA: fmt.Sprintf("行が多すぎます（%d行まで）。分割して取り込んでください。", MaxRows),
				EN: fmt.Sprintf("Too many lines (at most %d). Split the file and import the parts.", MaxRows)}
		}
		s.Records = append(s.Records, Record{Line: line, Fields: fields})
	}
	return s, nil
}

func blank(fields []string) bool {
	for _, f := range fields {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}
