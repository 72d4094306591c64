package report

import (
	"errors"
	"fmt"
	"io"
	"iter"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/mynumber-shelter/shelter/app/jpdate"
)

// HistoryHeader is the header block of a history report (2-1 取扱い履歴レポート).
type HistoryHeader struct {
	// Office is the operating office (運営事業所). Required.
	Office string
	// Company is the client company the report covers; empty for all companies.
	Company string
	// From and To bound the period covered, as calendar dates, both included; a zero bound
	// is open.
	From, To time.Time
	// Conditions describes any other filter, e.g. "操作：照会・出力". Optional.
	Conditions string
	// GeneratedAt is when the report was made (an instant, shown in JST). Required.
	GeneratedAt time.Time
	// GeneratedBy is the user who made it. Optional.
	GeneratedBy string
	// Chain is the state of the audit chain when the report was made.
	Chain ChainState
	// ByAction and ByUser count the entries of the report, for its summary sheet (集計・確認)
	// with the 責任者's signature box. Optional: without them there is no summary sheet.
	ByAction, ByUser []Tally
}

// Tally is one line of a report's summary: a label (an action, a user) and a count.
type Tally struct {
	Label string
	N     int64
}

// ChainState is the result of verifying the audit chain, as app/audit's Verify reports it.
type ChainState struct {
	// Verified is true when the chain was verified for this report.
	Verified bool
	// OK is true when no entry was found broken.
	OK bool
	// Entries is the number of entries verified.
	Entries int64
	// FirstBroken is the id of the first entry that does not check out (when not OK).
	FirstBroken int64
	// Detail explains the result in Japanese, e.g. audit.Break.Label("ja"). Optional.
	Detail string
}

// japanese describes the state for the report.
func (c ChainState) japanese() string {
	switch {
	case !c.Verified:
		return "未検証"
	case c.OK:
		s := fmt.Sprintf("検証済み（全%s件）：", comma(c.Entries))
		if c.Detail == "" {
			return s + "改ざんは検出されませんでした"
		}
		return s + c.Detail
	}
	s := fmt.Sprintf("改ざんを検出（履歴番号 %d 以降を確認してください）", c.FirstBroken)
	if c.Detail != "" {
		s += "：" + c.Detail
	}
	return s
}

// HistoryRow is one entry of the handling history, as text for the report. No field may
// hold a My Number (app/audit refuses such entries).
type HistoryRow struct {
	// ID is the entry's number in the audit chain.
	ID int64
	// At is when it happened (an instant, shown in JST).
	At time.Time
	// User is the acting user (login name or name); Workstation the terminal (端末).
	User, Workstation string
	// Action is the operation as shown to people, e.g. "照会" (audit.Action.Label("ja")).
	Action string
	// Company is the client company concerned; empty for office-wide actions.
	Company string
	// Target is the record acted on, e.g. "従業員 E0001 山田 太郎".
	Target string
	// Purpose is the 利用目的 chosen, e.g. "TAX-WH 源泉徴収票作成".
	Purpose string
	// Result is the outcome, e.g. "成功".
	Result string
	// Detail is a short description.
	Detail string
}

// historyColumns are the headings of the history table, in order; [HistoryRow.fields]
// follows it.
var historyColumns = []string{"履歴番号", "日時", "利用者", "端末", "操作", "企業", "対象", "目的", "結果", "詳細"}

// fields returns the row's texts in the order of historyColumns (ID and time as text).
func (r HistoryRow) fields() [10]string {
	return [10]string{strconv.FormatInt(r.ID, 10), instantJST(r.At), r.User, r.Workstation, r.Action,
		r.Company, r.Target, r.Purpose, r.Result, r.Detail}
}

// check returns ErrMyNumber naming the first column of r that holds a number.
func (r *HistoryRow) check(n int) error {
	for i, s := range []string{r.User, r.Workstation, r.Action, r.Company, r.Target, r.Purpose, r.Result, r.Detail} {
		if err := checkText(fmt.Sprintf("row %d (id %d) %s", n, r.ID, historyColumns[i+2]), s); err != nil {
			return err
		}
	}
	return nil
}

// ErrTooManyRows is returned by [WriteHistoryReport] when the rows do not fit on one sheet
// (Excel's limit is 1,048,576 rows); report a shorter period.
var ErrTooManyRows = errors.New("report: too many history rows for one sheet")

const (
	historyTitle     = "取扱い履歴レポート"
	historySheet     = "取扱い履歴"
	historyHeaderRow = 9 // the table's heading row
	excelMaxRows     = 1_048_576
	// MaxHistoryRows is the most rows one history report can hold.
	MaxHistoryRows = excelMaxRows - historyHeaderRow - 2
)

var historyWidths = []float64{9, 19, 14, 14, 12, 20, 24, 22, 8, 40}

// WriteHistoryReport writes the handling-history report (取扱い履歴レポート) to w: one A4
// landscape sheet with the header block of h and then one row per entry of rows, in the
// order given, and a closing line with the count. It returns the number of rows written.
//
// Rows go through excelize's StreamWriter and are not kept in memory; the workbook is
// written to w only once every row has been read, so on any error w receives nothing. rows
// yields each row with an error; a non-nil error stops the report and is returned. A row
// holding a valid-looking My Number stops it with [ErrMyNumber] naming the row and column
// (app/audit never stores one, so this means the log was altered); more than
// [MaxHistoryRows] rows stop it with [ErrTooManyRows].
func WriteHistoryReport(w io.Writer, h HistoryHeader, rows iter.Seq2[HistoryRow, error], opts Options) (int, error) {
	n, err := writeHistoryLimit(w, h, rows, opts, MaxHistoryRows)
	if err != nil {
		return 0, fmt.Errorf("history report: %w", err)
	}
	return n, nil
}

// writeHistoryLimit is WriteHistoryReport with the row limit as a parameter, for tests.
func writeHistoryLimit(w io.Writer, h HistoryHeader, rows iter.Seq2[HistoryRow, error], opts Options, limit int) (int, error) {
	if err := h.check(); err != nil {
		return 0, err
	}
	b, err := newBook(historySheet, historyTitle)
	if err != nil {
		return 0, err
	}
	defer b.f.Close()
	// Sheet properties and page setup must be in place before the stream starts.
	if err := b.pageSetup(historySheet, landscape, historyTitle); err != nil {
		return 0, err
	}
	if err := b.f.SetDefinedName(&excelize.DefinedName{
		Name:     "_xlnm.Print_Titles",
		RefersTo: fmt.Sprintf("'%s'!$%d:$%d", historySheet, historyHeaderRow, historyHeaderRow),
		Scope:    historySheet,
	}); err != nil {
		return 0, fmt.Errorf("setting print titles: %w", err)
	}
	sw, err := b.f.NewStreamWriter(historySheet)
	if err != nil {
		return 0, fmt.Errorf("starting stream: %w", err)
	}
	for i, wd := range historyWidths {
		if err := sw.SetColWidth(i+1, i+1, wd); err != nil {
			return 0, fmt.Errorf("column width: %w", err)
		}
	}
	if err := sw.SetPanes(&excelize.Panes{
		Freeze: true, YSplit: historyHeaderRow, TopLeftCell: cellName(1, historyHeaderRow+1), ActivePane: "bottomLeft",
	}); err != nil {
		return 0, fmt.Errorf("freezing panes: %w", err)
	}
	if err := b.historyHeader(sw, h); err != nil {
		return 0, err
	}

	cells := make([]any, len(historyColumns))
	n := 0
	for row, err := range rows {
		if err != nil {
			return 0, fmt.Errorf("reading rows: %w", err)
		}
		if n == limit {
			return 0, fmt.Errorf("%w: more than %d", ErrTooManyRows, limit)
		}
		n++
		if err := row.check(n); err != nil {
			return 0, err
		}
		f := row.fields()
		cells[0] = excelize.Cell{StyleID: b.no, Value: row.ID}
		for i := 1; i < len(f); i++ {
			cells[i] = excelize.Cell{StyleID: b.cell, Value: f[i]}
		}
		// A long or multi-line 詳細 gets a row tall enough to show it, so that printing never
		// cuts it off.
		var opts []excelize.RowOpts
		if h := rowFit(historyWidths, f[:]...); h > 0 {
			opts = append(opts, excelize.RowOpts{Height: h})
		}
		if err := sw.SetRow(cellName(1, historyHeaderRow+n), cells, opts...); err != nil {
			return 0, fmt.Errorf("writing row %d: %w", n, err)
		}
	}
	end := historyHeaderRow + n + 2
	if err := sw.SetRow(cellName(1, end), []any{fmt.Sprintf("以上 %s 件", comma(int64(n)))}); err != nil {
		return 0, fmt.Errorf("writing total: %w", err)
	}
	if err := sw.Flush(); err != nil {
		return 0, fmt.Errorf("ending stream: %w", err)
	}
	if len(h.ByAction) > 0 || len(h.ByUser) > 0 {
		if err := b.historySummary(h, n); err != nil {
			return 0, err
		}
	}
	if err := b.finish(w, opts); err != nil {
		return 0, err
	}
	return n, nil
}

const historySummarySheet = "集計・確認"

// historySummary writes the summary sheet a 事務取扱責任者 signs: the period, the company, the
// chain's state, the counts by action and by user, and the box for the check.
func (b *book) historySummary(h HistoryHeader, total int) error {
	s := historySummarySheet
	if _, err := b.f.NewSheet(s); err != nil {
		return fmt.Errorf("adding summary sheet: %w", err)
	}
	if err := b.pageSetupOnePage(s, landscape, historyTitle+"（"+historySummarySheet+"）"); err != nil {
		return err
	}
	if err := b.widths(s, 22, 14, 6, 22, 14); err != nil {
		return err
	}
	company := h.Company
	if company == "" {
		company = "全企業"
	}
	period := "指定なし"
	if !h.From.IsZero() || !h.To.IsZero() {
		period = periodJA(h.From) + " ～ " + periodJA(h.To)
	}
	r := 1
	row := func() string { return strconv.Itoa(r) }
	if err := b.put(s, "A1", "E1", historyTitle+"　集計・確認", b.title); err != nil {
		return err
	}
	if err := b.height(s, 1, 28); err != nil {
		return err
	}
	r = 3
	for _, kv := range [][2]string{{"運営事業所", h.Office}, {"対象企業", company}, {"対象期間", period},
		{"作成日時", instantJA(h.GeneratedAt)}, {"改ざん検証", h.Chain.japanese()}, {"件数", comma(int64(total)) + " 件"}} {
		if err := b.put(s, "A"+row(), "", kv[0], b.label); err != nil {
			return err
		}
		if err := b.put(s, "B"+row(), "E"+row(), kv[1], b.cell); err != nil {
			return err
		}
		if ht := rowHeight(kv[1], 56); ht > 0 {
			if err := b.height(s, r, ht); err != nil {
				return err
			}
		}
		r++
	}
	r++
	top := r
	for col, part := range []struct {
		title string
		rows  []Tally
	}{{"操作", h.ByAction}, {"利用者", h.ByUser}} {
		c1, _ := excelize.ColumnNumberToName(1 + col*3)
		c2, _ := excelize.ColumnNumberToName(2 + col*3)
		r = top
		if err := b.put(s, c1+row(), "", part.title, b.label); err != nil {
			return err
		}
		if err := b.put(s, c2+row(), "", "件数", b.label); err != nil {
			return err
		}
		r++
		for _, t := range part.rows {
			if err := checkText("summary", t.Label); err != nil {
				return err
			}
			if err := b.put(s, c1+row(), "", t.Label, b.cell); err != nil {
				return err
			}
			if err := b.put(s, c2+row(), "", t.N, b.cell); err != nil {
				return err
			}
			r++
		}
	}
	r = top + 2 + max(len(h.ByAction), len(h.ByUser))
	if err := b.put(s, "A"+row(), "E"+row(), "事務取扱責任者　確認欄", b.heading); err != nil {
		return err
	}
	r++
	for _, label := range []string{"確認日", "氏名", "署名・印"} {
		if err := b.put(s, "A"+row(), "", label, b.label); err != nil {
			return err
		}
		if err := b.put(s, "B"+row(), "E"+row(), "", b.cell); err != nil {
			return err
		}
		if err := b.height(s, r, 30); err != nil {
			return err
		}
		r++
	}
	return nil
}

// check validates h; its errors name the field.
func (h HistoryHeader) check() error {
	if err := require("Office", h.Office); err != nil {
		return err
	}
	if h.GeneratedAt.IsZero() {
		return fieldErr("GeneratedAt", ErrMissing)
	}
	for _, f := range []struct{ name, text string }{
		{"Company", h.Company}, {"Conditions", h.Conditions}, {"GeneratedBy", h.GeneratedBy},
		{"Chain.Detail", h.Chain.Detail},
	} {
		if err := checkText(f.name, f.text); err != nil {
			return err
		}
	}
	return nil
}

// historyHeader writes rows 1 to historyHeaderRow: title, the header block and the table's
// headings.
func (b *book) historyHeader(sw *excelize.StreamWriter, h HistoryHeader) error {
	company := h.Company
	if company == "" {
		company = "全企業"
	}
	period := "指定なし"
	if !h.From.IsZero() || !h.To.IsZero() {
		period = periodJA(h.From) + " ～ " + periodJA(h.To)
	}
	made := instantJST(h.GeneratedAt) + "（" + instantJA(h.GeneratedAt) + "）"
	if h.GeneratedBy != "" {
		made += "　作成者：" + h.GeneratedBy
	}
	conditions := h.Conditions
	if conditions == "" {
		conditions = "なし"
	}
	block := [][2]string{
		{"運営事業所", h.Office},
		{"対象企業", company},
		{"対象期間", period},
		{"その他の条件", conditions},
		{"作成日時", made},
		{"改ざん検証", h.Chain.japanese()},
	}
	if err := sw.SetRow("A1", []any{excelize.Cell{StyleID: b.title, Value: historyTitle}}, excelize.RowOpts{Height: 28}); err != nil {
		return fmt.Errorf("writing title: %w", err)
	}
	if err := sw.MergeCell("A1", cellName(len(historyColumns), 1)); err != nil {
		return fmt.Errorf("merging title: %w", err)
	}
	for i, kv := range block {
		r := i + 2
		if err := sw.SetRow(cellName(1, r), []any{
			excelize.Cell{StyleID: b.label, Value: kv[0]}, excelize.Cell{StyleID: b.label},
			excelize.Cell{StyleID: b.cell, Value: kv[1]},
		}); err != nil {
			return fmt.Errorf("writing header: %w", err)
		}
		if err := sw.MergeCell(cellName(1, r), cellName(2, r)); err != nil {
			return fmt.Errorf("merging header: %w", err)
		}
		if err := sw.MergeCell(cellName(3, r), cellName(len(historyColumns), r)); err != nil {
			return fmt.Errorf("merging header: %w", err)
		}
	}
	head := make([]any, len(historyColumns))
	for i, c := range historyColumns {
		head[i] = excelize.Cell{StyleID: b.label, Value: c}
	}
	if err := sw.SetRow(cellName(1, historyHeaderRow), head); err != nil {
		return fmt.Errorf("writing headings: %w", err)
	}
	return nil
}

// periodJA writes a period bound as "2025年4月1日（令和7年4月1日）", or "" for an open bound.
func periodJA(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return dateJA(jpdate.DateOf(t))
}

// comma writes n with thousands separators: 1234567 → "1,234,567".
func comma(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	out := make([]byte, 0, len(s)+len(s)/3+1)
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}
