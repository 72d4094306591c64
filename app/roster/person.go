package roster

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/jpdate"
	"github.com/mynumber-shelter/shelter/internal/mynumber"
)

// Field names of employees and dependents. They are the Field of every validation error this
// package returns for a person, the keys of the CSV import's column mapping, and stable API for
// the frontend.
const (
	FieldCode       = "code"       // 従業員コード
	FieldName       = "name"       // 氏名
	FieldNameKana   = "nameKana"   // フリガナ
	FieldBirthDate  = "birthDate"  // 生年月日
	FieldSex        = "sex"        // 性別
	FieldDepartment = "department" // 部署
	FieldHiredOn    = "hiredOn"    // 入社日
	FieldLeftOn     = "leftOn"     // 退職日
	FieldEmail      = "email"      // メールアドレス
	FieldPhone      = "phone"      // 電話番号
	FieldNumber     = "number"     // 個人番号
	FieldRelation   = "relation"   // 続柄
)

// Sex is 性別 as stored.
type Sex string

const (
	SexUnspecified Sex = ""       // not given (未設定)
	SexMale        Sex = "male"   // 男
	SexFemale      Sex = "female" // 女
)

// ParseSex reads 性別 as people and payroll files write it: 男, 男性, M, male and 1 are male;
// 女, 女性, F, female and 2 are female (1 and 2 as in JIS X 0303); "", 0, 9 and 不明 are
// unspecified. Full-width forms and letter case are accepted. ok is false for anything else.
func ParseSex(s string) (sex Sex, ok bool) {
	switch strings.ToLower(clean(s)) {
	case "", "0", "9", "不明", "未設定", "unknown":
		return SexUnspecified, true
	case "男", "男性", "m", "male", "1", "♂":
		return SexMale, true
	case "女", "女性", "f", "female", "2", "♀":
		return SexFemale, true
	}
	return SexUnspecified, false
}

// Valid reports whether s is one of the constants.
func (s Sex) Valid() bool { return s == SexUnspecified || s == SexMale || s == SexFemale }

// Label is 男 / 女 / "" (English "Male" / "Female" when lang starts with "en").
func (s Sex) Label(lang string) string {
	en := strings.HasPrefix(lang, "en")
	switch {
	case s == SexMale && en:
		return "Male"
	case s == SexMale:
		return "男"
	case s == SexFemale && en:
		return "Female"
	case s == SexFemale:
		return "女"
	}
	return ""
}

// Relation is a dependent's 続柄 (relation to the employee).
type Relation string

const (
	RelationSpouse      Relation = "spouse"      // 配偶者
	RelationChild       Relation = "child"       // 子
	RelationParent      Relation = "parent"      // 父母
	RelationGrandchild  Relation = "grandchild"  // 孫
	RelationGrandparent Relation = "grandparent" // 祖父母
	RelationSibling     Relation = "sibling"     // 兄弟姉妹
	RelationOther       Relation = "other"       // その他
)

var relationLabels = []struct {
	r      Relation
	ja, en string
	also   []string
}{
	{RelationSpouse, "配偶者", "Spouse", []string{"妻", "夫"}},
	{RelationChild, "子", "Child", []string{"長男", "長女", "次男", "次女", "二男", "二女", "三男", "三女", "四男", "四女", "息子", "娘"}},
	{RelationParent, "父母", "Parent", []string{"父", "母", "義父", "義母", "養父", "養母"}},
	{RelationGrandchild, "孫", "Grandchild", nil},
	{RelationGrandparent, "祖父母", "Grandparent", []string{"祖父", "祖母"}},
	{RelationSibling, "兄弟姉妹", "Sibling", []string{"兄", "弟", "姉", "妹"}},
	{RelationOther, "その他", "Other", nil},
}

// Relations returns every relation in display order.
func Relations() []Relation {
	out := make([]Relation, len(relationLabels))
	for i, l := range relationLabels {
		out[i] = l.r
	}
	return out
}

// ParseRelation reads a 続柄: a constant's value, its Japanese label, or a common word for it
// (妻, 夫, 長男, 長女, 父, 母, 祖母, 兄, …). ok is false for anything else, including "".
func ParseRelation(s string) (Relation, bool) {
	s = clean(s)
	for _, l := range relationLabels {
		if s == string(l.r) || s == l.ja {
			return l.r, true
		}
		for _, a := range l.also {
			if s == a {
				return l.r, true
			}
		}
	}
	return "", false
}

// Label is the relation's name for display, Japanese unless lang starts with "en".
func (r Relation) Label(lang string) string {
	for _, l := range relationLabels {
		if l.r == r {
			if strings.HasPrefix(lang, "en") {
				return l.en
			}
			return l.ja
		}
	}
	return string(r)
}

// Limits of person fields, in characters.
const (
	MaxNameLen  = 64
	MaxEmailLen = 254
	MaxCodeLen  = 20
)

var (
	employeeCodePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)
	emailPattern        = regexp.MustCompile(`^[^\s@]+@[^\s@]+\.[^\s@]+$`)
)

// Problems is every validation error of one record, in field order. Each is a user-safe
// [*apperr.Error] whose Field is one of the Field constants.
type Problems []*apperr.Error

// add appends a validation error.
func (ps *Problems) add(field, ja, en string) { *ps = append(*ps, apperr.Invalid(field, ja, en)) }

// Err returns the first problem, or nil.
func (ps Problems) Err() error {
	if len(ps) == 0 {
		return nil
	}
	return ps[0]
}

// NormalizeEmployeeCode applies NFKC (full-width letters and digits typed by IMEs) and trims.
func NormalizeEmployeeCode(s string) string { return clean(s) }

// checkEmployeeCode validates a normalised 従業員コード.
func checkEmployeeCode(code string, ps *Problems) {
	switch {
	case code == "":
		ps.add(FieldCode, "従業員コードを入力してください。", "Enter the employee code.")
	case utf8.RuneCountInString(code) > MaxCodeLen || !employeeCodePattern.MatchString(code):
		ps.add(FieldCode, fmt.Sprintf("従業員コードは半角英数字と - _ . で%d文字以内にしてください。", MaxCodeLen),
			fmt.Sprintf("Employee codes are up to %d letters, digits, -, _ or .", MaxCodeLen))
	case countDigits(code) >= mynumber.IndividualLen:
		// 番号法 forbids numbering people by their My Number; a code this long could be one.
		ps.add(FieldCode, "従業員コードに12桁以上の数字は使えません（個人番号を従業員コードにすることはできません）。",
			"An employee code may not contain 12 or more digits (a My Number must not be used as an employee code).")
	}
}

func countDigits(s string) int {
	n := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			n++
		}
	}
	return n
}

// checkName validates a required 氏名 (trimmed, kept as typed: NFKC would change some kanji).
func checkName(s *string, ps *Problems) {
	*s = strings.TrimSpace(*s)
	switch {
	case *s == "":
		ps.add(FieldName, "氏名を入力してください。", "Enter the name.")
	case utf8.RuneCountInString(*s) > MaxNameLen:
		ps.add(FieldName, fmt.Sprintf("氏名は%d文字以内にしてください。", MaxNameLen), fmt.Sprintf("The name may be at most %d characters.", MaxNameLen))
	case hasControl(*s):
		ps.add(FieldName, "氏名に使えない制御文字が含まれています。", "The name contains a control character.")
	}
}

// checkKana normalises フリガナ with NFKC (half-width katakana become full-width) and checks it.
func checkKana(s *string, ps *Problems) {
	*s = clean(*s)
	switch {
	case utf8.RuneCountInString(*s) > MaxNameLen:
		ps.add(FieldNameKana, fmt.Sprintf("フリガナは%d文字以内にしてください。", MaxNameLen), fmt.Sprintf("The reading may be at most %d characters.", MaxNameLen))
	case hasControl(*s):
		ps.add(FieldNameKana, "フリガナに使えない制御文字が含まれています。", "The reading contains a control character.")
	}
}

func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) || r == utf8.RuneError })
}

// checkDate parses a date in any form jpdate.ParseDate reads and rewrites it as ISO. An empty
// value is allowed. A date after today is refused when notAfterToday is set.
func checkDate(field, ja, en string, s *string, today time.Time, notAfterToday bool, ps *Problems) time.Time {
	if strings.TrimSpace(*s) == "" {
		*s = ""
		return time.Time{}
	}
	t, err := jpdate.ParseDate(*s)
	if err != nil {
		var msgJA, msgEN string
		if de, ok := err.(*jpdate.DateError); ok {
			msgJA, msgEN = de.Japanese(), strings.TrimPrefix(de.Error(), "jpdate: ")
		} else {
			msgJA, msgEN = "日付として読めません。", "not a date"
		}
		ps.add(field, ja+": "+msgJA+"（例: 2024-04-01、令和6年4月1日、R6.4.1）", en+": "+msgEN+" (e.g. 2024-04-01, 令和6年4月1日, R6.4.1)")
		return time.Time{}
	}
	if notAfterToday && !today.IsZero() && t.After(today) {
		ps.add(field, ja+"が未来の日付になっています。", "The "+strings.ToLower(en)+" is in the future.")
	}
	*s = jpdate.ISO(t)
	return t
}

// checkNoNumber refuses a free-text value that holds a check-digit-valid 12-digit run: a My
// Number typed into the wrong field would otherwise be stored in clear.
func checkNoNumber(field, ja, en, s string, ps *Problems) bool {
	if mynumber.HoldsIndividual(s) {
		ps.add(field, ja+"に個人番号のような12桁の数字が含まれています。個人番号は個人番号の欄にだけ入力してください。",
			"The "+en+" contains a 12-digit number that looks like a My Number. Enter My Numbers only in the number field.")
		return false
	}
	return true
}

// checkContact validates email and phone (both optional).
func checkContact(email, phone *string, ps *Problems) {
	if *email = clean(*email); *email != "" {
		if len(*email) > MaxEmailLen || !emailPattern.MatchString(*email) {
			ps.add(FieldEmail, "メールアドレスの形式が正しくありません（例: taro@example.jp）。", "The email address is not valid (e.g. taro@example.jp).")
		}
	}
	if *phone = clean(*phone); *phone != "" && !phonePattern.MatchString(*phone) {
		ps.add(FieldPhone, "電話番号は数字とハイフンで入力してください（例: 090-1234-5678）。", "Enter the phone number with digits and hyphens (e.g. 090-1234-5678).")
	}
}

// Check normalises e in place (NFKC codes and readings, ISO dates) and returns every problem.
// today is the current date in Japan (see jpdate.JapanDate); birth dates may not be after it.
// It does not check references (department, uniqueness): the use cases do that in their
// transaction.
func (e *Employee) Check(today time.Time) Problems {
	var ps Problems
	e.Code = NormalizeEmployeeCode(e.Code)
	checkEmployeeCode(e.Code, &ps)
	checkName(&e.Name, &ps)
	checkKana(&e.NameKana, &ps)
	checkDate(FieldBirthDate, "生年月日", "Birth date", &e.BirthDate, today, true, &ps)
	if !e.Sex.Valid() {
		ps.add(FieldSex, "性別は 男・女 のどちらかを選んでください。", "Choose male or female.")
	}
	hired := checkDate(FieldHiredOn, "入社日", "Hire date", &e.HiredOn, today, false, &ps)
	left := checkDate(FieldLeftOn, "退職日", "Leaving date", &e.LeftOn, today, false, &ps)
	if !hired.IsZero() && !left.IsZero() && left.Before(hired) {
		ps.add(FieldLeftOn, "退職日が入社日より前になっています。", "The leaving date is before the hire date.")
	}
	checkContact(&e.Email, &e.Phone, &ps)
	checkNoNumber(FieldName, "氏名", "name", e.Name, &ps)
	checkNoNumber(FieldNameKana, "フリガナ", "reading", e.NameKana, &ps)
	checkNoNumber(FieldEmail, "メールアドレス", "email address", e.Email, &ps)
	checkNoNumber(FieldPhone, "電話番号", "phone number", e.Phone, &ps)
	return ps
}

// Check normalises d in place and returns every problem, as [Employee.Check] does.
func (d *Dependent) Check(today time.Time) Problems {
	var ps Problems
	checkName(&d.Name, &ps)
	checkKana(&d.NameKana, &ps)
	if r, ok := ParseRelation(string(d.Relation)); ok {
		d.Relation = r
	} else {
		ps.add(FieldRelation, "続柄を選んでください（配偶者・子・父母 など）。", "Choose the relation (spouse, child, parent, …).")
	}
	checkDate(FieldBirthDate, "生年月日", "Birth date", &d.BirthDate, today, true, &ps)
	if !d.Sex.Valid() {
		ps.add(FieldSex, "性別は 男・女 のどちらかを選んでください。", "Choose male or female.")
	}
	checkNoNumber(FieldName, "氏名", "name", d.Name, &ps)
	checkNoNumber(FieldNameKana, "フリガナ", "reading", d.NameKana, &ps)
	return ps
}

// MinWorkingAge is the age below which a person may not be employed (労働基準法56条: not before
// the end of the school year in which they turn 15). The check is a plausibility warning: the
// date is more likely mistyped than true.
const MinWorkingAge = 15

// Warning is something unlikely about a record that is still saved: the clerk should look at
// it (a mistyped date), but it may be true.
type Warning struct {
	Field  string
	JA, EN string
}

// Plausibility returns the warnings about e's dates: hired before being born, or hired under
// [MinWorkingAge]. Dates are ISO, as [Employee.Check] leaves them; a missing date warns of
// nothing.
func (e *Employee) Plausibility() []Warning {
	birth, err1 := jpdate.ParseISO(e.BirthDate)
	hired, err2 := jpdate.ParseISO(e.HiredOn)
	if e.BirthDate == "" || e.HiredOn == "" || err1 != nil || err2 != nil {
		return nil
	}
	if hired.Before(birth) {
		return []Warning{{FieldHiredOn, "入社日が生年月日より前です。生年月日と入社日を確認してください。",
			"The hire date is before the birth date. Check both dates."}}
	}
	if age := ageOn(birth, hired); age < MinWorkingAge {
		return []Warning{{FieldHiredOn, fmt.Sprintf("入社時の年齢が%d歳です（15歳未満）。生年月日と入社日を確認してください。", age),
			fmt.Sprintf("The person was %d when hired (under 15). Check the birth and hire dates.", age)}}
	}
	return nil
}

// ageOn is the age in whole years of a person born on birth, on day.
func ageOn(birth, day time.Time) int {
	age := day.Year() - birth.Year()
	if day.Month() < birth.Month() || day.Month() == birth.Month() && day.Day() < birth.Day() {
		age--
	}
	return age
}
