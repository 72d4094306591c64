package share

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
)

// The 責任者 / 担当者 of each company and its download formats are the office's, not one
// workstation's: a change of them on any workstation (1-1, 3-1) reaches the others in the list
// of workstations (officeMsg), sealed to the recipient (logins are names: the relay must not
// read them). Each workstation applies a company's set when it was changed later than the set
// it holds; users are enrolled on each PC, so a login that has no user here gets nothing.

// wsCompanySettings is a company's settings as a workstation holds them: Relay names the company;
// At is when its role assignments last changed (store time text, "" never) and Roles are them;
// FormatsAt and Formats the same for its download formats (3-1).
type wsCompanySettings struct {
	Relay     string     `json:"relay"`
	At        string     `json:"at,omitempty"`
	Roles     []wsRole   `json:"roles,omitempty"`
	FormatsAt string     `json:"formatsAt,omitempty"`
	Formats   []wsFormat `json:"formats,omitempty"`
}

// wsFormat is a saved download format of a company (its spec as app/use stores it).
type wsFormat struct {
	Name string `json:"name"`
	Spec string `json:"spec"`
}

// The details of the history entries that record settings taken from another workstation
// start so: such entries are not changes of this side's.
const (
	appliedRolesPrefix   = "roles as on workstation "
	appliedFormatsPrefix = "download formats as on workstation "
)

func settingsAAD(from, to string) []byte {
	return []byte("shelter-workstation-settings|" + from + "|" + to)
}

// setting is one kind of company setting the workstations keep alike: which history entries
// are its changes here, and where the time of the set taken from another workstation is kept.
type setting struct {
	where  string // on audit_log, with the company's id bound first
	arg    string
	prefix string // of the entries that record a set taken from another workstation
	meta   string // meta key prefix
}

var (
	roleSetting   = setting{where: "action = ?", arg: string(audit.ActionAssignmentChange), prefix: appliedRolesPrefix, meta: "ws_roles_at_"}
	formatSetting = setting{where: "target_type = ?", arg: "download_format", prefix: appliedFormatsPrefix, meta: "ws_formats_at_"}
)

func (k setting) metaKey(companyID int64) string { return fmt.Sprintf("%s%d", k.meta, companyID) }

// at is when the setting of companyID last changed as this side knows it: its own last change
// or the time of the set it took from another workstation, the later ("" never). A change made
// here after taking a set is later than that set even when this PC's clock is behind the PC
// that made the set (1 ms after it), so that the others take it.
func (k setting) at(tx *store.Tx, companyID int64) (string, error) {
	var own string
	var ownID int64
	if err := tx.QueryRow(`SELECT coalesce(max(at), ''), coalesce(max(id), 0) FROM audit_log WHERE company_id = ? AND `+k.where+`
		AND detail NOT LIKE ?`, companyID, k.arg, k.prefix+"%").Scan(&own, &ownID); err != nil {
		return "", err
	}
	taken, _, err := tx.Meta(k.metaKey(companyID))
	if err != nil {
		return "", err
	}
	takenID, _, err := tx.Meta(k.metaKey(companyID) + "_entry")
	if err != nil {
		return "", err
	}
	if id, _ := strconv.ParseInt(takenID, 10, 64); ownID > id && own <= taken {
		t, err := store.ParseTime(taken)
		if err != nil {
			return "", err
		}
		return store.FormatTime(t.Add(time.Millisecond)), nil
	}
	return max(own, taken), nil
}

// taken records that the set of time at was taken here, with its history entry.
func (k setting) taken(tx *store.Tx, companyID int64, at string, entry int64) error {
	if err := tx.SetMeta(k.metaKey(companyID), at); err != nil {
		return err
	}
	return tx.SetMeta(k.metaKey(companyID)+"_entry", strconv.FormatInt(entry, 10))
}

// settingsFor lists the settings (role assignments, download formats) of every company shared
// with workstation office that were ever set here.
func settingsFor(tx *store.Tx, office string) ([]wsCompanySettings, error) {
	type company struct {
		id    int64
		relay string
	}
	cs, err := queryAll(tx, func(r *sql.Rows, c *company) error { return r.Scan(&c.id, &c.relay) },
		`SELECT sh.company_id, sh.relay_company FROM shares sh JOIN share_members m ON m.company_id = sh.company_id
		WHERE m.office = ? AND m.removed_at = '' AND sh.left_share = 0 ORDER BY sh.relay_company`, office)
	if err != nil {
		return nil, err
	}
	var out []wsCompanySettings
	for _, c := range cs {
		set := wsCompanySettings{Relay: c.relay}
		if set.At, err = roleSetting.at(tx, c.id); err != nil {
			return nil, err
		}
		if set.At != "" {
			if set.Roles, err = companyRoles(tx, c.id); err != nil {
				return nil, err
			}
		}
		if set.FormatsAt, err = formatSetting.at(tx, c.id); err != nil {
			return nil, err
		}
		if set.FormatsAt != "" {
			if set.Formats, err = queryAll(tx, func(r *sql.Rows, f *wsFormat) error { return r.Scan(&f.Name, &f.Spec) },
				`SELECT name, spec FROM download_formats WHERE company_id = ? ORDER BY name`, c.id); err != nil {
				return nil, err
			}
		}
		if set.At != "" || set.FormatsAt != "" {
			out = append(out, set)
		}
	}
	return out, nil
}

// importSettings applies the company settings of an officeMsg from workstation from that are
// later than the ones held here, each with a history entry.
func (s *Service) importSettings(tx *store.Tx, p auth.Principal, keys *vault.Keys, from, self string, box []byte) error {
	if len(box) == 0 {
		return nil
	}
	pt, err := keys.OpenSealed(tx, settingsAAD(from, self), box)
	if err != nil {
		return nil // not sealed to this installation: ignored
	}
	var sets []wsCompanySettings
	if err := json.Unmarshal(pt, &sets); err != nil {
		return nil
	}
	for _, c := range sets {
		var companyID int64
		if err := tx.QueryRow(`SELECT company_id FROM shares WHERE relay_company = ? AND left_share = 0`, c.Relay).Scan(&companyID); err != nil {
			continue // not a company shared here
		}
		if err := s.takeRoles(tx, p, companyID, from, c); err != nil {
			return err
		}
		if err := s.takeFormats(tx, p, companyID, from, c); err != nil {
			return err
		}
	}
	return nil
}

// takeRoles replaces the company's role assignments with c's when they are later.
func (s *Service) takeRoles(tx *store.Tx, p auth.Principal, companyID int64, from string, c wsCompanySettings) error {
	held, err := roleSetting.at(tx, companyID)
	if err != nil || c.At == "" || c.At <= held {
		return err
	}
	if _, err := tx.Exec(`DELETE FROM assignments WHERE company_id = ?`, companyID); err != nil {
		return fmt.Errorf("replacing roles: %w", err)
	}
	given, err := assignByLogin(tx, companyID, c.Roles)
	if err != nil {
		return err
	}
	if len(given) == 0 {
		given = append(given, "none")
	}
	e := p.Entry(audit.ActionAssignmentChange, audit.ResultOK)
	e.CompanyID, e.TargetType, e.TargetID = companyID, "company", fmt.Sprint(companyID)
	e.Detail = audit.Redact(appliedRolesPrefix + from + ": " + strings.Join(given, ", "))
	written, err := s.Audit.Append(tx, e)
	if err != nil {
		return err
	}
	return roleSetting.taken(tx, companyID, c.At, written.ID)
}

// takeFormats replaces the company's download formats with c's when they are later.
func (s *Service) takeFormats(tx *store.Tx, p auth.Principal, companyID int64, from string, c wsCompanySettings) error {
	held, err := formatSetting.at(tx, companyID)
	if err != nil || c.FormatsAt == "" || c.FormatsAt <= held {
		return err
	}
	if _, err := tx.Exec(`DELETE FROM download_formats WHERE company_id = ?`, companyID); err != nil {
		return fmt.Errorf("replacing download formats: %w", err)
	}
	var names []string
	for _, f := range c.Formats {
		if f.Name == "" || !json.Valid([]byte(f.Spec)) {
			continue
		}
		if _, err := tx.Exec(`INSERT OR IGNORE INTO download_formats(company_id, name, spec, updated_at) VALUES(?, ?, ?, ?)`,
			companyID, f.Name, f.Spec, tx.NowText()); err != nil {
			return fmt.Errorf("replacing download formats: %w", err)
		}
		names = append(names, f.Name)
	}
	if len(names) == 0 {
		names = append(names, "none")
	}
	e := p.Entry(audit.ActionSettingChange, audit.ResultOK)
	e.CompanyID, e.TargetType, e.TargetID = companyID, "download_format", ""
	e.Detail = audit.Redact(appliedFormatsPrefix + from + ": " + strings.Join(names, ", "))
	written, err := s.Audit.Append(tx, e)
	if err != nil {
		return err
	}
	return formatSetting.taken(tx, companyID, c.FormatsAt, written.ID)
}

// companyRoles lists the company's role assignments by login.
func companyRoles(tx *store.Tx, companyID int64) ([]wsRole, error) {
	return queryAll(tx, func(r *sql.Rows, w *wsRole) error { return r.Scan(&w.Login, &w.Role) },
		`SELECT u.login, a.role FROM assignments a JOIN users u ON u.id = a.user_id
		WHERE a.company_id = ? AND u.disabled = 0 ORDER BY u.login, a.role`, companyID)
}

// applyRoles gives the users here with the logins of roles their roles in companyID (a
// company a workstation of the office offered), with one history entry.
func applyRoles(tx *store.Tx, p auth.Principal, log *audit.Log, companyID int64, from string, roles []wsRole) error {
	given, err := assignByLogin(tx, companyID, roles)
	if err != nil || len(given) == 0 {
		return err
	}
	e := p.Entry(audit.ActionAssignmentChange, audit.ResultOK)
	e.CompanyID, e.TargetType, e.TargetID = companyID, "company", fmt.Sprint(companyID)
	e.Detail = audit.Redact(appliedRolesPrefix + from + ": " + strings.Join(given, ", "))
	_, err = log.Append(tx, e)
	return err
}

// assignByLogin gives the enabled users here with the logins of roles their 責任者 / 担当者
// roles in companyID (other roles and unknown logins are skipped) and returns what it gave as
// "login=role".
func assignByLogin(tx *store.Tx, companyID int64, roles []wsRole) ([]string, error) {
	var given []string
	for _, r := range roles {
		if r.Role != string(auth.Manager) && r.Role != string(auth.Handler) {
			continue
		}
		res, err := tx.Exec(`INSERT OR IGNORE INTO assignments(company_id, user_id, role, assigned_at)
			SELECT ?, id, ?, ? FROM users WHERE login = ? AND disabled = 0`, companyID, r.Role, tx.NowText(), r.Login)
		if err != nil {
			return nil, fmt.Errorf("assigning a role: %w", err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			given = append(given, r.Login+"="+r.Role)
		}
	}
	return given, nil
}
