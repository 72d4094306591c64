package dispose

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/jpdate"
	"github.com/mynumber-shelter/shelter/app/report"
	"github.com/mynumber-shelter/shelter/app/roster"
	"github.com/mynumber-shelter/shelter/app/store"
)

// defaultReason is printed on the certificate when the proposer gave none (every person's
// retention had passed).
const defaultReason = "保存期間経過"

func displayName(u UserRef) string {
	if u.DisplayName != "" {
		return u.DisplayName
	}
	return u.Login
}

func officeName(tx *store.Tx) (string, error) {
	o, ok, err := roster.OfficeTx(tx)
	if err != nil {
		return "", err
	}
	if !ok || o.Name == "" {
		return "", apperr.New(apperr.CodeConflict, "", "事業所（企業情報設定）が登録されていません。", "The office (M-1) is not set up.")
	}
	return o.Name, nil
}

// CertificateFor builds the disposal certificate (廃棄証明書) of an executed disposal, issued on
// issuedOn, for office. It holds no number: the items are described by code, name, relation
// and the kinds of file disposed of.
func CertificateFor(d Disposal, office string, issuedOn time.Time) report.Certificate {
	c := report.Certificate{
		Number: d.CertificateNo, IssuedOn: jpdate.DateOf(issuedOn), Office: office, Company: d.CompanyName,
		DisposedOn: japanDate(d.ExecutedAt), Responsible: displayName(d.ApprovedBy), Operator: displayName(d.ExecutedBy),
		ApprovedOn: japanDate(d.ApprovedAt),
	}
	method := report.MethodCryptoShred
	if d.Method == MethodMaskNumber {
		method = report.MethodMaskNumber
	}
	reason := d.Reason
	if reason == "" {
		reason = defaultReason
	} else {
		// Not every retention period had ended: the certificate says why instead.
		c.Statement = report.StatementFor(d.Reason)
	}
	for _, it := range d.Items {
		// Only what this system held and destroyed; the documents the numbers were kept for
		// (源泉徴収票 …) are paper or other systems' files, which the certificate leaves to its
		// optional, hand-filled section.
		var kinds []string
		for _, k := range it.FileKinds {
			switch k {
			case KindMyNumber:
				if d.Method == MethodMaskNumber {
					kinds = append(kinds, "個人番号")
				} else {
					kinds = append(kinds, "個人番号（暗号化データ及び個人鍵）")
				}
			case KindIdentityDocuments, KindNumberDocuments:
				kinds = append(kinds, KindLabel(k, "ja"))
			}
		}
		if len(kinds) == 0 {
			kinds = []string{"個人番号を暗号化する個人鍵"}
		}
		c.Items = append(c.Items, report.DisposedItem{EmployeeCode: it.EmployeeCode, Name: it.Name, Relation: it.Relation,
			Kind: strings.Join(kinds, "、"), Method: method, Reason: reason})
	}
	return c
}

// Certificate writes the disposal certificate of executed disposal id as an Excel workbook,
// issued on issuedOn, for the company's 責任者 and 担当者, and records the printing
// (ActionPrint) in the same transaction: if the entry cannot be written, no workbook is
// returned.
func (s *Service) Certificate(ctx context.Context, p auth.Principal, id int64, issuedOn time.Time, opts report.Options) (Disposal, []byte, error) {
	var d Disposal
	var buf bytes.Buffer
	err := s.DB.Update(ctx, func(tx *store.Tx) error {
		var err error
		if d, err = getTx(tx, id); err != nil {
			return err
		}
		if err := requireHandling(tx, p, d.CompanyID); err != nil {
			return err
		}
		if d.Status != StatusExecuted {
			return apperr.New(apperr.CodeConflict, "", "廃棄が実行されていないため、廃棄証明書は発行できません。",
				"A certificate is issued only for an executed disposal.")
		}
		office, err := officeName(tx)
		if err != nil {
			return err
		}
		if err := report.WriteDisposalCertificate(&buf, CertificateFor(d, office, issuedOn), opts); err != nil {
			return err
		}
		e := p.Entry(audit.ActionPrint, audit.ResultOK)
		e.CompanyID, e.TargetType, e.TargetID = d.CompanyID, "disposal", fmt.Sprint(id)
		e.Detail = "disposal certificate " + d.CertificateNo + " written (xlsx)"
		_, err = s.Audit.Append(tx, e)
		return err
	})
	if err != nil {
		return Disposal{}, nil, err
	}
	return d, buf.Bytes(), nil
}

// RegisterFor builds the company's 特定個人情報ファイル管理台帳 as of asOf from what tx holds:
// one row per kind of document the numbers are kept for (from the purposes notified, see
// [HoldingsFor]), and one for the identity-document images when there are any. Each row names
// the 責任者, the handling office, the purposes, the retention period, the state of disposal
// and who has access. It holds no number.
func (s *Service) RegisterFor(tx *store.Tx, companyID int64, asOf time.Time) (report.Register, error) {
	var r report.Register
	office, err := officeName(tx)
	if err != nil {
		return r, err
	}
	if err := tx.QueryRow(`SELECT name FROM companies WHERE id = ?`, companyID).Scan(&r.Company); err != nil {
		return r, fmt.Errorf("reading company %d: %w", companyID, err)
	}
	r.Office, r.AsOf = office, jpdate.DateOf(asOf)

	var managers, access []string
	rows, err := tx.Query(`SELECT a.role, u.display_name, u.login FROM assignments a JOIN users u ON u.id = a.user_id
		WHERE a.company_id = ? AND u.disabled = 0 ORDER BY a.role DESC, u.login`, companyID)
	if err != nil {
		return r, fmt.Errorf("reading assignments: %w", err)
	}
	for rows.Next() {
		var role auth.RoleName
		var name, login string
		if err := rows.Scan(&role, &name, &login); err != nil {
			rows.Close()
			return r, err
		}
		if name == "" {
			name = login
		}
		if role == auth.Manager {
			managers = append(managers, name)
			access = append(access, "事務取扱責任者 "+name)
		} else {
			access = append(access, "事務取扱担当者 "+name)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return r, err
	}
	responsible := strings.Join(managers, "、")
	if responsible == "" {
		responsible = "（未設定）"
	}

	labels := map[string]string{}
	rows, err = tx.Query(`SELECT code, label_ja FROM purposes`)
	if err != nil {
		return r, fmt.Errorf("reading purposes: %w", err)
	}
	for rows.Next() {
		var code, label string
		if err := rows.Scan(&code, &label); err != nil {
			rows.Close()
			return r, err
		}
		labels[code] = label
	}
	rows.Close()
	var used []string
	rows, err = tx.Query(`SELECT DISTINCT pp.purpose_code FROM person_purposes pp JOIN persons p ON p.id = pp.person_id
		WHERE p.company_id = ? ORDER BY pp.purpose_code`, companyID)
	if err != nil {
		return r, fmt.Errorf("reading purposes: %w", err)
	}
	for rows.Next() {
		var code string
		if err := rows.Scan(&code); err != nil {
			rows.Close()
			return r, err
		}
		used = append(used, code)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return r, err
	}
	_, assumed := HoldingsFor(used, time.Time{})
	if assumed {
		used = append(used, DefaultEmployeePurposes...)
	}
	byType := map[DocumentType][]string{}
	var unknown []string
	for _, code := range used {
		label := labels[code]
		if label == "" {
			label = code
		}
		ts, ok := DocumentsFor(code)
		if !ok {
			unknown = append(unknown, code)
		}
		for _, t := range ts {
			byType[t] = append(byType[t], label)
		}
	}

	disposal, err := s.disposalState(tx, companyID, asOf)
	if err != nil {
		return r, err
	}
	suffix := "に係る個人番号（MyNumber Shelter 保管庫・暗号化）"
	if assumed {
		suffix += "※利用目的が未記録のため標準の目的を仮定"
	}
	for _, rule := range s.rules() {
		if len(byType[rule.Type]) == 0 {
			continue
		}
		r.Files = append(r.Files, report.RegisterFile{Name: rule.LabelJA + suffix, Responsible: responsible, Department: office,
			Purposes: byType[rule.Type], Retention: rule.PeriodJA(), Disposal: disposal, AccessHolders: access})
	}
	for _, code := range unknown {
		label := labels[code]
		if label == "" {
			label = code
		}
		r.Files = append(r.Files, report.RegisterFile{Name: label + "に係る個人番号（MyNumber Shelter 保管庫・暗号化）", Responsible: responsible,
			Department: office, Purposes: []string{label}, Retention: "規則なし（事業所で決定）", Disposal: disposal, AccessHolders: access})
	}
	var docs int
	if err := tx.QueryRow(`SELECT count(*) FROM person_documents d JOIN persons p ON p.id = d.person_id WHERE p.company_id = ?`, companyID).Scan(&docs); err != nil {
		return r, fmt.Errorf("counting documents: %w", err)
	}
	if docs > 0 {
		verify := labels["ADM-VERIFY"]
		if verify == "" {
			verify = "取得時の番号確認・本人確認"
		}
		r.Files = append(r.Files, report.RegisterFile{Name: "本人確認書類の画像（MyNumber Shelter 保管庫・暗号化）", Responsible: responsible,
			Department: office, Purposes: []string{verify}, Retention: "個人番号と同じ（廃棄時に消去）", Disposal: disposal, AccessHolders: access})
	}
	return r, nil
}

// rules is the policy's rules, or the default ones.
func (s *Service) rules() []Rule {
	if s.Policy.Rules != nil {
		return s.Policy.Rules
	}
	return Rules()
}

// disposalState is the 削除・廃棄状況 column: what was disposed of, and what is due.
func (s *Service) disposalState(tx *store.Tx, companyID int64, asOf time.Time) (string, error) {
	var persons int
	var last, cert string
	err := tx.QueryRow(`SELECT count(i.person_id), COALESCE(max(d.executed_at), ''),
		COALESCE((SELECT certificate_no FROM disposals WHERE company_id = ? AND status = 'executed' ORDER BY executed_at DESC, id DESC LIMIT 1), '')
		FROM disposals d JOIN disposal_items i ON i.disposal_id = d.id WHERE d.company_id = ? AND d.status = 'executed'`,
		companyID, companyID).Scan(&persons, &last, &cert)
	if err != nil {
		return "", fmt.Errorf("reading disposals: %w", err)
	}
	c, err := loadCompany(tx, companyID, s.Policy, asOf)
	if err != nil {
		return "", err
	}
	ready := 0
	for _, d := range c.list() {
		if d.Ready {
			ready++
		}
	}
	var b strings.Builder
	if persons == 0 {
		b.WriteString("廃棄実績なし")
	} else {
		t, err := store.ParseTime(last)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "廃棄済 %d名（最終 %s、証明書 %s）", persons, jpdate.Wareki(japanDate(t)), cert)
	}
	fmt.Fprintf(&b, "／削除期限到来 %d名", ready)
	return b.String(), nil
}

// FileRegister writes the company's 特定個人情報ファイル管理台帳 as of asOf ([Service.RegisterFor])
// as an Excel workbook, for the company's 責任者 only (a 担当者 gets [ErrManagerOnly]), and
// records the printing (ActionPrint) in the same transaction.
func (s *Service) FileRegister(ctx context.Context, p auth.Principal, companyID int64, asOf time.Time, opts report.Options) ([]byte, error) {
	var buf bytes.Buffer
	err := s.DB.Update(ctx, func(tx *store.Tx) error {
		if err := requireManager(tx, p, companyID); err != nil {
			return err
		}
		reg, err := s.RegisterFor(tx, companyID, asOf)
		if err != nil {
			return err
		}
		if len(reg.Files) == 0 {
			return apperr.New(apperr.CodeConflict, "", "この企業には台帳に載せる特定個人情報ファイルがありません。",
				"This company holds no file to list in the register.")
		}
		if err := report.WriteFileRegister(&buf, reg, opts); err != nil {
			return err
		}
		e := p.Entry(audit.ActionPrint, audit.ResultOK)
		e.CompanyID, e.TargetType, e.TargetID, e.Detail = companyID, "file_register", fmt.Sprint(companyID), "file register written (xlsx)"
		_, err = s.Audit.Append(tx, e)
		return err
	})
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
