package roster

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"github.com/mynumber-shelter/shelter/app/jtext"
	"strings"
	"time"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/jpdate"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
)

// Employee is one employee of a client company (1-2 従業員設定). Dates are ISO YYYY-MM-DD or "".
type Employee struct {
	ID           int64
	CompanyID    int64
	Code         string // 従業員コード, unique in the company; never a My Number
	Name         string // 氏名 (kanji)
	NameKana     string // フリガナ
	BirthDate    string // 生年月日
	Sex          Sex
	DepartmentID int64 // 0 when none
	HiredOn      string
	LeftOn       string
	Email        string // for notices (1-3)
	Phone        string // for notices (1-3)

	// Read only, filled by the read use cases.
	DepartmentName string
	HasNumber      bool
	MaskedNumber   string // "**** **** 9018", or "" when there is no number
	DependentCount int
	Dependents     []Dependent // by [Service.Employee] only
	UpdatedAt      time.Time
}

// Dependent is one dependent (扶養家族) of an employee.
type Dependent struct {
	ID         int64
	CompanyID  int64
	EmployeeID int64
	Relation   Relation
	Name       string
	NameKana   string
	BirthDate  string
	Sex        Sex

	// Read only.
	HasNumber    bool
	MaskedNumber string
	UpdatedAt    time.Time
}

// EmployeeQuery selects a page of employees.
type EmployeeQuery struct {
	CompanyID int64
	// Search matches the start of the employee code, or any part of the name or reading.
	Search string
	// DepartmentID limits the list to a department and the departments below it; 0 for all.
	DepartmentID int64
	// Status is "" (all), "active" (no leaving date, or one after today) or "left".
	Status string
	Offset int
	// Limit defaults to 50 and is at most 500.
	Limit int
	// Sort orders the list; the zero value is by code.
	Sort Sort
}

// EmployeePage is one page of employees with the total matching the query.
type EmployeePage struct {
	Employees []Employee
	Total     int
}

const employeeColumns = `p.id, p.company_id, p.employee_code, p.name, p.name_kana, p.birth_date, p.sex,
	COALESCE(p.department_id, 0), COALESCE(d.name, ''), p.hired_on, p.left_on, p.email, p.phone, p.updated_at,
	(SELECT count(*) FROM persons c WHERE c.employee_id = p.id), n.ciphertext`

const employeeFrom = ` FROM persons p LEFT JOIN departments d ON d.id = p.department_id
	LEFT JOIN person_numbers n ON n.person_id = p.id`

func scanEmployee(sc interface{ Scan(...any) error }) (Employee, []byte, error) {
	var e Employee
	var updated string
	var ct []byte
	err := sc.Scan(&e.ID, &e.CompanyID, &e.Code, &e.Name, &e.NameKana, &e.BirthDate, &e.Sex, &e.DepartmentID,
		&e.DepartmentName, &e.HiredOn, &e.LeftOn, &e.Email, &e.Phone, &updated, &e.DependentCount, &ct)
	if err != nil {
		return e, nil, err
	}
	e.UpdatedAt, _ = store.ParseTime(updated)
	e.HasNumber = ct != nil
	return e, ct, nil
}

// EmployeesTx returns every employee of the company, by code, without masked numbers (HasNumber
// is set). For bulk use cases such as the CSV import.
func EmployeesTx(tx *store.Tx, companyID int64) ([]Employee, error) {
	rows, err := tx.Query(`SELECT `+employeeColumns+employeeFrom+` WHERE p.company_id = ? AND p.kind = 'employee'
		ORDER BY p.employee_code`, companyID)
	if err != nil {
		return nil, fmt.Errorf("reading employees: %w", err)
	}
	defer rows.Close()
	var out []Employee
	for rows.Next() {
		e, _, err := scanEmployee(rows)
		if err != nil {
			return nil, fmt.Errorf("reading employees: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// likePattern escapes s for LIKE … ESCAPE '\'.
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

// SearchClause is the SQL condition, with its arguments, that finds search the way a clerk
// types it: at the start of the employee code (column code), or anywhere in the name or the
// reading (columns name and kana) once both are folded by app/jtext (hiragana, katakana and
// half-width kana as one, variant kanji as their common form, spaces ignored). The vault's
// connections provide shelter_fold (app/store).
func SearchClause(code, name, kana, search string) (string, []any) {
	folded := "%" + likePattern(jtext.Fold(search)) + "%"
	return `(` + code + ` LIKE ? ESCAPE '\' OR shelter_fold(` + name + `) LIKE ? ESCAPE '\' OR shelter_fold(` + kana + `) LIKE ? ESCAPE '\')`,
		[]any{likePattern(NormalizeEmployeeCode(search)) + "%", folded, folded}
}

// Employees returns one page of the company's employees in q.Sort's order (by default by code,
// numeric codes in numeric order), with masked numbers.
func (s *Service) Employees(ctx context.Context, p auth.Principal, keys *vault.Keys, q EmployeeQuery) (EmployeePage, error) {
	var page EmployeePage
	if q.Limit <= 0 {
		q.Limit = 50
	}
	q.Limit = min(q.Limit, 500)
	q.Offset = max(q.Offset, 0)
	order, err := q.Sort.OrderBy(SortColumns{Code: "p.employee_code", Name: "p.name", Kana: "p.name_kana",
		Department: "COALESCE(d.name, '')", BirthDate: "p.birth_date", HiredOn: "p.hired_on"})
	if err != nil {
		return page, err
	}
	where := ` WHERE p.company_id = ? AND p.kind = 'employee'`
	args := []any{q.CompanyID}
	if search := strings.TrimSpace(q.Search); search != "" {
		cond, a := SearchClause("p.employee_code", "p.name", "p.name_kana", search)
		where += ` AND ` + cond
		args = append(args, a...)
	}
	if q.DepartmentID != 0 {
		where += ` AND p.department_id IN (WITH RECURSIVE sub(id) AS (SELECT ? UNION ALL
			SELECT d2.id FROM departments d2 JOIN sub ON d2.parent_id = sub.id) SELECT id FROM sub)`
		args = append(args, q.DepartmentID)
	}
	today := jpdate.ISO(jpdate.JapanDate(s.DB.Now()))
	switch q.Status {
	case "":
	case "active":
		where += ` AND (p.left_on = '' OR p.left_on > ?)`
		args = append(args, today)
	case "left":
		where += ` AND p.left_on <> '' AND p.left_on <= ?`
		args = append(args, today)
	default:
		return page, apperr.Invalid("status", "在籍区分が正しくありません。", "Unknown employment status filter.")
	}
	err = s.DB.View(ctx, func(tx *store.Tx) error {
		if err := requireRoster(tx, p, q.CompanyID); err != nil {
			return err
		}
		if err := tx.QueryRow(`SELECT count(*) FROM persons p`+where, args...).Scan(&page.Total); err != nil {
			return fmt.Errorf("counting employees: %w", err)
		}
		ck, err := keys.Company(tx, q.CompanyID)
		if err != nil {
			return err
		}
		defer ck.Close()
		rows, err := tx.Query(`SELECT `+employeeColumns+employeeFrom+where+
			` ORDER BY `+order+` LIMIT ? OFFSET ?`, append(args, q.Limit, q.Offset)...)
		if err != nil {
			return fmt.Errorf("reading employees: %w", err)
		}
		defer rows.Close()
		type sealed struct {
			i  int
			ct []byte
		}
		var cts []sealed
		for rows.Next() {
			e, ct, err := scanEmployee(rows)
			if err != nil {
				return fmt.Errorf("reading employees: %w", err)
			}
			page.Employees = append(page.Employees, e)
			if ct != nil {
				cts = append(cts, sealed{len(page.Employees) - 1, ct})
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		for _, c := range cts {
			e := &page.Employees[c.i]
			if e.MaskedNumber, err = maskSealed(tx, ck, e.ID, c.ct); err != nil {
				return err
			}
		}
		return nil
	})
	return page, err
}

// Employee returns one employee with dependents and masked numbers.
func (s *Service) Employee(ctx context.Context, p auth.Principal, keys *vault.Keys, companyID, id int64) (e Employee, err error) {
	err = s.DB.View(ctx, func(tx *store.Tx) error {
		if err := requireRoster(tx, p, companyID); err != nil {
			return err
		}
		ck, err := keys.Company(tx, companyID)
		if err != nil {
			return err
		}
		defer ck.Close()
		e, err = employeeTx(tx, ck, id)
		return err
	})
	return e, err
}

func employeeTx(tx *store.Tx, ck *vault.CompanyKey, id int64) (Employee, error) {
	e, ct, err := scanEmployee(tx.QueryRow(`SELECT `+employeeColumns+employeeFrom+`
		WHERE p.id = ? AND p.company_id = ? AND p.kind = 'employee'`, id, ck.CompanyID()))
	if errors.Is(err, sql.ErrNoRows) {
		return e, errNoPerson
	}
	if err != nil {
		return e, fmt.Errorf("reading employee %d: %w", id, err)
	}
	if e.MaskedNumber, err = maskSealed(tx, ck, e.ID, ct); err != nil {
		return e, err
	}
	rows, err := tx.Query(`SELECT p.id, p.company_id, p.employee_id, p.relation, p.name, p.name_kana, p.birth_date, p.sex,
		p.updated_at, n.ciphertext FROM persons p LEFT JOIN person_numbers n ON n.person_id = p.id
		WHERE p.employee_id = ? AND p.kind = 'dependent' ORDER BY p.id`, id)
	if err != nil {
		return e, fmt.Errorf("reading dependents: %w", err)
	}
	defer rows.Close()
	var cts [][]byte
	for rows.Next() {
		var d Dependent
		var updated string
		var ct []byte
		if err := rows.Scan(&d.ID, &d.CompanyID, &d.EmployeeID, &d.Relation, &d.Name, &d.NameKana, &d.BirthDate, &d.Sex, &updated, &ct); err != nil {
			return e, fmt.Errorf("reading dependents: %w", err)
		}
		d.UpdatedAt, _ = store.ParseTime(updated)
		d.HasNumber = ct != nil
		e.Dependents = append(e.Dependents, d)
		cts = append(cts, ct)
	}
	if err := rows.Err(); err != nil {
		return e, err
	}
	rows.Close()
	for i := range e.Dependents {
		if e.Dependents[i].MaskedNumber, err = maskSealed(tx, ck, e.Dependents[i].ID, cts[i]); err != nil {
			return e, err
		}
	}
	return e, nil
}

// checkDepartment returns a user-safe error unless id is 0 or a department of the company.
func checkDepartment(tx *store.Tx, companyID, id int64) error {
	if id == 0 {
		return nil
	}
	var n int
	if err := tx.QueryRow(`SELECT count(*) FROM departments WHERE id = ? AND company_id = ?`, id, companyID).Scan(&n); err != nil {
		return fmt.Errorf("reading department: %w", err)
	}
	if n == 0 {
		return apperr.Invalid(FieldDepartment, "部署が見つかりません。", "Department not found.")
	}
	return nil
}

// codeTaken reports a conflict when another employee of the company has code.
func codeTaken(tx *store.Tx, companyID int64, code string, except int64) error {
	var n int
	if err := tx.QueryRow(`SELECT count(*) FROM persons WHERE company_id = ? AND kind = 'employee' AND employee_code = ? AND id <> ?`,
		companyID, code, except).Scan(&n); err != nil {
		return fmt.Errorf("checking employee code: %w", err)
	}
	if n > 0 {
		return apperr.New(apperr.CodeConflict, FieldCode, "この従業員コードは既に使われています。", "This employee code is already in use.")
	}
	return nil
}

// SaveEmployee adds (ID 0) or updates an employee of e.CompanyID. A new employee gets its own
// person key. Only the company's 事務取扱責任者 / 担当者 may do it.
func (s *Service) SaveEmployee(ctx context.Context, p auth.Principal, keys *vault.Keys, e Employee) (Employee, error) {
	if err := e.Check(jpdate.JapanDate(s.DB.Now())).Err(); err != nil {
		return e, err
	}
	err := s.DB.Update(ctx, func(tx *store.Tx) error {
		if err := requireRoster(tx, p, e.CompanyID); err != nil {
			return err
		}
		ck, err := keys.Company(tx, e.CompanyID)
		if err != nil {
			return err
		}
		defer ck.Close()
		if err := checkDepartment(tx, e.CompanyID, e.DepartmentID); err != nil {
			return err
		}
		if err := codeTaken(tx, e.CompanyID, e.Code, e.ID); err != nil {
			return err
		}
		w, err := NewWriter(tx, ck, p.UserID)
		if err != nil {
			return err
		}
		defer w.Close()
		entry := p.Entry(audit.ActionRegister, audit.ResultOK)
		if e.ID == 0 {
			if e.ID, err = w.InsertEmployee(&e); err != nil {
				return err
			}
			entry.Detail = "employee registered; code=" + e.Code
		} else {
			before, err := employeeTx(tx, ck, e.ID)
			if err != nil {
				return err
			}
			if err := w.UpdateEmployee(&e); err != nil {
				return err
			}
			entry.Action, entry.Detail = audit.ActionModify, "employee code="+e.Code+"; "+ChangedEmployee(before, e)
		}
		entry.CompanyID, entry.TargetType, entry.TargetID = e.CompanyID, "person", fmt.Sprint(e.ID)
		if _, err := s.Audit.Append(tx, entry); err != nil {
			return err
		}
		e, err = employeeTx(tx, ck, e.ID)
		return err
	})
	return e, err
}

// ChangedEmployee names the fields that differ between a and b (names only, never values:
// values are personal data), e.g. "changed: name,hiredOn", or "no change".
func ChangedEmployee(a, b Employee) string {
	var c changes
	c.add(FieldCode, a.Code, b.Code)
	c.add(FieldName, a.Name, b.Name)
	c.add(FieldNameKana, a.NameKana, b.NameKana)
	c.add(FieldBirthDate, a.BirthDate, b.BirthDate)
	c.add(FieldSex, a.Sex, b.Sex)
	c.add(FieldDepartment, a.DepartmentID, b.DepartmentID)
	c.add(FieldHiredOn, a.HiredOn, b.HiredOn)
	c.add(FieldLeftOn, a.LeftOn, b.LeftOn)
	c.add(FieldEmail, a.Email, b.Email)
	c.add(FieldPhone, a.Phone, b.Phone)
	return c.String()
}

// changes are the names of the fields that differ, as the history says them (companies,
// employees, dependents): "changed: name,hiredOn", or "no change".
type changes []string

func (c *changes) add(name string, x, y any) {
	if x != y {
		*c = append(*c, name)
	}
}

func (c changes) String() string {
	if len(c) == 0 {
		return "no change"
	}
	return "changed: " + strings.Join(c, ",")
}

// ChangedDependent names the fields that differ between a and b (names only, never values),
// e.g. "changed: name,relation", or "no change", as [ChangedEmployee] does.
func ChangedDependent(a, b Dependent) string {
	var c changes
	c.add(FieldName, a.Name, b.Name)
	c.add(FieldNameKana, a.NameKana, b.NameKana)
	c.add(FieldBirthDate, a.BirthDate, b.BirthDate)
	c.add(FieldSex, a.Sex, b.Sex)
	c.add(FieldRelation, a.Relation, b.Relation)
	return c.String()
}

// DependentsTx returns every dependent of the company, by employee and id, without masked
// numbers (HasNumber is set). For bulk use cases such as the CSV import.
func DependentsTx(tx *store.Tx, companyID int64) ([]Dependent, error) {
	rows, err := tx.Query(`SELECT p.id, p.company_id, p.employee_id, p.relation, p.name, p.name_kana, p.birth_date, p.sex,
		p.updated_at, n.person_id IS NOT NULL FROM persons p LEFT JOIN person_numbers n ON n.person_id = p.id
		WHERE p.company_id = ? AND p.kind = 'dependent' ORDER BY p.employee_id, p.id`, companyID)
	if err != nil {
		return nil, fmt.Errorf("reading dependents: %w", err)
	}
	defer rows.Close()
	var out []Dependent
	for rows.Next() {
		var d Dependent
		var updated string
		if err := rows.Scan(&d.ID, &d.CompanyID, &d.EmployeeID, &d.Relation, &d.Name, &d.NameKana, &d.BirthDate, &d.Sex,
			&updated, &d.HasNumber); err != nil {
			return nil, fmt.Errorf("reading dependents: %w", err)
		}
		d.UpdatedAt, _ = store.ParseTime(updated)
		out = append(out, d)
	}
	return out, rows.Err()
}

// errHasNumber refuses to delete a person whose number is registered: numbers leave the vault
// only through disposal (4-1), which keeps the 廃棄記録.
var errHasNumber = apperr.New(apperr.CodeConflict, FieldNumber,
	"個人番号が登録されているため削除できません。廃棄処理（4-1）で個人番号を廃棄してから削除してください。",
	"A My Number is registered for this person; dispose of it (4-1) before deleting the person.")

// deletePersonTx deletes one person without a number, destroys their (empty) key and audits it.
func (s *Service) deletePersonTx(tx *store.Tx, p auth.Principal, companyID, id int64, detail string) error {
	var n int
	if err := tx.QueryRow(`SELECT count(*) FROM person_numbers WHERE person_id = ?`, id).Scan(&n); err != nil {
		return fmt.Errorf("reading number of person %d: %w", id, err)
	}
	if n > 0 {
		return errHasNumber
	}
	res, err := tx.Exec(`DELETE FROM persons WHERE id = ? AND company_id = ?`, id, companyID)
	if err := oneRow(res, err, "deleting person"); err != nil {
		return err
	}
	if err := vault.ShredPerson(tx, id); err != nil && !errors.Is(err, vault.ErrShredded) {
		return err
	}
	e := p.Entry(audit.ActionDelete, audit.ResultOK)
	e.CompanyID, e.TargetType, e.TargetID, e.Detail = companyID, "person", fmt.Sprint(id), detail
	_, err = s.Audit.Append(tx, e)
	return err
}

// DeleteEmployee deletes an employee entered by mistake, with their dependents. It refuses when
// any of them has a number registered (use disposal, 4-1, for people who leave).
func (s *Service) DeleteEmployee(ctx context.Context, p auth.Principal, companyID, id int64) error {
	return s.DB.Update(ctx, func(tx *store.Tx) error {
		if err := requireRoster(tx, p, companyID); err != nil {
			return err
		}
		var code string
		err := tx.QueryRow(`SELECT employee_code FROM persons WHERE id = ? AND company_id = ? AND kind = 'employee'`, id, companyID).Scan(&code)
		if errors.Is(err, sql.ErrNoRows) {
			return errNoPerson
		}
		if err != nil {
			return fmt.Errorf("reading employee %d: %w", id, err)
		}
		deps, err := dependentIDs(tx, id)
		if err != nil {
			return err
		}
		for _, d := range deps {
			if err := s.deletePersonTx(tx, p, companyID, d, fmt.Sprintf("dependent of person %d deleted", id)); err != nil {
				return err
			}
		}
		return s.deletePersonTx(tx, p, companyID, id, "employee deleted; code="+code)
	})
}

func dependentIDs(tx *store.Tx, employeeID int64) ([]int64, error) {
	rows, err := tx.Query(`SELECT id FROM persons WHERE employee_id = ? ORDER BY id`, employeeID)
	if err != nil {
		return nil, fmt.Errorf("reading dependents: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// SaveDependent adds (ID 0) or updates a dependent of employee d.EmployeeID of d.CompanyID.
func (s *Service) SaveDependent(ctx context.Context, p auth.Principal, keys *vault.Keys, d Dependent) (Dependent, error) {
	if err := d.Check(jpdate.JapanDate(s.DB.Now())).Err(); err != nil {
		return d, err
	}
	err := s.DB.Update(ctx, func(tx *store.Tx) error {
		if err := requireRoster(tx, p, d.CompanyID); err != nil {
			return err
		}
		ck, err := keys.Company(tx, d.CompanyID)
		if err != nil {
			return err
		}
		defer ck.Close()
		var n int
		if err := tx.QueryRow(`SELECT count(*) FROM persons WHERE id = ? AND company_id = ? AND kind = 'employee'`,
			d.EmployeeID, d.CompanyID).Scan(&n); err != nil {
			return fmt.Errorf("reading employee: %w", err)
		}
		if n == 0 {
			return errNoPerson
		}
		w, err := NewWriter(tx, ck, p.UserID)
		if err != nil {
			return err
		}
		defer w.Close()
		entry := p.Entry(audit.ActionRegister, audit.ResultOK)
		entry.Detail = fmt.Sprintf("dependent of person %d registered", d.EmployeeID)
		if d.ID == 0 {
			if d.ID, err = w.InsertDependent(&d); err != nil {
				return err
			}
		} else {
			var owner int64
			err := tx.QueryRow(`SELECT employee_id FROM persons WHERE id = ? AND company_id = ? AND kind = 'dependent'`, d.ID, d.CompanyID).Scan(&owner)
			if errors.Is(err, sql.ErrNoRows) || (err == nil && owner != d.EmployeeID) {
				return errNoPerson
			}
			if err != nil {
				return fmt.Errorf("reading dependent: %w", err)
			}
			if err := w.UpdateDependent(&d); err != nil {
				return err
			}
			entry.Action, entry.Detail = audit.ActionModify, fmt.Sprintf("dependent of person %d modified", d.EmployeeID)
		}
		entry.CompanyID, entry.TargetType, entry.TargetID = d.CompanyID, "person", fmt.Sprint(d.ID)
		if _, err := s.Audit.Append(tx, entry); err != nil {
			return err
		}
		e, err := employeeTx(tx, ck, d.EmployeeID)
		if err != nil {
			return err
		}
		for _, x := range e.Dependents {
			if x.ID == d.ID {
				d = x
			}
		}
		return nil
	})
	return d, err
}

// DeleteDependent deletes a dependent without a registered number.
func (s *Service) DeleteDependent(ctx context.Context, p auth.Principal, companyID, id int64) error {
	return s.DB.Update(ctx, func(tx *store.Tx) error {
		if err := requireRoster(tx, p, companyID); err != nil {
			return err
		}
		var owner int64
		err := tx.QueryRow(`SELECT employee_id FROM persons WHERE id = ? AND company_id = ? AND kind = 'dependent'`, id, companyID).Scan(&owner)
		if errors.Is(err, sql.ErrNoRows) {
			return errNoPerson
		}
		if err != nil {
			return fmt.Errorf("reading dependent %d: %w", id, err)
		}
		return s.deletePersonTx(tx, p, companyID, id, fmt.Sprintf("dependent of person %d deleted", owner))
	})
}
