package roster

import (
	"context"
	"crypto/hmac"
	"database/sql"
	"errors"
	"fmt"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
	"github.com/mynumber-shelter/shelter/internal/mynumber"
)

var (
	// ErrDisposed means the person's key was destroyed by disposal (crypto-shredding): no number
	// can be stored for, or read from, this person any more.
	ErrDisposed = apperr.New("disposed", FieldNumber, "この方の個人番号は廃棄済みのため、登録できません。",
		"This person's number has been disposed of; no number can be registered for them.")

	errNoPerson = apperr.New(apperr.CodeNotFound, "", "従業員・扶養家族が見つかりません。", "Person not found.")
)

// CodeDuplicateNumber is the apperr-style code of a [*DuplicateNumberError].
const CodeDuplicateNumber = "duplicate_number"

// DuplicateNumberError says that the same My Number is already registered for another person of
// the company. It names that person by id and employee code, never by the number. The UI shows
// it as a warning; the user may confirm (a person can be both an employee and another
// employee's dependent), and the use case is repeated with the duplicate accepted.
type DuplicateNumberError struct {
	// PersonID is the other person.
	PersonID int64
	// Dependent is true when the other person is a dependent; EmployeeCode is then the code of
	// the employee they belong to.
	Dependent bool
	// EmployeeCode is the other person's 従業員コード (or their employee's).
	EmployeeCode string
}

// Error is an English message with the employee code.
func (e *DuplicateNumberError) Error() string {
	if e.Dependent {
		return "the same My Number is already registered for a dependent of employee " + e.EmployeeCode
	}
	return "the same My Number is already registered for employee " + e.EmployeeCode
}

// Japanese is the message for the user.
func (e *DuplicateNumberError) Japanese() string {
	if e.Dependent {
		return "同じ個人番号が従業員コード " + e.EmployeeCode + " の方の扶養家族に登録されています。"
	}
	return "同じ個人番号が従業員コード " + e.EmployeeCode + " の方に登録されています。"
}

// English is the message for the user in English (apperr.Coded).
func (e *DuplicateNumberError) English() string { return e.Error() }

// UserCode is [CodeDuplicateNumber].
func (e *DuplicateNumberError) UserCode() string { return CodeDuplicateNumber }

// UserField is [FieldNumber].
func (e *DuplicateNumberError) UserField() string { return FieldNumber }

// duplicateOf describes person id as the holder of a duplicate.
func duplicateOf(tx *store.Tx, id int64) (*DuplicateNumberError, error) {
	d := &DuplicateNumberError{PersonID: id}
	var kind string
	err := tx.QueryRow(`SELECT p.kind, COALESCE(p.employee_code, e.employee_code, '') FROM persons p
		LEFT JOIN persons e ON e.id = p.employee_id WHERE p.id = ?`, id).Scan(&kind, &d.EmployeeCode)
	if err != nil {
		return nil, fmt.Errorf("reading person %d: %w", id, err)
	}
	d.Dependent = kind == "dependent"
	return d, nil
}

// DuplicateTx returns the first other person of ck's company (not except) holding number, or
// nil when there is none.
func DuplicateTx(tx *store.Tx, ck *vault.CompanyKey, number string, except int64) (*DuplicateNumberError, error) {
	var other int64
	err := tx.QueryRow(`SELECT person_id FROM person_numbers WHERE company_id = ? AND blind_index = ? AND person_id <> ?
		ORDER BY person_id LIMIT 1`, ck.CompanyID(), ck.BlindIndex(number), except).Scan(&other)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("checking duplicate numbers: %w", err)
	}
	return duplicateOf(tx, other)
}

// DescribeDuplicateTx names person id (a holder found in a [NumberIndex]) for a duplicate warning.
func DescribeDuplicateTx(tx *store.Tx, id int64) (*DuplicateNumberError, error) {
	return duplicateOf(tx, id)
}

// NumberIndex holds the blind indexes of every number registered in one company, for duplicate
// checks over many rows in one transaction (the CSV import). It is for duplicate detection
// only: it never leaves memory and is never used to find a person by number.
type NumberIndex struct {
	ck     *vault.CompanyKey
	owners map[string][]int64
	of     map[int64]string
}

// LoadNumberIndex reads the blind indexes of ck's company.
func LoadNumberIndex(tx *store.Tx, ck *vault.CompanyKey) (*NumberIndex, error) {
	x := &NumberIndex{ck: ck, owners: map[string][]int64{}, of: map[int64]string{}}
	rows, err := tx.Query(`SELECT person_id, blind_index FROM person_numbers WHERE company_id = ? ORDER BY person_id`, ck.CompanyID())
	if err != nil {
		return nil, fmt.Errorf("reading number index: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var bi []byte
		if err := rows.Scan(&id, &bi); err != nil {
			return nil, fmt.Errorf("reading number index: %w", err)
		}
		x.owners[string(bi)] = append(x.owners[string(bi)], id)
		x.of[id] = string(bi)
	}
	return x, rows.Err()
}

// Key is the blind index of number (12 digits) as a map key, for callers that track numbers
// seen in a file. It is as secret as the index itself.
func (x *NumberIndex) Key(number string) string { return string(x.ck.BlindIndex(number)) }

// Owners returns the persons holding the number whose [NumberIndex.Key] is key, in id order.
func (x *NumberIndex) Owners(key string) []int64 { return x.owners[key] }

// Has reports whether person id has a number registered.
func (x *NumberIndex) Has(id int64) bool { _, ok := x.of[id]; return ok }

// Holds reports whether person id's registered number has key.
func (x *NumberIndex) Holds(id int64, key string) bool {
	k, ok := x.of[id]
	return ok && hmac.Equal([]byte(k), []byte(key))
}

// openNumber opens a sealed number into a buffer the caller must clear.
func openNumber(tx *store.Tx, ck *vault.CompanyKey, personID int64, ct []byte) ([]byte, error) {
	pk, err := ck.Person(tx, personID)
	if err != nil {
		return nil, err
	}
	defer pk.Close()
	return pk.Open(NumberAAD(personID), ct)
}

// maskSealed opens ct and returns it masked as mynumber.Mask does ("**** **** 9018"). The
// plaintext is zeroed before returning. A disposed person's number masks as "".
func maskSealed(tx *store.Tx, ck *vault.CompanyKey, personID int64, ct []byte) (string, error) {
	if ct == nil {
		return "", nil
	}
	pt, err := openNumber(tx, ck, personID, ct)
	if errors.Is(err, vault.ErrShredded) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("opening number of person %d: %w", personID, err)
	}
	defer clear(pt)
	return MaskDigits(pt), nil
}

// MaskDigits masks a number held in a byte buffer without copying its hidden digits into a
// string: "**** **** " and the last four digits for 12 ASCII digits, one "*" per byte otherwise.
func MaskDigits(n []byte) string {
	if len(n) == mynumber.IndividualLen {
		ok := true
		for _, c := range n {
			ok = ok && c >= '0' && c <= '9'
		}
		if ok {
			return "**** **** " + string(n[8:])
		}
	}
	b := make([]byte, len(n))
	for i := range b {
		b[i] = '*'
	}
	return string(b)
}

// MaskedNumberTx returns person id's number masked ("**** **** 9018"), and whether they have one.
func MaskedNumberTx(tx *store.Tx, ck *vault.CompanyKey, personID int64) (masked string, ok bool, err error) {
	var ct []byte
	err = tx.QueryRow(`SELECT ciphertext FROM person_numbers WHERE person_id = ? AND company_id = ?`, personID, ck.CompanyID()).Scan(&ct)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("reading number of person %d: %w", personID, err)
	}
	masked, err = maskSealed(tx, ck, personID, ct)
	return masked, masked != "", err
}

// ValidateNumber checks a typed or pasted Individual Number and returns its 12 digits, or a
// user-safe error on FieldNumber that never contains a digit of the input.
func ValidateNumber(s string) (string, error) {
	n, err := mynumber.ValidateIndividual(s)
	if err != nil {
		var ve *mynumber.ValidationError
		if errors.As(err, &ve) {
			return "", apperr.Wrap(err, apperr.CodeInvalid, FieldNumber, "個人番号: "+ve.Japanese(), "My Number: "+ve.Error())
		}
		return "", apperr.Invalid(FieldNumber, "個人番号が正しくありません。", "The My Number is not valid.")
	}
	return n, nil
}

// SetNumber registers (or replaces) the My Number of person personID of the company (1-3 STEP3,
// and the employee screen of 1-2). It returns a [*DuplicateNumberError] when another person
// of the company holds the same number, unless acceptDuplicate is set; setting the number a
// person already has writes nothing. Only the company's 事務取扱責任者 / 担当者 may do it.
func (s *Service) SetNumber(ctx context.Context, p auth.Principal, keys *vault.Keys, companyID, personID int64, number string, acceptDuplicate bool) error {
	n, err := ValidateNumber(number)
	if err != nil {
		return err
	}
	return s.DB.Update(ctx, func(tx *store.Tx) error {
		if err := requireRoster(tx, p, companyID); err != nil {
			return err
		}
		ck, err := keys.Company(tx, companyID)
		if err != nil {
			return err
		}
		defer ck.Close()
		_, err = SetNumberTx(tx, s.Audit, p, ck, personID, n, acceptDuplicate)
		return err
	})
}

// SetNumberTx is SetNumber inside tx for other use cases (collection). number must be 12
// validated digits; the caller has checked the role. changed is false when the person already
// had this number (nothing is written then).
func SetNumberTx(tx *store.Tx, log *audit.Log, p auth.Principal, ck *vault.CompanyKey, personID int64, number string, acceptDuplicate bool) (changed bool, err error) {
	var exists int
	if err := tx.QueryRow(`SELECT count(*) FROM persons WHERE id = ? AND company_id = ?`, personID, ck.CompanyID()).Scan(&exists); err != nil {
		return false, fmt.Errorf("reading person %d: %w", personID, err)
	}
	if exists == 0 {
		return false, errNoPerson
	}
	var old []byte
	err = tx.QueryRow(`SELECT blind_index FROM person_numbers WHERE person_id = ?`, personID).Scan(&old)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, fmt.Errorf("reading number of person %d: %w", personID, err)
	}
	if old != nil && hmac.Equal(old, ck.BlindIndex(number)) {
		return false, nil
	}
	dup, err := DuplicateTx(tx, ck, number, personID)
	if err != nil {
		return false, err
	}
	if dup != nil && !acceptDuplicate {
		return false, dup
	}
	w, err := NewWriter(tx, ck, p.UserID)
	if err != nil {
		return false, err
	}
	defer w.Close()
	if err := w.PutNumber(personID, number); err != nil {
		return false, err
	}
	e := p.Entry(audit.ActionRegister, audit.ResultOK)
	e.Detail = "my number registered"
	if old != nil {
		e.Action, e.Detail = audit.ActionModify, "my number replaced"
	}
	if dup != nil {
		e.Detail += fmt.Sprintf("; same number as person %d acknowledged", dup.PersonID)
	}
	e.CompanyID, e.TargetType, e.TargetID = ck.CompanyID(), "person", fmt.Sprint(personID)
	if _, err := log.Append(tx, e); err != nil {
		return false, err
	}
	return true, nil
}

// requireRoster allows the company's 事務取扱責任者 and 事務取扱担当者 only; being the system
// administrator is not enough.
func requireRoster(tx *store.Tx, p auth.Principal, companyID int64) error {
	return auth.RequireCompanyRole(tx, p, companyID, auth.Manager, auth.Handler)
}
