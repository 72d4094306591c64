package history

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"sort"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/jpdate"
	"github.com/mynumber-shelter/shelter/app/report"
	"github.com/mynumber-shelter/shelter/app/roster"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
)

// Formats of [Export].
const (
	FormatXLSX     = "xlsx"      // the report workbook, with the summary a 責任者 signs
	FormatCSV      = "csv"       // UTF-8 with BOM
	FormatCSVCP932 = "csv-cp932" // Shift_JIS
)

// Exporter writes the 2-1 report (取扱い履歴レポート) for the app and for shelterctl alike.
type Exporter struct {
	DB    *store.DB
	Audit *audit.Log
	// Keys (the session's) and Anchors: the report states the history's check as 2-1 makes
	// it, with the relay's anchors of the vault's chain (Anchors nil: the chain alone).
	Keys    *vault.Keys
	Anchors AnchorSource
	Log     *slog.Logger
}

// Export is a finished report.
type Export struct {
	FileName, ContentType string
	Data                  []byte
	Rows                  int
}

// Export writes every entry f selects (paging ignored; newest first) in format, with the chain
// verified and the entries described as a supervisor reads them, and records the export in the
// history. Administrators may export everything; a company's 事務取扱責任者 that company's.
func (x *Exporter) Export(ctx context.Context, sess *auth.Session, f audit.Filter, format string) (Export, error) {
	var out Export
	f.BeforeID, f.Limit = 0, audit.MaxLimit
	switch format {
	case FormatXLSX, FormatCSV, FormatCSVCP932:
	default:
		return out, apperr.Invalid("format", "出力形式を選んでください（Excel / CSV）。", "Choose an output format (Excel or CSV).")
	}
	var hdr report.HistoryHeader
	err := x.DB.View(ctx, func(tx *store.Tx) error {
		if err := mayRead(tx, sess.Principal, f); err != nil {
			return err
		}
		office, _, err := roster.OfficeTx(tx)
		if err != nil {
			return err
		}
		hdr.Office = office.Name
		r := NewReader(tx, "ja")
		if f.CompanyID != 0 {
			if hdr.Company, err = r.company(f.CompanyID); err != nil {
				return err
			}
		}
		byAction, byUser, err := audit.Tally(tx, f)
		if err != nil {
			return err
		}
		for _, a := range audit.Actions() {
			if n := byAction[a]; n > 0 {
				hdr.ByAction = append(hdr.ByAction, report.Tally{Label: a.Label("ja"), N: n})
			}
		}
		for id, n := range byUser {
			name, err := r.user(id, "")
			if err != nil {
				return err
			}
			if id == 0 {
				name = "（利用者なし：不明なログインID）"
			}
			hdr.ByUser = append(hdr.ByUser, report.Tally{Label: name, N: n})
		}
		sort.Slice(hdr.ByUser, func(i, j int) bool { return hdr.ByUser[i].Label < hdr.ByUser[j].Label })
		return nil
	})
	if err != nil {
		return out, err
	}
	log := x.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	vr, err := check(ctx, x.DB, x.Audit.CurrentKey(), x.Keys, x.Anchors, log)
	if err != nil {
		return out, err
	}
	now := x.DB.Now()
	hdr.GeneratedAt, hdr.GeneratedBy = now, sess.DisplayName
	hdr.Chain = report.ChainState{Verified: true, OK: vr.OK, Entries: vr.Entries, FirstBroken: vr.FirstBroken, Detail: vr.JA}
	if vr.OK {
		switch a := vr.Anchors; {
		case vr.Unanchored:
			hdr.Chain.Detail = vr.JA // the chain alone, and that the relay's records could not be read
		case vr.Anchored && a.Checked > 0:
			hdr.Chain.Detail = fmt.Sprintf("改ざんは検出されませんでした（中継サーバーの記録 %d 件とも一致。最後の記録は履歴番号 %d、%s）",
				a.Checked-a.Diverged, a.LastID, a.LastAt.In(jpdate.JST).Format("2006-01-02 15:04"))
			if a.Diverged > 0 {
				hdr.Chain.Detail += fmt.Sprintf("。履歴番号 %d の復元より前の履歴の記録 %d 件は、復元した時点以降とは一致しません", a.RestoredAt, a.Diverged)
			}
			if vr.SealJA != "" {
				hdr.Chain.Detail += "。" + vr.SealJA
			}
		case vr.SealJA != "":
			hdr.Chain.Detail = vr.JA // no tampering, and where the seals vouch
		default:
			hdr.Chain.Detail = ""
		}
	}
	hdr.From, hdr.To = f.From, f.To
	if !hdr.To.IsZero() {
		hdr.To = hdr.To.AddDate(0, 0, -1) // the report shows the last day included
	}
	// The rows are read in read transactions of MaxLimit entries each, so memory stays bounded
	// however long the history is.
	rows := func(yield func(report.HistoryRow, error) bool) {
		page := f
		for {
			var described []report.HistoryRow
			var n int
			err := x.DB.View(ctx, func(tx *store.Tx) error {
				entries, err := audit.Query(tx, page)
				if err != nil {
					return err
				}
				n = len(entries)
				hr := NewReader(tx, "ja") // the report is a Japanese document
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
				if n > 0 {
					page.BeforeID = entries[n-1].ID
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
			if n < page.Limit {
				return
			}
		}
	}
	var buf bytes.Buffer
	stamp := now.In(jpdate.JST).Format("20060102-150405")
	switch format {
	case FormatXLSX:
		out.Rows, err = report.WriteHistoryReport(&buf, hdr, rows, report.Options{})
		out.FileName, out.ContentType = "取扱い履歴レポート-"+stamp+".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	default:
		enc, ct := report.UTF8BOM, "text/csv; charset=utf-8"
		if format == FormatCSVCP932 {
			enc, ct = report.CP932, "text/csv; charset=Shift_JIS"
		}
		out.Rows, err = report.WriteHistoryCSV(&buf, rows, enc)
		out.FileName, out.ContentType = "取扱い履歴-"+stamp+".csv", ct
	}
	if err != nil {
		return Export{}, err
	}
	err = x.DB.Update(ctx, func(tx *store.Tx) error {
		e := sess.Entry(audit.ActionExport, audit.ResultOK)
		e.CompanyID, e.TargetType = f.CompanyID, "history"
		e.Detail = fmt.Sprintf("history report %s, %d rows", format, out.Rows)
		_, err := x.Audit.Append(tx, e)
		return err
	})
	if err != nil {
		return Export{}, err
	}
	out.Data = buf.Bytes()
	return out, nil
}
