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

// The 責任者 / 担当者 of each company are the office's, not one workstation's: a change of them
// on any workstation (1-1) reaches the others in the list of workstations (officeMsg), sealed
// to the recipient (logins are names: the relay must not read them). Each workstation applies
// the set of a company, by login, when it was changed later than the set it holds; users are
// enrolled on each PC, so a login that has no user here gets nothing.

// wsCompanyRoles is a company's role assignments as a workstation holds them: Relay names the
// company, At is when they last changed (store time text).
type wsCompanyRoles struct {
	Relay string   `json:"relay"`
	At    string   `json:"at"`
	Roles []wsRole `json:"roles"`
}

// appliedRolesPrefix starts the detail of the history entry that records roles taken from
// another workstation: such entries are not changes of this side's.
const appliedRolesPrefix = "roles as on workstation "

func rolesAAD(from, to string) []byte {
	return []byte("shelter-workstation-roles|" + from + "|" + to)
}

func rolesMeta(companyID int64) string { return fmt.Sprintf("ws_roles_at_%d", companyID) }

// rolesAt is when the roles of companyID last changed as this side knows it: its own last
// change (1-1) or the time of the set it took from another workstation, the later ("" never).
// A change made here after taking a set is later than that set even when this PC's clock is
// behind the PC that made the set (1 ms after it), so that the others take it.
func rolesAt(tx *store.Tx, companyID int64) (string, error) {
	var own string
	var ownID int64
	if err := tx.QueryRow(`SELECT coalesce(max(at), ''), coalesce(max(id), 0) FROM audit_log WHERE company_id = ? AND action = ?
		AND detail NOT LIKE ?`, companyID, string(audit.ActionAssignmentChange), appliedRolesPrefix+"%").Scan(&own, &ownID); err != nil {
		return "", err
	}
	taken, _, err := tx.Meta(rolesMeta(companyID))
	if err != nil {
		return "", err
	}
	takenID, _, err := tx.Meta(rolesMeta(companyID) + "_entry")
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

// rolesFor lists the role assignments of every company shared with workstation office.
func rolesFor(tx *store.Tx, office string) ([]wsCompanyRoles, error) {
	rows, err := tx.Query(`SELECT sh.company_id, sh.relay_company FROM shares sh JOIN share_members m ON m.company_id = sh.company_id
		WHERE m.office = ? AND m.removed_at = '' AND sh.left_share = 0 ORDER BY sh.relay_company`, office)
	if err != nil {
		return nil, err
	}
	type company struct {
		id    int64
		relay string
	}
	var cs []company
	for rows.Next() {
		var c company
		if err := rows.Scan(&c.id, &c.relay); err != nil {
			rows.Close()
			return nil, err
		}
		cs = append(cs, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []wsCompanyRoles
	for _, c := range cs {
		at, err := rolesAt(tx, c.id)
		if err != nil || at == "" {
			if err != nil {
				return nil, err
			}
			continue // never set here: nothing to say
		}
		roles, err := companyRoles(tx, c.id)
		if err != nil {
			return nil, err
		}
		out = append(out, wsCompanyRoles{Relay: c.relay, At: at, Roles: roles})
	}
	return out, nil
}

// importRoles applies the role sets of an officeMsg from workstation from that are later than
// the ones held here, each with a history entry.
func (s *Service) importRoles(tx *store.Tx, p auth.Principal, keys *vault.Keys, from, self string, box []byte) error {
	if len(box) == 0 {
		return nil
	}
	pt, err := keys.OpenSealed(tx, rolesAAD(from, self), box)
	if err != nil {
		return nil // not sealed to this installation: ignored
	}
	var sets []wsCompanyRoles
	if err := json.Unmarshal(pt, &sets); err != nil {
		return nil
	}
	for _, c := range sets {
		var companyID int64
		if err := tx.QueryRow(`SELECT company_id FROM shares WHERE relay_company = ? AND left_share = 0`, c.Relay).Scan(&companyID); err != nil {
			continue // not a company shared here
		}
		held, err := rolesAt(tx, companyID)
		if err != nil {
			return err
		}
		if c.At <= held {
			continue
		}
		if _, err := tx.Exec(`DELETE FROM assignments WHERE company_id = ?`, companyID); err != nil {
			return fmt.Errorf("replacing roles: %w", err)
		}
		var given []string
		for _, r := range c.Roles {
			if r.Role != string(auth.Manager) && r.Role != string(auth.Handler) {
				continue
			}
			res, err := tx.Exec(`INSERT OR IGNORE INTO assignments(company_id, user_id, role, assigned_at)
				SELECT ?, id, ?, ? FROM users WHERE login = ? AND disabled = 0`, companyID, r.Role, tx.NowText(), r.Login)
			if err != nil {
				return fmt.Errorf("replacing roles: %w", err)
			}
			if n, _ := res.RowsAffected(); n > 0 {
				given = append(given, r.Login+"="+r.Role)
			}
		}
		if err := tx.SetMeta(rolesMeta(companyID), c.At); err != nil {
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
		if err := tx.SetMeta(rolesMeta(companyID)+"_entry", strconv.FormatInt(written.ID, 10)); err != nil {
			return err
		}
	}
	return nil
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
	var given []string
	for _, r := range roles {
		if r.Role != string(auth.Manager) && r.Role != string(auth.Handler) {
			continue
		}
		res, err := tx.Exec(`INSERT OR IGNORE INTO assignments(company_id, user_id, role, assigned_at)
			SELECT ?, id, ?, ? FROM users WHERE login = ? AND disabled = 0`, companyID, r.Role, tx.NowText(), r.Login)
		if err != nil {
			return fmt.Errorf("assigning a role: %w", err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			given = append(given, r.Login+"="+r.Role)
		}
	}
	if len(given) == 0 {
		return nil
	}
	e := p.Entry(audit.ActionAssignmentChange, audit.ResultOK)
	e.CompanyID, e.TargetType, e.TargetID = companyID, "company", fmt.Sprint(companyID)
	e.Detail = audit.Redact("roles as on workstation " + from + ": " + strings.Join(given, ", "))
	_, err := log.Append(tx, e)
	return err
}
