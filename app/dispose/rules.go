package dispose

import (
	"errors"
	"fmt"
	"time"

	"github.com/mynumber-shelter/shelter/app/jpdate"
)

// DocumentType is a kind of document (書類) that carries a My Number and has a retention
// period. Its string value is stored in the vault, so a constant's value must never change.
type DocumentType string

const (
	// DocDependentsDeclaration: 給与所得者の扶養控除等(異動)申告書 and the other
	// 源泉徴収関係申告書 kept the same way (従たる給与についての扶養控除等申告書, 保険料控除申告書,
	// 配偶者控除等申告書, 退職所得の受給に関する申告書, 公的年金等の受給者の扶養親族等申告書,
	// 住宅借入金等特別控除申告書). 7 years from 11 January after the year of the filing deadline.
	DocDependentsDeclaration DocumentType = "dependents_declaration"
	// DocHealthPension: 健康保険・厚生年金保険に関する書類 (資格取得届・喪失届の控え,
	// 被扶養者異動届 …). 2 years from 完結の日.
	DocHealthPension DocumentType = "health_pension"
	// DocEmploymentInsured: 雇用保険の被保険者に関する書類 (資格取得等確認通知書,
	// 離職証明書事業主控 …). 4 years from 完結の日, the day the person was no longer on the roll.
	DocEmploymentInsured DocumentType = "employment_insured"
	// DocEmploymentOther: 雇用保険に関する書類 other than those about an insured person.
	// 2 years from 完結の日.
	DocEmploymentOther DocumentType = "employment_other"
	// DocWorkersComp: 労災保険に関する書類. 3 years from 完結の日.
	DocWorkersComp DocumentType = "workers_comp"
	// DocWithholdingSlip: 源泉徴収票 (事業者控え) and 給与支払報告書 控え. No statutory period
	// was confirmed; the default is an office policy of 7 years from 11 January after the year.
	DocWithholdingSlip DocumentType = "withholding_slip"
)

// StartKind says from which day a [Rule]'s period runs.
type StartKind string

const (
	// StartJanuary11: from 11 January of the year after [Holding.FiledYear]
	// (提出期限の属する年の翌年1月10日の翌日). That day is counted.
	StartJanuary11 StartKind = "january11"
	// StartCompleted: from [Holding.CompletedOn] (完結の日). That day is not counted (初日不算入).
	StartCompleted StartKind = "completed"
	// StartLeft: like StartCompleted, where the 完結の日 is the day the person was no longer on
	// the roll. When [Holding.CompletedOn] is zero, [PersonDue] takes the day after
	// [Person.LeftOn].
	StartLeft StartKind = "left"
)

// Rule is the retention period of one [DocumentType].
type Rule struct {
	// Type is the document type the rule is for.
	Type DocumentType
	// LabelJA and LabelEN name the documents for display.
	LabelJA, LabelEN string
	// Basis cites the law (or says that the rule is an office policy).
	Basis string
	// Years is the length of the period. A Policy may change it for a non-statutory rule.
	Years int
	// Start says from which day the period runs.
	Start StartKind
	// Statutory is true when the period is set by law, false for an office policy that an
	// office may configure.
	Statutory bool
}

// PeriodJA describes the period in Japanese for registers and screens, e.g.
// "7年（提出期限の属する年の翌年1月11日から）" or "2年（完結の日から）".
func (r Rule) PeriodJA() string {
	from := "完結の日から"
	switch r.Start {
	case StartJanuary11:
		from = "提出期限の属する年の翌年1月11日から"
	case StartLeft:
		from = "退職等により在籍しなくなった日から"
	}
	s := fmt.Sprintf("%d年（%s）", r.Years, from)
	if !r.Statutory {
		s += "・事業所の方針"
	}
	return s
}

// rules is the default table; Rules returns a copy.
var rules = [...]Rule{
	{
		Type:    DocDependentsDeclaration,
		LabelJA: "扶養控除等(異動)申告書等（源泉徴収関係申告書）",
		LabelEN: "Dependents declarations and other withholding declarations",
		Basis:   "所得税法施行規則76条の3（条番号は未確認）: 提出期限の属する年の翌年1月10日の翌日から7年",
		Years:   7, Start: StartJanuary11, Statutory: true,
	},
	{
		Type:    DocHealthPension,
		LabelJA: "健康保険・厚生年金保険に関する書類",
		LabelEN: "Health insurance and employees' pension documents",
		Basis:   "健康保険法施行規則34条・厚生年金保険法施行規則28条: 完結の日から2年",
		Years:   2, Start: StartCompleted, Statutory: true,
	},
	{
		Type:    DocEmploymentInsured,
		LabelJA: "雇用保険の被保険者に関する書類",
		LabelEN: "Employment insurance documents about an insured person",
		Basis:   "雇用保険法施行規則143条: 完結の日から4年（被保険者に関する書類）",
		Years:   4, Start: StartLeft, Statutory: true,
	},
	{
		Type:    DocEmploymentOther,
		LabelJA: "雇用保険に関する書類（被保険者に関するもの以外）",
		LabelEN: "Other employment insurance documents",
		Basis:   "雇用保険法施行規則143条: 完結の日から2年",
		Years:   2, Start: StartCompleted, Statutory: true,
	},
	{
		Type:    DocWorkersComp,
		LabelJA: "労災保険に関する書類",
		LabelEN: "Workers' accident compensation insurance documents",
		Basis:   "労働者災害補償保険法施行規則51条: 完結の日から3年",
		Years:   3, Start: StartCompleted, Statutory: true,
	},
	{
		Type:    DocWithholdingSlip,
		LabelJA: "源泉徴収票（事業者控え）",
		LabelEN: "Withholding slips (employer's copy)",
		Basis:   "法定の保存期間は未確認のため事業所の方針（初期値: 翌年1月11日から7年）",
		Years:   7, Start: StartJanuary11, Statutory: false,
	},
}

// Rules returns the default retention rules, one per [DocumentType], in the order of the
// package documentation. The slice is a fresh copy that the caller may change (for example
// the Years of a non-statutory rule) and pass in a [Policy].
func Rules() []Rule {
	out := make([]Rule, len(rules))
	copy(out, rules[:])
	return out
}

// RuleFor returns the default rule for t, or false for an unknown type.
func RuleFor(t DocumentType) (Rule, bool) {
	for _, r := range rules {
		if r.Type == t {
			return r, true
		}
	}
	return Rule{}, false
}

// Errors of [DueDate]. The caller decides: a missing date means the retention cannot start
// yet (the 事務 is still open), the others are programming or data errors.
var (
	// ErrNoStart: the holding lacks the date or year its rule counts from (a zero
	// CompletedOn, a FiledYear of 0).
	ErrNoStart = errors.New("dispose: holding has no start date for its retention period")
	// ErrRuleMismatch: the rule is for another document type than the holding.
	ErrRuleMismatch = errors.New("dispose: rule is for another document type")
	// ErrUnknownType: no rule exists for the holding's document type.
	ErrUnknownType = errors.New("dispose: unknown document type")
	// ErrBadRule: the rule has no period (Years < 1) or an unknown StartKind.
	ErrBadRule = errors.New("dispose: rule has no valid period")
)

// Holding is one document (or the data tied to it) that the office keeps for a person.
type Holding struct {
	// Type is the kind of document.
	Type DocumentType
	// FiledYear is, for StartJanuary11 rules, the year in which the document's filing
	// deadline falls (提出期限の属する年): for a 扶養控除等申告書, the year it is for (its deadline
	// is the first payday of that year, even when it was handed in the December before); for
	// a 源泉徴収票, the year it is for. 0 when unknown.
	FiledYear int
	// CompletedOn is, for StartCompleted and StartLeft rules, the 完結の日: the day the
	// matter the document belongs to was finished. Zero while it is open.
	CompletedOn time.Time
}

// DueDate returns the first day on which the retention period of h under r has passed: the
// day after the last day of the period, counted as the package documentation says. The
// result is a calendar date (00:00 UTC).
//
// It returns [ErrRuleMismatch] when r is not for h.Type, [ErrBadRule] for a rule without a
// period, and [ErrNoStart] when h lacks the year or date the rule counts from. For a
// StartLeft rule DueDate needs h.CompletedOn; [PersonDue] fills it from the person's 退職日.
func DueDate(h Holding, r Rule) (time.Time, error) {
	if h.Type != r.Type {
		return time.Time{}, fmt.Errorf("due date of %s: %w", h.Type, ErrRuleMismatch)
	}
	if r.Years < 1 || r.Years > 100 {
		return time.Time{}, fmt.Errorf("due date of %s: %w", h.Type, ErrBadRule)
	}
	switch r.Start {
	case StartJanuary11:
		if h.FiledYear < 1 || h.FiledYear > 9000 {
			return time.Time{}, fmt.Errorf("due date of %s: filed year: %w", h.Type, ErrNoStart)
		}
		// The period's first day, 1/11, is counted: it ends on 1/10 Years later.
		return date(h.FiledYear+1+r.Years, time.January, 11), nil
	case StartCompleted, StartLeft:
		if h.CompletedOn.IsZero() {
			return time.Time{}, fmt.Errorf("due date of %s: completion date: %w", h.Type, ErrNoStart)
		}
		return afterYears(jpdate.DateOf(h.CompletedOn), r.Years), nil
	}
	return time.Time{}, fmt.Errorf("due date of %s: start %q: %w", h.Type, r.Start, ErrBadRule)
}

// afterYears returns the first day after a period of n years that runs from an event on day
// d, the day itself not counted (民法140条). The period starts on d+1 and ends on the day
// before its 応当日 n years later, so it has passed on the 応当日 of d+1. When d+1 is 29
// February and the 応当日 does not exist, the period ends on 28 February (民法143条2項) and
// has passed on 1 March, which is what time.AddDate gives.
func afterYears(d time.Time, n int) time.Time {
	return d.AddDate(0, 0, 1).AddDate(n, 0, 0)
}

func date(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// EndOfBusinessYear returns the last day of the business year (事業年度) that contains due,
// for a business year that ends on the last day of fiscalYearEndMonth: the deadline by
// which a 取扱規程 that says "delete by the end of the business year" requires a number that
// became due on due to be deleted. fiscalYearEndMonth 0, or any value outside 1–12, means 3
// (March, the usual Japanese 事業年度). The zero due gives the zero Time.
func EndOfBusinessYear(due time.Time, fiscalYearEndMonth int) time.Time {
	if due.IsZero() {
		return time.Time{}
	}
	if fiscalYearEndMonth < 1 || fiscalYearEndMonth > 12 {
		fiscalYearEndMonth = 3
	}
	d := jpdate.DateOf(due)
	y := d.Year()
	if int(d.Month()) > fiscalYearEndMonth {
		y++
	}
	// Day 0 of the next month is the last day of fiscalYearEndMonth.
	return date(y, time.Month(fiscalYearEndMonth)+1, 0)
}
