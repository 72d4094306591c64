package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// EmployeeStatus is where an employee account stands in its collection.
type EmployeeStatus string

// The statuses, in the order an account normally moves through them.
const (
	// StatusRequested: the account exists, nothing was submitted yet.
	StatusRequested EmployeeStatus = "requested"
	// StatusSubmitted: a submission waits for the bridge.
	StatusSubmitted EmployeeStatus = "submitted"
	// StatusReturned: the handler sent it back with a reason (差戻し); the employee may submit
	// again.
	StatusReturned EmployeeStatus = "returned"
	// StatusReceived: the bridge acknowledged (and the relay deleted) the submission.
	StatusReceived EmployeeStatus = "received"
)

// EmployeeAccount is one employee's login for the phone page. Verifier is an Argon2id string
// (never the password); Reason is the send-back reason the handler wrote, shown to the employee.
type EmployeeAccount struct {
	Company     string
	Code        string
	Verifier    string
	Expires     time.Time
	Failed      int       // wrong passwords since the last lock or login
	LockedUntil time.Time // zero when not locked
	Status      EmployeeStatus
	Reason      string
}

// EmployeeSession is a logged-in phone. Only SHA-256 of its token is stored.
type EmployeeSession struct {
	TokenHash [32]byte
	Company   string
	Employee  string
	Expires   time.Time
	// Verifier is the password verifier the login was checked against. CreateEmployeeSession
	// opens the session only while the account still has it and is not locked, in the same
	// statement that resets the failure count: a right password checked before a lock (or a
	// new password) landed, on this relay or another, opens nothing. Not stored.
	Verifier string
}

// Portal is what the phone page shows a company's employees after login. Purposes is the JSON
// array the bridge sent; the store does not interpret it.
type Portal struct {
	Company  string
	Name     string
	Purposes []byte
}

// EmployeeStore holds the employee accounts, their sessions and the companies' portal text.
// Like the rest of [Store], each method is one transaction.
type EmployeeStore interface {
	// PutPortal sets the company's portal (ErrNotFound for an unknown company).
	PutPortal(ctx context.Context, p Portal, now time.Time) error
	// Portal returns the company's portal, or ErrNotFound when none was set.
	Portal(ctx context.Context, company string) (Portal, error)

	// UpsertEmployees creates or updates accounts of company (ErrNotFound for an unknown
	// company), all or none. A new account starts StatusRequested. An update replaces the
	// verifier and expiry; when the verifier changes (a new password) it also clears the
	// failure count and lock, and a received account goes back to StatusRequested (a new
	// request). Sending the same verifier again changes nothing else. Status and Reason of the
	// given accounts are ignored.
	UpsertEmployees(ctx context.Context, company string, accounts []EmployeeAccount, now time.Time) error
	// DeleteEmployee deletes the account and its sessions (ErrNotFound if none). A pending
	// submission stays for the bridge.
	DeleteEmployee(ctx context.Context, company, code string) error
	// EmployeeAccount returns one account, or ErrNotFound.
	EmployeeAccount(ctx context.Context, company, code string) (EmployeeAccount, error)
	// RecordLoginFailure counts one wrong password; the failure that reaches maxFailures
	// locks the account until now+lockFor and resets the count. Atomic across relays.
	// ErrNotFound for an unknown account.
	RecordLoginFailure(ctx context.Context, company, code string, now time.Time, maxFailures int, lockFor time.Duration) error
	// SendBack sets the account to StatusReturned with reason. ErrNotFound if none.
	SendBack(ctx context.Context, company, code, reason string) error

	// CreateEmployeeSession stores a session for an existing account (ErrNotFound otherwise),
	// resets the account's failure count and drops expired sessions.
	CreateEmployeeSession(ctx context.Context, s EmployeeSession, now time.Time) error
	// EmployeeSession returns the unexpired session with this token hash, or ErrNotFound.
	EmployeeSession(ctx context.Context, tokenHash [32]byte, now time.Time) (EmployeeSession, error)
	// DeleteEmployeeSession deletes a session; deleting an unknown one is not an error.
	DeleteEmployeeSession(ctx context.Context, tokenHash [32]byte) error

	// PutEmployeeSubmission stores the employee's submission, replacing (deleting) a pending
	// one of the same employee, and sets the account to StatusSubmitted with no reason. The new
	// submission always gets a new, greater id. ErrNotFound for an unknown account.
	PutEmployeeSubmission(ctx context.Context, company, code string, body []byte, now time.Time) (int64, error)
}

func (s *sqlStore) PutPortal(ctx context.Context, p Portal, now time.Time) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.companyExists(ctx, tx, p.Company); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO portals (company_id, name, purposes, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (company_id) DO UPDATE SET name = excluded.name, purposes = excluded.purposes, updated_at = excluded.updated_at`),
			p.Company, p.Name, string(p.Purposes), nanos(now))
		if err != nil {
			return fmt.Errorf("store: put portal: %w", err)
		}
		return nil
	})
}

func (s *sqlStore) Portal(ctx context.Context, company string) (Portal, error) {
	p := Portal{Company: company}
	var purposes string
	err := s.db.QueryRowContext(ctx, s.q(`SELECT name, purposes FROM portals WHERE company_id = ?`), company).Scan(&p.Name, &purposes)
	if errors.Is(err, sql.ErrNoRows) {
		return p, ErrNotFound
	}
	if err != nil {
		return p, fmt.Errorf("store: portal: %w", err)
	}
	p.Purposes = []byte(purposes)
	return p, nil
}

func (s *sqlStore) companyExists(ctx context.Context, tx *sql.Tx, company string) error {
	var one int
	err := tx.QueryRowContext(ctx, s.q(`SELECT 1 FROM companies WHERE id = ?`), company).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("store: company: %w", err)
	}
	return nil
}

func (s *sqlStore) UpsertEmployees(ctx context.Context, company string, accounts []EmployeeAccount, now time.Time) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.companyExists(ctx, tx, company); err != nil {
			return err
		}
		st, err := tx.PrepareContext(ctx, s.q(`INSERT INTO employee_accounts
			(company_id, code, verifier, expires_at, failed, locked_until, status, reason, updated_at)
			VALUES (?, ?, ?, ?, 0, 0, ?, '', ?)
			ON CONFLICT (company_id, code) DO UPDATE SET
				status = CASE WHEN employee_accounts.status = ? AND employee_accounts.verifier <> excluded.verifier
					THEN excluded.status ELSE employee_accounts.status END,
				reason = CASE WHEN employee_accounts.status = ? AND employee_accounts.verifier <> excluded.verifier
					THEN '' ELSE employee_accounts.reason END,
				failed = CASE WHEN employee_accounts.verifier <> excluded.verifier THEN 0 ELSE employee_accounts.failed END,
				locked_until = CASE WHEN employee_accounts.verifier <> excluded.verifier THEN 0 ELSE employee_accounts.locked_until END,
				verifier = excluded.verifier, expires_at = excluded.expires_at, updated_at = excluded.updated_at`))
		if err != nil {
			return fmt.Errorf("store: upsert employees: %w", err)
		}
		defer st.Close()
		// A new password ends the employee's open sessions at once.
		end, err := tx.PrepareContext(ctx, s.q(`DELETE FROM employee_sessions WHERE company_id = ? AND code = ? AND EXISTS
			(SELECT 1 FROM employee_accounts a WHERE a.company_id = ? AND a.code = ? AND a.verifier <> ?)`))
		if err != nil {
			return fmt.Errorf("store: upsert employees: %w", err)
		}
		defer end.Close()
		for _, a := range accounts {
			if _, err := end.ExecContext(ctx, company, a.Code, company, a.Code, a.Verifier); err != nil {
				return fmt.Errorf("store: end sessions: %w", err)
			}
			if _, err := st.ExecContext(ctx, company, a.Code, a.Verifier, nanos(a.Expires), string(StatusRequested), nanos(now),
				string(StatusReceived), string(StatusReceived)); err != nil {
				return fmt.Errorf("store: upsert employee: %w", err)
			}
		}
		return nil
	})
}

func (s *sqlStore) DeleteEmployee(ctx context.Context, company, code string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM employee_sessions WHERE company_id = ? AND code = ?`), company, code); err != nil {
			return fmt.Errorf("store: delete employee sessions: %w", err)
		}
		res, err := tx.ExecContext(ctx, s.q(`DELETE FROM employee_accounts WHERE company_id = ? AND code = ?`), company, code)
		if err != nil {
			return fmt.Errorf("store: delete employee: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
}

func (s *sqlStore) EmployeeAccount(ctx context.Context, company, code string) (EmployeeAccount, error) {
	a := EmployeeAccount{Company: company, Code: code}
	var expires, locked int64
	var status string
	err := s.db.QueryRowContext(ctx, s.q(`SELECT verifier, expires_at, failed, locked_until, status, reason
		FROM employee_accounts WHERE company_id = ? AND code = ?`), company, code).
		Scan(&a.Verifier, &expires, &a.Failed, &locked, &status, &a.Reason)
	if errors.Is(err, sql.ErrNoRows) {
		return a, ErrNotFound
	}
	if err != nil {
		return a, fmt.Errorf("store: employee account: %w", err)
	}
	a.Expires = fromNanos(expires)
	if locked != 0 {
		a.LockedUntil = fromNanos(locked)
	}
	a.Status = EmployeeStatus(status)
	return a, nil
}

func (s *sqlStore) RecordLoginFailure(ctx context.Context, company, code string, now time.Time, maxFailures int, lockFor time.Duration) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		// One statement reads and writes the count, so concurrent failures on several relays
		// are all counted.
		res, err := tx.ExecContext(ctx, s.q(`UPDATE employee_accounts SET
			locked_until = CASE WHEN failed + 1 >= ? THEN ? ELSE locked_until END,
			failed = CASE WHEN failed + 1 >= ? THEN 0 ELSE failed + 1 END
			WHERE company_id = ? AND code = ?`),
			maxFailures, nanos(now.Add(lockFor)), maxFailures, company, code)
		if err != nil {
			return fmt.Errorf("store: login failure: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
}

func (s *sqlStore) SendBack(ctx context.Context, company, code, reason string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`UPDATE employee_accounts SET status = ?, reason = ? WHERE company_id = ? AND code = ?`),
			string(StatusReturned), reason, company, code)
		if err != nil {
			return fmt.Errorf("store: send back: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		// The employee logs in again to see the reason (the page asks for the password).
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM employee_sessions WHERE company_id = ? AND code = ?`), company, code); err != nil {
			return fmt.Errorf("store: end sessions: %w", err)
		}
		return nil
	})
}

func (s *sqlStore) CreateEmployeeSession(ctx context.Context, es EmployeeSession, now time.Time) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`UPDATE employee_accounts SET failed = 0
			WHERE company_id = ? AND code = ? AND verifier = ? AND locked_until <= ?`), es.Company, es.Employee, es.Verifier, nanos(now))
		if err != nil {
			return fmt.Errorf("store: session account: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var exists int
			err := tx.QueryRowContext(ctx, s.q(`SELECT count(*) FROM employee_accounts WHERE company_id = ? AND code = ?`), es.Company, es.Employee).Scan(&exists)
			if err != nil {
				return fmt.Errorf("store: session account: %w", err)
			}
			if exists == 0 {
				return ErrNotFound
			}
			return ErrLoginStale
		}
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM employee_sessions WHERE expires_at <= ?`), nanos(now)); err != nil {
			return fmt.Errorf("store: expire sessions: %w", err)
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO employee_sessions (hash, company_id, code, expires_at) VALUES (?, ?, ?, ?)`),
			es.TokenHash[:], es.Company, es.Employee, nanos(es.Expires)); err != nil {
			return fmt.Errorf("store: create session: %w", err)
		}
		return nil
	})
}

func (s *sqlStore) EmployeeSession(ctx context.Context, tokenHash [32]byte, now time.Time) (EmployeeSession, error) {
	es := EmployeeSession{TokenHash: tokenHash}
	var expires int64
	err := s.db.QueryRowContext(ctx, s.q(`SELECT company_id, code, expires_at FROM employee_sessions WHERE hash = ? AND expires_at > ?`),
		tokenHash[:], nanos(now)).Scan(&es.Company, &es.Employee, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return es, ErrNotFound
	}
	if err != nil {
		return es, fmt.Errorf("store: session: %w", err)
	}
	es.Expires = fromNanos(expires)
	return es, nil
}

func (s *sqlStore) DeleteEmployeeSession(ctx context.Context, tokenHash [32]byte) error {
	if _, err := s.db.ExecContext(ctx, s.q(`DELETE FROM employee_sessions WHERE hash = ?`), tokenHash[:]); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

func (s *sqlStore) PutEmployeeSubmission(ctx context.Context, company, code string, body []byte, now time.Time) (int64, error) {
	var id int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		// The account row is written first: on PostgreSQL its row lock serialises two
		// submissions of the same employee, so exactly one stays pending.
		res, err := tx.ExecContext(ctx, s.q(`UPDATE employee_accounts SET status = ?, reason = '' WHERE company_id = ? AND code = ?`),
			string(StatusSubmitted), company, code)
		if err != nil {
			return fmt.Errorf("store: submission status: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		if err := s.lockCompany(ctx, tx, company); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM submissions WHERE company_id = ? AND employee_code = ?`), company, code); err != nil {
			return fmt.Errorf("store: replace submission: %w", err)
		}
		if err := tx.QueryRowContext(ctx, s.q(`INSERT INTO submissions (company_id, employee_code, body, created_at) VALUES (?, ?, ?, ?) RETURNING id`),
			company, code, body, nanos(now)).Scan(&id); err != nil {
			return fmt.Errorf("store: put submission: %w", err)
		}
		return nil
	})
	return id, err
}
