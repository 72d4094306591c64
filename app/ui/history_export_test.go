package ui

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestHistoryExport(t *testing.T) {
	f := setup(t)
	a := f.app
	if _, err := a.Users.Create(UserInput{Login: "tanaka", DisplayName: "田中"}); err != nil {
		t.Fatal(err)
	}
	text := reportText(t, a)
	for _, want := range []string{"テスト社労士事務所", "admin", "tanaka", "ユーザー"} {
		if !strings.Contains(text, want) {
			t.Errorf("workbook lacks %q", want)
		}
	}
	c, err := a.History.Export(HistoryFilter{Action: "user_create"}, "csv")
	if err != nil {
		t.Fatal(err)
	}
	csv, _ := base64.StdEncoding.DecodeString(c.Data)
	if !bytes.HasPrefix(csv, []byte("\xef\xbb\xbf")) || c.Rows != 1 || !strings.Contains(string(csv), "tanaka") {
		t.Fatalf("csv: %d rows %q", c.Rows, csv)
	}
	if _, err := a.History.Export(HistoryFilter{}, "pdf"); field(err) != "format" {
		t.Fatalf("unknown format: %v", err)
	}
	// A name CP932 cannot hold stops a Shift_JIS export with what, where and how to fix it (it
	// was an "internal error" before: the report's typed error had no way to the user).
	if _, err := a.Users.Create(UserInput{Login: "yoshida", DisplayName: "𠮷田"}); err != nil {
		t.Fatal(err)
	}
	_, err = a.History.Export(HistoryFilter{}, "csv-cp932")
	if ue := toError(err); ue == nil || ue.Code != "unencodable" || ue.Field != "encoding" ||
		!strings.Contains(ue.JA, "行目") || !strings.Contains(ue.JA, "「𠮷」") || !strings.Contains(ue.JA, "UTF-8") ||
		!strings.Contains(ue.EN, "UTF-8") {
		t.Fatalf("CP932 export of 𠮷: %v", err)
	}
	// The exports themselves are in the history.
	page, _ := a.History.Query(HistoryFilter{Action: "export", Limit: 10})
	if len(page.Entries) != 2 {
		t.Fatalf("export entries: %d", len(page.Entries))
	}
}

// reportText is the text of every cell of the 2-1 report (xlsx) of the whole history.
func reportText(t *testing.T, a *App) string {
	t.Helper()
	x, err := a.History.Export(HistoryFilter{}, "xlsx")
	if err != nil {
		t.Fatal(err)
	}
	if x.Rows < 1 || !strings.HasSuffix(x.FileName, ".xlsx") {
		t.Errorf("export: %d rows, %s", x.Rows, x.FileName)
	}
	raw, _ := base64.StdEncoding.DecodeString(x.Data)
	book, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var cells strings.Builder
	for _, sheet := range book.GetSheetList() {
		rows, _ := book.GetRows(sheet)
		for _, r := range rows {
			cells.WriteString(strings.Join(r, "|") + "\n")
		}
	}
	return cells.String()
}
