package ui

import (
	"context"
	"encoding/base64"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/history"
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
	sess, err := a.ready()
	if err != nil {
		return HistoryExport{}, err
	}
	af, err := historyFilter(f)
	if err != nil {
		return HistoryExport{}, err
	}
	x, err := (&history.Exporter{DB: a.DB, Audit: a.Audit, Keys: sess.Keys(), Anchors: history.RelayAnchors(a.relay, a.log), Log: a.log}).
		Export(context.Background(), sess, af, format)
	if err != nil {
		return HistoryExport{}, a.fail("exporting history", err)
	}
	out := HistoryExport{FileName: x.FileName, ContentType: x.ContentType, Rows: x.Rows, Data: base64.StdEncoding.EncodeToString(x.Data)}
	clear(x.Data)
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
