package csvimport

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mynumber-shelter/shelter/app/roster"
	"golang.org/x/text/unicode/norm"
)

// FieldInfo describes one field the import can fill.
type FieldInfo struct {
	// Field is the roster field name (roster.FieldCode, …): the key of [Mapping.Columns].
	Field string `json:"field"`
	// Header is the default header name, used when no mapping is given.
	Header string `json:"header"`
	// Aliases are other header names that [Guess] recognises.
	Aliases []string `json:"aliases"`
	// Required fields must be mapped.
	Required bool   `json:"required"`
	JA       string `json:"ja"`
	EN       string `json:"en"`
}

var fieldInfos = []FieldInfo{
	{roster.FieldCode, "従業員コード", []string{"社員コード", "社員番号", "従業員番号", "社員No", "従業員No", "社員ID", "従業員ID"}, true, "従業員コード", "Employee code"},
	{roster.FieldName, "氏名", []string{"名前", "氏名（漢字）", "漢字氏名", "社員名", "従業員名", "氏名漢字"}, true, "氏名", "Name"},
	{roster.FieldNameKana, "フリガナ", []string{"ふりがな", "カナ氏名", "氏名カナ", "氏名（カナ）", "氏名（フリガナ）", "フリガナ氏名", "カナ", "ヨミ"}, false, "フリガナ", "Reading"},
	{roster.FieldBirthDate, "生年月日", []string{"誕生日"}, false, "生年月日", "Birth date"},
	{roster.FieldSex, "性別", nil, false, "性別", "Sex"},
	{roster.FieldDepartment, "部署", []string{"部署名", "部署コード", "部門", "部門名", "部門コード", "所属", "所属部署"}, false, "部署", "Department"},
	{roster.FieldHiredOn, "入社日", []string{"入社年月日", "採用日", "雇用開始日"}, false, "入社日", "Hire date"},
	{roster.FieldLeftOn, "退職日", []string{"退職年月日", "離職日"}, false, "退職日", "Leaving date"},
	{roster.FieldEmail, "メールアドレス", []string{"メール", "Eメール", "E-mail", "Email", "mail"}, false, "メールアドレス", "Email"},
	{roster.FieldPhone, "電話番号", []string{"電話", "携帯電話", "携帯電話番号", "連絡先電話番号", "TEL"}, false, "電話番号", "Phone"},
	{roster.FieldNumber, "個人番号", []string{"マイナンバー", "個人番号（マイナンバー）"}, false, "個人番号", "My Number"},
	// 続柄 makes a one-row-per-person file: 本人 (or empty) lines are employees, the others their
	// dependents (see dependents.go).
	{roster.FieldRelation, "続柄", []string{"本人との続柄", "続柄区分"}, false, "続柄", "Relation"},
}

// Fields returns the fields the import can fill, in display order.
func Fields() []FieldInfo { return slices.Clone(fieldInfos) }

func fieldInfo(field string) (FieldInfo, bool) {
	for _, f := range fieldInfos {
		if f.Field == field {
			return f, true
		}
	}
	return FieldInfo{}, false
}

// Column names a column of the file: by header name, or by 1-based position when Header is
// "". In JSON it is a string (a header name) or a number (a position).
type Column struct {
	Header string
	Index  int
}

// MarshalJSON writes the header name, or the position when there is none.
func (c Column) MarshalJSON() ([]byte, error) {
	if c.Header != "" {
		return json.Marshal(c.Header)
	}
	return json.Marshal(c.Index)
}

// UnmarshalJSON reads a header name ("社員番号"), a position (3), or {"header": …, "index": …}.
func (c *Column) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) > 0 && b[0] == '"':
		*c = Column{}
		return json.Unmarshal(b, &c.Header)
	case len(b) > 0 && b[0] == '{':
		var v struct {
			Header string `json:"header"`
			Index  int    `json:"index"`
		}
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*c = Column{Header: v.Header, Index: v.Index}
		return nil
	}
	n, err := strconv.Atoi(string(b))
	if err != nil {
		return fmt.Errorf("column must be a header name or a 1-based position")
	}
	*c = Column{Index: n}
	return nil
}

// Mapping says which column of the file holds which field. The zero Mapping means: the first
// line is a header, and columns are found by the default header names and their aliases
// ([Guess]).
//
// On an update (an employee code already in the vault), every mapped field is replaced by the
// file's value, even when the cell is empty (a cleared 退職日 is cleared), except the number: an
// empty number cell leaves a registered number alone, and numbers are removed only by
// disposal (4-1). Unmapped fields keep their stored values.
type Mapping struct {
	// NoHeader: the first line is data; every column must then be given by position.
	NoHeader bool `json:"noHeader,omitempty"`
	// Columns maps a field (roster.FieldCode, …) to its column.
	Columns map[string]Column `json:"columns"`
}

// ParseMapping reads a mapping from JSON, e.g. {"columns": {"code": "社員番号", "name": 2}}.
func ParseMapping(b []byte) (Mapping, error) {
	var m Mapping
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&m); err != nil {
		return m, fmt.Errorf("reading mapping: %w", err)
	}
	for f := range m.Columns {
		if _, ok := fieldInfo(f); !ok {
			return m, fmt.Errorf("reading mapping: unknown field %q", f)
		}
	}
	return m, nil
}

// normHeader folds the spellings of a header: NFKC, no spaces, ASCII lower case.
func normHeader(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '\uFEFF' {
			return -1
		}
		return unicode.ToLower(r)
	}, norm.NFKC.String(s))
}

// Guess maps the columns of header whose names are a field's default header name or one of its
// aliases (compared after NFKC, without spaces, ignoring ASCII case). The first matching column
// wins.
func Guess(header []string) Mapping {
	m := Mapping{Columns: map[string]Column{}}
	for _, f := range fieldInfos {
		names := append([]string{f.Header}, f.Aliases...)
	cols:
		for _, h := range header {
			for _, n := range names {
				if normHeader(h) == normHeader(n) {
					m.Columns[f.Field] = Column{Header: strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF"))}
					break cols
				}
			}
		}
	}
	return m
}

// layout is a mapping resolved against one file.
type layout struct {
	cols     map[string]int // field → 0-based column
	names    []string       // column → display name
	width    int            // columns in the header (or the first line)
	firstRow int            // index of the first data record
	// groups are the 扶養親族 column groups of the header (扶養親族1氏名 …, 配偶者氏名 …), and
	// notes the warnings about dependent columns that make no group.
	groups  []*depGroup
	notes   []Problem
	skipped map[int]bool // columns of groups that cannot be imported, named in notes
}

// columnName is how problems name column i (0-based).
func (l *layout) columnName(i int) string {
	if i < len(l.names) && l.names[i] != "" {
		return l.names[i]
	}
	return fmt.Sprintf("列%d", i+1)
}

// fieldColumn names the column of field, or the field's label when it is not mapped.
func (l *layout) fieldColumn(field string) string {
	if i, ok := l.cols[field]; ok {
		return l.columnName(i)
	}
	fi, _ := fieldInfo(field)
	return fi.JA
}

// safeHeader is a header name fit for a message: trimmed, at most 40 characters, and "" (so
// the column is named by position) when it holds 12 or more digits — a file without a header
// line read as if it had one must not show a number as a column name.
func safeHeader(h string) string {
	h = strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF"))
	digits := 0
	for _, r := range h {
		if unicode.IsDigit(r) {
			digits++
		}
	}
	if digits >= 12 || utf8.RuneCountInString(h) > 40 {
		return ""
	}
	return h
}

// resolve finds the mapped columns in s and returns the layout, or the problems that prevent
// reading any line (reported on the header line).
func resolve(s *Sheet, m Mapping) (*layout, []Problem) {
	if len(s.Records) == 0 {
		return nil, []Problem{{Code: CodeFormat, JA: "ファイルにデータがありません。", EN: "The file has no data."}}
	}
	head := s.Records[0]
	l := &layout{cols: map[string]int{}, width: len(head.Fields), firstRow: 1}
	if m.NoHeader {
		l.firstRow = 0
	} else {
		for _, h := range head.Fields {
			l.names = append(l.names, safeHeader(h))
		}
		if len(m.Columns) == 0 {
			m = Guess(head.Fields)
		}
	}
	var ps []Problem
	bad := func(col, ja, en string) {
		ps = append(ps, Problem{Line: head.Line, Column: col, Code: CodeMapping, JA: ja, EN: en})
	}
	used := map[int]string{}
	for _, f := range fieldInfos {
		c, ok := m.Columns[f.Field]
		if !ok {
			if f.Required {
				bad(f.Header, fmt.Sprintf("「%s」の列がありません（列の対応付けで指定してください）。", f.JA),
					fmt.Sprintf("No column for %s (map one in the column mapping).", f.EN))
			}
			continue
		}
		i := -1
		switch {
		case c.Header != "" && m.NoHeader:
			bad(c.Header, "見出し行がないファイルでは、列を番号で指定してください。", "Without a header line, give columns by position.")
			continue
		case c.Header != "":
			for j, h := range head.Fields {
				if normHeader(h) == normHeader(c.Header) {
					if i >= 0 {
						bad(c.Header, "同じ見出しの列が複数あります。列を番号で指定してください。", "Several columns have this header; give the column by position.")
						i = -2
						break
					}
					i = j
				}
			}
			if i == -1 {
				bad(c.Header, fmt.Sprintf("「%s」に対応付けた列がファイルにありません。", f.JA),
					fmt.Sprintf("The column mapped to %s is not in the file.", f.EN))
			}
		case c.Index >= 1 && c.Index <= l.width:
			i = c.Index - 1
		default:
			bad(fmt.Sprintf("列%d", c.Index), fmt.Sprintf("「%s」に対応付けた列番号 %d はファイルにありません（%d列）。", f.JA, c.Index, l.width),
				fmt.Sprintf("Column %d mapped to %s is not in the file (%d columns).", c.Index, f.EN, l.width))
		}
		if i < 0 {
			continue
		}
		if other, dup := used[i]; dup {
			bad(l.columnName(i), fmt.Sprintf("同じ列が「%s」と「%s」の両方に対応付けられています。", other, f.JA),
				fmt.Sprintf("The same column is mapped to two fields (%s).", f.EN))
			continue
		}
		used[i] = f.JA
		l.cols[f.Field] = i
	}
	if len(ps) > 0 {
		return nil, ps
	}
	if !m.NoHeader {
		l.groups, l.notes = dependentGroups(head, l, used)
	}
	return l, nil
}
