package ui

import (
	"bytes"
	"encoding/base64"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// 2-1 reads as a supervisor needs it: the person by code, name and 続柄, the purpose by its
// name, the detail in Japanese (English with the English UI), users by name and login — on
// screen and in the report.
func TestHistoryReadsAsASupervisorNeeds(t *testing.T) {
	u := newUseFixture(t)
	u.login(t, "tanaka")
	if _, err := u.app.Use.Reveal(RevealRequest{PersonID: u.hanako, Purpose: "TAX-WH"}); err != nil {
		t.Fatal(err)
	}
	u.login(t, "suzuki") // the company's 事務取扱責任者
	page, err := u.app.History.Query(HistoryFilter{CompanyID: u.a, Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	var view *HistoryEntry
	for i, e := range page.Entries {
		if e.Action == "view" {
			view = &page.Entries[i]
		}
	}
	if view == nil {
		t.Fatal("no view entry")
	}
	if view.TargetLabel != "扶養親族 山田 一郎（子）／従業員 E001 山田 太郎" || view.PurposeLabel != "給与所得の源泉徴収票・給与支払報告書の作成" ||
		view.DetailText != "個人番号を表示" || view.UserLabel != "tanaka (tanaka)" || view.ResultLabel != "成功" {
		t.Fatalf("view entry reads %q / %q / %q / %q / %q", view.TargetLabel, view.PurposeLabel, view.DetailText, view.UserLabel, view.ResultLabel)
	}
	// Nothing of the people, numbers and collection of this company is left in English or as
	// a table name with a row id.
	english := regexp.MustCompile(`registered|revealed|replaced|collection status|person \d|dependent of`)
	for _, e := range page.Entries {
		if english.MatchString(e.DetailText) || strings.HasPrefix(e.TargetLabel, "person ") {
			t.Errorf("entry %d (%s) reads %q / %q", e.ID, e.Action, e.TargetLabel, e.DetailText)
		}
		if e.Detail == "" != (e.DetailText == "") {
			t.Errorf("entry %d: detail %q shown as %q", e.ID, e.Detail, e.DetailText)
		}
	}

	// The report says the same.
	x, err := u.app.History.Export(HistoryFilter{CompanyID: u.a}, "xlsx")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := base64.StdEncoding.DecodeString(x.Data)
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows(f.GetSheetList()[0])
	var all strings.Builder
	for _, r := range rows {
		all.WriteString(strings.Join(r, "|") + "\n")
	}
	for _, want := range []string{"扶養親族 山田 一郎（子）／従業員 E001 山田 太郎", "給与所得の源泉徴収票・給与支払報告書の作成", "個人番号を表示", "tanaka (tanaka)"} {
		if !strings.Contains(all.String(), want) {
			t.Errorf("the report lacks %q", want)
		}
	}

	// In English.
	if err := u.app.Session.SetLanguage("en"); err != nil {
		t.Fatal(err)
	}
	page, err = u.app.History.Query(HistoryFilter{CompanyID: u.a, Action: "view"})
	if err != nil || len(page.Entries) == 0 {
		t.Fatalf("%v %d", err, len(page.Entries))
	}
	if e := page.Entries[0]; e.TargetLabel != "dependent 山田 一郎 (Child) / employee E001 山田 太郎" || e.DetailText != "My Number shown" ||
		e.PurposeLabel != "Withholding slips and salary payment reports" {
		t.Errorf("in English: %q / %q / %q", e.TargetLabel, e.DetailText, e.PurposeLabel)
	}
}
