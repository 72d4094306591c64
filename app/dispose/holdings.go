package dispose

import (
	"slices"
	"time"

	"github.com/mynumber-shelter/shelter/app/jpdate"
)

// The documents a number is kept for follow from the purposes (利用目的) notified to the person
// (person_purposes), because the vault does not record each paper the office files. The table:
//
//	purpose     documents kept                                   why
//	TAX-WH      源泉徴収票（事業者控え）, 扶養控除等申告書          the slip, and the declaration its number came from
//	TAX-RET     源泉徴収票（事業者控え）, 扶養控除等申告書          退職所得の受給に関する申告書 is a 源泉徴収関係申告書
//	TAX-DECL    扶養控除等申告書                                  the declaration itself
//	TAX-LOCAL   源泉徴収票（事業者控え）                           no period confirmed for the 異動届出書 copy: the slip's policy
//	TAX-PAY     源泉徴収票（事業者控え）                           no period confirmed for the 支払調書 copy: the slip's policy
//	SI-KENPO    健康保険・厚生年金保険に関する書類                   資格取得届・喪失届, 被扶養者異動届
//	SI-NENKIN3  健康保険・厚生年金保険に関する書類                   filed with the employer's 健保・厚年 filings (an inference)
//	SI-KOYO     雇用保険の被保険者に関する書類                      4 years from leaving
//	SI-ROSAI    労災保険に関する書類                               its 完結の日 is unknown: see below
//	ADM-*, OTHER  none                                          meta purposes, no document of their own
//	any other   a type without a rule                           an office's own purpose: retention cannot be computed
//
// The dates come from the day the person left (Person.LeftOn, for a dependent the employee's):
//
//   - 提出年 (FiledYear) of the January-11 rules is the year of leaving, or the next year when
//     the person left in December: a declaration for the next year may have been handed in at
//     年末調整 before leaving, and the later reading wins.
//   - 完結の日 of the 健康保険・厚生年金 documents is not recorded; it is taken as one month after
//     the 資格喪失日 (the day after leaving), time for the 喪失届 (due in five days) to be filed
//     and accepted. The one-month margin is a conservative assumption, not law.
//   - 労災保険 documents stay open (ReasonOpen) until the office decides: a claim can run for
//     years after leaving.
//   - 雇用保険 被保険者 documents count from the day after leaving (StartLeft).
//
// When no purpose of a person maps to a document (nothing notified yet, e.g. numbers that came
// in a payroll CSV), [DefaultEmployeePurposes] is assumed, so that a number is never declared
// due earlier than an employee's usual documents allow; [HoldingsFor] reports that it assumed.
var purposeDocuments = map[string][]DocumentType{
	"TAX-WH":     {DocWithholdingSlip, DocDependentsDeclaration},
	"TAX-RET":    {DocWithholdingSlip, DocDependentsDeclaration},
	"TAX-DECL":   {DocDependentsDeclaration},
	"TAX-LOCAL":  {DocWithholdingSlip},
	"TAX-PAY":    {DocWithholdingSlip},
	"SI-KENPO":   {DocHealthPension},
	"SI-NENKIN3": {DocHealthPension},
	"SI-KOYO":    {DocEmploymentInsured},
	"SI-ROSAI":   {DocWorkersComp},
}

// metaPurposes have no document of their own.
var metaPurposes = []string{"ADM-VERIFY", "ADM-INQUIRY", "ADM-DISPOSE", "OTHER"}

// DefaultEmployeePurposes are assumed for a person with no purpose that maps to a document: what
// an employer collects an employee's number for.
var DefaultEmployeePurposes = []string{"TAX-WH", "TAX-DECL", "SI-KENPO", "SI-KOYO"}

// completionMargin is added to the 資格喪失日 to estimate the 完結の日 of 健保・厚年 documents.
const completionMargin = 1 // month

// DocumentsFor returns the document types kept for a number collected for purpose, in the
// order of [Rules]; ok is false for a purpose this table does not know (an office's own), and
// true with no types for a meta purpose (ADM-*, OTHER).
func DocumentsFor(purpose string) (types []DocumentType, ok bool) {
	if slices.Contains(metaPurposes, purpose) {
		return nil, true
	}
	ts, ok := purposeDocuments[purpose]
	return slices.Clone(ts), ok
}

// UnknownPurposeType is the document type [HoldingsFor] gives a purpose it does not know. No
// rule exists for it, so PersonDue reports ReasonNoRule and the office decides.
func UnknownPurposeType(purpose string) DocumentType { return DocumentType("purpose:" + purpose) }

// HoldingsFor returns the holdings of a person whose number was collected for purposes and who
// left on leftOn (zero while employed), as the table above says: one holding per document type,
// in the order of [Rules], then one per unknown purpose. assumed is true when no purpose maps
// to a document and [DefaultEmployeePurposes] were used instead.
func HoldingsFor(purposes []string, leftOn time.Time) (holdings []Holding, assumed bool) {
	types := map[DocumentType]bool{}
	var unknown []string
	for _, p := range purposes {
		ts, ok := DocumentsFor(p)
		if !ok {
			if !slices.Contains(unknown, p) {
				unknown = append(unknown, p)
			}
			continue
		}
		for _, t := range ts {
			types[t] = true
		}
	}
	if len(types) == 0 && len(unknown) == 0 {
		assumed = true
		for _, p := range DefaultEmployeePurposes {
			for _, t := range purposeDocuments[p] {
				types[t] = true
			}
		}
	}
	var left time.Time
	if !leftOn.IsZero() {
		left = jpdate.DateOf(leftOn)
	}
	for _, r := range rules {
		if !types[r.Type] {
			continue
		}
		h := Holding{Type: r.Type}
		if !left.IsZero() {
			switch r.Type {
			case DocDependentsDeclaration, DocWithholdingSlip:
				h.FiledYear = left.Year()
				if left.Month() == time.December {
					h.FiledYear++
				}
			case DocHealthPension, DocEmploymentOther:
				h.CompletedOn = left.AddDate(0, 0, 1).AddDate(0, completionMargin, 0)
			}
		}
		holdings = append(holdings, h)
	}
	slices.Sort(unknown)
	for _, p := range unknown {
		holdings = append(holdings, Holding{Type: UnknownPurposeType(p)})
	}
	return holdings, assumed
}
