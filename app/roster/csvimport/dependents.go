package csvimport

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/mynumber-shelter/shelter/app/jtext"
	"github.com/mynumber-shelter/shelter/app/roster"
)

// A payroll export carries 扶養親族 in one of two shapes, both imported:
//
//   - numbered column groups on the employee's line: 扶養親族1氏名, 扶養親族1フリガナ,
//     扶養親族1続柄, 扶養親族1生年月日, 扶養親族1性別, 扶養親族1個人番号, then 扶養親族2… (also
//     扶養1…, 扶養家族1…, 控除対象扶養親族(1)…, 16歳未満扶養親族1…, 扶養親族氏名1…), and
//     配偶者氏名 … for the spouse (続柄 配偶者 implied);
//   - one line per person: a 続柄 column ([roster.FieldRelation]); a line whose 続柄 is 本人 or
//     empty is an employee, any other line a dependent of the employee with the same
//     従業員コード (on a 本人 line of the file or already registered), read from the columns
//     mapped to 氏名, フリガナ, 生年月日, 性別 and 個人番号.
//
// The part after the group's name is read with the same header names and aliases as the
// employee's fields ([Fields]). A group is imported when it has a 氏名 column and a 続柄 column
// (or is the spouse's); its other columns (障害者区分, 同居区分 …) and groups without them are
// named in a warning. A dependent is checked as one entered by hand (roster.Dependent.Check),
// its number as an employee's, and it is matched to a registered dependent of the same
// employee by name or reading (app/jtext folding) and birth date: a match is updated (or left
// unchanged), anything else added. An import never deletes a dependent.

// depGroup is one dependent's columns on an employee's line.
type depGroup struct {
	label    string          // "扶養親族1", "配偶者"; "" for the line of a one-row-per-person file
	cols     map[string]int  // field → 0-based column
	relation roster.Relation // implied by the label (配偶者), or ""
	first    int             // its first column, for the order of groups
}

// depFields are the fields a dependent has, in the order problems are reported.
var depFields = []string{roster.FieldName, roster.FieldNameKana, roster.FieldRelation, roster.FieldBirthDate, roster.FieldSex, roster.FieldNumber}

const depPrefix = `(控除対象扶養親族|源泉控除対象扶養親族|16歳未満の?扶養親族|年少扶養親族|扶養親族|扶養家族|扶養者|扶養|家族)`

var (
	depNumFirst = regexp.MustCompile(`^` + depPrefix + `[(\[]?([0-9]{1,2})[)\]]?[_\-・.:]?(.+)$`)
	depNumLast  = regexp.MustCompile(`^` + depPrefix + `[_\-・.:]?(.+?)[(\[]?([0-9]{1,2})[)\]]?$`)
	spouseCol   = regexp.MustCompile(`^(源泉控除対象配偶者|控除対象配偶者|配偶者)の?[_\-・.:]?(.+)$`)
)

// depField is the dependent field a group column's name (after the group's name) stands for.
func depField(suffix string) (string, bool) {
	suffix = normHeader(suffix)
	for _, f := range depFields {
		fi, _ := fieldInfo(f)
		for _, n := range append([]string{fi.Header}, fi.Aliases...) {
			if suffix == normHeader(n) {
				return f, true
			}
		}
	}
	return "", false
}

// parseDepHeader splits a header such as 扶養親族(1)氏名 into its group key, label and field.
func parseDepHeader(h string) (key, label, field string, spouse, ok bool) {
	n := normHeader(h)
	if m := depNumFirst.FindStringSubmatch(n); m != nil {
		if f, ok := depField(m[3]); ok {
			num, _ := strconv.Atoi(m[2])
			return fmt.Sprintf("%s%d", m[1], num), fmt.Sprintf("%s%d", m[1], num), f, false, true
		}
	}
	if m := depNumLast.FindStringSubmatch(n); m != nil {
		if f, ok := depField(m[2]); ok {
			num, _ := strconv.Atoi(m[3])
			return fmt.Sprintf("%s%d", m[1], num), fmt.Sprintf("%s%d", m[1], num), f, false, true
		}
	}
	if m := spouseCol.FindStringSubmatch(n); m != nil {
		if f, ok := depField(m[2]); ok && f != roster.FieldRelation {
			return m[1], m[1], f, true, true
		}
	}
	return "", "", "", false, false
}

// dependentGroups finds the 扶養親族 column groups among the columns no field took. It returns
// the groups that can be imported and a warning for each group that cannot (no 氏名 or no 続柄
// column), whose columns it records in l.skipped.
func dependentGroups(head Record, l *layout, used map[int]string) ([]*depGroup, []Problem) {
	byKey := map[string]*depGroup{}
	var all []*depGroup
	for i, h := range head.Fields {
		if _, taken := used[i]; taken || safeHeader(h) == "" {
			continue
		}
		key, label, field, spouse, ok := parseDepHeader(h)
		if !ok {
			continue
		}
		g := byKey[key]
		if g == nil {
			g = &depGroup{label: label, cols: map[string]int{}, first: i}
			if spouse {
				g.relation = roster.RelationSpouse
			}
			byKey[key] = g
			all = append(all, g)
		}
		if _, dup := g.cols[field]; !dup {
			g.cols[field] = i
		}
	}
	var groups []*depGroup
	var notes []Problem
	for _, g := range all {
		_, name := g.cols[roster.FieldName]
		_, rel := g.cols[roster.FieldRelation]
		if name && (rel || g.relation != "") {
			groups = append(groups, g)
			continue
		}
		var cols []string
		for _, i := range g.cols {
			cols = append(cols, l.columnName(i))
			if l.skipped == nil {
				l.skipped = map[int]bool{}
			}
			l.skipped[i] = true
		}
		slices.Sort(cols)
		missingJA, missingEN := "氏名", "name"
		if name {
			missingJA, missingEN = "続柄", "relation (続柄)"
		}
		notes = append(notes, Problem{Line: head.Line, Column: l.columnName(g.first), Code: CodeIgnored,
			JA: fmt.Sprintf("「%s」の列（%s）は、%sの列がないため取り込まれません。扶養親族は 1-2 の従業員画面で登録してください。", g.label, strings.Join(cols, "、"), missingJA),
			EN: fmt.Sprintf("The columns of %s (%s) are not imported: there is no %s column. Enter these dependents in 1-2.", g.label, strings.Join(cols, ", "), missingEN)})
	}
	return groups, notes
}

// personGroup is the dependent's columns of a one-row-per-person file: the employee fields'.
func personGroup(l *layout) *depGroup {
	g := &depGroup{cols: map[string]int{}}
	for _, f := range depFields {
		if i, ok := l.cols[f]; ok {
			g.cols[f] = i
		}
	}
	return g
}

// isDependentLine reports whether a 続柄 cell makes its line a dependent's.
func isDependentLine(v string) bool {
	v = strings.TrimSpace(v)
	return v != "" && v != "本人"
}

// present reports whether the group has any value on the line.
func (g *depGroup) present(rec Record) bool {
	for _, i := range g.cols {
		if strings.TrimSpace(rec.Fields[i]) != "" {
			return true
		}
	}
	return false
}

// planDep is one dependent to write.
type planDep struct {
	line    int
	owner   string            // the employee's code
	ownerID int64             // the employee's id when registered; else found by code when writing
	d       roster.Dependent  // as it will be stored
	old     *roster.Dependent // as stored now; nil for a new dependent
	number  string            // 12 digits to register, or ""
	codeCol string            // the 従業員コード column, for a missing employee
	notes   []Problem         // warnings that do not stop the import
}

func (dp *planDep) unchanged() bool {
	return dp.old != nil && dp.number == "" && roster.ChangedDependent(*dp.old, dp.d) == "no change"
}

// sameNameOtherBirth reports whether employee empID has a registered dependent of d's folded
// name whose birth date is another (both known): a correction in the file, or another person.
func (c *checker) sameNameOtherBirth(empID int64, d roster.Dependent) bool {
	for _, x := range c.deps[empID] {
		if jtext.Fold(x.Name) == jtext.Fold(d.Name) && x.BirthDate != "" && d.BirthDate != "" && x.BirthDate != d.BirthDate {
			return true
		}
	}
	return false
}

// unlisted warns, for each registered employee of the file, of its registered dependents the
// file does not name: the import never deletes one (someone who left the household is removed
// in 1-2), and the user should know they stay.
func (c *checker) unlisted() []Problem {
	var out []Problem
	for code, line := range c.seenCode {
		emp := c.existing[code]
		if emp == nil {
			continue
		}
		n := 0
		for _, x := range c.deps[emp.ID] {
			if _, ok := c.claimed[x.ID]; !ok {
				n++
			}
		}
		if n > 0 {
			out = append(out, Problem{Line: line, Column: c.l.fieldColumn(roster.FieldCode), Field: roster.FieldCode, Code: CodeIgnored,
				JA: fmt.Sprintf("従業員コード %s の登録済みの扶養親族 %d 人がこのファイルにありません。取り込みでは削除しません（扶養から外れた方は 1-2 で削除してください）。", code, n),
				EN: fmt.Sprintf("%d registered dependent(s) of employee %s are not in this file. The import deletes none (remove someone who left the household in 1-2).", n, code)})
		}
	}
	slices.SortFunc(out, func(a, b Problem) int { return a.Line - b.Line })
	return out
}

// depIdentity is how dependents of one employee are told apart: the folded name and the
// birth date.
func depIdentity(owner string, d roster.Dependent) string {
	return owner + "\x00" + jtext.Fold(d.Name) + "\x00" + d.BirthDate
}

// match finds the registered dependent of employee empID that d (only the fields in set read
// from the file) is: the same folded name or reading, and the same birth date (or one of the
// two without one). An exact birth date wins; then the lowest id.
func (c *checker) match(empID int64, d roster.Dependent, set map[string]bool) *roster.Dependent {
	var loose *roster.Dependent
	for _, x := range c.deps[empID] {
		same := jtext.Fold(x.Name) == jtext.Fold(d.Name) ||
			set[roster.FieldNameKana] && d.NameKana != "" && x.NameKana != "" && jtext.Fold(x.NameKana) == jtext.Fold(d.NameKana)
		if !same {
			continue
		}
		switch {
		case !set[roster.FieldBirthDate] || x.BirthDate == d.BirthDate:
			return x
		case (x.BirthDate == "" || d.BirthDate == "") && loose == nil:
			loose = x
		}
	}
	return loose
}

// dependent checks one dependent of employee owner read from g's columns of rec. Every problem
// is reported on rec's line and the column of its field.
func (c *checker) dependent(rec Record, owner string, g *depGroup) (planDep, []Problem, error) {
	dp := planDep{line: rec.Line, owner: owner}
	var ps []Problem
	colOf := func(field string) string {
		if i, ok := g.cols[field]; ok {
			return c.l.columnName(i)
		}
		if g.label == "" {
			return c.l.fieldColumn(field)
		}
		return g.label
	}
	add := func(field, code, ja, en string) {
		ps = append(ps, Problem{Line: rec.Line, Column: colOf(field), Field: field, Code: code, JA: "扶養親族: " + ja, EN: "Dependent: " + en})
	}
	d := roster.Dependent{CompanyID: c.companyID, Relation: g.relation}
	set := map[string]bool{}
	for f, i := range g.cols {
		v := rec.Fields[i]
		set[f] = true
		switch f {
		case roster.FieldName:
			d.Name = v
		case roster.FieldNameKana:
			d.NameKana = v
		case roster.FieldRelation:
			d.Relation = roster.Relation(v)
		case roster.FieldBirthDate:
			d.BirthDate = v
		case roster.FieldSex:
			if sex, ok := roster.ParseSex(v); ok {
				d.Sex = sex
			} else {
				add(roster.FieldSex, CodeInvalid, "性別は 男・女（または 1・2、M・F）で入力してください。", "Write the sex as 男/女, 1/2 or M/F.")
			}
		}
	}
	coded := false
	if v := strings.TrimSpace(string(d.Relation)); v != "" && strings.Trim(v, "0123456789０１２３４５６７８９") == "" {
		coded = true
		// A payroll program's own code for 続柄: each program numbers them its own way, so it
		// is not guessed.
		add(roster.FieldRelation, CodeInvalid,
			"続柄が数字（コード）で書かれています。コードの意味はソフトごとに違うため読み取りません。給与ソフトから続柄を文字（本人・配偶者・子・父母 など）で出力するか、この列を文字に置き換えてください。",
			"The relation is a number (a code). Codes differ between programs, so it is not guessed. Export 続柄 as words (本人, 配偶者, 子, 父母 …) or replace the codes in this column.")
		d.Relation = ""
	}
	for _, p := range d.Check(c.today) {
		if p.Field == roster.FieldRelation && coded {
			continue // said above
		}
		add(p.Field, CodeInvalid, p.JA, p.EN)
	}
	if i, ok := g.cols[roster.FieldNumber]; ok && len(ps) > 0 && strings.TrimSpace(rec.Fields[i]) != "" {
		// Which person the number would go to is unknown: check its digits only.
		checkDigits(rec.Fields[i], add)
	}
	if len(ps) == 0 {
		var self int64
		if emp := c.existing[owner]; emp != nil && owner != "" {
			dp.ownerID = emp.ID
			dp.old = c.match(emp.ID, d, set)
		}
		if dp.old == nil && dp.ownerID != 0 && set[roster.FieldBirthDate] {
			if c.sameNameOtherBirth(dp.ownerID, d) {
				dp.notes = append(dp.notes, Problem{Line: rec.Line, Column: colOf(roster.FieldBirthDate), Field: roster.FieldBirthDate, Code: CodeImplausible,
					JA: "従業員コード " + owner + " の扶養親族に、氏名が同じで生年月日が違う方がすでに登録されています。別の方として登録します。生年月日の訂正でしたら、取り込み後に 1-2 で古い登録を削除してください。",
					EN: "Employee " + owner + " already has a dependent of the same name with another birth date. This one is added as another person; if it corrects the birth date, delete the old entry in 1-2 after the import."})
			}
		}
		if dp.old != nil {
			self = dp.old.ID
			if first, dup := c.claimed[self]; dup {
				sameDependent(first, add)
				return dp, ps, nil
			}
			c.claimed[self] = rec.Line
			merged := *dp.old
			merged.Name, merged.Relation = d.Name, d.Relation
			if set[roster.FieldNameKana] {
				merged.NameKana = d.NameKana
			}
			if set[roster.FieldBirthDate] {
				merged.BirthDate = d.BirthDate
			}
			if set[roster.FieldSex] {
				merged.Sex = d.Sex
			}
			d = merged
		}
		id := depIdentity(owner, d)
		if first, dup := c.seenDep[id]; dup {
			sameDependent(first, add)
			return dp, ps, nil
		}
		c.seenDep[id] = rec.Line
		if i, ok := g.cols[roster.FieldNumber]; ok && strings.TrimSpace(rec.Fields[i]) != "" {
			n, err := c.number(rec.Line, self, rec.Fields[i], add)
			if err != nil {
				return dp, nil, err
			}
			dp.number = n
		}
	}
	dp.d = d
	return dp, ps, nil
}

// sameDependent reports a dependent of an employee already on line first (or earlier on this
// line, in another column group).
func sameDependent(first int, add func(field, code, ja, en string)) {
	add(roster.FieldName, CodeDuplicateDependent, fmt.Sprintf("同じ扶養親族が%d行目にもあります（氏名・フリガナと生年月日が同じです）。", first),
		fmt.Sprintf("The same dependent is on line %d too (same name or reading and birth date).", first))
}

// dependentLine checks a dependent's line of a one-row-per-person file. Whether its employee
// exists is checked once the whole file is read ([checker.checkOwners]).
func (c *checker) dependentLine(rec Record) (planDep, []Problem, error) {
	code := roster.NormalizeEmployeeCode(rec.Fields[c.l.cols[roster.FieldCode]])
	if code == "" {
		return planDep{}, []Problem{{Line: rec.Line, Column: c.l.fieldColumn(roster.FieldCode), Field: roster.FieldCode, Code: CodeInvalid,
			JA: "扶養親族の行には、その方を扶養する従業員の従業員コードを入力してください。",
			EN: "A dependent's line needs the employee code of the employee they depend on."}}, nil
	}
	dp, ps, err := c.dependent(rec, code, c.person)
	dp.codeCol = c.l.fieldColumn(roster.FieldCode)
	return dp, ps, err
}

// employeeOnly warns, on a dependent's line of a one-row-per-person file, of the filled cells of
// columns only an employee has (部署, 入社日 …): they are not imported for a dependent, and the
// user should know rather than find them missing. ok is false when there are none.
func (c *checker) employeeOnly(rec Record) (Problem, bool) {
	var idx []int
	for field, i := range c.l.cols {
		if field == roster.FieldCode || slices.Contains(depFields, field) || i >= len(rec.Fields) ||
			strings.TrimSpace(rec.Fields[i]) == "" {
			continue
		}
		idx = append(idx, i)
	}
	if len(idx) == 0 {
		return Problem{}, false
	}
	slices.Sort(idx) // the file's order
	cols := make([]string, len(idx))
	for k, i := range idx {
		cols[k] = c.l.columnName(i)
	}
	return Problem{Line: rec.Line, Column: cols[0], Code: CodeIgnored,
		JA: "扶養親族の行の「" + strings.Join(cols, "」「") + "」は取り込みません（従業員の項目です）。扶養親族には氏名・フリガナ・続柄・生年月日・性別・個人番号だけを登録します。",
		EN: "On a dependent's line, " + strings.Join(cols, ", ") + " are not imported (they are an employee's). A dependent gets only name, reading, relation, birth date, sex and My Number."}, true
}

// ownerProblem refuses a dependent's line whose employee is neither on a 本人 line of the file
// nor registered.
func (c *checker) ownerProblem(dp *planDep) (Problem, bool) {
	if _, inFile := c.seenCode[dp.owner]; inFile || c.existing[dp.owner] != nil {
		return Problem{}, false
	}
	return Problem{Line: dp.line, Column: dp.codeCol, Field: roster.FieldCode, Code: CodeNoEmployee,
		JA: fmt.Sprintf("従業員コード %s の従業員（続柄「本人」の行）がファイルになく、登録もされていません。扶養親族の行より前か後に本人の行を加えてください。", dp.owner),
		EN: fmt.Sprintf("There is no employee with code %s: no line of the file with 続柄 本人, and none registered. Add the employee's own line.", dp.owner)}, true
}
