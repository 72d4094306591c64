package csvimport

import (
	"errors"
	"fmt"
	"regexp"
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
	newDepts []string // departments to create, in order of first appearance
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
	pl.report.Warnings = append(pl.report.Warnings, ignoredColumns(s, l)...)
	c := &checker{tx: tx, ck: ck, companyID: ck.CompanyID(), today: jpdateToday(tx), l: l,
		existing: map[string]*roster.Employee{}, deptByCode: map[string]int64{}, deptByName: map[string][]int64{},
		seenCode: map[string]int{}, seenNumber: map[string]int{}, newDept: map[string]bool{}}
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
	if c.idx, err = roster.LoadNumberIndex(tx, ck); err != nil {
		return nil, err
	}
	data := s.Records[l.firstRow:]
	pl.report.Rows = len(data)
	if len(data) == 0 {
		pl.report.Problems = []Problem{{Code: CodeFormat, JA: "取り込む行がありません。", EN: "There are no lines to import."}}
		return pl, nil
	}
	rel := relationColumn(l)
	for _, rec := range data {
		if p, ok := dependentRow(l, rel, rec); ok {
			pl.report.Rejected++
			pl.report.Problems = append(pl.report.Problems, p)
			continue
		}
		r, ps, err := c.row(rec)
		if err != nil {
			return nil, err
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
	}
	pl.report.NewDepartments = pl.newDepts
	return pl, nil
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
		if err := c.number(&r, v, add); err != nil {
			return r, nil, err
		}
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

// number checks a number cell: check digit, duplicates within the file and in the vault, and
// an existing employee's registered number. Messages never contain the number.
func (c *checker) number(r *planRow, v string, add func(field, code, ja, en string)) error {
	n, err := mynumber.ValidateIndividual(v)
	if err != nil {
		var ve *mynumber.ValidationError
		if errors.As(err, &ve) {
			add(roster.FieldNumber, CodeNumber, "個人番号: "+ve.Japanese(), "My Number: "+strings.TrimPrefix(ve.Error(), "mynumber: "))
		} else {
			add(roster.FieldNumber, CodeNumber, "個人番号が正しくありません。", "The My Number is not valid.")
		}
		return nil
	}
	key := c.idx.Key(n)
	if first, dup := c.seenNumber[key]; dup {
		add(roster.FieldNumber, CodeDuplicateNumber, fmt.Sprintf("同じ個人番号が%d行目にもあります。", first),
			fmt.Sprintf("The same My Number is on line %d too.", first))
		return nil
	}
	c.seenNumber[key] = r.line
	var self int64
	if r.old != nil {
		self = r.old.ID
	}
	if self != 0 && c.idx.Has(self) {
		if !c.idx.Holds(self, key) {
			add(roster.FieldNumber, CodeNumberConflict,
				"この従業員には別の個人番号が登録されています。番号の変更は従業員の画面で個別に行ってください。",
				"This employee already has a different My Number registered; change it on the employee's screen.")
		}
		return nil // the same number: nothing to write
	}
	for _, owner := range c.idx.Owners(key) {
		if owner == self {
			continue
		}
		dup, err := roster.DescribeDuplicateTx(c.tx, owner)
		if err != nil {
			return err
		}
		add(roster.FieldNumber, CodeDuplicateNumber, dup.Japanese(), dup.Error())
		return nil
	}
	if self != 0 {
		var keys int
		if err := c.tx.QueryRow(`SELECT count(*) FROM person_keys WHERE person_id = ?`, self).Scan(&keys); err != nil {
			return fmt.Errorf("reading person key: %w", err)
		}
		if keys == 0 {
			add(roster.FieldNumber, CodeDisposed, roster.ErrDisposed.JA, roster.ErrDisposed.EN)
			return nil
		}
	}
	r.number = n
	return nil
}

// dependentHeader recognises a payroll export's 扶養親族 columns (扶養1氏名, 扶養親族2続柄,
// 配偶者氏名 …), which this import does not read: dependents are entered in 1-2 or sent from
// the employees' phones.
var dependentHeader = regexp.MustCompile(`扶養|配偶者|家族`)

// ignoredColumns warns of every column of the file that no field takes, naming it, so that
// nothing is dropped silently; 扶養親族 columns get a warning of their own.
func ignoredColumns(s *Sheet, l *layout) []Problem {
	if l.firstRow == 0 || len(s.Records) == 0 {
		return nil
	}
	used := map[int]bool{}
	for _, i := range l.cols {
		used[i] = true
	}
	var deps, other []string
	for i := range l.width {
		if used[i] {
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
			JA: "扶養親族の列は取り込まれません（" + strings.Join(deps, "、") + "）。扶養親族は 1-2 の従業員画面で登録するか、従業員のスマートフォンからの提出で受け付けてください。",
			EN: "Dependents' columns are not imported (" + strings.Join(deps, ", ") + "). Enter dependents in 1-2 or receive them from the employees' phones."})
	}
	if len(other) > 0 {
		out = append(out, Problem{Line: line, Code: CodeIgnored,
			JA: "次の列は取り込まれません：" + strings.Join(other, "、"),
			EN: "These columns are not imported: " + strings.Join(other, ", ")})
	}
	return out
}

// relationColumn is the index of a column headed 続柄 (a one-row-per-person export, where the
// employee's own line says 本人), or -1.
func relationColumn(l *layout) int {
	for i := range l.width {
		if strings.TrimSpace(l.columnName(i)) == "続柄" {
			return i
		}
	}
	return -1
}

// dependentRow refuses a line of a one-row-per-person file whose 続柄 is not 本人: it is a
// 扶養親族, and importing it as an employee would be wrong. The problem names the line and the
// column, never the person's values.
func dependentRow(l *layout, rel int, rec Record) (Problem, bool) {
	if rel < 0 || rel >= len(rec.Fields) {
		return Problem{}, false
	}
	v := strings.TrimSpace(rec.Fields[rel])
	if v == "" || v == "本人" {
		return Problem{}, false
	}
	return Problem{Line: rec.Line, Column: l.columnName(rel), Code: CodeDependentRow,
		JA: "この行は扶養親族の行です（続柄が「本人」ではありません）。扶養親族は取り込めないため、この行をファイルから削除してから取り込み、扶養親族は 1-2 の従業員画面で登録してください。",
		EN: "This line is a dependent's (its 続柄 is not 本人). Dependents cannot be imported: delete the line from the file, import again, and enter dependents in 1-2."}, true
}
