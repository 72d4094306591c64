package ui

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/roster"
	"github.com/mynumber-shelter/shelter/app/roster/csvimport"
	"github.com/mynumber-shelter/shelter/app/store"
)

// EmployeeService is 1-2 法人マイナンバー・従業員設定: the departments, employees, dependents and
// numbers of one client company, and the bulk CSV import. Every method is for the company's
// 事務取扱責任者 / 担当者 only (the system administrator alone is refused); numbers are returned
// masked ("**** **** 9018") and never in clear.
type EmployeeService struct {
	a *App
	// Progress, when set, is called during ImportCommit with the company, the people (employees
	// and dependents) written so far and the total, from inside the import's transaction: it must return quickly (main.go
	// turns it into a Wails event such as "import:progress:<company id>").
	Progress func(companyID int64, done, total int)
}

// Department is a node of the department tree (部署). Depth, Path, Employees and Children are
// read only.
type Department struct {
	ID        int64  `json:"id"`
	CompanyID int64  `json:"companyId"`
	ParentID  int64  `json:"parentId"`
	Code      string `json:"code"`
	Name      string `json:"name"`
	Depth     int    `json:"depth"`
	Path      string `json:"path"`
	Employees int    `json:"employees"`
	Children  int    `json:"children"`
}

// Employee is one employee. Dates are ISO YYYY-MM-DD (any form app/jpdate reads is accepted on
// save: 2024/4/1, 令和6年4月1日, R6.4.1). Sex is "male", "female" or "" (男 / 女 are accepted).
// DepartmentName, HasNumber, MaskedNumber, DependentCount, Dependents and UpdatedAt are read only.
type Employee struct {
	ID             int64       `json:"id"`
	CompanyID      int64       `json:"companyId"`
	Code           string      `json:"code"`
	Name           string      `json:"name"`
	NameKana       string      `json:"nameKana"`
	BirthDate      string      `json:"birthDate"`
	Sex            string      `json:"sex"`
	DepartmentID   int64       `json:"departmentId"`
	DepartmentName string      `json:"departmentName"`
	HiredOn        string      `json:"hiredOn"`
	LeftOn         string      `json:"leftOn"`
	Email          string      `json:"email"`
	Phone          string      `json:"phone"`
	HasNumber      bool        `json:"hasNumber"`
	MaskedNumber   string      `json:"maskedNumber"`
	DependentCount int         `json:"dependentCount"`
	Dependents     []Dependent `json:"dependents"`
	UpdatedAt      string      `json:"updatedAt"`
	// Warnings are unlikely but saved facts to look at (hired before birth, under 15 at hire),
	// in the UI language.
	Warnings []FieldWarning `json:"warnings"`
}

// FieldWarning is a plausibility warning about one field, in the UI language.
type FieldWarning struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Dependent is one dependent (扶養家族). Relation is one of spouse, child, parent, grandchild,
// grandparent, sibling, other (配偶者, 妻, 長男, … are accepted on save).
type Dependent struct {
	ID            int64  `json:"id"`
	CompanyID     int64  `json:"companyId"`
	EmployeeID    int64  `json:"employeeId"`
	Relation      string `json:"relation"`
	RelationLabel string `json:"relationLabel"`
	Name          string `json:"name"`
	NameKana      string `json:"nameKana"`
	BirthDate     string `json:"birthDate"`
	Sex           string `json:"sex"`
	HasNumber     bool   `json:"hasNumber"`
	MaskedNumber  string `json:"maskedNumber"`
	UpdatedAt     string `json:"updatedAt"`
}

// EmployeeQuery selects a page of employees: Search matches the start of the code or part of
// the name or reading; DepartmentID includes sub-departments; Status is "", "active" or "left";
// Limit defaults to 50 (at most 500).
type EmployeeQuery struct {
	CompanyID    int64  `json:"companyId"`
	Search       string `json:"search"`
	DepartmentID int64  `json:"departmentId"`
	Status       string `json:"status"`
	Offset       int    `json:"offset"`
	Limit        int    `json:"limit"`
	// Sort is "" or "code", "name" (by reading), "department", "birthDate" or "hiredOn";
	// Desc reverses it.
	Sort string `json:"sort"`
	Desc bool   `json:"desc"`
}

// EmployeePage is one page of employees and the total matching the query.
type EmployeePage struct {
	Employees []Employee `json:"employees"`
	Total     int        `json:"total"`
}

// ImportColumn maps a field (code, name, nameKana, birthDate, sex, department, hiredOn, leftOn,
// email, phone, number, relation) to a column by header name or, when Header is "", by 1-based
// Index. A mapped relation (続柄) makes the file one row per person: lines whose 続柄 is not 本人
// are dependents. Numbered 扶養親族 column groups are found by their header names.
type ImportColumn struct {
	Field  string `json:"field"`
	Header string `json:"header"`
	Index  int    `json:"index"`
}

// ImportMapping is the column-mapping step's result. No columns at all means the default header
// names.
type ImportMapping struct {
	NoHeader bool           `json:"noHeader"`
	Columns  []ImportColumn `json:"columns"`
}

// ImportField describes a field the import can fill.
type ImportField struct {
	Field    string `json:"field"`
	Header   string `json:"header"`
	Required bool   `json:"required"`
	JA       string `json:"ja"`
	EN       string `json:"en"`
}

// ImportInspection is what the mapping step shows: the first line, a few data lines (anything
// shaped like a My Number masked), the guessed mapping and the fields to map.
type ImportInspection struct {
	Encoding  string        `json:"encoding"`
	Delimiter string        `json:"delimiter"`
	Header    []string      `json:"header"`
	Sample    [][]string    `json:"sample"`
	Rows      int           `json:"rows"`
	Guess     ImportMapping `json:"guess"`
	Fields    []ImportField `json:"fields"`
}

// ImportProblem is one problem of a file, by line and column header.
type ImportProblem struct {
	Line   int    `json:"line"`
	Column string `json:"column"`
	Field  string `json:"field"`
	Code   string `json:"code"`
	JA     string `json:"ja"`
	EN     string `json:"en"`
}

// MaxImportProblems is how many problems an ImportReport carries; ProblemsTotal says how many
// there were.
const MaxImportProblems = 1000

// ImportReport is a preview's findings or a commit's result. Committed is false whenever any
// problem was found: nothing was written then.
type ImportReport struct {
	Encoding  string `json:"encoding"`
	Rows      int    `json:"rows"`
	Added     int    `json:"added"`
	Updated   int    `json:"updated"`
	Unchanged int    `json:"unchanged"`
	// DependentsAdded, DependentsUpdated and DependentsUnchanged count the 扶養親族 of the file.
	DependentsAdded     int             `json:"dependentsAdded"`
	DependentsUpdated   int             `json:"dependentsUpdated"`
	DependentsUnchanged int             `json:"dependentsUnchanged"`
	Rejected            int             `json:"rejected"`
	Numbers             int             `json:"numbers"`
	NewDepartments      []string        `json:"newDepartments"`
	Problems            []ImportProblem `json:"problems"`
	ProblemsTotal       int             `json:"problemsTotal"`
	// Warnings do not stop the import (dates that are unlikely); at most MaxImportProblems.
	Warnings      []ImportProblem `json:"warnings"`
	WarningsTotal int             `json:"warningsTotal"`
	Committed     bool            `json:"committed"`
}

// ImportPreset is a saved column mapping.
type ImportPreset struct {
	ID        int64         `json:"id"`
	CompanyID int64         `json:"companyId"`
	Name      string        `json:"name"`
	Mapping   ImportMapping `json:"mapping"`
	UpdatedAt string        `json:"updatedAt"`
}

func (s *EmployeeService) importer() *csvimport.Importer {
	return &csvimport.Importer{DB: s.a.DB, Audit: s.a.Audit}
}

// fail maps the errors of this area as App.fail does: a duplicate number (code
// "duplicate_number", naming the other person's employee code) and a file problem carry their
// own words (apperr.Coded).
func (s *EmployeeService) fail(what string, err error) error { return s.a.fail(what, err) }

func departmentOut(d roster.Department) Department {
	return Department{ID: d.ID, CompanyID: d.CompanyID, ParentID: d.ParentID, Code: d.Code, Name: d.Name,
		Depth: d.Depth, Path: d.Path, Employees: d.Employees, Children: d.Children}
}

// Departments returns the company's department tree in display order.
func (s *EmployeeService) Departments(companyID int64) ([]Department, error) {
	sess, err := s.a.ready()
	if err != nil {
		return nil, err
	}
	ds, err := s.a.Roster.Departments(context.Background(), sess.Principal, companyID)
	if err != nil {
		return nil, s.fail("listing departments", err)
	}
	out := make([]Department, len(ds))
	for i, d := range ds {
		out[i] = departmentOut(d)
	}
	return out, nil
}

// SaveDepartment adds (id 0) or updates a department; an empty code gets the next D001, D002, ….
func (s *EmployeeService) SaveDepartment(d Department) (Department, error) {
	sess, err := s.a.ready()
	if err != nil {
		return Department{}, err
	}
	out, err := s.a.Roster.SaveDepartment(context.Background(), sess.Principal,
		roster.Department{ID: d.ID, CompanyID: d.CompanyID, ParentID: d.ParentID, Code: d.Code, Name: d.Name})
	if err != nil {
		return Department{}, s.fail("saving department", err)
	}
	return departmentOut(out), nil
}

// DeleteDepartment deletes a department without sub-departments or employees.
func (s *EmployeeService) DeleteDepartment(companyID, id int64) error {
	sess, err := s.a.ready()
	if err != nil {
		return err
	}
	return s.fail("deleting department", s.a.Roster.DeleteDepartment(context.Background(), sess.Principal, companyID, id))
}

func sexIn(s string) roster.Sex {
	if sex, ok := roster.ParseSex(s); ok {
		return sex
	}
	return roster.Sex(s) // refused by validation with a message
}

func employeeOut(e roster.Employee, lang string) Employee {
	out := Employee{ID: e.ID, CompanyID: e.CompanyID, Code: e.Code, Name: e.Name, NameKana: e.NameKana, BirthDate: e.BirthDate,
		Sex: string(e.Sex), DepartmentID: e.DepartmentID, DepartmentName: e.DepartmentName, HiredOn: e.HiredOn, LeftOn: e.LeftOn,
		Email: e.Email, Phone: e.Phone, HasNumber: e.HasNumber, MaskedNumber: e.MaskedNumber, DependentCount: e.DependentCount,
		Dependents: []Dependent{}, UpdatedAt: store.FormatTime(e.UpdatedAt), Warnings: []FieldWarning{}}
	for _, w := range e.Plausibility() {
		msg := w.JA
		if strings.HasPrefix(lang, "en") {
			msg = w.EN
		}
		out.Warnings = append(out.Warnings, FieldWarning{Field: w.Field, Message: msg})
	}
	for _, d := range e.Dependents {
		out.Dependents = append(out.Dependents, dependentOut(d, lang))
	}
	return out
}

func dependentOut(d roster.Dependent, lang string) Dependent {
	return Dependent{ID: d.ID, CompanyID: d.CompanyID, EmployeeID: d.EmployeeID, Relation: string(d.Relation),
		RelationLabel: d.Relation.Label(lang), Name: d.Name, NameKana: d.NameKana, BirthDate: d.BirthDate, Sex: string(d.Sex),
		HasNumber: d.HasNumber, MaskedNumber: d.MaskedNumber, UpdatedAt: store.FormatTime(d.UpdatedAt)}
}

// Employees returns one page of employees with masked numbers.
func (s *EmployeeService) Employees(q EmployeeQuery) (EmployeePage, error) {
	sess, keys, err := s.a.unlocked()
	if err != nil {
		return EmployeePage{}, err
	}
	page, err := s.a.Roster.Employees(context.Background(), sess.Principal, keys, roster.EmployeeQuery{CompanyID: q.CompanyID,
		Search: q.Search, DepartmentID: q.DepartmentID, Status: q.Status, Offset: q.Offset, Limit: q.Limit,
		Sort: roster.Sort{Key: q.Sort, Desc: q.Desc}})
	if err != nil {
		return EmployeePage{}, s.fail("listing employees", err)
	}
	out := EmployeePage{Employees: make([]Employee, len(page.Employees)), Total: page.Total}
	for i, e := range page.Employees {
		out.Employees[i] = employeeOut(e, s.a.language())
	}
	return out, nil
}

// GetEmployee returns one employee with dependents.
func (s *EmployeeService) GetEmployee(companyID, id int64) (Employee, error) {
	sess, keys, err := s.a.unlocked()
	if err != nil {
		return Employee{}, err
	}
	e, err := s.a.Roster.Employee(context.Background(), sess.Principal, keys, companyID, id)
	if err != nil {
		return Employee{}, s.fail("reading employee", err)
	}
	return employeeOut(e, s.a.language()), nil
}

// SaveEmployee adds (id 0) or updates an employee; read-only fields are ignored.
func (s *EmployeeService) SaveEmployee(e Employee) (Employee, error) {
	sess, keys, err := s.a.unlocked()
	if err != nil {
		return Employee{}, err
	}
	out, err := s.a.Roster.SaveEmployee(context.Background(), sess.Principal, keys, roster.Employee{ID: e.ID, CompanyID: e.CompanyID,
		Code: e.Code, Name: e.Name, NameKana: e.NameKana, BirthDate: e.BirthDate, Sex: sexIn(e.Sex), DepartmentID: e.DepartmentID,
		HiredOn: e.HiredOn, LeftOn: e.LeftOn, Email: e.Email, Phone: e.Phone})
	if err != nil {
		return Employee{}, s.fail("saving employee", err)
	}
	return employeeOut(out, s.a.language()), nil
}

// DeleteEmployee deletes an employee entered by mistake, with their dependents; refused while a
// number is registered for any of them (numbers leave by disposal, 4-1).
func (s *EmployeeService) DeleteEmployee(companyID, id int64) error {
	sess, err := s.a.ready()
	if err != nil {
		return err
	}
	return s.fail("deleting employee", s.a.Roster.DeleteEmployee(context.Background(), sess.Principal, companyID, id))
}

// SaveDependent adds (id 0) or updates a dependent of an employee.
func (s *EmployeeService) SaveDependent(d Dependent) (Dependent, error) {
	sess, keys, err := s.a.unlocked()
	if err != nil {
		return Dependent{}, err
	}
	out, err := s.a.Roster.SaveDependent(context.Background(), sess.Principal, keys, roster.Dependent{ID: d.ID, CompanyID: d.CompanyID,
		EmployeeID: d.EmployeeID, Relation: roster.Relation(d.Relation), Name: d.Name, NameKana: d.NameKana, BirthDate: d.BirthDate,
		Sex: sexIn(d.Sex)})
	if err != nil {
		return Dependent{}, s.fail("saving dependent", err)
	}
	return dependentOut(out, s.a.language()), nil
}

// DeleteDependent deletes a dependent without a registered number.
func (s *EmployeeService) DeleteDependent(companyID, id int64) error {
	sess, err := s.a.ready()
	if err != nil {
		return err
	}
	return s.fail("deleting dependent", s.a.Roster.DeleteDependent(context.Background(), sess.Principal, companyID, id))
}

// SetNumber registers or replaces the My Number of an employee or dependent. When another person
// of the company has the same number it returns code "duplicate_number" naming that person's
// employee code; after the user confirms, call again with acceptDuplicate.
func (s *EmployeeService) SetNumber(companyID, personID int64, number string, acceptDuplicate bool) error {
	sess, keys, err := s.a.unlocked()
	if err != nil {
		return err
	}
	return s.fail("setting number", s.a.Roster.SetNumber(context.Background(), sess.Principal, keys, companyID, personID, number, acceptDuplicate))
}

func mappingIn(m ImportMapping) csvimport.Mapping {
	out := csvimport.Mapping{NoHeader: m.NoHeader}
	if len(m.Columns) > 0 {
		out.Columns = map[string]csvimport.Column{}
		for _, c := range m.Columns {
			out.Columns[c.Field] = csvimport.Column{Header: c.Header, Index: c.Index}
		}
	}
	return out
}

func mappingOut(m csvimport.Mapping) ImportMapping {
	out := ImportMapping{NoHeader: m.NoHeader, Columns: []ImportColumn{}}
	for _, f := range csvimport.Fields() {
		if c, ok := m.Columns[f.Field]; ok {
			out.Columns = append(out.Columns, ImportColumn{Field: f.Field, Header: c.Header, Index: c.Index})
		}
	}
	return out
}

var errBadFile = &Error{Code: apperr.CodeInvalid, Field: "file",
	JA: "ファイルを読み込めませんでした。もう一度選んでください。", EN: "The file could not be read. Choose it again."}

// decodeFile reads the file as the frontend sends it: base64, optionally as a data: URL.
func decodeFile(b64 string) ([]byte, error) {
	if _, rest, ok := strings.Cut(b64, "base64,"); ok && strings.HasPrefix(b64, "data:") {
		b64 = rest
	}
	if len(b64) > (csvimport.MaxBytes/3+1)*4 {
		return nil, &Error{Code: csvimport.CodeFormat, Field: "file", JA: "ファイルが大きすぎます（64 MiB まで）。分割して取り込んでください。",
			EN: "The file is too large (at most 64 MiB). Split it and import the parts."}
	}
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, errBadFile
	}
	return b, nil
}

// ImportInspect reads a file for the column-mapping step. It writes nothing and reads no
// employee, but like every method here it is for the company's 責任者 / 担当者 only.
func (s *EmployeeService) ImportInspect(companyID int64, fileBase64 string) (ImportInspection, error) {
	sess, err := s.a.ready()
	if err != nil {
		return ImportInspection{}, err
	}
	err = s.a.DB.View(context.Background(), func(tx *store.Tx) error {
		return auth.RequireCompanyRole(tx, sess.Principal, companyID, auth.Manager, auth.Handler)
	})
	if err != nil {
		return ImportInspection{}, s.fail("inspecting import", err)
	}
	data, err := decodeFile(fileBase64)
	if err != nil {
		return ImportInspection{}, err
	}
	in, err := csvimport.Inspect(data)
	if err != nil {
		return ImportInspection{}, s.fail("inspecting import", err)
	}
	out := ImportInspection{Encoding: string(in.Encoding), Delimiter: in.Delimiter, Header: in.Header, Sample: in.Sample,
		Rows: in.Rows, Guess: mappingOut(in.Guess)}
	if out.Sample == nil {
		out.Sample = [][]string{}
	}
	for _, f := range csvimport.Fields() {
		out.Fields = append(out.Fields, ImportField{Field: f.Field, Header: f.Header, Required: f.Required, JA: f.JA, EN: f.EN})
	}
	return out, nil
}

func reportOut(r csvimport.Report) ImportReport {
	out := ImportReport{Encoding: string(r.Encoding), Rows: r.Rows, Added: r.Added, Updated: r.Updated, Unchanged: r.Unchanged,
		DependentsAdded: r.DependentsAdded, DependentsUpdated: r.DependentsUpdated, DependentsUnchanged: r.DependentsUnchanged,
		Rejected: r.Rejected, Numbers: r.Numbers, NewDepartments: append([]string{}, r.NewDepartments...),
		Problems: []ImportProblem{}, ProblemsTotal: len(r.Problems), Warnings: []ImportProblem{}, WarningsTotal: len(r.Warnings),
		Committed: r.Committed}
	for _, p := range r.Problems[:min(len(r.Problems), MaxImportProblems)] {
		out.Problems = append(out.Problems, ImportProblem{Line: p.Line, Column: p.Column, Field: p.Field, Code: p.Code, JA: p.JA, EN: p.EN})
	}
	for _, p := range r.Warnings[:min(len(r.Warnings), MaxImportProblems)] {
		out.Warnings = append(out.Warnings, ImportProblem{Line: p.Line, Column: p.Column, Field: p.Field, Code: p.Code, JA: p.JA, EN: p.EN})
	}
	return out
}

// ImportPreview checks a file and lists every problem by line and column, and what a commit
// would add, update and leave unchanged. It writes nothing.
func (s *EmployeeService) ImportPreview(companyID int64, fileBase64 string, mapping ImportMapping) (ImportReport, error) {
	sess, keys, err := s.a.unlocked()
	if err != nil {
		return ImportReport{}, err
	}
	data, err := decodeFile(fileBase64)
	if err != nil {
		return ImportReport{}, err
	}
	rep, err := s.importer().Preview(context.Background(), sess.Principal, keys,
		csvimport.Request{CompanyID: companyID, Data: data, Mapping: mappingIn(mapping)})
	if err != nil {
		return ImportReport{}, s.fail("previewing import", err)
	}
	return reportOut(rep), nil
}

// ImportCommit imports a file, all or nothing. When the file has any problem, it returns the
// report with the problems and Committed false (not an error), and nothing was written.
// Progress, if set, is called as lines are written.
func (s *EmployeeService) ImportCommit(companyID int64, fileBase64 string, mapping ImportMapping) (ImportReport, error) {
	sess, keys, err := s.a.unlocked()
	if err != nil {
		return ImportReport{}, err
	}
	data, err := decodeFile(fileBase64)
	if err != nil {
		return ImportReport{}, err
	}
	var progress func(done, total int)
	if s.Progress != nil {
		progress = func(done, total int) { s.Progress(companyID, done, total) }
	}
	rep, err := s.importer().Commit(context.Background(), sess.Principal, keys,
		csvimport.Request{CompanyID: companyID, Data: data, Mapping: mappingIn(mapping)}, progress)
	if err != nil && !errors.Is(err, csvimport.ErrRejected) {
		return ImportReport{}, s.fail("importing employees", err)
	}
	return reportOut(rep), nil
}

func presetOut(p csvimport.Preset) ImportPreset {
	return ImportPreset{ID: p.ID, CompanyID: p.CompanyID, Name: p.Name, Mapping: mappingOut(p.Mapping), UpdatedAt: store.FormatTime(p.UpdatedAt)}
}

// Presets returns the company's saved column mappings.
func (s *EmployeeService) Presets(companyID int64) ([]ImportPreset, error) {
	sess, err := s.a.ready()
	if err != nil {
		return nil, err
	}
	ps, err := s.importer().Presets(context.Background(), sess.Principal, companyID)
	if err != nil {
		return nil, s.fail("listing presets", err)
	}
	out := make([]ImportPreset, len(ps))
	for i, p := range ps {
		out[i] = presetOut(p)
	}
	return out, nil
}

// SavePreset saves a column mapping under a name (replacing one of the same name).
func (s *EmployeeService) SavePreset(companyID int64, name string, mapping ImportMapping) (ImportPreset, error) {
	sess, err := s.a.ready()
	if err != nil {
		return ImportPreset{}, err
	}
	p, err := s.importer().SavePreset(context.Background(), sess.Principal, companyID, name, mappingIn(mapping))
	if err != nil {
		return ImportPreset{}, s.fail("saving preset", err)
	}
	return presetOut(p), nil
}

// DeletePreset deletes a saved column mapping.
func (s *EmployeeService) DeletePreset(companyID, id int64) error {
	sess, err := s.a.ready()
	if err != nil {
		return err
	}
	return s.fail("deleting preset", s.importer().DeletePreset(context.Background(), sess.Principal, companyID, id))
}
