// Package roster holds who the vault is about: the operating office (M-1), the client companies
// whose My Number work is entrusted to it (M-3), and their departments, employees and
// dependents with their My Numbers (1-2; the CSV import is in roster/csvimport).
//
// Every use case validates its input completely before writing, runs in one transaction, and
// appends its audit entry in that same transaction.
//
// # People and their numbers
//
// Employees and dependents are rows of persons with AUTOINCREMENT ids (never reused). Every
// person gets a person key (vault.CompanyKey.CreatePerson) when the row is inserted, not when a
// number arrives: identity-document images need it too, and a missing key then always means
// the person was disposed of ([ErrDisposed]). A number is sealed under the person key at
// person_numbers/<id>/number ([NumberAAD]); its blind index under the company's index key
// finds duplicates within the company ([DuplicateNumberError]). Lists show numbers masked
// ("**** **** 9018"), computed from the ciphertext on each read; no digit is stored in clear.
// Only the company's 事務取扱責任者 / 担当者 may read or write its people; the system
// administrator may not unless assigned.
//
// # What it must never do
//
// Use a My Number as an identifier or lookup key (番号法 9条): people are identified by ids and
// employee codes. 法人番号 are public and may be stored and shown in clear. Put a My Number or
// any part of a person's data other than ids and codes into an audit entry or an error.
package roster

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
	"github.com/mynumber-shelter/shelter/internal/mynumber"
	"golang.org/x/text/unicode/norm"
)

// Service implements the roster use cases.
type Service struct {
	DB    *store.DB
	Audit *audit.Log
}

// Office kinds.
const (
	KindSharoushi = "sharoushi" // 社会保険労務士事務所
	KindZeirishi  = "zeirishi"  // 税理士事務所
	KindEmployer  = "employer"  // the employer itself
	KindOther     = "other"
)

// Office is M-1 企業情報設定.
type Office struct {
	Name            string
	NameKana        string
	Kind            string
	CorporateNumber string
	PostalCode      string
	Address         string
	Phone           string
	Representative  string
}

var (
	postalPattern = regexp.MustCompile(`^\d{3}-?\d{4}$`)
	phonePattern  = regexp.MustCompile(`^[0-9+][0-9-]{8,14}$`)
)

// clean applies NFKC to ASCII-shaped fields (full-width digits typed by Japanese IMEs) and trims.
func clean(s string) string { return strings.TrimSpace(norm.NFKC.String(s)) }

func text(field string, s *string, required bool, max int, ja, en string) error {
	*s = strings.TrimSpace(*s)
	if required && *s == "" {
		return apperr.Invalid(field, ja+"を入力してください。", "Enter the "+en+".")
	}
	if utf8.RuneCountInString(*s) > max {
		return apperr.Invalid(field, fmt.Sprintf("%sは%d文字以内にしてください。", ja, max), fmt.Sprintf("The %s may be at most %d characters.", en, max))
	}
	return nil
}

// validateContact checks the fields offices and companies share.
func validateContact(corp, postal, phone *string) error {
	if *corp = mynumber.Normalize(*corp); *corp != "" {
		n, err := mynumber.ValidateCorporate(*corp)
		if err != nil {
			var ve *mynumber.ValidationError
			if errors.As(err, &ve) {
				return apperr.Wrap(err, apperr.CodeInvalid, "corporateNumber", "法人番号: "+ve.Japanese(), "Corporate number: "+ve.Error())
			}
			return apperr.Invalid("corporateNumber", "法人番号が正しくありません。", "The corporate number is not valid.")
		}
		*corp = n
	}
	if *postal = clean(*postal); *postal != "" {
		if !postalPattern.MatchString(*postal) {
			return apperr.Invalid("postalCode", "郵便番号は7桁の数字で入力してください（例: 892-0816）。", "Enter a 7-digit postal code (e.g. 892-0816).")
		}
		if len(*postal) == 7 {
			*postal = (*postal)[:3] + "-" + (*postal)[3:]
		}
	}
	if *phone = clean(*phone); *phone != "" && !phonePattern.MatchString(*phone) {
		return apperr.Invalid("phone", "電話番号は数字とハイフンで入力してください（例: 099-123-4567）。", "Enter the phone number with digits and hyphens (e.g. 099-123-4567).")
	}
	return nil
}

// Validate checks and normalises the office.
func (o *Office) Validate() error {
	if err := text("name", &o.Name, true, 100, "事務所・企業名", "office name"); err != nil {
		return err
	}
	if err := text("nameKana", &o.NameKana, false, 100, "フリガナ", "reading"); err != nil {
		return err
	}
	switch o.Kind {
	case KindSharoushi, KindZeirishi, KindEmployer, KindOther:
	default:
		return apperr.Invalid("kind", "事務所の種類を選んでください。", "Choose the kind of office.")
	}
	if err := text("address", &o.Address, false, 200, "住所", "address"); err != nil {
		return err
	}
	if err := text("representative", &o.Representative, false, 64, "代表者名", "representative"); err != nil {
		return err
	}
	return validateContact(&o.CorporateNumber, &o.PostalCode, &o.Phone)
}

// SaveOfficeTx writes the office inside tx (used by setup, which has no session yet).
func SaveOfficeTx(tx *store.Tx, o Office) error {
	if err := o.Validate(); err != nil {
		return err
	}
	_, err := tx.Exec(`INSERT INTO office(id, name, name_kana, kind, corporate_number, postal_code, address, phone, representative, updated_at)
		VALUES(1, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(id) DO UPDATE SET name = excluded.name, name_kana = excluded.name_kana, kind = excluded.kind,
		corporate_number = excluded.corporate_number, postal_code = excluded.postal_code, address = excluded.address,
		phone = excluded.phone, representative = excluded.representative, updated_at = excluded.updated_at`,
		o.Name, o.NameKana, o.Kind, o.CorporateNumber, o.PostalCode, o.Address, o.Phone, o.Representative, tx.NowText())
	if err != nil {
		return fmt.Errorf("saving office: %w", err)
	}
	return nil
}

// OfficeTx reads the office; ok is false before setup.
func OfficeTx(tx *store.Tx) (o Office, ok bool, err error) {
	err = tx.QueryRow(`SELECT name, name_kana, kind, corporate_number, postal_code, address, phone, representative FROM office WHERE id = 1`).
		Scan(&o.Name, &o.NameKana, &o.Kind, &o.CorporateNumber, &o.PostalCode, &o.Address, &o.Phone, &o.Representative)
	if errors.Is(err, sql.ErrNoRows) {
		return o, false, nil
	}
	if err != nil {
		return o, false, fmt.Errorf("reading office: %w", err)
	}
	return o, true, nil
}

// Office returns the operating office.
func (s *Service) Office(ctx context.Context) (o Office, err error) {
	err = s.DB.View(ctx, func(tx *store.Tx) error {
		o, _, err = OfficeTx(tx)
		return err
	})
	return o, err
}

// UpdateOffice edits M-1 (administrators only).
func (s *Service) UpdateOffice(ctx context.Context, p auth.Principal, o Office) error {
	if err := auth.RequireAdmin(p); err != nil {
		return err
	}
	if err := o.Validate(); err != nil {
		return err
	}
	return s.DB.Update(ctx, func(tx *store.Tx) error {
		if err := SaveOfficeTx(tx, o); err != nil {
			return err
		}
		e := p.Entry(audit.ActionOfficeUpdate, audit.ResultOK)
		e.TargetType, e.TargetID, e.Detail = "office", "1", audit.Redact("name="+o.Name)
		_, err := s.Audit.Append(tx, e)
		return err
	})
}

// Company is a client company (M-3 契約企業情報).
type Company struct {
	ID              int64
	Code            string
	Name            string
	NameKana        string
	CorporateNumber string
	PostalCode      string
	Address         string
	Phone           string
	Representative  string
	ConsignFrom     string // 委託期間 start YYYY-MM-DD, or ""
	ConsignTo       string // 委託期間 end YYYY-MM-DD, or ""
	Note            string
	Archived        bool
	Managers        int
	Handlers        int
}

var codePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,20}$`)

// Validate checks and normalises a company.
func (c *Company) Validate() error {
	c.Code = clean(c.Code)
	if !codePattern.MatchString(c.Code) {
		return apperr.Invalid("code", "企業コードは半角英数字・-・_ で20文字以内にしてください（例: C001）。", "Company codes are up to 20 letters, digits, - or _ (e.g. C001).")
	}
	if err := text("name", &c.Name, true, 100, "企業名", "company name"); err != nil {
		return err
	}
	if err := text("nameKana", &c.NameKana, false, 100, "フリガナ", "reading"); err != nil {
		return err
	}
	if err := text("address", &c.Address, false, 200, "住所", "address"); err != nil {
		return err
	}
	if err := text("representative", &c.Representative, false, 64, "代表者名", "representative"); err != nil {
		return err
	}
	if err := text("note", &c.Note, false, 1000, "備考", "note"); err != nil {
		return err
	}
	if err := validateContact(&c.CorporateNumber, &c.PostalCode, &c.Phone); err != nil {
		return err
	}
	var from, to time.Time
	for _, d := range []struct {
		field string
		v     *string
		t     *time.Time
		ja    string
	}{{"consignFrom", &c.ConsignFrom, &from, "委託期間の開始日"}, {"consignTo", &c.ConsignTo, &to, "委託期間の終了日"}} {
		if *d.v = clean(*d.v); *d.v == "" {
			continue
		}
		t, err := time.Parse("2006-01-02", strings.ReplaceAll(*d.v, "/", "-"))
		if err != nil {
			return apperr.Invalid(d.field, d.ja+"は YYYY-MM-DD の形式で入力してください。", "Enter the date as YYYY-MM-DD.")
		}
		*d.t, *d.v = t, t.Format("2006-01-02")
	}
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		return apperr.Invalid("consignTo", "委託期間の終了日が開始日より前になっています。", "The consignment end date is before its start date.")
	}
	return nil
}

const companyColumns = `c.id, c.code, c.name, c.name_kana, c.corporate_number, c.postal_code, c.address, c.phone,
	c.representative, c.consign_from, c.consign_to, c.note, c.archived,
	(SELECT count(*) FROM assignments a WHERE a.company_id = c.id AND a.role = 'manager'),
	(SELECT count(*) FROM assignments a WHERE a.company_id = c.id AND a.role = 'handler')`

func scanCompany(sc interface{ Scan(...any) error }) (Company, error) {
	var c Company
	err := sc.Scan(&c.ID, &c.Code, &c.Name, &c.NameKana, &c.CorporateNumber, &c.PostalCode, &c.Address, &c.Phone,
		&c.Representative, &c.ConsignFrom, &c.ConsignTo, &c.Note, &c.Archived, &c.Managers, &c.Handlers)
	return c, err
}

// CompanyTx reads one company.
func CompanyTx(tx *store.Tx, id int64) (Company, error) {
	c, err := scanCompany(tx.QueryRow(`SELECT `+companyColumns+` FROM companies c WHERE c.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, apperr.New(apperr.CodeNotFound, "", "企業が見つかりません。", "Company not found.")
	}
	return c, err
}

// Companies lists client companies by code. Administrators see all; other users see the
// companies they are assigned to.
func (s *Service) Companies(ctx context.Context, p auth.Principal, includeArchived bool) ([]Company, error) {
	q := `SELECT ` + companyColumns + ` FROM companies c WHERE (? OR c.archived = 0)`
	args := []any{includeArchived}
	if !p.IsAdmin {
		q += ` AND c.id IN (SELECT a.company_id FROM assignments a WHERE a.user_id = ?)`
		args = append(args, p.UserID)
	}
	q += ` ORDER BY c.code`
	var out []Company
	err := s.DB.View(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			c, err := scanCompany(rows)
			if err != nil {
				return err
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, err
}

// Company returns one company to an administrator or a user assigned to it.
func (s *Service) Company(ctx context.Context, p auth.Principal, id int64) (c Company, err error) {
	err = s.DB.View(ctx, func(tx *store.Tx) error {
		if !p.IsAdmin {
			if err := auth.RequireCompanyRole(tx, p, id, auth.Manager, auth.Handler); err != nil {
				return err
			}
		}
		c, err = CompanyTx(tx, id)
		return err
	})
	return c, err
}

// CreateCompany adds a client company and its company key (administrators only).
func (s *Service) CreateCompany(ctx context.Context, p auth.Principal, keys *vault.Keys, c Company) (Company, error) {
	if err := auth.RequireAdmin(p); err != nil {
		return c, err
	}
	if err := c.Validate(); err != nil {
		return c, err
	}
	err := s.DB.Update(ctx, func(tx *store.Tx) error {
		if err := uniqueCompany(tx, c); err != nil {
			return err
		}
		res, err := tx.Exec(`INSERT INTO companies(code, name, name_kana, corporate_number, postal_code, address, phone,
			representative, consign_from, consign_to, note, archived, created_at, updated_at)
			VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)`,
			c.Code, c.Name, c.NameKana, c.CorporateNumber, c.PostalCode, c.Address, c.Phone, c.Representative,
			c.ConsignFrom, c.ConsignTo, c.Note, tx.NowText(), tx.NowText())
		if err != nil {
			return fmt.Errorf("creating company: %w", err)
		}
		id, _ := res.LastInsertId()
		if err := keys.CreateCompany(tx, id); err != nil {
			return fmt.Errorf("creating company key: %w", err)
		}
		e := p.Entry(audit.ActionCompanyCreate, audit.ResultOK)
		e.CompanyID, e.TargetType, e.TargetID = id, "company", fmt.Sprint(id)
		e.Detail = audit.Redact("code=" + c.Code)
		if _, err := s.Audit.Append(tx, e); err != nil {
			return err
		}
		c, err = CompanyTx(tx, id)
		return err
	})
	return c, err
}

func uniqueCompany(tx *store.Tx, c Company) error {
	var n int
	if err := tx.QueryRow(`SELECT count(*) FROM companies WHERE code = ? AND id <> ?`, c.Code, c.ID).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return apperr.New(apperr.CodeConflict, "code", "この企業コードは既に使われています。", "This company code is already in use.")
	}
	if c.CorporateNumber != "" {
		if err := tx.QueryRow(`SELECT count(*) FROM companies WHERE corporate_number = ? AND id <> ?`, c.CorporateNumber, c.ID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return apperr.New(apperr.CodeConflict, "corporateNumber", "この法人番号の企業は既に登録されています。", "A company with this corporate number is already registered.")
		}
	}
	return nil
}

// UpdateCompany edits a client company (administrators only).
func (s *Service) UpdateCompany(ctx context.Context, p auth.Principal, c Company) (Company, error) {
	if err := auth.RequireAdmin(p); err != nil {
		return c, err
	}
	if err := c.Validate(); err != nil {
		return c, err
	}
	err := s.DB.Update(ctx, func(tx *store.Tx) error {
		before, err := CompanyTx(tx, c.ID)
		if err != nil {
			return err
		}
		if err := uniqueCompany(tx, c); err != nil {
			return err
		}
		_, err = tx.Exec(`UPDATE companies SET code = ?, name = ?, name_kana = ?, corporate_number = ?, postal_code = ?,
			address = ?, phone = ?, representative = ?, consign_from = ?, consign_to = ?, note = ?, archived = ?, updated_at = ?
			WHERE id = ?`, c.Code, c.Name, c.NameKana, c.CorporateNumber, c.PostalCode, c.Address, c.Phone,
			c.Representative, c.ConsignFrom, c.ConsignTo, c.Note, c.Archived, tx.NowText(), c.ID)
		if err != nil {
			return fmt.Errorf("updating company: %w", err)
		}
		e := p.Entry(audit.ActionCompanyUpdate, audit.ResultOK)
		e.CompanyID, e.TargetType, e.TargetID = c.ID, "company", fmt.Sprint(c.ID)
		e.Detail = changed(before, c)
		if _, err := s.Audit.Append(tx, e); err != nil {
			return err
		}
		c, err = CompanyTx(tx, c.ID)
		return err
	})
	return c, err
}

// changed names the fields that differ (names only, never values: values may be personal data).
func changed(a, b Company) string {
	var c changes
	c.add("code", a.Code, b.Code)
	c.add("name", a.Name, b.Name)
	c.add("nameKana", a.NameKana, b.NameKana)
	c.add("corporateNumber", a.CorporateNumber, b.CorporateNumber)
	c.add("postalCode", a.PostalCode, b.PostalCode)
	c.add("address", a.Address, b.Address)
	c.add("phone", a.Phone, b.Phone)
	c.add("representative", a.Representative, b.Representative)
	c.add("consignFrom", a.ConsignFrom, b.ConsignFrom)
	c.add("consignTo", a.ConsignTo, b.ConsignTo)
	c.add("note", a.Note, b.Note)
	c.add("archived", a.Archived, b.Archived)
	return c.String()
}
