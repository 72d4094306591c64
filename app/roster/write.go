package roster

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
)

// NumberAAD is where a person's My Number ciphertext is stored: person_numbers / person id /
// "number". A ciphertext moved to another person's row does not open.
func NumberAAD(personID int64) vault.AAD {
	return vault.AAD{Table: "person_numbers", RowID: personID, Column: "number"}
}

// Writer writes persons and their numbers inside one transaction with prepared statements, for
// use cases that write many rows (the CSV import) as well as single edits. It checks no role
// and writes no audit entry: the caller does both, in the same transaction. Values must have
// passed [Employee.Check] / [Dependent.Check]; numbers must be the 12 digits returned by
// mynumber.ValidateIndividual.
//
// Every person gets a key (vault.CompanyKey.CreatePerson) when it is inserted, so that a missing
// key always means the person was disposed of (crypto-shredded), never "not yet".
type Writer struct {
	tx     *store.Tx
	ck     *vault.CompanyKey
	userID int64

	insEmployee, updEmployee, insDependent, updDependent, putNumber *sql.Stmt
	keys                                                            *vault.PersonKeyWriter
	// last is the key this Writer created most recently (an insert is followed by the new
	// person's number), so that PutNumber needs no read-back. Closed when replaced and by Close.
	last *vault.PersonKey
}

// NewWriter prepares the statements. userID is recorded as registered_by of numbers. Close the
// Writer before the transaction ends.
func NewWriter(tx *store.Tx, ck *vault.CompanyKey, userID int64) (*Writer, error) {
	w := &Writer{tx: tx, ck: ck, userID: userID}
	kw, err := ck.PersonKeyWriter(tx)
	if err != nil {
		return nil, err
	}
	w.keys = kw
	for _, s := range []struct {
		dst **sql.Stmt
		q   string
	}{
		{&w.insEmployee, `INSERT INTO persons(company_id, kind, employee_code, name, name_kana, birth_date, sex,
			department_id, hired_on, left_on, email, phone, created_at, updated_at)
			VALUES(?, 'employee', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		{&w.updEmployee, `UPDATE persons SET employee_code = ?, name = ?, name_kana = ?, birth_date = ?, sex = ?,
			department_id = ?, hired_on = ?, left_on = ?, email = ?, phone = ?, updated_at = ?
			WHERE id = ? AND company_id = ? AND kind = 'employee'`},
		{&w.insDependent, `INSERT INTO persons(company_id, kind, employee_id, name, name_kana, birth_date, sex,
			relation, created_at, updated_at) VALUES(?, 'dependent', ?, ?, ?, ?, ?, ?, ?, ?)`},
		{&w.updDependent, `UPDATE persons SET name = ?, name_kana = ?, birth_date = ?, sex = ?, relation = ?, updated_at = ?
			WHERE id = ? AND company_id = ? AND kind = 'dependent'`},
		{&w.putNumber, `INSERT INTO person_numbers(person_id, company_id, ciphertext, blind_index, registered_at, registered_by)
			VALUES(?, ?, ?, ?, ?, ?) ON CONFLICT(person_id) DO UPDATE SET ciphertext = excluded.ciphertext,
			blind_index = excluded.blind_index, registered_at = excluded.registered_at, registered_by = excluded.registered_by`},
	} {
		st, err := tx.Prepare(s.q)
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("preparing roster statement: %w", err)
		}
		*s.dst = st
	}
	return w, nil
}

// Close releases the prepared statements and the keys it made.
func (w *Writer) Close() {
	if w.keys != nil {
		w.keys.Close()
	}
	if w.last != nil {
		w.last.Close()
		w.last = nil
	}
	for _, st := range []*sql.Stmt{w.insEmployee, w.updEmployee, w.insDependent, w.updDependent, w.putNumber} {
		if st != nil {
			st.Close()
		}
	}
}

func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

// InsertEmployee adds e (its ID is ignored) with a new person key and returns its id.
func (w *Writer) InsertEmployee(e *Employee) (int64, error) {
	now := w.tx.NowText()
	res, err := w.insEmployee.ExecContext(w.tx.Context(), w.ck.CompanyID(), e.Code, e.Name, e.NameKana, e.BirthDate, string(e.Sex),
		nullID(e.DepartmentID), e.HiredOn, e.LeftOn, e.Email, e.Phone, now, now)
	if err != nil {
		return 0, fmt.Errorf("inserting employee: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("inserting employee: %w", err)
	}
	if err := w.newKey(id); err != nil {
		return 0, err
	}
	return id, nil
}

// newKey creates the person key of a new person and keeps it for PutNumber.
func (w *Writer) newKey(id int64) error {
	pk, err := w.keys.Create(id)
	if err != nil {
		return fmt.Errorf("creating person key: %w", err)
	}
	if w.last != nil {
		w.last.Close()
	}
	w.last = pk
	return nil
}

// UpdateEmployee writes every field of e over employee e.ID of the Writer's company.
func (w *Writer) UpdateEmployee(e *Employee) error {
	res, err := w.updEmployee.ExecContext(w.tx.Context(), e.Code, e.Name, e.NameKana, e.BirthDate, string(e.Sex),
		nullID(e.DepartmentID), e.HiredOn, e.LeftOn, e.Email, e.Phone, w.tx.NowText(), e.ID, w.ck.CompanyID())
	return oneRow(res, err, "updating employee")
}

// InsertDependent adds d (its ID is ignored) under employee d.EmployeeID with a new person key.
func (w *Writer) InsertDependent(d *Dependent) (int64, error) {
	now := w.tx.NowText()
	res, err := w.insDependent.ExecContext(w.tx.Context(), w.ck.CompanyID(), d.EmployeeID, d.Name, d.NameKana, d.BirthDate,
		string(d.Sex), string(d.Relation), now, now)
	if err != nil {
		return 0, fmt.Errorf("inserting dependent: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("inserting dependent: %w", err)
	}
	if err := w.newKey(id); err != nil {
		return 0, err
	}
	return id, nil
}

// UpdateDependent writes the fields of d over dependent d.ID of the Writer's company.
func (w *Writer) UpdateDependent(d *Dependent) error {
	res, err := w.updDependent.ExecContext(w.tx.Context(), d.Name, d.NameKana, d.BirthDate, string(d.Sex), string(d.Relation),
		w.tx.NowText(), d.ID, w.ck.CompanyID())
	return oneRow(res, err, "updating dependent")
}

func oneRow(res sql.Result, err error, what string) error {
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n != 1 {
		return fmt.Errorf("%s: %w", what, errNoPerson)
	}
	return nil
}

// PutNumber seals number (12 validated digits) under the person's key and stores it with its
// blind index, replacing any number the person had. [ErrDisposed] when the person's key was
// destroyed. The plaintext copy made here is zeroed before returning.
func (w *Writer) PutNumber(personID int64, number string) error {
	pk := w.last
	if pk == nil || pk.PersonID() != personID {
		var err error
		pk, err = w.ck.Person(w.tx, personID)
		if errors.Is(err, vault.ErrShredded) {
			return ErrDisposed
		}
		if err != nil {
			return fmt.Errorf("opening person key: %w", err)
		}
		defer pk.Close()
	}
	pt := []byte(number)
	defer clear(pt)
	ct, err := pk.Seal(NumberAAD(personID), pt)
	if err != nil {
		return fmt.Errorf("sealing number of person %d: %w", personID, err)
	}
	_, err = w.putNumber.ExecContext(w.tx.Context(), personID, w.ck.CompanyID(), ct, w.ck.BlindIndex(number), w.tx.NowText(), w.userID)
	if err != nil {
		return fmt.Errorf("writing number of person %d: %w", personID, err)
	}
	return nil
}
