package dispose

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/jpdate"
	"github.com/mynumber-shelter/shelter/app/store"
)

// DuePerson is one line of the 4-1 due list: an employee who has left, with their dependents.
type DuePerson struct {
	PersonID     int64
	EmployeeCode string
	Name         string
	// NameKana is the reading (フリガナ), for sorting by name; "" when none was entered.
	NameKana string
	LeftOn   time.Time
	// Dependents is how many of the employee's dependents are not disposed of yet; they go
	// with the employee unless the proposal keeps them.
	Dependents int
	// Documents are the document types whose retention applies (see [HoldingsFor]), for the
	// employee and the dependents together.
	Documents []DocumentType
	// AssumedPurposes is true when no purpose was recorded for anyone of them and
	// [DefaultEmployeePurposes] were assumed.
	AssumedPurposes bool
	// Due, Deadline, Ready, Overdue and Reason are as in [DueItem].
	Due, Deadline  time.Time
	Ready, Overdue bool
	Reason         Reason
	// PendingDisposal is the id of a disposal not yet executed that includes the employee or a
	// dependent, 0 when none.
	PendingDisposal int64
}

// company is what the use cases read about one company's people in one transaction.
type company struct {
	id      int64
	persons map[int64]personRow
	// employees are every employee of the company, with the state of their group.
	employees map[int64]*employeeState
	purposes  map[int64][]string
}

type personRow struct {
	kind, code, name, kana, relation string
	employee                         int64 // the employee's id (itself for an employee)
	leftOn                           time.Time
	disposed                         bool  // in an executed disposal
	pending                          int64 // in a proposed or approved disposal
}

type employeeState struct {
	code       string
	dependents []int64 // not yet disposed
	disposed   bool    // the employee and every dependent are disposed of
	pending    int64
	due        DueItem
	assumed    bool
	docs       []DocumentType
}

// loadCompany reads the company's persons, purposes and disposals and computes every
// employee's due date on today.
func loadCompany(tx *store.Tx, companyID int64, pol Policy, today time.Time) (*company, error) {
	c := &company{id: companyID, persons: map[int64]personRow{}, employees: map[int64]*employeeState{}, purposes: map[int64][]string{}}
	rows, err := tx.Query(`SELECT p.id, p.kind, COALESCE(p.employee_code, e.employee_code, ''), p.name, p.name_kana, p.relation,
		COALESCE(p.employee_id, p.id), COALESCE(e.left_on, p.left_on)
		FROM persons p LEFT JOIN persons e ON e.id = p.employee_id WHERE p.company_id = ? ORDER BY p.id`, companyID)
	if err != nil {
		return nil, fmt.Errorf("reading persons: %w", err)
	}
	for rows.Next() {
		var id int64
		var r personRow
		var left string
		if err := rows.Scan(&id, &r.kind, &r.code, &r.name, &r.kana, &r.relation, &r.employee, &left); err != nil {
			rows.Close()
			return nil, err
		}
		if left != "" {
			if r.leftOn, err = jpdate.ParseISO(left); err != nil {
				rows.Close()
				return nil, fmt.Errorf("person %d: stored left-on date: %v", id, err) // %v: stored data, not the user's input (an internal error)
			}
		}
		c.persons[id] = r
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	rows, err = tx.Query(`SELECT pp.person_id, pp.purpose_code FROM person_purposes pp JOIN persons p ON p.id = pp.person_id
		WHERE p.company_id = ? ORDER BY pp.person_id, pp.purpose_code`, companyID)
	if err != nil {
		return nil, fmt.Errorf("reading purposes: %w", err)
	}
	for rows.Next() {
		var id int64
		var code string
		if err := rows.Scan(&id, &code); err != nil {
			rows.Close()
			return nil, err
		}
		c.purposes[id] = append(c.purposes[id], code)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	rows, err = tx.Query(`SELECT i.person_id, d.id, d.status FROM disposal_items i JOIN disposals d ON d.id = i.disposal_id
		WHERE d.company_id = ? AND d.status IN ('proposed', 'approved', 'executed')`, companyID)
	if err != nil {
		return nil, fmt.Errorf("reading disposals: %w", err)
	}
	for rows.Next() {
		var pid, did int64
		var st Status
		if err := rows.Scan(&pid, &did, &st); err != nil {
			rows.Close()
			return nil, err
		}
		r, ok := c.persons[pid]
		if !ok {
			continue
		}
		if st == StatusExecuted {
			r.disposed = true
		} else {
			r.pending = did
		}
		c.persons[pid] = r
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	var people []Person
	for id, r := range c.persons {
		if r.kind == "employee" {
			c.employees[id] = &employeeState{code: r.code, disposed: r.disposed, pending: r.pending}
		}
	}
	for id, r := range c.persons {
		e := c.employees[r.employee]
		if r.kind != "dependent" || e == nil {
			continue
		}
		if !r.disposed {
			e.dependents = append(e.dependents, id)
			e.disposed = false
		}
		if r.pending != 0 && e.pending == 0 {
			e.pending = r.pending
		}
	}
	for id, e := range c.employees {
		slices.Sort(e.dependents)
		var purposes []string
		for _, pid := range append([]int64{id}, e.dependents...) {
			purposes = append(purposes, c.purposes[pid]...)
		}
		hs, assumed := HoldingsFor(purposes, c.persons[id].leftOn)
		e.assumed = assumed
		for _, h := range hs {
			e.docs = append(e.docs, h.Type)
		}
		people = append(people, Person{ID: strconv.FormatInt(id, 10), LeftOn: c.persons[id].leftOn, Holdings: hs})
	}
	for _, it := range pol.DueList(people, today) {
		id, _ := strconv.ParseInt(it.PersonID, 10, 64)
		c.employees[id].due = it
	}
	for id, e := range c.employees {
		if e.due.Reason.Code == "" { // left out of DueList: still employed
			e.due = DueItem{PersonID: strconv.FormatInt(id, 10), Reason: Reason{Code: ReasonEmployed}}
		}
	}
	return c, nil
}

// list returns the due list: employees who have left and are not disposed of, in DueList order.
func (c *company) list() []DuePerson {
	var out []DuePerson
	for id, e := range c.employees {
		if e.disposed || e.due.Reason.Code == ReasonEmployed {
			continue
		}
		r := c.persons[id]
		out = append(out, DuePerson{PersonID: id, EmployeeCode: e.code, Name: r.name, NameKana: r.kana, LeftOn: r.leftOn,
			Dependents: len(e.dependents), Documents: e.docs, AssumedPurposes: e.assumed,
			Due: e.due.Due, Deadline: e.due.Deadline, Ready: e.due.Ready, Overdue: e.due.Overdue, Reason: e.due.Reason,
			PendingDisposal: e.pending})
	}
	// The order of Policy.DueList: by due date, undecidable ones last, then by code.
	slices.SortStableFunc(out, func(a, b DuePerson) int {
		if a.Due.IsZero() != b.Due.IsZero() {
			if a.Due.IsZero() {
				return 1
			}
			return -1
		}
		if c := a.Due.Compare(b.Due); c != 0 {
			return c
		}
		if a.EmployeeCode != b.EmployeeCode {
			if a.EmployeeCode < b.EmployeeCode {
				return -1
			}
			return 1
		}
		return 0
	})
	return out
}

// DueList returns the company's employees who have left and whose numbers are not disposed of
// yet, with the day each may be disposed of (4-1 削除期限). For the company's 責任者 and 担当者.
func (s *Service) DueList(ctx context.Context, p auth.Principal, companyID int64, today time.Time) ([]DuePerson, error) {
	var out []DuePerson
	err := s.DB.View(ctx, func(tx *store.Tx) error {
		if err := requireHandling(tx, p, companyID); err != nil {
			return err
		}
		c, err := loadCompany(tx, companyID, s.Policy, today)
		if err != nil {
			return err
		}
		out = c.list()
		return nil
	})
	return out, err
}

// CompanyCount is the alert of one company.
type CompanyCount struct {
	CompanyID   int64
	CompanyName string
	// Ready: employees whose numbers are due and not yet in a disposal; Overdue: of those, the
	// ones past the office's end-of-year deadline.
	Ready, Overdue int
	// AwaitingApproval: proposed disposals; AwaitingExecution: approved ones.
	AwaitingApproval, AwaitingExecution int
}

// Count is the home screen's alert over every company the user is assigned to.
type Count struct {
	Ready, Overdue, AwaitingApproval, AwaitingExecution int
	// Companies lists the companies with anything to do, by name.
	Companies []CompanyCount
}

// DueCount counts, over every company the user is assigned to (as 責任者 or 担当者; none for an
// administrator who is not), the numbers due for disposal and the disposals waiting for a
// decision or for execution. It reads only; it never refuses.
func (s *Service) DueCount(ctx context.Context, p auth.Principal, today time.Time) (Count, error) {
	var out Count
	err := s.DB.View(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(`SELECT DISTINCT c.id, c.name FROM assignments a JOIN companies c ON c.id = a.company_id
			JOIN users u ON u.id = a.user_id WHERE a.user_id = ? AND u.disabled = 0 ORDER BY c.name, c.id`, p.UserID)
		if err != nil {
			return fmt.Errorf("reading assignments: %w", err)
		}
		var companies []CompanyCount
		for rows.Next() {
			var cc CompanyCount
			if err := rows.Scan(&cc.CompanyID, &cc.CompanyName); err != nil {
				rows.Close()
				return err
			}
			companies = append(companies, cc)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, cc := range companies {
			c, err := loadCompany(tx, cc.CompanyID, s.Policy, today)
			if err != nil {
				return err
			}
			for _, d := range c.list() {
				if d.Ready && d.PendingDisposal == 0 {
					cc.Ready++
					if d.Overdue {
						cc.Overdue++
					}
				}
			}
			err = tx.QueryRow(`SELECT count(*) FILTER (WHERE status = 'proposed'), count(*) FILTER (WHERE status = 'approved')
				FROM disposals WHERE company_id = ?`, cc.CompanyID).Scan(&cc.AwaitingApproval, &cc.AwaitingExecution)
			if err != nil {
				return fmt.Errorf("counting disposals: %w", err)
			}
			if cc.Ready+cc.AwaitingApproval+cc.AwaitingExecution == 0 {
				continue
			}
			out.Ready += cc.Ready
			out.Overdue += cc.Overdue
			out.AwaitingApproval += cc.AwaitingApproval
			out.AwaitingExecution += cc.AwaitingExecution
			out.Companies = append(out.Companies, cc)
		}
		return nil
	})
	return out, err
}
