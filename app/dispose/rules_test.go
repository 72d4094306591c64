package dispose

import (
	"errors"
	"testing"
	"time"
)

func d(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC) }

var jst = time.FixedZone("JST", 9*60*60)

func mustRule(t *testing.T, dt DocumentType) Rule {
	t.Helper()
	r, ok := RuleFor(dt)
	if !ok {
		t.Fatalf("no rule for %s", dt)
	}
	return r
}

func TestDueDate(t *testing.T) {
	tests := []struct {
		name string
		h    Holding
		want time.Time
	}{
		// 提出期限の属する年の翌年1月10日の翌日から7年: kept until 1/10 of year+8.
		{"declaration 2024", Holding{Type: DocDependentsDeclaration, FiledYear: 2024}, d(2032, 1, 11)},
		// The NTA example: 平成28年分 kept until 平成36年(2024)1月10日.
		{"declaration 2016 (NTA example)", Holding{Type: DocDependentsDeclaration, FiledYear: 2016}, d(2024, 1, 11)},
		// The CompletedOn of a year-based rule is ignored.
		{"declaration ignores completion", Holding{Type: DocDependentsDeclaration, FiledYear: 2019, CompletedOn: d(2030, 5, 5)}, d(2027, 1, 11)},
		{"withholding slip policy 2024", Holding{Type: DocWithholdingSlip, FiledYear: 2024}, d(2032, 1, 11)},
		// 完結の日から2年, day of completion not counted.
		{"health 2024-03-31", Holding{Type: DocHealthPension, CompletedOn: d(2024, 3, 31)}, d(2026, 4, 1)},
		{"health completed Dec 31", Holding{Type: DocHealthPension, CompletedOn: d(2024, 12, 31)}, d(2027, 1, 1)},
		{"health completed Jan 10", Holding{Type: DocHealthPension, CompletedOn: d(2024, 1, 10)}, d(2026, 1, 11)},
		// Period starts 2024-02-29; its 応当日 2026-02-29 does not exist, so it ends 02-28.
		{"health from Feb 29 into common year", Holding{Type: DocHealthPension, CompletedOn: d(2024, 2, 28)}, d(2026, 3, 1)},
		{"health completed on Feb 29", Holding{Type: DocHealthPension, CompletedOn: d(2024, 2, 29)}, d(2026, 3, 1)},
		{"health common year Feb 28", Holding{Type: DocHealthPension, CompletedOn: d(2023, 2, 28)}, d(2025, 3, 1)},
		// Period 2025-03-01 … 2028-02-29: the leap day is the last day kept.
		{"workers comp ends on leap day", Holding{Type: DocWorkersComp, CompletedOn: d(2025, 2, 28)}, d(2028, 3, 1)},
		// Period 2024-02-29 … 2028-02-28 (応当日 2028-02-29 exists).
		{"insured leap day to leap day", Holding{Type: DocEmploymentInsured, CompletedOn: d(2024, 2, 28)}, d(2028, 2, 29)},
		{"employment other", Holding{Type: DocEmploymentOther, CompletedOn: d(2025, 6, 15)}, d(2027, 6, 16)},
		{"employment insured", Holding{Type: DocEmploymentInsured, CompletedOn: d(2025, 4, 1)}, d(2029, 4, 2)},
		// The calendar day is taken in the time's own location: 23:30 JST on 3/31 is 3/31.
		{"completion in JST", Holding{Type: DocHealthPension, CompletedOn: time.Date(2024, 3, 31, 23, 30, 0, 0, jst)}, d(2026, 4, 1)},
		{"completion just after midnight JST", Holding{Type: DocHealthPension, CompletedOn: time.Date(2024, 4, 1, 0, 5, 0, 0, jst)}, d(2026, 4, 2)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DueDate(tt.h, mustRule(t, tt.h.Type))
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(tt.want) {
				t.Errorf("DueDate = %s, want %s", got.Format(time.DateOnly), tt.want.Format(time.DateOnly))
			}
			if got.Location() != time.UTC || got.Hour() != 0 {
				t.Errorf("DueDate = %v, want a calendar date at 00:00 UTC", got)
			}
		})
	}
}

func TestDueDateErrors(t *testing.T) {
	health := mustRule(t, DocHealthPension)
	decl := mustRule(t, DocDependentsDeclaration)
	noYears := health
	noYears.Years = 0
	badStart := health
	badStart.Start = "whenever"
	tests := []struct {
		name string
		h    Holding
		r    Rule
		want error
	}{
		{"no completion date", Holding{Type: DocHealthPension}, health, ErrNoStart},
		{"no filed year", Holding{Type: DocDependentsDeclaration, CompletedOn: d(2024, 1, 1)}, decl, ErrNoStart},
		{"negative filed year", Holding{Type: DocDependentsDeclaration, FiledYear: -1}, decl, ErrNoStart},
		{"insured needs completion", Holding{Type: DocEmploymentInsured}, mustRule(t, DocEmploymentInsured), ErrNoStart},
		{"mismatch", Holding{Type: DocWorkersComp, CompletedOn: d(2024, 1, 1)}, health, ErrRuleMismatch},
		{"zero years", Holding{Type: DocHealthPension, CompletedOn: d(2024, 1, 1)}, noYears, ErrBadRule},
		{"unknown start", Holding{Type: DocHealthPension, CompletedOn: d(2024, 1, 1)}, badStart, ErrBadRule},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DueDate(tt.h, tt.r)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if !got.IsZero() {
				t.Errorf("date = %v, want zero on error", got)
			}
		})
	}
}

func TestRules(t *testing.T) {
	want := map[DocumentType]struct {
		years     int
		start     StartKind
		statutory bool
	}{
		DocDependentsDeclaration: {7, StartJanuary11, true},
		DocHealthPension:         {2, StartCompleted, true},
		DocEmploymentInsured:     {4, StartLeft, true},
		DocEmploymentOther:       {2, StartCompleted, true},
		DocWorkersComp:           {3, StartCompleted, true},
		DocWithholdingSlip:       {7, StartJanuary11, false},
	}
	rs := Rules()
	if len(rs) != len(want) {
		t.Fatalf("Rules() has %d rules, want %d", len(rs), len(want))
	}
	for _, r := range rs {
		w, ok := want[r.Type]
		if !ok {
			t.Errorf("unexpected rule %s", r.Type)
			continue
		}
		if r.Years != w.years || r.Start != w.start || r.Statutory != w.statutory {
			t.Errorf("%s = %d years from %s statutory=%v, want %d from %s statutory=%v",
				r.Type, r.Years, r.Start, r.Statutory, w.years, w.start, w.statutory)
		}
		if r.LabelJA == "" || r.LabelEN == "" || r.Basis == "" {
			t.Errorf("%s lacks a label or basis", r.Type)
		}
	}
	rs[0].Years = 99
	if Rules()[0].Years == 99 {
		t.Error("Rules() returned the package's table, not a copy")
	}
}

func TestPeriodJA(t *testing.T) {
	tests := []struct {
		dt   DocumentType
		want string
	}{
		{DocDependentsDeclaration, "7年（提出期限の属する年の翌年1月11日から）"},
		{DocHealthPension, "2年（完結の日から）"},
		{DocEmploymentInsured, "4年（退職等により在籍しなくなった日から）"},
		{DocWithholdingSlip, "7年（提出期限の属する年の翌年1月11日から）・事業所の方針"},
	}
	for _, tt := range tests {
		if got := mustRule(t, tt.dt).PeriodJA(); got != tt.want {
			t.Errorf("%s PeriodJA = %q, want %q", tt.dt, got, tt.want)
		}
	}
}

func TestEndOfBusinessYear(t *testing.T) {
	tests := []struct {
		due   time.Time
		month int
		want  time.Time
	}{
		{d(2032, 1, 11), 3, d(2032, 3, 31)},
		{d(2032, 3, 31), 3, d(2032, 3, 31)},
		{d(2032, 4, 1), 3, d(2033, 3, 31)},
		{d(2032, 4, 1), 0, d(2033, 3, 31)},  // 0 means March
		{d(2032, 4, 1), 13, d(2033, 3, 31)}, // out of range means March
		{d(2032, 12, 31), 12, d(2032, 12, 31)},
		{d(2033, 1, 1), 12, d(2033, 12, 31)},
		{d(2028, 1, 15), 2, d(2028, 2, 29)}, // leap year
		{d(2027, 3, 1), 2, d(2028, 2, 29)},
		{d(2026, 2, 1), 2, d(2026, 2, 28)},
		{d(2026, 7, 1), 6, d(2026, 6, 30).AddDate(1, 0, 0)},
		{d(2026, 6, 30), 9, d(2026, 9, 30)},
		{time.Date(2032, 3, 31, 23, 0, 0, 0, jst), 3, d(2032, 3, 31)},
		{time.Time{}, 3, time.Time{}},
	}
	for _, tt := range tests {
		if got := EndOfBusinessYear(tt.due, tt.month); !got.Equal(tt.want) {
			t.Errorf("EndOfBusinessYear(%s, %d) = %s, want %s", tt.due.Format(time.DateOnly), tt.month,
				got.Format(time.DateOnly), tt.want.Format(time.DateOnly))
		}
	}
}
