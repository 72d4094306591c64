package roster

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/store"
)

// Department is one node of a client company's department tree (部署).
type Department struct {
	ID        int64
	CompanyID int64
	ParentID  int64 // 0 at the top of the tree
	Code      string
	Name      string

	// Read only, filled by DepartmentsTx.
	Depth     int // 0 at the top
	Path      string
	Employees int // employees directly in this department
	Children  int
}

// DepartmentsTx returns the company's departments in tree order: each department followed by
// its children, siblings by code.
func DepartmentsTx(tx *store.Tx, companyID int64) ([]Department, error) {
	rows, err := tx.Query(`SELECT d.id, d.company_id, COALESCE(d.parent_id, 0), d.code, d.name,
		(SELECT count(*) FROM persons p WHERE p.department_id = d.id)
		FROM departments d WHERE d.company_id = ?`, companyID)
	if err != nil {
		return nil, fmt.Errorf("reading departments: %w", err)
	}
	defer rows.Close()
	var all []Department
	for rows.Next() {
		var d Department
		if err := rows.Scan(&d.ID, &d.CompanyID, &d.ParentID, &d.Code, &d.Name, &d.Employees); err != nil {
			return nil, fmt.Errorf("reading departments: %w", err)
		}
		all = append(all, d)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(all, func(a, b Department) int {
		return cmp.Or(cmp.Compare(len(a.Code), len(b.Code)), strings.Compare(a.Code, b.Code))
	})
	children := map[int64][]int{}
	ids := map[int64]bool{}
	for i, d := range all {
		ids[d.ID] = true
		children[d.ParentID] = append(children[d.ParentID], i)
	}
	out := make([]Department, 0, len(all))
	var walk func(parent int64, depth int, path string)
	walk = func(parent int64, depth int, path string) {
		for _, i := range children[parent] {
			d := all[i]
			d.Depth, d.Children = depth, len(children[d.ID])
			d.Path = d.Name
			if path != "" {
				d.Path = path + " / " + d.Name
			}
			out = append(out, d)
			walk(d.ID, depth+1, d.Path)
		}
	}
	walk(0, 0, "")
	// A parent outside the company (which SaveDepartment never writes) still lists its child.
	for parent, cs := range children {
		if parent != 0 && !ids[parent] {
			for _, i := range cs {
				out = append(out, all[i])
			}
		}
	}
	return out, nil
}

// Departments returns the company's department tree to its 事務取扱責任者 / 担当者.
func (s *Service) Departments(ctx context.Context, p auth.Principal, companyID int64) (ds []Department, err error) {
	err = s.DB.View(ctx, func(tx *store.Tx) error {
		if err := requireRoster(tx, p, companyID); err != nil {
			return err
		}
		ds, err = DepartmentsTx(tx, companyID)
		return err
	})
	return ds, err
}

// validate checks and normalises a department's own fields.
func (d *Department) validate() error {
	if d.Code = clean(d.Code); d.Code != "" && (!codePattern.MatchString(d.Code) || countDigits(d.Code) >= 12) {
		return apperr.Invalid("code", "部署コードは半角英数字・-・_ で20文字以内（数字は11桁まで）にしてください（例: D001）。",
			"Department codes are up to 20 letters, digits (at most 11), - or _ (e.g. D001).")
	}
	d.Name = strings.TrimSpace(d.Name)
	switch {
	case d.Name == "":
		return apperr.Invalid("name", "部署名を入力してください。", "Enter the department name.")
	case utf8.RuneCountInString(d.Name) > MaxNameLen:
		return apperr.Invalid("name", fmt.Sprintf("部署名は%d文字以内にしてください。", MaxNameLen), fmt.Sprintf("The department name may be at most %d characters.", MaxNameLen))
	case hasControl(d.Name):
		return apperr.Invalid("name", "部署名に使えない制御文字が含まれています。", "The department name contains a control character.")
	}
	return nil
}

var errNoDepartment = apperr.New(apperr.CodeNotFound, "", "部署が見つかりません。", "Department not found.")

// NextDepartmentCodeTx returns the first free code D001, D002, … of the company.
func NextDepartmentCodeTx(tx *store.Tx, companyID int64) (string, error) {
	var n int
	if err := tx.QueryRow(`SELECT count(*) FROM departments WHERE company_id = ?`, companyID).Scan(&n); err != nil {
		return "", fmt.Errorf("counting departments: %w", err)
	}
	for i := n + 1; ; i++ {
		code := fmt.Sprintf("D%03d", i)
		var taken int
		if err := tx.QueryRow(`SELECT count(*) FROM departments WHERE company_id = ? AND code = ?`, companyID, code).Scan(&taken); err != nil {
			return "", fmt.Errorf("checking department code: %w", err)
		}
		if taken == 0 {
			return code, nil
		}
	}
}

// checkDepartmentTx checks references and uniqueness of d inside tx: the parent belongs to the
// company and is not d or below d (no cycles); the code and the name among siblings are free.
func checkDepartmentTx(tx *store.Tx, d Department) error {
	for parent, steps := d.ParentID, 0; parent != 0; steps++ {
		if parent == d.ID && d.ID != 0 {
			return apperr.Invalid("parentId", "部署を自分自身やその下の部署の下に移すことはできません。", "A department cannot be moved under itself or one of its sub-departments.")
		}
		var company int64
		var next int64
		err := tx.QueryRow(`SELECT company_id, COALESCE(parent_id, 0) FROM departments WHERE id = ?`, parent).Scan(&company, &next)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && company != d.CompanyID) {
			return apperr.Invalid("parentId", "上位の部署が見つかりません。", "Parent department not found.")
		}
		if err != nil {
			return fmt.Errorf("reading department %d: %w", parent, err)
		}
		if steps > 10000 {
			return fmt.Errorf("department tree of company %d has a cycle", d.CompanyID)
		}
		parent = next
	}
	var n int
	if err := tx.QueryRow(`SELECT count(*) FROM departments WHERE company_id = ? AND code = ? AND id <> ?`, d.CompanyID, d.Code, d.ID).Scan(&n); err != nil {
		return fmt.Errorf("checking department code: %w", err)
	}
	if n > 0 {
		return apperr.New(apperr.CodeConflict, "code", "この部署コードは既に使われています。", "This department code is already in use.")
	}
	if err := tx.QueryRow(`SELECT count(*) FROM departments WHERE company_id = ? AND COALESCE(parent_id, 0) = ? AND name = ? AND id <> ?`,
		d.CompanyID, d.ParentID, d.Name, d.ID).Scan(&n); err != nil {
		return fmt.Errorf("checking department name: %w", err)
	}
	if n > 0 {
		return apperr.New(apperr.CodeConflict, "name", "同じ名前の部署が同じ階層に既にあります。", "A department with this name already exists at the same level.")
	}
	return nil
}

// InsertDepartmentTx adds a department (a free code is chosen when d.Code is empty) after the
// same checks as SaveDepartment, and returns it. It writes no audit entry: the caller does.
func InsertDepartmentTx(tx *store.Tx, d Department) (Department, error) {
	d.ID = 0
	if err := d.validate(); err != nil {
		return d, err
	}
	if d.Code == "" {
		code, err := NextDepartmentCodeTx(tx, d.CompanyID)
		if err != nil {
			return d, err
		}
		d.Code = code
	}
	if err := checkDepartmentTx(tx, d); err != nil {
		return d, err
	}
	res, err := tx.Exec(`INSERT INTO departments(company_id, parent_id, code, name, created_at, updated_at) VALUES(?, ?, ?, ?, ?, ?)`,
		d.CompanyID, nullID(d.ParentID), d.Code, d.Name, tx.NowText(), tx.NowText())
	if err != nil {
		return d, fmt.Errorf("inserting department: %w", err)
	}
	d.ID, err = res.LastInsertId()
	return d, err
}

// SaveDepartment adds (ID 0) or updates a department. Moving a department under itself or one of
// its sub-departments is refused.
func (s *Service) SaveDepartment(ctx context.Context, p auth.Principal, d Department) (Department, error) {
	if err := d.validate(); err != nil {
		return d, err
	}
	err := s.DB.Update(ctx, func(tx *store.Tx) error {
		if err := requireRoster(tx, p, d.CompanyID); err != nil {
			return err
		}
		e := p.Entry(audit.ActionRegister, audit.ResultOK)
		if d.ID == 0 {
			var err error
			if d, err = InsertDepartmentTx(tx, d); err != nil {
				return err
			}
			e.Detail = "department registered; code=" + d.Code
		} else {
			var before Department
			err := tx.QueryRow(`SELECT code, name, COALESCE(parent_id, 0) FROM departments WHERE id = ? AND company_id = ?`, d.ID, d.CompanyID).
				Scan(&before.Code, &before.Name, &before.ParentID)
			if errors.Is(err, sql.ErrNoRows) {
				return errNoDepartment
			}
			if err != nil {
				return fmt.Errorf("reading department %d: %w", d.ID, err)
			}
			if d.Code == "" {
				d.Code = before.Code
			}
			if err := checkDepartmentTx(tx, d); err != nil {
				return err
			}
			if _, err := tx.Exec(`UPDATE departments SET parent_id = ?, code = ?, name = ?, updated_at = ? WHERE id = ?`,
				nullID(d.ParentID), d.Code, d.Name, tx.NowText(), d.ID); err != nil {
				return fmt.Errorf("updating department: %w", err)
			}
			var f []string
			for _, c := range []struct {
				name string
				same bool
			}{{"code", before.Code == d.Code}, {"name", before.Name == d.Name}, {"parent", before.ParentID == d.ParentID}} {
				if !c.same {
					f = append(f, c.name)
				}
			}
			e.Action, e.Detail = audit.ActionModify, "department code="+d.Code+"; changed: "+strings.Join(f, ",")
		}
		e.CompanyID, e.TargetType, e.TargetID = d.CompanyID, "department", fmt.Sprint(d.ID)
		_, err := s.Audit.Append(tx, e)
		return err
	})
	return d, err
}

// DeleteDepartment deletes a department that has no sub-departments and no employees.
func (s *Service) DeleteDepartment(ctx context.Context, p auth.Principal, companyID, id int64) error {
	return s.DB.Update(ctx, func(tx *store.Tx) error {
		if err := requireRoster(tx, p, companyID); err != nil {
			return err
		}
		var code string
		var children, members int
		err := tx.QueryRow(`SELECT code, (SELECT count(*) FROM departments c WHERE c.parent_id = d.id),
			(SELECT count(*) FROM persons p WHERE p.department_id = d.id)
			FROM departments d WHERE d.id = ? AND d.company_id = ?`, id, companyID).Scan(&code, &children, &members)
		if errors.Is(err, sql.ErrNoRows) {
			return errNoDepartment
		}
		if err != nil {
			return fmt.Errorf("reading department %d: %w", id, err)
		}
		if children > 0 || members > 0 {
			return apperr.New(apperr.CodeConflict, "", "下位の部署または所属する従業員がいるため削除できません。",
				"The department has sub-departments or employees and cannot be deleted.")
		}
		if _, err := tx.Exec(`DELETE FROM departments WHERE id = ?`, id); err != nil {
			return fmt.Errorf("deleting department: %w", err)
		}
		e := p.Entry(audit.ActionDelete, audit.ResultOK)
		e.CompanyID, e.TargetType, e.TargetID, e.Detail = companyID, "department", fmt.Sprint(id), "department deleted; code="+code
		_, err = s.Audit.Append(tx, e)
		return err
	})
}
