package csvimport

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/jpdate"
	"github.com/mynumber-shelter/shelter/app/roster"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
	"github.com/mynumber-shelter/shelter/internal/mynumber"
)

// ErrRejected is returned by [Importer.Commit] when the file has problems; the report lists
// them and nothing was written.
var ErrRejected = apperr.New("import_rejected", "",
	"取り込めない行があるため、何も登録していません。一覧の行・列を直してから、もう一度取り込んでください。",
	"Some lines cannot be imported, so nothing was written. Fix the lines and columns listed and import again.")

// Importer imports employee CSV files into one company. Its fields are plain dependencies.
type Importer struct {
	DB *store.DB
	// Audit writes the history: one entry per employee added or changed, one per department
	// created, and one summary entry per import, in the import's transaction.
	Audit *audit.Log
}

// Request is one file to import.
type Request struct {
	CompanyID int64
	Data      []byte
	// Mapping defaults to the default header names ([Guess]).
	Mapping Mapping
}

// Report is what a preview found or a commit did.
type Report struct {
	Encoding Encoding `json:"encoding"`
	// Rows is the number of data lines read (blank lines are skipped).
	Rows int `json:"rows"`
	// Added, Updated and Unchanged count the lines without problems: new employee codes,
	// existing ones with a change (or a new number), existing ones without.
	Added     int `json:"added"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	// DependentsAdded, DependentsUpdated and DependentsUnchanged count the 扶養親族 without
	// problems (column groups on employees' lines, or dependents' lines of a one-row-per-person
	// file): not registered yet, registered with a change (or a new number), registered as is.
	DependentsAdded     int `json:"dependentsAdded"`
	DependentsUpdated   int `json:"dependentsUpdated"`
	DependentsUnchanged int `json:"dependentsUnchanged"`
	// DependentLines counts the lines without problems of a one-row-per-person file that are
	// dependents' (not 本人): Added + Updated + Unchanged + DependentLines + Rejected = Rows.
	DependentLines int `json:"dependentLines"`
	// Rejected counts the lines with at least one problem.
	Rejected int `json:"rejected"`
	// Numbers counts the numbers to register (or registered), employees' and dependents'.
	Numbers int `json:"numbers"`
	// NewDepartments are department names found nowhere in the company, created at the top of
	// the tree by the commit.
	NewDepartments []string `json:"newDepartments"`
	// Problems lists every problem, by line and column.
	Problems []Problem `json:"problems"`
	// Warnings are unlikely but importable facts (hired before birth, under 15 at hire), by
	// line and column, for the clerk to check; they do not stop the import.
	Warnings []Problem `json:"warnings"`
	// Committed is true when the import was written.
	Committed bool `json:"committed"`
}

func jpdateToday(tx *store.Tx) time.Time { return jpdate.JapanDate(tx.Now) }

// fileReport is the report of a file that could not be read at all.
func fileReport(err error) (Report, bool) {
	var p *Problem
	if errors.As(err, &p) {
		return Report{Rejected: 0, Problems: []Problem{*p}}, true
	}
	return Report{}, false
}

// Preview checks the file against the company's employees and numbers and reports every
// problem and what a commit would do. It writes nothing. Only the company's 事務取扱責任者 /
// 担当者 may preview.
func (im *Importer) Preview(ctx context.Context, p auth.Principal, keys *vault.Keys, req Request) (Report, error) {
	var rep Report
	err := im.DB.View(ctx, func(tx *store.Tx) error {
		if err := auth.RequireCompanyRole(tx, p, req.CompanyID, auth.Manager, auth.Handler); err != nil {
			return err
		}
		s, err := Read(req.Data)
		if err != nil {
			if r, ok := fileReport(err); ok {
				rep = r
				return nil
			}
			return err
		}
		ck, err := keys.Company(tx, req.CompanyID)
		if err != nil {
			return err
		}
		defer ck.Close()
		pl, err := buildPlan(tx, ck, s, req.Mapping)
		if err != nil {
			return err
		}
		rep = pl.report
		return nil
	})
	return rep, err
}

// Commit checks the file again inside one write transaction and, when there is no problem at
// all, writes it: new departments, new employees (each with its own person key), changed
// employees (upsert by employee code), their new and changed dependents (each with its own
// person key), and numbers sealed under each person's key, with their audit entries and a
// summary entry. Any problem, or any error, writes nothing: the report
// lists the problems and the error is [ErrRejected].
//
// progress, when not nil, is called with the people (employees, then dependents) written so
// far and the total, from inside
// the transaction: it must return quickly and must not use the vault database.
func (im *Importer) Commit(ctx context.Context, p auth.Principal, keys *vault.Keys, req Request, progress func(done, total int)) (Report, error) {
	if progress == nil {
		progress = func(int, int) {}
	}
	var rep Report
	err := im.DB.Update(ctx, func(tx *store.Tx) error {
		if err := auth.RequireCompanyRole(tx, p, req.CompanyID, auth.Manager, auth.Handler); err != nil {
			return err
		}
		s, err := Read(req.Data)
		if err != nil {
			if r, ok := fileReport(err); ok {
				rep = r
				return ErrRejected
			}
			return err
		}
		ck, err := keys.Company(tx, req.CompanyID)
		if err != nil {
			return err
		}
		defer ck.Close()
		pl, err := buildPlan(tx, ck, s, req.Mapping)
		if err != nil {
			return err
		}
		rep = pl.report
		if len(rep.Problems) > 0 {
			return ErrRejected
		}
		if err := im.write(tx, p, ck, pl, progress); err != nil {
			return err
		}
		rep.Committed = true
		return nil
	})
	if err != nil {
		rep.Committed = false
	}
	return rep, err
}

// write applies a plan without problems.
func (im *Importer) write(tx *store.Tx, p auth.Principal, ck *vault.CompanyKey, pl *plan, progress func(done, total int)) error {
	// An import touches far more pages than SQLite's default 2 MiB page cache holds, and
	// spilling dirty pages to the WAL in mid-transaction costs about a tenth of the time. Use
	// up to 64 MiB for this transaction and give the connection its setting back afterwards.
	var cacheSize int64
	if err := tx.QueryRow(`PRAGMA vault.cache_size`).Scan(&cacheSize); err != nil {
		return fmt.Errorf("reading cache size: %w", err)
	}
	if _, err := tx.Exec(`PRAGMA vault.cache_size = -65536`); err != nil {
		return fmt.Errorf("setting cache size: %w", err)
	}
	defer tx.Exec(fmt.Sprintf(`PRAGMA vault.cache_size = %d`, cacheSize))
	companyID := ck.CompanyID()
	deptIDs := map[string]int64{}
	for _, name := range pl.newDepts {
		d, err := roster.InsertDepartmentTx(tx, roster.Department{CompanyID: companyID, Name: name})
		if err != nil {
			return err
		}
		deptIDs[name] = d.ID
		e := p.Entry(audit.ActionRegister, audit.ResultOK)
		e.CompanyID, e.TargetType, e.TargetID = companyID, "department", fmt.Sprint(d.ID)
		e.Detail = "department registered by employee import; code=" + d.Code
		if _, err := im.Audit.Append(tx, e); err != nil {
			return err
		}
	}
	w, err := roster.NewWriter(tx, ck, p.UserID)
	if err != nil {
		return err
	}
	defer w.Close()
	// One audit batch for the rows: the chain position is read once and the insert prepared
	// once. It is closed (writing the head) before the summary entry below.
	batch, err := im.Audit.Batch(tx)
	if err != nil {
		return err
	}
	defer batch.Close()
	total := len(pl.rows) + len(pl.deps)
	step := max(total/100, 1)
	progress(0, total)
	done := 0
	tick := func() {
		if done++; done%step == 0 || done == total {
			progress(done, total)
		}
	}
	ids := map[string]int64{}
	for i := range pl.rows {
		r := &pl.rows[i]
		if r.newDept != "" {
			r.e.DepartmentID = deptIDs[r.newDept]
		}
		if err := im.writeRow(batch, p, w, companyID, r); err != nil {
			return fmt.Errorf("line %d: %w", r.line, err)
		}
		ids[r.e.Code] = r.e.ID
		tick()
	}
	for i := range pl.deps {
		dp := &pl.deps[i]
		if dp.ownerID == 0 {
			dp.ownerID = ids[dp.owner]
		}
		if dp.ownerID == 0 {
			return fmt.Errorf("line %d: no employee for a dependent", dp.line)
		}
		if err := im.writeDependent(batch, p, w, companyID, dp); err != nil {
			return fmt.Errorf("line %d: %w", dp.line, err)
		}
		tick()
	}
	if err := batch.Close(); err != nil {
		return err
	}
	e := p.Entry(audit.ActionRegister, audit.ResultOK)
	e.CompanyID, e.TargetType, e.TargetID = companyID, "import", "employees"
	e.Detail = fmt.Sprintf("employee CSV import (%s): rows %d, added %d, updated %d, unchanged %d, "+
		"dependents added %d, updated %d, unchanged %d, numbers %d, new departments %d",
		pl.report.Encoding, pl.report.Rows, pl.report.Added, pl.report.Updated, pl.report.Unchanged,
		pl.report.DependentsAdded, pl.report.DependentsUpdated, pl.report.DependentsUnchanged, pl.report.Numbers, len(pl.newDepts))
	_, err = im.Audit.Append(tx, e)
	return err
}

// writeRow writes one employee and its audit entry (none for an unchanged line).
func (im *Importer) writeRow(batch *audit.Batch, p auth.Principal, w *roster.Writer, companyID int64, r *planRow) error {
	if r.unchanged() {
		return nil
	}
	e := p.Entry(audit.ActionRegister, audit.ResultOK)
	switch {
	case r.old == nil:
		id, err := w.InsertEmployee(&r.e)
		if err != nil {
			return err
		}
		r.e.ID = id
		e.Detail = "employee registered by import; code=" + r.e.Code
	default:
		changed := roster.ChangedEmployee(*r.old, r.e)
		if changed != "no change" {
			if err := w.UpdateEmployee(&r.e); err != nil {
				return err
			}
			e.Action = audit.ActionModify
		}
		e.Detail = "employee updated by import; code=" + r.e.Code + "; " + changed
	}
	if r.number != "" {
		if err := w.PutNumber(r.e.ID, r.number); err != nil {
			return err
		}
		e.Detail += "; my number registered"
	}
	e.CompanyID, e.TargetType, e.TargetID = companyID, "person", fmt.Sprint(r.e.ID)
	_, err := batch.Append(e)
	return err
}

// writeDependent writes one dependent, its number and its audit entry (none when unchanged).
// The number is sealed under the dependent's own key, as an employee's is.
func (im *Importer) writeDependent(batch *audit.Batch, p auth.Principal, w *roster.Writer, companyID int64, dp *planDep) error {
	if dp.unchanged() {
		return nil
	}
	dp.d.EmployeeID = dp.ownerID
	e := p.Entry(audit.ActionRegister, audit.ResultOK)
	if dp.old == nil {
		id, err := w.InsertDependent(&dp.d)
		if err != nil {
			return err
		}
		dp.d.ID = id
		e.Detail = fmt.Sprintf("dependent of person %d registered by import", dp.ownerID)
	} else {
		changed := roster.ChangedDependent(*dp.old, dp.d)
		if changed != "no change" {
			if err := w.UpdateDependent(&dp.d); err != nil {
				return err
			}
			e.Action = audit.ActionModify
		}
		e.Detail = fmt.Sprintf("dependent of person %d updated by import; %s", dp.ownerID, changed)
	}
	if dp.number != "" {
		if err := w.PutNumber(dp.d.ID, dp.number); err != nil {
			return err
		}
		e.Detail += "; my number registered"
	}
	e.CompanyID, e.TargetType, e.TargetID = companyID, "person", fmt.Sprint(dp.d.ID)
	_, err := batch.Append(e)
	return err
}

// Inspection is what the column-mapping step shows: the file's encoding, its first line, a few
// data lines with anything that looks like a My Number masked, and a guessed mapping.
type Inspection struct {
	Encoding  Encoding   `json:"encoding"`
	Delimiter string     `json:"delimiter"`
	Header    []string   `json:"header"`
	Sample    [][]string `json:"sample"`
	// Rows counts the records after the first (the data lines when the first is a header).
	Rows  int     `json:"rows"`
	Guess Mapping `json:"guess"`
}

// SampleRows is how many data lines Inspect returns.
const SampleRows = 5

// Inspect reads a file for the column-mapping step. It needs no vault: it only decodes and
// splits the file. Any error is a [*Problem].
func Inspect(data []byte) (Inspection, error) {
	s, err := Read(data)
	if err != nil {
		return Inspection{}, err
	}
	in := Inspection{Encoding: s.Encoding, Delimiter: string(s.Delimiter)}
	if len(s.Records) == 0 {
		return in, &Problem{Code: CodeFormat, JA: "ファイルにデータがありません。", EN: "The file has no data."}
	}
	for _, h := range s.Records[0].Fields {
		in.Header = append(in.Header, maskCell(h))
	}
	for _, r := range s.Records[1:min(len(s.Records), SampleRows+1)] {
		row := make([]string, len(r.Fields))
		for i, f := range r.Fields {
			row[i] = maskCell(f)
		}
		in.Sample = append(in.Sample, row)
	}
	in.Rows = len(s.Records) - 1
	in.Guess = Guess(s.Records[0].Fields)
	return in, nil
}

// maskCell hides a cell holding 12 or more digits, which may be a My Number: 12 digits as
// mynumber.Mask shows them ("**** **** 9018"), anything else as "****".
func maskCell(s string) string {
	if !digitRun(s) {
		return s
	}
	if n := mynumber.Normalize(s); len(n) == mynumber.IndividualLen {
		return mynumber.Mask(n)
	}
	return "****"
}
