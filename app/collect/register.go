package collect

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/roster"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
)

// NumberEntry is one number to register: the person (the employee or one of their
// dependents) and the number as typed (full-width digits, spaces and hyphens are accepted).
type NumberEntry struct {
	PersonID int64
	Number   string
}

// DuplicateError says that the number typed for PersonID is already registered for another
// person of the company (Other, which names that person by id and employee code, never by the
// number). Nothing was written. The UI asks the user to confirm — a person may really be both
// an employee and another employee's dependent — and repeats the call with PersonID in
// acceptDuplicates.
type DuplicateError struct {
	PersonID int64
	Other    *roster.DuplicateNumberError
}

// CodeDuplicateNumber is the code the UI reports a [*DuplicateError] with.
const CodeDuplicateNumber = roster.CodeDuplicateNumber

func (e *DuplicateError) Error() string {
	return fmt.Sprintf("person %d: %s", e.PersonID, e.Other.Error())
}

// Unwrap returns the roster error.
func (e *DuplicateError) Unwrap() error { return e.Other }

// FieldFor is the field name the UI uses for the entry of person id: "number:<id>".
func FieldFor(personID int64) string { return fmt.Sprintf("number:%d", personID) }

// RegisterResult is the state of a family after [Service.RegisterNumbers].
type RegisterResult struct {
	EmployeeID int64
	// Changed is the number of persons whose number was written (a number equal to the one
	// registered writes nothing).
	Changed int
	// Missing is the number of persons of the family still without a number.
	Missing int
	// Status is the employee's target status: 登録済 when Missing is 0, else 確認済.
	Status Status
	// Masked holds each person's masked number ("**** **** 9018"), by person id.
	Masked map[int64]string
}

// RegisterNumbers is STEP3: it registers the numbers of an employee and of their dependents in
// one transaction through roster.SetNumberTx (which seals each number under the person key and
// audits it). Every number is validated first (normalisation, check digit; an invalid one fails
// with a user-safe error on field [FieldFor](person) and nothing is written). A number already
// registered for another person fails with a [*DuplicateError] unless that entry's person is in
// acceptDuplicates.
//
// The employee must have been asked (a target exists) and their identity checked (the target is
// 確認済 or 登録済): a number is taken only after 本人確認. Dependents' identities are the
// employee's to check for the 扶養控除等申告書 and need no check here. The target becomes 登録済
// when the employee and every dependent have a number.
func (s *Service) RegisterNumbers(ctx context.Context, p auth.Principal, keys *vault.Keys, companyID, employeeID int64, entries []NumberEntry, acceptDuplicates []int64) (RegisterResult, error) {
	clean, err := cleanEntries(entries)
	if err != nil {
		return RegisterResult{EmployeeID: employeeID, Masked: map[int64]string{}}, err
	}
	var out RegisterResult
	err = s.DB.Update(ctx, func(tx *store.Tx) error {
		var err error
		out, err = s.registerNumbersTx(tx, p, keys, companyID, employeeID, clean, acceptDuplicates)
		return err
	})
	if err != nil {
		return RegisterResult{EmployeeID: employeeID}, err
	}
	return out, nil
}

// cleanEntries validates and normalises every number before any write.
func cleanEntries(entries []NumberEntry) ([]NumberEntry, error) {
	if len(entries) == 0 {
		return nil, apperr.Invalid("numbers", "個人番号を入力してください。", "Enter the numbers.")
	}
	clean := make([]NumberEntry, len(entries))
	seen := map[int64]bool{}
	for i, e := range entries {
		if seen[e.PersonID] {
			return nil, apperr.Invalid(FieldFor(e.PersonID), "同じ人の個人番号が二回入力されています。", "The same person appears twice.")
		}
		seen[e.PersonID] = true
		n, err := roster.ValidateNumber(e.Number)
		if err != nil {
			if ae, ok := apperr.As(err); ok {
				return nil, apperr.Wrap(err, ae.Code, FieldFor(e.PersonID), ae.JA, ae.EN)
			}
			return nil, err
		}
		clean[i] = NumberEntry{PersonID: e.PersonID, Number: n}
	}
	return clean, nil
}

// registerNumbersTx is [Service.RegisterNumbers] inside tx, for entries cleanEntries returned.
func (s *Service) registerNumbersTx(tx *store.Tx, p auth.Principal, keys *vault.Keys, companyID, employeeID int64, clean []NumberEntry, acceptDuplicates []int64) (RegisterResult, error) {
	out := RegisterResult{EmployeeID: employeeID, Masked: map[int64]string{}}
	err := func() error {
		if err := requireRole(tx, p, companyID); err != nil {
			return err
		}
		t, err := latestTargetTx(tx, companyID, employeeID)
		if err != nil {
			return err
		}
		if _, ok := next(opRegister, t.status); !ok {
			return statusErr(t.status, "個人番号を登録できません（本人確認が済んでいません）", "the identity check is not done")
		}
		family, err := familyTx(tx, employeeID)
		if err != nil {
			return err
		}
		ck, err := keys.Company(tx, companyID)
		if err != nil {
			return err
		}
		defer ck.Close()
		for _, e := range clean {
			if !slices.Contains(family, e.PersonID) {
				return apperr.Wrap(errNoPerson, apperr.CodeNotFound, FieldFor(e.PersonID),
					"この従業員の本人・扶養家族ではありません。", "Not the employee or one of their dependents.")
			}
			changed, err := roster.SetNumberTx(tx, s.Audit, p, ck, e.PersonID, e.Number, slices.Contains(acceptDuplicates, e.PersonID))
			var dup *roster.DuplicateNumberError
			if errors.As(err, &dup) {
				return &DuplicateError{PersonID: e.PersonID, Other: dup}
			}
			if err != nil {
				return err
			}
			if changed {
				out.Changed++
			}
		}
		for _, id := range family {
			masked, ok, err := roster.MaskedNumberTx(tx, ck, id)
			if err != nil {
				return err
			}
			if ok {
				out.Masked[id] = masked
			} else {
				out.Missing++
			}
		}
		out.Status = t.status
		if out.Missing == 0 {
			out.Status = Registered
		}
		if out.Status == t.status {
			return nil
		}
		if err := setStatusTx(tx, t, out.Status); err != nil {
			return err
		}
		return s.appendAudit(tx, p, audit.ActionModify, companyID, "person", employeeID,
			fmt.Sprintf("collection status %s → %s; request %d", t.status, out.Status, t.requestID))
	}()
	if err != nil {
		return RegisterResult{EmployeeID: employeeID}, err
	}
	return out, nil
}

// familyTx returns the employee's id followed by their dependents' ids.
func familyTx(tx *store.Tx, employeeID int64) ([]int64, error) {
	rows, err := tx.Query(`SELECT id FROM persons WHERE id = ? OR employee_id = ? ORDER BY employee_id IS NOT NULL, id`, employeeID, employeeID)
	if err != nil {
		return nil, fmt.Errorf("reading family: %w", err)
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
