package collect

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/jpdate"
	"github.com/mynumber-shelter/shelter/app/report"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/internal/mynumber"
)

// RefusalRow is one entry of the refusal record (提供拒否の記録): who refused, when the number
// was asked for (the request and every reminder), when they refused and why.
type RefusalRow struct {
	RequestID    int64
	RequestTitle string
	EmployeeID   int64
	EmployeeCode string
	Name         string
	Department   string
	RequestedAt  time.Time
	Reminders    []time.Time
	RefusedAt    time.Time
	Reason       string
}

// RefusalRecord lists the company's employees whose latest request is 提供拒否, by employee code.
func (s *Service) RefusalRecord(ctx context.Context, p auth.Principal, companyID int64) ([]RefusalRow, error) {
	var out []RefusalRow
	err := s.DB.View(ctx, func(tx *store.Tx) error {
		if err := requireRole(tx, p, companyID); err != nil {
			return err
		}
		var err error
		out, err = refusalsTx(tx, companyID)
		return err
	})
	return out, err
}

func refusalsTx(tx *store.Tx, companyID int64) ([]RefusalRow, error) {
	rows, err := boardRowsTx(tx, companyID, tx.Now)
	if err != nil {
		return nil, err
	}
	var out []RefusalRow
	for _, r := range rows {
		if r.Status != Refused {
			continue
		}
		out = append(out, RefusalRow{RequestID: r.RequestID, RequestTitle: r.RequestTitle, EmployeeID: r.EmployeeID,
			EmployeeCode: r.Code, Name: r.Name, Department: r.Department, RequestedAt: r.NotifiedAt,
			RefusedAt: r.RefusedAt, Reason: r.RefusedReason})
	}
	st, err := tx.Prepare(`SELECT reminded_at FROM collection_reminders WHERE request_id = ? AND person_id = ? ORDER BY reminded_at, id`)
	if err != nil {
		return nil, fmt.Errorf("reading reminders: %w", err)
	}
	defer st.Close()
	for i := range out {
		rs, err := st.QueryContext(tx.Context(), out[i].RequestID, out[i].EmployeeID)
		if err != nil {
			return nil, fmt.Errorf("reading reminders: %w", err)
		}
		for rs.Next() {
			var at string
			if err := rs.Scan(&at); err != nil {
				rs.Close()
				return nil, fmt.Errorf("reading reminders: %w", err)
			}
			t, _ := store.ParseTime(at)
			out[i].Reminders = append(out[i].Reminders, t)
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ExportRefusalRecord writes the refusal record as CSV in enc ([WriteRefusalCSV]) and records
// the export (持出し, audit.ActionExport) in the same transaction: when the entry cannot be
// written, no file is returned. It returns the file and a suggested name.
func (s *Service) ExportRefusalRecord(ctx context.Context, p auth.Principal, companyID int64, enc report.Encoding) (file []byte, name string, err error) {
	if enc != report.UTF8BOM && enc != report.CP932 {
		return nil, "", apperr.Invalid("encoding", "文字コードは UTF-8 か Shift_JIS (CP932) を選んでください。", "Choose UTF-8 or Shift_JIS (CP932).")
	}
	err = s.DB.Update(ctx, func(tx *store.Tx) error {
		if err := requireRole(tx, p, companyID); err != nil {
			return err
		}
		rows, err := refusalsTx(tx, companyID)
		if err != nil {
			return err
		}
		var code string
		if err := tx.QueryRow(`SELECT code FROM companies WHERE id = ?`, companyID).Scan(&code); err != nil {
			return fmt.Errorf("reading company: %w", err)
		}
		var buf bytes.Buffer
		if err := WriteRefusalCSV(&buf, rows, enc); err != nil {
			var ee *report.EncodingError
			if errors.As(err, &ee) {
				return apperr.Wrap(err, apperr.CodeInvalid, "encoding",
					fmt.Sprintf("%d行目の「%s」に Shift_JIS (CP932) で書けない文字があります。UTF-8 で出力してください。", ee.Row, ee.Column),
					fmt.Sprintf("Row %d, column %s, has a character that Shift_JIS (CP932) cannot hold; export as UTF-8.", ee.Row, ee.Column))
			}
			return err
		}
		file = buf.Bytes()
		name = fmt.Sprintf("提供拒否記録_%s_%s.csv", safeName(code), jpdate.JapanDate(tx.Now).Format("20060102"))
		return s.appendAudit(tx, p, audit.ActionExport, companyID, "refusal_record", companyID,
			fmt.Sprintf("refusal record exported; rows=%d encoding=%s", len(rows), enc))
	})
	if err != nil {
		return nil, "", err
	}
	return file, name, nil
}

var refusalColumns = []string{"依頼番号", "依頼名", "従業員コード", "氏名", "所属", "依頼日", "再通知回数", "再通知日", "提供拒否日", "理由"}

func dateJST(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(jpdate.JST).Format(time.DateOnly)
}

// WriteRefusalCSV writes rows as CSV in enc (report.UTF8BOM or report.CP932): a heading line,
// one line per row, every field quoted, CRLF line ends, dates in JST as YYYY-MM-DD and the
// reminder dates joined with " / ". Free text that a spreadsheet would run as a formula gets a
// leading apostrophe. A character CP932 cannot hold fails with a *report.EncodingError, and a
// text holding a valid-looking My Number with [report.ErrMyNumber]; w may then hold part of a
// file.
func WriteRefusalCSV(w io.Writer, rows []RefusalRow, enc report.Encoding) error {
	bw := bufio.NewWriter(w)
	var encode func(string) (string, error)
	switch enc {
	case report.UTF8BOM:
		bw.WriteString("\uFEFF")
		encode = func(s string) (string, error) { return s, nil }
	case report.CP932:
		var e report.CP932Encoder
		encode = func(s string) (string, error) {
			b, err := e.Encode(s)
			return string(b), err
		}
	default:
		return fmt.Errorf("%w %q", report.ErrEncoding, enc)
	}
	line := func(n int, fields []string) error {
		for i, f := range fields {
			if mynumber.HoldsIndividual(f) {
				return fmt.Errorf("refusal record row %d: %w", n, report.ErrMyNumber)
			}
			if f != "" && strings.ContainsRune("=+-@\t\r", rune(f[0])) {
				f = "'" + f
			}
			b, err := encode(f)
			if err != nil {
				var ee *report.EncodingError
				if errors.As(err, &ee) {
					ee.Row, ee.ID, ee.Column = n, 0, refusalColumns[i]
				}
				return err
			}
			if i > 0 {
				bw.WriteByte(',')
			}
			bw.WriteString(`"` + strings.ReplaceAll(b, `"`, `""`) + `"`)
		}
		_, err := bw.WriteString("\r\n")
		return err
	}
	if err := line(0, refusalColumns); err != nil {
		return err
	}
	for i, r := range rows {
		var reminders []string
		for _, t := range r.Reminders {
			reminders = append(reminders, dateJST(t))
		}
		if err := line(i+1, []string{fmt.Sprint(r.RequestID), r.RequestTitle, r.EmployeeCode, r.Name, r.Department,
			dateJST(r.RequestedAt), fmt.Sprint(len(r.Reminders)), strings.Join(reminders, " / "), dateJST(r.RefusedAt),
			r.Reason}); err != nil {
			return err
		}
	}
	return bw.Flush()
}
