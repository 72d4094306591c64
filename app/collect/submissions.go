package collect

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/jpdate"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
	"github.com/mynumber-shelter/shelter/internal/mynumber"
)

// SubmissionAAD is the sealbox additional data of an employee's submission (contract with the
// employee page): "shelter-submission|v1|<relay company>|<employee code>".
func SubmissionAAD(relayCompany, employeeCode string) []byte {
	return []byte("shelter-submission|v1|" + relayCompany + "|" + employeeCode)
}

// Payload is the plaintext an employee's browser seals (JSON, version 1).
type Payload struct {
	V           int    `json:"v"`
	Company     string `json:"company"`
	Employee    string `json:"employee"`
	SubmittedAt string `json:"submittedAt"`
	Self        struct {
		Number string `json:"number"`
	} `json:"self"`
	Dependents   []PayloadDependent `json:"dependents"`
	Images       []PayloadImage     `json:"images"`
	Acknowledged []string           `json:"acknowledged"`
}

// PayloadDependent is one dependent in a [Payload].
type PayloadDependent struct {
	Name      string `json:"name"`
	Relation  string `json:"relation"`
	BirthDate string `json:"birthDate"`
	Number    string `json:"number"`
}

// PayloadImage is one photographed document in a [Payload]; Data is base64 in JSON.
type PayloadImage struct {
	Name        string `json:"name"`
	ContentType string `json:"contentType"`
	Data        []byte `json:"data"`
}

// MaxDependents is the most dependents one submission may carry.
const MaxDependents = 20

// Inbound is one sealed submission as the bridge pulled it from the relay.
type Inbound struct {
	RelayID int64
	// Employee is the employee code the relay recorded with the submission ("" when the relay
	// does not say: every employee awaiting a submission is tried).
	Employee string
	Box      []byte
}

// Import outcomes.
const (
	Imported    = "imported"
	Duplicate   = "duplicate"
	Quarantined = "quarantined"
)

// ImportResult says what [Service.ImportSubmission] did. Every outcome may be acknowledged on
// the relay; an error may not.
type ImportResult struct {
	Outcome string
	// Reason is the quarantine reason code: cannot_open, malformed, wrong_company,
	// unknown_employee, not_awaiting, bad_number, bad_dependent, bad_image.
	Reason       string
	EmployeeID   int64
	SubmissionID int64
}

// quarantineError carries a quarantine reason out of validation.
type quarantineError struct{ reason string }

func (q quarantineError) Error() string { return "submission quarantined: " + q.reason }

// ImportSubmission opens one submission with the company's submission key and, if it is valid
// and the employee is awaiting one (依頼済 / 差戻し), stores it sealed under the employee's
// person key and moves the employee to 提出済 — in one transaction with its audit entry. The
// numbers are not registered: that waits for the check (受付). An invalid submission is
// recorded in quarantine with its reason and nothing else is written; the same box is never
// imported twice (Duplicate).
func (s *Service) ImportSubmission(ctx context.Context, p auth.Principal, keys *vault.Keys, companyID int64, in Inbound) (ImportResult, error) {
	var out ImportResult
	digest := sha256.Sum256(in.Box)
	err := s.DB.Update(ctx, func(tx *store.Tx) error {
		if err := requireRole(tx, p, companyID); err != nil {
			return err
		}
		var seen int
		if err := tx.QueryRow(`SELECT (SELECT count(*) FROM sync_submissions WHERE digest = ?) + (SELECT count(*) FROM sync_quarantine WHERE digest = ?)`,
			digest[:], digest[:]).Scan(&seen); err != nil {
			return fmt.Errorf("reading submissions: %w", err)
		}
		if seen > 0 {
			out.Outcome = Duplicate
			return nil
		}
		rc, err := RelayCompanyTx(tx, companyID)
		if err != nil {
			return err
		}
		if rc == "" {
			return apperr.New(apperr.CodeConflict, "", "この会社はクラウドに公開されていません。", "This company is not published on the relay.")
		}
		ck, err := keys.Company(tx, companyID)
		if err != nil {
			return err
		}
		defer ck.Close()
		code, pl, qerr := s.openSubmissionTx(tx, ck, rc, in)
		var employeeID int64
		var t target
		if qerr == nil {
			employeeID, t, qerr = awaitingTx(tx, companyID, code)
		}
		var q quarantineError
		if errors.As(qerr, &q) {
			out.Outcome, out.Reason = Quarantined, q.reason
			if _, err := tx.Exec(`INSERT INTO sync_quarantine(company_id, relay_id, digest, employee, reason, received_at) VALUES(?, ?, ?, ?, ?, ?)`,
				companyID, in.RelayID, digest[:], code, q.reason, tx.NowText()); err != nil {
				return fmt.Errorf("writing quarantine: %w", err)
			}
			return s.appendAudit(tx, p, audit.ActionRegister, companyID, "relay_submission", in.RelayID,
				"relay submission quarantined; reason="+q.reason)
		}
		if qerr != nil {
			return qerr
		}
		out.EmployeeID = employeeID
		if out.SubmissionID, err = storeSubmissionTx(tx, ck, companyID, employeeID, t.requestID, in.RelayID, digest[:], pl); err != nil {
			return err
		}
		if err := setStatusTx(tx, t, Submitted); err != nil {
			return err
		}
		out.Outcome = Imported
		return s.appendAudit(tx, p, audit.ActionRegister, companyID, "person", employeeID,
			fmt.Sprintf("online submission %d imported from the relay (relay id %d); dependents=%d images=%d; collection status %s → %s",
				out.SubmissionID, in.RelayID, len(pl.Dependents), len(pl.Images), t.status, Submitted))
	})
	if err != nil {
		return ImportResult{}, err
	}
	return out, nil
}

// openSubmissionTx opens and validates a box; a refusal is a quarantineError.
func (s *Service) openSubmissionTx(tx *store.Tx, ck *vault.CompanyKey, rc string, in Inbound) (string, Payload, error) {
	var pl Payload
	_, priv, err := SubmissionKeyTx(tx, ck, nil, false)
	if err != nil {
		return "", pl, err
	}
	if priv == nil {
		return "", pl, quarantineError{"cannot_open"}
	}
	candidates := []string{in.Employee}
	if in.Employee == "" {
		rows, err := tx.Query(`SELECT p.employee_code FROM persons p JOIN collection_targets t ON t.person_id = p.id
			WHERE p.company_id = ? AND p.kind = 'employee' AND t.status IN ('requested', 'returned')
			AND t.request_id = (SELECT max(request_id) FROM collection_targets WHERE person_id = p.id)`, ck.CompanyID())
		if err != nil {
			return "", pl, fmt.Errorf("reading employees: %w", err)
		}
		candidates = candidates[:0]
		for rows.Next() {
			var c string
			if err := rows.Scan(&c); err != nil {
				rows.Close()
				return "", pl, err
			}
			candidates = append(candidates, c)
		}
		rows.Close()
	}
	var plain []byte
	code := ""
	for _, c := range candidates {
		if b, err := priv.Open(SubmissionAAD(rc, c), in.Box); err == nil {
			plain, code = b, c
			break
		}
	}
	if plain == nil {
		return in.Employee, pl, quarantineError{"cannot_open"}
	}
	defer clear(plain)
	if pl, err = parsePayload(plain); err != nil {
		return code, pl, err
	}
	if pl.Company != rc {
		return code, pl, quarantineError{"wrong_company"}
	}
	if pl.Employee != code {
		return code, pl, quarantineError{"unknown_employee"}
	}
	return code, pl, nil
}

// parsePayload decodes and validates a submission's plaintext, normalising the numbers.
func parsePayload(b []byte) (Payload, error) {
	var pl Payload
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&pl); err != nil || dec.More() || pl.V != 1 || pl.Company == "" || pl.Employee == "" {
		return Payload{}, quarantineError{"malformed"}
	}
	if t, err := time.Parse(time.RFC3339, pl.SubmittedAt); err == nil {
		pl.SubmittedAt = t.UTC().Format(time.RFC3339)
	} else {
		return Payload{}, quarantineError{"malformed"}
	}
	n, err := mynumber.ValidateIndividual(pl.Self.Number)
	if err != nil {
		return Payload{}, quarantineError{"bad_number"}
	}
	pl.Self.Number = n
	if len(pl.Dependents) > MaxDependents {
		return Payload{}, quarantineError{"bad_dependent"}
	}
	for i := range pl.Dependents {
		d := &pl.Dependents[i]
		d.Name = strings.TrimSpace(norm.NFC.String(d.Name))
		d.Relation = strings.TrimSpace(norm.NFC.String(d.Relation))
		if d.Name == "" || utf8.RuneCountInString(d.Name) > 100 || utf8.RuneCountInString(d.Relation) > 20 || mynumber.HoldsIndividual(d.Name) || mynumber.HoldsIndividual(d.Relation) {
			return Payload{}, quarantineError{"bad_dependent"}
		}
		if d.BirthDate != "" {
			if _, err := jpdate.ParseISO(d.BirthDate); err != nil {
				return Payload{}, quarantineError{"bad_dependent"}
			}
		}
		if d.Number, err = mynumber.ValidateIndividual(d.Number); err != nil {
			return Payload{}, quarantineError{"bad_number"}
		}
	}
	ims := make([]Image, len(pl.Images))
	for i, im := range pl.Images {
		if utf8.RuneCountInString(im.Name) > 200 || mynumber.HoldsIndividual(im.Name) {
			pl.Images[i].Name = ""
		}
		ims[i] = Image{ContentType: im.ContentType, Data: im.Data}
	}
	if len(ims) == 0 || checkImages(ims) != nil {
		return Payload{}, quarantineError{"bad_image"}
	}
	return pl, nil
}

// awaitingTx finds the employee by code and checks they are awaiting a submission.
func awaitingTx(tx *store.Tx, companyID int64, code string) (int64, target, error) {
	var id int64
	err := tx.QueryRow(`SELECT id FROM persons WHERE company_id = ? AND kind = 'employee' AND employee_code = ?`, companyID, code).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, target{}, quarantineError{"unknown_employee"}
	}
	if err != nil {
		return 0, target{}, fmt.Errorf("reading employee: %w", err)
	}
	t, err := latestTargetTx(tx, companyID, id)
	if errors.Is(err, errUnrequested) {
		return 0, t, quarantineError{"not_awaiting"}
	}
	if err != nil {
		return 0, t, err
	}
	if _, ok := next(opSubmit, t.status); !ok {
		return 0, t, quarantineError{"not_awaiting"}
	}
	return id, t, nil
}

func submissionAAD(id int64) vault.AAD {
	return vault.AAD{Table: "sync_submissions", RowID: id, Column: "payload"}
}

// storeSubmissionTx writes the row first (its id is in the AAD), then the sealed payload.
func storeSubmissionTx(tx *store.Tx, ck *vault.CompanyKey, companyID, employeeID, requestID, relayID int64, digest []byte, pl Payload) (int64, error) {
	res, err := tx.Exec(`INSERT INTO sync_submissions(company_id, person_id, request_id, relay_id, digest, submitted_at, imported_at,
		dependents, images, payload) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, x'')`,
		companyID, employeeID, requestID, relayID, digest, pl.SubmittedAt, tx.NowText(), len(pl.Dependents), len(pl.Images))
	if err != nil {
		return 0, fmt.Errorf("writing submission: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("writing submission: %w", err)
	}
	pk, err := ck.Person(tx, employeeID)
	if err != nil {
		return 0, fmt.Errorf("opening person key: %w", err)
	}
	defer pk.Close()
	b, err := json.Marshal(pl)
	if err != nil {
		return 0, err
	}
	defer clear(b)
	ct, err := pk.Seal(submissionAAD(id), b)
	if err != nil {
		return 0, fmt.Errorf("sealing submission: %w", err)
	}
	if _, err := tx.Exec(`UPDATE sync_submissions SET payload = ? WHERE id = ?`, ct, id); err != nil {
		return 0, fmt.Errorf("writing submission: %w", err)
	}
	return id, nil
}

// loadSubmissionTx opens a submission of the company (any state).
func loadSubmissionTx(tx *store.Tx, ck *vault.CompanyKey, id int64) (int64, string, Payload, error) {
	var pl Payload
	var employeeID int64
	var state string
	var ct []byte
	err := tx.QueryRow(`SELECT person_id, state, payload FROM sync_submissions WHERE id = ? AND company_id = ?`, id, ck.CompanyID()).
		Scan(&employeeID, &state, &ct)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", pl, apperr.New(apperr.CodeNotFound, "", "提出が見つかりません。", "Submission not found.")
	}
	if err != nil {
		return 0, "", pl, fmt.Errorf("reading submission: %w", err)
	}
	pk, err := ck.Person(tx, employeeID)
	if err != nil {
		return 0, "", pl, fmt.Errorf("opening person key: %w", err)
	}
	defer pk.Close()
	b, err := pk.Open(submissionAAD(id), ct)
	if err != nil {
		return 0, "", pl, fmt.Errorf("opening submission %d: %w", id, err)
	}
	defer clear(b)
	if err := json.Unmarshal(b, &pl); err != nil {
		return 0, "", pl, fmt.Errorf("reading submission %d: %w", id, err)
	}
	return employeeID, state, pl, nil
}
