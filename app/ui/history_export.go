package ui

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"iter"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/history"
	"github.com/mynumber-shelter/shelter/app/report"
	"github.com/mynumber-shelter/shelter/app/roster"
	"github.com/mynumber-shelter/shelter/app/store"
)

// HistoryExport is a 2-1 取扱い履歴レポート file for the frontend to save.
type HistoryExport struct {
	FileName    string `json:"fileName"`
	ContentType string `json:"contentType"`
	Data        string `json:"data"` // base64
	Rows        int    `json:"rows"`
}

// Export writes the history selected by f (paging fields ignored: every matching entry, newest
// first) as format "xlsx" (the report workbook, with the chain's verification state), "csv"
// (UTF-8 with BOM) or "csv-cp932". The export itself is recorded in the history.
func (s *HistoryService) Export(f HistoryFilter, format string) (HistoryExport, error) {
	a := s.a
	var out HistoryExport
	sess, err := a.ready()
	if err != nil {
		return out, err
	}
	af, err := historyFilter(f)
	if err != nil {
		return out, err
	}
	af.BeforeID, af.Limit = 0, audit.MaxLimit
	switch format {
	case "xlsx", "csv", "csv-cp932":
	default:
		return out, &Error{Code: apperr.CodeInvalid, Field: "format", JA: "出力形式を選んでください（Excel / CSV）。", EN: "Choose an output format (Excel or CSV)."}
	}
	ctx := context.Background()
	var office roster.Office
	var company string
	var names map[int64]string
	err = a.DB.View(ctx, func(tx *store.Tx) error {
		if !sess.IsAdmin {
			if f.CompanyID == 0 {
				return apperr.Invalid("companyId", "企業を選んでください。", "Choose a company.")
			}
			if err := auth.RequireCompanyRole(tx, sess.Principal, f.CompanyID, auth.Manager); err != nil {
				return err
			}
		}
		var err error
		if office, _, err = roster.OfficeTx(tx); err != nil {
			return err
		}
		names, err = companyNames(tx)
		company = names[f.CompanyID]
		return err
	})
	if err != nil {
		return out, a.fail("exporting history", err)
	}
	vr, err := audit.Verify(ctx, a.DB, a.Audit.CurrentKey())
	if err != nil {
		return out, a.fail("verifying history", err)
	}
	// rows pages through the filter in read transactions of MaxLimit entries each, so memory
	// stays bounded however long the history is.
	rows := func(yield func(report.HistoryRow, error) bool) {
		page := af
		for {
			var entries []audit.Entry
			var described []report.HistoryRow
			err := a.DB.View(ctx, func(tx *store.Tx) error {
				var err error
				if entries, err = audit.Query(tx, page); err != nil {
					return err
				}
				// The report is a Japanese document (its headings are Japanese).
				hr := history.NewReader(tx, "ja")
				described = make([]report.HistoryRow, len(entries))
				for i, e := range entries {
					row, err := hr.Describe(e)
					if err != nil {
						return err
					}
					described[i] = report.HistoryRow{ID: e.ID, At: e.Time, User: row.User, Workstation: e.Workstation,
						Action: row.Action, Company: row.Company, Target: row.Target, Purpose: row.Purpose,
						Result: row.Result, Detail: row.Detail}
				}
				return nil
			})
			if err != nil {
				yield(report.HistoryRow{}, err)
				return
			}
			for _, r := range described {
				if !yield(r, nil) {
					return
				}
			}
			if len(entries) < page.Limit {
				return
			}
			page.BeforeID = entries[len(entries)-1].ID
		}
	}
	var seq iter.Seq2[report.HistoryRow, error] = rows
	var buf bytes.Buffer
	stamp := a.now().In(jst).Format("20060102-150405")
	switch format {
	case "xlsx":
		hdr := report.HistoryHeader{Office: office.Name, Company: company, GeneratedAt: a.now(), GeneratedBy: sess.DisplayName,
			Chain: report.ChainState{Verified: true, OK: vr.OK, Entries: vr.Entries, FirstBroken: vr.FirstBroken, Detail: vr.Kind.Label("ja")}}
		hdr.From, hdr.To = af.From, af.To
		if !hdr.To.IsZero() {
			hdr.To = hdr.To.AddDate(0, 0, -1) // the report shows the last day included
		}
		out.Rows, err = report.WriteHistoryReport(&buf, hdr, seq, report.Options{})
		out.FileName, out.ContentType = "取扱い履歴レポート-"+stamp+".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	default:
		enc := report.UTF8BOM
		if format == "csv-cp932" {
			enc = report.CP932
		}
		out.Rows, err = report.WriteHistoryCSV(&buf, seq, enc)
		out.FileName, out.ContentType = "取扱い履歴-"+stamp+".csv", "text/csv"
	}
	if err != nil {
		return HistoryExport{}, a.fail("writing history report", err)
	}
	err = a.DB.Update(ctx, func(tx *store.Tx) error {
		e := sess.Entry(audit.ActionExport, audit.ResultOK)
		e.CompanyID, e.TargetType = f.CompanyID, "history"
		e.Detail = fmt.Sprintf("history report %s, %d rows", format, out.Rows)
		_, err := a.Audit.Append(tx, e)
		return err
	})
	if err != nil {
		return HistoryExport{}, a.fail("recording export", err)
	}
	out.Data = base64.StdEncoding.EncodeToString(buf.Bytes())
	return out, nil
}

// historyFilter turns the screen's filter into an audit.Filter (dates are JST calendar days,
// both included).
func historyFilter(f HistoryFilter) (audit.Filter, error) {
	from, err := parseDay("from", f.From)
	if err != nil {
		return audit.Filter{}, err
	}
	to, err := parseDay("to", f.To)
	if err != nil {
		return audit.Filter{}, err
	}
	if !to.IsZero() {
		to = to.AddDate(0, 0, 1)
	}
	af := audit.Filter{CompanyID: f.CompanyID, UserID: f.UserID, From: from, To: to, BeforeID: f.BeforeID, Limit: f.Limit}
	if f.Action != "" {
		if !audit.Action(f.Action).Valid() {
			return af, &Error{Code: apperr.CodeInvalid, Field: "action", JA: "操作の種類が正しくありません。", EN: "Unknown action."}
		}
		af.Actions = []audit.Action{audit.Action(f.Action)}
	}
	return af, nil
}
