package collect

import (
	"archive/zip"
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	_ "image/png" // excelize decodes the QR code PNG of the letters; app/report does not register the decoder itself
	"io"
	"strings"
	"time"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/jpdate"
	"github.com/mynumber-shelter/shelter/app/report"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
)

// NoticeSettings are the parts of the notice letter that the office writes (how to hand the
// number in, who writes, whom to ask, the deadline). At least one way to hand in is required.
type NoticeSettings struct {
	// Sender is printed under the company name, e.g. "人事部 事務取扱責任者 佐藤 花子".
	Sender string
	// InPerson says where and when to bring the documents; "" when not offered.
	InPerson string
	// Mail is the address to post copies to; "" when not offered.
	Mail string
	// Online offers the employee web page (MetaPortalURL) with a QR code and a one-time
	// password per employee.
	Online bool
	// Contact is whom to ask, e.g. "人事部 山田（内線 123）".
	Contact string
	// Deadline is the last day to hand in, YYYY-MM-DD (和暦 is accepted too), or "".
	Deadline string
}

// Request is the input of [Service.CreateRequest].
type Request struct {
	CompanyID int64
	// Title names the request in lists, e.g. "2026年度 入社時収集". Optional.
	Title string
	// EmployeeIDs are the employees asked; their dependents are included. 1 to MaxEmployees.
	EmployeeIDs []int64
	// Purposes are purpose codes (purposes.code) notified; 'OTHER' is not a purpose one can
	// notify. At least one.
	Purposes []string
	Notice   NoticeSettings
	// ValidDays is how long the one-time passwords work, 1 to MaxValidDays; 0 for the
	// service's default.
	ValidDays int
}

// NoticeOptions are the settings of the workbook file.
type NoticeOptions struct {
	// Password, when set, encrypts the workbook (see app/report, "Protection"). Use it when the
	// file is sent rather than printed: the letters carry one-time passwords.
	Password string
	// PerEmployee writes one workbook per employee, named by employee code, in a .zip (to
	// mail each letter to its employee). Otherwise one workbook holds a sheet per employee,
	// at most [MaxSheets].
	PerEmployee bool
}

// MaxSheets is the most letters one workbook holds; more need PerEmployee (a spreadsheet of
// hundreds of sheets is slow to open and easy to print wrong).
const MaxSheets = 200

// Issued is the result of [Service.CreateRequest] and [Service.Reissue]. The one-time
// passwords exist in clear only inside Workbook: hand it to the user once, do not keep it.
type Issued struct {
	RequestID int64
	// Letters is the number of employees written to; Persons adds their dependents.
	Letters, Persons int
	// Expires is when the passwords stop working; zero when the web page is not offered.
	Expires time.Time
	// Workbook is the .xlsx of the notice letters, one sheet per employee, or with
	// NoticeOptions.PerEmployee a .zip of one .xlsx per employee (ZIP is then true).
	Workbook []byte
	// FileName is a suggested name for Workbook.
	FileName string
	ZIP      bool
	// HasPasswords is true when the letters carry one-time passwords (the request offers the
	// online form): then the file must be handed over with care.
	HasPasswords bool
}

// CreateRequest is STEP1: it records a collection request for the employees with the purposes
// notified, notifies the purposes to every employee and each of their dependents
// (person_purposes), issues one-time passwords when the web page is offered, and writes the
// notice letters, all in one transaction with two audit entries (the request, and the printing
// of the letters). An employee whose latest request is still open (依頼済 / 提出済 / 確認済 /
// 差戻し) is refused with a conflict: remind them ([Service.Reissue]) instead.
func (s *Service) CreateRequest(ctx context.Context, p auth.Principal, keys *vault.Keys, r Request, opts NoticeOptions) (Issued, error) {
	var out Issued
	r, deadline, err := r.validate(jpdate.JapanDate(s.DB.Now()))
	if err != nil {
		return out, err
	}
	err = s.DB.Update(ctx, func(tx *store.Tx) error {
		if err := requireRole(tx, p, r.CompanyID); err != nil {
			return err
		}
		ck, err := keys.Company(tx, r.CompanyID)
		if err != nil {
			return err
		}
		defer ck.Close()
		purposes, err := checkPurposesTx(tx, r.Purposes)
		if err != nil {
			return err
		}
		if err := checkEmployeesTx(tx, r.CompanyID, r.EmployeeIDs); err != nil {
			return err
		}
		n := r.Notice
		res, err := tx.Exec(`INSERT INTO collection_requests(company_id, title, created_at, created_by, notice_sender,
			notice_in_person, notice_mail, notice_contact, notice_online, deadline) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.CompanyID, r.Title, tx.NowText(), p.UserID, n.Sender, n.InPerson, n.Mail, n.Contact, n.Online, deadline)
		if err != nil {
			return fmt.Errorf("writing collection request: %w", err)
		}
		if out.RequestID, err = res.LastInsertId(); err != nil {
			return fmt.Errorf("writing collection request: %w", err)
		}
		for _, code := range purposes {
			if _, err := tx.Exec(`INSERT INTO collection_request_purposes(request_id, purpose_code) VALUES(?, ?)`, out.RequestID, code); err != nil {
				return fmt.Errorf("writing request purposes: %w", err)
			}
		}
		if out.Persons, err = addTargetsTx(tx, out.RequestID, r.EmployeeIDs, purposes); err != nil {
			return err
		}
		out.Letters = len(r.EmployeeIDs)
		if err := s.appendAudit(tx, p, audit.ActionRegister, r.CompanyID, "collection_request", out.RequestID,
			fmt.Sprintf("collection request created; employees=%d persons=%d purposes=%s online=%t",
				out.Letters, out.Persons, strings.Join(purposes, ","), n.Online)); err != nil {
			return err
		}
		return s.lettersTx(tx, p, ck, out.RequestID, r.EmployeeIDs, r.ValidDays, opts, "notice letters written", &out)
	})
	if err != nil {
		return Issued{}, err
	}
	return out, nil
}

// validate cleans r and returns the deadline as ISO ("" for none).
func (r Request) validate(today time.Time) (Request, string, error) {
	var err error
	if r.Title, err = cleanText("title", "依頼名", "title", r.Title, 100, false); err != nil {
		return r, "", err
	}
	n := &r.Notice
	for _, f := range []struct {
		s             *string
		field, ja, en string
	}{
		{&n.Sender, "sender", "差出人", "sender"},
		{&n.InPerson, "inPerson", "窓口での提出方法", "in-person instructions"},
		{&n.Mail, "mail", "郵送先", "mail address"},
		{&n.Contact, "contact", "問い合わせ先", "contact"},
	} {
		if *f.s, err = cleanText(f.field, f.ja, f.en, *f.s, MaxReasonLen, false); err != nil {
			return r, "", err
		}
	}
	if n.InPerson == "" && n.Mail == "" && !n.Online {
		return r, "", apperr.Invalid("submit", "提出方法（窓口・郵送・オンライン）を一つ以上指定してください。",
			"Offer at least one way to hand in (in person, by mail, online).")
	}
	deadline := ""
	if strings.TrimSpace(n.Deadline) != "" {
		d, err := jpdate.ParseDate(n.Deadline)
		if err != nil {
			return r, "", apperr.Invalid("deadline", "提出期限の日付が正しくありません。", "The deadline is not a valid date.")
		}
		if d.Before(today) {
			return r, "", apperr.Invalid("deadline", "提出期限が過去の日付です。", "The deadline is in the past.")
		}
		deadline = jpdate.ISO(d)
	}
	if r.ValidDays < 0 || r.ValidDays > MaxValidDays {
		return r, "", apperr.Invalid("validDays", fmt.Sprintf("パスワードの有効日数は1～%d日で指定してください。", MaxValidDays),
			fmt.Sprintf("Password validity must be 1 to %d days.", MaxValidDays))
	}
	r.EmployeeIDs = dedupe(r.EmployeeIDs)
	if len(r.EmployeeIDs) == 0 || len(r.EmployeeIDs) > MaxEmployees {
		return r, "", apperr.Invalid("employeeIds", fmt.Sprintf("従業員を1～%d人選んでください。", MaxEmployees),
			fmt.Sprintf("Choose 1 to %d employees.", MaxEmployees))
	}
	if len(r.Purposes) == 0 {
		return r, "", apperr.Invalid("purposes", "利用目的を一つ以上選んでください。", "Choose at least one purpose.")
	}
	return r, deadline, nil
}

// checkPurposesTx returns the codes known to the purposes table, deduplicated, in display
// order; 'OTHER' and unknown codes are refused.
func checkPurposesTx(tx *store.Tx, codes []string) ([]string, error) {
	want := map[string]bool{}
	for _, c := range codes {
		c = strings.TrimSpace(c)
		if c == "OTHER" {
			return nil, apperr.Invalid("purposes", "「その他」は通知する利用目的として選べません。", "\"Other\" cannot be notified as a purpose.")
		}
		want[c] = true
	}
	rows, err := tx.Query(`SELECT code FROM purposes WHERE code <> 'OTHER' ORDER BY sort, code`)
	if err != nil {
		return nil, fmt.Errorf("reading purposes: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, fmt.Errorf("reading purposes: %w", err)
		}
		if want[c] {
			out = append(out, c)
			delete(want, c)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(want) > 0 {
		return nil, apperr.Invalid("purposes", "登録されていない利用目的が指定されました。", "Unknown purpose.")
	}
	return out, nil
}

// checkEmployeesTx refuses ids that are not employees of the company, and employees whose
// latest request is still open.
func checkEmployeesTx(tx *store.Tx, companyID int64, ids []int64) error {
	var busy []string
	for _, id := range ids {
		t, err := latestTargetTx(tx, companyID, id)
		switch {
		case errors.Is(err, errUnrequested):
		case err != nil:
			return err
		case t.status.open():
			busy = append(busy, t.code)
		}
	}
	if len(busy) == 0 {
		return nil
	}
	list := strings.Join(busy[:min(len(busy), 5)], ", ")
	if len(busy) > 5 {
		list += fmt.Sprintf(" ほか%d人", len(busy)-5)
	}
	return apperr.New(apperr.CodeConflict, "employeeIds",
		"取得依頼中の従業員が含まれています（従業員コード "+list+"）。再通知をご利用ください。",
		fmt.Sprintf("%d of the employees already have an open request; send a reminder instead.", len(busy)))
}

// addTargetsTx writes a requested target per employee and the purposes of the employee and
// each dependent. It returns the number of persons notified.
func addTargetsTx(tx *store.Tx, requestID int64, employees []int64, purposes []string) (int, error) {
	ins, err := tx.Prepare(`INSERT INTO collection_targets(request_id, person_id, status, notified_at, updated_at)
		VALUES(?, ?, 'requested', ?, ?)`)
	if err != nil {
		return 0, fmt.Errorf("preparing targets: %w", err)
	}
	defer ins.Close()
	pp, err := tx.Prepare(`INSERT INTO person_purposes(person_id, purpose_code, request_id, notified_at)
		SELECT id, ?, ?, ? FROM persons WHERE id = ? OR employee_id = ? ON CONFLICT(person_id, purpose_code) DO NOTHING`)
	if err != nil {
		return 0, fmt.Errorf("preparing person purposes: %w", err)
	}
	defer pp.Close()
	now := tx.NowText()
	for _, id := range employees {
		if _, err := ins.ExecContext(tx.Context(), requestID, id, now, now); err != nil {
			return 0, fmt.Errorf("writing collection target: %w", err)
		}
		for _, code := range purposes {
			if _, err := pp.ExecContext(tx.Context(), code, requestID, now, id, id); err != nil {
				return 0, fmt.Errorf("writing person purposes: %w", err)
			}
		}
	}
	var dependents int
	err = tx.QueryRow(`SELECT count(*) FROM persons WHERE employee_id IN
		(SELECT person_id FROM collection_targets WHERE request_id = ?)`, requestID).Scan(&dependents)
	if err != nil {
		return 0, fmt.Errorf("counting persons: %w", err)
	}
	return len(employees) + dependents, nil
}

// Reissue is the reminder (再通知): for employees of the request who have not handed in
// (依頼済, 差戻し) it issues new one-time passwords (the old ones stop working), counts and dates
// the reminder, and writes new notice letters. Other statuses are refused with a conflict.
func (s *Service) Reissue(ctx context.Context, p auth.Principal, keys *vault.Keys, companyID, requestID int64, employeeIDs []int64, validDays int, opts NoticeOptions) (Issued, error) {
	out := Issued{RequestID: requestID}
	employeeIDs = dedupe(employeeIDs)
	if len(employeeIDs) == 0 || len(employeeIDs) > MaxEmployees {
		return out, apperr.Invalid("employeeIds", fmt.Sprintf("従業員を1～%d人選んでください。", MaxEmployees),
			fmt.Sprintf("Choose 1 to %d employees.", MaxEmployees))
	}
	if validDays < 0 || validDays > MaxValidDays {
		return out, apperr.Invalid("validDays", fmt.Sprintf("パスワードの有効日数は1～%d日で指定してください。", MaxValidDays),
			fmt.Sprintf("Password validity must be 1 to %d days.", MaxValidDays))
	}
	err := s.DB.Update(ctx, func(tx *store.Tx) error {
		if err := requireRole(tx, p, companyID); err != nil {
			return err
		}
		var owner int64
		err := tx.QueryRow(`SELECT company_id FROM collection_requests WHERE id = ?`, requestID).Scan(&owner)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && owner != companyID) {
			return errNoRequest
		}
		if err != nil {
			return fmt.Errorf("reading collection request %d: %w", requestID, err)
		}
		ck, err := keys.Company(tx, companyID)
		if err != nil {
			return err
		}
		defer ck.Close()
		for _, id := range employeeIDs {
			var st Status
			err := tx.QueryRow(`SELECT status FROM collection_targets WHERE request_id = ? AND person_id = ?`, requestID, id).Scan(&st)
			if errors.Is(err, sql.ErrNoRows) {
				return errNoPerson
			}
			if err != nil {
				return fmt.Errorf("reading collection target: %w", err)
			}
			if _, ok := next(opRemind, st); !ok {
				return statusErr(st, "再通知できません", "cannot remind")
			}
			if _, err := tx.Exec(`UPDATE collection_targets SET reminders = reminders + 1, last_reminded_at = ?, updated_at = ?
				WHERE request_id = ? AND person_id = ?`, tx.NowText(), tx.NowText(), requestID, id); err != nil {
				return fmt.Errorf("updating collection target: %w", err)
			}
			if _, err := tx.Exec(`INSERT INTO collection_reminders(request_id, person_id, reminded_at, reminded_by) VALUES(?, ?, ?, ?)`,
				requestID, id, tx.NowText(), p.UserID); err != nil {
				return fmt.Errorf("writing reminder: %w", err)
			}
		}
		out.Letters = len(employeeIDs)
		if err := s.appendAudit(tx, p, audit.ActionModify, companyID, "collection_request", requestID,
			fmt.Sprintf("reminder sent; employees=%d", out.Letters)); err != nil {
			return err
		}
		if err := tx.QueryRow(`SELECT count(*) FROM persons WHERE employee_id IN (SELECT value FROM json_each(?))`,
			jsonIDs(employeeIDs)).Scan(&out.Persons); err != nil {
			return fmt.Errorf("counting persons: %w", err)
		}
		out.Persons += len(employeeIDs)
		return s.lettersTx(tx, p, ck, requestID, employeeIDs, validDays, opts, reminderLetters, &out)
	})
	if err != nil {
		return Issued{RequestID: requestID}, err
	}
	return out, nil
}

// writeLetters writes the notice workbook of n, with a user-safe error for a letter that
// would hold a number.
func writeLetters(w io.Writer, n report.Notices, opts NoticeOptions) error {
	if err := report.WriteNoticeLetters(w, n, report.Options{Password: opts.Password}); err != nil {
		if errors.Is(err, report.ErrMyNumber) {
			return apperr.Wrap(err, apperr.CodeInvalid, "notice", "通知書の内容に個人番号のような数字が含まれているため、作成できません。",
				"The notice would contain something that looks like a My Number, so it was not written.")
		}
		return fmt.Errorf("writing notice letters: %w", err)
	}
	return nil
}

// letterZip writes one workbook per letter of n into a zip, named "<employee code>_<name>.xlsx".
// It is built in memory: the letters carry one-time passwords and go nowhere else.
func letterZip(n report.Notices, opts NoticeOptions) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	used := map[string]bool{}
	for _, l := range n.Letters {
		one := n
		one.Letters = []report.Letter{l}
		base := safeName(l.EmployeeCode) + "_" + strings.Map(func(r rune) rune {
			if strings.ContainsRune(`\/:*?"<>| `, r) || r < 0x20 {
				return '_'
			}
			return r
		}, l.Addressee)
		name := base
		for i := 2; used[name]; i++ {
			name = fmt.Sprintf("%s_%d", base, i)
		}
		used[name] = true
		// The zip's names are UTF-8 (flag 0x800): Windows' Explorer and 7-Zip show them right.
		f, err := zw.CreateHeader(&zip.FileHeader{Name: name + ".xlsx", Method: zip.Deflate, Flags: 0x800})
		if err != nil {
			return nil, fmt.Errorf("writing the letters' zip: %w", err)
		}
		if err := writeLetters(f, one, opts); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("writing the letters' zip: %w", err)
	}
	return buf.Bytes(), nil
}

// reminderLetters is what lettersTx records for a reminder (再通知).
const reminderLetters = "reminder letters written"

// lettersTx issues passwords (when the request offers the web page), writes the workbook into
// out and audits the printing.
func (s *Service) lettersTx(tx *store.Tx, p auth.Principal, ck *vault.CompanyKey, requestID int64, employees []int64, validDays int, opts NoticeOptions, what string, out *Issued) error {
	nr, err := noticeRequestTx(tx, requestID)
	if err != nil {
		return err
	}
	creds := map[int64]credential{}
	if nr.online {
		out.Expires = tx.Now.Add(s.validity(validDays)).Truncate(time.Millisecond)
		cs, err := s.issueTx(tx, ck, requestID, employees, out.Expires)
		if err != nil {
			return err
		}
		for _, c := range cs {
			creds[c.personID] = c
		}
	}
	n, err := noticesTx(tx, nr, employees, creds, jpdate.JapanDate(tx.Now))
	if err != nil {
		return err
	}
	// A reminder's letters say so, and that the earlier password no longer works.
	n.Reminder = what == reminderLetters
	base := fmt.Sprintf("マイナンバー通知書_%s_%d_%s", safeName(nr.companyCode), requestID, jpdate.JapanDate(tx.Now).Format("20060102"))
	if opts.PerEmployee {
		if out.Workbook, err = letterZip(n, opts); err != nil {
			return err
		}
		out.FileName, out.ZIP = base+".zip", true
	} else {
		if len(n.Letters) > MaxSheets {
			return apperr.Invalid("perEmployee", fmt.Sprintf("通知書が%d通あります。1つのExcelファイルには%d通までです。「従業員ごとのファイル（ZIP）」を選んでください。", len(n.Letters), MaxSheets),
				fmt.Sprintf("%d letters: one workbook holds at most %d. Choose one file per employee (ZIP).", len(n.Letters), MaxSheets))
		}
		var buf bytes.Buffer
		if err := writeLetters(&buf, n, opts); err != nil {
			return err
		}
		out.Workbook, out.FileName = buf.Bytes(), base+".xlsx"
	}
	out.HasPasswords = nr.online
	return s.appendAudit(tx, p, audit.ActionPrint, ck.CompanyID(), "collection_request", requestID,
		fmt.Sprintf("%s; letters=%d online=%t", what, len(employees), nr.online))
}

// safeName keeps letters, digits, '-' and '_' of s for a file name.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' {
			return r
		}
		return '_'
	}, s)
}

// jsonIDs is ids as a JSON array, for json_each.
func jsonIDs(ids []int64) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprint(&b, id)
	}
	b.WriteByte(']')
	return b.String()
}
