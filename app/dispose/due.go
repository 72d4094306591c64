package dispose

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/mynumber-shelter/shelter/app/jpdate"
)

// Person is what the retention rules need to know about one person whose number the office
// holds: an employee, a dependent, or a payee.
type Person struct {
	// ID is the caller's own id for the person, carried into [DueItem]. Never the number.
	ID string
	// LeftOn is the day the 個人番号関係事務 for the person stopped being needed: the 退職日 of
	// an employee (the last day on the roll), the day a dependent stopped being one, the end of
	// a payee's contract. Zero while it is still needed (employed, including 休職).
	LeftOn time.Time
	// Holdings are the documents kept for the person that carry the number.
	Holdings []Holding
}

// ReasonCode says why a number may or may not be disposed of. Its value is stable.
type ReasonCode string

const (
	// ReasonEmployed: the person has not left; the number is still needed.
	ReasonEmployed ReasonCode = "employed"
	// ReasonOpen: a holding's retention period cannot start yet: its 完結の日 (or year) is
	// not recorded. Reason.Holding names it.
	ReasonOpen ReasonCode = "open"
	// ReasonNoRule: the policy has no valid rule for a holding's document type, so its
	// retention cannot be computed. Reason.Holding names it. See [Policy.Validate].
	ReasonNoRule ReasonCode = "no_rule"
	// ReasonRetained: the person has left and a retention period is still running.
	// Reason.Holding names the document with the latest due date.
	ReasonRetained ReasonCode = "retained"
	// ReasonPassed: the person has left and every retention period has passed; the number
	// must be deleted as soon as possible. Reason.Holding names the document that was the
	// last to pass, if any.
	ReasonPassed ReasonCode = "passed"
)

// Reason explains a [PersonDue] result in a structured way.
type Reason struct {
	Code ReasonCode
	// Holding and Rule are the document that decides the result (kept the longest, or still
	// open); both are zero when no document decides it (employed, or left with none).
	Holding Holding
	Rule    Rule
	// Due is the due date of Holding (zero when there is none).
	Due time.Time
}

// Japanese describes the reason for a screen or a register, e.g.
// "雇用保険の被保険者に関する書類の保存期間中です（令和10年4月1日から廃棄できます）".
func (r Reason) Japanese() string {
	switch r.Code {
	case ReasonEmployed:
		return "在職中のため個人番号関係事務に必要です"
	case ReasonOpen:
		return r.Rule.LabelJA + "の完結の日（または提出年）が記録されていないため、保存期間を計算できません"
	case ReasonNoRule:
		return "保存期間の規則がない書類（" + string(r.Holding.Type) + "）があるため、保存期間を計算できません"
	case ReasonRetained:
		if r.Rule.Type == "" {
			return "退職等の日の翌日から廃棄できます"
		}
		return fmt.Sprintf("%sの保存期間中です（%sから廃棄できます）", r.Rule.LabelJA+yearJA(r.Holding), jpdate.Wareki(r.Due))
	case ReasonPassed:
		if r.Rule.Type == "" {
			return "退職等により事務が終了し、保存期間のある書類はありません。速やかに廃棄してください"
		}
		return fmt.Sprintf("すべての保存期間が経過しました（最後は%s、%sに経過）。速やかに廃棄してください",
			r.Rule.LabelJA+yearJA(r.Holding), jpdate.Wareki(r.Due))
	}
	return string(r.Code)
}

// English describes the reason in English.
func (r Reason) English() string {
	switch r.Code {
	case ReasonEmployed:
		return "still employed: the number is needed"
	case ReasonOpen:
		return "no completion date recorded for " + r.Rule.LabelEN + ": retention cannot be computed"
	case ReasonNoRule:
		return "no valid retention rule for document type " + string(r.Holding.Type) + ": retention cannot be computed"
	case ReasonRetained:
		if r.Rule.Type == "" {
			return "may be deleted from the day after leaving"
		}
		return fmt.Sprintf("retention of %s runs until %s", r.Rule.LabelEN, jpdate.ISO(r.Due.AddDate(0, 0, -1)))
	case ReasonPassed:
		if r.Rule.Type == "" {
			return "left, and no document with a retention period: delete without delay"
		}
		return fmt.Sprintf("every retention period has passed (last: %s, on %s): delete without delay",
			r.Rule.LabelEN, jpdate.ISO(r.Due))
	}
	return string(r.Code)
}

func yearJA(h Holding) string {
	if h.FiledYear == 0 {
		return ""
	}
	return fmt.Sprintf("（%d年分）", h.FiledYear)
}

// Policy is the set of rules an office applies. The zero Policy is the default: [Rules] and a
// business year ending in March.
type Policy struct {
	// Rules replaces the default rules when not nil; a document type missing from it makes
	// PersonDue report ErrUnknownType.
	Rules []Rule
	// FiscalYearEndMonth is the last month of the office's business year (事業年度), 1–12;
	// 0 means 3 (March). See [EndOfBusinessYear].
	FiscalYearEndMonth int
}

func (p Policy) rule(t DocumentType) (Rule, bool) {
	if p.Rules == nil {
		return RuleFor(t)
	}
	for _, r := range p.Rules {
		if r.Type == t {
			return r, true
		}
	}
	return Rule{}, false
}

// Validate checks the policy's rules: every rule has a known document type at most once,
// 1–100 years and a known StartKind. A policy that fails it still never declares a number due
// early: holdings without a valid rule give ReasonNoRule.
func (pol Policy) Validate() error {
	seen := map[DocumentType]bool{}
	for _, r := range pol.Rules {
		if _, known := RuleFor(r.Type); !known {
			return fmt.Errorf("policy rule %q: %w", r.Type, ErrUnknownType)
		}
		if seen[r.Type] {
			return fmt.Errorf("policy rule %q: %w: listed twice", r.Type, ErrBadRule)
		}
		seen[r.Type] = true
		if !validRule(r) {
			return fmt.Errorf("policy rule %q: %w", r.Type, ErrBadRule)
		}
	}
	return nil
}

func validRule(r Rule) bool {
	switch r.Start {
	case StartJanuary11, StartCompleted, StartLeft:
		return r.Years >= 1 && r.Years <= 100
	}
	return false
}

// PersonDue is [Policy.PersonDue] under the default policy.
func PersonDue(p Person, today time.Time) (due time.Time, reason Reason, ok bool) {
	return Policy{}.PersonDue(p, today)
}

// PersonDue decides whether the number of person may be disposed of on today.
//
// The number may go when the person has left (LeftOn is set) and the retention period of
// every holding has passed. due is then the latest of the holdings' due dates and the day
// after LeftOn; ok reports whether today is on or after due, and reason says which document
// keeps the number longest (ReasonRetained before due, ReasonPassed from due on).
//
// Otherwise due is zero and ok is false: while the person is employed (ReasonEmployed); when
// a holding's period cannot start because its 完結の日 or year is missing (ReasonOpen); when
// a holding's type has no valid rule in the policy (ReasonNoRule). A StartLeft holding
// without a CompletedOn counts from the day after LeftOn, the first day off the roll.
func (pol Policy) PersonDue(person Person, today time.Time) (due time.Time, reason Reason, ok bool) {
	if person.LeftOn.IsZero() {
		return time.Time{}, Reason{Code: ReasonEmployed}, false
	}
	left := jpdate.DateOf(person.LeftOn)
	reason = Reason{Code: ReasonRetained}
	for _, h := range person.Holdings {
		r, found := pol.rule(h.Type)
		if !found || !validRule(r) {
			return time.Time{}, Reason{Code: ReasonNoRule, Holding: h}, false
		}
		if r.Start == StartLeft && h.CompletedOn.IsZero() {
			h.CompletedOn = left.AddDate(0, 0, 1)
		}
		d, err := DueDate(h, r)
		if err != nil { // only ErrNoStart: the type and rule were checked above
			return time.Time{}, Reason{Code: ReasonOpen, Holding: h, Rule: r}, false
		}
		if reason.Rule.Type == "" || d.After(reason.Due) {
			reason.Holding, reason.Rule, reason.Due = h, r, d
		}
	}
	due = left.AddDate(0, 0, 1)
	if reason.Due.After(due) {
		due = reason.Due
	}
	ok = !jpdate.DateOf(today).Before(due)
	if ok {
		reason.Code = ReasonPassed
	}
	return due, reason, ok
}

// DueItem is one line of the disposal list (4-1): a person who has left.
type DueItem struct {
	// PersonID is [Person.ID].
	PersonID string
	// Due is the first day the number may be disposed of; zero when it cannot be computed
	// (Reason.Code is ReasonOpen).
	Due time.Time
	// Deadline is the office's deadline for the disposal, [EndOfBusinessYear] of Due under
	// the policy's business year; zero when Due is.
	Deadline time.Time
	// Ready is true when Due is on or before today: 削除期限到来, dispose without delay.
	Ready bool
	// Overdue is true when today is after Deadline: the 取扱規程's end-of-year deadline has
	// been missed.
	Overdue bool
	// Reason says which document decides Due.
	Reason Reason
}

// DueList is [Policy.DueList] under the default policy.
func DueList(persons []Person, today time.Time) []DueItem {
	return Policy{}.DueList(persons, today)
}

// DueList returns one item for every person in persons who has left, sorted by Due (earliest
// first, ties by PersonID); persons whose due date cannot be computed (ReasonOpen,
// ReasonNoRule) come last, in input order. Employed persons are left out.
func (pol Policy) DueList(persons []Person, today time.Time) []DueItem {
	today = jpdate.DateOf(today)
	var items []DueItem
	for _, p := range persons {
		due, reason, ready := pol.PersonDue(p, today)
		if reason.Code == ReasonEmployed {
			continue
		}
		it := DueItem{PersonID: p.ID, Due: due, Ready: ready, Reason: reason}
		if !due.IsZero() {
			it.Deadline = EndOfBusinessYear(due, pol.FiscalYearEndMonth)
			it.Overdue = today.After(it.Deadline)
		}
		items = append(items, it)
	}
	slices.SortStableFunc(items, func(a, b DueItem) int {
		if a.Due.IsZero() != b.Due.IsZero() {
			if a.Due.IsZero() {
				return 1
			}
			return -1
		}
		if c := a.Due.Compare(b.Due); c != 0 {
			return c
		}
		if a.Due.IsZero() {
			return 0
		}
		return cmp.Compare(a.PersonID, b.PersonID)
	})
	return items
}
