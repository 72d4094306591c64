package dispose_test

import (
	"fmt"
	"time"

	"github.com/mynumber-shelter/shelter/app/dispose"
	"github.com/mynumber-shelter/shelter/app/jpdate"
)

func ExamplePersonDue() {
	left := time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC)
	p := dispose.Person{
		ID:     "person-42",
		LeftOn: left,
		Holdings: []dispose.Holding{
			{Type: dispose.DocDependentsDeclaration, FiledYear: 2024},
			{Type: dispose.DocEmploymentInsured}, // counts from the day after LeftOn
		},
	}
	today := jpdate.JapanDate(time.Date(2025, 6, 1, 3, 0, 0, 0, time.UTC))
	due, reason, ok := dispose.PersonDue(p, today)
	fmt.Println(jpdate.ISO(due), ok, reason.Code)
	fmt.Println(reason.Japanese())
	fmt.Println(jpdate.ISO(dispose.EndOfBusinessYear(due, 3)))
	// Output:
	// 2032-01-11 false retained
	// 扶養控除等(異動)申告書等（源泉徴収関係申告書）（2024年分）の保存期間中です（令和14年1月11日から廃棄できます）
	// 2032-03-31
}
