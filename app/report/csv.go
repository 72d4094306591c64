package report

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"iter"
	"strings"
)

// Encoding is the character encoding of a CSV file.
type Encoding string

const (
	// UTF8BOM is UTF-8 with a byte order mark, which Excel needs to read UTF-8 CSV.
	UTF8BOM Encoding = "utf8bom"
	// CP932 is Windows-31J, what Japanese Windows software calls Shift_JIS.
	CP932 Encoding = "cp932"
)

var (
	// ErrEncoding is returned for an Encoding this package does not write.
	ErrEncoding = errors.New("report: unknown CSV encoding")
	// ErrUnencodable is wrapped by an [*EncodingError].
	ErrUnencodable = errors.New("report: character cannot be written in the encoding")
)

// EncodingError says which cell of a CSV file holds a character that the encoding cannot
// represent (a JIS X 0213 kanji such as 𠮷 in CP932, an emoji). It unwraps to ErrUnencodable.
type EncodingError struct {
	// Row is the 1-based number of the data row (the heading line is not counted).
	Row int
	// ID is the row's history entry number.
	ID int64
	// Column is the heading of the column, e.g. "詳細".
	Column string
	// Char is the character, or "" when showing it could show part of a number (a digit of
	// another script) or it is invisible.
	Char string
}

// Error returns an English message; it quotes at most the one character.
func (e *EncodingError) Error() string {
	c := "a character"
	if e.Char != "" {
		c = fmt.Sprintf("%q", e.Char)
	}
	return fmt.Sprintf("report: row %d (id %d) column %s: %s cannot be written in CP932", e.Row, e.ID, e.Column, c)
}

// Japanese returns a message for the user, e.g. "3行目（履歴番号 42）の「詳細」に CP932
// (Shift_JIS) で書けない文字「𠮷」があります。UTF-8 で出力してください。" (the parts not
// known left out).
func (e *EncodingError) Japanese() string {
	c := "文字"
	if e.Char != "" {
		c = "文字「" + e.Char + "」"
	}
	var where string
	if e.Row > 0 {
		where = fmt.Sprintf("%d行目", e.Row)
		if e.ID > 0 {
			where += fmt.Sprintf("（履歴番号 %d）", e.ID)
		}
	}
	if e.Column != "" {
		where += "の「" + e.Column + "」"
	}
	if where != "" {
		where += "に"
	}
	return where + "CP932 (Shift_JIS) で書けない" + c + "があります。UTF-8 で出力してください。"
}

// English is the message for the user in English (the parts not known left out, as in
// Japanese).
func (e *EncodingError) English() string {
	c := "A character"
	if e.Char != "" {
		c = fmt.Sprintf("The character %q", e.Char)
	}
	var where []string
	if e.Row > 0 {
		w := fmt.Sprintf("row %d", e.Row)
		if e.ID > 0 {
			w += fmt.Sprintf(" (history entry %d)", e.ID)
		}
		where = append(where, w)
	}
	if e.Column != "" {
		where = append(where, "column "+e.Column)
	}
	s := c
	if len(where) > 0 {
		s += " in " + strings.Join(where, ", ")
	}
	return s + " cannot be written in CP932 (Shift_JIS); export as UTF-8."
}

// UserCode is "unencodable" (apperr.Coded): the user can choose UTF-8 instead.
func (e *EncodingError) UserCode() string { return "unencodable" }

// UserField is "encoding", the choice that resolves it.
func (e *EncodingError) UserField() string { return "encoding" }

// Unwrap returns ErrUnencodable.
func (e *EncodingError) Unwrap() error { return ErrUnencodable }

// WriteHistoryCSV writes the history rows to w as CSV in enc (UTF8BOM or CP932): a heading
// line with the same columns as [WriteHistoryReport], then one line per row, CRLF line
// ends, every field quoted. Times are JST ("2025-04-01 09:30:15"). It returns the number of
// rows written.
//
// Text that a spreadsheet would run as a formula (starting with = + - @, a tab or a CR) is
// written with a leading apostrophe (OWASP, CSV injection). For CP932 the characters in
// cp932Fixes are first mapped to their CP932 forms; any other character CP932 cannot hold
// stops the file with an [*EncodingError] naming the row and column.
//
// The file is streamed: on an error (from rows, from w, [ErrMyNumber], an EncodingError) w
// has received a partial file that the caller must discard.
func WriteHistoryCSV(w io.Writer, rows iter.Seq2[HistoryRow, error], enc Encoding) (int, error) {
	n, err := writeCSV(w, rows, enc)
	if err != nil {
		return n, fmt.Errorf("history csv: %w", err)
	}
	return n, nil
}

func writeCSV(w io.Writer, rows iter.Seq2[HistoryRow, error], enc Encoding) (int, error) {
	cw := csvWriter{w: bufio.NewWriterSize(w, 64<<10)}
	switch enc {
	case UTF8BOM:
		cw.w.WriteString("\uFEFF")
	case CP932:
		cw.cp932 = new(CP932Encoder)
	default:
		return 0, fmt.Errorf("%w %q", ErrEncoding, enc)
	}
	for i, h := range historyColumns {
		if err := cw.field(h, i == 0, false); err != nil {
			return 0, err // headings are all encodable
		}
	}
	cw.w.WriteString("\r\n")
	n := 0
	for row, err := range rows {
		if err != nil {
			return n, fmt.Errorf("reading rows: %w", err)
		}
		if err := row.check(n + 1); err != nil {
			return n, err
		}
		for i, f := range row.fields() {
			if err := cw.field(f, i == 0, i > 1); err != nil {
				var ee *EncodingError
				if errors.As(err, &ee) {
					ee.Row, ee.ID, ee.Column = n+1, row.ID, historyColumns[i]
				}
				return n, err
			}
		}
		if _, err := cw.w.WriteString("\r\n"); err != nil {
			return n, err
		}
		n++
	}
	if err := cw.w.Flush(); err != nil {
		return n, err
	}
	return n, nil
}

// csvWriter writes quoted fields; cp932 is nil for UTF-8.
type csvWriter struct {
	w     *bufio.Writer
	cp932 *CP932Encoder
}

// field writes s as one quoted field, preceded by a comma unless first. text marks a field
// of free text, which is defused against formula injection.
func (c *csvWriter) field(s string, first, text bool) error {
	if text && s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		s = "'" + s
	}
	var b []byte
	if c.cp932 == nil {
		b = []byte(s)
	} else {
		var err error
		if b, err = c.cp932.Encode(s); err != nil {
			return err
		}
	}
	if !first {
		c.w.WriteByte(',')
	}
	c.w.WriteByte('"')
	// In both encodings '"' (0x22) is never part of a multi-byte character.
	for {
		i := bytes.IndexByte(b, '"')
		if i < 0 {
			break
		}
		c.w.Write(b[:i+1])
		c.w.WriteByte('"')
		b = b[i+1:]
	}
	c.w.Write(b)
	return c.w.WriteByte('"')
}
