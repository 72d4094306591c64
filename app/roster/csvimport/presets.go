package csvimport

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/store"
)

// Preset is a saved column mapping of one company (one per payroll or HR system it exports from).
type Preset struct {
	ID        int64
	CompanyID int64
	Name      string
	Mapping   Mapping
	UpdatedAt time.Time
}

// Validate checks a mapping without a file: known fields, each column given by a header name
// (at most 100 characters, not shaped like a number) or a position from 1.
func (m Mapping) Validate() error {
	for f, c := range m.Columns {
		fi, ok := fieldInfo(f)
		if !ok {
			return apperr.Invalid("mapping", "列の対応付けに不明な項目があります。", "The mapping names an unknown field.")
		}
		switch {
		case c.Header == "" && c.Index < 1:
			return apperr.Invalid("mapping", "「"+fi.JA+"」の列を見出し名か列番号で指定してください。", "Give the column of "+fi.EN+" by header name or position.")
		case c.Header != "" && m.NoHeader:
			return apperr.Invalid("mapping", "見出し行がないファイルでは、列を番号で指定してください。", "Without a header line, give columns by position.")
		case utf8.RuneCountInString(c.Header) > 100 || digitRun(c.Header):
			return apperr.Invalid("mapping", "「"+fi.JA+"」の見出し名が長すぎるか、数字が多すぎます。", "The header name for "+fi.EN+" is too long or has too many digits.")
		}
	}
	return nil
}

func requireRoster(tx *store.Tx, p auth.Principal, companyID int64) error {
	return auth.RequireCompanyRole(tx, p, companyID, auth.Manager, auth.Handler)
}

// Presets returns the company's saved mappings by name.
func (im *Importer) Presets(ctx context.Context, p auth.Principal, companyID int64) ([]Preset, error) {
	var out []Preset
	err := im.DB.View(ctx, func(tx *store.Tx) error {
		if err := requireRoster(tx, p, companyID); err != nil {
			return err
		}
		rows, err := tx.Query(`SELECT id, company_id, name, mapping, updated_at FROM import_presets WHERE company_id = ? ORDER BY name`, companyID)
		if err != nil {
			return fmt.Errorf("reading presets: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var pr Preset
			var m, updated string
			if err := rows.Scan(&pr.ID, &pr.CompanyID, &pr.Name, &m, &updated); err != nil {
				return fmt.Errorf("reading presets: %w", err)
			}
			if err := json.Unmarshal([]byte(m), &pr.Mapping); err != nil {
				return fmt.Errorf("reading preset %d: %w", pr.ID, err)
			}
			pr.UpdatedAt, _ = store.ParseTime(updated)
			out = append(out, pr)
		}
		return rows.Err()
	})
	return out, err
}

// SavePreset saves a mapping under a name, replacing the company's preset of that name.
func (im *Importer) SavePreset(ctx context.Context, p auth.Principal, companyID int64, name string, m Mapping) (Preset, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 64 || digitRun(name) {
		return Preset{}, apperr.Invalid("name", "設定名を64文字以内で入力してください（例: 給与システムA）。", "Enter a preset name of up to 64 characters.")
	}
	if err := m.Validate(); err != nil {
		return Preset{}, err
	}
	b, err := json.Marshal(m)
	if err != nil {
		return Preset{}, err
	}
	pr := Preset{CompanyID: companyID, Name: name, Mapping: m}
	err = im.DB.Update(ctx, func(tx *store.Tx) error {
		if err := requireRoster(tx, p, companyID); err != nil {
			return err
		}
		err := tx.QueryRow(`INSERT INTO import_presets(company_id, name, mapping, updated_at) VALUES(?, ?, ?, ?)
			ON CONFLICT(company_id, name) DO UPDATE SET mapping = excluded.mapping, updated_at = excluded.updated_at
			RETURNING id`, companyID, name, string(b), tx.NowText()).Scan(&pr.ID)
		if err != nil {
			return fmt.Errorf("saving preset: %w", err)
		}
		pr.UpdatedAt = tx.Now
		e := p.Entry(audit.ActionSettingChange, audit.ResultOK)
		e.CompanyID, e.TargetType, e.TargetID, e.Detail = companyID, "import_preset", fmt.Sprint(pr.ID), "employee import mapping saved"
		_, err = im.Audit.Append(tx, e)
		return err
	})
	return pr, err
}

// DeletePreset deletes a saved mapping of the company.
func (im *Importer) DeletePreset(ctx context.Context, p auth.Principal, companyID, id int64) error {
	return im.DB.Update(ctx, func(tx *store.Tx) error {
		if err := requireRoster(tx, p, companyID); err != nil {
			return err
		}
		res, err := tx.Exec(`DELETE FROM import_presets WHERE id = ? AND company_id = ?`, id, companyID)
		if err != nil {
			return fmt.Errorf("deleting preset: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.CodeNotFound, "", "設定が見つかりません。", "Preset not found.")
		}
		e := p.Entry(audit.ActionSettingChange, audit.ResultOK)
		e.CompanyID, e.TargetType, e.TargetID, e.Detail = companyID, "import_preset", fmt.Sprint(id), "employee import mapping deleted"
		_, err = im.Audit.Append(tx, e)
		return err
	})
}
