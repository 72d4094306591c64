package use

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/jpdate"
	"github.com/mynumber-shelter/shelter/app/roster"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
)

// Person kinds.
const (
	KindEmployee  = "employee"  // 従業員 (本人)
	KindDependent = "dependent" // 扶養家族
)

// Person is one row of the 3-1 list: an employee or a dependent, with the number masked.
type Person struct {
	ID   int64
	Kind string // KindEmployee or KindDependent
	// EmployeeID is the employee a dependent belongs to (the person itself for an employee).
	EmployeeID int64
	// EmployeeCode is the employee's 従業員コード (for a dependent, their employee's).
	EmployeeCode string
	Name         string
	NameKana     string
	BirthDate    string          // ISO or ""
	Relation     roster.Relation // dependents only
	Department   string          // the employee's department name, or ""
	LeftOn       string          // the employee's leaving date, ISO or ""
	HasNumber    bool
	// MaskedNumber is "**** **** 9018", or "" when there is no number (or it was disposed of).
	MaskedNumber string
	// Purposes are the codes of the purposes notified to the person, in display order.
	Purposes []string
}

// PeopleQuery selects a page of people of one company.
type PeopleQuery struct {
	CompanyID int64
	// Search matches the start of the employee code, or any part of the name or reading.
	Search string
	// DepartmentID limits the list to a department and those below it; 0 for all.
	DepartmentID int64
	// Kind is "" (both), KindEmployee or KindDependent.
	Kind string
	// Status is "" (all), "active" or "left" (by the employee's leaving date, in Japan time).
	Status string
	// WithNumber lists only people with a number registered.
	WithNumber bool
	Offset     int
	// Limit defaults to 50 and is at most 500.
	Limit int
	// Sort orders the employees by code (the zero value), name (reading) or department; each
	// dependent stays under their employee.
	Sort roster.Sort
}

// PeoplePage is one page and the number of people matching the query.
type PeoplePage struct {
	People []Person
	Total  int
}

// ownerCode is the employee code that orders a person: their own, or their employee's.
const ownerCode = `COALESCE(p.employee_code, e.employee_code, '')`

// People lists the company's employees, each followed by their dependents, in q.Sort's order
// (by default the employee code), numbers masked. Listing is not a view of a number and is not recorded.
func (s *Service) People(ctx context.Context, sess *auth.Session, q PeopleQuery) (PeoplePage, error) {
	var page PeoplePage
	keys, err := sessionKeys(sess)
	if err != nil {
		return page, err
	}
	if q.Limit <= 0 {
		q.Limit = 50
	}
	q.Limit, q.Offset = min(q.Limit, 500), max(q.Offset, 0)
	order, err := q.Sort.OrderBy(roster.SortColumns{Code: ownerCode, Name: "COALESCE(e.name, p.name)",
		Kana: "COALESCE(e.name_kana, p.name_kana)", Department: "COALESCE(d.name, '')"})
	if err != nil {
		return page, err
	}
	where := ` WHERE p.company_id = ?`
	args := []any{q.CompanyID}
	if search := strings.TrimSpace(q.Search); search != "" {
		cond, a := roster.SearchClause(ownerCode, "p.name", "p.name_kana", search)
		where += ` AND ` + cond
		args = append(args, a...)
	}
	if q.DepartmentID != 0 {
		where += ` AND COALESCE(p.department_id, e.department_id) IN (WITH RECURSIVE sub(id) AS (SELECT ? UNION ALL
			SELECT d2.id FROM departments d2 JOIN sub ON d2.parent_id = sub.id) SELECT id FROM sub)`
		args = append(args, q.DepartmentID)
	}
	switch q.Kind {
	case "":
	case KindEmployee, KindDependent:
		where += ` AND p.kind = ?`
		args = append(args, q.Kind)
	default:
		return page, apperr.Invalid("kind", "区分が正しくありません。", "Unknown kind filter.")
	}
	today := jpdate.ISO(jpdate.JapanDate(s.DB.Now()))
	leftOn := `COALESCE(e.left_on, p.left_on)`
	switch q.Status {
	case "":
	case "active":
		where += ` AND (` + leftOn + ` = '' OR ` + leftOn + ` > ?)`
		args = append(args, today)
	case "left":
		where += ` AND ` + leftOn + ` <> '' AND ` + leftOn + ` <= ?`
		args = append(args, today)
	default:
		return page, apperr.Invalid("status", "在籍区分が正しくありません。", "Unknown employment status filter.")
	}
	if q.WithNumber {
		where += ` AND n.person_id IS NOT NULL`
	}
	from := ` FROM persons p LEFT JOIN persons e ON e.id = p.employee_id
		LEFT JOIN departments d ON d.id = COALESCE(p.department_id, e.department_id)
		LEFT JOIN person_numbers n ON n.person_id = p.id`
	err = s.DB.View(ctx, func(tx *store.Tx) error {
		if err := requireUse(tx, sess.Principal, q.CompanyID); err != nil {
			return err
		}
		if err := tx.QueryRow(`SELECT count(*)`+from+where, args...).Scan(&page.Total); err != nil {
			return fmt.Errorf("counting people: %w", err)
		}
		rows, err := tx.Query(`SELECT p.id, p.kind, COALESCE(p.employee_id, p.id), `+ownerCode+`, p.name, p.name_kana,
			p.birth_date, p.relation, COALESCE(d.name, ''), `+leftOn+`, n.ciphertext,
			(SELECT group_concat(code, ',') FROM (SELECT pu.code FROM person_purposes pp JOIN purposes pu ON pu.code = pp.purpose_code
				WHERE pp.person_id = p.id ORDER BY pu.sort, pu.code))`+from+where+`
			ORDER BY `+order+`, p.kind = 'dependent', p.id LIMIT ? OFFSET ?`,
			append(args, q.Limit, q.Offset)...)
		if err != nil {
			return fmt.Errorf("reading people: %w", err)
		}
		defer rows.Close()
		var cts [][]byte
		for rows.Next() {
			var pr Person
			var ct []byte
			var purposes *string
			if err := rows.Scan(&pr.ID, &pr.Kind, &pr.EmployeeID, &pr.EmployeeCode, &pr.Name, &pr.NameKana, &pr.BirthDate,
				&pr.Relation, &pr.Department, &pr.LeftOn, &ct, &purposes); err != nil {
				return fmt.Errorf("reading people: %w", err)
			}
			pr.Purposes = []string{}
			if purposes != nil && *purposes != "" {
				pr.Purposes = strings.Split(*purposes, ",")
			}
			page.People = append(page.People, pr)
			cts = append(cts, ct)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		var ck *vault.CompanyKey
		for i := range page.People {
			if cts[i] == nil {
				continue
			}
			if ck == nil {
				if ck, err = keys.Company(tx, q.CompanyID); err != nil {
					return err
				}
				defer ck.Close()
			}
			pt, err := openSealed(tx, ck, page.People[i].ID, cts[i])
			if errors.Is(err, ErrDisposed) {
				continue
			}
			if err != nil {
				return err
			}
			page.People[i].HasNumber = true
			page.People[i].MaskedNumber = roster.MaskDigits(pt)
			clear(pt)
		}
		return nil
	})
	if err != nil {
		return PeoplePage{}, err
	}
	if page.People == nil {
		page.People = []Person{}
	}
	return page, nil
}
