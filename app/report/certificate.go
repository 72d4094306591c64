package report

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/mynumber-shelter/shelter/app/jpdate"
)

// MethodCryptoShred is the disposal method of MyNumber Shelter: the person's key is
// destroyed, so every copy of the ciphertext (backups, sync) becomes unreadable, and the
// ciphertext is deleted.
const MethodCryptoShred = "暗号鍵の破棄による消去（クリプトシュレッディング）"

// MethodMaskNumber is the method that deletes only the number, beyond recovery, and keeps
// the rest of the person's record (the guideline allows masking the number).
const MethodMaskNumber = "個人番号のみを復元できない方法で削除（その他の情報は保持）"

// Certificate is the input of [WriteDisposalCertificate] (4-1 廃棄証明書). It has no field
// for a My Number, and must not: the certificate is the 削除・廃棄の記録 that proves the number
// is gone.
type Certificate struct {
	// Number is the certificate's number (証明書番号). Required.
	Number string
	// IssuedOn is the date of issue (a calendar date). Required.
	IssuedOn time.Time
	// Office is the office that disposed of the numbers and issues the certificate.
	// Required.
	Office string
	// Company is the company whose employees' numbers were disposed of: the client (委託元)
	// for a 社労士 office, or the employer itself. Required.
	Company string
	// DisposedOn is the day of disposal (a calendar date). Required.
	DisposedOn time.Time
	// Items are what was disposed of. At least one.
	Items []DisposedItem
	// Responsible is the 事務取扱責任者 who approved the disposal; Operator is the person who
	// carried it out (実施者). Both required.
	Responsible, Operator string
	// ApprovedOn is the day Responsible approved (a calendar date). Required.
	ApprovedOn time.Time
	// Statement replaces the default statement (CertificateStatement). Optional.
	Statement string
	// Note is printed as 備考. Optional.
	Note string
}

// DisposedItem is one thing disposed of, for one person.
type DisposedItem struct {
	// EmployeeCode and Name identify the employee (never by the number). Name is required.
	EmployeeCode, Name string
	// Relation is whose number it was: "本人", or a dependent's relation ("配偶者", "子").
	// Optional.
	Relation string
	// Kind is what this system destroyed (廃棄した情報), e.g. "個人番号（暗号化データ及び個人鍵）",
	// "本人確認書類の画像". Required. Paper documents the system never held do not belong
	// here: the certificate has a separate section for them that the user fills in by hand.
	Kind string
	// Method is how; empty means [MethodCryptoShred].
	Method string
	// Reason is why, e.g. "退職（保存期間経過）". Optional.
	Reason string
}

// CertificateStatement is the default statement of a disposal certificate: for a disposal
// because every retention period had ended. Another reason goes into [Certificate.Statement]
// through [StatementFor].
const CertificateStatement = "下記の特定個人情報（個人番号及び個人番号をその内容に含む個人情報）について、" +
	"法令で定められた保存期間が経過し事務に不要となったため、本システムが保管していた電子データを復元できない方法により削除・廃棄したことを証明します。"

// StatementFor is the certificate's statement for a disposal made for reason (the proposer's
// words) rather than because the retention periods ended.
func StatementFor(reason string) string {
	return "下記の特定個人情報（個人番号及び個人番号をその内容に含む個人情報）について、" +
		"次の理由により事務に不要となったため、本システムが保管していた電子データを復元できない方法により削除・廃棄したことを証明します。" +
		"\n理由：" + reason
}

// paperRows is how many blank rows the optional paper section offers.
const paperRows = 4

const (
	certTitle = "特定個人情報 廃棄証明書"
	certSheet = "廃棄証明書"
)

var certWidths = []float64{5, 12, 16, 8, 20, 28, 18}

// paperNote explains the optional paper section of the certificate.
const paperNote = "本システムが保管していない紙の書類等を廃棄した場合は、この欄に手書きで記入してください。" +
	"記入がない場合、この証明書は上記の電子データの削除・廃棄のみを証明します。"

// WriteDisposalCertificate writes the disposal certificate (廃棄証明書) to w: one A4 portrait
// sheet with the certificate number, the office and company, the date of disposal in 西暦
// and 和暦, the statement, who was responsible, who carried it out and when it was approved,
// and one line per disposed item.
//
// It checks c first and writes nothing when a required field is empty ([ErrMissing]) or
// any text holds a valid-looking My Number ([ErrMyNumber]); the error names the field.
func WriteDisposalCertificate(w io.Writer, c Certificate, opts Options) error {
	if err := c.check(); err != nil {
		return fmt.Errorf("disposal certificate: %w", err)
	}
	if err := c.write(w, opts); err != nil {
		return fmt.Errorf("disposal certificate: %w", err)
	}
	return nil
}

func (c Certificate) check() error {
	for _, f := range []struct{ name, text string }{
		{"Number", c.Number}, {"Office", c.Office}, {"Company", c.Company},
		{"Responsible", c.Responsible}, {"Operator", c.Operator},
	} {
		if err := require(f.name, f.text); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		name string
		t    time.Time
	}{{"IssuedOn", c.IssuedOn}, {"DisposedOn", c.DisposedOn}, {"ApprovedOn", c.ApprovedOn}} {
		if f.t.IsZero() {
			return fieldErr(f.name, ErrMissing)
		}
	}
	if err := checkText("Statement", c.Statement); err != nil {
		return err
	}
	if err := checkText("Note", c.Note); err != nil {
		return err
	}
	if len(c.Items) == 0 {
		return fieldErr("Items", ErrMissing)
	}
	for i, it := range c.Items {
		p := fmt.Sprintf("Items[%d].", i)
		if err := require(p+"Name", it.Name); err != nil {
			return err
		}
		if err := require(p+"Kind", it.Kind); err != nil {
			return err
		}
		for _, f := range []struct{ name, text string }{
			{"EmployeeCode", it.EmployeeCode}, {"Relation", it.Relation}, {"Method", it.Method}, {"Reason", it.Reason},
		} {
			if err := checkText(p+f.name, f.text); err != nil {
				return err
			}
		}
	}
	return nil
}

func (c Certificate) write(w io.Writer, opts Options) error {
	b, err := newBook(certSheet, certTitle)
	if err != nil {
		return err
	}
	defer b.f.Close()
	s := certSheet
	if err := b.pageSetup(s, portrait, certTitle+" "+c.Number); err != nil {
		return err
	}
	if err := b.widths(s, certWidths...); err != nil {
		return err
	}
	const last = "G"
	r := 1
	row := func() string { return strconv.Itoa(r) }
	line := func(text string, style int, height float64) error {
		if err := b.put(s, "A"+row(), last+row(), text, style); err != nil {
			return err
		}
		if height > 0 {
			if err := b.height(s, r, height); err != nil {
				return err
			}
		}
		r++
		return nil
	}
	if err := line("証明書番号："+c.Number, b.right, 0); err != nil {
		return err
	}
	if err := line("発行日："+jpdate.Wareki(c.IssuedOn), b.right, 0); err != nil {
		return err
	}
	r++
	if c.Company != c.Office {
		if err := line(c.Company+" 御中", b.heading, 0); err != nil {
			return err
		}
		r++
	}
	if err := line(c.Office, b.right, 0); err != nil {
		return err
	}
	if err := line("事務取扱責任者　"+c.Responsible, b.right, 0); err != nil {
		return err
	}
	r++
	if err := line(certTitle, b.title, 30); err != nil {
		return err
	}
	r++
	statement := c.Statement
	if statement == "" {
		statement = CertificateStatement
	}
	if err := line(statement, b.wrap, rowHeight(statement, 100)); err != nil {
		return err
	}
	r++
	if err := line("記", b.center, 0); err != nil {
		return err
	}
	r++
	facts := [][2]string{
		{"廃棄日", dateJA(jpdate.DateOf(c.DisposedOn))},
		{"対象企業", c.Company},
		{"件数", fmt.Sprintf("%d件", len(c.Items))},
		{"事務取扱責任者", c.Responsible},
		{"実施者", c.Operator},
		{"責任者承認日", dateJA(jpdate.DateOf(c.ApprovedOn))},
	}
	if c.Note != "" {
		facts = append(facts, [2]string{"備考", c.Note})
	}
	for _, f := range facts {
		if err := b.put(s, "A"+row(), "B"+row(), f[0], b.label); err != nil {
			return err
		}
		if err := b.put(s, "C"+row(), last+row(), f[1], b.cell); err != nil {
			return err
		}
		if h := rowHeight(f[1], 90); h > 0 {
			if err := b.height(s, r, h); err != nil {
				return err
			}
		}
		r++
	}
	r++
	for i, h := range []string{"No.", "従業員コード", "氏名", "続柄", "廃棄した情報", "廃棄方法", "廃棄理由"} {
		if err := b.put(s, cellName(i+1, r), "", h, b.label); err != nil {
			return err
		}
	}
	r++
	for i, it := range c.Items {
		method := it.Method
		if method == "" {
			method = MethodCryptoShred
		}
		for j, v := range []any{i + 1, it.EmployeeCode, it.Name, it.Relation, it.Kind, method, it.Reason} {
			style := b.cell
			if j == 0 {
				style = b.no
			}
			if err := b.put(s, cellName(j+1, r), "", v, style); err != nil {
				return err
			}
		}
		if h := rowFit(certWidths, "", it.EmployeeCode, it.Name, it.Relation, it.Kind, method, it.Reason); h > 0 {
			if err := b.height(s, r, h); err != nil {
				return err
			}
		}
		r++
	}
	r++
	if err := line("以上", b.right, 0); err != nil {
		return err
	}
	r++
	// Paper: the system never held it, so the certificate cannot vouch for it; the office
	// writes in what it shredded or dissolved, if anything.
	if err := line("【任意】本システム外の書類（紙の申告書・写し等）の廃棄", b.heading, 0); err != nil {
		return err
	}
	if err := line(paperNote, b.small, rowHeight(paperNote, 100)); err != nil {
		return err
	}
	for i, h := range []string{"No.", "書類の種類", "", "件数", "廃棄方法（細断・溶解等）", "廃棄日", "実施者"} {
		if i == 2 {
			continue
		}
		last := ""
		if i == 1 {
			last = cellName(3, r)
		}
		if err := b.put(s, cellName(i+1, r), last, h, b.label); err != nil {
			return err
		}
	}
	r++
	for i := range paperRows {
		for j := 1; j <= len(certWidths); j++ {
			if j == 3 {
				continue
			}
			var v any = ""
			style := b.cell
			if j == 1 {
				v, style = i+1, b.no
			}
			last := ""
			if j == 2 {
				last = cellName(3, r)
			}
			if err := b.put(s, cellName(j, r), last, v, style); err != nil {
				return err
			}
		}
		if err := b.height(s, r, 24); err != nil {
			return err
		}
		r++
	}
	return b.finish(w, opts)
}
