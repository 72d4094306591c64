package collect

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/mynumber-shelter/shelter/app/apperr"
)

// Many letters: one workbook per employee in a zip, each with that employee's letter only; a
// workbook of more than MaxSheets sheets is refused with the way out.
func TestNoticeLettersPerEmployee(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	e1 := f.employee("E001", "山田 太郎", 0)
	e2 := f.employee("E002", "佐藤 花子", 0)
	is, err := f.svc.CreateRequest(ctx, f.handler, f.keys, Request{CompanyID: f.a, Title: "入社時",
		EmployeeIDs: []int64{e1[0], e2[0]}, Purposes: []string{"TAX-WH"},
		Notice: NoticeSettings{InPerson: "本社2階 人事部", Online: true}}, NoticeOptions{PerEmployee: true})
	if err != nil {
		t.Fatal(err)
	}
	if !is.ZIP || !is.HasPasswords || !strings.HasSuffix(is.FileName, ".zip") {
		t.Fatalf("issued %q zip=%t passwords=%t", is.FileName, is.ZIP, is.HasPasswords)
	}
	zr, err := zip.NewReader(bytes.NewReader(is.Workbook), int64(len(is.Workbook)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, zf := range zr.File {
		names = append(names, zf.Name)
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		sheets := cells(t, b)
		if len(sheets) != 1 {
			t.Errorf("%s has %d sheets", zf.Name, len(sheets))
		}
		for _, cs := range sheets {
			all := strings.Join(cs, "\n")
			code := strings.SplitN(zf.Name, "_", 2)[0]
			if !strings.Contains(all, code) || otpOf(t, cs) == "" {
				t.Errorf("%s does not hold its own letter", zf.Name)
			}
		}
	}
	if want := []string{"E001_山田_太郎.xlsx", "E002_佐藤_花子.xlsx"}; !slices.Equal(names, want) {
		t.Errorf("zip holds %v, want %v", names, want)
	}

	// More letters than one workbook should hold.
	var ids []int64
	for i := range MaxSheets + 1 {
		ids = append(ids, f.employee(fmt.Sprintf("M%04d", i), "多数 太郎", 0)[0])
	}
	_, err = f.svc.CreateRequest(ctx, f.handler, f.keys, Request{CompanyID: f.a, Title: "多数", EmployeeIDs: ids, Purposes: []string{"TAX-WH"},
		Notice: NoticeSettings{InPerson: "本社"}}, NoticeOptions{})
	if e, ok := apperr.As(err); !ok || e.Field != "perEmployee" || !strings.Contains(e.JA, "ZIP") {
		t.Fatalf("201 sheets: %v", err)
	}
	// Without the online form the letters carry no password.
	is, err = f.svc.CreateRequest(ctx, f.handler, f.keys, Request{CompanyID: f.a, Title: "紙", EmployeeIDs: ids[:3], Purposes: []string{"TAX-WH"},
		Notice: NoticeSettings{InPerson: "本社"}}, NoticeOptions{})
	if err != nil || is.HasPasswords || is.ZIP {
		t.Fatalf("paper letters: %v passwords=%t", err, is.HasPasswords)
	}
}

// An employee never asked whose number was entered in 1-2 (or imported) is 登録済 on the board,
// not 未依頼.
func TestBoardCountsNumbersEnteredElsewhere(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	typed := f.employee("E001", "山田 太郎", 0)
	f.employee("E002", "佐藤 花子", 0)
	if err := f.roster.SetNumber(ctx, f.handler, f.keys, f.a, typed[0], testNumber(1), false); err != nil {
		t.Fatal(err)
	}
	b, err := f.svc.StatusBoard(ctx, f.manager, BoardFilter{CompanyID: f.a})
	if err != nil {
		t.Fatal(err)
	}
	if b.Counts[Registered] != 1 || b.Counts[Unrequested] != 1 || b.Rows[0].Status != Registered || !b.Rows[0].HasNumber ||
		b.Rows[1].Status != Unrequested || b.Rows[1].HasNumber {
		t.Fatalf("board %+v rows %+v", b.Counts, b.Rows)
	}
}
