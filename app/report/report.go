package report

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"

	"github.com/xuri/excelize/v2"

	"github.com/mynumber-shelter/shelter/app/jpdate"
	"github.com/mynumber-shelter/shelter/internal/mynumber"
)

// Options are the settings common to every workbook writer. The zero value writes a plain,
// unprotected workbook.
type Options struct {
	// Password, when not empty, encrypts the workbook (see the package documentation,
	// "Protection"). At most 255 characters.
	Password string
}

var (
	// ErrMyNumber is returned, wrapped with the name of the field, when an input text holds
	// a valid-looking Individual Number. Nothing is written.
	ErrMyNumber = errors.New("report: input holds a valid-looking My Number")
	// ErrMissing is returned, wrapped with the name of the field, when a required input is
	// empty. Nothing is written.
	ErrMissing = errors.New("report: required input is empty")
)

// fieldErr wraps err with the name of a field ("letters[2].Addressee").
func fieldErr(field string, err error) error {
	return fmt.Errorf("%s: %w", field, err)
}

// checkText returns ErrMyNumber, wrapped with field, when s holds a valid-looking Individual
// Number.
func checkText(field, s string) error {
	if mynumber.HoldsIndividual(s) {
		return fieldErr(field, ErrMyNumber)
	}
	return nil
}

// require returns ErrMissing, wrapped with field, when s is empty or only spaces, and
// otherwise what checkText returns.
func require(field, s string) error {
	if strings.TrimSpace(s) == "" {
		return fieldErr(field, ErrMissing)
	}
	return checkText(field, s)
}

// dateJA writes a calendar date as "2025年4月1日（令和7年4月1日）"; the zero Time as "".
func dateJA(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	y, m, d := t.Date()
	return fmt.Sprintf("%d年%d月%d日（%s）", y, m, d, jpdate.Wareki(t))
}

// instantJST writes an instant as "2025-04-01 09:30:15" in JST.
func instantJST(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(jpdate.JST).Format(time.DateTime)
}

// instantJA writes an instant as "令和7年4月1日 09:30" in JST.
func instantJA(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	j := t.In(jpdate.JST)
	return jpdate.Wareki(j) + " " + j.Format("15:04")
}

// Paper sizes and orientations of excelize's PageLayoutOptions.
const (
	paperA4   = 9
	portrait  = "portrait"
	landscape = "landscape"
)

// book is a workbook being built, with the styles every report uses.
type book struct {
	f *excelize.File

	title, heading, label, cell, no, wrap, right, center, small int
}

// defaultFont is the Office font for Japanese text since Office 2016.
const defaultFont = "游ゴシック"

// newBook starts a workbook whose first sheet is named first.
func newBook(first, title string) (*book, error) {
	f := excelize.NewFile()
	b := &book{f: f}
	if err := b.init(first, title); err != nil {
		_ = f.Close()
		return nil, err
	}
	return b, nil
}

func (b *book) init(first, title string) error {
	f := b.f
	if err := f.SetDefaultFont(defaultFont); err != nil {
		return fmt.Errorf("setting font: %w", err)
	}
	if err := f.SetSheetName("Sheet1", first); err != nil {
		return fmt.Errorf("naming sheet: %w", err)
	}
	if err := f.SetDocProps(&excelize.DocProperties{
		Creator:        "MyNumber Shelter",
		LastModifiedBy: "MyNumber Shelter",
		Title:          title,
		Language:       "ja-JP",
	}); err != nil {
		return fmt.Errorf("setting properties: %w", err)
	}
	border := []excelize.Border{
		{Type: "left", Color: "000000", Style: 1}, {Type: "top", Color: "000000", Style: 1},
		{Type: "right", Color: "000000", Style: 1}, {Type: "bottom", Color: "000000", Style: 1},
	}
	top := &excelize.Alignment{Vertical: "top", WrapText: true}
	styles := []struct {
		id *int
		s  excelize.Style
	}{
		{&b.title, excelize.Style{Font: &excelize.Font{Family: defaultFont, Bold: true, Size: 16},
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}}},
		{&b.heading, excelize.Style{Font: &excelize.Font{Family: defaultFont, Bold: true, Size: 12}, Alignment: &excelize.Alignment{Vertical: "center"}}},
		{&b.label, excelize.Style{Font: &excelize.Font{Family: defaultFont, Bold: true}, Border: border, Alignment: top,
			Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E7E6E6"}}}},
		{&b.cell, excelize.Style{Border: border, Alignment: top}},
		{&b.no, excelize.Style{Border: border, Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "top"}}},
		{&b.wrap, excelize.Style{Alignment: top}},
		{&b.right, excelize.Style{Alignment: &excelize.Alignment{Horizontal: "right", Vertical: "top"}}},
		{&b.center, excelize.Style{Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "top", WrapText: true}}},
		{&b.small, excelize.Style{Font: &excelize.Font{Family: defaultFont, Size: 9}, Alignment: top}},
	}
	for _, st := range styles {
		// Every style names the font: a style without one prints Latin letters and digits in
		// the spreadsheet's fallback (often a serif) beside the Japanese.
		if st.s.Font == nil {
			st.s.Font = &excelize.Font{Family: defaultFont}
		}
		id, err := f.NewStyle(&st.s)
		if err != nil {
			return fmt.Errorf("adding style: %w", err)
		}
		*st.id = id
	}
	return nil
}

// pageSetup sets A4 paper in the orientation, fitted to one page wide, narrow margins, and a
// footer "title  page / pages".
func (b *book) pageSetup(sheet, orientation, footer string) error {
	size, one, zero, fit := paperA4, 1, 0, true
	if err := b.f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return fmt.Errorf("page setup of %s: %w", sheet, err)
	}
	if err := b.f.SetPageLayout(sheet, &excelize.PageLayoutOptions{
		Size: &size, Orientation: &orientation, FitToWidth: &one, FitToHeight: &zero,
	}); err != nil {
		return fmt.Errorf("page setup of %s: %w", sheet, err)
	}
	lr, tb, hf := 0.5, 0.6, 0.3
	if err := b.f.SetPageMargins(sheet, &excelize.PageLayoutMarginsOptions{
		Left: &lr, Right: &lr, Top: &tb, Bottom: &tb, Header: &hf, Footer: &hf,
	}); err != nil {
		return fmt.Errorf("page margins of %s: %w", sheet, err)
	}
	if err := b.f.SetHeaderFooter(sheet, &excelize.HeaderFooterOptions{
		OddFooter: "&L" + escapeHF(footer) + "&R&P / &N",
	}); err != nil {
		return fmt.Errorf("footer of %s: %w", sheet, err)
	}
	return nil
}

// pageSetupOnePage is pageSetup for a sheet that must print on exactly one page (a letter):
// fitted to one page wide and high, and a footer without page numbers.
func (b *book) pageSetupOnePage(sheet, orientation, footer string) error {
	if err := b.pageSetup(sheet, orientation, footer); err != nil {
		return err
	}
	one := 1
	if err := b.f.SetPageLayout(sheet, &excelize.PageLayoutOptions{FitToHeight: &one}); err != nil {
		return fmt.Errorf("page setup of %s: %w", sheet, err)
	}
	if err := b.f.SetHeaderFooter(sheet, &excelize.HeaderFooterOptions{OddFooter: "&L" + escapeHF(footer)}); err != nil {
		return fmt.Errorf("footer of %s: %w", sheet, err)
	}
	return nil
}

// escapeHF escapes "&" in header and footer text, where it starts a code.
func escapeHF(s string) string { return strings.ReplaceAll(s, "&", "&&") }

// widths sets column widths from column A on.
func (b *book) widths(sheet string, w ...float64) error {
	for i, x := range w {
		col, _ := excelize.ColumnNumberToName(i + 1)
		if err := b.f.SetColWidth(sheet, col, col, x); err != nil {
			return fmt.Errorf("column width of %s: %w", sheet, err)
		}
	}
	return nil
}

// put writes value into cell with style (0 for none), merged through last when last is not "".
func (b *book) put(sheet, cell, last string, value any, style int) error {
	if err := b.f.SetCellValue(sheet, cell, value); err != nil {
		return fmt.Errorf("writing %s!%s: %w", sheet, cell, err)
	}
	end := cell
	if last != "" {
		end = last
		if err := b.f.MergeCell(sheet, cell, last); err != nil {
			return fmt.Errorf("merging %s!%s:%s: %w", sheet, cell, last, err)
		}
	}
	if style != 0 {
		if err := b.f.SetCellStyle(sheet, cell, end, style); err != nil {
			return fmt.Errorf("styling %s!%s: %w", sheet, cell, err)
		}
	}
	return nil
}

// height sets the height of row in points.
func (b *book) height(sheet string, row int, pt float64) error {
	if err := b.f.SetRowHeight(sheet, row, pt); err != nil {
		return fmt.Errorf("row height of %s: %w", sheet, err)
	}
	return nil
}

// finish writes the workbook to w, encrypted when opts.Password is set, and closes it. The
// writers also defer b.f.Close() for their error paths; closing twice is harmless.
func (b *book) finish(w io.Writer, opts Options) error {
	var eo []excelize.Options
	if opts.Password != "" {
		eo = append(eo, excelize.Options{Password: opts.Password})
	}
	if _, err := b.f.WriteTo(w, eo...); err != nil {
		return fmt.Errorf("writing workbook: %w", err)
	}
	if err := b.f.Close(); err != nil {
		return fmt.Errorf("closing workbook: %w", err)
	}
	return nil
}

// cellName returns the name of the cell at column col (1 = A) and row.
func cellName(col, row int) string {
	s, _ := excelize.CoordinatesToCellName(col, row)
	return s
}

// sheetName makes s a valid, unique sheet name: characters Excel forbids (: \ / ? * [ ])
// become "_", leading and trailing apostrophes go, Excel's reserved name "History" gets a
// "_", at most 31 characters, and " (2)", " (3)" … are added to a name already in use
// (compared case-insensitively, as Excel does).
func sheetName(s string, used map[string]bool) string {
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`:\/?*[]`, r) || unicode.IsControl(r) {
			return '_'
		}
		return r
	}, s)
	s = strings.Trim(s, "' ")
	switch {
	case s == "":
		s = "Sheet"
	case strings.EqualFold(s, "History"):
		s += "_"
	}
	base := truncate(s, 31)
	name := base
	for n := 2; used[strings.ToLower(name)]; n++ {
		suffix := fmt.Sprintf(" (%d)", n)
		name = truncate(base, 31-len(suffix)) + suffix
	}
	used[strings.ToLower(name)] = true
	return name
}

// truncate cuts s to at most n characters (UTF-16 code units, as Excel counts them).
func truncate(s string, n int) string {
	units := 0
	for i, r := range s {
		w := 1
		if r > 0xFFFF {
			w = 2
		}
		if units+w > n {
			return s[:i]
		}
		units += w
	}
	return s
}
