package dispose

import (
	"slices"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/app/jpdate"
)

// TestHoldingsFor is the purpose → document table of holdings.go, and the dates it derives.
func TestHoldingsFor(t *testing.T) {
	tests := []struct {
		name     string
		purposes []string
		left     time.Time
		want     []Holding
		assumed  bool
	}{
		{"declaration: year of leaving", []string{"TAX-DECL"}, d(2024, 6, 30),
			[]Holding{{Type: DocDependentsDeclaration, FiledYear: 2024}}, false},
		{"declaration: left in December, next year's may be held", []string{"TAX-DECL"}, d(2024, 12, 20),
			[]Holding{{Type: DocDependentsDeclaration, FiledYear: 2025}}, false},
		{"withholding: slip and declaration", []string{"TAX-WH"}, d(2024, 6, 30),
			[]Holding{{Type: DocDependentsDeclaration, FiledYear: 2024}, {Type: DocWithholdingSlip, FiledYear: 2024}}, false},
		{"retirement income", []string{"TAX-RET"}, d(2024, 6, 30),
			[]Holding{{Type: DocDependentsDeclaration, FiledYear: 2024}, {Type: DocWithholdingSlip, FiledYear: 2024}}, false},
		{"local tax and payees follow the slip's policy", []string{"TAX-LOCAL", "TAX-PAY"}, d(2024, 6, 30),
			[]Holding{{Type: DocWithholdingSlip, FiledYear: 2024}}, false},
		{"health and pension: a month after the day off the roll", []string{"SI-KENPO"}, d(2025, 3, 31),
			[]Holding{{Type: DocHealthPension, CompletedOn: d(2025, 5, 1)}}, false},
		{"category 3 pension goes with health and pension", []string{"SI-NENKIN3"}, d(2025, 1, 31),
			[]Holding{{Type: DocHealthPension, CompletedOn: d(2025, 3, 1)}}, false},
		{"employment insurance counts from leaving", []string{"SI-KOYO"}, d(2025, 3, 31),
			[]Holding{{Type: DocEmploymentInsured}}, false},
		{"workers' compensation stays open", []string{"SI-ROSAI"}, d(2025, 3, 31),
			[]Holding{{Type: DocWorkersComp}}, false},
		{"duplicates collapse, rule order", []string{"SI-KOYO", "TAX-DECL", "SI-KENPO", "TAX-DECL"}, d(2025, 3, 31),
			[]Holding{{Type: DocDependentsDeclaration, FiledYear: 2025}, {Type: DocHealthPension, CompletedOn: d(2025, 5, 1)}, {Type: DocEmploymentInsured}}, false},
		{"an office's own purpose has no rule", []string{"X-OWN", "TAX-DECL"}, d(2025, 3, 31),
			[]Holding{{Type: DocDependentsDeclaration, FiledYear: 2025}, {Type: UnknownPurposeType("X-OWN")}}, false},
		{"nothing recorded: the employee defaults", nil, d(2025, 3, 31),
			[]Holding{{Type: DocDependentsDeclaration, FiledYear: 2025}, {Type: DocHealthPension, CompletedOn: d(2025, 5, 1)},
				{Type: DocEmploymentInsured}, {Type: DocWithholdingSlip, FiledYear: 2025}}, true},
		{"meta purposes only: the employee defaults", []string{"ADM-VERIFY", "OTHER"}, d(2025, 3, 31),
			[]Holding{{Type: DocDependentsDeclaration, FiledYear: 2025}, {Type: DocHealthPension, CompletedOn: d(2025, 5, 1)},
				{Type: DocEmploymentInsured}, {Type: DocWithholdingSlip, FiledYear: 2025}}, true},
		{"employed: types without dates", []string{"TAX-DECL", "SI-KENPO"}, time.Time{},
			[]Holding{{Type: DocDependentsDeclaration}, {Type: DocHealthPension}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, assumed := HoldingsFor(tt.purposes, tt.left)
			if !slices.EqualFunc(got, tt.want, func(a, b Holding) bool {
				return a.Type == b.Type && a.FiledYear == b.FiledYear && a.CompletedOn.Equal(b.CompletedOn)
			}) || assumed != tt.assumed {
				t.Fatalf("got %+v (assumed %v), want %+v (assumed %v)", got, assumed, tt.want, tt.assumed)
			}
		})
	}
}

// TestDueFromPurposes runs the mapping through the retention engine: the person's due date, and
// who decides it.
func TestDueFromPurposes(t *testing.T) {
	tests := []struct {
		name     string
		purposes []string
		left     time.Time
		wantDue  time.Time
		wantCode ReasonCode
		decider  DocumentType
	}{
		{"declaration of 2024: 7 years from 2025-01-11", []string{"TAX-DECL"}, d(2024, 6, 30), d(2032, 1, 11), ReasonRetained, DocDependentsDeclaration},
		{"left in December: the next year's declaration", []string{"TAX-DECL"}, d(2024, 12, 31), d(2033, 1, 11), ReasonRetained, DocDependentsDeclaration},
		{"health and pension only", []string{"SI-KENPO"}, d(2025, 3, 31), d(2027, 5, 2), ReasonRetained, DocHealthPension},
		{"employment insurance: 4 years", []string{"SI-KOYO"}, d(2025, 3, 31), d(2029, 4, 2), ReasonRetained, DocEmploymentInsured},
		{"insurance and tax: tax is longest", []string{"SI-KOYO", "SI-KENPO", "TAX-WH"}, d(2025, 3, 31), d(2033, 1, 11), ReasonRetained, DocDependentsDeclaration},
		{"long gone: passed", []string{"TAX-WH", "SI-KOYO"}, d(2015, 3, 31), d(2023, 1, 11), ReasonPassed, DocDependentsDeclaration},
		{"workers' compensation: cannot be computed", []string{"SI-ROSAI", "TAX-DECL"}, d(2015, 3, 31), time.Time{}, ReasonOpen, DocWorkersComp},
		{"an office's own purpose: no rule", []string{"X-OWN"}, d(2015, 3, 31), time.Time{}, ReasonNoRule, UnknownPurposeType("X-OWN")},
		{"nothing recorded: the defaults keep it 7 years", nil, d(2024, 6, 30), d(2032, 1, 11), ReasonRetained, DocDependentsDeclaration},
	}
	today := jpdate.JapanDate(time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs, _ := HoldingsFor(tt.purposes, tt.left)
			due, reason, ok := PersonDue(Person{LeftOn: tt.left, Holdings: hs}, today)
			if !due.Equal(tt.wantDue) || reason.Code != tt.wantCode || reason.Holding.Type != tt.decider || ok != (tt.wantCode == ReasonPassed) {
				t.Fatalf("due %s %s (%s) ok %v; want %s %s (%s)", jpdate.ISO(due), reason.Code, reason.Holding.Type, ok,
					jpdate.ISO(tt.wantDue), tt.wantCode, tt.decider)
			}
		})
	}
}

func TestDocumentsForAndLabels(t *testing.T) {
	if ts, ok := DocumentsFor("ADM-VERIFY"); !ok || len(ts) != 0 {
		t.Errorf("meta purpose: %v %v", ts, ok)
	}
	if _, ok := DocumentsFor("X-OWN"); ok {
		t.Error("an unknown purpose is known")
	}
	ts, _ := DocumentsFor("TAX-WH")
	ts[0] = "changed"
	if again, _ := DocumentsFor("TAX-WH"); again[0] == "changed" {
		t.Error("DocumentsFor returns the table itself")
	}
	for kind, want := range map[string]string{KindMyNumber: "個人番号", KindIdentityDocuments: "本人確認書類の画像",
		string(DocHealthPension): "健康保険・厚生年金保険に関する書類", "purpose:X": "purpose:X"} {
		if got := KindLabel(kind, "ja"); got != want {
			t.Errorf("KindLabel(%s) = %q, want %q", kind, got, want)
		}
	}
	if KindLabel(KindMyNumber, "en") != "My Number" {
		t.Error("English label")
	}
	s := &Service{}
	if got := s.CertificateNumber(2026, 123); got != "MNS-2026-000123" {
		t.Errorf("certificate number %q", got)
	}
}
