package csvimport

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mynumber-shelter/shelter/app/roster"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
	"github.com/mynumber-shelter/shelter/internal/mynumber"
	"golang.org/x/text/unicode/norm"
)

// plan is a file checked against the vault inside one transaction: the report, and the rows
// without problems ready to be written.
type plan struct {
	report   Report
	rows     []planRow
	deps     []planDep // dependents to write, after the rows
	newDepts []string  // departments to create, in order of first appearance
}

// planRow is one line to write.
type planRow struct {
	line    int
	e       roster.Employee  // the employee as it will be stored
	old     *roster.Employee // as stored now; nil for a new employee
	number  string           // 12 digits to register, or ""
	newDept string           // name of a department to create and assign, or ""
}

func (r *planRow) unchanged() bool {
	return r.old != nil && r.number == "" && r.newDept == "" && roster.ChangedEmployee(*r.old, r.e) == "no change"
}

// checker holds what the checks of one file need from the vault.
type checker struct {
	tx        *store.Tx
	ck        *vault.CompanyKey
	companyID int64
	today     time.Time
	l         *layout

	existing   map[string]*roster.Employee
	deptByCode map[string]int64
	deptByName map[string][]int64
	idx        *roster.NumberIndex
	seenCode   map[string]int // employee code → first line
	seenNumber map[string]int // blind-index key → first line
	newDept    map[string]bool

	deps    map[int64][]*roster.Dependent // registered dependents by employee id
	claimed map[int64]int                 // registered dependent id → the line that matched it
	seenDep map[string]int                // depIdentity → first line
	person  *depGroup                     // a one-row-per-person file's dependent columns
}

// buildPlan checks every data line of s and returns the plan. Problems go into the report; the
// error is for the vault (database, keys) only.
func buildPlan(tx *store.Tx, ck *vault.CompanyKey, s *Sheet, m Mapping) (*plan, error) {
	pl := &plan{report: Report{Encoding: s.Encoding}}
	l, ps := resolve(s, m)
	if ps != nil {
		pl.report.Problems = ps
		return pl, nil
	}
	pl.report.Warnings = append(pl.report.Warnings, l.notes...)
	pl.report.Warnings = append(pl.report.Warnings, ignoredColumns(s, l)...)
	c := &checker{tx: tx, ck: ck, companyID: ck.CompanyID(), today: jpdateToday(tx), l: l,
		existing: map[string]*roster.Employee{}, deptByCode: map[string]int64{}, deptByName: map[string][]int64{},
		seenCode: map[string]int{}, seenNumber: map[string]int{}, newDept: map[string]bool{},
		deps: map[int64][]*roster.Dependent{}, claimed: map[int64]int{}, seenDep: map[string]int{}, person: personGroup(l)}
	es, err := roster.EmployeesTx(tx, c.companyID)
	if err != nil {
		return nil, err
	}
	for i := range es {
		c.existing[es[i].Code] = &es[i]
	}
	ds, err := roster.DepartmentsTx(tx, c.companyID)
	if err != nil {
		return nil, err
	}
	for _, d := range ds {
		c.deptByCode[d.Code] = d.ID
		c.deptByName[d.Name] = append(c.deptByName[d.Name], d.ID)
	}
	if len(l.groups) > 0 || c.l.hasRelation() {
		ds, err := roster.DependentsTx(tx, c.companyID)
		if err != nil {
			return nil, err
		}
		for i := range ds {
			c.deps[ds[i].EmployeeID] = append(c.deps[ds[i].EmployeeID], &ds[i])
		}
	}
	if c.idx, err = roster.LoadNumberIndex(tx, ck); err != nil {
		return nil, err
	}
	data := s.Records[l.firstRow:]
	pl.report.Rows = len(data)
	if len(data) == 0 {
		pl.report.Problems = []Problem{{Code: CodeFormat, JA: "取り込む行がありません。", EN: "There are no lines to import."}}
		return pl, nil
	}
	relCol, onePerPerson := l.cols[roster.FieldRelation]
	var pending []planDep // dependents' lines of a one-row-per-person file, until every employee is known
	for _, rec := range data {
		if onePerPerson && len(rec.Fields) == l.width && isDependentLine(rec.Fields[relCol]) {
			dp, ps, err := c.dependentLine(rec)
			if err != nil {
				return nil, err
			}
			if len(ps) > 0 {
				pl.report.Rejected++
				pl.report.Problems = append(pl.report.Problems, ps...)
				continue
			}
			if w, ok := c.employeeOnly(rec); ok {
				pl.report.Warnings = append(pl.report.Warnings, w)
			}
			pending = append(pending, dp)
			continue
		}
		r, ps, err := c.row(rec)
		if err != nil {
			return nil, err
		}
		var deps []planDep
		if len(rec.Fields) == l.width {
			for _, g := range l.groups {
				if !g.present(rec) {
					continue
				}
				dp, dps, err := c.dependent(rec, r.e.Code, g)
				if err != nil {
					return nil, err
				}
				ps = append(ps, dps...)
				deps = append(deps, dp)
			}
		}
		if len(ps) > 0 {
			pl.report.Rejected++
			pl.report.Problems = append(pl.report.Problems, ps...)
			continue
		}
		switch {
		case r.old == nil:
			pl.report.Added++
		case r.unchanged():
			pl.report.Unchanged++
		default:
			pl.report.Updated++
		}
		if r.number != "" {
			pl.report.Numbers++
		}
		for _, w := range r.e.Plausibility() {
			pl.report.Warnings = append(pl.report.Warnings, Problem{Line: r.line, Column: c.l.fieldColumn(w.Field), Field: w.Field,
				Code: CodeImplausible, JA: w.JA, EN: w.EN})
		}
		if r.newDept != "" && !c.newDept[r.newDept] {
			c.newDept[r.newDept] = true
			pl.newDepts = append(pl.newDepts, r.newDept)
		}
		pl.rows = append(pl.rows, r)
		pl.addDeps(deps...)
	}
	for _, dp := range pending {
		if p, bad := c.ownerProblem(&dp); bad {
			pl.report.Rejected++
			pl.report.Problems = append(pl.report.Problems, p)
			continue
		}
		pl.report.DependentLines++
		pl.addDeps(dp)
	}
	if len(l.groups) > 0 || onePerPerson {
		pl.report.Warnings = append(pl.report.Warnings, c.unlisted()...)
	}
	slices.SortStableFunc(pl.report.Problems, func(a, b Problem) int { return a.Line - b.Line })
	pl.report.NewDepartments = pl.newDepts
	return pl, nil
}

// addDeps adds dependents without problems to the plan and counts them.
func (pl *plan) addDeps(deps ...planDep) {
	for _, dp := range deps {
		pl.report.Warnings = append(pl.report.Warnings, dp.notes...)
		switch {
		case dp.old == nil:
			pl.report.DependentsAdded++
		case dp.unchanged():
			pl.report.DependentsUnchanged++
		default:
			pl.report.DependentsUpdated++
		}
		if dp.number != "" {
			pl.report.Numbers++
		}
		pl.deps = append(pl.deps, dp)
	}
}

// row checks one record. Every problem of the line is reported, not only the first.
func (c *checker) row(rec Record) (planRow, []Problem, error) {
	r := planRow{line: rec.Line}
	var ps []Problem
	add := func(field, code, ja, en string) {
		ps = append(ps, Problem{Line: rec.Line, Column: c.l.fieldColumn(field), Field: field, Code: code, JA: ja, EN: en})
	}
	if len(rec.Fields) != c.l.width {
		ps = append(ps, Problem{Line: rec.Line, Code: CodeColumns,
			JA: fmt.Sprintf("列の数（%d列）が%s（%d列）と違います。値の中の「,」は \"…\" で囲んでください。", len(rec.Fields), c.firstLineJA(), c.l.width),
			EN: fmt.Sprintf("The line has %d columns, the %s has %d. Quote values that contain a comma.", len(rec.Fields), c.firstLineEN(), c.l.width)})
		return r, ps, nil
	}
	cell := func(field string) (string, bool) {
		i, ok := c.l.cols[field]
		if !ok {
			return "", false
		}
		return rec.Fields[i], true
	}

	code, _ := cell(roster.FieldCode)
	code = roster.NormalizeEmployeeCode(code)
	r.e = roster.Employee{CompanyID: c.companyID}
	if old := c.existing[code]; old != nil && code != "" {
		r.old, r.e = old, *old
	}
	r.e.Code = code
	for _, f := range []struct {
		field string
		dst   *string
	}{
		{roster.FieldName, &r.e.Name}, {roster.FieldNameKana, &r.e.NameKana}, {roster.FieldBirthDate, &r.e.BirthDate},
		{roster.FieldHiredOn, &r.e.HiredOn}, {roster.FieldLeftOn, &r.e.LeftOn}, {roster.FieldEmail, &r.e.Email},
		{roster.FieldPhone, &r.e.Phone},
	} {
		if v, ok := cell(f.field); ok {
			*f.dst = v
		}
	}
	if v, ok := cell(roster.FieldSex); ok {
		if sex, ok := roster.ParseSex(v); ok {
			r.e.Sex = sex
		} else {
			add(roster.FieldSex, CodeInvalid, "性別は 男・女（または 1・2、M・F）で入力してください。", "Write the sex as 男/女, 1/2 or M/F.")
		}
	}
	if v, ok := cell(roster.FieldDepartment); ok {
		c.department(&r, strings.TrimSpace(v), add)
	}
	for _, p := range r.e.Check(c.today) {
		add(p.Field, CodeInvalid, p.JA, p.EN)
	}
	if code != "" {
		if first, dup := c.seenCode[code]; dup {
			add(roster.FieldCode, CodeDuplicateCode, fmt.Sprintf("同じ従業員コードが%d行目にもあります。", first),
				fmt.Sprintf("The same employee code is on line %d too.", first))
		} else {
			c.seenCode[code] = rec.Line
		}
	}
	if v, ok := cell(roster.FieldNumber); ok && strings.TrimSpace(v) != "" {
		var self int64
		if r.old != nil {
			self = r.old.ID
		}
		n, err := c.number(r.line, self, v, add)
		if err != nil {
			return r, nil, err
		}
		r.number = n
	}
	return r, ps, nil
}

func (c *checker) firstLineJA() string {
	if c.l.firstRow == 0 {
		return "1行目"
	}
	return "見出し行"
}

func (c *checker) firstLineEN() string {
	if c.l.firstRow == 0 {
		return "first line"
	}
	return "header line"
}

// department resolves a department cell: by code, then by name; a name found nowhere is a
// new top-level department, created by the commit.
func (c *checker) department(r *planRow, v string, add func(field, code, ja, en string)) {
	if v == "" {
		r.e.DepartmentID = 0
		return
	}
	if id, ok := c.deptByCode[roster.NormalizeEmployeeCode(v)]; ok {
		r.e.DepartmentID = id
		return
	}
	switch ids := c.deptByName[v]; {
	case len(ids) == 1:
		r.e.DepartmentID = ids[0]
	case len(ids) > 1:
		add(roster.FieldDepartment, CodeDepartment, "同じ名前の部署が複数あります。部署コードで指定してください。",
			"Several departments have this name; give the department code instead.")
	case utf8.RuneCountInString(v) > roster.MaxNameLen || strings.ContainsFunc(v, unicode.IsControl):
		add(roster.FieldDepartment, CodeInvalid, fmt.Sprintf("部署名は%d文字以内にしてください。", roster.MaxNameLen),
			fmt.Sprintf("Department names may be at most %d characters.", roster.MaxNameLen))
	case digitRun(v):
		add(roster.FieldDepartment, CodeInvalid, "部署名に12桁以上の数字は使えません。", "A department name may not contain 12 or more digits.")
	default:
		r.newDept, r.e.DepartmentID = v, 0
	}
}

// digitRun reports whether s holds 12 or more digits in total (after NFKC).
func digitRun(s string) bool {
	n := 0
	for _, r := range norm.NFKC.String(s) {
		if r >= '0' && r <= '9' {
			n++
		}
	}
	return n >= mynumber.IndividualLen
}

// checkDigits validates a number cell (length, digits, check digit) and returns its 12 digits,
// or adds a problem that does not contain them.
func checkDigits(v string, add func(field, code, ja, en string)) (string, bool) {
	n, err := mynumber.ValidateIndividual(v)
	if err != nil {
		var ve *mynumber.ValidationError
		if errors.As(err, &ve) {
			add(roster.FieldNumber, CodeNumber, "個人番号: "+ve.Japanese(), "My Number: "+strings.TrimPrefix(ve.Error(), "mynumber: "))
		} else {
			add(roster.FieldNumber, CodeNumber, "個人番号が正しくありません。", "The My Number is not valid.")
		}
		return "", false
	}
	return n, true
}

// number checks a number cell of line for person self (0 for a new person): check digit,
// duplicates within the file and in the vault, and the person's registered number. It returns
// the 12 digits to register, or "" when there is nothing to write or a problem (added with
// add). Messages never contain the number.
func (c *checker) number(line int, self int64, v string, add func(field, code, ja, en string)) (string, error) {
	n, ok := checkDigits(v, add)
	if !ok {
		return "", nil
	}
	key := c.idx.Key(n)
	if first, dup := c.seenNumber[key]; dup {
		add(roster.FieldNumber, CodeDuplicateNumber, fmt.Sprintf("同じ個人番号が%d行目にもあります。", first),
			fmt.Sprintf("The same My Number is on line %d too.", first))
		return "", nil
	}
	c.seenNumber[key] = line
	if self != 0 && c.idx.Has(self) {
		if !c.idx.Holds(self, key) {
			add(roster.FieldNumber, CodeNumberConflict,
				"この従業員には別の個人番号が登録されています。番号の変更は従業員の画面で個別に行ってください。",
				"This employee already has a different My Number registered; change it on the employee's screen.")
		}
		return "", nil // the same number: nothing to write
	}
	for _, owner := range c.idx.Owners(key) {
		if owner == self {
			continue
		}
		dup, err := roster.DescribeDuplicateTx(c.tx, owner)
		if err != nil {
			return "", err
		}
		// One person can be both (an employee who is another employee's dependent), but that
		// is confirmed one by one on the person's screen, never by an import.
		add(roster.FieldNumber, CodeDuplicateNumber,
			dup.Japanese()+"取込では登録できません。同じ方であれば、個人番号の欄を空けて取り込み、従業員の画面で確認のうえ登録してください。",
			dup.Error()+". The import cannot register it: if this is the same person, leave the cell empty, import, and register the number on the employee's screen.")
		return "", nil
	}
	if self != 0 {
		var keys int
		if err := c.tx.QueryRow(`SELECT count(*) FROM person_keys WHERE person_id = ?`, self).Scan(&keys); err != nil {
			return "", fmt.Errorf("reading person key: %w", err)
		}
		if keys == 0 {
			add(roster.FieldNumber, CodeDisposed, roster.ErrDisposed.JA, roster.ErrDisposed.EN)
			return "", nil
		}
	}
	return n, nil
}

// dependentHeader recognises a payroll export's 扶養親族 columns (扶養1氏名, 扶養親族2続柄,
// 配偶者氏名 …) that no dependent field took (障害者区分, 同居区分, 配偶者の有無 …).
var dependentHeader = regexp.MustCompile(`扶養|配偶者|家族`)

// ignoredColumns warns of every column of the file that no field or dependent group takes,
// naming it, so that nothing is dropped silently; 扶養親族 columns get a warning of their own.
// Columns already named in a note of l (a group that cannot be imported) are left out.
func ignoredColumns(s *Sheet, l *layout) []Problem {
	if l.firstRow == 0 || len(s.Records) == 0 {
		return nil
	}
	used := map[int]bool{}
	for _, i := range l.cols {
		used[i] = true
	}
	for _, g := range l.groups {
		for _, i := range g.cols {
			used[i] = true
		}
	}
	var deps, other []string
	for i := range l.width {
		if used[i] || l.skipped[i] {
			continue
		}
		name := l.columnName(i)
		if dependentHeader.MatchString(name) {
			deps = append(deps, name)
		} else {
			other = append(other, name)
		}
	}
	line := s.Records[0].Line
	var out []Problem
	if len(deps) > 0 {
		out = append(out, Problem{Line: line, Code: CodeIgnored,
			JA: "扶養親族に関する次の列は取り込まれません（" + strings.Join(deps, "、") + "）。取り込むのは扶養親族の氏名・フリガナ・続柄・生年月日・性別・個人番号です。",
			EN: "These dependents' columns are not imported (" + strings.Join(deps, ", ") + "). Only a dependent's name, reading, relation, birth date, sex and My Number are."})
	}
	if len(other) > 0 {
		out = append(out, Problem{Line: line, Code: CodeIgnored,
			JA: "次の列は取り込まれません：" + strings.Join(other, "、"),
			EN: "These columns are not imported: " + strings.Join(other, ", ")})
	}
	return out
}

// hasRelation reports whether the file is one row per person (a 続柄 column is mapped).
func (l *layout) hasRelation() bool {
	_, ok := l.cols[roster.FieldRelation]
	return ok
}
