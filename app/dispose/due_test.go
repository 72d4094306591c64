package dispose

import (
	"strings"
	"testing"
	"time"
)

func TestPersonDue(t *testing.T) {
	decl := func(y int) Holding { return Holding{Type: DocDependentsDeclaration, FiledYear: y} }
	insured := Holding{Type: DocEmploymentInsured}
	tests := []struct {
		name       string
		p          Person
		today      time.Time
		wantDue    time.Time
		wantOK     bool
		wantCode   ReasonCode
		wantHolder DocumentType
	}{
		{
			name:     "employed: never due",
			p:        Person{Holdings: []Holding{decl(2010)}},
			today:    d(2040, 1, 1),
			wantCode: ReasonEmployed,
		},
		{
			name:     "left with no holdings: due the day after leaving",
			p:        Person{LeftOn: d(2025, 3, 31)},
			today:    d(2025, 4, 1),
			wantDue:  d(2025, 4, 1),
			wantOK:   true,
			wantCode: ReasonPassed,
		},
		{
			name:     "left with no holdings: not on the last day",
			p:        Person{LeftOn: d(2025, 3, 31)},
			today:    d(2025, 3, 31),
			wantDue:  d(2025, 4, 1),
			wantCode: ReasonRetained,
		},
		{
			name:       "declaration keeps it until Jan 10",
			p:          Person{LeftOn: d(2024, 6, 30), Holdings: []Holding{decl(2023), decl(2024)}},
			today:      d(2032, 1, 10),
			wantDue:    d(2032, 1, 11),
			wantCode:   ReasonRetained,
			wantHolder: DocDependentsDeclaration,
		},
		{
			name:       "declaration passed on Jan 11",
			p:          Person{LeftOn: d(2024, 6, 30), Holdings: []Holding{decl(2024), decl(2023)}},
			today:      d(2032, 1, 11),
			wantDue:    d(2032, 1, 11),
			wantOK:     true,
			wantCode:   ReasonPassed,
			wantHolder: DocDependentsDeclaration,
		},
		{
			// Off the roll on 2025-01-01 (完結の日), not counted: 2025-01-02 + 4 years.
			name:       "left on Dec 31: insured documents decide",
			p:          Person{LeftOn: d(2024, 12, 31), Holdings: []Holding{insured, {Type: DocHealthPension, CompletedOn: d(2025, 1, 5)}}},
			today:      d(2029, 1, 1),
			wantDue:    d(2029, 1, 2),
			wantCode:   ReasonRetained,
			wantHolder: DocEmploymentInsured,
		},
		{
			name:       "left on Dec 31: passed",
			p:          Person{LeftOn: d(2024, 12, 31), Holdings: []Holding{insured}},
			today:      d(2029, 1, 2),
			wantDue:    d(2029, 1, 2),
			wantOK:     true,
			wantCode:   ReasonPassed,
			wantHolder: DocEmploymentInsured,
		},
		{
			name:       "left on Dec 31 with that year's declaration",
			p:          Person{LeftOn: d(2024, 12, 31), Holdings: []Holding{insured, decl(2024)}},
			today:      d(2030, 1, 1),
			wantDue:    d(2032, 1, 11),
			wantCode:   ReasonRetained,
			wantHolder: DocDependentsDeclaration,
		},
		{
			name:       "explicit insured completion wins over LeftOn",
			p:          Person{LeftOn: d(2024, 3, 31), Holdings: []Holding{{Type: DocEmploymentInsured, CompletedOn: d(2024, 5, 10)}}},
			today:      d(2028, 5, 10),
			wantDue:    d(2028, 5, 11),
			wantCode:   ReasonRetained,
			wantHolder: DocEmploymentInsured,
		},
		{
			// Left 2024-02-28: off the roll 02-29, period from 03-01 to 2028-02-29.
			name:       "leave before a leap day",
			p:          Person{LeftOn: d(2024, 2, 28), Holdings: []Holding{insured}},
			today:      d(2028, 2, 29),
			wantDue:    d(2028, 3, 1),
			wantCode:   ReasonRetained,
			wantHolder: DocEmploymentInsured,
		},
		{
			name:     "left in JST: calendar day in its own zone",
			p:        Person{LeftOn: time.Date(2025, 3, 31, 0, 0, 0, 0, jst)}, // 2025-03-30 15:00 UTC
			today:    time.Date(2025, 4, 1, 0, 0, 0, 0, jst),
			wantDue:  d(2025, 4, 1),
			wantOK:   true,
			wantCode: ReasonPassed,
		},
		{
			name:       "a document still open blocks disposal",
			p:          Person{LeftOn: d(2020, 3, 31), Holdings: []Holding{decl(2019), {Type: DocWorkersComp}}},
			today:      d(2040, 1, 1),
			wantCode:   ReasonOpen,
			wantHolder: DocWorkersComp,
		},
		{
			name:       "a declaration without a year blocks disposal",
			p:          Person{LeftOn: d(2020, 3, 31), Holdings: []Holding{{Type: DocDependentsDeclaration}}},
			today:      d(2040, 1, 1),
			wantCode:   ReasonOpen,
			wantHolder: DocDependentsDeclaration,
		},
		{
			name:       "an unknown document type blocks disposal",
			p:          Person{LeftOn: d(2020, 3, 31), Holdings: []Holding{{Type: "payroll_ledger", CompletedOn: d(2020, 3, 31)}}},
			today:      d(2040, 1, 1),
			wantCode:   ReasonNoRule,
			wantHolder: "payroll_ledger",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			due, reason, ok := PersonDue(tt.p, tt.today)
			if !due.Equal(tt.wantDue) || ok != tt.wantOK || reason.Code != tt.wantCode {
				t.Fatalf("PersonDue = %s %v %s, want %s %v %s", due.Format(time.DateOnly), ok, reason.Code,
					tt.wantDue.Format(time.DateOnly), tt.wantOK, tt.wantCode)
			}
			if reason.Holding.Type != tt.wantHolder {
				t.Errorf("reason holding = %q, want %q", reason.Holding.Type, tt.wantHolder)
			}
			if (tt.wantCode == ReasonRetained || tt.wantCode == ReasonPassed) && tt.wantHolder != "" && !reason.Due.Equal(due) {
				t.Errorf("reason due = %s, want the person's due %s", reason.Due.Format(time.DateOnly), due.Format(time.DateOnly))
			}
			if reason.Japanese() == "" || reason.English() == "" || reason.Japanese() == string(reason.Code) {
				t.Errorf("reason %s has no description", reason.Code)
			}
		})
	}
}

func TestPolicy(t *testing.T) {
	rules := Rules()
	for i := range rules {
		if rules[i].Type == DocWithholdingSlip {
			rules[i].Years = 5
		}
	}
	pol := Policy{Rules: rules}
	if err := pol.Validate(); err != nil {
		t.Fatal(err)
	}
	p := Person{LeftOn: d(2024, 12, 31), Holdings: []Holding{{Type: DocWithholdingSlip, FiledYear: 2024}}}
	if due, _, _ := pol.PersonDue(p, d(2030, 1, 1)); !due.Equal(d(2030, 1, 11)) {
		t.Errorf("5-year policy due = %s, want 2030-01-11", due.Format(time.DateOnly))
	}
	if due, _, _ := PersonDue(p, d(2030, 1, 1)); !due.Equal(d(2032, 1, 11)) {
		t.Errorf("default policy due = %s, want 2032-01-11", due.Format(time.DateOnly))
	}

	// A policy without a rule for a type, or with a broken one, never declares a number due.
	only := Policy{Rules: []Rule{mustRule(t, DocHealthPension)}}
	if _, r, ok := only.PersonDue(p, d(2100, 1, 1)); ok || r.Code != ReasonNoRule {
		t.Errorf("missing rule: ok=%v code=%s, want not due, %s", ok, r.Code, ReasonNoRule)
	}
	broken := Rules()
	broken[len(broken)-1].Years = 0
	if _, r, ok := (Policy{Rules: broken}).PersonDue(p, d(2100, 1, 1)); ok || r.Code != ReasonNoRule {
		t.Errorf("broken rule: ok=%v code=%s, want not due, %s", ok, r.Code, ReasonNoRule)
	}
}

func TestPolicyValidate(t *testing.T) {
	bad := func(mod func(*Rule)) Policy {
		rs := Rules()
		mod(&rs[1])
		return Policy{Rules: rs}
	}
	tests := []struct {
		name string
		pol  Policy
		ok   bool
	}{
		{"zero", Policy{}, true},
		{"defaults", Policy{Rules: Rules()}, true},
		{"zero years", bad(func(r *Rule) { r.Years = 0 }), false},
		{"too many years", bad(func(r *Rule) { r.Years = 101 }), false},
		{"unknown start", bad(func(r *Rule) { r.Start = "" }), false},
		{"unknown type", bad(func(r *Rule) { r.Type = "other" }), false},
		{"duplicate", bad(func(r *Rule) { r.Type = DocDependentsDeclaration }), false},
	}
	for _, tt := range tests {
		if err := tt.pol.Validate(); (err == nil) != tt.ok {
			t.Errorf("%s: Validate() = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}

func TestDueList(t *testing.T) {
	persons := []Person{
		{ID: "p-employed", Holdings: []Holding{{Type: DocDependentsDeclaration, FiledYear: 2015}}},
		{ID: "p-open", LeftOn: d(2020, 1, 31), Holdings: []Holding{{Type: DocHealthPension}}},
		{ID: "p-later", LeftOn: d(2024, 6, 30), Holdings: []Holding{{Type: DocDependentsDeclaration, FiledYear: 2024}}},
		{ID: "p-b", LeftOn: d(2021, 3, 31)},
		{ID: "p-a", LeftOn: d(2021, 3, 31)},
		{ID: "p-2025", LeftOn: d(2025, 3, 31), Holdings: []Holding{{Type: DocHealthPension, CompletedOn: d(2025, 4, 1)}}},
	}
	today := d(2027, 5, 1)
	got := DueList(persons, today)
	type row struct {
		id       string
		due      string
		deadline string
		ready    bool
		overdue  bool
	}
	want := []row{
		{"p-a", "2021-04-01", "2022-03-31", true, true},
		{"p-b", "2021-04-01", "2022-03-31", true, true},
		{"p-2025", "2027-04-02", "2028-03-31", true, false},
		{"p-later", "2032-01-11", "2032-03-31", false, false},
		{"p-open", "0001-01-01", "0001-01-01", false, false},
	}
	if len(got) != len(want) {
		t.Fatalf("DueList has %d items, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		r := row{g.PersonID, g.Due.Format(time.DateOnly), g.Deadline.Format(time.DateOnly), g.Ready, g.Overdue}
		if r != w {
			t.Errorf("item %d = %+v, want %+v", i, r, w)
		}
	}
	if got[4].Reason.Code != ReasonOpen {
		t.Errorf("open item reason = %s", got[4].Reason.Code)
	}

	// A December business year moves the deadlines.
	dec := Policy{FiscalYearEndMonth: 12}.DueList(persons, today)
	if !dec[0].Deadline.Equal(d(2021, 12, 31)) || !dec[2].Deadline.Equal(d(2027, 12, 31)) {
		t.Errorf("December deadlines = %s, %s", dec[0].Deadline.Format(time.DateOnly), dec[2].Deadline.Format(time.DateOnly))
	}
	// Overdue starts the day after the deadline.
	if it := DueList(persons[5:], d(2028, 3, 31)); it[0].Overdue {
		t.Error("overdue on the deadline itself")
	}
	if it := DueList(persons[5:], d(2028, 4, 1)); !it[0].Overdue {
		t.Error("not overdue the day after the deadline")
	}
}

func TestReasonText(t *testing.T) {
	p := Person{LeftOn: d(2024, 6, 30), Holdings: []Holding{{Type: DocDependentsDeclaration, FiledYear: 2024}}}
	_, r, _ := PersonDue(p, d(2025, 1, 1))
	want := "扶養控除等(異動)申告書等（源泉徴収関係申告書）（2024年分）の保存期間中です（令和14年1月11日から廃棄できます）"
	if got := r.Japanese(); got != want {
		t.Errorf("Japanese() = %q, want %q", got, want)
	}
	if got := r.English(); !strings.Contains(got, "until 2032-01-10") {
		t.Errorf("English() = %q, want the last day kept, 2032-01-10", got)
	}
	_, r, _ = PersonDue(p, d(2032, 1, 11))
	if got := r.Japanese(); !strings.Contains(got, "令和14年1月11日に経過") {
		t.Errorf("Japanese() = %q", got)
	}
}
