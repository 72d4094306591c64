package use

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/report"
	"github.com/mynumber-shelter/shelter/app/store"
)

// Field is what a download column holds. Its value is stored in download_formats.spec and is
// stable API for the frontend.
type Field string

const (
	FieldEmployeeCode  Field = "employeeCode"  // 従業員コード (a dependent's: their employee's)
	FieldName          Field = "name"          // 氏名
	FieldNameKana      Field = "nameKana"      // フリガナ
	FieldBirthDate     Field = "birthDate"     // 生年月日 (in the format's date style)
	FieldSex           Field = "sex"           // 性別 (男 / 女)
	FieldPersonKind    Field = "personKind"    // 区分 (本人 / 扶養親族)
	FieldRelation      Field = "relation"      // 続柄 (本人 for an employee)
	FieldNumber        Field = "number"        // 個人番号 (12 digits)
	FieldDepartment    Field = "department"    // 部署 (a dependent's: their employee's)
	FieldEmployeeName  Field = "employeeName"  // 従業員名 (a dependent's: their employee's name)
	FieldDependentName Field = "dependentName" // 扶養親族等名 (dependents only; "" for an employee)
	FieldHiredOn       Field = "hiredOn"       // 入社日 (employee's)
	FieldLeftOn        Field = "leftOn"        // 退職日 (employee's)
	FieldBlank         Field = "blank"         // 空欄: an always-empty column of a fixed layout
)

// FieldInfo describes a Field for the format editor.
type FieldInfo struct {
	Field   Field
	LabelJA string
	LabelEN string
}

var fields = []FieldInfo{
	{FieldEmployeeCode, "従業員コード", "Employee code"},
	{FieldName, "氏名", "Name"},
	{FieldNameKana, "フリガナ", "Reading"},
	{FieldBirthDate, "生年月日", "Birth date"},
	{FieldSex, "性別", "Sex"},
	{FieldPersonKind, "区分", "Person kind"},
	{FieldRelation, "続柄", "Relation"},
	{FieldNumber, "個人番号", "My Number"},
	{FieldDepartment, "部署", "Department"},
	{FieldEmployeeName, "従業員名", "Employee name"},
	{FieldDependentName, "扶養親族等名", "Dependent name"},
	{FieldHiredOn, "入社日", "Hired on"},
	{FieldLeftOn, "退職日", "Left on"},
	{FieldBlank, "空欄", "Blank"},
}

// Fields returns every Field in display order.
func Fields() []FieldInfo { return append([]FieldInfo(nil), fields...) }

func (f Field) info() (FieldInfo, bool) {
	for _, x := range fields {
		if x.Field == f {
			return x, true
		}
	}
	return FieldInfo{}, false
}

// Encoding is the character encoding of a CSV download.
type Encoding string

const (
	CP932   Encoding = "cp932"   // Windows-31J (Shift_JIS as Windows writes it)
	UTF8BOM Encoding = "utf8bom" // UTF-8 with a byte order mark (what Excel needs)
)

// DateStyle is how dates are written.
type DateStyle string

const (
	DatesWestern DateStyle = "western" // 西暦: 1985/04/01
	DatesWareki  DateStyle = "wareki"  // 和暦: 昭和60年4月1日 (jpdate.Wareki)
)

// LineEnding ends each line of a CSV download.
type LineEnding string

const (
	CRLF LineEnding = "crlf"
	LF   LineEnding = "lf"
)

// Column is one column of a download, in file order.
type Column struct {
	Field Field `json:"field"`
	// Title is the header text; "" means the field's Japanese label.
	Title string `json:"title,omitempty"`
	// MaxWidth, when > 0, is the most a value may take in half-width units (全角 = 2, as
	// Japanese payroll layouts count 桁数(半角)). A longer value refuses the download, naming
	// the row and column; it is never cut.
	MaxWidth int `json:"maxWidth,omitempty"`
	// NoSpaces removes half- and full-width spaces from the value (弥生: 姓と名の間はスペースを
	// 入れない).
	NoSpaces bool `json:"noSpaces,omitempty"`
}

// Spec is a download format's settings, stored as JSON in download_formats.spec.
type Spec struct {
	Columns    []Column   `json:"columns"`
	Encoding   Encoding   `json:"encoding"`
	Header     bool       `json:"header"`
	Dates      DateStyle  `json:"dates"`
	LineEnding LineEnding `json:"lineEnding"`
	// NoFormulaGuard writes free text of a CSV file as it is, for a file that a program imports
	// rather than a spreadsheet opens (a payroll package would keep a defusing apostrophe as
	// part of a name). By default a CSV value starting with = + - @ gets a leading apostrophe.
	NoFormulaGuard bool `json:"noFormulaGuard,omitempty"`
}

// Limits of a format.
const (
	MaxColumns    = 40
	MaxNameLen    = 50
	MaxTitleLen   = 40
	MaxSpecLength = 16 << 10 // bytes of JSON
)

// Normalize fills defaults (CP932, 西暦, CRLF) and checks the spec. Errors are user-safe, with
// Field "columns", "encoding", "dates" or "lineEnding".
func (sp *Spec) Normalize() error {
	if sp.Encoding == "" {
		sp.Encoding = CP932
	}
	if sp.Dates == "" {
		sp.Dates = DatesWestern
	}
	if sp.LineEnding == "" {
		sp.LineEnding = CRLF
	}
	switch {
	case sp.Encoding != CP932 && sp.Encoding != UTF8BOM:
		return apperr.Invalid("encoding", "文字コードは Shift_JIS (CP932) か UTF-8 (BOM付き) を選んでください。", "Choose CP932 or UTF-8 with BOM.")
	case sp.Dates != DatesWestern && sp.Dates != DatesWareki:
		return apperr.Invalid("dates", "日付の形式は西暦か和暦を選んでください。", "Choose Western or Japanese-era dates.")
	case sp.LineEnding != CRLF && sp.LineEnding != LF:
		return apperr.Invalid("lineEnding", "改行コードは CRLF か LF を選んでください。", "Choose CRLF or LF line endings.")
	case len(sp.Columns) == 0:
		return apperr.Invalid("columns", "出力する項目を選んでください。", "Choose the columns.")
	case len(sp.Columns) > MaxColumns:
		return apperr.Invalid("columns", fmt.Sprintf("項目は%d個までです。", MaxColumns), fmt.Sprintf("At most %d columns.", MaxColumns))
	}
	numbers := 0
	for i := range sp.Columns {
		c := &sp.Columns[i]
		if _, ok := c.Field.info(); !ok {
			return apperr.Invalid("columns", fmt.Sprintf("%d番目の項目の種類が正しくありません。", i+1), fmt.Sprintf("Column %d has an unknown field.", i+1))
		}
		c.Title = strings.TrimSpace(c.Title)
		if !utf8.ValidString(c.Title) || utf8.RuneCountInString(c.Title) > MaxTitleLen || strings.ContainsAny(c.Title, "\r\n") {
			return apperr.Invalid("columns", fmt.Sprintf("%d番目の項目名は改行なしの%d文字以内にしてください。", i+1, MaxTitleLen),
				fmt.Sprintf("Column %d's title must be one line of at most %d characters.", i+1, MaxTitleLen))
		}
		if sp.Encoding == CP932 {
			if _, err := new(report.CP932Encoder).Encode(c.Title); err != nil {
				return apperr.Invalid("columns", fmt.Sprintf("%d番目の項目名に Shift_JIS (CP932) で書けない文字があります。", i+1),
					fmt.Sprintf("Column %d's title has a character CP932 cannot hold.", i+1))
			}
		}
		if c.MaxWidth < 0 || c.MaxWidth > 1000 {
			return apperr.Invalid("columns", fmt.Sprintf("%d番目の項目の桁数が正しくありません。", i+1), fmt.Sprintf("Column %d has a bad width.", i+1))
		}
		if c.Field == FieldNumber {
			numbers++
			if c.MaxWidth != 0 && c.MaxWidth < 12 {
				return apperr.Invalid("columns", "個人番号の桁数は12以上にしてください。", "The My Number column needs a width of at least 12.")
			}
		}
	}
	if numbers != 1 {
		return apperr.Invalid("columns", "個人番号の項目をちょうど一つ含めてください。", "Include the My Number column exactly once.")
	}
	return nil
}

// title is the header text of c.
func (c Column) title() string {
	if c.Title != "" {
		return c.Title
	}
	in, _ := c.Field.info()
	return in.LabelJA
}

// Format is a named download format of one company, or a built-in preset (ID 0, Preset set).
type Format struct {
	ID        int64
	CompanyID int64
	// Preset is the key of a built-in preset ([PresetYayoi]); "" for a saved format.
	Preset    string
	Name      string
	Spec      Spec
	UpdatedAt time.Time
	// NoteJA / NoteEN explain a preset (what is confirmed about the target layout).
	NoteJA, NoteEN string
}

// PresetYayoi is the key of the 弥生給与 (やよいの給与計算) My Number import layout.
const PresetYayoi = "yayoi-kyuyo"

// Presets returns the built-in formats.
//
// [PresetYayoi] follows 弥生's support page for importing My Numbers into 弥生給与
// (https://support.yayoi-kk.co.jp/subcontents.html?grade_id=Pro&page_id=24300, seen as quoted in
// compliance.md §6.2): one record per line ending in a line break; fields separated by commas;
// 1 従業員名 (必須, 20 half-width units, no space between family and given name), 2 扶養親族等名
// (20), 3 所得金額調整名 (20), 4 退職手当等を有する配偶者扶養親族名 (20), 5 個人番号 (必須, 12
// half-width digits). An employee's row has their name in 1 and 2–4 empty; a dependent's has
// the employee's name in 1 and their own in 2. 3 and 4 are written empty: this vault does not
// record who is a 所得金額調整 or 退職手当等 spouse, so the user adds those in 弥生 by hand.
//
// [unconfirmed]: the encoding (CP932 assumed; the page does not say), that there is no header
// line (the page describes data lines only), CRLF line ends, and the page's "No.1~6" names a
// sixth item this layout does not write.
func Presets() []Format {
	return []Format{{
		Preset: PresetYayoi,
		Name:   "弥生給与 マイナンバー取込",
		Spec: Spec{
			Columns: []Column{
				{Field: FieldEmployeeName, Title: "従業員名", MaxWidth: 20, NoSpaces: true},
				{Field: FieldDependentName, Title: "扶養親族等名", MaxWidth: 20, NoSpaces: true},
				{Field: FieldBlank, Title: "所得金額調整名", MaxWidth: 20},
				{Field: FieldBlank, Title: "退職手当等を有する配偶者扶養親族名", MaxWidth: 20},
				{Field: FieldNumber, Title: "個人番号", MaxWidth: 12},
			},
			// 弥生 imports the file: a name is matched as written, so no formula guard.
			Encoding: CP932, Header: false, Dates: DatesWestern, LineEnding: CRLF, NoFormulaGuard: true,
		},
		NoteJA: "弥生給与（やよいの給与計算）のマイナンバーインポート用です（Shift_JIS、見出し行なし）。事前に弥生給与へ従業員と扶養親族を登録し、バックアップを取ってから取り込んでください。",
		NoteEN: "For the My Number import of Yayoi Kyuyo (Shift_JIS, no heading line). Register the employees and dependents in Yayoi first and back up before importing.",
	}}
}

func presetByKey(key string) (Format, bool) {
	for _, p := range Presets() {
		if p.Preset == key {
			return p, true
		}
	}
	return Format{}, false
}

var errNoFormat = apperr.New(apperr.CodeNotFound, "format", "ダウンロードフォーマットが見つかりません。", "Download format not found.")

// ParseSpec reads a spec as stored (JSON) and normalises it.
func ParseSpec(b []byte) (Spec, error) {
	var sp Spec
	if len(b) > MaxSpecLength {
		return sp, apperr.Invalid("spec", "フォーマットの設定が大きすぎます。", "The format settings are too large.")
	}
	if err := json.Unmarshal(b, &sp); err != nil {
		return Spec{}, apperr.Wrap(err, apperr.CodeInvalid, "spec", "フォーマットの設定を読めません。", "The format settings cannot be read.")
	}
	if err := sp.Normalize(); err != nil {
		return Spec{}, err
	}
	return sp, nil
}

// Formats returns the built-in presets, then the company's saved formats by name.
func (s *Service) Formats(ctx context.Context, p auth.Principal, companyID int64) ([]Format, error) {
	var out []Format
	err := s.DB.View(ctx, func(tx *store.Tx) error {
		if err := requireUse(tx, p, companyID); err != nil {
			return err
		}
		rows, err := tx.Query(`SELECT id, name, spec, updated_at FROM download_formats WHERE company_id = ? ORDER BY name, id`, companyID)
		if err != nil {
			return fmt.Errorf("reading formats: %w", err)
		}
		defer rows.Close()
		for _, pr := range Presets() {
			pr.CompanyID = companyID
			out = append(out, pr)
		}
		for rows.Next() {
			f, err := scanFormat(rows, companyID)
			if err != nil {
				return err
			}
			out = append(out, f)
		}
		return rows.Err()
	})
	return out, err
}

func scanFormat(sc interface{ Scan(...any) error }, companyID int64) (Format, error) {
	f := Format{CompanyID: companyID}
	var spec, updated string
	if err := sc.Scan(&f.ID, &f.Name, &spec, &updated); err != nil {
		return f, fmt.Errorf("reading format: %w", err)
	}
	sp, err := ParseSpec([]byte(spec))
	if err != nil {
		return f, fmt.Errorf("format %d: %w", f.ID, err)
	}
	f.Spec = sp
	f.UpdatedAt, _ = store.ParseTime(updated)
	return f, nil
}

// formatTx returns saved format id of the company, or the preset named key when id is 0.
func formatTx(tx *store.Tx, companyID, id int64, key string) (Format, error) {
	if id == 0 {
		if f, ok := presetByKey(key); ok {
			f.CompanyID = companyID
			return f, nil
		}
		return Format{}, errNoFormat
	}
	f, err := scanFormat(tx.QueryRow(`SELECT id, name, spec, updated_at FROM download_formats WHERE id = ? AND company_id = ?`, id, companyID), companyID)
	if errors.Is(err, sql.ErrNoRows) {
		return Format{}, errNoFormat
	}
	return f, err
}

// SaveFormat adds (ID 0) or replaces a saved format of the company. The name is required, at
// most MaxNameLen characters and unique in the company (conflict otherwise). Recorded as
// audit.ActionSettingChange.
func (s *Service) SaveFormat(ctx context.Context, p auth.Principal, companyID int64, f Format) (Format, error) {
	f.Name = strings.TrimSpace(f.Name)
	if f.Name == "" || !utf8.ValidString(f.Name) || utf8.RuneCountInString(f.Name) > MaxNameLen || strings.ContainsAny(f.Name, "\r\n") {
		return f, apperr.Invalid("name", fmt.Sprintf("フォーマット名を%d文字以内で入力してください。", MaxNameLen), fmt.Sprintf("Enter a format name of at most %d characters.", MaxNameLen))
	}
	if err := f.Spec.Normalize(); err != nil {
		return f, err
	}
	spec, err := json.Marshal(f.Spec)
	if err != nil {
		return f, fmt.Errorf("encoding format: %w", err)
	}
	f.CompanyID, f.Preset = companyID, ""
	err = s.DB.Update(ctx, func(tx *store.Tx) error {
		if err := requireUse(tx, p, companyID); err != nil {
			return err
		}
		var taken int
		if err := tx.QueryRow(`SELECT count(*) FROM download_formats WHERE company_id = ? AND name = ? AND id <> ?`,
			companyID, f.Name, f.ID).Scan(&taken); err != nil {
			return fmt.Errorf("reading formats: %w", err)
		}
		if taken > 0 {
			return apperr.New(apperr.CodeConflict, "name", "同じ名前のフォーマットがあります。", "A format with this name exists.")
		}
		detail := "download format created: "
		if f.ID == 0 {
			res, err := tx.Exec(`INSERT INTO download_formats(company_id, name, spec, updated_at) VALUES(?, ?, ?, ?)`,
				companyID, f.Name, string(spec), tx.NowText())
			if err != nil {
				return fmt.Errorf("saving format: %w", err)
			}
			if f.ID, err = res.LastInsertId(); err != nil {
				return err
			}
		} else {
			res, err := tx.Exec(`UPDATE download_formats SET name = ?, spec = ?, updated_at = ? WHERE id = ? AND company_id = ?`,
				f.Name, string(spec), tx.NowText(), f.ID, companyID)
			if err != nil {
				return fmt.Errorf("saving format: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return errNoFormat
			}
			detail = "download format changed: "
		}
		f.UpdatedAt = tx.Now
		e := p.Entry(audit.ActionSettingChange, audit.ResultOK)
		e.CompanyID, e.TargetType, e.TargetID = companyID, "download_format", fmt.Sprint(f.ID)
		e.Detail = detail + audit.Redact(f.Name) + "; columns=" + columnList(f.Spec)
		_, err := s.Audit.Append(tx, e)
		return err
	})
	if err != nil {
		return Format{}, err
	}
	return f, nil
}

// columnList names the fields of sp in order, for the history.
func columnList(sp Spec) string {
	names := make([]string, len(sp.Columns))
	for i, c := range sp.Columns {
		names[i] = string(c.Field)
	}
	return strings.Join(names, ",") + "; " + string(sp.Encoding)
}

// DeleteFormat deletes a saved format of the company (presets cannot be deleted).
func (s *Service) DeleteFormat(ctx context.Context, p auth.Principal, companyID, id int64) error {
	return s.DB.Update(ctx, func(tx *store.Tx) error {
		if err := requireUse(tx, p, companyID); err != nil {
			return err
		}
		f, err := formatTx(tx, companyID, id, "")
		if err != nil {
			return err
		}
		if _, err := tx.Exec(`DELETE FROM download_formats WHERE id = ? AND company_id = ?`, id, companyID); err != nil {
			return fmt.Errorf("deleting format: %w", err)
		}
		e := p.Entry(audit.ActionSettingChange, audit.ResultOK)
		e.CompanyID, e.TargetType, e.TargetID = companyID, "download_format", fmt.Sprint(id)
		e.Detail = audit.Redact("download format deleted: " + f.Name)
		_, err = s.Audit.Append(tx, e)
		return err
	})
}
