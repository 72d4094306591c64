package use

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"github.com/mynumber-shelter/shelter/app/jpdate"
	"slices"
	"strings"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/roster"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/terminal"
	"github.com/mynumber-shelter/shelter/app/vault"
)

// FileType is the kind of file a download writes.
type FileType string

const (
	FileCSV  FileType = "csv"
	FileXLSX FileType = "xlsx" // always encrypted with a password
)

// Limits of a download.
const (
	MaxSelection        = 100_000
	MinFilePasswordLen  = 8
	MaxFilePasswordLen  = 255
	maxDetailPersonList = 2000 // bytes of person ids in the audit detail
)

// Selection names the people of a download.
type Selection struct {
	// PersonIDs are employees or dependents of the company, in any order; the file lists them
	// in employee-code order, each employee before their dependents.
	PersonIDs []int64
	// All selects every person of the company (employees and dependents).
	All bool
	// IncludeDependents adds the dependents of the selected employees.
	IncludeDependents bool
}

// bulk reports whether the selection may yield more than one row.
func (sel Selection) bulk() bool {
	return sel.All || sel.IncludeDependents || len(sel.PersonIDs) > 1
}

// DownloadRequest is one download.
type DownloadRequest struct {
	CompanyID int64
	// FormatID is a saved format of the company; when 0, Preset names a built-in one.
	FormatID int64
	Preset   string
	Selection
	// Purpose is the purpose code of the 持出し; not PurposeOther.
	Purpose  string
	FileType FileType
	// FilePassword encrypts an xlsx file (required for FileXLSX, MinFilePasswordLen to
	// MaxFilePasswordLen characters; ignored for CSV). Send it to the recipient another way.
	FilePassword string
	// Password is the user's login password, required for a bulk download. Never stored.
	Password string
	// OnProblem is what to do with rows the format cannot hold as they are (a character CP932
	// lacks, a name longer than its column). The zero value writes nothing and lists them in
	// [File.Problems], so that the user can decide.
	OnProblem ProblemChoice
}

// Skip reasons.
const (
	SkipNotNotified = "not_notified" // the purpose was not notified to the person
	SkipNoNumber    = "no_number"    // no number registered
	SkipDisposed    = "disposed"     // the number was disposed of
)

// Skip is a selected person left out of a download, named as the user knows them.
type Skip struct {
	PersonID     int64
	Reason       string
	EmployeeCode string // the employee's code (a dependent's: their employee's)
	Name         string
	Relation     string // "本人" or the dependent's 続柄
}

func skipOf(r *record, reason string) Skip {
	return Skip{PersonID: r.personID, Reason: reason, EmployeeCode: r.employeeCode, Name: r.name, Relation: r.relationLabel()}
}

// File is a finished download. Data holds My Numbers: hand it to the user and drop it.
type File struct {
	Name        string
	ContentType string
	Data        []byte
	// Rows is the number of people in the file (the header line is not counted).
	Rows    int
	Skipped []Skip
	// EntryID is the audit entry that recorded the 持出し.
	EntryID int64
	// Problems are rows the format cannot hold as they are, when the request made no choice
	// for them ([DownloadRequest.OnProblem]): then Data is nil, nothing left the vault and
	// nothing is recorded. The user chooses and asks again.
	Problems []RowProblem
	// Substituted and Omitted are what the request's choice did.
	Substituted, Omitted []RowProblem
}

var (
	// ErrPasswordRequired: a bulk download needs the login password again.
	ErrPasswordRequired = apperr.New("password_required", "password",
		"複数の方の個人番号をダウンロードするには、ログインパスワードをもう一度入力してください。",
		"Enter your login password again to download the numbers of more than one person.")
	// ErrWrongPassword: the password typed for a bulk download is not the user's.
	ErrWrongPassword = apperr.New(apperr.CodeBadCredentials, "password", "パスワードが違います。", "The password is incorrect.")
)

// Download writes the selected people's numbers in the chosen format and records the 持出し
// (audit.ActionExport with the purpose, format, row and skip counts and person ids) in the same
// transaction that reads the numbers. See the package documentation for the rules: people
// whose notified purposes do not include req.Purpose, or who have no number, are skipped and
// listed in File.Skipped; a bulk selection needs req.Password ([ErrPasswordRequired],
// [ErrWrongPassword]; after [MaxStepUpFailures] in a row the session is locked); an xlsx file
// needs req.FilePassword. Values the format cannot hold (a character CP932 lacks, an over-long
// name) are resolved by req.OnProblem, or listed in File.Problems with nothing written.
func (s *Service) Download(ctx context.Context, sess *auth.Session, req DownloadRequest) (File, error) {
	keys, err := sessionKeys(sess)
	if err != nil {
		return File{}, err
	}
	if err := req.check(); err != nil {
		return File{}, err
	}
	// Cheap checks first, so that an outsider, a workstation not allowed to download or a bad
	// format never costs a password check.
	err = s.DB.View(ctx, func(tx *store.Tx) error {
		if err := requireUse(tx, sess.Principal, req.CompanyID); err != nil {
			return err
		}
		if err := terminal.Require(tx, terminal.RightDownload); err != nil {
			return err
		}
		if _, err := formatTx(tx, req.CompanyID, req.FormatID, req.Preset); err != nil {
			return err
		}
		return checkExportPurpose(tx, req.Purpose)
	})
	if apperr.HasCode(err, apperr.CodeForbidden) {
		detail := "download refused: not assigned to the company"
		if errors.Is(err, terminal.ErrNotOnThisTerminal) {
			detail = deniedHere
		}
		if derr := s.denied(ctx, sess.Principal, req.CompanyID, req.Purpose, detail); derr != nil {
			return File{}, derr
		}
		return File{}, err
	}
	if err != nil {
		return File{}, err
	}
	if req.bulk() {
		if err := s.stepUp(ctx, sess, req); err != nil {
			return File{}, err
		}
	}

	var out File
	var records []*record
	defer func() {
		for _, r := range records {
			clear(r.number)
		}
	}()
	var refused error
	err = s.DB.Update(ctx, func(tx *store.Tx) error {
		if err := requireUse(tx, sess.Principal, req.CompanyID); err != nil {
			return err
		}
		e := sess.Entry(audit.ActionExport, audit.ResultOK)
		e.CompanyID, e.TargetType, e.TargetID, e.Purpose = req.CompanyID, "company", fmt.Sprint(req.CompanyID), req.Purpose
		// Again in the transaction that reads the numbers: the rights may have changed since.
		if err := terminal.Require(tx, terminal.RightDownload); err != nil {
			if errors.Is(err, terminal.ErrNotOnThisTerminal) {
				refused = err
				e.Result, e.Detail = audit.ResultDenied, deniedHere
				_, err = s.Audit.Append(tx, e)
			}
			return err
		}
		f, err := formatTx(tx, req.CompanyID, req.FormatID, req.Preset)
		if err != nil {
			return err
		}
		company, err := roster.CompanyTx(tx, req.CompanyID)
		if err != nil {
			return err
		}
		records, out.Skipped, err = collect(tx, keys, req.CompanyID, req.Purpose, req.Selection)
		if err != nil {
			return err
		}
		counts := skipCounts(out.Skipped)
		if len(records) == 0 {
			refused = apperr.New("no_rows", "selection",
				fmt.Sprintf("ダウンロードできる方がいません（この利用目的が通知されていない方 %d名、個人番号のない方 %d名）。", counts[SkipNotNotified], counts[SkipNoNumber]+counts[SkipDisposed]),
				fmt.Sprintf("No one to download (%d not notified of this purpose, %d without a number).", counts[SkipNotNotified], counts[SkipNoNumber]+counts[SkipDisposed]))
			e.Result, e.Detail = audit.ResultDenied, "download refused: no row; "+skipDetail(counts)
			_, err := s.Audit.Append(tx, e)
			return err
		}
		p := f.Spec.prepare(records, req.FileType, req.OnProblem)
		if len(p.problems) > 0 {
			// The user decides first; nothing is written or recorded.
			out.Problems = p.problems
			return nil
		}
		out.Substituted, out.Omitted = p.substituted, p.omitted
		if len(p.rows) == 0 {
			refused = apperr.New("no_rows", "selection",
				fmt.Sprintf("出力できる方がいません（除いた方 %d名）。", len(p.omitted)),
				fmt.Sprintf("No one left to download (%d left out).", len(p.omitted)))
			e.Result, e.Detail = audit.ResultDenied, fmt.Sprintf("download refused: every row left out (omitted=%d)", len(p.omitted))
			_, err := s.Audit.Append(tx, e)
			return err
		}
		switch req.FileType {
		case FileXLSX:
			out.Data, err = writeXLSX(&f.Spec, p.rows, req.FilePassword)
			out.ContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		default:
			out.Data, err = writeCSV(&f.Spec, p.rows)
			out.ContentType = "text/csv; charset=Shift_JIS"
			if f.Spec.Encoding == UTF8BOM {
				out.ContentType = "text/csv; charset=utf-8"
			}
		}
		if err != nil {
			return err
		}
		out.Rows = len(p.rows)
		out.Name = fmt.Sprintf("mynumber_%s_%s_%s.%s", company.Code, req.Purpose,
			tx.Now.In(jpdate.JST).Format("20060102_150405"), req.FileType)
		enc := string(f.Spec.Encoding)
		if req.FileType == FileXLSX {
			enc = "encrypted"
		}
		// Only the names can hold digits a user chose (a company code, a format name).
		e.Detail = fmt.Sprintf("format=%s; file=%s (%s); rows=%d; %s; substituted=%d; omitted=%d; persons=%s",
			audit.Redact(f.Name), audit.Redact(out.Name), enc, out.Rows, skipDetail(counts), len(p.substituted), len(p.omitted), personList(p.kept))
		stored, err := s.Audit.Append(tx, e)
		out.EntryID = stored.ID
		return err
	})
	if err != nil {
		return File{}, err
	}
	if refused != nil {
		return File{}, refused
	}
	return out, nil
}

// deniedHere is the history's detail of a download refused on this workstation.
const deniedHere = "download refused: not permitted on this terminal"

// check validates the request's shape.
func (req *DownloadRequest) check() error {
	req.Purpose = strings.TrimSpace(req.Purpose)
	switch {
	case req.Purpose == "":
		return errUnknown
	case req.Purpose == PurposeOther:
		return apperr.Invalid("purpose", "ダウンロードには、通知済みの利用目的を選んでください（「その他」は使えません）。",
			"A download needs a notified purpose; Other cannot be used.")
	case req.FileType != FileCSV && req.FileType != FileXLSX:
		return apperr.Invalid("fileType", "ファイルの種類は CSV か Excel を選んでください。", "Choose CSV or Excel.")
	case !req.All && len(req.PersonIDs) == 0:
		return apperr.Invalid("selection", "ダウンロードする方を選んでください。", "Choose the people to download.")
	case len(req.PersonIDs) > MaxSelection:
		return apperr.Invalid("selection", "選んだ人数が多すぎます。", "Too many people selected.")
	}
	if req.FileType == FileXLSX {
		n := len([]rune(req.FilePassword))
		if n < MinFilePasswordLen || n > MaxFilePasswordLen {
			return apperr.Invalid("filePassword",
				fmt.Sprintf("Excel ファイルのパスワードを%d文字以上で入力してください（受け取る方には別の方法で伝えてください）。", MinFilePasswordLen),
				fmt.Sprintf("Enter a file password of at least %d characters (tell the recipient another way).", MinFilePasswordLen))
		}
	}
	req.PersonIDs = slices.Clone(req.PersonIDs)
	slices.Sort(req.PersonIDs)
	req.PersonIDs = slices.Compact(req.PersonIDs)
	return nil
}

// checkExportPurpose refuses unknown purposes and OTHER.
func checkExportPurpose(tx *store.Tx, code string) error {
	known, err := purposeKnown(tx, code)
	if err != nil {
		return err
	}
	if !known || code == PurposeOther {
		return errUnknown
	}
	return nil
}

// denied records a refused download in its own transaction.
func (s *Service) denied(ctx context.Context, p auth.Principal, companyID int64, purpose, detail string) error {
	return s.DB.Update(ctx, func(tx *store.Tx) error {
		if ok, err := purposeKnown(tx, purpose); err != nil || !ok {
			purpose = ""
		}
		e := p.Entry(audit.ActionExport, audit.ResultDenied)
		e.CompanyID, e.TargetType, e.TargetID, e.Purpose, e.Detail = companyID, "company", fmt.Sprint(companyID), purpose, detail
		_, err := s.Audit.Append(tx, e)
		return err
	})
}

// stepUp checks the login password for a bulk download.
func (s *Service) stepUp(ctx context.Context, sess *auth.Session, req DownloadRequest) error {
	if req.Password == "" {
		return ErrPasswordRequired
	}
	if s.Vault == nil {
		return errors.New("use: no vault to check the password")
	}
	wrong := false
	err := s.DB.View(ctx, func(tx *store.Tx) error {
		k, err := s.Vault.Unlock(tx, sess.UserID, req.Password)
		if errors.Is(err, vault.ErrWrongPassword) {
			wrong = true
			return nil
		}
		if err != nil {
			return fmt.Errorf("checking password: %w", err)
		}
		k.Close()
		return nil
	})
	if err != nil {
		return err
	}
	s.mu.Lock()
	if s.failures == nil {
		s.failures = map[int64]int{}
	}
	if !wrong {
		delete(s.failures, sess.UserID)
		s.mu.Unlock()
		return nil
	}
	s.failures[sess.UserID]++
	n := s.failures[sess.UserID]
	if n >= MaxStepUpFailures {
		delete(s.failures, sess.UserID)
	}
	s.mu.Unlock()
	detail := "download refused: re-authentication failed"
	if n >= MaxStepUpFailures {
		detail += "; session locked"
	}
	err = s.denied(ctx, sess.Principal, req.CompanyID, req.Purpose, detail)
	if n >= MaxStepUpFailures {
		sess.Lock() // after the entry, which the session still writes
		return cmp.Or[error](err, auth.ErrLocked)
	}
	if err != nil {
		return err
	}
	return ErrWrongPassword
}

// collect reads the selected people of the company in file order, opens the numbers of those
// notified of purpose, and lists the others as skipped. An id that is not a person of the
// company refuses the whole selection.
func collect(tx *store.Tx, keys *vault.Keys, companyID int64, purpose string, sel Selection) (records []*record, skipped []Skip, err error) {
	rows, err := tx.Query(`SELECT p.id, p.kind, COALESCE(p.employee_id, 0), `+ownerCode+`, p.name, p.name_kana, p.birth_date,
		p.sex, p.relation, COALESCE(d.name, ''), COALESCE(e.name, p.name), COALESCE(e.hired_on, p.hired_on),
		COALESCE(e.left_on, p.left_on), n.ciphertext,
		EXISTS(SELECT 1 FROM person_purposes pp WHERE pp.person_id = p.id AND pp.purpose_code = ?)
		FROM persons p LEFT JOIN persons e ON e.id = p.employee_id
		LEFT JOIN departments d ON d.id = COALESCE(p.department_id, e.department_id)
		LEFT JOIN person_numbers n ON n.person_id = p.id
		WHERE p.company_id = ?
		ORDER BY length(`+ownerCode+`), `+ownerCode+`, p.kind = 'dependent', p.id`, purpose, companyID)
	if err != nil {
		return nil, nil, fmt.Errorf("reading people: %w", err)
	}
	defer rows.Close()
	type candidate struct {
		r          *record
		employeeID int64
		ct         []byte
		notified   bool
	}
	var all []candidate
	for rows.Next() {
		var c candidate
		c.r = &record{}
		if err := rows.Scan(&c.r.personID, &c.r.kind, &c.employeeID, &c.r.employeeCode, &c.r.name, &c.r.nameKana, &c.r.birthDate,
			&c.r.sex, &c.r.relation, &c.r.department, &c.r.employeeName, &c.r.hiredOn, &c.r.leftOn, &c.ct, &c.notified); err != nil {
			return nil, nil, fmt.Errorf("reading people: %w", err)
		}
		all = append(all, c)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	rows.Close()

	chosen := map[int64]bool{}
	for _, id := range sel.PersonIDs {
		chosen[id] = true
	}
	found := 0
	for _, c := range all {
		if chosen[c.r.personID] {
			found++
		}
	}
	if found != len(chosen) {
		return nil, nil, apperr.New(apperr.CodeNotFound, "selection", "選んだ方の中に、この企業の従業員・扶養家族でない方がいます。",
			"Some selected people are not employees or dependents of this company.")
	}
	var ck *vault.CompanyKey
	defer func() {
		if ck != nil {
			ck.Close()
		}
	}()
	for _, c := range all {
		if !sel.All && !chosen[c.r.personID] && !(sel.IncludeDependents && chosen[c.employeeID]) {
			continue
		}
		switch {
		case c.ct == nil:
			skipped = append(skipped, skipOf(c.r, SkipNoNumber))
			continue
		case !c.notified:
			skipped = append(skipped, skipOf(c.r, SkipNotNotified))
			continue
		}
		if ck == nil {
			if ck, err = keys.Company(tx, companyID); err != nil {
				return records, nil, err
			}
		}
		c.r.number, err = openSealed(tx, ck, c.r.personID, c.ct)
		if errors.Is(err, ErrDisposed) {
			skipped = append(skipped, skipOf(c.r, SkipDisposed))
			continue
		}
		if err != nil {
			return records, nil, err
		}
		records = append(records, c.r)
	}
	return records, skipped, nil
}

func skipCounts(skipped []Skip) map[string]int {
	m := map[string]int{}
	for _, s := range skipped {
		m[s.Reason]++
	}
	return m
}

func skipDetail(counts map[string]int) string {
	return fmt.Sprintf("skipped: not notified %d, no number %d, disposed %d",
		counts[SkipNotNotified], counts[SkipNoNumber], counts[SkipDisposed])
}

// personList is the person ids of the rows, for the history, cut to maxDetailPersonList bytes.
func personList(records []*record) string {
	var b strings.Builder
	for i, r := range records {
		id := fmt.Sprint(r.personID)
		if b.Len()+len(id)+1 > maxDetailPersonList {
			fmt.Fprintf(&b, "…(+%d)", len(records)-i)
			break
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(id)
	}
	return b.String()
}
