package report

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Register is the input of [WriteFileRegister]: the register of 特定個人情報ファイル
// (特定個人情報ファイル管理台帳) that the PPC guideline (別添 安全管理措置 C-c) asks for. It describes the
// files; it must never hold their contents: a register with a number in it would itself
// become a 特定個人情報ファイル.
type Register struct {
	// Office is the office that keeps the register. Required.
	Office string
	// Company is the company whose files are listed. Required.
	Company string
	// AsOf is the date the register describes (a calendar date). Required.
	AsOf time.Time
	// Files are the kinds of file, one row each. At least one.
	Files []RegisterFile
}

// RegisterFile is one kind of 特定個人情報ファイル.
type RegisterFile struct {
	// Name is the kind and name of the file (特定個人情報ファイルの種類・名称), e.g.
	// "従業員の個人番号（MyNumber Shelter 保管庫）". Required.
	Name string
	// Responsible is the person responsible (責任者). Required.
	Responsible string
	// Department is the department that handles it (取扱部署).
	Department string
	// Purposes are the 利用目的, one per line. At least one.
	Purposes []string
	// Retention is the retention period (保存期間), e.g. from app/dispose's Rule.PeriodJA.
	Retention string
	// Disposal is the state of deletion and disposal (削除・廃棄状況), e.g. "令和7年3月31日
	// 退職者3名分を廃棄（証明書 MS-2025-0001）".
	Disposal string
	// AccessHolders are the people (or roles) with access rights (アクセス権を有する者).
	AccessHolders []string
}

const (
	registerTitle = "特定個人情報ファイル管理台帳"
	registerSheet = "管理台帳"
	registerNote  = "※本台帳には個人番号その他の特定個人情報を記載しない。"
)

var (
	registerColumns = []string{"No.", "特定個人情報ファイルの種類・名称", "責任者", "取扱部署", "利用目的", "保存期間", "削除・廃棄状況", "アクセス権を有する者"}
	registerWidths  = []float64{5, 26, 14, 14, 32, 24, 26, 24}
)

// WriteFileRegister writes the register of 特定個人情報ファイル to w: one A4 landscape sheet with
// the office, company and date, then one row per file with its name, responsible person,
// department, purposes, retention period, state of disposal and who has access.
//
// It checks r first and writes nothing when a required field is empty ([ErrMissing]) or any
// text holds a valid-looking My Number ([ErrMyNumber]); the error names the field.
func WriteFileRegister(w io.Writer, r Register, opts Options) error {
	if err := r.check(); err != nil {
		return fmt.Errorf("file register: %w", err)
	}
	if err := r.write(w, opts); err != nil {
		return fmt.Errorf("file register: %w", err)
	}
	return nil
}

func (r Register) check() error {
	if err := require("Office", r.Office); err != nil {
		return err
	}
	if err := require("Company", r.Company); err != nil {
		return err
	}
	if r.AsOf.IsZero() {
		return fieldErr("AsOf", ErrMissing)
	}
	if len(r.Files) == 0 {
		return fieldErr("Files", ErrMissing)
	}
	for i, f := range r.Files {
		p := fmt.Sprintf("Files[%d].", i)
		if err := require(p+"Name", f.Name); err != nil {
			return err
		}
		if err := require(p+"Responsible", f.Responsible); err != nil {
			return err
		}
		if len(f.Purposes) == 0 {
			return fieldErr(p+"Purposes", ErrMissing)
		}
		texts := []struct{ name, text string }{
			{"Department", f.Department}, {"Retention", f.Retention}, {"Disposal", f.Disposal},
		}
		for j, s := range f.Purposes {
			texts = append(texts, struct{ name, text string }{fmt.Sprintf("Purposes[%d]", j), s})
		}
		for j, s := range f.AccessHolders {
			texts = append(texts, struct{ name, text string }{fmt.Sprintf("AccessHolders[%d]", j), s})
		}
		for _, t := range texts {
			if err := checkText(p+t.name, t.text); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r Register) write(w io.Writer, opts Options) error {
	b, err := newBook(registerSheet, registerTitle)
	if err != nil {
		return err
	}
	defer b.f.Close()
	s := registerSheet
	if err := b.pageSetup(s, landscape, registerTitle); err != nil {
		return err
	}
	if err := b.widths(s, registerWidths...); err != nil {
		return err
	}
	lastCol := cellName(len(registerColumns), 1)[:1]
	if err := b.put(s, "A1", lastCol+"1", registerTitle, b.title); err != nil {
		return err
	}
	if err := b.height(s, 1, 28); err != nil {
		return err
	}
	for i, kv := range [][2]string{
		{"事業所", r.Office},
		{"対象企業", r.Company},
		{"作成日", dateJA(r.AsOf)},
	} {
		row := i + 3
		if err := b.put(s, cellName(1, row), cellName(2, row), kv[0], b.label); err != nil {
			return err
		}
		if err := b.put(s, cellName(3, row), cellName(5, row), kv[1], b.cell); err != nil {
			return err
		}
	}
	head := 7
	for i, h := range registerColumns {
		if err := b.put(s, cellName(i+1, head), "", h, b.label); err != nil {
			return err
		}
	}
	for i, f := range r.Files {
		row := head + 1 + i
		purposes := strings.Join(f.Purposes, "\n")
		access := strings.Join(f.AccessHolders, "\n")
		values := []any{i + 1, f.Name, f.Responsible, f.Department, purposes, f.Retention, f.Disposal, access}
		for j, v := range values {
			style := b.cell
			if j == 0 {
				style = b.no
			}
			if err := b.put(s, cellName(j+1, row), "", v, style); err != nil {
				return err
			}
		}
		h := 0.0
		for j, v := range values[1:] {
			if t, ok := v.(string); ok {
				h = max(h, rowHeight(t, registerWidths[j+1]))
			}
		}
		if h > 0 {
			if err := b.height(s, row, h); err != nil {
				return err
			}
		}
	}
	note := head + len(r.Files) + 2
	if err := b.put(s, cellName(1, note), lastCol+fmt.Sprint(note), registerNote, b.small); err != nil {
		return err
	}
	return b.finish(w, opts)
}
