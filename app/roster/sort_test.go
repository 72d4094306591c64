package roster

import (
	"context"
	"strings"
	"testing"

	"github.com/mynumber-shelter/shelter/app/apperr"
)

// TestEmployeeSort orders one company's list by each column both ways: names by their reading
// whatever kana it was typed in (a name without a reading by the name), codes numerically,
// dates as dates with an empty date last either way.
func TestEmployeeSort(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, e := range []Employee{
		{Code: "1", Name: "渡辺 一郎", NameKana: "ワタナベ イチロウ", BirthDate: "1980-05-01", HiredOn: "2020-04-01"},
		{Code: "2", Name: "阿部 花子", NameKana: "あべ はなこ", BirthDate: "1990-01-15", HiredOn: "2019-04-01"},
		{Code: "3", Name: "佐藤 次郎", HiredOn: "2021-04-01"},
		{Code: "10", Name: "加藤 三郎", NameKana: "ｶﾄｳ ｻﾌﾞﾛｳ", BirthDate: "1975-12-31", HiredOn: "2018-04-01"},
	} {
		e.CompanyID = f.a
		if _, err := f.svc.SaveEmployee(ctx, f.handler, f.keys, e); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		sort Sort
		want string
	}{
		{Sort{}, "1,2,3,10"},
		{Sort{Key: "code", Desc: true}, "10,3,2,1"},
		{Sort{Key: "name"}, "2,10,1,3"}, // あべ, かとう, わたなべ, then 佐藤 without a reading
		{Sort{Key: "name", Desc: true}, "3,1,10,2"},
		{Sort{Key: "birthDate"}, "10,1,2,3"},
		{Sort{Key: "birthDate", Desc: true}, "2,1,10,3"},
		{Sort{Key: "hiredOn", Desc: true}, "3,1,2,10"},
	} {
		page, err := f.svc.Employees(ctx, f.handler, f.keys, EmployeeQuery{CompanyID: f.a, Sort: c.sort})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, x := range page.Employees {
			got = append(got, x.Code)
		}
		if strings.Join(got, ",") != c.want {
			t.Errorf("sort %+v: got %v, want %s", c.sort, got, c.want)
		}
	}
	if _, err := f.svc.Employees(ctx, f.handler, f.keys, EmployeeQuery{CompanyID: f.a, Sort: Sort{Key: "p.name; DROP"}}); !apperr.HasCode(err, apperr.CodeInvalid) {
		t.Fatalf("unknown sort key: %v", err)
	}
}
