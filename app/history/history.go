// Package history turns audit entries into what a supervisor reads (2-1 取扱い履歴照会 and its
// report): the person, company, user or file an entry is about by name rather than by table
// and row id, the purpose by its Japanese name, the details in the UI language, and users by
// display name with their login id.
//
// The audit log itself stays as it is written (app/audit: ids and short English details, part
// of the chained MAC). Names are looked up when the history is read, so a renamed company
// shows its current name; a record deleted since shows its id with 削除済み.
//
// # What it must never do
//
// It never shows a My Number: the entries hold none (app/audit refuses them), and the names it
// looks up are names. It reads; it never writes.
package history

import (
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/roster"
	"github.com/mynumber-shelter/shelter/app/store"
)

// Row is one entry as a person reads it, in one language.
type Row struct {
	audit.Entry
	// User is "display name (login)", or the login alone for an entry without a user.
	User string
	// Action and Result are the labels of the entry's action and result.
	Action, Result string
	// Company is the client company's name, or "".
	Company string
	// Target names what the entry is about: "従業員 E0001 山田 太郎", "扶養親族 山田 花子（配偶者）
	// ／従業員 E0001 山田 太郎", "ユーザー 佐藤 花子 (sato)" …; "" for none.
	Target string
	// Purpose is the purpose's name ("給与所得の源泉徴収票作成事務"), or "".
	Purpose string
	// Detail is the entry's detail in the language asked for.
	Detail string
}

// Reader describes entries with names read through one transaction. Lookups are cached for
// the life of the Reader, so a page or a report of many entries reads each name once.
type Reader struct {
	tx   *store.Tx
	lang string

	users     map[int64]string
	companies map[int64]string
	persons   map[int64]string
	purposes  map[string][2]string
	other     map[string]string
}

// NewReader returns a Reader for lang ("ja" or "en"; anything else is Japanese).
func NewReader(tx *store.Tx, lang string) *Reader {
	if lang != "en" {
		lang = "ja"
	}
	return &Reader{tx: tx, lang: lang, users: map[int64]string{}, companies: map[int64]string{}, persons: map[int64]string{},
		other: map[string]string{}}
}

func (r *Reader) en() bool { return r.lang == "en" }

// pick returns ja or en for the Reader's language.
func (r *Reader) pick(ja, en string) string {
	if r.en() {
		return en
	}
	return ja
}

// Describe returns e as a person reads it.
func (r *Reader) Describe(e audit.Entry) (Row, error) {
	row := Row{Entry: e, Action: e.Action.Label(r.lang), Result: e.Result.Label(r.lang)}
	var err error
	if row.User, err = r.user(e.UserID, e.Login); err != nil {
		return row, err
	}
	if e.CompanyID != 0 {
		if row.Company, err = r.company(e.CompanyID); err != nil {
			return row, err
		}
	}
	if row.Target, err = r.target(e.TargetType, e.TargetID); err != nil {
		return row, err
	}
	if e.Purpose != "" {
		if row.Purpose, err = r.purpose(e.Purpose); err != nil {
			return row, err
		}
	}
	if row.Detail, err = r.detail(e.Detail); err != nil {
		return row, err
	}
	return row, nil
}

// user is "display name (login)".
func (r *Reader) user(id int64, login string) (string, error) {
	if id == 0 {
		return login, nil
	}
	if s, ok := r.users[id]; ok {
		return s, nil
	}
	var name, current string
	err := r.tx.QueryRow(`SELECT display_name, login FROM users WHERE id = ?`, id).Scan(&name, &current)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		r.users[id] = login
	case err != nil:
		return "", fmt.Errorf("reading user %d: %w", id, err)
	case login == "":
		r.users[id] = fmt.Sprintf("%s (%s)", name, current)
	default:
		r.users[id] = fmt.Sprintf("%s (%s)", name, login)
	}
	return r.users[id], nil
}

func (r *Reader) company(id int64) (string, error) {
	if s, ok := r.companies[id]; ok {
		return s, nil
	}
	var name string
	err := r.tx.QueryRow(`SELECT name FROM companies WHERE id = ?`, id).Scan(&name)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		name = r.pick(fmt.Sprintf("企業 #%d（削除済み）", id), fmt.Sprintf("company #%d (deleted)", id))
	case err != nil:
		return "", fmt.Errorf("reading company %d: %w", id, err)
	}
	r.companies[id] = name
	return name, nil
}

// person names a person: an employee by code and name, a dependent by name and 続柄 and
// their employee.
func (r *Reader) person(id int64) (string, error) {
	if s, ok := r.persons[id]; ok {
		return s, nil
	}
	var kind, name, relation string
	var code sql.NullString
	var employee sql.NullInt64
	err := r.tx.QueryRow(`SELECT kind, COALESCE(employee_code, ''), name, relation, employee_id FROM persons WHERE id = ?`, id).
		Scan(&kind, &code, &name, &relation, &employee)
	var s string
	switch {
	case errors.Is(err, sql.ErrNoRows):
		s = r.pick(fmt.Sprintf("人物 #%d（削除済み）", id), fmt.Sprintf("person #%d (deleted)", id))
	case err != nil:
		return "", fmt.Errorf("reading person %d: %w", id, err)
	case kind == "dependent":
		s = r.pick("扶養親族 ", "dependent ") + name + r.pick("（"+relationLabel(relation, "ja")+"）", " ("+relationLabel(relation, "en")+")")
		if employee.Valid {
			emp, err := r.person(employee.Int64)
			if err != nil {
				return "", err
			}
			s += r.pick("／", " / ") + emp
		}
	default:
		s = r.pick("従業員 ", "employee ") + code.String + " " + name
	}
	r.persons[id] = s
	return s, nil
}

func (r *Reader) purpose(code string) (string, error) {
	if r.purposes == nil {
		r.purposes = map[string][2]string{}
		rows, err := r.tx.Query(`SELECT code, label_ja, label_en FROM purposes`)
		if err != nil {
			return "", fmt.Errorf("reading purposes: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var c, ja, en string
			if err := rows.Scan(&c, &ja, &en); err != nil {
				return "", fmt.Errorf("reading purposes: %w", err)
			}
			r.purposes[c] = [2]string{ja, en}
		}
		if err := rows.Err(); err != nil {
			return "", err
		}
	}
	if l, ok := r.purposes[code]; ok {
		return r.pick(l[0], l[1]), nil
	}
	return code, nil
}

// lookup reads one name by query, cached under key; missing says what a deleted row shows.
func (r *Reader) lookup(key, query string, arg any, missing string) (string, error) {
	if s, ok := r.other[key]; ok {
		return s, nil
	}
	var s string
	err := r.tx.QueryRow(query, arg).Scan(&s)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		s = missing
	case err != nil:
		return "", fmt.Errorf("reading %s: %w", key, err)
	}
	r.other[key] = s
	return s, nil
}

// target names the record of an entry.
func (r *Reader) target(typ, id string) (string, error) {
	n, numeric := strconv.ParseInt(id, 10, 64)
	deleted := r.pick("（削除済み）", " (deleted)")
	switch typ {
	case "":
		return "", nil
	case "person", "employee", "dependent":
		if numeric != nil {
			break
		}
		return r.person(n)
	case "company":
		if numeric != nil {
			break
		}
		c, err := r.company(n)
		return r.pick("契約企業 ", "company ") + c, err
	case "user":
		if numeric != nil {
			break
		}
		u, err := r.lookup("user:"+id, `SELECT display_name || ' (' || login || ')' FROM users WHERE id = ?`, n, "#"+id+deleted)
		return r.pick("ユーザー ", "user ") + u, err
	case "department":
		if numeric != nil {
			break
		}
		d, err := r.lookup("dept:"+id, `SELECT name FROM departments WHERE id = ?`, n, "#"+id+deleted)
		return r.pick("部署 ", "department ") + d, err
	case "disposal":
		if numeric != nil {
			break
		}
		c, err := r.lookup("disposal:"+id, `SELECT COALESCE(certificate_no, '') FROM disposals WHERE id = ?`, n, "")
		if c != "" {
			return r.pick(fmt.Sprintf("廃棄 #%s（証明書 %s）", id, c), fmt.Sprintf("disposal #%s (certificate %s)", id, c)), err
		}
		return r.pick("廃棄 #", "disposal #") + id, err
	case "collection_request":
		if numeric != nil {
			break
		}
		t, err := r.lookup("request:"+id, `SELECT title FROM collection_requests WHERE id = ?`, n, "")
		if t != "" {
			return r.pick(fmt.Sprintf("収集依頼 #%s「%s」", id, t), fmt.Sprintf("collection request #%s “%s”", id, t)), err
		}
		return r.pick("収集依頼 #", "collection request #") + id, err
	}
	if l, ok := targetLabels[typ]; ok {
		s := r.pick(l[0], l[1])
		if id != "" && typ != "office" {
			s += " " + id
		}
		return s, nil
	}
	if id == "" {
		return typ, nil
	}
	return typ + " #" + id, nil
}

// targetLabels name the kinds of record that have no name of their own.
var targetLabels = map[string][2]string{
	"office":             {"事業所（M-1）", "the office (M-1)"},
	"vault":              {"保管庫", "vault"},
	"keys":               {"鍵ストア", "key store"},
	"backup":             {"バックアップ", "backup"},
	"recovery_kit":       {"リカバリーキット", "Recovery Kit"},
	"second_factor":      {"二要素認証の設定", "second-factor policy"},
	"jpki_trust_anchors": {"JPKI の信頼するCA", "JPKI trust anchors"},
	"relay":              {"中継サーバー", "cloud relay"},
	"devices":            {"機器", "devices"},
	"share":              {"データ共有", "sharing"},
	"import_preset":      {"取込設定", "import mapping"},
	"purpose":            {"利用目的", "purpose"},
	"format":             {"ダウンロードフォーマット", "download format"},
	"file":               {"ファイル", "file"},
	"file_register":      {"特定個人情報ファイル管理台帳", "file register"},
	"history":            {"取扱い履歴", "history"},
	"submission":         {"オンライン提出", "online submission"},
}

func relationLabel(code, lang string) string { return roster.Relation(code).Label(lang) }
